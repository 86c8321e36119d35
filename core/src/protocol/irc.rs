//! IRC over WebSocket (IRCv3 `text.ircv3.net` / `binary.ircv3.net`, InspIRCd's own
//! `text.inspircd.org` / `binary.inspircd.org`, or none): one line per frame.
//!
//! Registration with CAP LS 302 (asking for the IRCv3 capabilities in [`WANTED_CAPS`] when
//! offered, and for those a server offers later with `cap-notify`'s CAP NEW), NICK and USER, a
//! suffix on a taken nick, PING/PONG, JOIN of the channels asked for, PRIVMSG and CTCP ACTION
//! both ways, NOTICE, TOPIC, joins, parts, quits, nick changes, kicks, MODE and NAMES, each with
//! its `server-time`; a PING after two minutes of silence, and a dead link after four.
//!
//! Each channel and each person writing privately is a conversation ([`ChatEvent::In`]); what
//! the server says outside them (the MOTD, numerics) goes to the server's conversation.
//!
//! With `labeled-response`, an own message's last line carries `@label=<message id>` and the
//! server's answer (ACK, labeled echo, or a labeled batch) is [`ChatEvent::Delivered`]. Lines in
//! a batch are read as usual; a `chathistory` batch's messages are [`ChatEvent::History`], which
//! the log shows only when it holds no such message yet (the dedupe lives in the log because
//! this state is rebuilt on every open).

use super::{time::parse_iso8601, ChatEvent, FormatSettings, Frame, OutFrame, PastLine, ServerModel, Spec, Target};
pub use channels::{validate_channel, validate_channels, DEFAULT_CHANNEL};

mod caps;
mod channels;
mod history;
mod line;
mod outgoing;
mod register;
mod rooms;
mod sasl;
mod wire;

pub use line::{parse_line, split_utf8, Line};
use register::user_name;
pub use sasl::SaslLogin;
use sasl::SaslStep;

/// The subprotocols of IRCv3's WebSocket spec, in order of preference.
pub const TEXT_SUBPROTOCOL: &str = "text.ircv3.net";
pub const BINARY_SUBPROTOCOL: &str = "binary.ircv3.net";
/// InspIRCd's own names (its version 3 knows no others, and fails a client that offers only
/// IRCv3's). Lines travel as without a subprotocol: each ends in CRLF.
pub const INSPIRCD_TEXT_SUBPROTOCOL: &str = "text.inspircd.org";
pub const INSPIRCD_BINARY_SUBPROTOCOL: &str = "binary.inspircd.org";

pub(super) const SPEC: Spec = Spec {
    name: "irc",
    aliases: &[],
    label: "IRC over WebSocket",
    // The UI contract's default; what goes out for it is the wider offer below.
    default_subprotocols: &[TEXT_SUBPROTOCOL],
    // IRCv3's names first, in its order of preference; InspIRCd's text name after them (a
    // server that knows IRCv3's takes those). Its binary name would add nothing: InspIRCd
    // takes the first of its names offered, and binary frames carry the same lines.
    offer: &[TEXT_SUBPROTOCOL, BINARY_SUBPROTOCOL, INSPIRCD_TEXT_SUBPROTOCOL],
    identified_by: &[TEXT_SUBPROTOCOL, BINARY_SUBPROTOCOL, INSPIRCD_TEXT_SUBPROTOCOL, INSPIRCD_BINARY_SUBPROTOCOL],
    reads: &["channel", "login"],
    many_conversations: true,
    default_channel: DEFAULT_CHANNEL,
    channels: validate_channels,
    // A line from a server: a prefix and a command, or the commands servers send unprefixed.
    sniff: |frame| {
        let text = match frame {
            Frame::Text(text) => std::borrow::Cow::Borrowed(text),
            Frame::Binary(bytes) => String::from_utf8_lossy(bytes),
        };
        let first = text.lines().next().unwrap_or_default();
        let unprefixed = ["PING", "NOTICE", "ERROR", "CAP", "AUTHENTICATE"];
        parse_line(first).is_some_and(|line| {
            let command = line.command.as_str();
            let numeric = command.len() == 3 && command.bytes().all(|b| b.is_ascii_digit());
            let word = command.bytes().all(|b| b.is_ascii_uppercase());
            (first.starts_with([':', '@']) && (numeric || word)) || unprefixed.contains(&command)
        })
    },
    finds_format: false,
    socket_url: super::same_url,
    check: |settings| {
        let channel = validate_channels(&settings.channel)?;
        Ok(FormatSettings { channel, ..settings })
    },
};

/// This format for a connection (loaded when first needed: see [`super::ProtocolKind::load`]).
pub(super) fn make(settings: &super::FormatSettings) -> Box<dyn super::WireFormat> {
    Box::new(IrcState::new(IrcOptions::from_settings(settings)))
}

/// What IRC reads from the settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IrcOptions {
    /// The nick asked for at registration.
    pub nick: String,
    /// The channels joined once registered, in order.
    pub channels: Vec<String>,
    /// The account and password to log in with (SASL PLAIN), when both were given.
    pub sasl: Option<SaslLogin>,
}

impl IrcOptions {
    pub fn from_settings(settings: &FormatSettings) -> Self {
        // Checked by `SPEC.check` first; one that slipped through never reaches the server:
        // it could end the JOIN line and start another command.
        // An empty list is the person's doing (they left every channel): none is joined.
        let channels = match settings.channel.trim() {
            "" => String::new(),
            listed => validate_channels(listed).unwrap_or_else(|_| DEFAULT_CHANNEL.to_string()),
        };
        let channels = channels.split(',').filter(|c| !c.is_empty()).map(str::to_string).collect();
        let sasl = (!settings.login.is_empty() && !settings.password.is_empty())
            .then(|| SaslLogin { account: settings.login.clone(), password: settings.password.expose().to_string() });
        IrcOptions { nick: settings.nick.clone(), channels, sasl }
    }
}

/// Room left in a 512-byte line for the prefix the server adds when relaying
/// (`:nick!user@host `), CRLF and the command: text is split to fit what remains.
const RELAY_OVERHEAD: usize = 512 - 2 - 100;

/// An IRC link silent this long is dead; a PING goes out halfway (servers ping every 1-2 min).
pub const DEAD_AFTER_MS: f64 = 240_000.0;
const PROBE_AFTER_MS: f64 = DEAD_AFTER_MS / 2.0;

/// Capabilities asked for when the server offers them (SASL's `sasl` only with a login).
pub const WANTED_CAPS: [&str; 8] = [
    "echo-message",
    "server-time",
    "message-tags",
    "batch",
    "labeled-response",
    "cap-notify",
    "draft/chathistory",
    "chathistory",
];

/// The client side of one IRC connection.
#[derive(Clone, Debug)]
pub struct IrcState {
    wanted_nick: String,
    nick: String,
    /// The channels to be in: joined on registration, and again on every new connection.
    channels: Vec<String>,
    sasl: Option<SaslLogin>,
    sasl_step: SaslStep,
    /// How this server compares channel names and nicks (its `CASEMAPPING`).
    name_case: super::NameCase,
    binary: bool,
    /// No IRCv3 subprotocol was negotiated: an older gateway (InspIRCd 3, webircgateway-style)
    /// that reads the stream as raw IRC and needs each line terminated by CRLF.
    legacy_framing: bool,
    registered: bool,
    /// The channels the server says we are in.
    joined: Vec<String>,
    nick_attempts: u32,
    offered_caps: Vec<String>,
    /// Capabilities the server acknowledged (and did not take back with CAP DEL).
    caps: Vec<String>,
    /// NAMES replies being gathered, per channel, until their end (366).
    names: Vec<(String, Vec<String>)>,
    /// When the last frame came, for the PING probe and the dead-link deadline.
    last_heard_ms: f64,
    /// Open batches (`batch`): reference and type, the newest few.
    batches: Vec<(String, String)>,
    /// Conversations whose earlier lines were asked for (`CHATHISTORY BEFORE`), and the
    /// answers being gathered: batch reference, conversation, lines.
    /// Conversations asked for earlier lines, with the label the ask carried (`labeled-response`)
    /// and whether the conversation held no line.
    earlier_asked: Vec<(Target, Option<String>, bool)>,
    /// Open `labeled-response` batches and their labels: a `chathistory` batch inside one
    /// answers the ask of that label.
    labeled_batches: Vec<(String, String)>,
    /// Numbers the labels of asks for earlier lines.
    earlier_labels: u64,
    earlier: Vec<(String, Target, Vec<PastLine>)>,
}

/// Open batches remembered at once; a server that never closes them cannot grow the list.
const OPEN_BATCHES_KEPT: usize = 16;

/// What a frame did: events for the conversation, and lines to send back.
pub type Reaction = (Vec<ChatEvent>, Vec<OutFrame>);

impl IrcState {
    pub fn new(options: IrcOptions) -> Self {
        IrcState {
            wanted_nick: options.nick.clone(),
            nick: options.nick,
            channels: options.channels,
            sasl: options.sasl,
            sasl_step: SaslStep::Off,
            name_case: super::NameCase::Rfc1459,
            binary: false,
            legacy_framing: false,
            registered: false,
            joined: Vec::new(),
            nick_attempts: 0,
            offered_caps: Vec::new(),
            caps: Vec::new(),
            names: Vec::new(),
            last_heard_ms: 0.0,
            batches: Vec::new(),
            earlier_asked: Vec::new(),
            labeled_batches: Vec::new(),
            earlier_labels: 0,
            earlier: Vec::new(),
        }
    }

    /// The nick in use (it may carry a suffix if the wanted one was taken).
    pub fn nick(&self) -> &str {
        &self.nick
    }

    /// A PING the server must answer, to tell a quiet link from a dead one.
    pub fn ping(&self) -> OutFrame {
        self.out("PING :wschat")
    }

    /// Whether the server echoes our own messages (the `echo-message` capability).
    pub fn echoes(&self) -> bool {
        self.has_cap("echo-message")
    }

    /// Whether the server acknowledged the capability `cap`.
    pub fn has_cap(&self, cap: &str) -> bool {
        self.caps.iter().any(|c| c == cap)
    }

    /// Registration, sent when the socket opens; `subprotocol` is what the server chose.
    pub fn open(&mut self, subprotocol: &str) -> Vec<OutFrame> {
        let options =
            IrcOptions { nick: self.wanted_nick.clone(), channels: self.channels.clone(), sasl: self.sasl.clone() };
        *self = IrcState::new(options);
        self.binary = subprotocol == BINARY_SUBPROTOCOL || subprotocol == INSPIRCD_BINARY_SUBPROTOCOL;
        self.legacy_framing = subprotocol != TEXT_SUBPROTOCOL && subprotocol != BINARY_SUBPROTOCOL;
        let user = format!("USER {} 0 * :{}", user_name(&self.nick), self.nick);
        vec![self.out("CAP LS 302"), self.out(&format!("NICK {}", self.nick)), self.out(&user)]
    }

    /// One frame: usually one line, but a server may send several separated by CRLF.
    pub fn decode(&mut self, text: &str) -> Reaction {
        let mut reaction: Reaction = (Vec::new(), Vec::new());
        for raw in text.split('\n').filter(|l| !l.trim().is_empty()) {
            match parse_line(raw) {
                Some(line) => self.handle(line, &mut reaction),
                None => reaction.0.push(ChatEvent::raw(Some("unreadable IRC line"), raw.trim_end_matches('\r'))),
            }
        }
        reaction
    }

    fn handle(&mut self, line: Line, (events, replies): &mut Reaction) {
        let time_ms = line.tag("time").and_then(parse_iso8601);
        let echo = line.command == "PRIVMSG" && line.nick() == self.nick;
        // The answer to an own labeled message: an ACK (nothing else to say), its echo, or a
        // batch of the answer (holding the echo).
        if let Some(id) = line.tag("label").and_then(|l| l.parse::<u64>().ok()) {
            let batch = line.command == "BATCH" && line.param(0).starts_with('+');
            if line.command == "ACK" || echo || batch {
                events.push(ChatEvent::Delivered(id));
            }
            if line.command == "ACK" || echo {
                return;
            }
        }
        // Lines answering an ask for earlier ones are gathered until their batch ends.
        if let Some(reference) = line.tag("batch") {
            if self.earlier_line(reference, &line, time_ms) {
                return;
            }
        }
        // Lines of a batch are handled as usual, except an echo in a labeled answer (already
        // confirmed) and messages of a history replay.
        let batch = line.tag("batch").and_then(|r| self.batches.iter().find(|(b, _)| b == r)).map(|(_, t)| t.as_str());
        match batch {
            Some("labeled-response") if echo => return,
            Some("chathistory") if line.command == "PRIVMSG" => {
                if let Some(text) = chat_text(line.param(1)) {
                    let msgid = line.tag("msgid").map(str::to_string);
                    let nick = line.nick().to_string();
                    let place = self.conversation_of(&nick, line.param(0));
                    events.push(place.event(ChatEvent::History { nick, text, time_ms, msgid }));
                }
                return;
            }
            _ => {}
        }
        if self.handle_registration(&line, time_ms, events, replies) || self.handle_room(&line, time_ms, events) {
            return;
        }
        match line.command.as_str() {
            "BATCH" => {
                let reference = line.param(0);
                if let Some(opened) = reference.strip_prefix('+') {
                    if self.batches.len() == OPEN_BATCHES_KEPT {
                        self.batches.remove(0);
                    }
                    self.batches.push((opened.to_string(), line.param(1).to_string()));
                    match line.param(1) {
                        "chathistory" => self.open_history_batch(opened, line.param(2), self.label_of(&line)),
                        "labeled-response" => self.open_labeled_batch(opened, line.tag("label")),
                        _ => {}
                    }
                } else if let Some(closed) = reference.strip_prefix('-') {
                    self.batches.retain(|(b, _)| b != closed);
                    self.labeled_batches.retain(|(b, _)| b != closed);
                    events.extend(self.close_earlier(closed));
                }
            }
            "PING" => replies.push(self.out(&format!("PONG :{}", line.last()))),
            "CAP" => self.handle_cap(&line, events, replies),
            "AUTHENTICATE" if self.sasl_step == SaslStep::Authenticating && line.param(0) == "+" => {
                if let Some(login) = &self.sasl {
                    replies.extend(login.authenticate_lines().iter().map(|l| self.out(l)));
                }
            }
            "ERROR" => events.push(ChatEvent::System(format!("Server error: {}", line.last()))),
            "005" => {
                let casemapping = line.params.iter().find_map(|p| p.strip_prefix("CASEMAPPING="));
                if let Some(token) = casemapping {
                    self.name_case = super::NameCase::from_casemapping(token);
                }
            }
            numeric if is_error_numeric(numeric) => {
                let detail: Vec<&str> = line.params.iter().skip(1).map(String::as_str).collect();
                events.push(ChatEvent::System(format!("{numeric}: {}", detail.join(" "))));
            }
            // The welcome and the message of the day, for the server's conversation.
            "002" | "003" | "372" | "375" | "376" => {
                events.push(ChatEvent::Notice { text: line.last().to_string(), time_ms });
            }
            _ => {} // capabilities, statistics and the like: not part of any conversation
        }
    }
}

/// A server that welcomes any nick into `#chat` and relays PRIVMSGs with the author's prefix;
/// it chooses each of IRCv3's subprotocols, InspIRCd's, or none.
pub(super) const SERVER_MODEL: ServerModel = ServerModel {
    shapes: 4,
    subprotocol: |shape| {
        [TEXT_SUBPROTOCOL, BINARY_SUBPROTOCOL, INSPIRCD_TEXT_SUBPROTOCOL, ""].get(shape).copied().unwrap_or("")
    },
    handshake: |_, nick| {
        vec![OutFrame::Text(format!(":srv 001 {nick} :Welcome")), OutFrame::Text(format!(":{nick}!u@host JOIN #chat"))]
    },
    relay: |_, nick, frame| {
        let line = match frame {
            OutFrame::Text(text) => text.clone(),
            OutFrame::Binary(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        };
        let line = line.strip_suffix("\r\n").unwrap_or(&line);
        let body = line.strip_prefix("PRIVMSG #chat :")?;
        Some(OutFrame::Text(format!(":{nick}!u@host PRIVMSG #chat :{body}")))
    },
    carried: ServerModel::ALL_OF_IT,
    conversation: "#chat",
};

/// The text of a PRIVMSG as chat: a CTCP ACTION as `/me text`; `None` for other CTCP queries.
fn chat_text(body: &str) -> Option<String> {
    match body.strip_prefix("\u{1}ACTION ") {
        Some(action) => Some(format!("/me {}", action.trim_end_matches('\u{1}'))),
        None if body.starts_with('\u{1}') => None,
        None => Some(body.to_string()),
    }
}

fn is_error_numeric(command: &str) -> bool {
    command.len() == 3
        && (command.starts_with('4') || command.starts_with('5'))
        && command.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_history;
#[cfg(test)]
mod tests_outgoing;
#[cfg(test)]
mod tests_register;
