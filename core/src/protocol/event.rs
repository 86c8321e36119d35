//! What a format tells the session: the events of a connection's conversations, and the
//! conversations they name.

use crate::present::one_decimal;

/// One line of a server's history, from before what a conversation shows.
#[derive(Clone, Debug, PartialEq)]
pub struct PastLine {
    pub nick: String,
    pub text: String,
    pub time_ms: f64,
    pub msgid: Option<String>,
}

/// What a frame means to the conversation.
#[derive(Clone, Debug, PartialEq)]
pub enum ChatEvent {
    /// A chat message; `nick` is `None` when the server did not say who wrote it, `time_ms`
    /// when it said when it was written, `msgid` the server's id for it (IRC's `msgid` tag, an
    /// XMPP room's stanza-id), by which a later replay of it is known.
    Message {
        nick: Option<String>,
        text: String,
        time_ms: Option<f64>,
        msgid: Option<String>,
    },
    /// A notice from the server or about the connection.
    System(String),
    /// A line for the timeline the server stamped (an IRC NOTICE or topic with `server-time`).
    Notice {
        text: String,
        time_ms: Option<f64>,
    },
    /// A frame that is not a chat message (binary, unparsed data): `text` is the frame as it came
    /// (binary described for people), `note` what it is when that is not plain to see.
    Raw {
        note: Option<&'static str>,
        text: String,
    },
    /// A message the server replays from before (IRC's `chathistory` batch): shown unless the
    /// log holds it already (the same `msgid`, or the same nick and text within a second).
    History {
        nick: String,
        text: String,
        time_ms: Option<f64>,
        msgid: Option<String>,
    },
    /// Lines from before what the conversation shows, which the client asked the server for
    /// ([`crate::protocol::Action::Earlier`]; IRC's `CHATHISTORY BEFORE`), oldest first: they go
    /// above the oldest kept, as the store's do.
    Earlier(Vec<PastLine>),
    /// Someone arrived; `text` says so for the timeline; `time_ms` when the server said when.
    Joined {
        nick: String,
        text: String,
        time_ms: Option<f64>,
    },
    /// Someone left; `text` says how.
    Left {
        nick: String,
        text: String,
        time_ms: Option<f64>,
    },
    Renamed {
        from: String,
        to: String,
        time_ms: Option<f64>,
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
    /// The server ended this login for good (credentials refused, the account taken over by
    /// another login): an error for the person that stays, and no reconnect until they connect
    /// again themselves; retrying would lock the account or fight the other login.
    LoginEnded(String),
    /// The server acknowledged our message `id` (the id of [`Action::Message`]): delivered.
    Delivered(u64),
    /// The server refused our message `id` for good (a broker's negative acknowledgement): it
    /// fails, to be retried or dropped by the person; `why` is a sentence for them.
    Undelivered {
        id: u64,
        why: String,
    },
    /// The link is dead by the format's own measure (no heartbeat, no answer to a probe); the
    /// sentence says why. The session drops the link and connects again.
    LinkDead(String),
    /// An event for one conversation of a connection that carries many (an IRC channel, a
    /// private chat). Events outside one go to the connection's first conversation, except a
    /// [`ChatEvent::Left`] or [`ChatEvent::Renamed`], which go where that person was.
    In {
        to: Target,
        event: Box<ChatEvent>,
    },
    /// We are in the conversation now (joined): its messages may go out.
    Entered,
    /// We are no longer in the conversation (parted, kicked); the sentence says how.
    Gone(String),
    /// The conversation's topic, as set now or told on joining.
    Topic {
        text: String,
        time_ms: Option<f64>,
    },
    /// Someone's standing in the conversation changed (IRC's `@` operator, `+` voice).
    UserMode {
        nick: String,
        prefix: char,
        on: bool,
    },
    /// The server turned out to speak this format (`auto` found it).
    FormatFound(super::ProtocolKind),
}

/// What a conversation is, as the UI contract names it (`data-kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TargetKind {
    /// The server itself: notices, the message of the day, numerics, connection events.
    Server,
    /// A channel, room, topic or destination, shared with others.
    Channel,
    /// A conversation with one person.
    Private,
}

impl TargetKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::Server => "server",
            TargetKind::Channel => "channel",
            TargetKind::Private => "private",
        }
    }
}

/// How a protocol compares the names of conversations: two names that differ only where it
/// does not look are one conversation, and any other difference is two.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum NameCase {
    /// Byte for byte: MQTT topics, STOMP destinations.
    #[default]
    Exact,
    /// ASCII letters without case (IRC's `CASEMAPPING=ascii`).
    Ascii,
    /// IRC's default (`rfc1459`): ASCII, and `[]\^` the capitals of `{}|~`.
    Rfc1459,
    /// IRC's `strict-rfc1459`: as `rfc1459` without `^` and `~`.
    StrictRfc1459,
    /// XMPP: the bare JID (local part and domain) without ASCII case, the resource (after `/`)
    /// byte for byte.
    Jid,
}

impl NameCase {
    pub fn same(self, a: &str, b: &str) -> bool {
        let fold = |c: u8| match (self, c) {
            (NameCase::Rfc1459, b'[' | b']' | b'\\' | b'^') => c + 32,
            (NameCase::StrictRfc1459, b'[' | b']' | b'\\') => c + 32,
            _ => c.to_ascii_lowercase(),
        };
        match self {
            NameCase::Exact => a == b,
            NameCase::Ascii => a.eq_ignore_ascii_case(b),
            NameCase::Rfc1459 | NameCase::StrictRfc1459 => {
                a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| fold(x) == fold(y))
            }
            NameCase::Jid => {
                let (a_bare, a_resource) = a.split_once('/').map_or((a, None), |(b, r)| (b, Some(r)));
                let (b_bare, b_resource) = b.split_once('/').map_or((b, None), |(b, r)| (b, Some(r)));
                a_bare.eq_ignore_ascii_case(b_bare) && a_resource == b_resource
            }
        }
    }

    /// IRC's `CASEMAPPING` token (RPL_ISUPPORT); an unknown one is taken as `rfc1459`, IRC's
    /// default, and anything Unicode-aware as ASCII, which it extends.
    pub fn from_casemapping(token: &str) -> NameCase {
        match token {
            "ascii" | "rfc7613" | "rfc8265" => NameCase::Ascii,
            "strict-rfc1459" => NameCase::StrictRfc1459,
            _ => NameCase::Rfc1459,
        }
    }
}

/// A conversation as the protocol names it: `#chat`, `bob`, `/topic/chat`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Target {
    pub kind: TargetKind,
    pub name: String,
}

impl Target {
    pub fn channel(name: impl Into<String>) -> Self {
        Target { kind: TargetKind::Channel, name: name.into() }
    }

    pub fn private(name: impl Into<String>) -> Self {
        Target { kind: TargetKind::Private, name: name.into() }
    }

    /// The same conversation, names compared as the protocol compares them.
    pub fn same_as(&self, other: &Target, case: NameCase) -> bool {
        self.kind == other.kind && case.same(&self.name, &other.name)
    }

    /// `event`, for this conversation.
    pub fn event(&self, event: ChatEvent) -> ChatEvent {
        ChatEvent::In { to: self.clone(), event: Box::new(event) }
    }
}

/// What the timeline says when a format is done with its handshake.
pub const READY_TO_CHAT: &str = "Ready to chat.";

impl ChatEvent {
    /// A raw entry for a frame that is not a chat message.
    pub fn raw(note: Option<&'static str>, text: impl Into<String>) -> Self {
        ChatEvent::Raw { note, text: text.into() }
    }

    /// The format is ready for the outbox after a handshake (registration, join).
    pub fn ready() -> Self {
        ChatEvent::System(READY_TO_CHAT.into())
    }

    /// The event itself, whichever conversation it is for.
    pub fn without_target(self) -> ChatEvent {
        match self {
            ChatEvent::In { event, .. } => event.without_target(),
            event => event,
        }
    }

    /// A link that carried nothing for `quiet_ms` is dead.
    pub fn silent_for(quiet_ms: f64) -> Self {
        ChatEvent::LinkDead(silence(quiet_ms))
    }
}

/// Why a link that carried nothing for `quiet_ms` is taken for dead, whoever measured it.
pub fn silence(quiet_ms: f64) -> String {
    format!("Nothing received for {} s: the link looks dead", one_decimal(quiet_ms / 1000.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_compare_as_their_protocol_compares_them() {
        assert!(!NameCase::Exact.same("chat/Lobby", "chat/lobby"), "MQTT topics and STOMP destinations");
        assert!(NameCase::Ascii.same("#Rust", "#rust") && !NameCase::Ascii.same("#a[", "#a{"));
        assert!(NameCase::Rfc1459.same("#A[b]\\^", "#a{B}|~"));
        assert!(NameCase::StrictRfc1459.same("#a[]\\", "#A{}|") && !NameCase::StrictRfc1459.same("#~", "#^"));
        assert!(!NameCase::Rfc1459.same("#é", "#É"), "beyond ASCII, IRC's mappings fold nothing");
        assert!(NameCase::Jid.same("Room@Conf.example/alice", "room@conf.example/alice"));
        assert!(!NameCase::Jid.same("room@conf.example/alice", "room@conf.example/ALICE"), "resources are exact");
        assert!(!NameCase::Jid.same("room@conf.example", "room@conf.example/"));
        let topic = |name: &str| Target::channel(name);
        assert!(!topic("chat/a").same_as(&topic("chat/A"), NameCase::Exact));
        assert!(!topic("x").same_as(&Target::private("x"), NameCase::Ascii), "kinds differ");
        assert_eq!(NameCase::from_casemapping("ascii"), NameCase::Ascii);
        assert_eq!(NameCase::from_casemapping("strict-rfc1459"), NameCase::StrictRfc1459);
        assert_eq!(NameCase::from_casemapping("rfc1459"), NameCase::Rfc1459);
        assert_eq!(NameCase::from_casemapping("something-new"), NameCase::Rfc1459);
    }
}
