//! Row prototypes: a row is a clone of one, with its text (and status) filled in.

use std::collections::VecDeque;
use std::sync::Arc;

use wasm_bindgen::JsCast;
use web_sys::{Document, Element};
use wschat_core::chat::{Entry, EntryKind};
use wschat_core::present::{nick_colour, NICK_COLOURS};

use crate::ui::dom::{child, element, set};

/// Rows are cloned from prototypes: a clone is one call into the browser where building a row
/// took about thirty, each attribute name and value a string copied out of the wasm module.
/// There is a blank prototype per kind (with and without a nick), and one per recent author
/// with the nick, its colour and the grouping already filled in; each shows the current minute.
/// Messages mostly come from a few people at a time, so most rows only get their text: four
/// calls into the browser (clone, find the text, set it, append).
#[derive(Default)]
pub(super) struct Prototypes {
    /// (kind, with a nick, prototype): at most two per kind, made on first use.
    blank: Vec<(EntryKind, bool, Prototype)>,
    /// The latest authors' prototypes, oldest first.
    authors: VecDeque<AuthorPrototype>,
}

pub(super) struct AuthorPrototype {
    kind: EntryKind,
    continued: bool,
    nick: Arc<str>,
    row: Prototype,
}

/// A prototype row and the time label it shows.
pub(super) struct Prototype {
    el: Element,
    time_label: String,
}

impl Prototype {
    /// The prototype, showing `time_label`: its label changes once a minute.
    fn at(&mut self, time_label: &str) -> &Element {
        if self.time_label != time_label {
            if let Some(time) = self.el.first_element_child() {
                time.set_text_content(Some(time_label));
            }
            time_label.clone_into(&mut self.time_label);
        }
        &self.el
    }
}

/// A deep copy of a prototype row.
pub(super) fn clone(prototype: &Element) -> Element {
    // A deep clone of an element is an element.
    prototype.clone_node_with_deep(true).map(JsCast::unchecked_into).unwrap_or_else(|_| prototype.clone())
}

/// Authors with a prototype at a time; a new author takes the place of the longest-held one.
pub(super) const AUTHOR_PROTOTYPES: usize = 16;

impl Prototypes {
    /// The prototype of `entry`'s row: everything but its text and status filled in.
    pub(super) fn row(&mut self, document: &Document, entry: &Entry, continued: bool, time_label: &str) -> &Element {
        let Some(nick) = &entry.nick else {
            return self.blank(document, entry.kind, false).at(time_label);
        };
        let known =
            self.authors.iter().position(|a| a.kind == entry.kind && a.continued == continued && a.nick == *nick);
        let at = match known {
            Some(at) => at,
            None => {
                let blank = self.blank(document, entry.kind, true);
                let row = Prototype { el: clone(blank.at(time_label)), time_label: time_label.to_owned() };
                fill_author(&row.el, entry.kind, nick, continued);
                if self.authors.len() == AUTHOR_PROTOTYPES {
                    self.authors.pop_front();
                }
                self.authors.push_back(AuthorPrototype { kind: entry.kind, continued, nick: Arc::clone(nick), row });
                self.authors.len() - 1
            }
        };
        self.authors[at].row.at(time_label)
    }

    fn blank(&mut self, document: &Document, kind: EntryKind, with_nick: bool) -> &mut Prototype {
        let at = match self.blank.iter().position(|(k, n, _)| *k == kind && *n == with_nick) {
            Some(at) => at,
            None => {
                let el = blank_row(document, kind, with_nick);
                self.blank.push((kind, with_nick, Prototype { el, time_label: String::new() }));
                self.blank.len() - 1
            }
        };
        &mut self.blank[at].2
    }
}

pub(super) fn blank_row(document: &Document, kind: EntryKind, with_nick: bool) -> Element {
    let row = element(document, "div");
    row.set_class_name(row_class(kind, false, false).as_str());
    set(&row, "data-testid", "message");
    set(&row, "data-kind", kind.as_str());
    // The time is for eyes: screen readers hear author and text only (aria-live).
    let time = child(document, &row, "time", "time");
    set(&time, "aria-hidden", "true");
    if with_nick {
        let nick = child(document, &row, "span", "nick");
        set(&nick, "dir", "auto");
    }
    let text = child(document, &row, "span", "text");
    set(&text, "dir", "auto");
    set(&text, "data-testid", "message-text");
    row
}

/// The author's part of a row: `data-nick`, the nick label in its colour, the grouping.
pub(super) fn fill_author(row: &Element, kind: EntryKind, nick: &str, continued: bool) {
    if continued {
        row.set_class_name(&row_class(kind, continued, false));
    }
    set(row, "data-nick", nick);
    if let Some(label) = row.first_element_child().and_then(|time| time.next_element_sibling()) {
        label.set_class_name(NICK_CLASSES[nick_colour(nick) as usize % NICK_CLASSES.len()]);
        label.set_text_content(Some(nick));
    }
}

pub(super) fn row_class(kind: EntryKind, continued: bool, mention: bool) -> String {
    let mut class = format!("message {}", kind.as_str());
    if continued {
        class.push_str(" continued");
    }
    if mention {
        class.push_str(" mention");
    }
    class
}

/// The nick label's class for each colour: no formatting per row.
pub(super) const NICK_CLASSES: [&str; NICK_COLOURS as usize] = [
    "nick c0", "nick c1", "nick c2", "nick c3", "nick c4", "nick c5", "nick c6", "nick c7", "nick c8", "nick c9",
    "nick c10", "nick c11",
];
