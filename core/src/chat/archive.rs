//! What of a log goes to the browser's store, once each: new lines worth keeping, and own
//! messages once they reach a final state; and lines from the store shown again.

use super::{ChatLog, Entry, EntryKind, OwnStatus};
use crate::history::Record;

/// Own messages waiting for a final state before they are stored, at most; past it the oldest
/// is given up (it stays the outbox's while unsent).
const OWN_WAITING: usize = 256;

impl ChatLog {
    /// Entries to store since the last call: each once, in order, an own message once it is
    /// sent, delivered or failed.
    pub fn take_unarchived(&mut self) -> Vec<Entry> {
        let mut out = Vec::new();
        let waiting = std::mem::take(&mut self.own_waiting);
        for id in waiting {
            match self.get(id) {
                Some(entry) if is_final(entry.status) => out.push(entry.clone()),
                Some(_) => self.own_waiting.push(id),
                None => {}
            }
        }
        let from = self.entries.partition_point(|e| e.id <= self.archived_to);
        for entry in self.entries.range(from..) {
            if entry.kind == EntryKind::Own && !is_final(entry.status) {
                if self.own_waiting.len() == OWN_WAITING {
                    self.own_waiting.remove(0);
                }
                self.own_waiting.push(entry.id);
            } else {
                out.push(entry.clone());
            }
        }
        if let Some(last) = self.entries.back() {
            self.archived_to = self.archived_to.max(last.id);
        }
        out
    }

    /// A line from the store, shown before anything live: not unread, not counted as received,
    /// not stored again; a server's replay of it is known (by msgid, or by nick, text and second).
    pub fn restore(&mut self, record: &Record) -> u64 {
        let reading = std::mem::replace(&mut self.attention.reading, true);
        let id = self.push(record.kind, record.nick.as_deref(), &record.text, record.status, record.time_ms);
        self.attention.reading = reading;
        if let Some(msgid) = &record.msgid {
            self.seen.msgid(msgid);
        }
        self.archived_to = self.archived_to.max(id);
        id
    }
}

fn is_final(status: Option<OwnStatus>) -> bool {
    matches!(status, Some(OwnStatus::Sent | OwnStatus::Delivered | OwnStatus::Failed))
}
