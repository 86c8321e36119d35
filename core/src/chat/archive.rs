//! What of a log goes to the browser's store, once each: new lines worth keeping, and own
//! messages once they reach a final state; and lines from the store shown again.

use super::{shared_nick, Change, ChatLog, Entry, EntryKind, OwnStatus, SCROLLBACK_MOST};
use crate::history::Record;
use crate::protocol::PastLine;

/// Own messages waiting for a final state before they are stored, at most; past it the oldest
/// is given up (it stays the outbox's while unsent).
const OWN_WAITING: usize = 256;

/// Servers' ids of lines not yet handed to the store, kept at most (a frame's worth many times).
const MSGIDS_KEPT: usize = 4_096;

impl ChatLog {
    /// The records to store since the last call, of this log's conversation `conversation`:
    /// made from the entries themselves, with the server's ids kept for them, not from copies.
    pub fn take_records(&mut self, conversation: &str) -> Vec<Record> {
        let mut taken = Vec::new();
        self.hand_over(|entry| taken.extend(Record::of_entry(conversation, entry).map(|r| (entry.id, r))));
        let records = taken.into_iter().map(|(id, record)| Record { msgid: self.take_msgid(id), ..record }).collect();
        self.forget_handed_msgids();
        records
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

    /// The server's id for entry `id`, for its record, once.
    fn take_msgid(&mut self, id: u64) -> Option<String> {
        let at = self.msgids_to_store.iter().position(|(entry, _)| *entry == id)?;
        self.msgids_to_store.remove(at).map(|(_, msgid)| msgid)
    }

    /// Drops the ids of entries handed over already (taken with them, or never to be): after
    /// [`ChatLog::hand_over`] and [`ChatLog::take_msgid`] of what it gave.
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
mod tests {
    // What a log hands to the store (each line once, own messages once final) and lines restored from it.

    use super::*;

    fn texts(entries: &[Entry]) -> Vec<&str> {
        entries.iter().map(|e| &*e.text).collect()
    }

    fn stored(kind: EntryKind, nick: Option<&str>, text: &str, time_ms: f64) -> Record {
        Record {
            conversation: String::new(),
            time_ms,
            kind,
            nick: nick.map(str::to_string),
            text: text.into(),
            status: (kind == EntryKind::Own).then_some(OwnStatus::Sent),
            msgid: None,
        }
    }

    /// Sends the oldest outbox message; returns its id.
    fn send_next(log: &mut ChatLog) -> u64 {
        let item = log.take_next_outgoing().expect("queued");
        let id = item.id;
        log.mark_sent(item);
        id
    }

    #[test]
    fn each_new_line_is_handed_over_once_in_order() {
        let mut log = ChatLog::new(100);
        assert!(log.take_unarchived().is_empty(), "an empty log has nothing");
        log.push_system("connected", 1.0);
        log.receive_message(Some("bob"), "hi", 2.0);
        log.receive_raw("\u{1}binary", Some("not JSON"), 3.0);
        log.receive_history("carol", "from before", 0.5, Some("m1"));
        assert_eq!(texts(&log.take_unarchived()), ["connected", "hi", "\u{1}binary", "from before"]);
        for _ in 0..3 {
            assert!(log.take_unarchived().is_empty(), "nothing twice");
        }
        log.receive_message(Some("bob"), "again", 4.0);
        log.push_system("bob left", 5.0);
        assert_eq!(texts(&log.take_unarchived()), ["again", "bob left"], "only what is new");
        assert!(log.take_unarchived().is_empty());
    }

    #[test]
    fn raw_entries_make_no_records() {
        let mut log = ChatLog::new(100);
        log.receive_raw("frame", None, 1.0);
        log.receive_cut("start of a huge frame", 1 << 30, 2.0);
        log.receive_message(Some("bob"), "hi", 3.0);
        log.push_system("note", 4.0);
        let taken = log.take_unarchived();
        // The log hands over every new entry; what is kept of them is the record's rule.
        assert_eq!(taken.len(), 4);
        let records: Vec<Record> = taken.iter().filter_map(|e| Record::of_entry("", e)).collect();
        let kept: Vec<(EntryKind, &str)> = records.iter().map(|r| (r.kind, r.text.as_str())).collect();
        assert_eq!(kept, [(EntryKind::Chat, "hi"), (EntryKind::System, "note")]);
        assert!(log.take_unarchived().is_empty(), "nor are raw entries handed over again");
    }

    #[test]
    fn with_a_server_that_confirms_an_own_message_goes_once_delivered() {
        let mut log = ChatLog::new(100);
        log.set_own_nick("ada");
        log.set_confirms(true);
        let id = log.push_own("ada", "hello", 1.0);
        assert_eq!(send_next(&mut log), id);
        // Sent is not the last state here: the echo makes it delivered, and that is stored.
        assert!(log.take_unarchived().is_empty());
        assert_eq!(log.receive_message(Some("ada"), "hello", 2.0), id);
        let taken = log.take_unarchived();
        assert_eq!(texts(&taken), ["hello"]);
        assert_eq!(taken[0].status, Some(OwnStatus::Delivered));
        assert!(log.take_unarchived().is_empty());
    }

    #[test]
    fn an_own_message_waits_for_a_final_state_then_goes_once() {
        let mut log = ChatLog::new(100);
        log.set_own_nick("ada");
        let sent = log.push_own("ada", "sent", 1.0);
        let delivered = log.push_own("ada", "delivered", 2.0);
        let failed = log.push_own("ada", "failed", 3.0);
        let discarded = log.push_own("ada", "discarded", 4.0);
        log.receive_message(Some("bob"), "after", 5.0);
        // Pending: held back, however often asked; what came after is not held with them.
        assert_eq!(texts(&log.take_unarchived()), ["after"]);
        assert!(log.take_unarchived().is_empty());
        assert_eq!(send_next(&mut log), sent);
        assert_eq!(send_next(&mut log), delivered);
        let taken = log.take_unarchived();
        assert_eq!(texts(&taken), ["sent", "delivered"]);
        assert!(taken.iter().all(|e| e.status == Some(OwnStatus::Sent)));
        // A later state of one handed over is not handed over again.
        assert_eq!(log.receive_message(Some("ada"), "sent", 6.0), sent);
        assert_eq!(log.receive_message(Some("ada"), "delivered", 6.0), delivered);
        assert_eq!(log.get(delivered).and_then(|e| e.status), Some(OwnStatus::Delivered));
        assert!(log.take_unarchived().is_empty());
        // Delivered straight from pending (acknowledged while back in the outbox) and failed
        // (refused by the server) are final too.
        log.confirm_by_id(discarded);
        log.discard(discarded);
        assert_eq!(send_next(&mut log), failed);
        assert!(log.refuse_by_id(failed, "too long", 7.0));
        let taken = log.take_unarchived();
        let got: Vec<(&str, Option<OwnStatus>)> = taken.iter().map(|e| (&*e.text, e.status)).collect();
        assert_eq!(got, [("failed", Some(OwnStatus::Failed)), ("too long", None)], "a discarded one never goes");
        log.retry(failed);
        send_next(&mut log);
        log.receive_message(Some("ada"), "failed", 8.0);
        assert!(log.take_unarchived().is_empty(), "a retried one went already");
        // One confirmed between two calls goes, once, in its final state.
        let quick = log.push_own("ada", "quick", 9.0);
        send_next(&mut log);
        log.confirm_by_id(quick);
        let taken = log.take_unarchived();
        assert_eq!(taken.iter().map(|e| (e.id, e.status)).collect::<Vec<_>>(), [(quick, Some(OwnStatus::Delivered))]);
        assert!(log.take_unarchived().is_empty());
    }

    #[test]
    fn own_messages_waiting_are_bounded() {
        let mut log = ChatLog::new(1_000);
        let ids: Vec<u64> = (0..OWN_WAITING + 10).map(|i| log.push_own("ada", &i.to_string(), 0.0)).collect();
        assert!(log.take_unarchived().is_empty());
        assert_eq!(log.own_waiting.len(), OWN_WAITING);
        while log.take_next_outgoing().map(|item| log.mark_sent(item)).is_some() {}
        let taken: Vec<u64> = log.take_unarchived().iter().map(|e| e.id).collect();
        assert_eq!(taken, ids[10..], "the oldest are given up");
    }

    #[test]
    fn restored_lines_are_read_uncounted_and_not_handed_over_again() {
        let mut log = ChatLog::new(100);
        log.receive_raw("live frame", None, 10.0);
        log.take_unarchived();
        assert_eq!((log.unread(), log.total_received(), log.is_reading()), (1, 1, false));
        let records = [
            stored(EntryKind::Chat, Some("bob"), "old chat", 1.0),
            stored(EntryKind::Own, Some("ada"), "old own", 2.0),
            stored(EntryKind::System, None, "old notice", 3.0),
        ];
        let ids: Vec<u64> = records.iter().map(|r| log.restore(r)).collect();
        let shown: Vec<(u64, EntryKind, &str, Option<OwnStatus>)> =
            log.entries().skip(1).map(|e| (e.id, e.kind, &*e.text, e.status)).collect();
        assert_eq!(
            shown,
            [
                (ids[0], EntryKind::Chat, "old chat", None),
                (ids[1], EntryKind::Own, "old own", Some(OwnStatus::Sent)),
                (ids[2], EntryKind::System, "old notice", None),
            ]
        );
        assert_eq!(log.unread(), 1, "not unread, and what was unread still is");
        assert_eq!(log.total_received(), 1, "not counted as received");
        assert!(!log.is_reading(), "the person is not taken to be reading");
        assert!(log.outbox().next().is_none(), "a restored own message is not sent again");
        assert!(log.take_unarchived().is_empty(), "not stored again");
        log.receive_message(Some("bob"), "new", 12.0);
        assert_eq!(texts(&log.take_unarchived()), ["new"]);
        assert_eq!(log.unread(), 2, "a live line after them is unread");
    }

    #[test]
    fn a_replay_of_a_restored_line_is_known() {
        let mut log = ChatLog::new(100);
        let second = 1_700_000_000_000.0;
        log.restore(&stored(EntryKind::Chat, Some("bob"), "stored", second + 640.0));
        log.restore(&stored(EntryKind::Own, Some("ada"), "mine", second + 999.0));
        log.restore(&Record { msgid: Some("m-7".into()), ..stored(EntryKind::Chat, Some("carol"), "tagged", 5.0) });
        // The server's replay, its time cut to the second.
        assert_eq!(log.receive_history("bob", "stored", second, None), None);
        assert_eq!(log.receive_history("ada", "mine", second + 1_000.0, None), None);
        // By msgid whatever the time.
        assert_eq!(log.receive_history("carol", "tagged", 9_000_000.0, Some("m-7")), None);
        assert_eq!(log.entries().len(), 3);
        assert_eq!(log.total_received(), 0);
        // Another line is new.
        assert!(log.receive_history("bob", "stored", second + 5_000.0, None).is_some());
        assert!(log.receive_history("carol", "tagged", 9_000_000.0, Some("m-8")).is_some());
        assert_eq!(texts(&log.take_unarchived()), ["stored", "tagged"]);
    }

    #[test]
    fn lines_gone_before_they_are_taken_are_still_handed_over() {
        let mut log = ChatLog::new(3);
        for i in 0..10 {
            log.receive_message(Some("bob"), &i.to_string(), f64::from(i));
        }
        // A burst past the cap within one frame: the store still gets every line, in order.
        assert_eq!(texts(&log.take_unarchived()), ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
        assert!(log.take_unarchived().is_empty());
        // An own message waiting for its state, gone meanwhile: still the outbox's.
        log.push_own("ada", "gone while pending", 10.0);
        assert!(log.take_unarchived().is_empty());
        for i in 11..14 {
            log.push_system(&i.to_string(), f64::from(i));
        }
        send_next(&mut log);
        assert_eq!(texts(&log.take_unarchived()), ["11", "12", "13"]);
        assert!(log.own_waiting.is_empty(), "nor waited for");
        // More restored than kept, then a cleared log.
        for i in 0..5 {
            log.restore(&stored(EntryKind::Chat, Some("bob"), &format!("r{i}"), f64::from(i)));
        }
        assert!(log.take_unarchived().is_empty());
        log.receive_message(Some("bob"), "x", 20.0);
        log.clear();
        assert!(log.take_unarchived().is_empty());
        log.set_cap(1);
        log.push_system("last", 21.0);
        assert_eq!(texts(&log.take_unarchived()), ["last"]);
    }

    #[test]
    fn live_lines_while_read_back_grow_the_log_by_doubling() {
        let mut log = ChatLog::with_first_id(100, 1_000_000);
        for n in 0..100 {
            log.restore(&stored(EntryKind::Chat, Some("bob"), &format!("line {n}"), f64::from(1_000 + n)));
        }
        let older: Vec<Record> =
            (0..100).map(|n| stored(EntryKind::Chat, Some("bob"), &format!("old {n}"), f64::from(n))).collect();
        assert_eq!(log.restore_older(&older), 100);
        // Each live line moves the bound one further: room must not follow it one line at a time.
        let mut rooms = Vec::new();
        for n in 0..2_000 {
            log.receive_message(Some("carol"), &format!("live {n}"), f64::from(2_000 + n));
            if rooms.last() != Some(&log.entries.capacity()) {
                rooms.push(log.entries.capacity());
            }
        }
        assert_eq!(log.entries().len(), 2_200, "nothing read pushed out");
        assert!(rooms.len() < 10, "the queue was moved {} times", rooms.len());
    }

    #[test]
    fn older_lines_go_before_the_oldest_once_held_beyond_the_cap_while_read() {
        let mut log = ChatLog::with_first_id(5, 1_000);
        log.restore(&stored(EntryKind::Chat, Some("bob"), "line 10", 10.0));
        log.restore(&stored(EntryKind::Chat, Some("bob"), "line 11", 11.0));
        log.take_changes();
        assert!(log.take_unarchived().is_empty());
        // The store answers lines up to the oldest's time: the oldest itself is skipped.
        let older: Vec<Record> =
            (6..=10).map(|n| stored(EntryKind::Chat, Some("bob"), &format!("line {n}"), f64::from(n))).collect();
        assert_eq!(log.restore_older(&older), 4);
        let kept: Vec<(&str, u64)> = log.entries().map(|e| (&*e.text, e.id)).collect();
        assert_eq!(
            kept,
            [
                ("line 6", 996),
                ("line 7", 997),
                ("line 8", 998),
                ("line 9", 999),
                ("line 10", 1_000),
                ("line 11", 1_001)
            ]
        );
        assert_eq!(log.take_changes(), [Change::Prepended(4)]);
        assert_eq!(log.unread(), 0, "not unread");
        assert!(log.take_unarchived().is_empty(), "not stored again");
        assert_eq!(log.scrollback(), 1, "one beyond the cap of five, held while read");
        // A new line while the person reads up there pushes out nothing they read.
        log.receive_message(Some("carol"), "live", 12.0);
        assert_eq!(log.entries().next().map(|e| &*e.text), Some("line 6"));
        assert_eq!((log.entries().len(), log.scrollback()), (7, 2));
        // Back at the newest: the cap again, the oldest going.
        log.take_changes();
        log.end_scrollback();
        let kept: Vec<&str> = log.entries().map(|e| &*e.text).collect();
        assert_eq!(kept, ["line 8", "line 9", "line 10", "line 11", "live"]);
        assert_eq!(log.take_changes(), [Change::Removed(996), Change::Removed(997)]);
        assert_eq!(log.scrollback(), 0);
        log.receive_message(Some("carol"), "next", 13.0);
        assert_eq!(log.entries().next().map(|e| &*e.text), Some("line 9"), "the cap holds again");
        // At most SCROLLBACK_MOST beyond the cap.
        let mut log = ChatLog::with_first_id(2, 1 << 30);
        log.restore(&stored(EntryKind::Chat, Some("bob"), "newest", 1e9));
        let many: Vec<Record> =
            (0..SCROLLBACK_MOST + 10).map(|n| stored(EntryKind::Chat, Some("bob"), "old", n as f64)).collect();
        assert_eq!(log.restore_older(&many), SCROLLBACK_MOST + 1);
        assert_eq!(log.room_for_older(), 0);
        assert_eq!(log.restore_older(&older), 0, "full");
        // A burst shares one millisecond: the kept lines of the oldest time are told by count.
        let mut log = ChatLog::with_first_id(100, 1_000);
        let burst: Vec<Record> =
            (0..10).map(|n| stored(EntryKind::Chat, Some("bob"), &format!("b {n}"), 100.0)).collect();
        for record in &burst[5..] {
            log.restore(record);
        }
        assert_eq!(log.kept_at_earliest_time(), 5);
        assert_eq!(log.restore_older(&burst), 5);
        assert_eq!(
            texts(&log.entries().cloned().collect::<Vec<_>>()),
            (0..10).map(|n| format!("b {n}")).collect::<Vec<_>>()
        );
        // A log whose ids start at 1 has no room below them (a conversation's start halfway).
        let mut log = ChatLog::with_first_id(100, 1);
        log.receive_message(Some("ann"), "live", 20.0);
        assert_eq!(log.restore_older(&older), 0, "no ids below the first: nothing is put");
    }

    #[test]
    fn a_servers_earlier_lines_go_above_without_what_its_replay_showed() {
        let mut log = ChatLog::with_first_id(100, 1_000);
        log.push_system("Joined #past.", 100.0);
        log.receive_history("old", "past 2", 2.0, Some("m2"));
        log.receive_history("old", "past 3", 3.0, Some("m3"));
        assert_eq!(log.earliest_line_time_ms(), Some(2.0), "the replay is older than the join's notice");
        log.take_unarchived();
        let line = |n: u32| PastLine {
            nick: "old".into(),
            text: format!("past {n}"),
            time_ms: f64::from(n),
            msgid: Some(format!("m{n}")),
        };
        assert_eq!(log.receive_earlier(&[line(0), line(1), line(2)]), 2, "past 2 is shown already");
        assert_eq!(
            texts(&log.entries().cloned().collect::<Vec<_>>()),
            ["past 0", "past 1", "Joined #past.", "past 2", "past 3"]
        );
        assert_eq!(texts(&log.take_unarchived()), ["past 0", "past 1"], "stored, as the store has none so old");
        assert_eq!(log.receive_earlier(&[line(1)]), 0, "known by its msgid now");
    }

    #[test]
    fn older_means_before_the_earliest_kept_not_the_first() {
        // Own messages are stored as they are confirmed: the second typed can come back first.
        let mut log = ChatLog::with_first_id(100, 1_000);
        for (text, time) in [("full 2", 2.0), ("full 1", 1.0), ("full 3", 3.0)] {
            log.restore(&stored(EntryKind::Own, Some("fay"), text, time));
        }
        assert_eq!((log.oldest_time_ms(), log.earliest_time_ms()), (Some(2.0), Some(1.0)));
        // The store answers up to the earliest time: the line of that time is kept already.
        let answer =
            [stored(EntryKind::Chat, Some("bob"), "before", 0.5), stored(EntryKind::Own, Some("fay"), "full 1", 1.0)];
        assert_eq!(log.restore_older(&answer), 1);
        assert_eq!(texts(&log.entries().cloned().collect::<Vec<_>>()), ["before", "full 2", "full 1", "full 3"]);
    }
}
