//! Wire formats: frames from the socket become [`ChatEvent`]s, chat actions become [`OutFrame`]s.
//!
//! Each format is plain Rust with no browser types, so it is tested and fuzzed natively.

mod binary;
mod text;

pub use binary::{describe_binary, hex_preview};
pub use text::TextFormat;

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
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChatEvent {
    /// A chat message; `nick` is `None` when the server did not say who wrote it.
    Message { nick: Option<String>, text: String },
    /// A notice from the server or about the connection.
    System(String),
    /// A frame that is not a chat message (binary, unparsed data), already described for people.
    Raw(String),
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

    /// Whether this build can speak the format yet.
    pub fn is_supported(self) -> bool {
        matches!(self, ProtocolKind::Text)
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
