//! Rows that come from before the list's oldest: lines read back from the store or the server,
//! put above in blocks not drawn until the window reaches them, and a search hit's row brought
//! into the document wherever it is.

use web_sys::{Document, Element};
use wschat_core::chat::{ChatLog, Entry};

use super::time::clock;
use super::{continues, Row, Rows};
use crate::ui::chunks::Place;

impl Rows {
    /// Brings the row of entry `id` into the document: the window moves to its block, drawn
    /// from `log`. Returns the row's element (for the caller to scroll to), or `None` if it has
    /// none. The mark of a row found before is taken off.
    pub fn reveal(&mut self, list: &Element, log: &ChatLog, id: u64) -> Option<Element> {
        for el in self.rows.iter().filter_map(|r| r.el.as_ref()) {
            let _ = el.class_list().remove_1("found");
        }
        let block = self.rows[self.find(id)?].chunk;
        let top = self.chunks.top_of(list, block)?;
        self.window(list, log, Place::At(top));
        list.set_scroll_top(top.round() as i32);
        self.rows[self.find(id)?].el.clone()
    }

    /// Rows for the entries the log put before the oldest row (lines restored as a person
    /// scrolls back), in new blocks above: not drawn until the window reaches them.
    pub(super) fn prepend(&mut self, document: &Document, list: &Element, log: &ChatLog) {
        let first = self.rows.front().map(|r| r.id);
        let older: Vec<&Entry> = log.entries().take_while(|e| first.is_none_or(|f| e.id < f)).collect();
        if older.is_empty() {
            return;
        }
        let blocks = self.chunks.prepend(document, list, older.len());
        let mut block_of = blocks.iter().flat_map(|&(seq, rows)| std::iter::repeat_n(seq, rows));
        let mut made: Vec<Row> = Vec::with_capacity(older.len());
        let mut previous: Option<&Entry> = None;
        for entry in older {
            let (_, day) = clock(entry.time_ms);
            let separated = made.last().map(|p| p.day) != Some(day);
            let continued = !separated && continues(previous, entry);
            let chunk = block_of.next().unwrap_or_default();
            made.push(Row {
                id: entry.id,
                chunk,
                run: 0,
                el: None,
                separator: None,
                fold: None,
                day,
                continued,
                separated,
            });
            previous = Some(entry);
        }
        // The row that was the oldest keeps no separator of its own where its day goes on
        // from the rows above it.
        if let (Some(last), Some(next)) = (made.last(), self.rows.front_mut()) {
            if next.separated && next.day == last.day {
                next.separated = false;
                if let Some(sep) = next.separator.take() {
                    sep.remove();
                }
            }
        }
        for row in made.into_iter().rev() {
            self.rows.push_front(row);
        }
    }
}
