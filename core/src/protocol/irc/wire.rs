//! IRC behind the wire-format contract: frames in, events and replies out, its own timer for
//! silence, and which spans of a frame hold a secret.

use super::{line, IrcState, DEAD_AFTER_MS, PROBE_AFTER_MS};
use crate::protocol::{say_ready, Action, ChatEvent, Decoded, Frame, NameCase, OutFrame, TargetKind, WireFormat, TIMER_SLACK_MS};

impl WireFormat for IrcState {
    fn name_case(&self) -> NameCase {
        self.name_case
    }

    /// SASL's payloads (base64 of the account and password; the mechanism's name and the
    /// empty `+` are shown) and passwords sent to services (`PRIVMSG NickServ :IDENTIFY x`).
    fn secret_spans(&self, frame: &OutFrame) -> Vec<std::ops::Range<usize>> {
        let mut spans = crate::protocol::secret_lines(frame, "AUTHENTICATE ", |value| matches!(value, b"+" | b"*" | b"PLAIN"));
        let bytes = match frame {
            OutFrame::Text(text) => text.as_bytes(),
            OutFrame::Binary(bytes) => bytes,
        };
        spans.extend(line::service_password_spans(bytes));
        spans
    }

    /// The echo of a password sent to a service (echo-message).
    fn received_secret_spans(&self, frame: Frame<'_>) -> Vec<std::ops::Range<usize>> {
        match frame {
            Frame::Text(text) => line::service_password_spans(text.as_bytes()),
            Frame::Binary(bytes) => line::service_password_spans(bytes),
        }
    }

    fn on_open(&mut self, subprotocol: &str, now_ms: f64) -> Decoded {
        let replies = self.open(subprotocol);
        self.last_heard_ms = now_ms;
        Decoded { replies, wake_in_ms: Some(PROBE_AFTER_MS), ..Decoded::default() }
    }

    /// Binary frames (`binary.ircv3.net`) carry the same lines as bytes.
    fn on_frame(&mut self, frame: Frame<'_>, now_ms: f64) -> Decoded {
        self.last_heard_ms = now_ms;
        let was_ready = self.is_ready();
        let (mut events, replies) = match frame {
            Frame::Text(text) => self.decode(text),
            Frame::Binary(bytes) => self.decode(&String::from_utf8_lossy(bytes)),
        };
        say_ready(was_ready, self.is_ready(), &mut events);
        Decoded { events, replies, wake_in_ms: None }
    }

    /// Silence: a PING halfway to the deadline (once registered), a dead link at it.
    fn on_wake(&mut self, now_ms: f64) -> Decoded {
        let quiet = now_ms - self.last_heard_ms;
        if quiet + TIMER_SLACK_MS >= DEAD_AFTER_MS {
            return Decoded::events(vec![ChatEvent::silent_for(quiet)]);
        }
        if quiet + TIMER_SLACK_MS >= PROBE_AFTER_MS {
            let replies = if self.registered { vec![self.ping()] } else { Vec::new() };
            return Decoded { replies, wake_in_ms: Some(DEAD_AFTER_MS - quiet), ..Decoded::default() };
        }
        Decoded { wake_in_ms: Some(PROBE_AFTER_MS - quiet), ..Decoded::default() }
    }

    fn encode(&mut self, action: Action<'_>) -> Option<Decoded> {
        let replies = match action {
            // The server's own conversation takes no messages: they would go nowhere.
            Action::Message { to, .. } if to.kind == TargetKind::Server => return None,
            Action::Message { to, text, id, .. } => self.encode_labeled(&to.name, text, id),
            Action::Join(channel) => self.join(channel),
            Action::Part(target) => self.part(target),
            Action::SetTopic(target, _) if target.kind != TargetKind::Channel => return None,
            Action::SetTopic(target, topic) => {
                let topic = topic.replace(['\r', '\n', '\0'], " ");
                vec![self.out(&format!("TOPIC {} :{topic}", target.name))]
            }
            Action::Nick(nick) => self.change_nick(nick),
            Action::Earlier { to, before_ms, limit, empty } => self.ask_earlier(to, before_ms, limit, empty)?,
        };
        Some(Decoded::replies(replies))
    }

    /// Registered: private messages may go; a channel's wait for [`ChatEvent::Entered`].
    fn is_ready(&self) -> bool {
        self.registered
    }

    fn probe(&self) -> Vec<OutFrame> {
        if self.registered {
            vec![self.ping()]
        } else {
            Vec::new()
        }
    }
}
