//! STOMP 1.2 over WebSocket (subprotocols `v12.stomp`, `v11.stomp`, `v10.stomp`; RabbitMQ's
//! web-stomp, ActiveMQ, Spring's broker relay): each destination of `channel` is a conversation.
//!
//! CONNECT with `accept-version`, `host` (`/`, RabbitMQ's default vhost), `login` and `passcode`
//! when given, and heart-beats offered both ways (10 s), kept as negotiated: an EOL sent when
//! we have been quiet, a dead link when the server has been for twice its period. SUBSCRIBE
//! once per destination with a receipt (the receipt is the join); SEND with
//! `content-type:application/json` in the JSON template's shape and a `receipt` whose RECEIPT
//! marks the message delivered; MESSAGE bodies read as JSON chat, else `nick: text`, else
//! text; ERROR frames said in words.

use super::json::Template;
use super::payload::read_payload;
use super::{
    say_ready, Action, ChatEvent, Decoded, FormatSettings, Frame, OutFrame, ServerModel, Spec, Target, TargetKind,
    WireFormat,
};
use crate::secret::Secret;
use codec::{frame, next_frame, StompFrame};

mod codec;

pub(super) const SPEC: Spec = Spec {
    name: "stomp",
    aliases: &[],
    label: "STOMP over WebSocket",
    default_subprotocols: &["v12.stomp"],
    offer: &["v12.stomp", "v11.stomp", "v10.stomp"],
    identified_by: &["v12.stomp", "v11.stomp", "v10.stomp"],
    reads: &["channel", "login", "template", "send_prefix"],
    many_conversations: true,
    default_channel: DEFAULT_DESTINATION,
    channels: validate_destinations,
    sniff: |frame| matches!(frame, Frame::Text(text) if text.starts_with("CONNECTED\n") || text.starts_with("ERROR\n")),
    finds_format: false,
    socket_url: super::same_url,
    check: |settings| {
        let send_prefix = validate_send_prefix(&settings.send_prefix)?;
        super::check_channels_and_template(FormatSettings { send_prefix, ..settings }, validate_destinations)
    },
};

/// This format for a connection (loaded when first needed: see [`super::ProtocolKind::load`]).
pub(super) fn make(settings: &super::FormatSettings) -> Box<dyn super::WireFormat> {
    Box::new(StompState::new(StompOptions::from_settings(settings)))
}

/// The destination joined when the person names none (the UI contract's default).
pub const DEFAULT_DESTINATION: &str = "/topic/chat";

/// The heart-beat period offered both ways, in milliseconds.
pub const HEART_BEAT_MS: f64 = 10_000.0;

/// A comma-separated list of destinations: each starting with `/`, without line breaks, colons
/// or NUL (they would end a header); `/topic/chat` for none.
pub fn validate_destinations(list: &str) -> Result<String, String> {
    let mut out: Vec<&str> = Vec::new();
    for destination in list.split(',').map(str::trim).filter(|d| !d.is_empty()) {
        if !destination.starts_with('/') || destination.contains(['\n', '\r', '\0', ':']) {
            return Err(format!(
                "\"{destination}\" is not a STOMP destination: it starts with / and has no line breaks or colons (as in /topic/chat)."
            ));
        }
        if !out.contains(&destination) {
            out.push(destination);
        }
    }
    Ok(if out.is_empty() { DEFAULT_DESTINATION.to_string() } else { out.join(",") })
}

/// Checks a `send_prefix`: empty, or a path such as `/app` (no spaces, commas or colons, which
/// a destination header cannot carry plainly); a trailing `/` is dropped.
pub fn validate_send_prefix(prefix: &str) -> Result<String, String> {
    let prefix = prefix.trim().trim_end_matches('/');
    if prefix.is_empty() {
        return Ok(String::new());
    }
    if !prefix.starts_with('/') || prefix.chars().any(|c| c.is_whitespace() || c.is_control() || c == ',' || c == ':') {
        return Err(format!(
            "\"{prefix}\" is not a send prefix: a path such as /app, without spaces, commas or colons."
        ));
    }
    Ok(prefix.to_string())
}


/// Frames not understood in one message that are each shown; the rest are counted.
const UNKNOWN_FRAMES_SHOWN: usize = 20;

/// What STOMP reads from the settings.
#[derive(Clone, Debug, PartialEq)]
pub struct StompOptions {
    pub destinations: Vec<String>,
    /// Login and passcode, when a login was given.
    pub login: Option<(String, Secret)>,
    pub template: Template,
    /// Replaces a destination's first segment where own messages are sent (Spring's `/app`).
    pub send_prefix: Option<String>,
}

impl StompOptions {
    pub fn from_settings(settings: &FormatSettings) -> Self {
        let destinations = validate_destinations(&settings.channel).unwrap_or_else(|_| DEFAULT_DESTINATION.to_string());
        StompOptions {
            destinations: destinations.split(',').map(str::to_string).collect(),
            login: (!settings.login.is_empty())
                .then(|| (settings.login.clone(), settings.password.clone())),
            template: Template::parse(&settings.json_template).unwrap_or_default(),
            send_prefix: (!settings.send_prefix.is_empty()).then(|| settings.send_prefix.clone()),
        }
    }
}

impl StompOptions {
    /// Where a message typed in `destination` is sent: there, or with the send prefix in place
    /// of its first segment (`/topic/chat` -> `/app/chat`).
    pub fn send_destination(&self, destination: &str) -> String {
        let Some(prefix) = &self.send_prefix else { return destination.to_string() };
        let rest = destination.trim_start_matches('/');
        let rest = rest.split_once('/').map_or(rest, |(_, after)| after);
        format!("{prefix}/{rest}")
    }
}

/// The client side of one STOMP link.
#[derive(Clone, Debug)]
pub struct StompState {
    options: StompOptions,
    connected: bool,
    /// Heart-beats as negotiated: how often we send one, and how often the server does (0: none).
    send_every_ms: f64,
    expect_every_ms: f64,
    last_heard_ms: f64,
    last_sent_ms: f64,
    /// Frames not understood so far in the message being read (which may come in parts).
    not_understood: usize,
}

impl StompState {
    pub fn new(options: StompOptions) -> Self {
        StompState {
            options,
            connected: false,
            send_every_ms: 0.0,
            expect_every_ms: 0.0,
            last_heard_ms: 0.0,
            last_sent_ms: 0.0,
            not_understood: 0,
        }
    }

    /// The subscription to `destination`, named after it (so UNSUBSCRIBE can name it too).
    fn subscribe(&self, destination: &str) -> OutFrame {
        let receipt = format!("join:{destination}");
        frame(
            "SUBSCRIBE",
            &[("id", destination), ("destination", destination), ("ack", "auto"), ("receipt", &receipt)],
            "",
        )
    }

    fn handle(&mut self, frame: &StompFrame<'_>, now_ms: f64, decoded: &mut Decoded) {
        match frame.command {
            "CONNECTED" => {
                self.connected = true;
                let (server_sends, server_wants) = heart_beats(frame.header("heart-beat").unwrap_or("0,0"));
                self.send_every_ms = if server_wants > 0.0 { server_wants.max(HEART_BEAT_MS) } else { 0.0 };
                self.expect_every_ms = if server_sends > 0.0 { server_sends.max(HEART_BEAT_MS) } else { 0.0 };
                let version = frame.header("version").unwrap_or("1.0");
                let server = frame.header("server").map(|s| format!(" ({s})")).unwrap_or_default();
                decoded.events.push(ChatEvent::System(format!("Connected with STOMP {version}{server}.")));
                let destinations = self.options.destinations.clone();
                decoded.replies.extend(destinations.iter().map(|d| self.subscribe(d)));
                self.last_sent_ms = now_ms;
                decoded.wake_in_ms = self.next_wake();
            }
            "MESSAGE" => {
                let place = Target::channel(frame.header("destination").unwrap_or_default());
                let events = read_payload(&place.name, frame.body.as_bytes(), false);
                decoded.events.extend(events.into_iter().map(|e| place.event(e)));
            }
            "RECEIPT" => match frame.header("receipt-id").unwrap_or_default() {
                id if id.starts_with("join:") => {
                    let place = Target::channel(&id["join:".len()..]);
                    decoded.events.push(place.event(ChatEvent::Entered));
                    let text = format!("Subscribed to {}.", place.name);
                    decoded.events.push(place.event(ChatEvent::Notice { text, time_ms: None }));
                }
                id => {
                    if let Some(message) = id.strip_prefix("msg-").and_then(|n| n.parse::<u64>().ok()) {
                        decoded.events.push(ChatEvent::Delivered(message));
                    }
                }
            },
            "ERROR" => {
                let message = frame.header("message").unwrap_or("no reason given");
                let detail = frame.body.trim();
                let detail = if detail.is_empty() { String::new() } else { format!(": {detail}") };
                // An ERROR that answers CONNECT refuses the login: the same login again would
                // only be refused again (and lock the account).
                let event = match &self.options.login {
                    Some((user, _)) if !self.connected => ChatEvent::LoginEnded(format!(
                        "The server refused the login as {user} ({message}{detail}): check the login and the password."
                    )),
                    None if !self.connected => ChatEvent::LoginEnded(format!(
                        "The server refused the connection ({message}{detail}): it may want a login."
                    )),
                    _ => ChatEvent::Refused(format!("The server sent an error: {message}{detail}")),
                };
                decoded.events.push(event);
            }
            other => decoded.events.push(ChatEvent::raw(Some("STOMP frame not understood"), other)),
        }
    }

    /// When to look at the heart-beats next: twice per the shorter period.
    fn next_wake(&self) -> Option<f64> {
        let periods = [self.send_every_ms, self.expect_every_ms];
        let shortest = periods.into_iter().filter(|p| *p > 0.0).fold(f64::INFINITY, f64::min);
        shortest.is_finite().then_some(shortest / 2.0)
    }
}

/// `heart-beat:x,y` as milliseconds: what the sender sends, what it wants.
fn heart_beats(value: &str) -> (f64, f64) {
    let mut parts = value.split(',').map(|p| p.trim().parse::<u32>().map_or(0.0, f64::from));
    (parts.next().unwrap_or(0.0), parts.next().unwrap_or(0.0))
}

impl WireFormat for StompState {
    /// The passcode header of CONNECT; no other frame carries one.
    fn secret_spans(&self, frame: &OutFrame) -> Vec<std::ops::Range<usize>> {
        match frame {
            OutFrame::Text(text) if text.starts_with("CONNECT\n") => super::secret_lines(frame, "passcode:", |_| false),
            _ => Vec::new(),
        }
    }

    fn on_open(&mut self, _subprotocol: &str, now_ms: f64) -> Decoded {
        self.connected = false;
        self.send_every_ms = 0.0;
        self.expect_every_ms = 0.0;
        self.last_heard_ms = now_ms;
        self.last_sent_ms = now_ms;
        // As integers: a float in a format string brings the float formatter (10 KB of wasm).
        let beats = format!("{0},{0}", HEART_BEAT_MS as u32);
        let mut headers: Vec<(&str, &str)> =
            vec![("accept-version", "1.2,1.1,1.0"), ("host", "/"), ("heart-beat", &beats)];
        if let Some((login, passcode)) = &self.options.login {
            headers.push(("login", login));
            headers.push(("passcode", passcode.expose()));
        }
        Decoded::replies(vec![frame("CONNECT", &headers, "")])
    }

    fn on_frame(&mut self, frame: Frame<'_>, now_ms: f64) -> Decoded {
        let text = match frame {
            Frame::Text(text) => text,
            Frame::Binary(bytes) => match std::str::from_utf8(bytes) {
                Ok(text) => text,
                Err(_) => {
                    self.last_heard_ms = now_ms;
                    let text = super::describe_binary(bytes);
                    return Decoded::events(vec![ChatEvent::raw(Some("binary frame on a STOMP link"), text)]);
                }
            },
        };
        self.on_text_part(text, 0, usize::MAX, now_ms).0
    }

    /// The frames that start in `budget` bytes from `from` (the last may end past them).
    fn on_text_part(&mut self, text: &str, from: usize, budget: usize, now_ms: f64) -> (Decoded, usize) {
        self.last_heard_ms = now_ms;
        if from == 0 {
            self.not_understood = 0;
        }
        let was_ready = self.is_ready();
        let mut decoded = Decoded::default();
        let mut rest = text.get(from..).unwrap_or_default();
        let stop = rest.len().saturating_sub(budget);
        while rest.len() > stop {
            let Some(raw) = next_frame(&mut rest) else {
                rest = "";
                break;
            };
            // A message of thousands of frames no client understands is said once past the
            // first few: one entry each would make a hostile server's 1 MiB a flood.
            let known = matches!(raw.command, "CONNECTED" | "MESSAGE" | "RECEIPT" | "ERROR");
            self.not_understood += usize::from(!known);
            if known || self.not_understood <= UNKNOWN_FRAMES_SHOWN {
                self.handle(&raw.parsed(), now_ms, &mut decoded);
            }
        }
        let next = text.len() - rest.len();
        if next == text.len() && self.not_understood > UNKNOWN_FRAMES_SHOWN {
            let more = self.not_understood - UNKNOWN_FRAMES_SHOWN;
            let text = format!("{more} more STOMP frames not understood in this message");
            decoded.events.push(ChatEvent::raw(Some("STOMP frames not understood"), text));
        }
        say_ready(was_ready, self.is_ready(), &mut decoded.events);
        (decoded, next)
    }

    /// Heart-beats: an EOL when we have been quiet for our period, a dead link when the server
    /// has been for twice its own.
    fn on_wake(&mut self, now_ms: f64) -> Decoded {
        if !self.connected {
            return Decoded::default();
        }
        let quiet = now_ms - self.last_heard_ms;
        if self.expect_every_ms > 0.0 && quiet + super::TIMER_SLACK_MS >= self.expect_every_ms * 2.0 {
            return Decoded::events(vec![ChatEvent::silent_for(quiet)]);
        }
        let mut replies = Vec::new();
        if self.send_every_ms > 0.0 && now_ms - self.last_sent_ms + super::TIMER_SLACK_MS >= self.send_every_ms {
            replies.push(OutFrame::Text("\n".into()));
            self.last_sent_ms = now_ms;
        }
        Decoded { replies, wake_in_ms: self.next_wake(), ..Decoded::default() }
    }

    fn encode(&mut self, action: Action<'_>) -> Option<Decoded> {
        let replies = match action {
            Action::Message { to, nick, text, id } if to.kind == TargetKind::Channel => {
                let body = self.options.template.fill(nick, text);
                let receipt = format!("msg-{id}");
                let length = body.len().to_string();
                let destination = self.options.send_destination(&to.name);
                let headers = [
                    ("destination", destination.as_str()),
                    ("content-type", "application/json"),
                    ("content-length", &length),
                    ("receipt", &receipt),
                ];
                vec![frame("SEND", &headers, &body)]
            }
            Action::Join(destination) => {
                validate_destinations(destination).ok()?;
                if !self.options.destinations.iter().any(|d| d == destination) {
                    self.options.destinations.push(destination.to_string());
                }
                vec![self.subscribe(destination)]
            }
            Action::Part(target) if target.kind == TargetKind::Channel => {
                self.options.destinations.retain(|d| *d != target.name);
                vec![frame("UNSUBSCRIBE", &[("id", &target.name)], "")]
            }
            _ => return None,
        };
        Some(Decoded::replies(replies))
    }

    fn is_ready(&self) -> bool {
        self.connected
    }
}

/// A broker that accepts any client and relays each SEND to the destination's subscribers (the
/// sender included, as RabbitMQ's topics do).
pub(super) const SERVER_MODEL: ServerModel = ServerModel {
    shapes: 1,
    subprotocol: |_| "v12.stomp",
    handshake: |_, _| vec![OutFrame::Text("CONNECTED\nversion:1.2\nheart-beat:0,0\n\n\0".into())],
    relay: |_, _, sent| match sent {
        OutFrame::Text(text) => model::relay(text).map(OutFrame::Text),
        OutFrame::Binary(_) => None,
    },
    carried: ServerModel::ALL_OF_IT,
    conversation: "#chat",
};

mod model;

#[cfg(test)]
mod tests;
