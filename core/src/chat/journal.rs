//! The change journal: what changed in the kept entries since a view last looked.

use super::ChatLog;

/// What changed in the kept entries since a view last looked ([`ChatLog::take_changes`]), so
/// a view does work per change instead of walking the whole log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// A new entry at the end.
    Added(u64),
    /// An entry left (the size cap, or discarded).
    Removed(u64),
    /// An entry's status changed.
    Updated(u64),
    /// This many entries were put before the oldest (scrolling back through the store): the
    /// first ones of [`ChatLog::entries`].
    Prepended(usize),
    /// Start over from [`ChatLog::entries`] (cleared, or too many changes went unread).
    Reset,
}

/// Lines a journal follows one by one between two looks while a person reads above the newest,
/// at least (see `record`).
const JOURNAL_LINES: usize = 5_000;

impl ChatLog {
    /// The changes since the last call, oldest first.
    pub fn take_changes(&mut self) -> Vec<Change> {
        std::mem::take(&mut self.changes)
    }

    /// A view that shows this log anew starts over from [`ChatLog::entries`].
    pub fn reset_view(&mut self) {
        self.changes.clear();
        self.changes.push(Change::Reset);
    }

    pub(super) fn record(&mut self, change: Change) {
        // Nobody reading (native use, a hidden view): never let the journal grow without bound.
        // A full log makes two changes a line (one in, one out). A view that starts over loses
        // the place of a person reading above the newest: for them at least a burst of
        // JOURNAL_LINES lines between two frames is followed change by change, whatever the cap
        // (at the newest, starting over costs nothing, and a flood's journal stays small).
        let lines = if self.reading { self.cap.max(JOURNAL_LINES) } else { self.cap };
        if self.changes.len() >= lines * 2 {
            self.changes.clear();
            self.changes.push(Change::Reset);
        }
        if self.changes.last() != Some(&Change::Reset) || change != Change::Reset {
            self.changes.push(change);
        }
    }
}
