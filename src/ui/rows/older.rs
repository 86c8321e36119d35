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

    /// The row at the top of the view of `list` and how far below the view's top it starts
    /// (less than zero: the edge cuts it): where the person reads, to come back to.
    pub fn first_in_view(&self, list: &Element) -> Option<(u64, f64)> {
        self.row_in_view(list).map(|(id, _, offset)| (id, offset))
    }

    /// [`Rows::first_in_view`], with the row's element.
    pub(super) fn row_in_view(&self, list: &Element) -> Option<(u64, &Element, f64)> {
        let list_top = list.get_bounding_client_rect().top();
        // From the block under the view's top edge on; folded rows have no box and are passed
        // over (a block may hold nothing else).
        self.chunks.attached().skip_while(|(_, el)| el.get_bounding_client_rect().bottom() <= list_top).find_map(
            |(block, _)| {
                self.rows.range(self.block_rows(block)).find_map(|row| {
                    let el = row.el.as_ref()?;
                    let rect = el.get_bounding_client_rect();
                    (rect.height() > 0.0 && rect.bottom() > list_top).then(|| (row.id, el, rect.top() - list_top))
                })
            },
        )
    }

    /// Scrolls a list drawn anew so that entry `id`'s row starts `offset` pixels below the
    /// view's top, as it did when the person left it ([`Rows::first_in_view`]). False if the
    /// entry has left memory with the oldest: the list then opens at its top, for the lines
    /// before to be read back (`ChatSession::return_to_line`).
    pub fn bring_back(&mut self, list: &Element, log: &ChatLog, id: u64, offset: f64) -> bool {
        match self.reveal(list, log, id) {
            Some(row) => {
                let now = row.get_bounding_client_rect().top() - list.get_bounding_client_rect().top();
                list.set_scroll_top(list.scroll_top() + (now - offset).round() as i32);
                true
            }
            None if self.rows.front().is_some_and(|oldest| id < oldest.id) => {
                self.window(list, log, Place::At(0.0));
                list.set_scroll_top(0);
                false
            }
            None => true,
        }
    }

    /// Rows for the entries the log put before the oldest row (lines restored as a person
    /// scrolls back), in new blocks above: not drawn until the window reaches them.
    /// `first_added` is the first entry of this batch to come as `Added`: with no rows yet,
    /// the prepended entries are those before it (it gets its row of its own).
    pub(super) fn prepend(&mut self, document: &Document, list: &Element, log: &ChatLog, first_added: Option<u64>) {
        let first = self.rows.front().map(|r| r.id).or(first_added);
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
                    // Gone from above what the person reads, it would pull their text up by its
                    // height and margins: what its row moves by.
                    let top = |row: &Row| row.el.as_ref().map(|el| el.get_bounding_client_rect().top());
                    let before = top(next);
                    sep.remove();
                    if let (Some(before), Some(after)) = (before, top(next)) {
                        if before <= list.get_bounding_client_rect().top() {
                            self.chunks.lost_above(before - after);
                        }
                    }
                }
            }
        }
        for row in made.into_iter().rev() {
            self.rows.push_front(row);
        }
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
    use wschat_core::chat::{ChatLog, EntryKind};
    use wschat_core::history::Record;

    use super::Rows;

    wasm_bindgen_test_configure!(run_in_browser);

    /// Lines read back into an empty list, and a live line, in one batch: each gets one row.
    #[wasm_bindgen_test]
    fn older_lines_and_a_live_line_into_an_empty_list_get_a_row_each() {
        let document = web_sys::window().and_then(|w| w.document()).expect("a document");
        let list = document.create_element("div").expect("a div");
        document.body().expect("a body").append_child(&list).expect("appended");
        let mut log = ChatLog::with_first_id(100, 1_000);
        let older: Vec<Record> = (0..3)
            .map(|n| Record {
                conversation: String::new(),
                time_ms: f64::from(n),
                kind: EntryKind::Chat,
                nick: Some("bob".into()),
                text: format!("old {n}"),
                status: None,
                msgid: None,
            })
            .collect();
        assert_eq!(log.restore_older(&older), 3);
        log.receive_message(Some("carol"), "live", 10.0);
        let changes = log.take_changes();
        let mut rows = Rows::default();
        rows.apply(&list, &log, &changes, false);
        let ids: Vec<u64> = rows.rows.iter().map(|r| r.id).collect();
        let entries: Vec<u64> = log.entries().map(|e| e.id).collect();
        assert_eq!(ids, entries);
        list.remove();
    }

    /// The block holding the unread marker leaves above a person reading further down (its
    /// line left memory): the marker goes above the oldest row left, still above what they
    /// read, and their text stays where it is on screen.
    #[wasm_bindgen_test]
    fn the_marker_put_back_above_the_reader_leaves_their_text_in_place() {
        use wasm_bindgen::JsCast;
        let document = web_sys::window().and_then(|w| w.document()).expect("a document");
        let list: web_sys::HtmlElement = document.create_element("div").expect("a div").dyn_into().expect("html");
        list.style().set_property("height", "200px").expect("height");
        list.style().set_property("overflow-y", "auto").expect("overflow");
        // As the app's stylesheet: the list keeps the reader's place itself.
        list.style().set_property("overflow-anchor", "none").expect("anchor");
        document.body().expect("a body").append_child(&list).expect("appended");
        let mut log = ChatLog::new(200);
        log.set_reading(true);
        log.receive_message(Some("bob"), "read", 0.0);
        log.set_reading(false);
        let say = |log: &mut ChatLog, from: u32, to: u32| {
            for n in from..to {
                log.receive_message(Some("bob"), &format!("line {n}"), f64::from(n + 1));
            }
        };
        say(&mut log, 0, 199);
        let mut rows = Rows::default();
        let changes = log.take_changes();
        rows.apply(&list, &log, &changes, false);
        rows.window(&list, &log, crate::ui::chunks::Place::At(0.0));
        // Reading halfway down: the first block (with the marker) is out of the window.
        list.set_scroll_top(list.scroll_height() / 2);
        rows.window(&list, &log, crate::ui::chunks::Place::Keep);
        let (read, before) = rows.first_in_view(&list).expect("a row in view");
        say(&mut log, 199, 249);
        let changes = log.take_changes();
        rows.apply(&list, &log, &changes, true);
        rows.window(&list, &log, crate::ui::chunks::Place::Keep);
        let marked = log.unread_marker().and_then(|id| log.get(id)).map(|e| e.text.to_string());
        assert_eq!(marked.as_deref(), Some("line 49"), "the marker is above the oldest kept");
        assert!(list.query_selector(".unread-marker").ok().flatten().is_some(), "and drawn");
        let (still, after) = rows.first_in_view(&list).expect("a row in view");
        let text = |id: u64| log.get(id).map(|e| e.text.to_string());
        assert_eq!(text(still), text(read), "offsets {before} and {after}");
        assert!((after - before).abs() <= 1.0, "the row read moved from {before} to {after} px");
        list.remove();
    }

    /// The oldest rows leave, two in a frame, across a block's edge: the day's separator stays
    /// above the first row left, with that row's date, not one of a row that left with them.
    #[wasm_bindgen_test]
    fn a_separator_handed_on_across_blocks_keeps_the_days_date() {
        let document = web_sys::window().and_then(|w| w.document()).expect("a document");
        let list = document.create_element("div").expect("a div");
        document.body().expect("a body").append_child(&list).expect("appended");
        let mut log = ChatLog::new(60);
        let mut rows = Rows::default();
        let day = 1_750_000_000_000.0;
        let say = |log: &mut ChatLog, rows: &mut Rows, from: u32, to: u32| {
            for n in from..to {
                log.receive_message(Some("bob"), &format!("line {n}"), day + f64::from(n));
            }
            let changes = log.take_changes();
            rows.apply(&list, log, &changes, false);
            rows.window(&list, log, crate::ui::chunks::Place::At(0.0));
        };
        // Blocks of 50: the first keeps only its last row, the next starts a row after it.
        say(&mut log, &mut rows, 0, 60);
        say(&mut log, &mut rows, 60, 109);
        say(&mut log, &mut rows, 109, 111);
        let separators: Vec<String> = (0..list.query_selector_all(".day-separator").expect("a query").length())
            .filter_map(|i| list.query_selector_all(".day-separator").ok()?.item(i)?.text_content())
            .collect();
        assert_eq!(separators, [super::super::time::day_label(day)]);
        list.remove();
    }
}
