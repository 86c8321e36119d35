//! Wire formats: frames from the socket become [`ChatEvent`]s, chat actions become [`OutFrame`]s.
//!
//! Each format is plain Rust with no browser types, so it is tested and fuzzed natively.

mod binary;
pub mod irc;
pub mod json;
pub mod socketio;
mod text;
mod time;

pub use binary::{describe_binary, hex_preview};
pub use text::{split_nick, TextFormat};
pub use time::parse_iso8601;

use std::fmt;

/// A frame as it came off the socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Frame<'a> {
    Text(&'a str),
    Binary(&'a [u8]),
}

/// A frame to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OutFrame {
    Text(String),
    Binary(Vec<u8>),
}

/// What a frame means to the conversation.
#[derive(Clone, Debug, PartialEq)]
pub enum ChatEvent {
    /// A chat message; `nick` is `None` when the server did not say who wrote it, `time_ms`
    /// when it said when it was written.
    Message {
        nick: Option<String>,
        text: String,
        time_ms: Option<f64>,
    },
    /// A notice from the server or about the connection.
    System(String),
    /// A frame that is not a chat message (binary, unparsed data): `text` is the frame as it came
    /// (binary described for people), `note` what it is when that is not plain to see.
    Raw {
        note: Option<&'static str>,
        text: String,
    },
    /// A message sent to this person alone (IRC), not to the room.
    Private {
        nick: String,
        text: String,
        time_ms: Option<f64>,
    },
    /// Someone arrived; `text` says so for the timeline.
    Joined {
        nick: String,
        text: String,
    },
    /// Someone left; `text` says how.
    Left {
        nick: String,
        text: String,
    },
    Renamed {
        from: String,
        to: String,
    },
    /// The full list of who is present, replacing what was known.
    Users(Vec<String>),
    /// Our nick changed, as the person asked (`/nick`): it is theirs from now on.
    OwnNick(String),
    /// The server registered us under another nick than the person's (theirs was taken or not
    /// allowed): ours for this connection only.
    AssignedNick(String),
    /// The server refused something the conversation needs (a Socket.IO connection, joining
    /// the channel): an error for the person, not just a line in the timeline.
    Refused(String),
}

impl ChatEvent {
    /// A raw entry for a frame that is not a chat message.
    pub fn raw(note: Option<&'static str>, text: impl Into<String>) -> Self {
        ChatEvent::Raw { note, text: text.into() }
    }
}

/// The wire formats the client knows by name (the `protocol` query parameter).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ProtocolKind {
    #[default]
    Text,
    Json,
    Irc,
    SocketIo,
}

impl ProtocolKind {
    pub const ALL: [ProtocolKind; 4] =
        [ProtocolKind::Text, ProtocolKind::Json, ProtocolKind::Irc, ProtocolKind::SocketIo];

    /// The name used in the `protocol` query parameter and the protocol menu.
    pub fn as_str(self) -> &'static str {
        match self {
            ProtocolKind::Text => "text",
            ProtocolKind::Json => "json",
            ProtocolKind::Irc => "irc",
            ProtocolKind::SocketIo => "socketio",
        }
    }

    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            ProtocolKind::Text => "Plain text (nick: text)",
            ProtocolKind::Json => "JSON",
            ProtocolKind::Irc => "IRC over WebSocket",
            ProtocolKind::SocketIo => "Socket.IO",
        }
    }

    /// Subprotocols offered when the person gave none.
    pub fn default_subprotocols(self) -> &'static [&'static str] {
        match self {
            ProtocolKind::Irc => &["text.ircv3.net"],
            _ => &[],
        }
    }
}

impl fmt::Display for ProtocolKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What decoding one frame produced.
#[derive(Debug, Default)]
pub struct Decoded {
    pub events: Vec<ChatEvent>,
    /// Frames the protocol answers with at once (PONG, Engine.IO pong, registration steps).
    pub replies: Vec<OutFrame>,
    /// Socket.IO: call [`Wire::grace_over`] after [`socketio::SHAPE_GRACE_MS`].
    pub start_grace: bool,
}

/// The wire format of one connection, with whatever state it needs.
#[derive(Clone, Debug)]
pub enum Wire {
    Text,
    Json { template: json::Template },
    Irc(irc::IrcState),
    SocketIo(socketio::SocketIoState),
}

impl Wire {
    /// The format for `kind`, for a person called `nick`; `channel` is IRC's, `json_template`
    /// the outgoing shape of JSON messages.
    pub fn new(kind: ProtocolKind, nick: &str, channel: &str, json_template: &str) -> Wire {
        match kind {
            ProtocolKind::Text => Wire::Text,
            // Settings and the session check the template first; one that slipped through
            // sends the default shape rather than broken JSON.
            ProtocolKind::Json => Wire::Json { template: json::Template::parse(json_template).unwrap_or_default() },
            ProtocolKind::Irc => Wire::Irc(irc::IrcState::new(nick, channel)),
            ProtocolKind::SocketIo => Wire::SocketIo(socketio::SocketIoState::new(nick)),
        }
    }

    /// The URL to open for a server at `url` (Socket.IO needs its transport path).
    pub fn socket_url(kind: ProtocolKind, url: &str) -> String {
        match kind {
            ProtocolKind::SocketIo => socketio::socketio_url(url),
            _ => url.to_string(),
        }
    }

    /// What to send when the socket opens; `subprotocol` is what the server chose.
    pub fn on_open(&mut self, subprotocol: &str) -> Vec<OutFrame> {
        match self {
            Wire::Irc(irc) => irc.on_open(subprotocol),
            Wire::SocketIo(io) => {
                io.on_open();
                Vec::new()
            }
            Wire::Text | Wire::Json { .. } => Vec::new(),
        }
    }

    /// One frame from the server.
    pub fn decode(&mut self, frame: Frame<'_>) -> Decoded {
        let mut decoded = Decoded::default();
        match (self, frame) {
            (Wire::Text, frame) => decoded.events = TextFormat.decode(frame),
            (Wire::Json { .. }, Frame::Text(text)) => decoded.events = json::decode_json(text),
            (Wire::Irc(irc), Frame::Text(text)) => (decoded.events, decoded.replies) = irc.decode(text),
            // binary.ircv3.net carries the same lines as bytes.
            (Wire::Irc(irc), Frame::Binary(bytes)) => {
                (decoded.events, decoded.replies) = irc.decode(&String::from_utf8_lossy(bytes));
            }
            (Wire::SocketIo(io), Frame::Text(text)) => {
                (decoded.events, decoded.replies, decoded.start_grace) = io.decode(text);
            }
            (Wire::Json { .. } | Wire::SocketIo(_), Frame::Binary(bytes)) => {
                decoded.events = vec![ChatEvent::raw(None, describe_binary(bytes))];
            }
        }
        decoded
    }

    /// A message typed by `nick` as the frames to send; `id` is the message's, unique within
    /// the page (Socket.IO acknowledgements use it).
    pub fn encode_message(&self, nick: &str, text: &str, id: u64) -> Vec<OutFrame> {
        match self {
            Wire::Text => vec![TextFormat.encode_message(nick, text)],
            Wire::Json { template } => vec![json::encode_json(template, nick, text)],
            Wire::Irc(irc) => irc.encode_message(text),
            Wire::SocketIo(io) => vec![io.encode_message(nick, text, id)],
        }
    }

    /// Whether the outbox may be sent: after the handshake, registration or join.
    pub fn is_ready(&self) -> bool {
        match self {
            Wire::Irc(irc) => irc.is_ready(),
            Wire::SocketIo(io) => io.is_ready(),
            Wire::Text | Wire::Json { .. } => true,
        }
    }

    /// Whether the server sends our own messages back (so an echo confirms delivery).
    /// `None` when only watching tells.
    pub fn echoes(&self) -> Option<bool> {
        match self {
            Wire::Irc(irc) => Some(irc.echoes()),
            Wire::SocketIo(io) => Some(io.echoes()),
            Wire::Text | Wire::Json { .. } => None,
        }
    }

    /// Silence longer than this means the link is dead, where the protocol has heartbeats.
    pub fn heartbeat_deadline_ms(&self) -> Option<f64> {
        match self {
            Wire::SocketIo(io) => io.dead_after_ms(),
            Wire::Irc(_) => Some(irc::DEAD_AFTER_MS),
            Wire::Text | Wire::Json { .. } => None,
        }
    }

    /// What to send halfway to the deadline to make a live server answer (IRC PING); `None`
    /// where the server keeps the beat itself (Socket.IO) or there is no beat.
    pub fn heartbeat_probe(&self) -> Option<Vec<OutFrame>> {
        match self {
            Wire::Irc(irc) if irc.is_registered() => Some(vec![irc.ping()]),
            _ => None,
        }
    }

    /// Socket.IO: the wait for the chat example's `login` is over.
    pub fn grace_over(&mut self) {
        if let Wire::SocketIo(io) = self {
            io.shape_grace_over();
        }
    }

    /// IRC `/join`; `None` where the format has no channels.
    pub fn join(&mut self, channel: &str) -> Option<Vec<OutFrame>> {
        match self {
            Wire::Irc(irc) => Some(irc.join(channel)),
            _ => None,
        }
    }

    /// IRC `/nick`; `None` where the nick is only ours to change.
    pub fn change_nick(&mut self, nick: &str) -> Option<Vec<OutFrame>> {
        match self {
            Wire::Irc(irc) => Some(irc.change_nick(nick)),
            _ => None,
        }
    }
}

/// A `protocol` value that names no known format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownProtocol(pub String);

impl fmt::Display for UnknownProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Unknown wire format \"{}\"; choose one of text, json, irc, socketio.", self.0)
    }
}

impl std::error::Error for UnknownProtocol {}

impl std::str::FromStr for ProtocolKind {
    type Err = UnknownProtocol;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        ProtocolKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == wanted || (wanted == "socket.io" && *kind == ProtocolKind::SocketIo))
            .ok_or_else(|| UnknownProtocol(s.to_string()))
    }
}

/// Splits a comma-separated subprotocol list, dropping blanks and duplicates (the constructor
/// throws a SyntaxError on a repeated subprotocol).
pub fn parse_subprotocols(list: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        if !out.iter().any(|seen| seen == item) {
            out.push(item.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_names_round_trip() {
        for kind in ProtocolKind::ALL {
            assert_eq!(kind.as_str().parse::<ProtocolKind>(), Ok(kind));
        }
        assert_eq!(" JSON ".parse::<ProtocolKind>(), Ok(ProtocolKind::Json));
        assert_eq!("xml".parse::<ProtocolKind>(), Err(UnknownProtocol("xml".into())));
    }

    #[test]
    fn subprotocol_lists() {
        assert_eq!(parse_subprotocols(""), Vec::<String>::new());
        assert_eq!(parse_subprotocols(" chat , superchat,,chat "), vec!["chat", "superchat"]);
    }
}
