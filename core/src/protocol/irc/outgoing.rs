//! What the client says to an IRC server: messages as PRIVMSG lines cut to fit, joins, parts and
//! nick changes, each line framed as the connection's subprotocol wants.

use super::{split_utf8, IrcState, RELAY_OVERHEAD};
use crate::protocol::{OutFrame, Target, TargetKind};

impl IrcState {
    /// A message to a conversation: one PRIVMSG per line, each split to fit IRC's 512-byte limit
    /// on UTF-8 character boundaries. `/me text` becomes a CTCP ACTION.
    ///
    /// CR ends a line as LF does: servers split on either, so a CR kept inside a PRIVMSG would
    /// start a command of the text's choosing. NUL and the CTCP delimiter (0x01) cannot be
    /// carried as text (one ends the line for some servers, the other makes the message a CTCP
    /// query every client in the channel answers) and are left out.
    pub fn encode_message(&self, to: &str, text: &str) -> Vec<OutFrame> {
        self.message_lines(to, text).iter().map(|l| self.out(l)).collect()
    }

    /// The own message `id`: with `labeled-response`, its last line carries `@label=<id>`, and
    /// the server's answer to it (an ACK, or the echo) confirms the whole message (one
    /// connection delivers in order, so the pieces before it arrived too).
    pub fn encode_labeled(&self, to: &str, text: &str, id: u64) -> Vec<OutFrame> {
        let mut lines = self.message_lines(to, text);
        if self.has_cap("labeled-response") {
            if let Some(last) = lines.last_mut() {
                *last = format!("@label={id} {last}");
            }
        }
        lines.iter().map(|l| self.out(l)).collect()
    }

    fn message_lines(&self, to: &str, text: &str) -> Vec<String> {
        let (action, text) = match text.strip_prefix("/me ") {
            Some(action) => (true, action),
            None => (false, text),
        };
        let command = format!("PRIVMSG {to} :");
        let wrap = if action { "\u{1}ACTION \u{1}".len() } else { 0 };
        let room = RELAY_OVERHEAD.saturating_sub(command.len() + wrap);
        let mut out = Vec::new();
        // A blank line would be an empty PRIVMSG, which servers refuse (412).
        let lines = text.split(['\n', '\r']).map(|l| l.replace(['\0', '\u{1}'], "")).filter(|l| !l.is_empty());
        for line in lines {
            for piece in split_utf8(&line, room) {
                let body = if action { format!("\u{1}ACTION {piece}\u{1}") } else { piece.to_string() };
                out.push(format!("{command}{body}"));
            }
        }
        out
    }

    /// `/join #channel`: one more channel, joined again on every new connection.
    pub fn join(&mut self, channel: &str) -> Vec<OutFrame> {
        if !self.channels.iter().any(|c| self.name_case.same(c, channel)) {
            self.channels.push(channel.to_string());
        }
        vec![self.out(&format!("JOIN {channel}"))]
    }

    /// `/part`: leaves a channel; a private chat has nothing to tell the server.
    pub fn part(&mut self, target: &Target) -> Vec<OutFrame> {
        if target.kind != TargetKind::Channel {
            return Vec::new();
        }
        self.channels.retain(|c| !self.name_case.same(c, &target.name));
        vec![self.out(&format!("PART {}", target.name))]
    }

    /// `/nick new`.
    pub fn change_nick(&mut self, nick: &str) -> Vec<OutFrame> {
        self.wanted_nick = nick.to_string();
        vec![self.out(&format!("NICK {nick}"))]
    }

    /// A line as a frame: text for `text.ircv3.net`, bytes for `binary.ircv3.net`, without
    /// CRLF as IRCv3 says; with CRLF when no subprotocol was negotiated (legacy gateways).
    pub(super) fn out(&self, line: &str) -> OutFrame {
        let line = if self.legacy_framing { format!("{line}\r\n") } else { line.to_string() };
        if self.binary {
            OutFrame::Binary(line.into_bytes())
        } else {
            OutFrame::Text(line)
        }
    }
}
