//! One entry as a decorated row: links, notes, truncation, an own message's status and buttons.

use wasm_bindgen::JsCast;
use web_sys::{Document, Element};
use wschat_core::chat::{human_size, Entry, OwnStatus, DISPLAY_LIMIT_BYTES, NOTE_FOR_ANOTHER_SERVER};
use wschat_core::present::{may_hold_link, segments, Segment};

use super::data_ms;
use super::prototypes::row_class;
use crate::ui::dom::{child, element, set};

/// One entry as a row with the UI contract's attributes, on a copy of its prototype
/// (`continued` puts it under the previous row's header); `shown` is the text as displayed, cut
/// short when `truncated`. Text goes in as text nodes only; http(s) links become anchors.
pub(super) fn render_row(
    document: &Document,
    row: Element,
    entry: &Entry,
    continued: bool,
    (shown, truncated): (&str, bool),
) -> Element {
    if entry.mention {
        row.set_class_name(&row_class(entry.kind, continued, true));
    }
    set(&row, "data-ms", &data_ms(entry).to_string());
    // The prototype's children, in order: time, nick (when there is one), text.
    let Some(text) = row.last_element_child() else { return row };
    if let Some(note) = entry.note {
        put_note(document, &text, note);
    }
    if may_hold_link(shown) {
        append_linked_text(document, &text, shown);
    } else {
        text.set_text_content(Some(shown));
    }
    if truncated {
        set(&text, "data-truncated", "true");
        let note = child(document, &row, "span", "truncated-note");
        let size = human_size(entry.cut_from().unwrap_or(entry.text.len()));
        let start = human_size(DISPLAY_LIMIT_BYTES);
        if entry.cut_from().is_some() {
            note.set_text_content(Some(&format!(
                "showing the first {start} of {size}: too large to keep whole, so only this start can be copied"
            )));
        } else {
            note.set_text_content(Some(&format!("showing the first {start} of {size}")));
            button(document, &row, "copy", entry.id, "Copy full text", None);
        }
    }
    if entry.status.is_some() {
        update_status(document, &row, entry);
    }
    row
}

/// Plain runs as text nodes, links as anchors that open apart from this page.
pub(super) fn append_linked_text(document: &Document, parent: &Element, text: &str) {
    for segment in segments(text) {
        match segment {
            Segment::Text(t) => {
                let _ = parent.append_child(&document.create_text_node(t));
            }
            Segment::Link(href) => {
                let a = child(document, parent, "a", "link");
                set(&a, "href", href);
                set(&a, "target", "_blank");
                set(&a, "rel", "noopener noreferrer");
                a.set_text_content(Some(href));
            }
        }
    }
}

/// What is said beside an entry's text, not in it: `message-text` stays exactly the message.
pub(super) fn put_note(document: &Document, text: &Element, note: &str) {
    let label = element(document, "span");
    label.set_class_name("entry-note");
    label.set_text_content(Some(note));
    let _ = text.before_with_node_1(&label);
}

/// An own message's note ("waiting in another page"), which changes when this page takes the
/// message over or another server is connected.
pub(super) fn update_note(document: &Document, row: &Element, entry: &Entry) {
    let label = row.query_selector(".entry-note").ok().flatten();
    match (label, entry.note) {
        (Some(label), Some(note)) => label.set_text_content(Some(note)),
        (Some(label), None) => label.remove(),
        (None, Some(note)) => {
            if let Some(text) = row.query_selector("[data-testid=\"message-text\"]").ok().flatten() {
                put_note(document, &text, note);
            }
        }
        (None, None) => {}
    }
}

/// An own message's status mark and note, with Retry and Discard when it failed and Discard
/// while it waits for another server; updated in place so that a status change is not
/// announced as a new message.
pub(super) fn update_status(document: &Document, row: &Element, entry: &Entry) {
    let Some(status) = entry.status else { return };
    update_note(document, row, entry);
    set(row, "data-status", status.as_str());
    let mark = match row.query_selector(".status-mark").ok().flatten() {
        Some(mark) => mark,
        None => {
            let mark = child(document, row, "span", "status-mark");
            set(&mark, "aria-hidden", "true");
            mark
        }
    };
    set(&mark, "title", status.as_str());
    mark.set_text_content(Some(status_mark(status)));
    let buttons = row.query_selector_all("button[data-action=\"retry\"], button[data-action=\"discard\"]");
    if let Ok(buttons) = buttons {
        for i in 0..buttons.length() {
            if let Some(b) = buttons.item(i).and_then(|n| n.dyn_into::<Element>().ok()) {
                b.remove();
            }
        }
    }
    if status == OwnStatus::Failed {
        button(document, row, "retry", entry.id, "Retry", Some("retry-button"));
    }
    if status == OwnStatus::Failed || entry.note == Some(NOTE_FOR_ANOTHER_SERVER) {
        button(document, row, "discard", entry.id, "Discard", Some("discard-button"));
    }
}

pub(super) fn button(document: &Document, parent: &Element, action: &str, id: u64, label: &str, testid: Option<&str>) {
    let b = child(document, parent, "button", "small");
    set(&b, "type", "button");
    set(&b, "data-action", action);
    set(&b, "data-id", &id.to_string());
    if let Some(testid) = testid {
        set(&b, "data-testid", testid);
    }
    b.set_text_content(Some(label));
}

pub(super) fn status_mark(status: OwnStatus) -> &'static str {
    match status {
        OwnStatus::Pending => "…",
        OwnStatus::Sent => "✓",
        OwnStatus::Delivered => "✓✓",
        OwnStatus::Failed => "failed",
    }
}
