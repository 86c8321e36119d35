//! Whether the person is reading, and what arrived (and mentioned them) while they were not.

use super::ChatLog;

/// Whether the person is reading, and what arrived while they were not.
#[derive(Clone, Debug, Default)]
pub(super) struct Attention {
    /// The person sees the newest entries (their tab is shown, visible, scrolled to the end).
    pub(super) reading: bool,
    /// Messages from others that arrived while not reading.
    pub(super) unread: u32,
    /// Of those, how many mention the person's nick.
    pub(super) unread_mentions: u32,
    /// The first entry that arrived after the person stopped reading, and when it was made:
    /// where they left off.
    pub(super) marker: Option<(u64, f64)>,
    /// Lowercase nick mentions are looked for; empty for none.
    pub(super) own_nick: String,
}

impl ChatLog {
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

    /// The entry the "unread since here" line goes above: the first that arrived while the
    /// person was away, or, once that one has left memory, the first kept that was made no
    /// earlier. So a long absence still shows where the unread lines begin, and lines read
    /// back from the store (with ids of their own) bring the line back to its place.
    pub fn unread_marker(&self) -> Option<u64> {
        let (id, time_ms) = self.attention.marker?;
        if self.get(id).is_some_and(|e| e.time_ms == time_ms) {
            return Some(id);
        }
        // Entries are in the order they were made, but for a server's own times: a binary
        // search finds the place in a held scrollback of any length, near enough in either case.
        let at = self.entries.partition_point(|e| e.time_ms < time_ms);
        self.entries.get(at).map(|e| e.id)
    }

    /// The person wrote something: they have caught up, the marker goes.
    pub fn clear_unread_marker(&mut self) {
        self.attention.marker = None;
    }

    /// The nick whose mentions are highlighted and counted.
    pub fn set_own_nick(&mut self, nick: &str) {
        self.attention.own_nick = nick.to_string();
    }
}
