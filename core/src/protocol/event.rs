//! What a format tells the session: the events of a connection's conversations, and the
//! conversations they name.

use crate::present::one_decimal;

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

    /// The same conversation: protocols that name them compare names without case (IRC).
    pub fn same_as(&self, other: &Target) -> bool {
        self.kind == other.kind && self.name.eq_ignore_ascii_case(&other.name)
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
