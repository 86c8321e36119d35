//! The message list's rows as plain DOM, kept in step with the log's change journal.
//!
//! Each frame appends the new rows, removes the ones that left and updates the ones whose status
//! changed: the work per message is constant, whatever the length of the history (a keyed list
//! diff would walk every row on every update). Rows carry their decorations: the day separator
//! above them, the header grouping, the fold toggle of a run of system entries.
//!
//! A row has elements only while its block is in the document (see [`Chunks`]): what it needs
//! to be drawn again (its group, separator, run and fold) is kept here, the rest is the log's.

use std::collections::VecDeque;

use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;
use web_sys::{Document, Element};
use wschat_core::bounded::push_within;
use wschat_core::chat::{display_text, Change, ChatLog, Entry, EntryKind};
use wschat_core::present::{continues_group, may_hold_link};

use super::chunks::{Chunks, Drawn, Place};
use crate::ui::dom::{element, set};
use fold::Fold;
use prototypes::{clone, Prototypes};
use render::{render_row, update_status};
use time::{clock, day_label};

pub use time::describe_time;

mod fold;
mod older;
mod prototypes;
mod render;
mod time;

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
    /// The block of rows it sits in (see [`Chunks`]).
    chunk: u64,
    /// The run of system entries this row belongs to (the id of its first entry), or 0: ids
    /// start at 1. Not an `Option<u64>`, twice the size: a row is kept for every entry.
    run: u64,
    /// Its element, while its block is in the document.
    el: Option<Element>,
    /// The day separator's element, while drawn. Boxed: an element handle has no spare value
    /// for `None`, and few rows start a day.
    separator: Option<Box<Element>>,
    /// The fold toggle above this row, which starts a run of system entries (few rows do).
    fold: Option<Box<Fold>>,
    day: i32,
    /// Shown under the previous row's header (class `continued`).
    continued: bool,
    /// A day separator stands above this row.
    separated: bool,
}

impl Row {
    /// The run of system entries it belongs to.
    fn run(&self) -> Option<u64> {
        (self.run != 0).then_some(self.run)
    }

    /// The first of its elements in the document: its separator, its fold toggle or itself.
    fn top(&self) -> Option<&Element> {
        self.separator.as_deref().or(self.fold.as_ref().and_then(|f| f.el())).or(self.el.as_ref())
    }
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
        let _phase = crate::heap_probe::enter(crate::heap_probe::Phase::Rows);
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
            let mut previous = None;
            for entry in log.entries() {
                self.append(&document, list, previous, entry);
                previous = Some(entry);
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
                    self.remove(&document, log, id, front);
                }
                if keep_place {
                    let lost = lost_above.unwrap_or_else(|| height_before - list.scroll_height());
                    list.set_scroll_top(list.scroll_top() - lost);
                }
            }
            let first_added = changes.iter().find_map(|c| match c {
                Change::Added(id) => Some(*id),
                _ => None,
            });
            for change in changes {
                match *change {
                    Change::Added(id) => {
                        if let Some(entry) = log.get(id) {
                            let previous = self.rows.back().and_then(|row| log.get(row.id));
                            self.append(&document, list, previous, entry);
                        }
                    }
                    // A row not drawn shows the entry as it is when drawn.
                    Change::Updated(id) => {
                        if let (Some(el), Some(entry)) =
                            (self.find(id).and_then(|at| self.rows[at].el.as_ref()), log.get(id))
                        {
                            update_status(&document, el, entry);
                        }
                    }
                    Change::Prepended(_) => self.prepend(&document, list, log, first_added),
                    Change::Removed(_) | Change::Reset => {}
                }
            }
        }
        // The marker put in or taken out above what the person reads would move their text.
        let marker = log.unread_marker();
        let moves = self.marker.as_ref().map(|(placed, _)| *placed) != marker;
        let reference = if keep_place && moves {
            self.row_in_view(list).map(|(_, el, _)| (el.clone(), el.get_bounding_client_rect().top()))
        } else {
            None
        };
        self.place_marker(&document, marker);
        if let Some((el, before)) = reference {
            self.chunks.lost_above(before - el.get_bounding_client_rect().top());
        }
    }

    /// Puts the blocks of rows near the view in the document, drawn from `log`, and the rest
    /// out, forgotten (see [`Chunks::window`]).
    pub fn window(&mut self, list: &Element, log: &ChatLog, place: Place) {
        let _phase = crate::heap_probe::enter(crate::heap_probe::Phase::Window);
        let Some(document) = list.owner_document() else { return };
        // Taken out for the call, so the blocks' news can reach the rows.
        let mut chunks = std::mem::take(&mut self.chunks);
        chunks.window(list, place, &mut |drawn| match drawn {
            Drawn::In(block, el) => self.draw_block(&document, log, block, el),
            Drawn::Out(block) => self.forget_block(block),
        });
        self.chunks = chunks;
    }

    /// Where block `block`'s rows are in `rows` (blocks hold consecutive rows).
    fn block_rows(&self, block: u64) -> std::ops::Range<usize> {
        self.rows.partition_point(|r| r.chunk < block)..self.rows.partition_point(|r| r.chunk <= block)
    }

    /// Draws block `block`'s rows into `parent`, decorations and the unread marker with them.
    fn draw_block(&mut self, document: &Document, log: &ChatLog, block: u64, parent: &Element) {
        let rows = self.block_rows(block);
        for at in rows.clone() {
            let Some(entry) = log.get(self.rows[at].id) else { continue };
            let folded = self.folded(at);
            let row = &mut self.rows[at];
            if row.separated {
                let sep = separator(document, entry.time_ms);
                let _ = parent.append_child(&sep);
                row.separator = Some(Box::new(sep));
            }
            if let Some(fold) = row.fold.as_mut() {
                let _ = parent.append_child(fold.draw(document));
            }
            let el = draw_row(&mut self.prototypes, document, parent, entry, row.continued);
            if let Some(run) = row.run() {
                set(&el, "data-run", &run.to_string());
            }
            if folded {
                let _ = el.class_list().add_1("folded");
            }
            row.el = Some(el);
        }
        if let Some((id, marker)) = &self.marker {
            if let Some(top) = self.find(*id).filter(|at| rows.contains(at)).and_then(|at| self.rows[at].top()) {
                let _ = top.before_with_node_1(marker);
            }
        }
    }

    /// Forgets the elements of block `block`'s rows: the block left the document, emptied.
    fn forget_block(&mut self, block: u64) {
        let rows = self.block_rows(block);
        for row in self.rows.range_mut(rows) {
            row.el = None;
            row.separator = None;
            if let Some(fold) = row.fold.as_mut() {
                fold.undraw();
            }
        }
    }

    /// Whether the row at `at` is folded away: its run's toggle is closed and it is not the
    /// run's newest row.
    fn folded(&self, at: usize) -> bool {
        let Some(run) = self.rows[at].run() else { return false };
        // The toggle sits on the run's first row kept: the one of its id, or the oldest row.
        let first = self.find(run).unwrap_or(0);
        let closed =
            self.rows.get(first).filter(|r| r.run == run).and_then(|r| r.fold.as_ref()).is_some_and(|f| !f.is_open());
        closed && self.rows.get(at + 1).is_some_and(|next| next.run == run)
    }

    fn find(&self, id: u64) -> Option<usize> {
        self.rows.binary_search_by_key(&id, |row| row.id).ok()
    }

    /// A row for `entry`, the newest, under `previous` (the entry of the row that was newest).
    fn append(&mut self, document: &Document, list: &Element, previous: Option<&Entry>, entry: &Entry) {
        let (_, day) = clock(entry.time_ms);
        let (chunk, parent) = self.chunks.open(document, list);
        let separated = self.rows.back().map(|p| p.day) != Some(day);
        let separator = parent.filter(|_| separated).map(|parent| {
            let sep = separator(document, entry.time_ms);
            let _ = parent.append_child(&sep);
            Box::new(sep)
        });
        let continued = !separated && continues(previous, entry);
        let el = parent.map(|parent| draw_row(&mut self.prototypes, document, parent, entry, continued));
        let run = if entry.kind == EntryKind::System {
            let run = self.extend_run(document, entry.id);
            if let Some(el) = &el {
                set(el, "data-run", &run.to_string());
            }
            run
        } else {
            self.run = None;
            0
        };
        let row = Row { id: entry.id, chunk, run, el, separator, fold: None, day, continued, separated };
        push_within(&mut self.rows, self.cap, row);
    }

    /// A system entry joins the run at the end of the list; once the run is long enough, a
    /// toggle above its first row can fold all of it but the newest. Returns the run's id.
    fn extend_run(&mut self, document: &Document, id: u64) -> u64 {
        let (run, len) = match self.run {
            Some((run, len)) => (run, len + 1),
            None => (id, 1),
        };
        self.run = Some((run, len));
        // The run's earlier rows are the last rows kept.
        let earlier = (len - 1).min(self.rows.len());
        if len < FOLD_AT || earlier == 0 {
            return run;
        }
        let first_at = self.rows.len() - earlier;
        let first = &mut self.rows[first_at];
        let fold = first.fold.get_or_insert_with(|| Box::new(Fold::new(run)));
        if let Some(el) = &first.el {
            if fold.el().is_none() {
                let _ = el.before_with_node_1(fold.draw(document));
            }
        }
        fold.set_hidden(earlier);
        if !fold.is_open() {
            // The row that stopped being the newest folds with the rest of its run.
            if let Some(el) = self.rows.back().and_then(|row| row.el.as_ref()) {
                let _ = el.class_list().add_1("folded");
            }
        }
        run
    }

    /// Takes row `id` out; `front` when it is one of the oldest rows leaving together.
    fn remove(&mut self, document: &Document, log: &ChatLog, id: u64, front: Option<Front>) {
        let Some(at) = self.find(id) else { return };
        let Some(mut row) = self.rows.remove(at) else { return };
        // The head of a group is leaving: the next row (if it was under that head) shows it.
        let was_head = !row.continued;
        // A row whose whole block leaves goes with the block (`release` of its last row).
        if front.is_none_or(|f| f.staying_block == Some(row.chunk)) {
            if let Some(el) = &row.el {
                el.remove();
            }
        }
        self.chunks.release(row.chunk);
        let Some(next) = self.rows.get_mut(at) else {
            if let Some(sep) = row.separator {
                sep.remove();
            }
            if let Some(fold) = row.fold.as_mut() {
                fold.remove();
            }
            return;
        };
        // What moves down to the next row keeps its element within a block; into another block
        // it is drawn anew there (it would otherwise leave with this row's block).
        let same_block = next.chunk == row.chunk;
        // A separator stays when the next row is on the same day and has none of its own.
        let separator_moves = row.separated && !next.separated && next.day == row.day;
        match row.separator {
            Some(sep) if separator_moves && same_block => next.separator = Some(sep),
            Some(sep) => sep.remove(),
            None => {}
        }
        next.separated |= separator_moves;
        // A fold toggle moves down to the next row of its run, counting one fewer.
        match row.fold {
            Some(mut fold) if next.run().is_some() && next.run == row.run && next.fold.is_none() => {
                let remaining = fold.hidden().saturating_sub(1);
                if remaining == 0 {
                    fold.remove();
                    if let Some(el) = &next.el {
                        let _ = el.class_list().remove_1("folded");
                    }
                } else {
                    fold.set_hidden(remaining);
                    if !same_block {
                        fold.remove();
                    }
                    next.fold = Some(fold);
                }
            }
            Some(mut fold) => fold.remove(),
            None => {}
        }
        if was_head && next.continued {
            // It heads the group now (and passes that on if it leaves too); on screen only if
            // it stays.
            next.continued = false;
            if let Some(el) = next.el.as_ref().filter(|_| !front.is_some_and(|f| f.next_leaves)) {
                let _ = el.class_list().remove_1("continued");
            }
        }
        self.decorate(document, log, at);
    }

    /// Draws what the drawn row at `at` stands under and lacks: its fold toggle, its separator.
    fn decorate(&mut self, document: &Document, log: &ChatLog, at: usize) {
        // A row whose entry left the log is leaving too (later in the same batch): what it stands
        // under is handed on to the next row then.
        let Some(time_ms) = log.get(self.rows[at].id).map(|e| e.time_ms) else { return };
        let row = &mut self.rows[at];
        let Some(el) = row.el.clone() else { return };
        if let Some(fold) = row.fold.as_mut().filter(|f| f.el().is_none()) {
            let _ = el.before_with_node_1(fold.draw(document));
        }
        if row.separated && row.separator.is_none() {
            let sep = separator(document, time_ms);
            let _ = row.fold.as_ref().and_then(|f| f.el()).unwrap_or(&el).before_with_node_1(&sep);
            row.separator = Some(Box::new(sep));
        }
    }

    /// Opens or folds run `run` (the id its fold toggle's button carries).
    pub fn toggle_fold(&mut self, run: u64) {
        let Some(open) = self.rows.iter_mut().find(|r| r.run == run).and_then(|r| r.fold.as_mut()).map(|f| f.toggle())
        else {
            return;
        };
        let last = self.rows.iter().rposition(|r| r.run == run);
        for (at, row) in self.rows.iter().enumerate().filter(|(_, r)| r.run == run) {
            let Some(el) = &row.el else { continue };
            let classes = el.class_list();
            let _ = if open || Some(at) == last { classes.remove_1("folded") } else { classes.add_1("folded") };
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
                // Above its row, or out of the document until the row's block is drawn.
                match self.rows[at].top() {
                    Some(top) => {
                        let _ = top.before_with_node_1(&el);
                    }
                    None => el.remove(),
                }
                self.marker = Some((id, el));
            }
        }
    }
}

/// Whether `entry`, under `previous`, is shown under the same header (a run of one author's
/// messages close in time).
fn continues(previous: Option<&Entry>, entry: &Entry) -> bool {
    matches!(entry.kind, EntryKind::Chat | EntryKind::Own)
        && entry.nick.as_deref().is_some_and(|nick| {
            let same_author =
                previous.filter(|p| p.kind == entry.kind).and_then(|p| p.nick.as_deref().map(|n| (n, p.time_ms)));
            continues_group(same_author, nick, entry.time_ms)
        })
}

/// A row's element for `entry`, appended to `parent`.
fn draw_row(
    prototypes: &mut Prototypes,
    document: &Document,
    parent: &Element,
    entry: &Entry,
    continued: bool,
) -> Element {
    let (time_label, _) = clock(entry.time_ms);
    let prototype = prototypes.row(document, entry, continued, &time_label);
    // Most rows are only text: no mention, link, status or truncation to decorate.
    let (shown, truncated) = display_text(&entry.text);
    let displayed = (shown, truncated || entry.cut_from().is_some());
    let truncated = displayed.1;
    let plain = !entry.mention && entry.status.is_none() && entry.note.is_none() && !truncated && !may_hold_link(shown);
    match plain.then(|| append_plain_row(prototype, parent, data_ms(entry) as f64, shown)) {
        Some(Ok(el)) => el,
        _ => {
            let el = render_row(document, clone(prototype), entry, continued, displayed);
            let _ = parent.append_child(&el);
            el
        }
    }
}

/// The line above the first row of a day.
fn separator(document: &Document, time_ms: f64) -> Element {
    let sep = element(document, "div");
    sep.set_class_name("day-separator");
    set(&sep, "role", "separator");
    sep.set_text_content(Some(&day_label(time_ms)));
    sep
}

/// The entry's time for scripts and the full date on hover (see `describe_time`): formatting
/// the date for every row costs more than the rest of the row.
pub(super) fn data_ms(entry: &Entry) -> i64 {
    entry.time_ms as i64
}
