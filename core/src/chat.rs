//! The state of one conversation: a bounded message log, own-message statuses and the outbox.

use std::collections::VecDeque;
use std::sync::Arc;

pub use crate::stored_outbox::{decode_outbox, encode_outbox, server_id, PersistedMessage};

/// Default number of entries kept in the log (older ones are dropped from memory and view).
pub const DEFAULT_LOG_CAP: usize = 5_000;

/// Default largest message a person may send, in UTF-8 bytes: a common server frame limit
/// (tungstenite's 16 MiB); a server with a smaller one closes with 1009, which the client explains.
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 16 * 1024 * 1024;

/// Below this many bytes a one-line message goes out whole in every wire format (IRC splits
/// lines at about 400 bytes).
const MIN_SPLIT_BYTES: usize = 256;

/// Default number of times a message is handed to a socket without confirmation before it is
/// marked failed.
pub const DEFAULT_MAX_SEND_ATTEMPTS: u32 = 5;

/// The note on a message typed in another page of this browser, which sends it.
pub const NOTE_IN_ANOTHER_PAGE: &str = "waiting in another page";

/// The note on a message typed for another server than the one connected now.
pub const NOTE_FOR_ANOTHER_SERVER: &str = "waits for the server it was typed for";

/// How much of a very long message is put on screen, in UTF-8 bytes; the rest stays in memory
/// for copying, within [`FULL_TEXT_BUDGET_BYTES`].
pub const DISPLAY_LIMIT_BYTES: usize = 64 * 1024;

/// How many bytes of long messages' full texts the log keeps, all together, for "Copy full
/// text"; past it a long message keeps its first [`DISPLAY_LIMIT_BYTES`] only. wasm memory
/// never shrinks, so what the log holds must be bounded whatever the network sends.
pub const FULL_TEXT_BUDGET_BYTES: usize = 32 * 1024 * 1024;

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
    /// Someone else's message that names the person's nick.
    pub mention: bool,
    /// Said beside the text, not in it: what a raw frame is ("not JSON"), or "private".
    pub note: Option<&'static str>,
    /// The size in bytes of the whole message when only its start was kept (too large for
    /// [`FULL_TEXT_BUDGET_BYTES`], or cut before it reached the log).
    pub cut_from: Option<usize>,
}

impl Entry {
    /// Whether the log holds a full text longer than what is shown, counted in the budget.
    fn holds_long_text(&self) -> bool {
        self.cut_from.is_none() && self.text.len() > DISPLAY_LIMIT_BYTES
    }
}

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
    /// Start over from [`ChatLog::entries`] (cleared, or too many changes went unread).
    Reset,
}

/// A message waiting to be handed to the socket, in the order it was typed.
#[derive(Clone, Debug, PartialEq)]
pub struct OutboxItem {
    pub id: u64,
    /// The server it was typed for ([`server_id`]); it goes to no other.
    pub server: Arc<str>,
    pub nick: String,
    pub text: String,
    /// Times it was handed to a socket that dropped before confirming it.
    pub attempts: u32,
    /// When it was typed, milliseconds since the Unix epoch.
    pub time_ms: f64,
}

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
    /// Messages that ran out of attempts, kept for Retry or Discard.
    failed: Vec<OutboxItem>,
    /// Bumped on every change to what [`ChatLog::unsent`] returns, so callers persist only then.
    unsent_revision: u64,
    /// Who is present, where the protocol tells; sorted.
    users: Vec<String>,
    /// Changes not yet taken by a view; bounded by collapsing into [`Change::Reset`].
    changes: Vec<Change>,
    attention: Attention,
    /// Bytes of long messages' full texts kept (see [`FULL_TEXT_BUDGET_BYTES`]).
    full_text_bytes: usize,
}

/// Whether the person is reading, and what arrived while they were not.
#[derive(Clone, Debug, Default)]
struct Attention {
    /// The person sees the newest entries (their tab is shown, visible, scrolled to the end).
    reading: bool,
    /// Messages from others that arrived while not reading.
    unread: u32,
    /// Of those, how many mention the person's nick.
    unread_mentions: u32,
    /// The first entry that arrived after the person stopped reading: where they left off.
    marker: Option<u64>,
    /// Lowercase nick mentions are looked for; empty for none.
    own_nick: String,
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
            confirms: false,
            server: Arc::from(""),
            elsewhere: Vec::new(),
            echoed_so_far: 0,
            unmatched_own: 0,
            failed: Vec::new(),
            unsent_revision: 0,
            users: Vec::new(),
            changes: Vec::new(),
            attention: Attention::default(),
            full_text_bytes: 0,
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

    /// Who is present, where the protocol tells, sorted case-insensitively.
    pub fn users(&self) -> &[String] {
        &self.users
    }

    /// Replaces the user list (IRC NAMES).
    pub fn set_users(&mut self, mut users: Vec<String>) {
        users.sort_by_key(|u| u.to_lowercase());
        users.dedup();
        self.users = users;
    }

    pub fn user_joined(&mut self, nick: &str) {
        if !self.users.iter().any(|u| u == nick) {
            let at = self.users.partition_point(|u| u.to_lowercase() < nick.to_lowercase());
            self.users.insert(at, nick.to_string());
        }
    }

    pub fn user_left(&mut self, nick: &str) {
        self.users.retain(|u| u != nick);
    }

    pub fn user_renamed(&mut self, from: &str, to: &str) {
        if self.users.iter().any(|u| u == from) {
            self.user_left(from);
            self.user_joined(to);
        }
    }

    /// The changes since the last call, oldest first.
    pub fn take_changes(&mut self) -> Vec<Change> {
        std::mem::take(&mut self.changes)
    }

    fn record(&mut self, change: Change) {
        // Nobody reading (native use, a hidden view): never let the journal outgrow the log.
        if self.changes.len() >= self.cap * 2 {
            self.changes.clear();
            self.changes.push(Change::Reset);
        }
        if self.changes.last() != Some(&Change::Reset) || change != Change::Reset {
            self.changes.push(change);
        }
    }

    /// Changes whenever the messages that must survive a reload change.
    pub fn unsent_revision(&self) -> u64 {
        self.unsent_revision
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
    /// text as the oldest such, from the nick it was typed under or the nick the server knows
    /// us by now), that message becomes delivered instead of a new entry appearing. Returns the
    /// id of the entry made or confirmed.
    pub fn receive_message(&mut self, nick: Option<&str>, text: &str, time_ms: f64) -> u64 {
        self.total_received += 1;
        if let Some(nick) = nick {
            let from_us_now = nick == self.attention.own_nick;
            let echo = self.awaiting_echo.iter().position(|m| (from_us_now || m.nick == nick) && m.text == text);
            if let Some(pos) = echo {
                self.echoed_so_far = 0;
                // One connection delivers in order: what was sent before the confirmed message
                // reached the server too, though its echo did not match (a server that trims or
                // rewrites). It stays "sent" and is never sent again.
                for earlier in self.awaiting_echo.drain(..pos).collect::<Vec<_>>() {
                    self.set_status(earlier.id, OwnStatus::Sent);
                }
                let id = self.awaiting_echo.pop_front().map_or(0, |m| m.id);
                self.confirm(id);
                return id;
            }
            if let Some(id) = self.echo_piece(nick, from_us_now, text) {
                return id;
            }
            if self.awaiting_echo.front().is_some_and(|m| from_us_now || m.nick == nick) {
                self.unmatched_own += 1;
            }
        }
        self.push(EntryKind::Chat, nick, text, None, time_ms)
    }

    /// The server acknowledged the own message `id` (an acknowledgement by id: Socket.IO's ack,
    /// IRC's labeled response, a STOMP receipt, an MQTT PUBACK): it is delivered, and what was
    /// sent before it on this connection arrived too. Unknown ids are ignored.
    pub fn confirm_by_id(&mut self, id: u64) {
        let Some(pos) = self.awaiting_echo.iter().position(|m| m.id == id) else { return };
        self.echoed_so_far = 0;
        for earlier in self.awaiting_echo.drain(..pos).collect::<Vec<_>>() {
            self.set_status(earlier.id, OwnStatus::Sent);
        }
        self.awaiting_echo.pop_front();
        self.confirm(id);
    }

    fn confirm(&mut self, id: u64) {
        // Whatever came back unmatched before this answered messages before this one.
        self.unmatched_own = 0;
        self.confirms = true;
        self.unsent_revision += 1;
        self.set_status(id, OwnStatus::Delivered);
    }

    /// The next piece of the oldest awaiting message, when it went out in pieces: it makes no
    /// entry of its own, and the last piece confirms the message. Line breaks between pieces
    /// (and the blank lines no piece carries) are skipped.
    fn echo_piece(&mut self, nick: &str, from_us_now: bool, piece: &str) -> Option<u64> {
        // Only a message of several lines or a long one may have been split: a shorter piece of
        // a short message is somebody's (or another tab's) message of its own.
        let split = |m: &&OutboxItem| m.text.contains('\n') || m.text.len() > MIN_SPLIT_BYTES;
        let oldest = self.awaiting_echo.front().filter(split)?;
        let same_author = from_us_now || oldest.nick == nick;
        // Where the next piece starts: past the line breaks no piece carries.
        let next_start =
            |at: usize| oldest.text.get(at..).map(|rest| at + rest.len() - rest.trim_start_matches(['\r', '\n']).len());
        let start = next_start(self.echoed_so_far)?;
        let rest = oldest.text.get(start..)?;
        // A later line of the message that reads like `nick: text` comes back split that way
        // (the plain-text format reads each line of a frame so): it is still the next line.
        let length = if same_author && !piece.is_empty() && rest.starts_with(piece) {
            piece.len()
        } else if self.echoed_so_far > 0 {
            let as_written = format!("{nick}: {piece}");
            rest.starts_with(as_written.as_str()).then_some(as_written.len())?
        } else {
            return None;
        };
        let (id, end) = (oldest.id, start + length);
        let last_piece = next_start(end) == Some(oldest.text.len());
        if last_piece {
            self.echoed_so_far = 0;
            self.awaiting_echo.pop_front();
            self.confirm(id);
        } else {
            self.echoed_so_far = end;
        }
        Some(id)
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
            newest.cut_from = Some(size);
        }
        id
    }

    /// A message sent to this person alone, not to the room.
    pub fn receive_private(&mut self, nick: &str, text: &str, time_ms: f64) -> u64 {
        self.total_received += 1;
        let id = self.push(EntryKind::Chat, Some(nick), text, None, time_ms);
        self.note_newest(Some("private"));
        id
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

    /// A message typed here for the server connected now: shown at once as pending and queued
    /// in the outbox.
    pub fn push_own(&mut self, nick: &str, text: &str, time_ms: f64) -> u64 {
        self.unsent_revision += 1;
        let id = self.push(EntryKind::Own, Some(nick), text, Some(OwnStatus::Pending), time_ms);
        let server = Arc::clone(&self.server);
        self.outbox.push_back(OutboxItem {
            id,
            server,
            nick: nick.to_string(),
            text: text.to_string(),
            attempts: 0,
            time_ms,
        });
        id
    }

    /// The server connected from now on ([`server_id`] of its URL). Messages typed for another
    /// stay pending, marked so, until that server is connected again or they are discarded.
    pub fn set_server(&mut self, server: &str) {
        if *self.server == *server {
            return;
        }
        self.server = Arc::from(server);
        let notes: Vec<(u64, Option<&'static str>)> = self
            .outbox
            .iter()
            .chain(&self.awaiting_echo)
            .chain(&self.failed)
            .map(|m| (m.id, (*m.server != *server).then_some(NOTE_FOR_ANOTHER_SERVER)))
            .collect();
        for (id, note) in notes {
            self.set_note(id, note);
        }
    }

    /// Messages in the outbox for servers other than the one connected now.
    pub fn waiting_for_other_servers(&self) -> usize {
        self.outbox.iter().filter(|m| *m.server != *self.server).count()
    }

    /// Says whether this server confirms own messages, as remembered from earlier visits.
    pub fn set_confirms(&mut self, confirms: bool) {
        self.confirms = confirms;
    }

    /// Whether this server has been seen to confirm own messages.
    pub fn confirms(&self) -> bool {
        self.confirms
    }

    /// Messages another page of this browser holds for this server, shown as waiting there
    /// (that page sends them); replaces what was shown for `owner` before.
    pub fn show_elsewhere(&mut self, owner: &str, items: Vec<PersistedMessage>) {
        let mut kept = Vec::with_capacity(items.len());
        for item in items {
            let shown = self.elsewhere.iter().position(|(o, m, _)| o == owner && *m == item);
            let id = match shown {
                Some(at) => self.elsewhere.remove(at).2,
                None => self.push_noted(&item, NOTE_IN_ANOTHER_PAGE),
            };
            kept.push((owner.to_string(), item, id));
        }
        let gone: Vec<u64> = self.elsewhere.iter().filter(|(o, ..)| o == owner).map(|(.., id)| *id).collect();
        self.elsewhere.retain(|(o, ..)| o != owner);
        for id in gone {
            self.remove_entry(id);
        }
        self.elsewhere.extend(kept);
    }

    /// Takes over messages another page (closed now) or an earlier visit left: they join this
    /// outbox in the order they were typed, each for the server it was typed for. A message
    /// already shown as waiting in that page keeps its entry; one this outbox holds already
    /// (the same server, nick, text and time: left in two places by a page that stopped between
    /// two writes) is taken once.
    pub fn adopt(&mut self, owner: &str, items: Vec<PersistedMessage>) {
        self.unsent_revision += 1;
        for item in items {
            let held = |m: &OutboxItem| {
                m.time_ms == item.time_ms && *m.server == *item.server && m.nick == item.nick && m.text == item.text
            };
            if self.outbox.iter().chain(&self.awaiting_echo).any(held) {
                continue;
            }
            let shown = self.elsewhere.iter().position(|(o, m, _)| o == owner && *m == item);
            let id = match shown {
                Some(at) => self.elsewhere.remove(at).2,
                None => self.push_noted(&item, NOTE_IN_ANOTHER_PAGE),
            };
            let note = (*item.server != *self.server).then_some(NOTE_FOR_ANOTHER_SERVER);
            self.set_note(id, note);
            // Before whatever was typed later, here or there.
            let at = self.outbox.partition_point(|m| m.time_ms <= item.time_ms);
            let server = Arc::from(item.server);
            self.outbox.insert(
                at,
                OutboxItem { id, server, nick: item.nick, text: item.text, attempts: 0, time_ms: item.time_ms },
            );
        }
        // What another page still shows for the owner is no longer there to be sent by it.
        self.show_elsewhere(owner, Vec::new());
    }

    /// Shows nothing as waiting in other pages any more (another server is connected).
    pub fn forget_elsewhere(&mut self) {
        for (.., id) in std::mem::take(&mut self.elsewhere) {
            self.remove_entry(id);
        }
    }

    fn push_noted(&mut self, item: &PersistedMessage, note: &'static str) -> u64 {
        let id = self.push(EntryKind::Own, Some(&item.nick), &item.text, Some(OwnStatus::Pending), item.time_ms);
        self.note_newest(Some(note));
        id
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
                self.forget_text(&gone);
            }
            self.record(Change::Removed(id));
        }
    }

    /// What must survive a reload: every message not yet handed over, or not yet confirmed by a
    /// server that confirms, in order.
    pub fn unsent(&self) -> Vec<PersistedMessage> {
        let confirms = self.confirms;
        let awaiting = self.awaiting_echo.iter().filter(|_| confirms);
        awaiting
            .chain(self.outbox.iter())
            .map(|m| PersistedMessage {
                server: m.server.to_string(),
                nick: m.nick.clone(),
                text: m.text.clone(),
                time_ms: m.time_ms,
            })
            .collect()
    }

    /// The link dropped. Sent messages the server has not confirmed go back to the head of the
    /// outbox (when this server is known to echo), or become failed after `max_attempts`.
    pub fn link_lost(&mut self, max_attempts: u32) {
        self.unsent_revision += 1;
        // What comes back on the next link starts over: the message is sent whole again.
        self.echoed_so_far = 0;
        if !self.confirms {
            self.unmatched_own = 0;
            // No sign this server ever confirms anything: "sent" is as far as we can know.
            self.awaiting_echo.clear();
            return;
        }
        // Messages under our nick that matched nothing while ours awaited confirmation were,
        // most likely, their echoes rewritten by the server (trimmed, reformatted): as many of
        // the oldest stay "sent" and are not sent again; a resend would deliver them twice.
        let echoed_unmatched = std::mem::take(&mut self.unmatched_own).min(self.awaiting_echo.len());
        for item in self.awaiting_echo.drain(..echoed_unmatched).collect::<Vec<_>>() {
            self.set_status(item.id, OwnStatus::Sent);
        }
        while let Some(mut item) = self.awaiting_echo.pop_back() {
            item.attempts += 1;
            if item.attempts >= max_attempts {
                self.set_status(item.id, OwnStatus::Failed);
                self.failed.push(item);
            } else {
                self.set_status(item.id, OwnStatus::Pending);
                self.outbox.push_front(item);
            }
        }
    }

    /// A failed message goes back to the end of the outbox with fresh attempts.
    pub fn retry(&mut self, id: u64) {
        self.unsent_revision += 1;
        if let Some(pos) = self.failed.iter().position(|m| m.id == id) {
            let mut item = self.failed.remove(pos);
            item.attempts = 0;
            self.set_status(id, OwnStatus::Pending);
            self.outbox.push_back(item);
        }
    }

    /// Drops a failed or pending message for good, from the outbox and from view.
    pub fn discard(&mut self, id: u64) {
        self.unsent_revision += 1;
        self.failed.retain(|m| m.id != id);
        self.outbox.retain(|m| m.id != id);
        self.remove_entry(id);
    }

    /// Takes the oldest outbox item to hand to the socket; call [`ChatLog::mark_sent`] or
    /// [`ChatLog::requeue_front`] with the outcome.
    pub fn take_next_outgoing(&mut self) -> Option<OutboxItem> {
        let next = self.outbox.iter().position(|m| *m.server == *self.server)?;
        self.unsent_revision += 1;
        self.outbox.remove(next)
    }

    /// The socket accepted the message; it now waits for the server's echo.
    pub fn mark_sent(&mut self, item: OutboxItem) {
        self.unsent_revision += 1;
        self.set_status(item.id, OwnStatus::Sent);
        self.awaiting_echo.push_back(item);
    }

    /// The socket refused the message (it closed meanwhile): it goes back to the head of the
    /// outbox, so order is kept and nothing is lost.
    pub fn requeue_front(&mut self, item: OutboxItem) {
        self.unsent_revision += 1;
        self.set_status(item.id, OwnStatus::Pending);
        self.outbox.push_front(item);
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

    /// Says whether the person is reading the newest entries now; reading marks all as read.
    pub fn set_reading(&mut self, reading: bool) {
        self.attention.reading = reading;
        if reading {
            self.attention.unread = 0;
            self.attention.unread_mentions = 0;
        }
    }

    pub fn is_reading(&self) -> bool {
        self.attention.reading
    }

    /// Messages from others since the person last read.
    pub fn unread(&self) -> u32 {
        self.attention.unread
    }

    pub fn unread_mentions(&self) -> u32 {
        self.attention.unread_mentions
    }

    /// The entry the "unread since here" line goes above, while it is still kept.
    pub fn unread_marker(&self) -> Option<u64> {
        self.attention.marker.filter(|id| self.index_of(*id).is_some())
    }

    /// The person wrote something: they have caught up, the marker goes.
    pub fn clear_unread_marker(&mut self) {
        self.attention.marker = None;
    }

    /// The nick whose mentions are highlighted and counted.
    pub fn set_own_nick(&mut self, nick: &str) {
        self.attention.own_nick = nick.to_string();
    }

    /// The most entries kept.
    pub fn cap(&self) -> usize {
        self.cap
    }

    /// Keeps at most `cap` entries (at least one) from now on; a smaller cap lets the oldest
    /// entries go at once.
    pub fn set_cap(&mut self, cap: usize) {
        self.cap = cap.max(1);
        while self.entries.len() > self.cap {
            if let Some(gone) = self.entries.pop_front() {
                self.forget_text(&gone);
                self.record(Change::Removed(gone.id));
            }
        }
        self.entries.shrink_to(self.cap);
    }

    /// Removes every entry from view; the outbox and counters stay.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.full_text_bytes = 0;
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
        // Runs of messages from one person are the common case: they share one nick allocation.
        let nick = nick.map(|nick| match self.entries.back().and_then(|e| e.nick.as_ref()) {
            Some(last) if **last == *nick => Arc::clone(last),
            _ => Arc::from(nick),
        });
        let id = self.next_id;
        self.next_id += 1;
        if self.entries.len() == self.cap {
            if let Some(gone) = self.entries.pop_front() {
                self.forget_text(&gone);
                self.record(Change::Removed(gone.id));
            }
        }
        let mention = kind == EntryKind::Chat
            && !self.attention.own_nick.is_empty()
            && crate::present::mentions(text, &self.attention.own_nick);
        let (text, cut_from) = self.within_budget(text);
        let entry = Entry { id, kind, nick, text: Arc::from(text), status, time_ms, mention, note: None, cut_from };
        crate::bounded::push_within(&mut self.entries, self.cap, entry);
        if matches!(kind, EntryKind::Chat | EntryKind::Raw) && !self.attention.reading {
            if self.attention.unread == 0 {
                self.attention.marker = Some(id);
            }
            self.attention.unread += 1;
            self.attention.unread_mentions += u32::from(mention);
        }
        self.record(Change::Added(id));
        id
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

    fn forget_text(&mut self, gone: &Entry) {
        if gone.holds_long_text() {
            self.full_text_bytes -= gone.text.len();
        }
    }

    /// Ids increase along the deque, so a binary search finds an entry in O(log n).
    fn index_of(&self, id: u64) -> Option<usize> {
        self.entries.binary_search_by_key(&id, |e| e.id).ok()
    }
}

/// The part of `text` to put on screen: all of it, or its first [`DISPLAY_LIMIT_BYTES`] cut at
/// a character boundary, with whether it was cut.
pub fn display_text(text: &str) -> (&str, bool) {
    if text.len() <= DISPLAY_LIMIT_BYTES {
        return (text, false);
    }
    let mut end = DISPLAY_LIMIT_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    (&text[..end], true)
}

/// A byte count for people: `512 B`, `64.0 KiB`, `1.0 MiB`.
pub fn human_size(bytes: usize) -> String {
    const KIB: f64 = 1024.0;
    let b = bytes as f64;
    if b < KIB {
        format!("{bytes} B")
    } else if b < KIB * KIB {
        format!("{} KiB", crate::present::one_decimal(b / KIB))
    } else {
        format!("{} MiB", crate::present::one_decimal(b / (KIB * KIB)))
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
        assert_eq!((item.id, item.nick.as_str(), item.text.as_str(), item.attempts), (id, "me", "hello", 0));
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
    fn an_echo_under_the_nick_the_server_assigned_confirms_too() {
        let mut log = ChatLog::new(10);
        let id = log.push_own("ada", "typed before registering", 0.0);
        while let Some(item) = log.take_next_outgoing() {
            log.mark_sent(item);
        }
        log.set_own_nick("ada_1");
        log.receive_message(Some("ada_1"), "typed before registering", 1.0);
        assert_eq!(log.get(id).and_then(|e| e.status), Some(OwnStatus::Delivered));
        assert_eq!(log.entries().len(), 1, "no second entry for the echo");
    }

    #[test]
    fn a_message_echoed_in_pieces_is_confirmed_by_the_last() {
        let mut log = ChatLog::new(10);
        let long = "x".repeat(500);
        let text = format!("first line\r\n\nsecond\n{long}");
        let id = log.push_own("me", &text, 0.0);
        let short = log.push_own("me", "short one", 0.0);
        while let Some(item) = log.take_next_outgoing() {
            log.mark_sent(item);
        }
        // As IRC sends it: one PRIVMSG per line, blank lines left out, long lines cut.
        for piece in ["first line", "second", &long[..400], &long[400..]] {
            assert_eq!(log.get(id).and_then(|e| e.status), Some(OwnStatus::Sent), "not before the last piece");
            log.receive_message(Some("me"), piece, 1.0);
        }
        assert_eq!(log.get(id).and_then(|e| e.status), Some(OwnStatus::Delivered));
        assert_eq!(log.entries().len(), 2, "the pieces make no entries");
        // A short message is never taken for a piece of another.
        log.receive_message(Some("me"), "short", 2.0);
        assert_eq!(log.get(short).and_then(|e| e.status), Some(OwnStatus::Sent));
        assert_eq!(log.entries().len(), 3);
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
        log.receive_raw("binary frame, 1 byte: 00  |.|", None, 0.0);
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

    fn send_all(log: &mut ChatLog) {
        while let Some(item) = log.take_next_outgoing() {
            log.mark_sent(item);
        }
    }

    fn status(log: &ChatLog, id: u64) -> Option<OwnStatus> {
        log.get(id).and_then(|e| e.status)
    }

    #[test]
    fn unconfirmed_messages_return_to_pending_when_the_link_drops() {
        let mut log = ChatLog::new(10);
        let first = log.push_own("me", "first", 0.0);
        send_all(&mut log);
        log.receive_message(Some("me"), "first", 0.0); // this server echoes
        let a = log.push_own("me", "a", 0.0);
        let b = log.push_own("me", "b", 0.0);
        send_all(&mut log);
        let c = log.push_own("me", "c", 0.0); // typed after, still pending
        log.link_lost(3);
        assert_eq!(status(&log, first), Some(OwnStatus::Delivered));
        assert_eq!([status(&log, a), status(&log, b), status(&log, c)], [Some(OwnStatus::Pending); 3]);
        let order: Vec<_> = log.outbox().map(|m| m.text.as_str()).collect();
        assert_eq!(order, vec!["a", "b", "c"], "order is kept: resent ones first");
    }

    #[test]
    fn without_echoes_sent_stays_sent() {
        let mut log = ChatLog::new(10);
        let a = log.push_own("me", "a", 0.0);
        send_all(&mut log);
        log.link_lost(3);
        assert_eq!(status(&log, a), Some(OwnStatus::Sent));
        assert_eq!(log.outbox().count(), 0, "never resent to a server that does not echo");
    }

    #[test]
    fn too_many_attempts_fail_then_retry_or_discard() {
        let mut log = ChatLog::new(10);
        let e = log.push_own("me", "echoed", 0.0);
        send_all(&mut log);
        log.receive_message(Some("me"), "echoed", 0.0);
        let a = log.push_own("me", "a", 0.0);
        for _ in 0..2 {
            send_all(&mut log);
            log.link_lost(2);
        }
        assert_eq!(status(&log, a), Some(OwnStatus::Failed));
        assert_eq!(log.outbox().count(), 0);
        log.retry(a);
        assert_eq!(status(&log, a), Some(OwnStatus::Pending));
        assert_eq!(log.outbox().map(|m| m.attempts).collect::<Vec<_>>(), vec![0]);
        log.discard(a);
        assert!(log.get(a).is_none());
        assert_eq!(log.outbox().count(), 0);
        assert!(log.get(e).is_some());
    }

    #[test]
    fn a_smaller_cap_lets_the_oldest_go_at_once() {
        let mut log = ChatLog::new(10);
        for i in 0..8 {
            log.receive_message(Some("x"), &i.to_string(), 0.0);
        }
        log.take_changes();
        log.set_cap(3);
        assert_eq!(log.entries().map(|e| e.text.to_string()).collect::<Vec<_>>(), ["5", "6", "7"]);
        assert_eq!(log.take_changes().len(), 5, "five removals journaled");
        log.receive_message(Some("x"), "8", 0.0);
        assert_eq!(log.entries().count(), 3);
        log.set_cap(0);
        assert_eq!((log.cap(), log.entries().count()), (1, 1));
    }

    fn stored(server: &str, text: &str, time_ms: f64) -> PersistedMessage {
        PersistedMessage { server: server.into(), nick: "me".into(), text: text.into(), time_ms }
    }

    fn outbox_texts(log: &ChatLog) -> Vec<&str> {
        log.outbox().map(|m| m.text.as_str()).collect()
    }

    #[test]
    fn adopted_messages_join_in_typing_order_and_pending() {
        let mut log = ChatLog::new(10);
        log.set_server("a");
        log.push_system("starting", 0.0);
        log.push_own("me", "three", 3.0);
        log.adopt("page-1", vec![stored("a", "one", 1.0), stored("a", "four", 4.0)]);
        log.adopt("page-2", vec![stored("a", "two", 2.0)]);
        assert_eq!(outbox_texts(&log), vec!["one", "two", "three", "four"]);
        assert_eq!(log.unsent().len(), 4);
        assert!(log.entries().filter(|e| e.kind == EntryKind::Own).all(|e| e.status == Some(OwnStatus::Pending)));
        assert!(log.entries().all(|e| e.note.is_none()));
    }

    #[test]
    fn messages_waiting_in_another_page_are_shown_not_sent_until_adopted() {
        let mut log = ChatLog::new(10);
        log.set_server("a");
        log.show_elsewhere("page-1", vec![stored("a", "one", 1.0), stored("a", "two", 2.0)]);
        assert!(log.take_next_outgoing().is_none(), "that page sends them");
        assert!(log.unsent().is_empty(), "nor are they stored as this page's");
        let noted: Vec<_> = log.entries().map(|e| (&*e.text, e.note)).collect();
        assert_eq!(noted, vec![("one", Some(NOTE_IN_ANOTHER_PAGE)), ("two", Some(NOTE_IN_ANOTHER_PAGE))]);
        // That page delivered "one": it is no longer shown here.
        log.show_elsewhere("page-1", vec![stored("a", "two", 2.0)]);
        assert_eq!(log.entries().map(|e| &*e.text).collect::<Vec<_>>(), vec!["two"]);
        let shown = log.entries().next().map(|e| e.id);
        // Then it closed: "two" is this page's now, on the same row.
        log.adopt("page-1", vec![stored("a", "two", 2.0)]);
        assert_eq!(log.entries().map(|e| (e.id, e.note)).collect::<Vec<_>>(), vec![(shown.unwrap_or(0), None)]);
        assert_eq!(log.take_next_outgoing().map(|m| m.text), Some("two".to_string()));
    }

    #[test]
    fn messages_go_only_to_the_server_they_were_typed_for() {
        let mut log = ChatLog::new(10);
        log.set_server("a");
        let for_a = log.push_own("me", "for a", 1.0);
        log.set_server("b");
        assert_eq!(log.get(for_a).and_then(|e| e.note), Some(NOTE_FOR_ANOTHER_SERVER));
        assert_eq!(log.waiting_for_other_servers(), 1);
        log.push_own("me", "for b", 2.0);
        let sent: Vec<_> = std::iter::from_fn(|| log.take_next_outgoing()).map(|m| m.text).collect();
        assert_eq!(sent, vec!["for b"]);
        assert_eq!(
            log.unsent().iter().map(|m| (m.server.as_str(), m.text.as_str())).collect::<Vec<_>>(),
            vec![("a", "for a")]
        );
        log.set_server("a");
        assert_eq!(log.get(for_a).and_then(|e| e.note), None);
        assert_eq!(log.take_next_outgoing().map(|m| m.text), Some("for a".to_string()));
    }

    #[test]
    fn a_later_line_that_reads_like_nick_and_text_still_confirms() {
        let mut log = ChatLog::new(10);
        log.set_own_nick("ada");
        let id = log.push_own("ada", "first line\nerror: second line", 0.0);
        send_all(&mut log);
        // The plain-text format reads the echoed frame as two messages, the second by "error".
        log.receive_message(Some("ada"), "first line", 0.0);
        log.receive_message(Some("error"), "second line", 0.0);
        assert_eq!(status(&log, id), Some(OwnStatus::Delivered));
        assert_eq!(log.entries().count(), 1, "the pieces make no entries");
        log.link_lost(5);
        assert!(log.take_next_outgoing().is_none(), "never sent again");
    }

    #[test]
    fn an_unmatched_echo_under_our_nick_is_not_answered_by_a_resend() {
        let mut log = ChatLog::new(10);
        log.set_own_nick("me");
        log.set_confirms(true);
        let rewritten = log.push_own("me", "hello  world", 0.0);
        let lost = log.push_own("me", "second", 0.0);
        send_all(&mut log);
        log.receive_message(Some("me"), "hello world", 0.0); // the server squeezed the spaces
        log.link_lost(5);
        assert_eq!(status(&log, rewritten), Some(OwnStatus::Sent), "its echo came back, rewritten");
        assert_eq!(status(&log, lost), Some(OwnStatus::Pending), "nothing came back for this one");
        assert_eq!(outbox_texts(&log), vec!["second"]);
    }

    #[test]
    fn an_acknowledgement_by_id_confirms_that_message() {
        let mut log = ChatLog::new(10);
        let first = log.push_own("me", "one", 0.0);
        let second = log.push_own("me", "two", 0.0);
        send_all(&mut log);
        log.confirm_by_id(second);
        log.confirm_by_id(999);
        assert_eq!(status(&log, second), Some(OwnStatus::Delivered));
        assert_eq!(status(&log, first), Some(OwnStatus::Sent), "arrived before it, unconfirmed");
        assert!(log.confirms());
        log.link_lost(5);
        assert!(log.take_next_outgoing().is_none());
    }

    #[test]
    fn a_later_confirmation_means_the_earlier_messages_arrived() {
        let mut log = ChatLog::new(10);
        log.set_confirms(true);
        let trimmed = log.push_own("me", "trailing space ", 0.0);
        let plain = log.push_own("me", "plain", 0.0);
        send_all(&mut log);
        log.receive_message(Some("me"), "trailing space", 0.0); // rewritten by the server
        log.receive_message(Some("me"), "plain", 0.0);
        assert_eq!(status(&log, plain), Some(OwnStatus::Delivered));
        assert_eq!(status(&log, trimmed), Some(OwnStatus::Sent), "handed over, not confirmed");
        log.link_lost(5);
        assert!(log.take_next_outgoing().is_none(), "neither is sent again");
        assert!(log.unsent().is_empty());
    }

    #[test]
    fn long_texts_are_kept_whole_within_a_budget_then_only_their_start() {
        let mut log = ChatLog::new(100);
        let long = "x".repeat(FULL_TEXT_BUDGET_BYTES / 4);
        let kept: Vec<u64> = (0..4).map(|_| log.receive_message(Some("a"), &long, 0.0)).collect();
        let cut = log.receive_message(Some("a"), &long, 0.0);
        for id in &kept {
            assert_eq!(log.get(*id).map(|e| (e.text.len(), e.cut_from)), Some((long.len(), None)));
        }
        assert_eq!(log.get(cut).map(|e| (e.text.len(), e.cut_from)), Some((DISPLAY_LIMIT_BYTES, Some(long.len()))));
        // Room comes back as entries leave.
        log.set_cap(1);
        let again = log.receive_message(Some("a"), &long, 0.0);
        assert_eq!(log.get(again).and_then(|e| e.cut_from), None);
    }

    #[test]
    fn changes_are_journaled_for_views() {
        let mut log = ChatLog::new(2);
        let a = log.push_own("me", "a", 0.0);
        let b = log.receive_message(Some("x"), "b", 0.0);
        let c = log.push_system("c", 0.0);
        log.set_status(a, OwnStatus::Sent); // already gone: no change
        assert_eq!(log.take_changes(), vec![Change::Added(a), Change::Added(b), Change::Removed(a), Change::Added(c)]);
        assert_eq!(log.take_changes(), vec![]);
        let d = log.push_own("me", "d", 0.0);
        let item = log.take_next_outgoing().expect("queued");
        log.mark_sent(item);
        log.set_status(d, OwnStatus::Sent); // no change: already sent
        log.discard(d);
        assert_eq!(
            log.take_changes(),
            vec![Change::Removed(b), Change::Added(d), Change::Updated(d), Change::Removed(d)]
        );
        // Unread changes never outgrow the log.
        for i in 0..100 {
            log.push_system(&i.to_string(), 0.0);
        }
        assert!(log.take_changes().len() <= 5);
    }

    #[test]
    fn the_user_list_follows_presence() {
        let mut log = ChatLog::new(10);
        log.set_users(vec!["bob".into(), "Ada".into(), "bob".into()]);
        log.user_joined("carl");
        log.user_joined("Ada");
        log.user_renamed("bob", "bert");
        log.user_left("carl");
        log.user_renamed("nobody", "x");
        assert_eq!(log.users(), ["Ada", "bert"]);
    }

    #[test]
    fn long_text_is_cut_on_a_character_boundary() {
        let short = "é".repeat(10);
        assert_eq!(display_text(&short), (short.as_str(), false));
        let long = "é".repeat(DISPLAY_LIMIT_BYTES); // 2 bytes each
        let (shown, cut) = display_text(&long);
        assert!(cut);
        assert_eq!(shown.len(), DISPLAY_LIMIT_BYTES);
        let odd = format!("a{}", "é".repeat(DISPLAY_LIMIT_BYTES));
        let (shown, _) = display_text(&odd);
        assert_eq!(shown.len(), DISPLAY_LIMIT_BYTES - 1);
        assert_eq!(human_size(512), "512 B");
        assert_eq!(human_size(1024 * 1024), "1.0 MiB");
        assert_eq!(human_size(65 * 1024), "65.0 KiB");
    }

    #[test]
    fn unread_counts_only_while_away_and_marks_where_reading_stopped() {
        let mut log = ChatLog::new(10);
        log.set_own_nick("ada");
        log.set_reading(true);
        log.receive_message(Some("bob"), "seen", 0.0);
        assert_eq!((log.unread(), log.unread_marker()), (0, None));
        log.set_reading(false);
        log.push_system("connected", 0.0);
        assert_eq!(log.unread(), 0, "system entries are not unread messages");
        let first = log.receive_message(Some("bob"), "one", 0.0);
        log.receive_message(Some("bob"), "hi Ada!", 0.0);
        assert_eq!((log.unread(), log.unread_mentions(), log.unread_marker()), (2, 1, Some(first)));
        assert!(log.entries().last().is_some_and(|e| e.mention));
        log.set_reading(true);
        assert_eq!((log.unread(), log.unread_mentions()), (0, 0));
        assert_eq!(log.unread_marker(), Some(first), "the line stays where the person left off");
        log.set_reading(false);
        let next = log.receive_message(Some("bob"), "later", 0.0);
        assert_eq!(log.unread_marker(), Some(next), "a new absence moves it");
        log.clear_unread_marker();
        assert_eq!(log.unread_marker(), None);
    }
}
