//! What a connection's conversations hand to the store and take back from it, and the memory
//! budget all their logs share.

use super::Conversations;
use crate::chat::ENTRY_OVERHEAD_BYTES;
use crate::history::Record;

/// With more conversations than this, the memory budget is checked every this many events:
/// past it by at most as many messages (each at most the log's own per-entry bound).
pub(super) const BUDGET_CHECK_EVERY: usize = 16;

/// What all of a connection's logs may hold together ([`ChatLog::bytes`]): texts, nicks and
/// entries. Without it 256 conversations of 100,000 entries (`history`'s most) and 32 MiB of
/// full texts each could pass wasm's 4 GiB (a hostile broker publishing on 256 topics). Past it
/// the oldest entries of any conversation go first.
pub const MEMORY_BUDGET_BYTES: usize = 64 * 1024 * 1024;

impl Conversations {
    /// What to store since the last call, of every conversation, to `each` a few records at
    /// a time ([`ChatLog::take_records`]).
    pub fn take_unarchived_each(&mut self, mut each: impl FnMut(&[Record])) {
        for index in 0..self.list.len() {
            let key = self.key(index);
            self.list[index].log.take_records(&key, &mut each);
        }
    }

    /// What to store since the last call, of every conversation, at once.
    #[cfg(test)]
    pub(crate) fn take_unarchived(&mut self) -> Vec<Record> {
        let mut out = Vec::new();
        self.take_unarchived_each(|records| out.extend_from_slice(records));
        out
    }

    /// Lines of the conversation `key` from the store, shown before anything live; the
    /// conversation is opened (not joined) if it is not there. Stored lines come before any
    /// message received, so a log that shows one already takes none (a connection's own
    /// notices, and messages waiting in the outbox since the last visit, may come first).
    pub fn restore(&mut self, key: &str, records: &[Record]) {
        let at = match (self.find_key(key), Self::target_of_key(key)) {
            (Some(at), _) => at,
            (None, Some(target)) => self.open(target),
            (None, None) if key.is_empty() => 0,
            (None, None) => return,
        };
        let log = &mut self.list[at].log;
        if log.entries().any(|e| e.kind == crate::chat::EntryKind::Chat) {
            return;
        }
        for record in records {
            log.restore(record);
        }
        self.keep_within_budget();
    }

    /// How many lines to ask the store for so that `count` are older than what conversation
    /// `key` keeps ([`ChatLog::kept_at_earliest_time`] come back too).
    pub fn older_asked(&self, key: &str, count: usize) -> usize {
        self.find_key(key).map_or(count, |at| count + self.list[at].log.kept_at_earliest_time())
    }

    /// Older lines of the conversation named by storage key `key`, put before its oldest
    /// ([`ChatLog::restore_older`]); how many were put.
    /// Only the newest that the memory budget has room for: the oldest entries are the first
    /// to go past it, and these would go at once, under the eyes of the person reading them.
    pub fn restore_older(&mut self, key: &str, records: &[Record]) -> usize {
        let Some(at) = self.find_key(key) else { return 0 };
        let mut free = (self.budget_bytes - self.budget_bytes / 8).saturating_sub(self.bytes());
        let fitting = records
            .iter()
            .rev()
            .take_while(|r| {
                let bytes = ENTRY_OVERHEAD_BYTES + r.text.len() + r.nick.as_ref().map_or(0, String::len);
                free.checked_sub(bytes).map(|left| free = left).is_some()
            })
            .count();
        self.list[at].log.restore_older(&records[records.len() - fitting..])
    }

    /// What the logs hold together, about ([`ChatLog::bytes`]).
    pub fn bytes(&self) -> usize {
        self.list.iter().map(|c| c.log.bytes()).sum()
    }

    /// Sets what the logs may hold together; past it the oldest entries go at once.
    pub fn set_memory_budget(&mut self, bytes: usize) {
        self.budget_bytes = bytes;
        self.keep_within_budget();
    }

    /// Past the budget, lets the oldest entries of any conversation go until an eighth of it
    /// is free again (so a flood does not search the logs for every entry it adds).
    pub fn keep_within_budget(&mut self) {
        let mut total = self.bytes();
        if total <= self.budget_bytes {
            return;
        }
        let goal = self.budget_bytes - self.budget_bytes / 8;
        while total > goal {
            // The log with the oldest entry gives entries until the next oldest log's is older.
            let mut fronts = self.list.iter().enumerate().filter_map(|(i, c)| c.log.oldest_time_ms().map(|t| (i, t)));
            let Some(mut oldest) = fronts.next() else { return };
            let mut next_oldest = f64::INFINITY;
            for (i, time) in fronts {
                if time < oldest.1 {
                    next_oldest = oldest.1;
                    oldest = (i, time);
                } else {
                    next_oldest = next_oldest.min(time);
                }
            }
            // At least one each time round, whatever the times say (a NaN compares false).
            let log = &mut self.list[oldest.0].log;
            total = total.saturating_sub(log.drop_oldest());
            while total > goal && log.oldest_time_ms().is_some_and(|t| t <= next_oldest) {
                total = total.saturating_sub(log.drop_oldest());
            }
        }
    }
}
