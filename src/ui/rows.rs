//! The message list's rows as plain DOM, kept in step with the log's change journal.
//!
//! Each frame appends the new rows, removes the ones that left and updates the ones whose status
//! changed: the work per message is constant, whatever the length of the history (a keyed list
//! diff would walk every row on every update). Rows carry their decorations: the day separator
//! above them, the header grouping, the fold toggle of a run of system entries.

use std::collections::VecDeque;
use std::sync::Arc;

use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element};
use wschat_core::bounded::push_within;
use wschat_core::chat::{
    display_text, human_size, Change, ChatLog, Entry, EntryKind, OwnStatus, DISPLAY_LIMIT_BYTES,
    NOTE_FOR_ANOTHER_SERVER,
};
use wschat_core::present::{continues_group, may_hold_link, nick_colour, segments, Segment, NICK_COLOURS};

use super::chunks::Chunks;

#[wasm_bindgen(module = "/src/ui/rows.js")]
extern "C" {
    /// A copy of `prototype` with `data-ms` and `text`, appended to `parent`: a plain row in one
    /// call where [`render_row`] takes five (see rows.js).
    #[wasm_bindgen(catch, js_name = appendRow)]
    fn append_plain_row(prototype: &Element, parent: &Element, ms: f64, text: &str) -> Result<Element, JsValue>;
}

/// A run of this many system entries in a row gets a toggle that folds all but its newest.
/// Runs start open: a notice someone is waiting for must not be hidden unasked.
pub const FOLD_AT: usize = 4;

struct Row {
    id: u64,
    el: Element,
    kind: EntryKind,
    nick: Option<Arc<str>>,
    time_ms: f64,
    day: i32,
    /// The block of rows it sits in (see [`Chunks`]).
    chunk: u64,
    /// Shown under the previous row's header (class `continued`).
    continued: bool,
    /// The day separator drawn above this row.
    separator: Option<Element>,
    /// The fold toggle above this row, which starts a run of system entries.
    fold: Option<Element>,
    /// The run of system entries this row belongs to (the id of its first entry).
    run: Option<u64>,
}

/// Where a row leaving with the oldest rows stands: the block of the first row that stays, and
/// whether the row after it leaves too.
#[derive(Clone, Copy)]
struct Front {
    staying_block: Option<u64>,
    next_leaves: bool,
}

/// The rows on screen, oldest first (ids increase), and the run of system entries at the end.
#[derive(Default)]
pub struct Rows {
    rows: VecDeque<Row>,
    /// The run of system entries the next system entry would extend: (run id, length).
    run: Option<(u64, usize)>,
    marker: Option<(u64, Element)>,
    chunks: Chunks,
    prototypes: Prototypes,
    /// The log's cap: the rows never outnumber its entries.
    cap: usize,
}

impl Rows {
    /// Brings the rows in line with the log after `changes`. With `keep_place`, rows leaving
    /// above what the person reads do not move it: the scroll offset follows the height lost.
    pub fn apply(&mut self, list: &Element, log: &ChatLog, changes: &[Change], keep_place: bool) {
        let Some(document) = list.owner_document() else { return };
        self.cap = log.cap();
        if changes.contains(&Change::Reset) {
            list.set_text_content(None);
            *self = Rows {
                prototypes: std::mem::take(&mut self.prototypes),
                chunks: self.chunks.emptied(),
                cap: self.cap,
                ..Rows::default()
            };
            for entry in log.entries() {
                self.append(&document, list, entry);
            }
        } else {
            // Removals first. The oldest rows (the size cap) leave above what a scrolled-up
            // person reads: measured (two layouts, only then) and made up for in the scroll
            // offset. A row taken from the middle (a discard) is where they look: no correction.
            let removed: Vec<u64> = changes
                .iter()
                .filter_map(|c| match c {
                    Change::Removed(id) => Some(*id),
                    _ => None,
                })
                .collect();
            if !removed.is_empty() {
                let height_before = if keep_place { list.scroll_height() } else { 0 };
                // The height lost up to the first removal that is not of the oldest row.
                let mut lost_above = None;
                // The oldest rows leaving, counted from the front: a block whose rows all leave
                // goes in one call with them inside, and rows that leave too are not fixed up.
                let leaving = removed.iter().zip(&self.rows).take_while(|(id, row)| **id == row.id).count();
                let staying_block = self.rows.get(leaving).map(|r| r.chunk);
                for (i, id) in removed.into_iter().enumerate() {
                    let oldest = self.rows.front().is_some_and(|r| r.id == id);
                    if keep_place && !oldest && lost_above.is_none() {
                        lost_above = Some(height_before - list.scroll_height());
                    }
                    let front = (i < leaving).then_some(Front { staying_block, next_leaves: i + 1 < leaving });
                    self.remove(id, front);
                }
                if keep_place {
                    let lost = lost_above.unwrap_or_else(|| height_before - list.scroll_height());
                    list.set_scroll_top(list.scroll_top() - lost);
                }
            }
            for change in changes {
                match *change {
                    Change::Added(id) => {
                        if let Some(entry) = log.get(id) {
                            self.append(&document, list, entry);
                        }
                    }
                    Change::Updated(id) => {
                        if let (Some(at), Some(entry)) = (self.find(id), log.get(id)) {
                            update_status(&document, &self.rows[at].el, entry);
                        }
                    }
                    Change::Removed(_) | Change::Reset => {}
                }
            }
        }
        self.place_marker(&document, log.unread_marker());
    }

    /// Blocks of rows below the returned one are complete and may be sealed once drawn.
    pub fn sealable(&self) -> Option<u64> {
        self.chunks.complete_unsealed()
    }

    /// Seals the blocks of rows below `block` (see [`Chunks::seal_below`]).
    pub fn seal_below(&mut self, block: u64) {
        self.chunks.seal_below(block);
    }

    fn find(&self, id: u64) -> Option<usize> {
        self.rows.binary_search_by_key(&id, |row| row.id).ok()
    }

    fn append(&mut self, document: &Document, list: &Element, entry: &Entry) {
        let (time_label, day) = clock(entry.time_ms);
        let (chunk, parent) = self.chunks.open(document, list);
        let previous = self.rows.back();
        let separator = (previous.map(|p| p.day) != Some(day)).then(|| {
            let sep = element(document, "div");
            sep.set_class_name("day-separator");
            set(&sep, "role", "separator");
            sep.set_text_content(Some(&day_label(entry.time_ms)));
            let _ = parent.append_child(&sep);
            sep
        });
        let continued = separator.is_none()
            && matches!(entry.kind, EntryKind::Chat | EntryKind::Own)
            && entry.nick.as_deref().is_some_and(|nick| {
                let same_author =
                    previous.filter(|p| p.kind == entry.kind).and_then(|p| p.nick.as_deref().map(|n| (n, p.time_ms)));
                continues_group(same_author, nick, entry.time_ms)
            });
        let prototype = self.prototypes.row(document, entry, continued, &time_label);
        // Most rows are only text: no mention, link, status or truncation to decorate.
        let (shown, truncated) = display_text(&entry.text);
        let displayed = (shown, truncated || entry.cut_from.is_some());
        let truncated = displayed.1;
        let plain =
            !entry.mention && entry.status.is_none() && entry.note.is_none() && !truncated && !may_hold_link(shown);
        let el = match plain.then(|| append_plain_row(prototype, parent, data_ms(entry) as f64, shown)) {
            Some(Ok(el)) => el,
            _ => {
                let el = render_row(document, clone(prototype), entry, continued, displayed);
                let _ = parent.append_child(&el);
                el
            }
        };
        let run = if entry.kind == EntryKind::System {
            Some(self.extend_run(document, entry.id, &el))
        } else {
            self.run = None;
            None
        };
        let row = Row {
            id: entry.id,
            el,
            kind: entry.kind,
            nick: entry.nick.clone(),
            time_ms: entry.time_ms,
            day,
            chunk,
            continued,
            separator,
            fold: None,
            run,
        };
        push_within(&mut self.rows, self.cap, row);
    }

    /// A system entry joins the run at the end of the list; once the run is long enough, a
    /// toggle above its first row can fold all of it but the newest.
    fn extend_run(&mut self, document: &Document, id: u64, el: &Element) -> u64 {
        let (run, len) = match self.run {
            Some((run, len)) => (run, len + 1),
            None => (id, 1),
        };
        self.run = Some((run, len));
        set(el, "data-run", &run.to_string());
        // The run's earlier rows are the last rows kept.
        let earlier = (len - 1).min(self.rows.len());
        if len < FOLD_AT || earlier == 0 {
            return run;
        }
        let first_at = self.rows.len() - earlier;
        let (toggle, fresh) = match self.rows[first_at].fold.clone() {
            Some(toggle) => (toggle, false),
            None => {
                let toggle = element(document, "div");
                toggle.set_class_name("fold");
                let button = child(document, &toggle, "button", "small secondary");
                set(&button, "type", "button");
                set(&button, "data-action", "fold");
                set(&button, "data-run", &run.to_string());
                set(&button, "aria-expanded", "true");
                let _ = self.rows[first_at].el.before_with_node_1(&toggle);
                self.rows[first_at].fold = Some(toggle.clone());
                (toggle, true)
            }
        };
        let folded = toggle
            .query_selector("button")
            .ok()
            .flatten()
            .is_some_and(|b| b.get_attribute("aria-expanded").as_deref() == Some("false"));
        if folded && !fresh {
            // The row that stopped being the newest folds with the rest of its run.
            if let Some(row) = self.rows.back() {
                let _ = row.el.class_list().add_1("folded");
            }
        }
        label_fold(&toggle, earlier);
        run
    }

    /// Takes row `id` out; `front` when it is one of the oldest rows leaving together.
    fn remove(&mut self, id: u64, front: Option<Front>) {
        let Some(at) = self.find(id) else { return };
        let Some(row) = self.rows.remove(at) else { return };
        // The head of a group is leaving: the next row (if it was under that head) shows it.
        let was_head = !row.continued;
        // A row whose whole block leaves goes with the block (`release` of its last row).
        if front.is_none_or(|f| f.staying_block == Some(row.chunk)) {
            row.el.remove();
        }
        self.chunks.release(row.chunk);
        let Some(next) = self.rows.get_mut(at) else {
            for el in [row.separator, row.fold].into_iter().flatten() {
                el.remove();
            }
            return;
        };
        // What moves down to the next row moves into its block when that is another one: it
        // would otherwise leave with this row's block.
        let adopt = |el: &Element| {
            if next.chunk != row.chunk {
                let _ = next.el.before_with_node_1(el);
            }
        };
        // A separator stays when the next row is on the same day and has none of its own.
        let separator = match row.separator {
            Some(sep) if next.separator.is_none() && next.day == row.day => {
                adopt(&sep);
                Some(sep)
            }
            Some(sep) => {
                sep.remove();
                None
            }
            None => None,
        };
        // A fold toggle moves down to the next row of its run, counting one fewer.
        let fold = match row.fold {
            Some(fold) if next.run.is_some() && next.run == row.run && next.fold.is_none() => {
                let remaining = fold_count(&fold).saturating_sub(1);
                if remaining == 0 {
                    fold.remove();
                    let _ = next.el.class_list().remove_1("folded");
                    None
                } else {
                    label_fold(&fold, remaining);
                    adopt(&fold);
                    Some(fold)
                }
            }
            Some(fold) => {
                fold.remove();
                None
            }
            None => None,
        };
        if separator.is_some() {
            next.separator = separator;
        }
        if fold.is_some() {
            next.fold = fold;
        }
        if was_head && next.continued {
            // It heads the group now (and passes that on if it leaves too); on screen only if
            // it stays.
            next.continued = false;
            if !front.is_some_and(|f| f.next_leaves) {
                let _ = next.el.class_list().remove_1("continued");
            }
        }
    }

    /// The "unread since here" line, above the entry the log names.
    fn place_marker(&mut self, document: &Document, id: Option<u64>) {
        let target = id.and_then(|id| self.find(id).map(|at| (id, at)));
        match (target, self.marker.take()) {
            (None, Some((_, el))) => el.remove(),
            (None, None) => {}
            (Some((id, _)), Some((placed, el))) if placed == id => self.marker = Some((id, el)),
            (Some((id, at)), old) => {
                let el = old.map(|(_, el)| el).unwrap_or_else(|| {
                    let el = element(document, "div");
                    el.set_class_name("unread-marker");
                    set(&el, "data-testid", "unread-marker");
                    set(&el, "role", "separator");
                    el.set_text_content(Some("new since you last looked"));
                    el
                });
                let row = &self.rows[at];
                let before = row.separator.as_ref().or(row.fold.as_ref()).unwrap_or(&row.el);
                let _ = before.before_with_node_1(&el);
                self.marker = Some((id, el));
            }
        }
    }
}

/// Opens or folds the run a toggle starts.
pub fn toggle_fold(list: &Element, button: &Element) {
    let open = button.get_attribute("aria-expanded").as_deref() != Some("true");
    set(button, "aria-expanded", if open { "true" } else { "false" });
    let Some(run) = button.get_attribute("data-run") else { return };
    let Ok(rows) = list.query_selector_all(&format!("div[data-run=\"{run}\"]")) else { return };
    let last = rows.length().saturating_sub(1);
    for i in 0..rows.length() {
        if let Some(row) = rows.item(i).and_then(|n| n.dyn_into::<Element>().ok()) {
            let classes = row.class_list();
            let _ = if open || i == last { classes.remove_1("folded") } else { classes.add_1("folded") };
        }
    }
    if let Some(toggle) = button.parent_element() {
        label_fold(&toggle, fold_count(&toggle));
    }
}

fn label_fold(toggle: &Element, hidden: usize) {
    set(toggle, "data-count", &hidden.to_string());
    if let Some(button) = toggle.query_selector("button").ok().flatten() {
        let open = button.get_attribute("aria-expanded").as_deref() == Some("true");
        let verb = if open { "Hide" } else { "Show" };
        button.set_text_content(Some(&format!("{verb} {hidden} earlier system events")));
    }
}

fn fold_count(toggle: &Element) -> usize {
    toggle.get_attribute("data-count").and_then(|c| c.parse().ok()).unwrap_or(0)
}

/// Rows are cloned from prototypes: a clone is one call into the browser where building a row
/// took about thirty, each attribute name and value a string copied out of the wasm module.
/// There is a blank prototype per kind (with and without a nick), and one per recent author
/// with the nick, its colour and the grouping already filled in; each shows the current minute.
/// Messages mostly come from a few people at a time, so most rows only get their text: four
/// calls into the browser (clone, find the text, set it, append).
#[derive(Default)]
struct Prototypes {
    /// (kind, with a nick, prototype): at most two per kind, made on first use.
    blank: Vec<(EntryKind, bool, Prototype)>,
    /// The latest authors' prototypes, oldest first.
    authors: VecDeque<AuthorPrototype>,
}

struct AuthorPrototype {
    kind: EntryKind,
    continued: bool,
    nick: Arc<str>,
    row: Prototype,
}

/// A prototype row and the time label it shows.
struct Prototype {
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
fn clone(prototype: &Element) -> Element {
    // A deep clone of an element is an element.
    prototype.clone_node_with_deep(true).map(JsCast::unchecked_into).unwrap_or_else(|_| prototype.clone())
}

/// The entry's time for scripts and the full date on hover (see `describe_time`): formatting
/// the date for every row costs more than the rest of the row.
fn data_ms(entry: &Entry) -> i64 {
    entry.time_ms as i64
}

/// Authors with a prototype at a time; a new author takes the place of the longest-held one.
const AUTHOR_PROTOTYPES: usize = 16;

impl Prototypes {
    /// The prototype of `entry`'s row: everything but its text and status filled in.
    fn row(&mut self, document: &Document, entry: &Entry, continued: bool, time_label: &str) -> &Element {
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

fn blank_row(document: &Document, kind: EntryKind, with_nick: bool) -> Element {
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
fn fill_author(row: &Element, kind: EntryKind, nick: &str, continued: bool) {
    if continued {
        row.set_class_name(&row_class(kind, continued, false));
    }
    set(row, "data-nick", nick);
    if let Some(label) = row.first_element_child().and_then(|time| time.next_element_sibling()) {
        label.set_class_name(NICK_CLASSES[nick_colour(nick) as usize % NICK_CLASSES.len()]);
        label.set_text_content(Some(nick));
    }
}

fn row_class(kind: EntryKind, continued: bool, mention: bool) -> String {
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
const NICK_CLASSES: [&str; NICK_COLOURS as usize] = [
    "nick c0", "nick c1", "nick c2", "nick c3", "nick c4", "nick c5", "nick c6", "nick c7", "nick c8", "nick c9",
    "nick c10", "nick c11",
];

/// One entry as a row with the UI contract's attributes, on a copy of its prototype
/// (`continued` puts it under the previous row's header); `shown` is the text as displayed, cut
/// short when `truncated`. Text goes in as text nodes only; http(s) links become anchors.
fn render_row(
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
        let size = human_size(entry.cut_from.unwrap_or(entry.text.len()));
        let start = human_size(DISPLAY_LIMIT_BYTES);
        if entry.cut_from.is_some() {
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
fn append_linked_text(document: &Document, parent: &Element, text: &str) {
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
fn put_note(document: &Document, text: &Element, note: &str) {
    let label = element(document, "span");
    label.set_class_name("entry-note");
    label.set_text_content(Some(note));
    let _ = text.before_with_node_1(&label);
}

/// An own message's note ("waiting in another page"), which changes when this page takes the
/// message over or another server is connected.
fn update_note(document: &Document, row: &Element, entry: &Entry) {
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
fn update_status(document: &Document, row: &Element, entry: &Entry) {
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

pub(super) fn element(document: &Document, tag: &str) -> Element {
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

/// HH:MM in the person's local time and the local day (yyyymmdd). Messages come in bursts
/// within one minute: the answer for the last minute asked is kept, so most rows make no Date.
fn clock(ms: f64) -> (String, i32) {
    thread_local! {
        static LAST: std::cell::RefCell<(i64, String, i32)> = const { std::cell::RefCell::new((i64::MIN, String::new(), 0)) };
    }
    let minute = (ms / 60_000.0).floor() as i64;
    LAST.with(|last| {
        let mut last = last.borrow_mut();
        if last.0 != minute {
            let date = js_sys::Date::new(&ms.into());
            let day = date.get_full_year() as i32 * 10_000 + date.get_month() as i32 * 100 + date.get_date() as i32;
            *last = (minute, format!("{:02}:{:02}", date.get_hours(), date.get_minutes()), day);
        }
        (last.1.clone(), last.2)
    })
}

/// "Saturday, 21 November 2026" in the person's locale; ISO "2026-11-21" if the browser
/// cannot format it.
fn day_label(ms: f64) -> String {
    let date = js_sys::Date::new(&ms.into());
    let options = js_sys::Object::new();
    for (key, value) in [("weekday", "long"), ("year", "numeric"), ("month", "long"), ("day", "numeric")] {
        let _ = js_sys::Reflect::set(&options, &key.into(), &value.into());
    }
    // Called through Reflect with an undefined locale (the person's own); js-sys's binding wants
    // a locale string and would trap on a RangeError.
    js_sys::Reflect::get(&date, &"toLocaleDateString".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .and_then(|f| f.call2(&date, &wasm_bindgen::JsValue::UNDEFINED, &options).ok())
        .and_then(|label| label.as_string())
        .unwrap_or_else(|| format!("{:04}-{:02}-{:02}", date.get_full_year(), date.get_month() + 1, date.get_date()))
}

/// Puts the full date and time on a row's time label the first time the pointer reaches it.
pub fn describe_time(target: &Element) {
    if target.tag_name() != "TIME" || target.has_attribute("title") {
        return;
    }
    let ms = target.parent_element().and_then(|row| row.get_attribute("data-ms"));
    if let Some(ms) = ms.and_then(|ms| ms.parse::<i64>().ok()) {
        let full = js_sys::Date::new(&(ms as f64).into()).to_string();
        set(target, "title", &String::from(full));
    }
}
