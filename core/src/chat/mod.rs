//! The state of one conversation: a bounded message log, own-message statuses and the outbox.
//!
//! Here the log itself (its entries, the cap, the budget of long texts); beside it what one
//! entry is (`entry`), the outbox (`outbox`), how own messages are confirmed (`confirm`), the
//! change journal views read (`journal`), unread counts and mentions (`attention`), and who is
//! present (`users`).

use std::collections::VecDeque;
use std::sync::Arc;

use attention::Attention;
pub use conversations::{first_target, listed_channels, Conversation, Conversations, MAX_CONVERSATIONS};
pub(crate) use entry::ENTRY_OVERHEAD_BYTES;
pub use entry::{display_text, human_size, Entry, EntryKind, OwnStatus};
use entry::{shared_nick, whole_size};
pub use journal::Change;
pub use outbox::OutboxItem;
pub use place::LinePlace;
pub use users::{User, MAX_USERS};

mod archive;
pub use archive::RECORDS_AT_ONCE;
mod attention;
mod confirm;
mod conversations;
mod entry;
mod journal;
mod outbox;
mod place;
mod seen;
mod users;

pub use crate::stored_outbox::{decode_outbox, encode_outbox, server_id, PersistedMessage};

/// Default number of entries kept in the log in memory. Older ones leave memory and view, and
/// the stored history keeps them: scrolling up reads them back. A person reads back a screen at
/// a time, and each kept entry costs about 150 bytes of wasm memory that is never given back:
/// after a flood, 1,000 entries take 0.19 MiB less than 2,000, and 0.44 MiB less again than 5,000
/// (BENCHMARKS.md).
pub const DEFAULT_LOG_CAP: usize = 1_000;

/// Entries a log may hold beyond its cap while a person scrolls back through older lines
/// (the store's or the server's); let go once they are back at the newest. The shared memory
/// budget of all logs still bounds them.
pub const SCROLLBACK_MOST: usize = 200_000;

/// Default largest message a person may send, in UTF-8 bytes: a common server frame limit
/// (tungstenite's 16 MiB); a server with a smaller one closes with 1009, which the client explains.
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 16 * 1024 * 1024;

/// Default number of times a message is handed to a socket without confirmation before it is
/// marked failed.
pub const DEFAULT_MAX_SEND_ATTEMPTS: u32 = 5;

/// The note on a message typed in another page of this browser, which sends it.
pub const NOTE_IN_ANOTHER_PAGE: &str = "waiting in another page";

/// The note on a message typed for another server than the one connected now.
pub const NOTE_FOR_ANOTHER_SERVER: &str = "waits for the server it was typed for";

/// How much of a very long message is put on screen, in UTF-8 bytes; the rest stays in memory
/// for copying, within [`FULL_TEXT_BUDGET_BYTES`]. Four screens of text: laying out 64 KiB held
/// a frame for 25 ms, and a hostile peer can send one a frame.
pub const DISPLAY_LIMIT_BYTES: usize = 16 * 1024;

/// How many bytes of long messages' full texts the log keeps, all together, for "Copy full
/// text"; past it a long message keeps its first [`DISPLAY_LIMIT_BYTES`] only. wasm memory
/// never shrinks, so what the log holds must be bounded whatever the network sends.
pub const FULL_TEXT_BUDGET_BYTES: usize = 32 * 1024 * 1024;

/// A conversation: what is shown, what waits to be sent, what waits to be confirmed.
#[derive(Clone, Debug)]
pub struct ChatLog {
    entries: VecDeque<Entry>,
    cap: usize,
    next_id: u64,
    total_received: u64,
    outbox: VecDeque<OutboxItem>,
    /// Sent, not yet echoed back; the oldest match is the one an echo confirms.
    awaiting_echo: VecDeque<OutboxItem>,
    /// Whether this server confirms own messages (echoes them back or acknowledges them);
    /// only then is a missing confirmation a sign of loss (a server that never confirms would
    /// otherwise get every message twice). Remembered per server by the session.
    confirms: bool,
    /// The server connected now ([`server_id`]): only its messages go out.
    server: Arc<str>,
    /// Messages typed in another page, shown here while that page is alive to send them:
    /// (the page's owner name, the message, its entry).
    elsewhere: Vec<(String, PersistedMessage, u64)>,
    /// How many bytes of the oldest awaiting message have come back so far, when the wire
    /// format sent it in pieces (IRC: one PRIVMSG per line and per 400-odd bytes).
    echoed_so_far: usize,
    /// Messages under our nick that matched none awaiting confirmation, since the link opened.
    unmatched_own: usize,
    /// Messages acknowledged by id whose echo may still come (a server that acks first): the
    /// echo then makes no second entry. The newest few only.
    acked_before_echo: VecDeque<OutboxItem>,
    /// Messages that ran out of attempts, kept for Retry or Discard.
    failed: Vec<OutboxItem>,
    /// Bumped on every change to what [`ChatLog::unsent`] returns, so callers persist only then.
    unsent_revision: u64,
    /// Who is present, where the protocol tells; sorted; at most [`MAX_USERS`].
    users: Vec<User>,
    /// Bumped on every change to `users`, so a view redraws the list only then.
    users_revision: u64,
    /// Changes not yet taken by a view; bounded by collapsing into [`Change::Reset`].
    changes: Vec<Change>,
    attention: Attention,
    /// Bytes of long messages' full texts kept (see [`FULL_TEXT_BUDGET_BYTES`]).
    full_text_bytes: usize,
    /// What the kept entries cost ([`Entry::bytes`]), for the budget of all conversations.
    bytes: usize,
    /// Entries up to this id were handed to the store (or came from it).
    archived_to: u64,
    /// Own messages to store once they reach a final state.
    own_waiting: Vec<u64>,
    /// Lines the server sent from before the oldest kept, for the store ([`ChatLog::receive_earlier`]).
    earlier_to_store: Vec<Entry>,
    /// Entries that left the log before they were handed to the store, for it.
    gone_unarchived: VecDeque<Entry>,
    /// Entries held beyond the cap, put there by scrolling back ([`ChatLog::restore_older`]):
    /// while a person reads up there, new lines do not push out what they read.
    scrollback: usize,
    /// The person reads above the newest lines ([`ChatLog::hold_while_reading`]): the log may
    /// hold twice its cap, so that new lines push out what they read only that much later.
    reading: bool,
    /// What tells a replay of history from a new line, beside the kept entries themselves.
    seen: seen::Seen,
    /// The server's ids of entries not yet handed to the store (entry id, msgid): kept beside
    /// the entries, not in them, as few lines have one and entries are many.
    msgids_to_store: VecDeque<(u64, String)>,
    /// A private conversation with a network service (NickServ): own lines that carry a
    /// password are kept, shown and stored masked, and never written to storage unsent.
    service: Option<Arc<str>>,
}

impl Default for ChatLog {
    fn default() -> Self {
        Self::new(DEFAULT_LOG_CAP)
    }
}

impl ChatLog {
    /// A log that keeps at most `cap` entries (at least one).
    pub fn new(cap: usize) -> Self {
        Self::with_first_id(cap, 1)
    }

    /// A log whose ids start at `first_id`, so that logs of one connection never share one
    /// (an acknowledgement names a message by id, whichever conversation it is in).
    pub fn with_first_id(cap: usize, first_id: u64) -> Self {
        Self {
            entries: VecDeque::new(),
            cap: cap.max(1),
            next_id: first_id.max(1),
            total_received: 0,
            outbox: VecDeque::new(),
            awaiting_echo: VecDeque::new(),
            confirms: false,
            server: Arc::from(""),
            elsewhere: Vec::new(),
            echoed_so_far: 0,
            unmatched_own: 0,
            acked_before_echo: VecDeque::new(),
            failed: Vec::new(),
            unsent_revision: 0,
            users: Vec::new(),
            users_revision: 0,
            changes: Vec::new(),
            attention: Attention::default(),
            full_text_bytes: 0,
            bytes: 0,
            archived_to: 0,
            own_waiting: Vec::new(),
            earlier_to_store: Vec::new(),
            gone_unarchived: VecDeque::new(),
            scrollback: 0,
            reading: false,
            seen: seen::Seen::default(),
            msgids_to_store: VecDeque::new(),
            service: None,
        }
    }

    /// Ids of new entries start at `first_id` (an empty log's, so ids still increase).
    /// This log is a private conversation with `service` ([`crate::secret::is_service`]).
    pub(super) fn guard_service_secrets(&mut self, service: &str) {
        self.service = Some(Arc::from(service));
    }

    /// Whether `text`, typed here, carries a password (it must not rest in storage).
    fn holds_secret(&self, text: &str) -> bool {
        self.service.as_ref().is_some_and(|service| crate::secret::service_secret_at(service, text).is_some())
    }

    pub(super) fn renumber_from(&mut self, first_id: u64) {
        if self.entries.is_empty() {
            self.next_id = self.next_id.max(first_id);
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

    /// A frame that is not a chat message: as it came, or described for people (binary).
    pub fn receive_raw(&mut self, text: &str, note: Option<&'static str>, time_ms: f64) -> u64 {
        self.total_received += 1;
        let id = self.push(EntryKind::Raw, None, text, None, time_ms);
        self.note_newest(note);
        id
    }

    /// A message too large to keep: its start as a raw entry, with the whole size (counted in
    /// UTF-16 units for text, which equals bytes for ASCII).
    pub fn receive_cut(&mut self, start: &str, size: usize, time_ms: f64) -> u64 {
        let id = self.receive_raw(start, Some("too large to keep"), time_ms);
        if let Some(newest) = self.entries.back_mut() {
            newest.whole_size = whole_size(size);
        }
        id
    }

    /// A message the server replays from before (IRC's `chathistory`): shown only when the log
    /// holds no message with the same `msgid`, nor one of the same nick and text written within
    /// a second of it (a server may cut replayed times to the second); never taken for the echo
    /// of an own message. Returns the new entry's id, `None` when it was there already.
    pub fn receive_history(&mut self, nick: &str, text: &str, time_ms: f64, msgid: Option<&str>) -> Option<u64> {
        let known = self.seen.has(self.entries.iter(), (nick, text, time_ms), msgid);
        if let Some(msgid) = msgid {
            self.seen.msgid(msgid);
        }
        if known {
            return None;
        }
        self.total_received += 1;
        Some(self.push(EntryKind::Chat, Some(nick), text, None, time_ms))
    }

    fn note_newest(&mut self, note: Option<&'static str>) {
        if let Some(newest) = self.entries.back_mut() {
            newest.note = note;
        }
    }

    /// A connection event or notice.
    pub fn push_system(&mut self, text: &str, time_ms: f64) -> u64 {
        self.push(EntryKind::System, None, text, None, time_ms)
    }

    fn set_note(&mut self, id: u64, note: Option<&'static str>) {
        if let Some(i) = self.index_of(id) {
            if self.entries[i].note != note {
                self.entries[i].note = note;
                self.record(Change::Updated(id));
            }
        }
    }

    fn remove_entry(&mut self, id: u64) {
        if let Some(i) = self.index_of(id) {
            if let Some(gone) = self.entries.remove(i) {
                self.forget(&gone);
            }
            self.record(Change::Removed(id));
        }
    }

    /// Sets the status of an own message, if it is still kept.
    pub fn set_status(&mut self, id: u64, status: OwnStatus) {
        if let Some(i) = self.index_of(id) {
            let entry = &mut self.entries[i];
            if entry.kind == EntryKind::Own && entry.status != Some(status) {
                entry.status = Some(status);
                self.record(Change::Updated(id));
            }
        }
    }

    /// The most entries kept.
    pub fn cap(&self) -> usize {
        self.cap
    }

    /// Keeps at most `cap` entries (at least one) from now on; a smaller cap lets the oldest
    /// entries go at once.
    pub fn set_cap(&mut self, cap: usize) {
        self.cap = cap.max(1);
        self.end_scrollback();
    }

    /// How many entries are held beyond the cap for a person scrolling back.
    pub fn scrollback(&self) -> usize {
        self.scrollback
    }

    /// Whether the log holds, or may hold, entries beyond its cap for a person reading back.
    pub fn holds_for_reading(&self) -> bool {
        self.scrollback > 0 || self.reading
    }

    /// The person reads above the newest lines: until [`ChatLog::end_scrollback`], the log
    /// holds up to twice its cap, so the lines they read stay as long as they would with a
    /// log twice as long (the store keeps the rest either way; memory is held only while
    /// they read up there).
    pub fn hold_while_reading(&mut self) {
        self.reading = true;
    }

    /// The person is back at the newest lines: what scrolling back held beyond the cap goes,
    /// oldest first (the store still has it).
    pub fn end_scrollback(&mut self) {
        self.scrollback = 0;
        self.reading = false;
        while self.entries.len() > self.cap {
            self.drop_oldest();
        }
        self.entries.shrink_to(self.cap);
    }

    /// What the kept entries cost, about ([`Entry::bytes`]).
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// When the oldest kept entry was made.
    pub fn oldest_time_ms(&self) -> Option<f64> {
        self.entries.front().map(|e| e.time_ms)
    }

    /// Lets the oldest entry go; what it cost. One not yet handed to the store still goes to
    /// it: a burst past the cap within one frame, or a hidden page's, is not lost to history.
    pub fn drop_oldest(&mut self) -> usize {
        let Some(gone) = self.entries.pop_front() else { return 0 };
        self.forget(&gone);
        self.record(Change::Removed(gone.id));
        let bytes = gone.bytes();
        if gone.id > self.archived_to && (gone.kind != EntryKind::Own || archive::is_final(gone.status, self.confirms))
        {
            if self.gone_unarchived.len() == SCROLLBACK_MOST {
                self.gone_unarchived.pop_front();
            }
            self.gone_unarchived.push_back(gone);
        }
        bytes
    }

    /// Removes every entry from view, and with them the place the person left off; the outbox
    /// and counters stay.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.attention.marker = None;
        self.full_text_bytes = 0;
        self.bytes = 0;
        self.record(Change::Reset);
    }

    fn push(
        &mut self,
        kind: EntryKind,
        nick: Option<&str>,
        text: &str,
        status: Option<OwnStatus>,
        time_ms: f64,
    ) -> u64 {
        let nick = nick.map(|nick| shared_nick(self.entries.iter().rev(), nick));
        let id = self.next_id;
        self.next_id += 1;
        // Scrolled back: the line joins what is held rather than push out what is read.
        if self.scrollback > 0 && self.entries.len() < self.cap + SCROLLBACK_MOST {
            self.scrollback += 1;
        }
        let most = self.cap + self.scrollback + if self.reading { self.cap } else { 0 };
        while self.entries.len() >= most {
            self.drop_oldest();
        }
        let entry = self.make_entry(id, kind, nick, text, status, time_ms);
        let mention = entry.mention;
        if self.scrollback > 0 {
            // Held beyond the cap, the bound moves with every line: room doubles as usual, or
            // each line would move the whole queue.
            self.entries.push_back(entry);
        } else {
            crate::bounded::push_within(&mut self.entries, most, entry);
        }
        if matches!(kind, EntryKind::Chat | EntryKind::Raw) && !self.attention.reading {
            if self.attention.unread == 0 {
                self.attention.marker = Some((id, time_ms));
            }
            self.attention.unread += 1;
            self.attention.unread_mentions += u32::from(mention);
        }
        self.record(Change::Added(id));
        id
    }

    /// A new entry, counted in what the log holds: mentions found, a password to a service
    /// masked, a long text kept within the budget.
    fn make_entry(
        &mut self,
        id: u64,
        kind: EntryKind,
        nick: Option<Arc<str>>,
        text: &str,
        status: Option<OwnStatus>,
        time_ms: f64,
    ) -> Entry {
        let mention = kind == EntryKind::Chat
            && !self.attention.own_nick.is_empty()
            && crate::present::mentions(text, &self.attention.own_nick);
        let masked = match &self.service {
            Some(service) if kind == EntryKind::Own || nick.as_deref() == Some(self.attention.own_nick.as_str()) => {
                crate::secret::mask_service_secret(service, text)
            }
            _ => None,
        };
        let (text, cut_from) = self.within_budget(masked.as_deref().unwrap_or(text));
        let whole_size = cut_from.and_then(whole_size);
        let entry = Entry { id, kind, nick, text: Box::from(text), status, time_ms, mention, note: None, whole_size };
        self.bytes += entry.bytes();
        entry
    }

    /// The text to keep of a new entry: all of it while long texts fit the budget, else its start
    /// and the whole size.
    fn within_budget<'t>(&mut self, text: &'t str) -> (&'t str, Option<usize>) {
        if text.len() <= DISPLAY_LIMIT_BYTES {
            return (text, None);
        }
        if self.full_text_bytes + text.len() <= FULL_TEXT_BUDGET_BYTES {
            self.full_text_bytes += text.len();
            return (text, None);
        }
        (display_text(text).0, Some(text.len()))
    }

    /// An entry no longer kept: what it cost is free again.
    fn forget(&mut self, gone: &Entry) {
        if gone.holds_long_text() {
            self.full_text_bytes -= gone.text.len();
        }
        self.bytes = self.bytes.saturating_sub(gone.bytes());
    }

    /// Ids increase along the deque, so a binary search finds an entry in O(log n).
    fn index_of(&self, id: u64) -> Option<usize> {
        self.entries.binary_search_by_key(&id, |e| e.id).ok()
    }
}

#[cfg(test)]
mod tests;
