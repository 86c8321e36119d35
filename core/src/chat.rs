//! The state of one conversation: a bounded message log, own-message statuses and the outbox.

use std::collections::VecDeque;
use std::sync::Arc;

/// Default number of entries kept in the log (older ones are dropped from memory and view).
pub const DEFAULT_LOG_CAP: usize = 5_000;

/// What an entry is, as named by the UI contract's `data-kind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EntryKind {
    /// Someone else's message.
    Chat,
    /// A message typed here.
    Own,
    /// Connection events, joins, parts, server notices.
    System,
    /// A frame that is not a chat message (binary, unparsed data).
    Raw,
}

impl EntryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Chat => "chat",
            EntryKind::Own => "own",
            EntryKind::System => "system",
            EntryKind::Raw => "raw",
        }
    }
}

/// Where an own message is on its way to the server (the UI contract's `data-status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OwnStatus {
    /// Not yet handed to an open socket; waiting in the outbox.
    Pending,
    /// Handed to the socket.
    Sent,
    /// The server echoed it back or acknowledged it.
    Delivered,
    /// Could not be sent.
    Failed,
}

impl OwnStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OwnStatus::Pending => "pending",
            OwnStatus::Sent => "sent",
            OwnStatus::Delivered => "delivered",
            OwnStatus::Failed => "failed",
        }
    }
}

/// One line of the conversation. Text is shared so that views can clone entries cheaply.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// Unique and increasing within one log; stable across status changes.
    pub id: u64,
    pub kind: EntryKind,
    pub nick: Option<Arc<str>>,
    pub text: Arc<str>,
    /// Only on [`EntryKind::Own`].
    pub status: Option<OwnStatus>,
    /// Milliseconds since the Unix epoch, when the entry was made here.
    pub time_ms: f64,
}

/// A message waiting to be handed to the socket, in the order it was typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxItem {
    pub id: u64,
    pub nick: String,
    pub text: String,
}

/// A sent message not yet echoed back; the oldest match is the one an echo confirms.
#[derive(Clone, Debug)]
struct AwaitingEcho {
    id: u64,
    nick: String,
    text: String,
}

/// A conversation: what is shown, what waits to be sent, what waits to be confirmed.
#[derive(Clone, Debug)]
pub struct ChatLog {
    entries: VecDeque<Entry>,
    cap: usize,
    next_id: u64,
    total_received: u64,
    outbox: VecDeque<OutboxItem>,
    awaiting_echo: VecDeque<AwaitingEcho>,
}

impl Default for ChatLog {
    fn default() -> Self {
        Self::new(DEFAULT_LOG_CAP)
    }
}

impl ChatLog {
    /// A log that keeps at most `cap` entries (at least one).
    pub fn new(cap: usize) -> Self {
        Self {
            entries: VecDeque::new(),
            cap: cap.max(1),
            next_id: 1,
            total_received: 0,
            outbox: VecDeque::new(),
            awaiting_echo: VecDeque::new(),
        }
    }

    /// The entries still kept, oldest first.
    pub fn entries(&self) -> impl DoubleEndedIterator<Item = &Entry> + ExactSizeIterator {
        self.entries.iter()
    }

    /// Every chat or raw message received since the log was made, including dropped ones.
    pub fn total_received(&self) -> u64 {
        self.total_received
    }

    /// The entry with this id, if it is still kept.
    pub fn get(&self, id: u64) -> Option<&Entry> {
        self.index_of(id).map(|i| &self.entries[i])
    }

    /// Messages typed but not yet handed to an open socket, oldest first.
    pub fn outbox(&self) -> impl Iterator<Item = &OutboxItem> {
        self.outbox.iter()
    }

    /// A message received from someone. If it is the echo of one of our sent messages (same
    /// author and text as the oldest such), that message becomes delivered instead of a new entry
    /// appearing. Returns the id of the entry made or confirmed.
    pub fn receive_message(&mut self, nick: Option<&str>, text: &str, time_ms: f64) -> u64 {
        self.total_received += 1;
        if let Some(nick) = nick {
            let echo = self.awaiting_echo.iter().position(|m| m.nick == nick && m.text == text);
            if let Some(pos) = echo {
                let id = self.awaiting_echo.remove(pos).map_or(0, |m| m.id);
                self.set_status(id, OwnStatus::Delivered);
                return id;
            }
        }
        self.push(EntryKind::Chat, nick.map(Arc::from), text, None, time_ms)
    }

    /// A frame that is not a chat message, already described for people.
    pub fn receive_raw(&mut self, description: &str, time_ms: f64) -> u64 {
        self.total_received += 1;
        self.push(EntryKind::Raw, None, description, None, time_ms)
    }

    /// A connection event or notice.
    pub fn push_system(&mut self, text: &str, time_ms: f64) -> u64 {
        self.push(EntryKind::System, None, text, None, time_ms)
    }

    /// A message typed here: shown at once as pending and queued in the outbox.
    pub fn push_own(&mut self, nick: &str, text: &str, time_ms: f64) -> u64 {
        let id = self.push(EntryKind::Own, Some(Arc::from(nick)), text, Some(OwnStatus::Pending), time_ms);
        self.outbox.push_back(OutboxItem { id, nick: nick.to_string(), text: text.to_string() });
        id
    }

    /// Takes the oldest outbox item to hand to the socket; call [`ChatLog::mark_sent`] or
    /// [`ChatLog::requeue_front`] with the outcome.
    pub fn take_next_outgoing(&mut self) -> Option<OutboxItem> {
        self.outbox.pop_front()
    }

    /// The socket accepted the message; it now waits for the server's echo.
    pub fn mark_sent(&mut self, item: OutboxItem) {
        self.set_status(item.id, OwnStatus::Sent);
        self.awaiting_echo.push_back(AwaitingEcho { id: item.id, nick: item.nick, text: item.text });
    }

    /// The socket refused the message (it closed meanwhile): it goes back to the head of the
    /// outbox, so order is kept and nothing is lost.
    pub fn requeue_front(&mut self, item: OutboxItem) {
        self.set_status(item.id, OwnStatus::Pending);
        self.outbox.push_front(item);
    }

    /// Sets the status of an own message, if it is still kept.
    pub fn set_status(&mut self, id: u64, status: OwnStatus) {
        if let Some(i) = self.index_of(id) {
            let entry = &mut self.entries[i];
            if entry.kind == EntryKind::Own {
                entry.status = Some(status);
            }
        }
    }

    /// Removes every entry from view; the outbox and counters stay.
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    fn push(
        &mut self,
        kind: EntryKind,
        nick: Option<Arc<str>>,
        text: &str,
        status: Option<OwnStatus>,
        time_ms: f64,
    ) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        if self.entries.len() == self.cap {
            self.entries.pop_front();
        }
        self.entries.push_back(Entry { id, kind, nick, text: Arc::from(text), status, time_ms });
        id
    }

    /// Ids increase along the deque, so a binary search finds an entry in O(log n).
    fn index_of(&self, id: u64) -> Option<usize> {
        self.entries.binary_search_by_key(&id, |e| e.id).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(log: &ChatLog) -> Vec<EntryKind> {
        log.entries().map(|e| e.kind).collect()
    }

    #[test]
    fn own_message_moves_pending_sent_delivered() {
        let mut log = ChatLog::new(10);
        let id = log.push_own("me", "hello", 0.0);
        assert_eq!(log.get(id).and_then(|e| e.status), Some(OwnStatus::Pending));
        let item = log.take_next_outgoing().expect("queued");
        assert_eq!(item, OutboxItem { id, nick: "me".into(), text: "hello".into() });
        log.mark_sent(item);
        assert_eq!(log.get(id).and_then(|e| e.status), Some(OwnStatus::Sent));
        assert_eq!(log.receive_message(Some("me"), "hello", 1.0), id);
        assert_eq!(log.get(id).and_then(|e| e.status), Some(OwnStatus::Delivered));
        // The echo confirmed the message instead of showing it twice.
        assert_eq!(kinds(&log), vec![EntryKind::Own]);
        assert_eq!(log.total_received(), 1);
    }

    #[test]
    fn echo_confirms_the_oldest_matching_message() {
        let mut log = ChatLog::new(10);
        let a = log.push_own("me", "same", 0.0);
        let b = log.push_own("me", "same", 0.0);
        while let Some(item) = log.take_next_outgoing() {
            log.mark_sent(item);
        }
        log.receive_message(Some("me"), "same", 1.0);
        assert_eq!(log.get(a).and_then(|e| e.status), Some(OwnStatus::Delivered));
        assert_eq!(log.get(b).and_then(|e| e.status), Some(OwnStatus::Sent));
    }

    #[test]
    fn messages_from_others_and_unsent_text_are_not_echoes() {
        let mut log = ChatLog::new(10);
        log.push_own("me", "hi", 0.0);
        log.receive_message(Some("me"), "hi", 1.0); // not sent yet: someone else with our nick
        log.receive_message(Some("you"), "hi", 1.0);
        log.receive_message(None, "hi", 1.0);
        assert_eq!(kinds(&log), vec![EntryKind::Own, EntryKind::Chat, EntryKind::Chat, EntryKind::Chat]);
    }

    #[test]
    fn requeued_messages_keep_their_order() {
        let mut log = ChatLog::new(10);
        log.push_own("me", "1", 0.0);
        log.push_own("me", "2", 0.0);
        let first = log.take_next_outgoing().expect("first");
        log.requeue_front(first);
        let order: Vec<_> = log.outbox().map(|m| m.text.clone()).collect();
        assert_eq!(order, vec!["1", "2"]);
    }

    #[test]
    fn the_cap_drops_the_oldest_but_counts_everything() {
        let mut log = ChatLog::new(3);
        for i in 0..10 {
            log.receive_message(Some("x"), &i.to_string(), 0.0);
        }
        log.receive_raw("binary frame, 1 byte: 00  |.|", 0.0);
        log.push_system("closed", 0.0);
        let texts: Vec<_> = log.entries().map(|e| e.text.to_string()).collect();
        assert_eq!(texts, vec!["9", "binary frame, 1 byte: 00  |.|", "closed"]);
        assert_eq!(log.total_received(), 11);
    }

    #[test]
    fn an_outbox_message_survives_leaving_the_view() {
        let mut log = ChatLog::new(1);
        log.push_own("me", "keep me", 0.0);
        log.push_system("noise", 0.0);
        assert_eq!(log.outbox().count(), 1);
        let item = log.take_next_outgoing().expect("still queued");
        log.mark_sent(item); // its entry is gone; this must not panic
    }
}
