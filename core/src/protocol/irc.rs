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

use super::{
    say_ready, time::parse_iso8601, Action, ChatEvent, Decoded, FormatSettings, Frame, OutFrame, PastLine, ServerModel, Spec, Target, TargetKind,
    WireFormat,
};
pub use channels::{validate_channel, validate_channels, DEFAULT_CHANNEL};

mod caps;
mod channels;
mod history;
mod line;
mod register;
mod rooms;
mod sasl;

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
    new: |settings| Box::new(IrcState::new(IrcOptions::from_settings(settings))),
};

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
    earlier_asked: Vec<Target>,
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
                    if line.param(1) == "chathistory" {
                        self.open_history_batch(opened, line.param(2));
                    }
                } else if let Some(closed) = reference.strip_prefix('-') {
                    self.batches.retain(|(b, _)| b != closed);
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
    fn out(&self, line: &str) -> OutFrame {
        let line = if self.legacy_framing { format!("{line}\r\n") } else { line.to_string() };
        if self.binary {
            OutFrame::Binary(line.into_bytes())
        } else {
            OutFrame::Text(line)
        }
    }
}

impl WireFormat for IrcState {
    fn name_case(&self) -> super::NameCase {
        self.name_case
    }

    /// SASL's payloads (base64 of the account and password; the mechanism's name and the
    /// empty `+` are shown) and passwords sent to services (`PRIVMSG NickServ :IDENTIFY x`).
    fn secret_spans(&self, frame: &OutFrame) -> Vec<std::ops::Range<usize>> {
        let mut spans = super::secret_lines(frame, "AUTHENTICATE ", |value| matches!(value, b"+" | b"*" | b"PLAIN"));
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
        if quiet + super::TIMER_SLACK_MS >= DEAD_AFTER_MS {
            return Decoded::events(vec![ChatEvent::silent_for(quiet)]);
        }
        if quiet + super::TIMER_SLACK_MS >= PROBE_AFTER_MS {
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
            Action::Earlier { to, before_ms, limit } => self.ask_earlier(to, before_ms, limit)?,
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
mod tests {
    use super::register::MAX_NICK_ATTEMPTS;
    use super::*;

    fn new_irc(nick: &str, channel: &str) -> IrcState {
        IrcState::new(IrcOptions { nick: nick.into(), channels: vec![channel.into()], sasl: None })
    }

    /// The events of a decoded frame, whichever conversation each is for.
    fn flat(events: Vec<ChatEvent>) -> Vec<ChatEvent> {
        events.into_iter().map(ChatEvent::without_target).collect()
    }

    fn text(frames: &[OutFrame]) -> Vec<String> {
        frames
            .iter()
            .map(|f| match f {
                OutFrame::Text(t) => t.clone(),
                OutFrame::Binary(b) => String::from_utf8_lossy(b).into_owned(),
            })
            .collect()
    }

    fn registered(echo: bool) -> IrcState {
        let mut irc = new_irc("ada", "#chat");
        irc.open(TEXT_SUBPROTOCOL);
        let caps = if echo { "echo-message server-time sasl" } else { "sasl" };
        irc.decode(&format!(":srv CAP * LS :{caps}"));
        irc.decode(":srv CAP * ACK :echo-message server-time");
        irc.decode(":srv 001 ada :Welcome");
        irc.decode(":ada!a@h JOIN #chat");
        irc
    }

    #[test]
    fn parses_lines() {
        let line =
            parse_line("@time=2023-11-14T22:13:20.000Z;msgid=a\\sb :nick!u@h PRIVMSG #c :hi: there ").expect("line");
        assert_eq!(line.tag("msgid"), Some("a b"));
        assert_eq!(line.nick(), "nick");
        assert_eq!(line.command, "PRIVMSG");
        assert_eq!(line.params, vec!["#c", "hi: there "]);
        assert_eq!(parse_line("PING :abc").map(|l| l.params), Some(vec!["abc".to_string()]));
        assert_eq!(parse_line(""), None);
        assert_eq!(parse_line("@only-tags"), None);
        assert_eq!(parse_line(":src"), None);
    }

    #[test]
    fn registers_negotiates_caps_and_joins() {
        let mut irc = new_irc("ada", "#chat");
        assert_eq!(text(&irc.open(TEXT_SUBPROTOCOL)), ["CAP LS 302", "NICK ada", "USER ada 0 * :ada"]);
        assert_eq!(text(&irc.decode(":srv CAP * LS * :multi-prefix echo-message").1), Vec::<String>::new());
        assert_eq!(text(&irc.decode(":srv CAP * LS :server-time sasl=PLAIN").1), ["CAP REQ :echo-message server-time"]);
        assert_eq!(text(&irc.decode(":srv CAP ada ACK :echo-message server-time").1), ["CAP END"]);
        assert!(irc.echoes());
        assert_eq!(text(&irc.decode(":srv 001 ada :Welcome").1), ["JOIN #chat"]);
        assert!(irc.is_ready(), "registered: private messages may go");
        let (events, _) = irc.decode(":ada!a@h JOIN #chat");
        assert_eq!(events[0], Target::channel("#chat").event(ChatEvent::Entered), "the channel's wait for this");
    }

    fn sasl_irc(account: &str, password: &str) -> IrcState {
        let sasl = Some(SaslLogin { account: account.into(), password: password.into() });
        let mut irc = IrcState::new(IrcOptions { nick: "ada".into(), channels: vec!["#c".into()], sasl });
        irc.open(TEXT_SUBPROTOCOL);
        irc
    }

    #[test]
    fn logs_in_with_sasl_plain_before_ending_negotiation() {
        let mut irc = sasl_irc("ada", "sesame");
        assert_eq!(
            text(&irc.decode(":srv CAP * LS :server-time sasl=PLAIN,EXTERNAL").1),
            ["CAP REQ :server-time sasl"]
        );
        assert_eq!(text(&irc.decode(":srv CAP * ACK :server-time sasl").1), ["AUTHENTICATE PLAIN"]);
        // base64("ada\0ada\0sesame")
        assert_eq!(text(&irc.decode("AUTHENTICATE +").1), ["AUTHENTICATE YWRhAGFkYQBzZXNhbWU="]);
        let blob = OutFrame::Text("AUTHENTICATE YWRhAGFkYQBzZXNhbWU=".into());
        let masked = crate::inspector::mask_secrets(&blob, &irc.secret_spans(&blob));
        assert_eq!(masked, OutFrame::Text("AUTHENTICATE ********".into()));
        assert_eq!(irc.name_case(), crate::protocol::NameCase::Rfc1459, "IRC's default");
        irc.decode(":srv 005 ada CHANTYPES=# CASEMAPPING=ascii :are supported by this server");
        assert_eq!(irc.name_case(), crate::protocol::NameCase::Ascii);
        let plain = OutFrame::Text("AUTHENTICATE PLAIN".into());
        assert!(irc.secret_spans(&plain).is_empty(), "the mechanism is no secret");
        // A password for a service is one too, with or without a label, in text or binary.
        for (frame, masked_text, masked_binary) in [
            ("PRIVMSG NickServ :IDENTIFY sesame", "PRIVMSG NickServ :IDENTIFY ********", "PRIVMSG NickServ :IDENTIFY ******"),
            (
                "@label=7 PRIVMSG nickserv :id ada sesame\r\n",
                "@label=7 PRIVMSG nickserv :id ********\r\n",
                "@label=7 PRIVMSG nickserv :id **********\r\n",
            ),
            ("PRIVMSG #chan :IDENTIFY x\r\nPRIVMSG X IDENTIFY", "PRIVMSG #chan :IDENTIFY x\r\nPRIVMSG X IDENTIFY", "PRIVMSG #chan :IDENTIFY x\r\nPRIVMSG X IDENTIFY"),
        ] {
            let text = OutFrame::Text(frame.into());
            assert_eq!(crate::inspector::mask_secrets(&text, &irc.secret_spans(&text)), OutFrame::Text(masked_text.into()));
            let binary = OutFrame::Binary(frame.as_bytes().to_vec());
            let masked = crate::inspector::mask_secrets(&binary, &irc.secret_spans(&binary));
            assert_eq!(masked, OutFrame::Binary(masked_binary.as_bytes().to_vec()));
        }
        // Its echo (echo-message) is masked where it is recorded coming in.
        let echo = "@time=x;label=7 :ada!a@h PRIVMSG NickServ :IDENTIFY sesame\r\n:srv NOTICE ada :IDENTIFY sesame";
        let at = echo.find("sesame").unwrap_or_default();
        assert_eq!(irc.received_secret_spans(Frame::Text(echo)), vec![at..at + 6], "the NOTICE is not ours");
        let (events, replies) = irc.decode(":srv 900 ada ada!a@h ada :You are now logged in as ada");
        assert_eq!(events, vec![ChatEvent::System("Logged in as ada.".into())]);
        assert!(replies.is_empty(), "registration waits for 903");
        assert_eq!(text(&irc.decode(":srv 903 ada :SASL authentication successful").1), ["CAP END"]);
    }

    #[test]
    fn a_refused_sasl_login_is_said_and_registration_goes_on() {
        let mut irc = sasl_irc("ada", "wrong");
        irc.decode(":srv CAP * LS :sasl");
        irc.decode(":srv CAP * ACK :sasl");
        irc.decode("AUTHENTICATE +");
        let (events, replies) = irc.decode(":srv 904 ada :SASL authentication failed");
        assert!(matches!(&events[..], [ChatEvent::Refused(why)] if why.contains("refused the login as ada")));
        assert_eq!(text(&replies), ["CAP END"]);
        // Without sasl on offer: said, and nothing asked.
        let mut irc = sasl_irc("ada", "x");
        let (events, replies) = irc.decode(":srv CAP * LS :server-time");
        assert_eq!(text(&replies), ["CAP REQ :server-time"]);
        assert!(matches!(&events[..], [ChatEvent::System(why)] if why.contains("offers no SASL")));
    }

    #[test]
    fn without_caps_it_ends_negotiation() {
        let mut irc = new_irc("ada", "#chat");
        irc.open(TEXT_SUBPROTOCOL);
        assert_eq!(text(&irc.decode(":srv CAP * LS :sasl").1), ["CAP END"]);
        assert!(!irc.echoes());
    }

    #[test]
    fn a_channel_that_cannot_be_joined_is_refused() {
        let mut irc = new_irc("ada", "#vip");
        irc.open(TEXT_SUBPROTOCOL);
        irc.decode(":srv 001 ada :Welcome");
        let (events, _) = irc.decode(":srv 473 ada #VIP :Cannot join channel (+i)");
        assert!(
            matches!(&events[..], [ChatEvent::In { to, event }, ChatEvent::Refused(why)]
                if why.contains("Cannot join channel (+i)") && to.name == "#VIP" && matches!(**event, ChatEvent::Gone(_))),
            "{events:?}"
        );
        // Another channel's refusal is only a line in the timeline.
        assert!(matches!(&irc.decode(":srv 473 ada #other :Cannot join").0[..], [ChatEvent::System(_)]));
    }

    #[test]
    fn a_taken_nick_gets_a_suffix() {
        let mut irc = new_irc("ada", "#chat");
        irc.open(TEXT_SUBPROTOCOL);
        assert_eq!(text(&irc.decode(":srv 433 * ada :Nickname is already in use").1), ["NICK ada_1"]);
        assert_eq!(text(&irc.decode(":srv 433 * ada_1 :Nickname is already in use").1), ["NICK ada_2"]);
        for _ in 3..=MAX_NICK_ATTEMPTS {
            assert_eq!(irc.decode(":srv 433 * x :Nickname is already in use").1.len(), 1);
        }
        assert_eq!(irc.decode(":srv 433 * x :Nickname is already in use").1.len(), 0, "no endless retries");
        let mut zoe = new_irc("zoë.9", "#chat");
        assert_eq!(text(&zoe.decode(":srv 432 * zoë.9 :Erroneous nickname").1), ["NICK zo9_1"]);
        let mut digits = new_irc("123", "#chat");
        assert_eq!(text(&digits.decode(":srv 432 * 123 :Erroneous nickname").1), ["NICK guest123_1"]);
        let (events, _) = irc.decode(":srv 001 ada_2 :Welcome");
        assert!(events.contains(&ChatEvent::AssignedNick("ada_2".into())));
        assert_eq!(irc.nick(), "ada_2");
    }

    #[test]
    fn pings_when_asked_to_probe() {
        let irc = registered(false);
        assert_eq!(text(&irc.probe()), ["PING :wschat"]);
        assert!(new_irc("ada", "#chat").probe().is_empty(), "not before registration");
    }

    #[test]
    fn silence_is_probed_then_a_dead_link() {
        let mut irc = new_irc("ada", "#chat");
        let opened = irc.on_open(TEXT_SUBPROTOCOL, 1_000.0);
        assert_eq!(opened.wake_in_ms, Some(PROBE_AFTER_MS));
        // Not registered yet: nothing to probe with, but the deadline holds.
        let early = irc.on_wake(1_000.0 + PROBE_AFTER_MS);
        assert_eq!((early.replies.len(), early.wake_in_ms), (0, Some(PROBE_AFTER_MS)));
        irc.on_frame(Frame::Text(":srv 001 ada :Welcome"), 10_000.0);
        // Woken early (a frame came since): asleep again until the probe is due.
        assert_eq!(irc.on_wake(20_000.0).wake_in_ms, Some(PROBE_AFTER_MS - 10_000.0));
        let probe = irc.on_wake(10_000.0 + PROBE_AFTER_MS);
        assert_eq!(text(&probe.replies), ["PING :wschat"]);
        assert_eq!(probe.wake_in_ms, Some(DEAD_AFTER_MS - PROBE_AFTER_MS));
        assert!(irc.on_frame(Frame::Text(":srv PONG srv :wschat"), 10_000.0 + PROBE_AFTER_MS + 5.0).events.is_empty());
        let dead = irc.on_wake(10_000.0 + PROBE_AFTER_MS + 5.0 + DEAD_AFTER_MS);
        assert!(matches!(&dead.events[..], [ChatEvent::LinkDead(why)] if why.contains("looks dead")), "{dead:?}");
    }

    #[test]
    fn says_ready_once_registered_and_joins_more_channels_beside() {
        let mut irc =
            IrcState::new(IrcOptions { nick: "ada".into(), channels: vec!["#a".into(), "#b".into()], sasl: None });
        irc.on_open("", 0.0);
        assert!(!irc.is_ready());
        let welcome = irc.on_frame(Frame::Text(":srv 001 ada :Welcome\r\n:srv 375 ada :MOTD"), 0.0);
        assert_eq!(welcome.events.last(), Some(&ChatEvent::ready()), "after everything the frame said");
        assert_eq!(text(&welcome.replies), ["JOIN #a,#b\r\n"]);
        assert!(irc.is_ready());
        let join = irc.encode(Action::Join("#rust")).map(|d| text(&d.replies));
        assert_eq!(join, Some(vec!["JOIN #rust\r\n".to_string()]), "no PART: one more channel");
        irc.on_frame(Frame::Text(":ada!a@h JOIN #rust"), 0.0);
        // A new connection joins every channel held now.
        irc.on_open("", 1.0);
        assert_eq!(text(&irc.on_frame(Frame::Text(":srv 001 ada :Hi"), 1.0).replies), ["JOIN #a,#b,#rust\r\n"]);
        let part = irc.encode(Action::Part(&Target::channel("#a"))).map(|d| text(&d.replies));
        assert_eq!(part, Some(vec!["PART #a\r\n".to_string()]));
        assert_eq!(irc.encode(Action::Part(&Target::private("bob"))).map(|d| d.replies.len()), Some(0));
        let topic = irc.encode(Action::SetTopic(&Target::channel("#b"), "new\r\nQUIT")).map(|d| text(&d.replies));
        assert_eq!(topic, Some(vec!["TOPIC #b :new  QUIT\r\n".to_string()]));
        let to_server = Target { kind: TargetKind::Server, name: "srv".into() };
        assert!(irc.encode(Action::Message { to: &to_server, nick: "ada", text: "hi", id: 1 }).is_none());
    }

    #[test]
    fn events_name_their_conversation() {
        let mut irc = registered(true);
        let chat = Target::channel("#chat");
        let (events, _) = irc.decode(":bob!b@h PRIVMSG ada :psst");
        assert_eq!(
            events,
            vec![Target::private("bob").event(ChatEvent::Message {
                nick: Some("bob".into()),
                text: "psst".into(),
                time_ms: None,
                msgid: None,
            })]
        );
        let (events, _) = irc.decode(":ada!a@h PRIVMSG bob :back");
        assert!(
            matches!(&events[..], [ChatEvent::In { to, .. }] if *to == Target::private("bob")),
            "our echo: the chat with bob"
        );
        let (events, _) = irc.decode(":op!o@h MODE #chat +ov-v+l bob carol dan 10");
        assert_eq!(
            events[1..],
            [
                chat.event(ChatEvent::UserMode { nick: "bob".into(), prefix: '@', on: true }),
                chat.event(ChatEvent::UserMode { nick: "carol".into(), prefix: '+', on: true }),
                chat.event(ChatEvent::UserMode { nick: "dan".into(), prefix: '+', on: false }),
            ]
        );
        let (events, _) = irc.decode(":srv 332 ada #chat :the topic");
        assert_eq!(events, vec![chat.event(ChatEvent::Topic { text: "Topic: the topic".into(), time_ms: None })]);
        // QUIT and NICK name no conversation: the log knows where that person was.
        assert!(matches!(&irc.decode(":bob!b@h QUIT :bye").0[..], [ChatEvent::Left { .. }]));
        let (events, _) = irc.decode(":ada!a@h PART #chat :later");
        assert!(matches!(&events[..], [ChatEvent::In { event, .. }] if matches!(**event, ChatEvent::Gone(_))));
        // The message of the day is the server's.
        assert!(
            matches!(&irc.decode(":srv 372 ada :- be nice").0[..], [ChatEvent::Notice { text, .. }] if text == "- be nice")
        );
    }

    #[test]
    fn inspircd_subprotocols_frame_lines_as_without_one() {
        let mut text_irc = new_irc("ada", "#chat");
        assert_eq!(text(&text_irc.open(INSPIRCD_TEXT_SUBPROTOCOL))[0], "CAP LS 302\r\n");
        let mut binary_irc = new_irc("ada", "#chat");
        assert!(
            matches!(&binary_irc.open(INSPIRCD_BINARY_SUBPROTOCOL)[0], OutFrame::Binary(b) if b == b"CAP LS 302\r\n")
        );
    }

    #[test]
    fn options_from_settings_never_carry_a_bad_channel() {
        let settings =
            |channel: &str| FormatSettings { channel: channel.into(), nick: "ada".into(), ..FormatSettings::default() };
        assert_eq!(IrcOptions::from_settings(&settings("rust")).channels, ["#rust"]);
        assert_eq!(IrcOptions::from_settings(&settings("#a\r\nQUIT")).channels, [DEFAULT_CHANNEL]);
        assert_eq!((SPEC.check)(settings("rust")).map(|s| s.channel), Ok("#rust".to_string()));
        assert!((SPEC.check)(settings("#a b")).is_err());
    }

    #[test]
    fn server_times_are_dates_a_clock_can_show() {
        // The only number IRC reads is the server-time tag: four-digit years keep it finite and
        // within JavaScript's dates; anything else is no time at all.
        let mut irc = registered(true);
        let time = |irc: &mut IrcState, tag: &str| match &flat(
            irc.decode(&format!("@time={tag} :bob!b@h PRIVMSG #chat :x")).0,
        )[..]
        {
            [ChatEvent::Message { time_ms, .. }] => *time_ms,
            other => panic!("{other:?}"),
        };
        for tag in ["9999-12-31T23:59:60.999999999Z", "0000-01-01T00:00:00-23:59"] {
            let ms = time(&mut irc, tag).expect("a time");
            assert!(ms.is_finite() && ms.abs() <= 8.64e15, "{tag}: {ms}");
        }
        for tag in ["1e400", "+275760-09-13T00:00:00Z", "NaN", "2023-11-14T22:13:20+99:99:99"] {
            assert_eq!(time(&mut irc, tag), None, "{tag}");
        }
    }

    #[test]
    fn asks_for_the_ircv3_caps_on_offer_and_follows_cap_notify() {
        let mut irc = new_irc("ada", "#chat");
        irc.open(TEXT_SUBPROTOCOL);
        let offer = ":srv CAP * LS :batch cap-notify echo-message labeled-response message-tags server-time sts";
        assert_eq!(
            text(&irc.decode(offer).1),
            ["CAP REQ :echo-message server-time message-tags batch labeled-response cap-notify"]
        );
        let ack = ":srv CAP ada ACK :echo-message server-time message-tags batch labeled-response cap-notify";
        assert_eq!(text(&irc.decode(ack).1), ["CAP END"]);
        assert!(WANTED_CAPS.iter().filter(|c| !c.contains("chathistory")).all(|c| irc.has_cap(c)));
        irc.decode(":srv 001 ada :Welcome");
        // Taken back: forgotten. Offered again: asked for again, with no second CAP END.
        assert!(irc.decode(":srv CAP ada DEL :echo-message batch").1.is_empty());
        assert!(!irc.echoes() && !irc.has_cap("batch") && irc.has_cap("server-time"));
        assert_eq!(text(&irc.decode(":srv CAP ada NEW :echo-message away-notify").1), ["CAP REQ :echo-message"]);
        assert_eq!(text(&irc.decode(":srv CAP ada ACK :echo-message").1), Vec::<String>::new());
        assert!(irc.echoes());
        assert!(irc.decode(":srv CAP ada NEW :echo-message").1.is_empty(), "held already");
        irc.decode(":srv CAP ada ACK :-echo-message");
        assert!(!irc.echoes(), "an ACK of -cap drops it");
    }

    #[test]
    fn server_time_on_every_line_that_shows() {
        let mut irc = registered(true);
        let at = "@time=2023-11-14T22:13:20.000Z ";
        let time = Some(1.7e12);
        let lines = [
            ":carol!c@h JOIN #chat",
            ":carol!c@h PART #chat :bye",
            ":dan!d@h QUIT :gone",
            ":op!o@h KICK #chat dan :x",
            ":bob!b@h NICK robert",
            ":srv NOTICE ada :hi",
            ":bob!b@h TOPIC #chat :new topic",
        ];
        for line in lines {
            let (events, _) = irc.decode(&format!("{at}{line}"));
            let got = match &flat(events)[..] {
                [ChatEvent::Joined { time_ms, .. }
                | ChatEvent::Left { time_ms, .. }
                | ChatEvent::Renamed { time_ms, .. }
                | ChatEvent::Topic { time_ms, .. }
                | ChatEvent::Notice { time_ms, .. }] => *time_ms,
                other => panic!("{line}: {other:?}"),
            };
            assert_eq!(got, time, "{line}");
        }
        let (events, _) = irc.decode(&format!("{at}:ada!a@h JOIN #chat"));
        assert_eq!(
            flat(events),
            vec![ChatEvent::Entered, ChatEvent::Notice { text: "Joined #chat.".into(), time_ms: time }]
        );
    }

    fn labeled(echo: bool) -> IrcState {
        let mut irc = new_irc("ada", "#chat");
        irc.open(TEXT_SUBPROTOCOL);
        let caps = if echo { "labeled-response echo-message" } else { "labeled-response" };
        irc.decode(&format!(":srv CAP * LS :{caps}"));
        irc.decode(&format!(":srv CAP * ACK :{caps}"));
        irc.decode(":srv 001 ada :Welcome");
        irc.decode(":ada!a@h JOIN #chat");
        irc
    }

    #[test]
    fn labeled_messages_are_confirmed_by_id() {
        // Without labeled-response: no label.
        let mut plain = registered(true);
        let sent = plain
            .encode(Action::Message { to: &Target::channel("#chat"), nick: "ada", text: "hi", id: 7 })
            .map(|d| text(&d.replies));
        assert_eq!(sent, Some(vec!["PRIVMSG #chat :hi".to_string()]));
        // Without echo-message: the ACK names the message.
        let mut irc = labeled(false);
        let sent = irc
            .encode(Action::Message { to: &Target::channel("#chat"), nick: "ada", text: "one\ntwo", id: 7 })
            .map(|d| text(&d.replies));
        assert_eq!(sent, Some(vec!["PRIVMSG #chat :one".to_string(), "@label=7 PRIVMSG #chat :two".to_string()]));
        assert_eq!(irc.decode("@label=7 :irc.example ACK").0, vec![ChatEvent::Delivered(7)]);
        // An error answering the label is no delivery.
        let (events, _) = irc.decode("@label=8 :srv 404 ada #chat :Cannot send to channel");
        assert!(matches!(&events[..], [ChatEvent::System(why)] if why.contains("Cannot send")), "{events:?}");
        // With echo-message: the labeled echo confirms by id and makes no message of its own.
        let mut irc = labeled(true);
        assert_eq!(
            irc.decode("@label=9;time=2023-11-14T22:13:20Z :ada!a@h PRIVMSG #chat :hi").0,
            vec![ChatEvent::Delivered(9)]
        );
        assert!(
            matches!(&flat(irc.decode(":ada!a@h PRIVMSG #chat :hi").0)[..], [ChatEvent::Message { .. }]),
            "unlabeled: as before"
        );
    }

    #[test]
    fn earlier_lines_are_asked_for_where_offered_and_come_as_one_event() {
        let chat = Target::channel("#chat");
        let ask = |irc: &mut IrcState| {
            irc.encode(Action::Earlier { to: &chat, before_ms: 1_700_000_000_123.0, limit: 500 }).map(|d| text(&d.replies))
        };
        assert_eq!(ask(&mut registered(true)), None, "not offered: nothing to ask");
        let mut irc = new_irc("ada", "#chat");
        irc.open(TEXT_SUBPROTOCOL);
        irc.decode(":srv CAP * LS :batch server-time message-tags draft/chathistory");
        let (_, replies) = irc.decode(":srv CAP * ACK :batch server-time message-tags draft/chathistory");
        assert!(text(&replies).contains(&"CAP END".to_string()));
        irc.decode(":srv 001 ada :Welcome");
        assert_eq!(ask(&mut irc), None, "not in the channel yet: its replay on join is still to come");
        irc.decode(":ada!a@h JOIN #chat");
        assert_eq!(
            ask(&mut irc),
            Some(vec!["CHATHISTORY BEFORE #chat timestamp=2023-11-14T22:13:20.123Z 100".to_string()]),
            "at most 100 at once"
        );
        let answer = [
            "BATCH +e1 chathistory #Chat",
            "@batch=e1;time=2023-11-14T22:13:18Z;msgid=m1 :bob!b@h PRIVMSG #chat :first",
            "@batch=e1;time=2023-11-14T22:13:19Z :bob!b@h PRIVMSG #chat :\u{1}ACTION waved\u{1}",
            "@batch=e1 :bob!b@h PRIVMSG #chat :no time: left out",
            "BATCH -e1",
        ];
        let (events, _) = irc.decode(&answer.join("\r\n"));
        let line = |text: &str, time_ms: f64, msgid: Option<&str>| PastLine {
            nick: "bob".into(),
            text: text.into(),
            time_ms,
            msgid: msgid.map(str::to_string),
        };
        assert_eq!(
            events,
            vec![chat.event(ChatEvent::Earlier(vec![
                line("first", 1_699_999_998_000.0, Some("m1")),
                line("/me waved", 1_699_999_999_000.0, None)
            ]))]
        );
        // A replay nobody asked for is history, as before.
        let (events, _) = irc.decode("BATCH +r chathistory #chat\r\n@batch=r :bob!b@h PRIVMSG #chat :again\r\nBATCH -r");
        assert!(matches!(&flat(events)[..], [ChatEvent::History { .. }]));
    }

    #[test]
    fn batches_are_read_and_a_chathistory_batch_is_history() {
        let mut irc = labeled(true);
        let replay = [
            "@batch=h1 BATCH +h1 chathistory #chat",
            "@batch=h1;time=2023-11-14T22:13:20Z;msgid=m1 :bob!b@h PRIVMSG #chat :earlier",
            "@batch=h1;time=2023-11-14T22:13:20Z :bob!b@h PRIVMSG #chat :\u{1}ACTION waved\u{1}",
            "BATCH -h1",
        ];
        let (events, _) = irc.decode(&replay.join("\r\n"));
        assert_eq!(
            flat(events),
            vec![
                ChatEvent::History {
                    nick: "bob".into(),
                    text: "earlier".into(),
                    time_ms: Some(1.7e12),
                    msgid: Some("m1".into())
                },
                ChatEvent::History { nick: "bob".into(), text: "/me waved".into(), time_ms: Some(1.7e12), msgid: None },
            ]
        );
        // Closed: the same reference no longer makes history; other batches' lines as usual.
        assert!(matches!(
            &flat(irc.decode("@batch=h1 :bob!b@h PRIVMSG #chat :now").0)[..],
            [ChatEvent::Message { .. }]
        ));
        irc.decode("BATCH +n1 netjoin");
        assert!(matches!(&flat(irc.decode("@batch=n1 :carol!c@h JOIN #chat").0)[..], [ChatEvent::Joined { .. }]));
        // A labeled answer in a batch: delivered once, its echo absorbed, the rest as usual.
        let answer = [
            "@label=4 BATCH +l1 labeled-response",
            "@batch=l1 :ada!a@h PRIVMSG #chat :hi",
            "@batch=l1 :srv NOTICE ada :noted",
            "BATCH -l1",
        ];
        let (events, _) = irc.decode(&answer.join("\r\n"));
        assert!(matches!(&events[..], [ChatEvent::Delivered(4), ChatEvent::Notice { .. }]), "{events:?}");
        // Batches never closed are not all kept.
        for i in 0..100 {
            irc.decode(&format!("BATCH +x{i} chathistory"));
        }
        assert_eq!(irc.batches.len(), OPEN_BATCHES_KEPT);
    }

    #[test]
    fn answers_ping() {
        let mut irc = registered(false);
        assert_eq!(text(&irc.decode("PING :irc.example").1), ["PONG :irc.example"]);
    }

    #[test]
    fn messages_actions_and_presence() {
        let mut irc = registered(true);
        let mut decode = |line: &str| flat(irc.decode(line).0);
        let events = decode("@time=2023-11-14T22:13:20Z;msgid=m\\s1 :bob!b@h PRIVMSG #chat :hello ada");
        assert_eq!(
            events,
            vec![ChatEvent::Message {
                nick: Some("bob".into()),
                text: "hello ada".into(),
                time_ms: Some(1.7e12),
                msgid: Some("m 1".into())
            }],
            "the server's time and id, the tag's value unescaped"
        );
        let events = decode(":bob!b@h PRIVMSG #chat :\u{1}ACTION waves\u{1}");
        assert_eq!(
            events,
            vec![ChatEvent::Message { nick: Some("bob".into()), text: "/me waves".into(), time_ms: None, msgid: None }]
        );
        assert_eq!(decode(":bob!b@h PRIVMSG ada :\u{1}VERSION\u{1}"), vec![]);
        assert!(
            matches!(&decode(":bob!b@h PRIVMSG ada :psst")[..], [ChatEvent::Message { text, .. }] if text == "psst")
        );
        assert!(matches!(&decode(":carol!c@h JOIN #chat")[..], [ChatEvent::Joined { nick, .. }] if nick == "carol"));
        assert!(
            matches!(&decode(":carol!c@h PART #chat :later")[..], [ChatEvent::Left { nick, text, .. }] if nick == "carol" && text.contains("later"))
        );
        assert!(matches!(&decode(":dan!d@h QUIT :gone")[..], [ChatEvent::Left { nick, .. }] if nick == "dan"));
        assert_eq!(
            decode(":bob!b@h NICK robert"),
            vec![ChatEvent::Renamed { from: "bob".into(), to: "robert".into(), time_ms: None }]
        );
        assert!(
            matches!(&decode(":srv NOTICE ada :maintenance")[..], [ChatEvent::Notice { text, .. }] if text.contains("maintenance"))
        );
        assert!(
            matches!(&decode(":op!o@h KICK #chat ada :spam")[..], [ChatEvent::Gone(why)] if why.contains("kicked"))
        );
    }

    #[test]
    fn error_numerics_without_parameters_do_not_panic() {
        let mut irc = registered(false);
        assert!(matches!(&irc.decode("401").0[..], [ChatEvent::System(_)]));
    }

    #[test]
    fn names_fill_the_user_list() {
        let mut irc = registered(false);
        irc.decode(":srv 353 ada = #chat :@op +voiced ada");
        irc.decode(":srv 353 ada = #chat :bob");
        assert_eq!(
            irc.decode(":srv 366 ada #chat :End of /NAMES list.").0,
            vec![Target::channel("#chat").event(ChatEvent::Users(vec![
                "@op".into(),
                "+voiced".into(),
                "ada".into(),
                "bob".into()
            ]))]
        );
    }

    #[test]
    fn outgoing_messages_are_split_on_lines_and_characters() {
        let irc = registered(true);
        assert_eq!(text(&irc.encode_message("#chat", "hi")), ["PRIVMSG #chat :hi"]);
        assert_eq!(text(&irc.encode_message("#chat", "/me waves")), ["PRIVMSG #chat :\u{1}ACTION waves\u{1}"]);
        assert_eq!(text(&irc.encode_message("#chat", "one\ntwo")), ["PRIVMSG #chat :one", "PRIVMSG #chat :two"]);
        assert_eq!(
            text(&irc.encode_message("#chat", "one\n\ntwo\n")),
            ["PRIVMSG #chat :one", "PRIVMSG #chat :two"],
            "no empty PRIVMSG"
        );
        assert_eq!(
            text(&irc.encode_message("#chat", "a\rQUIT :bye\r\nb\0c\u{1}VERSION\u{1}")),
            ["PRIVMSG #chat :a", "PRIVMSG #chat :QUIT :bye", "PRIVMSG #chat :bcVERSION"],
            "CR ends a line; NUL and CTCP delimiters are not text"
        );
        assert_eq!(text(&irc.encode_message("#chat", "/me \u{1}x")), ["PRIVMSG #chat :\u{1}ACTION x\u{1}"]);
        let long = "é".repeat(400); // 800 bytes
        let frames = text(&irc.encode_message("#chat", &long));
        assert!(frames.len() >= 2);
        let rebuilt: String = frames.iter().map(|f| f.trim_start_matches("PRIVMSG #chat :")).collect();
        assert_eq!(rebuilt, long, "nothing lost, no character cut");
        assert!(frames.iter().all(|f| f.len() + 2 + 100 <= 512));
    }

    #[test]
    fn binary_subprotocol_sends_bytes() {
        let mut irc = new_irc("ada", "#chat");
        let frames = irc.open(BINARY_SUBPROTOCOL);
        assert!(matches!(&frames[0], OutFrame::Binary(b) if b == b"CAP LS 302"));
    }

    #[test]
    fn without_a_subprotocol_lines_end_in_crlf() {
        let mut irc = new_irc("ada", "#chat");
        assert_eq!(text(&irc.open(""))[0], "CAP LS 302\r\n");
        irc.decode(":srv 001 ada :Welcome\r\n:ada!a@h JOIN #chat\r\n");
        assert!(irc.is_ready(), "several CRLF-terminated lines in one frame");
        assert_eq!(text(&irc.encode_message("#chat", "hi")), ["PRIVMSG #chat :hi\r\n"]);
    }

    #[test]
    fn split_utf8_respects_characters() {
        assert_eq!(split_utf8("abcdef", 4), vec!["abcd", "ef"]);
        assert_eq!(split_utf8("ééé", 5), vec!["éé", "é"]);
        assert_eq!(split_utf8("", 10), vec![""]);
        assert_eq!(split_utf8("😀😀", 5), vec!["😀", "😀"]);
    }
}
