//! The connection's conversations beside the log: unread and mention badges, a click or
//! Alt+Up/Down (Alt+Shift for the next with unread) to show another, Ctrl+K to jump by name.

use leptos::html;
use leptos::prelude::*;
use wschat_core::protocol::{Target, TargetKind};
use wschat_core::unicode::lowercase;

use crate::listener::WindowListener;
use crate::session::ChatSession;

/// One row of the list, as drawn.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Row {
    index: usize,
    target: Target,
    unread: u32,
    mentioned: bool,
    active: bool,
    joined: bool,
}

/// The list; `draft` is the composer's, kept with the conversation it was typed in.
#[component]
pub fn ConversationList(session: ChatSession, draft: RwSignal<String>) -> impl IntoView {
    let rows = Memo::new(move |_| {
        session.chats.with(|chats| {
            let shown = chats.shown_index();
            chats
                .list()
                .iter()
                .enumerate()
                .map(|(index, c)| Row {
                    index,
                    target: c.target.clone(),
                    unread: c.log.unread(),
                    mentioned: c.log.unread_mentions() > 0,
                    active: index == shown,
                    joined: c.joined,
                })
                .collect::<Vec<_>>()
        })
    });
    let many = move || session.settings.with(|s| s.protocol.many_conversations());
    // At narrow widths the list folds away behind a button.
    let open = RwSignal::new(false);
    let show = move |index: usize| {
        draft.set(session.show(index, draft.get_untracked()));
        open.set(false);
    };
    let jumping = RwSignal::new(false);
    let keys = WindowListener::new("keydown", move |ev| {
        let Some(ev) = wasm_bindgen::JsCast::dyn_ref::<web_sys::KeyboardEvent>(&ev) else { return };
        let step = match ev.key().as_str() {
            "ArrowUp" if ev.alt_key() && !ev.ctrl_key() && !ev.meta_key() => -1,
            "ArrowDown" if ev.alt_key() && !ev.ctrl_key() && !ev.meta_key() => 1,
            // Where one conversation is all there is, the list is not shown: nothing to jump to.
            // Again, it closes the box (which may still be loading, or have failed to).
            "k" | "K" if (ev.ctrl_key() || ev.meta_key()) && !ev.alt_key() && untrack(many) => {
                ev.prevent_default();
                jumping.update(|open| *open = !*open);
                return;
            }
            "Escape" if jumping.get_untracked() => {
                jumping.set(false);
                return;
            }
            _ => return,
        };
        ev.prevent_default();
        if let Some(next) = session.show_next(step, ev.shift_key(), draft.get_untracked()) {
            draft.set(next);
        }
    });
    let keys: StoredValue<Option<WindowListener>, LocalStorage> = StoredValue::new_local(Some(keys));
    on_cleanup(move || {
        keys.try_set_value(None);
    });
    let total_unread = move || rows.with(|r| r.iter().filter(|r| !r.active).map(|r| r.unread).sum::<u32>());
    view! {
        <nav class="conversations" class:single=move || !many() class:open=move || open.get() aria-label="Conversations">
            <button
                type="button"
                class="secondary conversations-toggle"
                aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)
            >
                {move || match total_unread() {
                    0 => "Conversations".to_string(),
                    n => format!("Conversations ({n} unread)"),
                }}
            </button>
            <div data-testid="conversation-list" role="tablist" aria-orientation="vertical" aria-label="Conversations">
                <For
                    each=move || rows.get()
                    key=|row| row.clone()
                    children=move |row| {
                        let index = row.index;
                        let label = describe(&row);
                        view! {
                            <button
                                type="button"
                                role="tab"
                                data-testid="conversation"
                                data-name=row.target.name.clone()
                                data-kind=row.target.kind.as_str()
                                data-unread=row.unread.to_string()
                                data-active=row.active.to_string()
                                aria-selected=row.active.to_string()
                                aria-label=label
                                class="conversation-item"
                                class:active=row.active
                                class:parted=!row.joined
                                tabindex=if row.active { "0" } else { "-1" }
                                on:click=move |_| show(index)
                            >
                                <span class="conversation-name">{display_name(&row.target)}</span>
                                {(row.unread > 0)
                                    .then(|| {
                                        view! {
                                            <span class="badge" class:mention=row.mentioned aria-hidden="true">
                                                {row.unread.to_string()}
                                            </span>
                                        }
                                    })}
                            </button>
                        }
                    }
                />
            </div>
            <Show when=move || jumping.get()>
                {super::lazy::jump_to(session, draft, jumping)}
            </Show>
        </nav>
    }
}

/// Ctrl+K: a filter of the conversations by name; Enter shows the first match, Escape closes.
#[component]
pub fn JumpTo(session: ChatSession, draft: RwSignal<String>, jumping: RwSignal<bool>) -> impl IntoView {
    let input = NodeRef::<html::Input>::new();
    let query = RwSignal::new(String::new());
    let matches = Memo::new(move |_| {
        let wanted = lowercase(&query.get());
        session.chats.with(|chats| {
            chats
                .list()
                .iter()
                .enumerate()
                .filter(|(_, c)| lowercase(&c.target.name).contains(&wanted))
                .map(|(i, c)| (i, c.target.name.clone()))
                .collect::<Vec<_>>()
        })
    });
    Effect::new(move |_| {
        if let Some(el) = input.get() {
            let _ = el.focus();
        }
    });
    let go = move |index: usize| {
        draft.set(session.show(index, draft.get_untracked()));
        jumping.set(false);
    };
    let on_keydown = move |ev: web_sys::KeyboardEvent| match ev.key().as_str() {
        "Enter" => {
            ev.prevent_default();
            if let Some((index, _)) = matches.with_untracked(|m| m.first().cloned()) {
                go(index);
            }
        }
        "Escape" => jumping.set(false),
        _ => {}
    };
    view! {
        <div class="jump-to" role="dialog" aria-label="Jump to a conversation">
            <input
                node_ref=input
                type="text"
                data-testid="conversation-filter"
                placeholder="Jump to…"
                aria-label="Jump to a conversation"
                prop:value=move || query.get()
                on:input=move |ev| query.set(event_target_value(&ev))
                on:keydown=on_keydown
                on:blur=move |_| jumping.set(false)
            />
            <ul>
                <For
                    each=move || matches.get()
                    key=|(index, name)| (*index, name.clone())
                    children=move |(index, name)| {
                        view! {
                            <li>
                                <button type="button" on:mousedown=move |_| go(index)>
                                    {name}
                                </button>
                            </li>
                        }
                    }
                />
            </ul>
        </div>
    }
}

/// The name as the list shows it: the server's marked as such.
fn display_name(target: &Target) -> String {
    match target.kind {
        TargetKind::Server => format!("⌂ {}", target.name),
        _ => target.name.clone(),
    }
}

/// What a screen reader says for a row: the name, the kind, the unread count.
fn describe(row: &Row) -> String {
    let kind = match row.target.kind {
        TargetKind::Server => "server",
        TargetKind::Channel => "channel",
        TargetKind::Private => "private conversation",
    };
    let unread = match (row.unread, row.mentioned) {
        (0, _) => String::new(),
        (n, true) => format!(", {n} unread, you are mentioned"),
        (n, false) => format!(", {n} unread"),
    };
    let parted = if row.joined { "" } else { ", not joined" };
    format!("{} ({kind}){unread}{parted}", row.target.name)
}
