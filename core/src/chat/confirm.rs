//! Confirmation of own messages: by the server's echo (whole, in pieces, or line by line) or
//! by an acknowledgement naming the message.

use super::{ChatLog, EntryKind, OutboxItem, OwnStatus};

/// Below this many bytes a one-line message goes out whole in every wire format (IRC splits
/// lines at about 400 bytes).
const MIN_SPLIT_BYTES: usize = 256;

/// Messages acknowledged by id that are kept to absorb an echo arriving after the ack.
const ACKED_KEPT: usize = 32;

impl ChatLog {
    /// A message received from someone. If it is the echo of one of our sent messages (same
    /// text as the oldest such, from the nick it was typed under or the nick the server knows
    /// us by now), that message becomes delivered instead of a new entry appearing. Returns the
    /// id of the entry made or confirmed.
    pub fn receive_message(&mut self, nick: Option<&str>, text: &str, time_ms: f64) -> u64 {
        self.total_received += 1;
        if let Some(nick) = nick {
            let from_us_now = nick == self.attention.own_nick;
            let echo = self.awaiting_echo.iter().position(|m| (from_us_now || m.nick == nick) && m.text == text);
            if let Some(item) = echo.and_then(|pos| self.confirm_in_order(pos)) {
                // A replay of it later carries the server's time and nick, not the typing's.
                self.seen.echo(nick, text, time_ms);
                return item.id;
            }
            if let Some(id) = self.echo_piece(nick, from_us_now, text) {
                return id;
            }
            let acked = self.acked_before_echo.iter().position(|m| (from_us_now || m.nick == nick) && m.text == text);
            if let Some(item) = acked.and_then(|at| self.acked_before_echo.remove(at)) {
                return item.id;
            }
            if self.awaiting_echo.front().is_some_and(|m| from_us_now || m.nick == nick) {
                self.unmatched_own += 1;
            }
        }
        self.push(EntryKind::Chat, nick, text, None, time_ms)
    }

    /// The server acknowledged the own message `id` (an acknowledgement by id: Socket.IO's ack,
    /// IRC's labeled response, a STOMP receipt, an MQTT PUBACK): it is delivered, and what was
    /// sent before it on this connection arrived too. An ack for a message back in the outbox
    /// after a drop (a resumed XMPP stream tells what it got) keeps it from going out twice.
    /// Unknown ids are ignored.
    pub fn confirm_by_id(&mut self, id: u64) {
        let pos = self.awaiting_echo.iter().position(|m| m.id == id);
        let item = match pos.and_then(|pos| self.confirm_in_order(pos)) {
            Some(item) => item,
            None => {
                let Some(item) = self.outbox.iter().position(|m| m.id == id).and_then(|at| self.outbox.remove(at))
                else {
                    return;
                };
                self.confirm(id);
                item
            }
        };
        if self.acked_before_echo.len() == ACKED_KEPT {
            self.acked_before_echo.pop_front();
        }
        self.acked_before_echo.push_back(item);
    }

    /// The server refused the own message `id` for good (a negative acknowledgement): it fails,
    /// for the person to retry or drop, and `why` is said here. Returns whether it was here.
    pub fn refuse_by_id(&mut self, id: u64, why: &str, time_ms: f64) -> bool {
        let Some(item) =
            self.awaiting_echo.iter().position(|m| m.id == id).and_then(|at| self.awaiting_echo.remove(at))
        else {
            return false;
        };
        self.unsent_revision += 1;
        self.set_status(id, OwnStatus::Failed);
        self.failed.push(item);
        self.push_system(why, time_ms);
        true
    }

    /// Confirms the awaiting message at `pos` and returns it. One connection delivers in order:
    /// what was sent before it reached the server too, though its echo did not match (a server
    /// that trims or rewrites): those stay "sent" and are never sent again.
    fn confirm_in_order(&mut self, pos: usize) -> Option<OutboxItem> {
        self.echoed_so_far = 0;
        for earlier in self.awaiting_echo.drain(..pos).collect::<Vec<_>>() {
            self.set_status(earlier.id, OwnStatus::Sent);
        }
        let item = self.awaiting_echo.pop_front()?;
        self.confirm(item.id);
        Some(item)
    }

    pub(super) fn confirm(&mut self, id: u64) {
        // Whatever came back unmatched before this answered messages before this one.
        self.unmatched_own = 0;
        self.confirms = true;
        self.unsent_revision += 1;
        self.set_status(id, OwnStatus::Delivered);
    }

    /// The next piece of the oldest awaiting message, when it went out in pieces: it makes no
    /// entry of its own, and the last piece confirms the message. Line breaks between pieces
    /// (and the blank lines no piece carries) are skipped.
    pub(super) fn echo_piece(&mut self, nick: &str, from_us_now: bool, piece: &str) -> Option<u64> {
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
}

#[cfg(test)]
mod tests;
