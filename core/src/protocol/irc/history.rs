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
    /// With `labeled-response` the ask carries a label, and only the batch of that label is its
    /// answer; without, a conversation that holds no line (`empty`) is not asked: a replay on
    /// join would pass for the answer.
    pub(super) fn ask_earlier(&mut self, to: &Target, before_ms: f64, limit: u32, empty: bool) -> Option<Vec<OutFrame>> {
        let offered = self.has_cap("draft/chathistory") || self.has_cap("chathistory");
        let in_it = to.kind != TargetKind::Channel || self.joined.iter().any(|c| self.name_case.same(c, &to.name));
        let labeled = self.has_cap("labeled-response") && self.has_cap("batch");
        if !offered || !self.registered || !in_it || to.kind == TargetKind::Server || to.name.contains([' ', '\r', '\n']) {
            return None;
        }
        if empty && !labeled {
            return None;
        }
        if self.earlier_asked.len() == MOST_AWAITED {
            self.earlier_asked.remove(0);
        }
        // Not a number: numeric labels are own messages' ids.
        self.earlier_labels += 1;
        let label = labeled.then(|| format!("h{}", self.earlier_labels));
        let tag = label.as_ref().map(|l| format!("@label={l} ")).unwrap_or_default();
        self.earlier_asked.push((to.clone(), label, empty));
        let limit = limit.clamp(1, MOST_ASKED);
        // Nothing held: the newest, by the server's clock, not this computer's.
        let ask = if empty {
            format!("{tag}CHATHISTORY LATEST {} * {limit}", to.name)
        } else {
            format!("{tag}CHATHISTORY BEFORE {} timestamp={} {limit}", to.name, format_iso8601(before_ms))
        };
        Some(vec![self.out(&ask)])
    }

    /// The label a batch's start carries, its own or its enclosing `labeled-response` batch's.
    pub(super) fn label_of(&self, line: &Line) -> Option<String> {
        let enclosing = line.tag("batch").and_then(|b| self.labeled_batches.iter().find(|(r, _)| r == b));
        line.tag("label").map(str::to_string).or_else(|| enclosing.map(|(_, label)| label.clone()))
    }

    /// A `labeled-response` batch opens: remembered while open if it answers an ask for earlier
    /// lines (its label is one of theirs).
    pub(super) fn open_labeled_batch(&mut self, reference: &str, label: Option<&str>) {
        let Some(label) = label.filter(|l| self.earlier_asked.iter().any(|(_, asked, _)| asked.as_deref() == Some(*l))) else {
            return;
        };
        if self.labeled_batches.len() == MOST_AWAITED {
            self.labeled_batches.remove(0);
        }
        self.labeled_batches.push((reference.to_string(), label.to_string()));
    }

    /// A `chathistory` batch about `target` opens: the answer to an ask for earlier lines when
    /// it names a conversation asked about, with the ask's label where it carried one (its lines
    /// are then gathered, not shown as replays). A server that leaves the label off its answer
    /// is still answering an ask of a conversation that held lines (its join's replay came
    /// before them); only an empty conversation's ask needs the label.
    pub(super) fn open_history_batch(&mut self, reference: &str, target: &str, label: Option<String>) {
        let name_case = self.name_case;
        let answers = |asked: &Option<String>, empty: bool| asked.is_none() || *asked == label || (label.is_none() && !empty);
        let Some(at) =
            self.earlier_asked.iter().position(|(t, asked, empty)| name_case.same(&t.name, target) && answers(asked, *empty))
        else {
            return;
        };
        let (to, ..) = self.earlier_asked.remove(at);
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
