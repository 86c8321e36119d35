//! The message log: one row per kept entry, text always rendered as text, pinned to the newest.
//!
//! Rows are kept in step with the log's change journal ([`ChatLog::take_changes`]): each frame
//! appends the new rows, removes the ones that left and redraws the ones whose status
//! changed. The work per message is constant, whatever the length of the history; a keyed list
//! diff would walk every row on every update.

use std::collections::VecDeque;

use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element};
use wschat_core::chat::{display_text, human_size, Change, ChatLog, Entry, OwnStatus, DISPLAY_LIMIT_BYTES};

use crate::session::ChatSession;

/// How close to the bottom (in pixels) still counts as "reading the newest".
const PINNED_SLACK_PX: i32 = 40;

/// The rows on screen, oldest first, with the id of the entry each shows.
type Rows = VecDeque<(u64, Element)>;

#[component]
pub fn MessageList(session: ChatSession) -> impl IntoView {
    let log = session.log;
    let list = NodeRef::<html::Ol>::new();
    let pinned = StoredValue::new(true);
    let rows: StoredValue<Rows, LocalStorage> = StoredValue::new_local(VecDeque::new());
    Effect::new(move |_| {
        log.track();
        let Some(list) = list.get() else { return };
        let changes = log.try_update_untracked(ChatLog::take_changes).unwrap_or_default();
        if changes.is_empty() {
            return;
        }
        log.with_untracked(|log| rows.update_value(|rows| apply_changes(&list, rows, log, &changes)));
        // Keep the newest message in view while the person is at the bottom; leave them
        // alone when they have scrolled up to read.
        if pinned.get_value() {
            list.set_scroll_top(list.scroll_height());
        }
    });
    let on_scroll = move |_| {
        if let Some(el) = list.get() {
            pinned.set_value(el.scroll_height() - el.scroll_top() - el.client_height() <= PINNED_SLACK_PX);
        }
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
        let Some(id) = button.get_attribute("data-id").and_then(|id| id.parse::<u64>().ok()) else { return };
        match button.get_attribute("data-action").as_deref() {
            Some("retry") => session.retry(id),
            Some("discard") => session.discard(id),
            Some("copy") => {
                if let Some(text) = log.with_untracked(|l| l.get(id).map(|e| e.text.clone())) {
                    copy_to_clipboard(&text);
                }
            }
            _ => {}
        }
    };
    view! {
        <ol
            node_ref=list
            class="messages"
            data-testid="message-list"
            role="log"
            aria-live="polite"
            aria-label="Messages"
            data-total-received=move || log.with(|l| l.total_received().to_string())
            on:scroll=on_scroll
            on:click=on_click
            on:mouseover=on_hover
        ></ol>
    }
}

/// Brings the rows in line with the log after `changes`.
fn apply_changes(list: &Element, rows: &mut Rows, log: &ChatLog, changes: &[Change]) {
    let Some(document) = list.owner_document() else { return };
    if changes.contains(&Change::Reset) {
        list.set_text_content(None);
        rows.clear();
        for entry in log.entries() {
            append_row(&document, list, rows, entry);
        }
        return;
    }
    for change in changes {
        match *change {
            Change::Added(id) => {
                if let Some(entry) = log.get(id) {
                    append_row(&document, list, rows, entry);
                }
            }
            Change::Removed(id) => {
                // Usually the oldest row (the size cap); a discard may take one from the middle.
                if let Some(at) = find_row(rows, id) {
                    if let Some((_, row)) = rows.remove(at) {
                        row.remove();
                    }
                }
            }
            Change::Updated(id) => {
                if let (Some(at), Some(entry)) = (find_row(rows, id), log.get(id)) {
                    let fresh = render_row(&document, entry);
                    let _ = rows[at].1.replace_with_with_node_1(&fresh);
                    rows[at].1 = fresh;
                }
            }
            Change::Reset => {}
        }
    }
}

fn append_row(document: &Document, list: &Element, rows: &mut Rows, entry: &Entry) {
    let row = render_row(document, entry);
    let _ = list.append_child(&row);
    rows.push_back((entry.id, row));
}

/// Rows are in id order, so a binary search finds one.
fn find_row(rows: &Rows, id: u64) -> Option<usize> {
    rows.binary_search_by_key(&id, |(row_id, _)| *row_id).ok()
}

/// One entry as a row, with the UI contract's attributes. Text goes in as text nodes only.
fn render_row(document: &Document, entry: &Entry) -> Element {
    let row = element(document, "li");
    row.set_class_name(&format!("message {}", entry.kind.as_str()));
    set(&row, "data-testid", "message");
    set(&row, "data-kind", entry.kind.as_str());
    if let Some(nick) = &entry.nick {
        set(&row, "data-nick", nick);
    }
    if let Some(status) = entry.status {
        set(&row, "data-status", status.as_str());
    }

    let time = child(document, &row, "time", "time");
    time.set_text_content(Some(&format_time(entry.time_ms)));
    // The full date is made on hover (see `on_hover`): formatting it for every row costs more
    // than the rest of the row.
    set(&time, "data-ms", &(entry.time_ms as i64).to_string());

    if let Some(nick) = &entry.nick {
        let label = child(document, &row, "span", "nick");
        set(&label, "dir", "auto");
        label.set_text_content(Some(nick));
    }

    let (shown, truncated) = display_text(&entry.text);
    let text = child(document, &row, "span", "text");
    set(&text, "dir", "auto");
    set(&text, "data-testid", "message-text");
    text.set_text_content(Some(shown));
    if truncated {
        set(&text, "data-truncated", "true");
        let note = child(document, &row, "span", "truncated-note");
        let size = human_size(entry.text.len());
        note.set_text_content(Some(&format!("showing the first {} of {size}", human_size(DISPLAY_LIMIT_BYTES))));
        button(document, &row, "copy", entry.id, "Copy full text", None);
    }

    if let Some(status) = entry.status {
        let mark = child(document, &row, "span", "status-mark");
        set(&mark, "title", status.as_str());
        set(&mark, "aria-label", status.as_str());
        mark.set_text_content(Some(status_mark(status)));
    }
    if entry.status == Some(OwnStatus::Failed) {
        button(document, &row, "retry", entry.id, "Retry", Some("retry-button"));
        button(document, &row, "discard", entry.id, "Discard", Some("discard-button"));
    }
    row
}

fn element(document: &Document, tag: &str) -> Element {
    // createElement fails only for invalid tag names; ours are literals.
    document.create_element(tag).unwrap_or_else(|_| unreachable!("valid tag name {tag}"))
}

fn child(document: &Document, parent: &Element, tag: &str, class: &str) -> Element {
    let el = element(document, tag);
    el.set_class_name(class);
    let _ = parent.append_child(&el);
    el
}

fn button(document: &Document, parent: &Element, action: &str, id: u64, label: &str, testid: Option<&str>) {
    let b = child(document, parent, "button", "small");
    set(&b, "type", "button");
    set(&b, "data-action", action);
    set(&b, "data-id", &id.to_string());
    if let Some(testid) = testid {
        set(&b, "data-testid", testid);
    }
    b.set_text_content(Some(label));
}

fn set(el: &Element, name: &str, value: &str) {
    // setAttribute fails only for invalid attribute names; ours are literals.
    let _ = el.set_attribute(name, value);
}

fn status_mark(status: OwnStatus) -> &'static str {
    match status {
        OwnStatus::Pending => "…",
        OwnStatus::Sent => "✓",
        OwnStatus::Delivered => "✓✓",
        OwnStatus::Failed => "failed",
    }
}

/// HH:MM in the person's local time. Messages come in bursts within one minute: the label of
/// the last minute asked for is kept, so most rows make no Date at all.
fn format_time(ms: f64) -> String {
    thread_local! {
        static LAST: std::cell::RefCell<(i64, String)> = const { std::cell::RefCell::new((i64::MIN, String::new())) };
    }
    let minute = (ms / 60_000.0).floor() as i64;
    LAST.with(|last| {
        let mut last = last.borrow_mut();
        if last.0 != minute {
            let date = js_sys::Date::new(&ms.into());
            *last = (minute, format!("{:02}:{:02}", date.get_hours(), date.get_minutes()));
        }
        last.1.clone()
    })
}

/// Puts the full date and time on a row's time label the first time the pointer reaches it.
fn on_hover(ev: web_sys::MouseEvent) {
    let Some(time) = ev.target().and_then(|t| t.dyn_into::<Element>().ok()).filter(|t| t.tag_name() == "TIME") else {
        return;
    };
    if time.has_attribute("title") {
        return;
    }
    if let Some(ms) = time.get_attribute("data-ms").and_then(|ms| ms.parse::<f64>().ok()) {
        let full = js_sys::Date::new(&ms.into()).to_string();
        set(&time, "title", &String::from(full));
    }
}

fn copy_to_clipboard(text: &str) {
    if let Some(window) = web_sys::window() {
        // The promise is not awaited: the browser shows its own prompt or error if it refuses.
        let _ = window.navigator().clipboard().write_text(text);
    }
}
