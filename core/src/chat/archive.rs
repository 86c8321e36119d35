//! What of a log goes to the browser's store, once each: new lines worth keeping, and own
//! messages once they reach a final state; and lines from the store shown again.

use super::{shared_nick, Change, ChatLog, Entry, EntryKind, OwnStatus, SCROLLBACK_MOST};
use crate::history::Record;
use crate::protocol::PastLine;
use std::collections::VecDeque;

/// Own messages waiting for a final state before they are stored, at most; past it the oldest
/// is given up (it stays the outbox's while unsent).
const OWN_WAITING: usize = 256;

/// Records handed to the store's encoder at once (see [`ChatLog::take_records`]).
pub const RECORDS_AT_ONCE: usize = 32;

/// Servers' ids of lines not yet handed to the store, kept at most (a frame's worth many times).
const MSGIDS_KEPT: usize = 4_096;

impl ChatLog {
    /// The records to store since the last call, of this log's conversation `conversation`,
    /// to `each` a few at a time ([`RECORDS_AT_ONCE`]): made from the entries themselves, with
    /// the server's ids kept for them, not from copies. In a burst these are a thousand
    /// records, and all of them at once would be the wasm memory's peak, which it keeps.
    pub fn take_records(&mut self, conversation: &str, each: &mut impl FnMut(&[Record])) {
        // Out of the log while it hands entries over, so each record takes its id on the way.
        let mut msgids = std::mem::take(&mut self.msgids_to_store);
        let mut chunk = Vec::with_capacity(RECORDS_AT_ONCE);
        self.hand_over(|entry| {
            let Some(mut record) = Record::of_entry(conversation, entry) else { return };
            record.msgid = take_msgid(&mut msgids, entry.id);
            chunk.push(record);
            if chunk.len() == RECORDS_AT_ONCE {
                each(&chunk);
                chunk.clear();
            }
        });
        if !chunk.is_empty() {
            each(&chunk);
        }
        self.msgids_to_store = msgids;
        self.forget_handed_msgids();
    }

    /// The entries [`ChatLog::take_records`] would make records of, raw ones included.
    #[cfg(test)]
    pub(crate) fn take_unarchived(&mut self) -> Vec<Entry> {
        let mut out = Vec::new();
        self.hand_over(|entry| out.push(entry.clone()));
        out
    }

    /// Entries to store since the last call, to `each`: each once, in order, an own message
    /// once it is delivered or failed (or sent, where the server confirms nothing: sent is all
    /// it becomes).
    fn hand_over(&mut self, mut each: impl FnMut(&Entry)) {
        let confirms = self.confirms;
        // Taken whole: a burst's backlog leaves no capacity behind.
        for entry in std::mem::take(&mut self.earlier_to_store).iter().chain(&std::mem::take(&mut self.gone_unarchived))
        {
            each(entry);
        }
        let waiting = std::mem::take(&mut self.own_waiting);
        for id in waiting {
            match self.get(id) {
                Some(entry) if is_final(entry.status, confirms) => each(entry),
                Some(_) => self.own_waiting.push(id),
                None => {}
            }
        }
        let from = self.entries.partition_point(|e| e.id <= self.archived_to);
        for entry in self.entries.range(from..) {
            if entry.kind == EntryKind::Own && !is_final(entry.status, confirms) {
                if self.own_waiting.len() == OWN_WAITING {
                    self.own_waiting.remove(0);
                }
                self.own_waiting.push(entry.id);
            } else {
                each(entry);
            }
        }
        if let Some(last) = self.entries.back() {
            self.archived_to = self.archived_to.max(last.id);
        }
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

    /// Lines the server keeps from before the oldest kept ([`ChatEvent::Earlier`]), put before it
    /// as the store's are, and handed to the store with the next new lines (it holds none so
    /// old). Returns how many were put.
    /// Lines the log holds already (a replay on join that came first: by msgid, or nick, text
    /// and second) are left out.
    pub fn receive_earlier(&mut self, lines: &[PastLine]) -> usize {
        let records: Vec<Record> = lines
            .iter()
            .filter(|line| {
                !self.seen.has(self.entries.iter(), (&line.nick, &line.text, line.time_ms), line.msgid.as_deref())
            })
            .map(|line| Record {
                conversation: String::new(),
                time_ms: line.time_ms,
                kind: EntryKind::Chat,
                nick: Some(line.nick.clone()),
                text: line.text.clone(),
                status: None,
                msgid: line.msgid.clone(),
            })
            .collect();
        let put = self.put_older(&records, true);
        // The oldest `put` entries are those lines, as the log keeps them.
        self.earlier_to_store.extend(self.entries.iter().take(put).cloned());
        put
    }

    /// How many older lines scrolling back may still put before the oldest.
    pub fn room_for_older(&self) -> usize {
        (self.cap + SCROLLBACK_MOST).saturating_sub(self.entries.len())
    }

    /// Whether a line with the server's id `msgid` is shown already: a live line that carries
    /// one is then a replay (a bouncer's playback, a Socket.IO server's redelivery).
    pub fn knows_msgid(&self, msgid: &str) -> bool {
        self.seen.knows(msgid)
    }

    /// The server's id for entry `id` (an IRC msgid, an XMPP room's stanza-id, a Socket.IO
    /// server's offset): a replay of it is known by it from now on, and its record carries it
    /// to the store, so a replay after a reload is known by it too.
    pub fn keep_msgid(&mut self, id: u64, msgid: &str) {
        self.seen.msgid(msgid);
        self.store_msgid(id, msgid);
    }

    fn store_msgid(&mut self, id: u64, msgid: &str) {
        // Only for an entry still to be handed over (an own message confirmed after it was
        // stored has no record to go with).
        if id <= self.archived_to && !self.own_waiting.contains(&id) {
            return;
        }
        self.push_msgid(id, msgid);
    }

    fn push_msgid(&mut self, id: u64, msgid: &str) {
        if self.msgids_to_store.len() == MSGIDS_KEPT {
            self.msgids_to_store.pop_front();
        }
        self.msgids_to_store.push_back((id, msgid.to_string()));
    }

    /// Drops the ids of entries handed over already (taken with them, or never to be): after
    /// [`ChatLog::hand_over`] and [`take_msgid`] of what it gave.
    fn forget_handed_msgids(&mut self) {
        let (archived_to, waiting) = (self.archived_to, &self.own_waiting);
        self.msgids_to_store.retain(|(id, _)| *id > archived_to || waiting.contains(id));
    }

    /// The earliest time of a chat line or own message kept: a server's replay on join comes
    /// after the join's notice in the log but is older, and a server is asked for what came
    /// before it.
    pub fn earliest_line_time_ms(&self) -> Option<f64> {
        self.entries
            .iter()
            .filter(|e| matches!(e.kind, EntryKind::Chat | EntryKind::Own) && e.time_ms.is_finite())
            .map(|e| e.time_ms)
            .reduce(f64::min)
    }

    /// The earliest time of any entry kept: the log is in arrival order, not time order (own
    /// messages are stored as they are confirmed, a replay comes after the join's notice), so
    /// older lines are those before this, not before the first entry's.
    pub fn earliest_time_ms(&self) -> Option<f64> {
        self.entries.iter().map(|e| e.time_ms).filter(|t| t.is_finite()).reduce(f64::min)
    }

    /// How many kept entries are of the earliest time: the store's lines up to that time
    /// include them ([`ChatLog::restore_older`] leaves them out).
    pub fn kept_at_earliest_time(&self) -> usize {
        let Some(earliest) = self.earliest_time_ms() else { return 0 };
        self.entries.iter().filter(|e| e.time_ms == earliest).count()
    }

    /// Older lines from the store (oldest first, up to the earliest kept time), put before the
    /// oldest kept, as a person scrolls back: not unread, not counted as received, not stored
    /// again. Lines of the earliest time that are kept already (the same nick and text, each
    /// kept entry matching one line: a burst shares one millisecond) are left out; of the rest,
    /// the newest are taken, as many as [`ChatLog::room_for_older`] leaves room for; those
    /// beyond the cap are held while the person reads up there ([`ChatLog::end_scrollback`]).
    /// Returns how many were put.
    pub fn restore_older(&mut self, records: &[Record]) -> usize {
        self.put_older(records, false)
    }

    /// [`ChatLog::restore_older`]; the put lines' msgids are known from now on, and with
    /// `to_store` (lines from the server) kept for their records.
    fn put_older(&mut self, records: &[Record], to_store: bool) -> usize {
        let room = self.room_for_older();
        let earliest = self.earliest_time_ms();
        let mut kept: Vec<&Entry> = self.entries.iter().filter(|e| Some(e.time_ms) == earliest).collect();
        let fresh: Vec<&Record> = records
            .iter()
            .filter(|r| {
                if Some(r.time_ms) != earliest {
                    return true;
                }
                let same = kept.iter().position(|e| *e.text == *r.text && e.nick.as_deref() == r.nick.as_deref());
                same.map(|at| kept.swap_remove(at)).is_none()
            })
            .collect();
        let fresh = &fresh[fresh.len() - fresh.len().min(room)..];
        let first = self.entries.front().map_or(self.next_id, |e| e.id);
        // Ids run below the oldest kept; a conversation's ids start halfway up its range for it.
        let Some(mut id) = first.checked_sub(fresh.len() as u64).filter(|&id| id > 0) else { return 0 };
        let mut older = Vec::with_capacity(fresh.len());
        for record in fresh.iter() {
            let nick = record.nick.as_deref().map(|nick| shared_nick(older.iter().rev(), nick));
            older.push(self.make_entry(id, record.kind, nick, &record.text, record.status, record.time_ms));
            // Kept for the store, not remembered: a replay on join brings the newest lines, and
            // thousands read back would push the live lines' ids out of what is remembered.
            if let (Some(msgid), true) = (&record.msgid, to_store) {
                self.push_msgid(id, msgid);
            }
            id += 1;
        }
        for entry in older.into_iter().rev() {
            self.entries.push_front(entry);
        }
        if !fresh.is_empty() {
            self.record(Change::Prepended(fresh.len()));
        }
        self.scrollback = self.entries.len().saturating_sub(self.cap);
        fresh.len()
    }
}

/// Whether an own message's state is the last it will reach: a server that confirms turns sent
/// into delivered.
pub(super) fn is_final(status: Option<OwnStatus>, confirms: bool) -> bool {
    match status {
        Some(OwnStatus::Delivered | OwnStatus::Failed) => true,
        Some(OwnStatus::Sent) => !confirms,
        _ => false,
    }
}

#[cfg(test)]
mod tests;

/// The server's id for entry `id` (of a log's ids not yet stored), for its record, once.
fn take_msgid(msgids: &mut VecDeque<(u64, String)>, id: u64) -> Option<String> {
    let at = msgids.iter().position(|(entry, _)| *entry == id)?;
    msgids.remove(at).map(|(_, msgid)| msgid)
}
