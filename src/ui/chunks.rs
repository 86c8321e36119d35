//! The message list's rows in blocks, and the window of blocks that is in the document.
//!
//! Rows sit in blocks of [`ROWS_PER_CHUNK`]. Only the blocks in view, plus a margin of a screen
//! or so each way, are in the list; the others are detached and stand as two spacers of their
//! height, above and below. So the browser's layout, style and paint work, and what a screen
//! reader or find-in-page walks, is a window's rows whatever the length of the history, and a
//! flood changes the newest block only. A block's height is measured when it leaves the
//! document (it was drawn there); one never drawn is estimated from the rows measured so far,
//! and the reader's place is corrected by the difference once it is drawn above them.
//!
//! A detached block is empty: its rows' elements are dropped with it (the rows' owner forgets
//! them, see [`Drawn`]), so the document and the memory behind it hold a window's rows, not a
//! conversation's. A block coming back is drawn anew from the log before it is inserted.

use std::collections::VecDeque;

use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlElement};

use super::dom::element;

/// Rows per block: small enough that laying out the newest block is cheap, large enough that
/// the list itself has few children.
const ROWS_PER_CHUNK: usize = 50;

/// A row's height before any was measured (the stylesheet's row: a line and its padding).
const ROW_PX_GUESS: f64 = 26.0;

/// Blocks within this many pixels of the view stay in the document, and at least a screen's
/// height: scrolling by a page never shows a spacer.
const MARGIN_PX: f64 = 800.0;

struct Chunk {
    seq: u64,
    el: Element,
    rows: usize,
    attached: bool,
    /// Its height in the list, once measured.
    height: Option<f64>,
}

/// The blocks, oldest first; a block goes when its last row goes. The attached ones are
/// consecutive, between the two spacers.
pub struct Chunks {
    blocks: VecDeque<Chunk>,
    next_seq: u64,
    /// The spacers standing for detached blocks above and below the attached ones.
    spacers: Option<(Element, Element)>,
    /// Height that detached blocks above the window lost since the last [`Chunks::window`]:
    /// what the reader's place moves up by.
    lost_above_px: f64,
    /// The mean height of the rows measured so far.
    row_px: Option<f64>,
    /// Blocks are being made for a list drawn anew: they wait detached, and the next
    /// [`Chunks::window`] brings in those near the view (laying out thousands of rows to
    /// measure them would hold up the frame).
    filling: bool,
}

/// The first block's sequence number: blocks put before the oldest (lines restored as a person
/// scrolls back) count down from it.
const FIRST_SEQ: u64 = 1 << 40;

impl Default for Chunks {
    fn default() -> Self {
        Chunks {
            blocks: VecDeque::new(),
            next_seq: FIRST_SEQ,
            spacers: None,
            lost_above_px: 0.0,
            row_px: None,
            filling: false,
        }
    }
}

/// A block that enters or leaves the document: its rows are drawn into it, or forgotten.
pub enum Drawn<'a> {
    /// Block `seq` comes into the document: draw its rows into the element.
    In(u64, &'a Element),
    /// Block `seq` left the document and is emptied: forget its rows' elements.
    Out(u64),
}

/// Where the window stands.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Place {
    /// At the newest rows (the list is pinned to its end; its owner scrolls there).
    End,
    /// Where the person reads: the rows in view stay where they are on screen.
    Keep,
    /// Around this scroll offset, where a list drawn anew is to be scrolled (it cannot be
    /// scrolled there before its spacers give it the height).
    At(f64),
}

impl Chunks {
    /// The block a new row goes into (its sequence number, and its element if the row is to be
    /// drawn: the block is in the document), opening one when the newest is full; counts the
    /// row. A new block is attached when the window reaches the end of the list, else it waits
    /// below it, detached and empty.
    pub fn open(&mut self, document: &Document, list: &Element) -> (u64, Option<&Element>) {
        // A handle of its own (a clone of the element's reference): `self` changes below.
        let bottom = self.spacers(document, list).1.clone();
        if self.blocks.back().is_none_or(|b| ROWS_PER_CHUNK <= b.rows) {
            let el = element(document, "div");
            el.set_class_name("chunk");
            let attached = !self.filling && self.blocks.back().is_none_or(|b| b.attached);
            if attached {
                let _ = bottom.before_with_node_1(&el);
            }
            self.blocks.push_back(Chunk { seq: self.next_seq, el, rows: 0, attached, height: None });
            self.next_seq += 1;
        }
        let newest = self.blocks.back_mut().unwrap_or_else(|| unreachable!("a block was just opened"));
        newest.rows += 1;
        if !newest.attached {
            newest.height = None;
        }
        (newest.seq, newest.attached.then_some(&newest.el))
    }

    /// Blocks for `rows` rows put before the oldest (lines restored as a person scrolls back):
    /// detached and empty, above the window, drawn when it reaches them. Their estimated height
    /// is what the reader's place moves down by at the next [`Chunks::window`]. Returns each
    /// block's sequence number and row count, oldest first.
    pub fn prepend(&mut self, document: &Document, list: &Element, rows: usize) -> Vec<(u64, usize)> {
        self.spacers(document, list);
        let row_px = self.row_px();
        let mut seq = self.blocks.front().map_or(self.next_seq, |b| b.seq);
        let mut made = Vec::new();
        let mut left = rows;
        while left > 0 && seq > 0 {
            let count = left.min(ROWS_PER_CHUNK);
            left -= count;
            seq -= 1;
            let el = element(document, "div");
            el.set_class_name("chunk");
            // The estimate stands until the block is drawn, as much as the place moves by.
            let height = count as f64 * row_px;
            self.blocks.push_front(Chunk { seq, el, rows: count, attached: false, height: Some(height) });
            self.lost_above_px -= height;
            made.push((seq, count));
        }
        made.reverse();
        made
    }

    /// The spacers above and below the attached blocks, made and put in `list` the first time.
    fn spacers(&mut self, document: &Document, list: &Element) -> &(Element, Element) {
        self.spacers.get_or_insert_with(|| {
            let top = spacer(document);
            let bottom = spacer(document);
            let _ = list.append_child(&top);
            let _ = list.append_child(&bottom);
            (top, bottom)
        })
    }

    /// A row of block `seq` left; the block goes with its last row. A detached block above the
    /// window takes its share of height with it, for the reader's place.
    pub fn release(&mut self, seq: u64) {
        let Ok(at) = self.blocks.binary_search_by_key(&seq, |b| b.seq) else { return };
        let row_px = self.row_px();
        let above = self.blocks.iter().position(|b| b.attached).is_some_and(|first| at < first);
        let block = &mut self.blocks[at];
        if !block.attached && above {
            let height = block.height.unwrap_or(block.rows as f64 * row_px);
            let share = height / block.rows.max(1) as f64;
            self.lost_above_px += share;
            block.height = Some(height - share);
        }
        block.rows = block.rows.saturating_sub(1);
        if block.rows == 0 {
            if let Some(block) = self.blocks.remove(at) {
                block.el.remove();
            }
        }
    }

    /// No blocks, numbered on from these, for a list emptied (its spacers with it) and drawn
    /// anew: its blocks wait detached for the next [`Chunks::window`].
    pub fn emptied(&self) -> Chunks {
        Chunks { next_seq: self.next_seq, row_px: self.row_px, filling: true, ..Chunks::default() }
    }

    /// Puts in the document the blocks within a margin of the view of `list`, and only those,
    /// and sizes the spacers for the rest: at the end of the list, or where the person reads,
    /// keeping the rows in view where they are on screen. Reads the layout of the attached
    /// blocks once, and again only where a block comes back. `drawn` hears of each block that
    /// comes in (to draw it, before it is inserted) or goes out (to forget its rows).
    pub fn window(&mut self, list: &Element, place: Place, drawn: &mut dyn FnMut(Drawn<'_>)) {
        self.filling = false;
        let Some((top_spacer, bottom_spacer)) = self.spacers.clone() else { return };
        if self.blocks.is_empty() {
            return;
        }
        let keep_place = place == Place::Keep;
        let mut correction = -std::mem::take(&mut self.lost_above_px);
        // What is drawn now: the attached blocks' heights, and where the view is.
        let mut measured = (0.0, 0);
        for block in self.blocks.iter_mut().filter(|b| b.attached) {
            let height = block.el.get_bounding_client_rect().height();
            block.height = Some(height);
            measured = (measured.0 + height, measured.1 + block.rows);
        }
        if measured.1 > 0 && measured.0 > 0.0 {
            self.row_px = Some(measured.0 / measured.1 as f64);
        }
        let row_px = self.row_px();
        let list_top = list.get_bounding_client_rect().top();
        let content_top = top_spacer.get_bounding_client_rect().top() - list_top + f64::from(list.scroll_top());
        let view_top = match place {
            Place::At(top) => top,
            _ => f64::from(list.scroll_top()) + if keep_place { correction } else { 0.0 },
        };
        let view_height = f64::from(list.client_height());
        let margin = MARGIN_PX.max(view_height);
        let (from, to) = (view_top - margin, view_top + view_height + margin);
        // The blocks that meet the view and its margins: always at least the nearest one.
        let mut y = content_top;
        let mut first = None;
        let mut last = None;
        let mut tops = Vec::with_capacity(self.blocks.len());
        for (i, block) in self.blocks.iter_mut().enumerate() {
            // An estimate, once used, stands until the block is drawn: a mean moving as more
            // blocks are measured would move the text read under unmeasured blocks above it.
            let height = *block.height.get_or_insert(block.rows as f64 * row_px);
            tops.push(y);
            if y + height >= from && y <= to {
                first.get_or_insert(i);
                last = Some(i);
            }
            y += height;
        }
        let last_index = self.blocks.len() - 1;
        let (first, last) = match (place, first, last) {
            // The newest blocks, as many as fill the view and its margin above.
            (Place::End, ..) => {
                let mut height = 0.0;
                let mut first = last_index;
                for (i, block) in self.blocks.iter().enumerate().rev() {
                    first = i;
                    height += block.height.unwrap_or(block.rows as f64 * row_px);
                    if height >= view_height + margin {
                        break;
                    }
                }
                (first, last_index)
            }
            (_, Some(first), Some(last)) => (first, last),
            // Past the end (the list shrank under the view): the newest block.
            _ if view_top >= y => (last_index, last_index),
            _ => (0, 0),
        };
        // Out of the window: detached, at the height last measured.
        for (i, block) in self.blocks.iter_mut().enumerate() {
            if block.attached && (i < first || i > last) {
                block.el.remove();
                block.attached = false;
                drawn(Drawn::Out(block.seq));
                block.el.set_text_content(None);
            }
        }
        // Into it: inserted in order, from the newest, before the block after each.
        let mut before = bottom_spacer.clone();
        let mut came_back_above = Vec::new();
        for i in (first..=last).rev() {
            let block = &mut self.blocks[i];
            if !block.attached {
                drawn(Drawn::In(block.seq, &block.el));
                let _ = before.before_with_node_1(&block.el);
                block.attached = true;
                if tops[i] < view_top {
                    came_back_above.push(i);
                }
            }
            before = block.el.clone();
        }
        let height_of = |b: &Chunk| b.height.unwrap_or(b.rows as f64 * row_px);
        let above: f64 = self.blocks.iter().take(first).map(height_of).sum();
        let below: f64 = self.blocks.iter().skip(last + 1).map(height_of).sum();
        set_height(&top_spacer, above);
        set_height(&bottom_spacer, below);
        // A block drawn again above the view, at another height than it stood for, moves the
        // rows below it: the reader's place follows. (At the end, the owner scrolls there.)
        if keep_place {
            for i in came_back_above {
                let block = &mut self.blocks[i];
                let drawn = block.el.get_bounding_client_rect().height();
                correction += drawn - block.height.unwrap_or(block.rows as f64 * row_px);
                block.height = Some(drawn);
            }
        }
        if keep_place && correction != 0.0 {
            list.set_scroll_top((f64::from(list.scroll_top()) + correction).round() as i32);
        }
    }

    /// Where block `seq` starts in `list`'s scrolled content, as measured or estimated.
    pub fn top_of(&self, list: &Element, seq: u64) -> Option<f64> {
        let (top_spacer, _) = self.spacers.as_ref()?;
        let row_px = self.row_px();
        let content_top = top_spacer.get_bounding_client_rect().top() - list.get_bounding_client_rect().top()
            + f64::from(list.scroll_top());
        let above: f64 =
            self.blocks.iter().take_while(|b| b.seq != seq).map(|b| b.height.unwrap_or(b.rows as f64 * row_px)).sum();
        Some(content_top + above)
    }

    /// Something `px` high left the document above the view: the reader's place moves up by
    /// as much at the next [`Chunks::window`].
    pub fn lost_above(&mut self, px: f64) {
        self.lost_above_px += px;
    }

    /// The blocks in the document, top to bottom.
    pub fn attached(&self) -> impl Iterator<Item = (u64, &Element)> {
        self.blocks.iter().filter(|b| b.attached).map(|b| (b.seq, &b.el))
    }

    fn row_px(&self) -> f64 {
        self.row_px.unwrap_or(ROW_PX_GUESS)
    }
}

fn spacer(document: &Document) -> Element {
    let el = element(document, "div");
    el.set_class_name("spacer");
    let _ = el.set_attribute("aria-hidden", "true");
    el
}

/// Through the CSSOM: the content security policy refuses `style` attributes.
fn set_height(el: &Element, px: f64) {
    if let Some(el) = el.dyn_ref::<HtmlElement>() {
        let _ = el.style().set_property("height", &format!("{}px", px.max(0.0).round() as i64));
    }
}
