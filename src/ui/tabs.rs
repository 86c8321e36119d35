//! Several connections at once: one connection per tab, each with its own socket, conversations,
//! draft, unread count and scroll position.

use leptos::prelude::*;
use wschat_core::protocol::Target;
use wschat_core::settings::Settings;
use wschat_core::url::mask_credentials;

use super::attention::notify_on_mentions;
use super::message_list::ScrollMemory;
use crate::session::{ChatSession, SessionConfig};
use crate::timer::Timeout;

/// One tab: a session and what its view keeps while another tab is shown. Everything in it is
/// owned by `owner`, which is cleaned up (closing the socket) when the tab closes.
#[derive(Clone)]
pub struct Tab {
    pub id: u64,
    pub session: ChatSession,
    pub draft: RwSignal<String>,
    /// Where each conversation's list was scrolled.
    scrolls: StoredValue<Vec<(Target, StoredValue<ScrollMemory>)>>,
    owner: Owner,
}

impl Tab {
    /// Where the list of conversation `target` was scrolled, kept for as long as the tab.
    pub fn scroll_for(&self, target: &Target) -> StoredValue<ScrollMemory> {
        if let Some(kept) = self.scrolls.with_value(|s| s.iter().find(|(t, _)| t == target).map(|(_, m)| *m)) {
            return kept;
        }
        let memory = self.owner.with(|| StoredValue::new(ScrollMemory::default()));
        self.scrolls.update_value(|s| s.push((target.clone(), memory)));
        memory
    }
}

/// The open tabs and which one is shown.
#[derive(Clone, Copy)]
pub struct Tabs {
    list: RwSignal<Vec<Tab>>,
    active: RwSignal<u64>,
    next_id: StoredValue<u64>,
    /// Owners of closed tabs, cleaned up once the view has let go of them.
    closing: StoredValue<Vec<(Owner, Timeout)>, LocalStorage>,
    /// The owner the tabs' owners are made under. Weak: this value is owned by it, and a strong
    /// hold would keep it (and every tab's session, socket and timers) alive after unmounting.
    parent: StoredValue<Option<WeakOwner>, LocalStorage>,
}

impl Tabs {
    pub fn new() -> Self {
        let tabs = Tabs {
            list: RwSignal::new(Vec::new()),
            active: RwSignal::new(0),
            next_id: StoredValue::new(1),
            closing: StoredValue::new_local(Vec::new()),
            parent: StoredValue::new_local(Owner::current().map(|owner| owner.downgrade())),
        };
        on_cleanup(move || {
            tabs.closing.try_update_value(|pending| {
                for (owner, _) in pending.drain(..) {
                    owner.cleanup();
                }
            });
        });
        tabs
    }

    /// Opens a connection in a new tab and shows it.
    pub fn open(&self, settings: Settings, connect: bool) -> Tab {
        let owner = match self.parent.get_value().and_then(|parent| parent.upgrade()) {
            Some(parent) => parent.with(Owner::new),
            None => Owner::new(),
        };
        let id = self.next_id.get_value();
        self.next_id.set_value(id + 1);
        let tab = owner.with(|| {
            let session = ChatSession::new(settings.clone(), SessionConfig::default());
            if connect {
                session.connect(settings);
            }
            let active = self.active;
            notify_on_mentions(session, Signal::derive(move || active.get() == id));
            Tab {
                id,
                session,
                draft: RwSignal::new(String::new()),
                scrolls: StoredValue::new(Vec::new()),
                owner: owner.clone(),
            }
        });
        self.list.update(|list| list.push(tab.clone()));
        self.active.set(id);
        tab
    }

    /// A new tab with the shown tab's settings, not connected: the person edits and connects.
    pub fn open_like_active(&self) {
        let active = self.active.get_untracked();
        let settings = self
            .list
            .with_untracked(|list| list.iter().find(|c| c.id == active).map(|c| c.session.settings.get_untracked()));
        if let Some(settings) = settings {
            self.open(settings, false);
        }
    }

    /// Closes a tab and its socket; the neighbour is shown if it was the shown one.
    pub fn close(&self, id: u64) {
        let Some(at) = self.list.with_untracked(|l| l.iter().position(|c| c.id == id)) else { return };
        if self.list.with_untracked(Vec::len) <= 1 {
            return;
        }
        if self.active.get_untracked() == id {
            let neighbour = self
                .list
                .with_untracked(|l| l.get(at + 1).or_else(|| at.checked_sub(1).and_then(|i| l.get(i))).map(|c| c.id));
            if let Some(neighbour) = neighbour {
                self.active.set(neighbour);
            }
        }
        let Some(closed) = self.list.try_update(|l| l.remove(at)) else { return };
        closed.session.socket.release();
        // The view of the closed tab is replaced on the next reactive tick; free its state after.
        let owner = closed.owner.clone();
        let cleanup = Timeout::new(0.0, move || owner.cleanup());
        self.closing.update_value(|pending| {
            // Earlier closes have had their turn: finish them now, so none is ever skipped.
            for (owner, _timer) in pending.drain(..) {
                owner.cleanup();
            }
            pending.push((closed.owner, cleanup));
        });
    }

    pub fn select(&self, id: u64) {
        self.active.set(id);
    }

    pub fn is_active(&self, id: u64) -> bool {
        self.active.get() == id
    }

    /// Every open connection, in tab order.
    pub fn all(&self) -> Vec<Tab> {
        self.list.get()
    }

    pub fn active_tab(&self) -> Memo<Option<Tab>> {
        let (list, active) = (self.list, self.active);
        Memo::new(move |_| {
            let id = active.get();
            list.with(|l| l.iter().find(|c| c.id == id).cloned())
        })
    }
}

impl PartialEq for Tab {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

/// The tabs: each with a status dot, a name, its unread count and a close button.
#[component]
pub fn TabStrip(tabs: Tabs) -> impl IntoView {
    view! {
        <nav class="tabs" aria-label="Connections">
            <For
                each=move || tabs.all()
                key=|c| c.id
                children=move |c| {
                    let id = c.id;
                    let session = c.session;
                    let state = session.socket.ready_state();
                    let unread = Memo::new(move |_| session.unread());
                    let name = Memo::new(move |_| session.settings.with(tab_name));
                    view! {
                        <div class="tab" class:active=move || tabs.is_active(id)>
                            <button
                                type="button"
                                class="tab-select"
                                data-testid="tab"
                                aria-current=move || tabs.is_active(id).then_some("page")
                                on:click=move |_| tabs.select(id)
                            >
                                <span class="dot" data-ready-state=move || state.get().as_str() aria-hidden="true"></span>
                                <span class="tab-name">{move || name.get()}</span>
                                <span class="visually-hidden">{move || format!(", {}", state.get().as_str())}</span>
                                <Show when=move || 0 < unread.get()>
                                    <span class="badge" data-testid="tab-unread">
                                        {move || unread.get().to_string()}
                                        <span class="visually-hidden">" unread"</span>
                                    </span>
                                </Show>
                            </button>
                            <button
                                type="button"
                                class="tab-close"
                                data-testid="tab-close"
                                aria-label=move || format!("Close {}", name.get())
                                disabled=move || tabs.all().len() <= 1
                                on:click=move |_| tabs.close(id)
                            >
                                "×"
                            </button>
                        </div>
                    }
                }
            />
            <button
                type="button"
                class="secondary new-tab"
                data-testid="new-tab-button"
                aria-label="New connection"
                title="New connection"
                on:click=move |_| tabs.open_like_active()
            >
                "+"
            </button>
        </nav>
    }
}

/// "host/path" or "#channel @ host": what tells tabs apart. Credentials in the address are
/// masked: tabs are on screen for anyone looking, and in screenshots.
fn tab_name(settings: &Settings) -> String {
    let masked = mask_credentials(&settings.url);
    let url = masked.split_once("://").map_or(masked.as_str(), |(_, rest)| rest);
    let url = url.trim_end_matches('/');
    if settings.protocol.reads("channel") {
        let authority = url.split(['/', '?']).next().unwrap_or(url);
        let host = authority.rsplit('@').next().unwrap_or(authority);
        format!("{} @ {host}", settings.channel)
    } else {
        url.to_string()
    }
}
