//! One line of a conversation as the log keeps it (small: one is kept for every line), what
//! its kinds and an own message's states are, and how its text is put on screen.

use std::num::NonZeroU32;
use std::sync::Arc;

use super::DISPLAY_LIMIT_BYTES;

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

/// One line of the conversation. Kept for every line a log holds: small on purpose (48 bytes on
/// wasm32), its nick shared with its neighbours'.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// Unique and increasing within one log; stable across status changes.
    pub id: u64,
    pub kind: EntryKind,
    pub nick: Option<Arc<str>>,
    pub text: Box<str>,
    /// Only on [`EntryKind::Own`].
    pub status: Option<OwnStatus>,
    /// Milliseconds since the Unix epoch, when the entry was made here.
    pub time_ms: f64,
    /// Someone else's message that names the person's nick.
    pub mention: bool,
    /// Said beside the text, not in it: what a raw frame is ("not JSON"), or "private".
    pub note: Option<&'static str>,
    /// The size in bytes of the whole message when only its start was kept (too large for
    /// [`FULL_TEXT_BUDGET_BYTES`], or cut before it reached the log): see [`Entry::cut_from`].
    /// 32 bits, not a `usize`, and never 0, so that the entry is 8 bytes smaller on wasm32.
    pub(crate) whole_size: Option<NonZeroU32>,
}

impl Entry {
    /// The size in bytes of the whole message when only its start was kept.
    pub fn cut_from(&self) -> Option<usize> {
        self.whole_size.map(|size| size.get() as usize)
    }

    /// Whether the log holds a full text longer than what is shown, counted in the budget.
    pub(super) fn holds_long_text(&self) -> bool {
        self.whole_size.is_none() && self.text.len() > DISPLAY_LIMIT_BYTES
    }

    /// What keeping the entry costs, about: its text, its nick (counted each time, though
    /// entries share one), and the entry itself with the text's and the nick's allocation headers.
    pub fn bytes(&self) -> usize {
        ENTRY_OVERHEAD_BYTES + self.text.len() + self.nick.as_ref().map_or(0, |n| n.len())
    }
}

/// What an entry costs beside its text and nick: the entry in the log's deque, and the two
/// allocations' headers.
pub(crate) const ENTRY_OVERHEAD_BYTES: usize = std::mem::size_of::<Entry>() + 32;

/// A cut message's whole size as an entry keeps it: no message that large reaches the log.
pub(super) fn whole_size(bytes: usize) -> Option<NonZeroU32> {
    NonZeroU32::new(u32::try_from(bytes).unwrap_or(u32::MAX))
}

/// How many of the newest entries a new entry looks through for its author's nick.
const NICK_LOOKBACK: usize = 16;

/// `nick` as an allocation shared with an entry among the first [`NICK_LOOKBACK`] of `recent`
/// that has it, else a new one: a conversation is mostly a few people taking turns, and each
/// entry holding its own copy of the nick costs more than the nick.
pub(super) fn shared_nick<'e>(recent: impl Iterator<Item = &'e Entry>, nick: &str) -> Arc<str> {
    recent
        .take(NICK_LOOKBACK)
        .find_map(|e| e.nick.as_ref().filter(|n| ***n == *nick))
        .map_or_else(|| Arc::from(nick), Arc::clone)
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
