//! The plain-text format of the simplest broadcast servers: one message per frame, `nick: text`.

use super::{describe_binary, Action, ChatEvent, Decoded, Frame, OutFrame, ServerModel, Spec, WireFormat};

pub(super) const SPEC: Spec = Spec {
    name: "text",
    aliases: &[],
    label: "Plain text (nick: text)",
    default_subprotocols: &[],
    offer: &[],
    identified_by: &[],
    reads: &[],
    many_conversations: false,
    default_channel: "",
    channels: super::no_channels,
    sniff: |_| true,
    finds_format: false,
    socket_url: super::same_url,
    check: super::nothing_to_check,
};

/// This format for a connection (loaded when first needed: see [`super::ProtocolKind::load`]).
pub(super) fn make(_settings: &super::FormatSettings) -> Box<dyn super::WireFormat> {
    Box::new(TextFormat)
}

/// Longest nick recognised in front of `: ` (in characters); longer prefixes are part of the text.
pub const MAX_NICK_CHARS: usize = 32;

/// The plain-text wire format. Stateless: any frame is ready to send at any time.
#[derive(Clone, Copy, Debug, Default)]
pub struct TextFormat;

impl TextFormat {
    /// One incoming frame: a text frame is one message, or several when a server batches
    /// them one per line (gorilla/websocket's chat does); a binary frame is a raw entry.
    ///
    /// Lines are split only when they agree: all start with a nick, or none does. A message
    /// with a nick on its first line only is one multi-line message. A line ending closing the
    /// frame (servers that write lines) is not part of the message; an empty frame is none.
    pub fn decode(&self, frame: Frame<'_>) -> Vec<ChatEvent> {
        match frame {
            Frame::Text(text) => {
                let text = text.strip_suffix('\n').map_or(text, |t| t.strip_suffix('\r').unwrap_or(t));
                if text.is_empty() {
                    return Vec::new();
                }
                let lines: Vec<&str> = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).collect();
                let with_nick = lines.iter().filter(|l| split_nick(l).is_some()).count();
                let batched = lines.len() > 1 && (with_nick == lines.len() || with_nick == 0);
                if batched {
                    lines.into_iter().filter(|l| !l.is_empty()).map(one_message).collect()
                } else {
                    vec![one_message(text)]
                }
            }
            Frame::Binary(bytes) => vec![ChatEvent::raw(None, describe_binary(bytes))],
        }
    }

    /// One outgoing message as a single `nick: text` frame.
    pub fn encode_message(&self, nick: &str, text: &str) -> OutFrame {
        OutFrame::Text(format!("{nick}: {text}"))
    }
}

/// No handshake and no options: ready from the start, and quiet about it (a plain text room
/// has nothing to get ready).
impl WireFormat for TextFormat {
    fn on_open(&mut self, _subprotocol: &str, _now_ms: f64) -> Decoded {
        Decoded::default()
    }

    fn on_frame(&mut self, frame: Frame<'_>, _now_ms: f64) -> Decoded {
        Decoded::events(self.decode(frame))
    }

    fn encode(&mut self, action: Action<'_>) -> Option<Decoded> {
        match action {
            Action::Message { nick, text, .. } => Some(Decoded::replies(vec![self.encode_message(nick, text)])),
            _ => None,
        }
    }
}

/// A broadcast server: every frame goes to the room as it came.
pub(super) const SERVER_MODEL: ServerModel = ServerModel::BROADCAST;

fn one_message(text: &str) -> ChatEvent {
    match split_nick(text) {
        Some((nick, body)) => {
            ChatEvent::Message { nick: Some(nick.to_string()), text: body.to_string(), time_ms: None, msgid: None }
        }
        None => ChatEvent::Message { nick: None, text: text.to_string(), time_ms: None, msgid: None },
    }
}

/// `Some((nick, text))` when the frame starts with a plausible nick followed by `": "`.
///
/// A nick has no whitespace and no colon, so `"see: http://x"` is still split but
/// `"at 10:30 we meet"` is not.
pub fn split_nick(frame: &str) -> Option<(&str, &str)> {
    let (nick, text) = frame.split_once(": ")?;
    let plausible = !nick.is_empty()
        && nick.chars().count() <= MAX_NICK_CHARS
        && !nick.chars().any(|c| c.is_whitespace() || c.is_control() || c == ':');
    plausible.then_some((nick, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(nick: Option<&str>, text: &str) -> Vec<ChatEvent> {
        vec![ChatEvent::Message { nick: nick.map(str::to_string), text: text.to_string(), time_ms: None, msgid: None }]
    }

    #[test]
    fn splits_nick_and_text() {
        let f = TextFormat;
        assert_eq!(f.decode(Frame::Text("alice: hi there")), msg(Some("alice"), "hi there"));
        assert_eq!(f.decode(Frame::Text("bob: a: b")), msg(Some("bob"), "a: b"));
        assert_eq!(f.decode(Frame::Text("bob: ")), msg(Some("bob"), ""));
        assert_eq!(f.decode(Frame::Text("émile: ça va")), msg(Some("émile"), "ça va"));
    }

    #[test]
    fn keeps_text_without_a_nick_whole() {
        let f = TextFormat;
        assert_eq!(f.decode(Frame::Text("hello")), msg(None, "hello"));
        assert_eq!(f.decode(Frame::Text("at 10:30 we meet")), msg(None, "at 10:30 we meet"));
        assert_eq!(f.decode(Frame::Text("two words: text")), msg(None, "two words: text"));
        assert_eq!(f.decode(Frame::Text(": empty nick")), msg(None, ": empty nick"));
        assert_eq!(f.decode(Frame::Text("nick:no space")), msg(None, "nick:no space"));
        let long = format!("{}: x", "n".repeat(MAX_NICK_CHARS + 1));
        assert_eq!(f.decode(Frame::Text(&long)), msg(None, &long));
    }

    #[test]
    fn batched_lines_are_several_messages() {
        let f = TextFormat;
        assert_eq!(f.decode(Frame::Text("one\ntwo")), [msg(None, "one"), msg(None, "two")].concat());
        assert_eq!(f.decode(Frame::Text("a: 1\nb: 2")), [msg(Some("a"), "1"), msg(Some("b"), "2")].concat());
        // One person's multi-line message stays one message.
        assert_eq!(f.decode(Frame::Text("a: line one\nline two")), msg(Some("a"), "line one\nline two"));
        // Line endings of servers that write lines are not part of the messages.
        assert_eq!(f.decode(Frame::Text("a: hi\n")), msg(Some("a"), "hi"));
        assert_eq!(f.decode(Frame::Text("a: 1\r\nb: 2\r\n")), [msg(Some("a"), "1"), msg(Some("b"), "2")].concat());
        assert_eq!(f.decode(Frame::Text("one\n\ntwo")), [msg(None, "one"), msg(None, "two")].concat());
        assert_eq!(f.decode(Frame::Text("")), vec![], "an empty frame is no message");
        assert_eq!(f.decode(Frame::Text("  spaced  ")), msg(None, "  spaced  "), "the text itself is kept exactly");
    }

    #[test]
    fn binary_frames_are_raw() {
        assert_eq!(
            TextFormat.decode(Frame::Binary(b"Hello")),
            vec![ChatEvent::raw(None, "binary frame, 5 bytes: 48 65 6c 6c 6f  |Hello|")]
        );
    }

    #[test]
    fn encodes_nick_colon_text() {
        assert_eq!(TextFormat.encode_message("me", "hi\nthere"), OutFrame::Text("me: hi\nthere".into()));
    }

    #[test]
    fn round_trips() {
        let f = TextFormat;
        let OutFrame::Text(frame) = f.encode_message("zoë", "x: y") else { unreachable!() };
        assert_eq!(f.decode(Frame::Text(&frame)), msg(Some("zoë"), "x: y"));
    }
}
