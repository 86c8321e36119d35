//! The shown conversation's log on screen: rows from the log's journal, pinned to the newest
//! while the person is at the bottom, still while they read older entries, with a "new
//! messages" button. Made anew when another conversation is shown.

use std::cell::Cell;
use std::rc::Rc;

use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Element;
use wschat_core::chat::{Change, LinePlace};

use super::chunks::Place;
use super::rows::{describe_time, Rows};
use crate::session::{ChatSession, Reveal};

/// How close to the bottom (in pixels) still counts as "reading the newest".
const PINNED_SLACK_PX: i32 = 40;

/// Where a conversation's list was scrolled, kept while another is shown.
#[derive(Clone, Copy, Debug)]
pub struct ScrollMemory {
    pub pinned: bool,
    pub top: i32,
    /// The entry at the top of the view. Lines arriving or leaving while the conversation is
    /// hidden, and rows drawn at other heights than estimated, move the text at a pixel
    /// offset; this row is where the person was.
    pub anchor: Option<Anchor>,
}

/// The entry at the top of a list's view ([`ScrollMemory::anchor`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Anchor {
    pub id: u64,
    /// How far below the view's top its row starts (less than zero: the edge cuts it).
    pub offset: f64,
    /// Its place by time: if it leaves memory, the store's lines bring it back by that.
    pub place: LinePlace,
}

impl Default for ScrollMemory {
    fn default() -> Self {
        Self { pinned: true, top: 0, anchor: None }
    }
}

#[component]
pub fn MessageList(
    session: ChatSession,
    /// Where this conversation was scrolled the last time it was shown.
    memory: StoredValue<ScrollMemory>,
    /// The page is visible (not a hidden browser tab).
    page_visible: Signal<bool>,
) -> impl IntoView {
    let chats = session.chats;
    let shown = StoredValue::new(chats.with_untracked(|c| c.shown().target.clone()));
    let list = NodeRef::<html::Div>::new();
    let pinned = RwSignal::new(memory.get_value().pinned);
    let rows: StoredValue<Rows, LocalStorage> = StoredValue::new_local(Rows::default());
    let unread = Memo::new(move |_| chats.with(|c| c.shown().log.unread()));

    // The person reads the newest entries when the list is shown and scrolled to the end.
    Effect::new(move |_| {
        let reading = pinned.get() && page_visible.get();
        if chats.with_untracked(|c| c.shown().log.is_reading()) != reading {
            chats.update(|c| c.set_reading(reading));
        }
    });
    // Unless another conversation is shown in its place (which is read or not on its own).
    on_cleanup(move || {
        chats.try_update(|c| {
            if shown.try_with_value(|shown| c.shown().target == *shown) == Some(true) {
                c.set_reading(false);
            }
        });
    });

    // The return to the line read under way (see the first drawing), given up once the person
    // scrolls, presses a key in the list or jumps to the newest.
    let return_under_way: StoredValue<Option<Rc<Cell<bool>>>, LocalStorage> = StoredValue::new_local(None);
    let give_up_return = move || {
        if let Some(Some(given_up)) = return_under_way.try_get_value() {
            given_up.set(true);
        }
    };
    on_cleanup(give_up_return);

    Effect::new(move |drawn: Option<bool>| {
        chats.track();
        // Another conversation is shown: this list is about to go, and the changes are the
        // next list's to draw.
        if chats.with_untracked(|c| shown.with_value(|shown| c.shown().target != *shown)) {
            return drawn.unwrap_or(false);
        }
        let Some(list) = list.get() else { return false };
        let changes = chats.try_update_untracked(|c| c.shown_mut().log.take_changes()).unwrap_or_default();
        // The first drawing (a tab shown again) draws everything the log keeps.
        let first_drawing = drawn != Some(true);
        let changes = if first_drawing { vec![Change::Reset] } else { changes };
        if changes.is_empty() {
            return true;
        }
        let is_pinned = pinned.get_untracked();
        // Rows leaving above what the person reads would pull the text up: keep it in place.
        let keep_place = !is_pinned && !first_drawing;
        chats.with_untracked(|c| rows.update_value(|rows| rows.apply(&list, &c.shown().log, &changes, keep_place)));
        // Only the rows near the view stay in the document; a pinned list ends at the newest,
        // one shown again where it was read.
        let place = match (is_pinned, first_drawing) {
            (true, _) => Place::End,
            (false, true) => Place::At(f64::from(memory.get_value().top)),
            (false, false) => Place::Keep,
        };
        chats.with_untracked(|c| rows.update_value(|rows| rows.window(&list, &c.shown().log, place)));
        match place {
            Place::End => list.set_scroll_top(list.scroll_height()),
            Place::At(top) => {
                list.set_scroll_top(top as i32);
                if let Some(anchor) = memory.get_value().anchor {
                    let kept = chats.with_untracked(|c| {
                        rows.try_update_value(|rows| rows.bring_back(&list, &c.shown().log, anchor.id, anchor.offset))
                    });
                    // Its row left memory while the conversation was hidden: the store's
                    // lines bring it back (and those read on the way), unless the person moves
                    // first.
                    if kept == Some(false) && anchor.place.time_ms.is_finite() {
                        let given_up = Rc::new(Cell::new(false));
                        return_under_way.set_value(Some(Rc::clone(&given_up)));
                        session.return_to_line(anchor.place, anchor.offset, given_up);
                        return true;
                    }
                }
            }
            Place::Keep => {}
        }
        // Too short to scroll, or read near its top: what came before is fetched (the store's
        // lines, then the server's where it keeps them), once per oldest line.
        let short = list.scroll_height() <= list.client_height();
        if short || (!is_pinned && list.scroll_top() < list.client_height()) {
            session.show_older_lines();
        }
        true
    });

    // A search hit opened here (its row drawn, marked as found), or the line read brought back
    // from the store: brought into view.
    Effect::new(move |_| {
        let Some(Reveal { key, id, offset }) = session.reveal.get() else { return };
        let Some(el) = list.get() else { return };
        let here = chats
            .with_untracked(|c| shown.with_value(|shown| c.shown().target == *shown) && c.key(c.shown_index()) == key);
        if !here {
            return;
        }
        session.reveal.set(None);
        let found =
            chats.with_untracked(|c| rows.try_update_value(|rows| rows.reveal(&el, &c.shown().log, id)).flatten());
        if let Some(row) = found {
            pinned.set(false);
            session.hold_while_reading();
            let now = row.get_bounding_client_rect().top() - el.get_bounding_client_rect().top();
            // Where the person left it; a search hit in the middle, where the eye looks first.
            let wanted = offset.unwrap_or(f64::from(el.client_height()) / 2.0);
            el.set_scroll_top(el.scroll_top() + (now - wanted).round() as i32);
            if offset.is_none() {
                let _ = row.class_list().add_1("found");
            }
        }
    });

    let on_scroll = move |_| {
        if let Some(el) = list.get() {
            let at_bottom = el.scroll_height() - el.scroll_top() - el.client_height() <= PINNED_SLACK_PX;
            if pinned.get_untracked() != at_bottom {
                pinned.set(at_bottom);
                if at_bottom {
                    session.end_scrollback();
                } else {
                    session.hold_while_reading();
                }
            }
            // Near the top: the conversation's older stored lines come before it.
            if !at_bottom && el.scroll_top() < el.client_height() {
                session.show_older_lines();
            }
            // Browsers send scroll events once a frame at most: the window follows at once,
            // so no frame shows a spacer where rows belong.
            let place = if at_bottom { Place::End } else { Place::Keep };
            chats.with_untracked(|c| {
                // A list on its way out (another conversation shown) draws nothing more, and
                // keeps what it remembers.
                if shown.with_value(|shown| c.shown().target != *shown) {
                    return;
                }
                // Read before the window changes the document: the layout is the one just
                // scrolled, not one to be made again.
                let anchor = if at_bottom { None } else { rows.with_value(|rows| rows.first_in_view(&el)) };
                let anchor = anchor
                    .and_then(|(id, offset)| c.shown().log.place_of(id).map(|place| Anchor { id, offset, place }));
                rows.update_value(|rows| rows.window(&el, &c.shown().log, place));
                memory.set_value(ScrollMemory { pinned: at_bottom, top: el.scroll_top(), anchor });
            });
        }
    };
    let jump_to_newest = move |_| {
        give_up_return();
        if let Some(el) = list.get() {
            el.set_scroll_top(el.scroll_height());
        }
        pinned.set(true);
        memory.set_value(ScrollMemory::default());
        session.end_scrollback();
    };
    // One listener for every row's buttons: rows are plain DOM, made without closures.
    let on_click = move |ev: web_sys::MouseEvent| {
        let Some(button) = ev
            .target()
            .and_then(|t| t.dyn_into::<Element>().ok())
            .and_then(|t| t.closest("button[data-action]").ok().flatten())
        else {
            return;
        };
        let id = button.get_attribute("data-id").and_then(|id| id.parse::<u64>().ok());
        match (button.get_attribute("data-action").as_deref(), id) {
            (Some("retry"), Some(id)) => session.retry(id),
            (Some("discard"), Some(id)) => session.discard(id),
            (Some("copy"), Some(id)) => {
                // Straight from the log: a full text may be megabytes, not worth a copy in wasm.
                session.with_shown_log(|l| l.get(id).map(|e| copy_to_clipboard(&e.text)));
            }
            (Some("fold"), _) => {
                if let Some(run) = button.get_attribute("data-run").and_then(|run| run.parse::<u64>().ok()) {
                    rows.update_value(|rows| rows.toggle_fold(run));
                }
            }
            _ => {}
        }
    };
    let on_hover = move |ev: web_sys::MouseEvent| {
        if let Some(target) = ev.target().and_then(|t| t.dyn_into::<Element>().ok()) {
            describe_time(&target);
        }
    };
    view! {
        <div class="message-pane">
            <div
                node_ref=list
                class="messages"
                data-testid="message-list"
                role="log"
                aria-live="polite"
                aria-label="Messages"
                tabindex="0"
                data-total-received=move || chats.with(|c| c.shown().log.total_received().to_string())
                on:scroll=on_scroll
                on:click=on_click
                on:mouseover=on_hover
                on:wheel=move |_| give_up_return()
                on:keydown=move |_| give_up_return()
                on:pointerdown=move |_| give_up_return()
            ></div>
            <Show when=move || !pinned.get() && 0 < unread.get()>
                <button type="button" class="new-messages" data-testid="new-messages-button" on:click=jump_to_newest>
                    {move || match unread.get() {
                        1 => "1 new message ↓".to_string(),
                        n => format!("{n} new messages ↓"),
                    }}
                </button>
            </Show>
        </div>
    }
}

fn copy_to_clipboard(text: &str) {
    let Some(window) = web_sys::window() else { return };
    // Pages not served over HTTPS (or localhost) have no clipboard API: calling into undefined
    // would throw through the wasm module.
    let navigator = window.navigator();
    let has_clipboard = js_sys::Reflect::get(&navigator, &"clipboard".into()).is_ok_and(|c| !c.is_undefined());
    if has_clipboard {
        // The promise is not awaited: the browser shows its own prompt or error if it refuses.
        let _ = navigator.clipboard().write_text(text);
    }
}
