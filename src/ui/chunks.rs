//! The message list's rows in blocks, so that the browser's per-frame work does not grow with
//! the history.
//!
//! With 5,000 rows as direct children of the list, every frame of a flood had the browser walk
//! all of them in layout and pre-paint (a row leaving at the top moves every row below it): at
//! 5,000 messages a second that alone took longer than a frame. In blocks, a frame changes the
//! first and last blocks only, and a block that is complete and has been drawn once is
//! *sealed* (`content-visibility: auto` in the stylesheet): off screen, the browser keeps its
//! last drawn size and skips its contents. Sealing waits until a frame has drawn the complete
//! block (the list asks two animation frames later) so that the size it keeps is the real one,
//! not the stylesheet's estimate.

use std::collections::VecDeque;

use web_sys::{Document, Element};

use super::dom::element;

/// Rows per block: small enough that laying out the newest block is cheap, large enough that
/// the list itself has few children (100 at the default cap of 5,000).
const ROWS_PER_CHUNK: usize = 50;

struct Chunk {
    seq: u64,
    el: Element,
    rows: usize,
}

/// The blocks on screen, oldest first; a block goes when its last row goes.
#[derive(Default)]
pub struct Chunks {
    blocks: VecDeque<Chunk>,
    next_seq: u64,
    /// Blocks before this one are sealed.
    sealed_below: u64,
}

impl Chunks {
    /// The block a new row goes into (its sequence number and element), opening one when the
    /// newest is full; counts the row.
    pub fn open(&mut self, document: &Document, list: &Element) -> (u64, &Element) {
        if self.blocks.back().is_none_or(|b| ROWS_PER_CHUNK <= b.rows) {
            let el = element(document, "div");
            el.set_class_name("chunk");
            let _ = list.append_child(&el);
            self.blocks.push_back(Chunk { seq: self.next_seq, el, rows: 0 });
            self.next_seq += 1;
        }
        let newest = self.blocks.back_mut().unwrap_or_else(|| unreachable!("a block was just opened"));
        newest.rows += 1;
        (newest.seq, &newest.el)
    }

    /// A row of block `seq` left; the block goes with its last row.
    pub fn release(&mut self, seq: u64) {
        let Ok(at) = self.blocks.binary_search_by_key(&seq, |b| b.seq) else { return };
        self.blocks[at].rows = self.blocks[at].rows.saturating_sub(1);
        if self.blocks[at].rows == 0 {
            if let Some(block) = self.blocks.remove(at) {
                block.el.remove();
            }
        }
    }

    /// No blocks, numbered on from these: a sealing asked for before stays with the blocks gone.
    pub fn emptied(&self) -> Chunks {
        Chunks { blocks: VecDeque::new(), next_seq: self.next_seq, sealed_below: self.next_seq }
    }

    /// Blocks below the returned one are complete and not yet sealed.
    pub fn complete_unsealed(&self) -> Option<u64> {
        let newest = self.blocks.back()?.seq;
        (self.sealed_below < newest).then_some(newest)
    }

    /// Seals every block but the newest `kept` at once, drawn or not: for a list drawn whole and
    /// shown at its end, where the blocks above stand far off screen. Laying out thousands of
    /// fresh rows would hold up the frame that shows them (0.5 s for 5,000, bench/switch.mjs);
    /// a block scrolled to later is drawn then, from the stylesheet's estimate to its size.
    pub fn seal_all_but_newest(&mut self, kept: usize) {
        let Some(newest) = self.blocks.back().map(|b| b.seq) else { return };
        self.seal_below(newest.saturating_sub((kept as u64).saturating_sub(1)));
    }

    /// Seals the blocks below `seq`. Only once a frame has drawn them: a block sealed before it
    /// was ever drawn would stand at the stylesheet's estimate, and the list would jump when
    /// the person scrolls to it.
    pub fn seal_below(&mut self, seq: u64) {
        for block in self.blocks.iter().filter(|b| self.sealed_below <= b.seq && b.seq < seq) {
            block.el.set_class_name("chunk sealed");
        }
        self.sealed_below = self.sealed_below.max(seq);
    }
}
