//! IRCv3 `CHATHISTORY`: lines from before what a conversation shows, asked for as a person
//! scrolls back past what the browser's store holds, and the batch that answers.

use super::{chat_text, IrcState, Line};
use crate::protocol::time::format_iso8601;
use crate::protocol::{ChatEvent, OutFrame, PastLine, Target, TargetKind};

/// Lines asked for at once at most (servers commonly allow 100: ISUPPORT `CHATHISTORY=100`).
const MOST_ASKED: u32 = 100;

/// Lines kept of one answer at most, and answers awaited at once: a server that sends more, or
/// never answers, cannot grow memory.
const MOST_KEPT: usize = 1_000;
const MOST_AWAITED: usize = 8;

impl IrcState {
    /// `CHATHISTORY BEFORE` for `to` where the server offers chathistory, once registered and,
    /// for a channel, once in it (its replay on join came first); `None` where it does not.
    pub(super) fn ask_earlier(&mut self, to: &Target, before_ms: f64, limit: u32) -> Option<Vec<OutFrame>> {
        let offered = self.has_cap("draft/chathistory") || self.has_cap("chathistory");
        let in_it = to.kind != TargetKind::Channel || self.joined.iter().any(|c| self.name_case.same(c, &to.name));
        if !offered || !self.registered || !in_it || to.kind == TargetKind::Server || to.name.contains([' ', '\r', '\n']) {
            return None;
        }
        if self.earlier_asked.len() == MOST_AWAITED {
            self.earlier_asked.remove(0);
        }
        self.earlier_asked.push(to.clone());
        let at = format_iso8601(before_ms);
        Some(vec![self.out(&format!("CHATHISTORY BEFORE {} timestamp={at} {}", to.name, limit.clamp(1, MOST_ASKED)))])
    }

    /// A `chathistory` batch about `target` opens: the answer to an ask for earlier lines when
    /// it names a conversation asked about (its lines are then gathered, not shown as replays).
    pub(super) fn open_history_batch(&mut self, reference: &str, target: &str) {
        let name_case = self.name_case;
        let Some(at) = self.earlier_asked.iter().position(|t| name_case.same(&t.name, target)) else { return };
        let to = self.earlier_asked.remove(at);
        if self.earlier.len() == MOST_AWAITED {
            self.earlier.remove(0);
        }
        self.earlier.push((reference.to_string(), to, Vec::new()));
    }

    /// A line of batch `reference`: gathered if it answers an ask for earlier lines (whether it
    /// was taken).
    pub(super) fn earlier_line(&mut self, reference: &str, line: &Line, time_ms: Option<f64>) -> bool {
        let Some((_, _, lines)) = self.earlier.iter_mut().find(|(r, _, _)| r == reference) else { return false };
        if line.command == "PRIVMSG" && lines.len() < MOST_KEPT {
            if let (Some(text), Some(time_ms)) = (chat_text(line.param(1)), time_ms) {
                let msgid = line.tag("msgid").map(str::to_string);
                lines.push(PastLine { nick: line.nick().to_string(), text, time_ms, msgid });
            }
        }
        true
    }

    /// Batch `reference` closed: an answer's lines as one event, for its conversation.
    pub(super) fn close_earlier(&mut self, reference: &str) -> Option<ChatEvent> {
        let at = self.earlier.iter().position(|(r, _, _)| r == reference)?;
        let (_, to, lines) = self.earlier.remove(at);
        Some(to.event(ChatEvent::Earlier(lines)))
    }
}
