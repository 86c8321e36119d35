//! Socket.IO v4 over a raw WebSocket (Engine.IO 4), for the two chat shapes people build from
//! the Socket.IO docs: the tutorial's `chat message` broadcast, and the chat example's
//! `add user` / `new message` / `user joined` / `user left` / `login` events.

use crate::json::{self, Value};
use crate::stored_outbox::server_id;

use super::text::split_nick;
use super::{describe_binary, say_ready, Action, ChatEvent, Decoded, Frame, OutFrame, ServerModel, Spec, WireFormat};

pub(super) const SPEC: Spec = Spec {
    name: "socketio",
    aliases: &["socket.io"],
    label: "Socket.IO",
    default_subprotocols: &[],
    offer: &[],
    identified_by: &[],
    reads: &[],
    many_conversations: false,
    default_channel: "",
    channels: super::no_channels,
    // The Engine.IO open packet, the first thing such a server says.
    sniff: |frame| matches!(frame, Frame::Text(text) if text.starts_with("0{") && text.contains("\"sid\"")),
    finds_format: false,
    socket_url: socketio_url,
    check: super::nothing_to_check,
};

/// This format for a connection (loaded when first needed: see [`super::ProtocolKind::load`]).
pub(super) fn make(settings: &super::FormatSettings) -> Box<dyn super::WireFormat> {
    Box::new(SocketIoState::new(SocketIoOptions::from_settings(settings)))
}

/// What Socket.IO reads from the settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SocketIoOptions {
    /// The name given with the chat example's `add user`.
    pub nick: String,
}

impl SocketIoOptions {
    pub fn from_settings(settings: &super::FormatSettings) -> Self {
        SocketIoOptions { nick: settings.nick.clone() }
    }
}

/// How long to wait for the chat example's `login` before taking the server for the tutorial's.
pub const SHAPE_GRACE_MS: f64 = 500.0;

/// Engine.IO 4's defaults (engine.io's `pingInterval` and `pingTimeout` options), taken when
/// the open packet's value is not a finite number.
pub const DEFAULT_PING_INTERVAL_MS: f64 = 25_000.0;
pub const DEFAULT_PING_TIMEOUT_MS: f64 = 20_000.0;

/// The range a server's ping interval and timeout are each held to: below a second a dead-link
/// timer would fire all the time, above ten minutes a dead link would go unnoticed.
pub const MIN_PING_MS: f64 = 1_000.0;
pub const MAX_PING_MS: f64 = 600_000.0;

/// Own messages waiting for an acknowledgement, at most: a server that never answers them
/// must not make the list grow for as long as the connection lasts.
const MAX_AWAITED_ACKS: usize = 1024;

/// Which of the two documented chat servers this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Not known yet: `add user` was sent, no `login` came back so far.
    Unknown,
    /// `io.emit('chat message', msg)` to everyone, the sender included.
    Tutorial,
    /// The chat example: `new message` to everyone but the sender.
    ChatExample,
}

/// The client side of one Socket.IO connection.
#[derive(Clone, Debug)]
pub struct SocketIoState {
    nick: String,
    connected: bool,
    shape: Shape,
    /// From the Engine.IO open packet: how long without a ping means the link is dead.
    dead_after_ms: Option<f64>,
    /// The Socket.IO session id from the connect packet, for client offsets.
    sid: String,
    /// When the last packet came, for the dead-link deadline.
    last_heard_ms: f64,
    /// Until when the chat example's `login` is waited for.
    grace_until_ms: Option<f64>,
    /// Ids of own messages sent with an acknowledgement id (the message's id), oldest first.
    /// A Vec: it stays short, and a VecDeque costs the wasm about 800 bytes more.
    awaiting_acks: Vec<u64>,
    /// The server's offset of the last message it sent with one (the tutorial's delivery
    /// guarantee: `chat message` with the message's row id): sent back on connecting, so the
    /// server replays only what came since (`auth.serverOffset`).
    server_offset: Option<u64>,
    /// Whether the third argument of `chat message` still looks like the server's offset: a
    /// whole number, larger each time. Servers put other things there (a user name, a count);
    /// one that repeats would make two lines of the same text one.
    offsets_trusted: bool,
}

/// The URL of the Engine.IO WebSocket transport for a Socket.IO server at `url`.
pub fn socketio_url(url: &str) -> String {
    // Trimmed first, as every other format's URL is: the path goes after the host.
    let url = url.trim();
    if url.contains("EIO=") {
        return url.to_string();
    }
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[after_scheme..].find('/').map_or(base.len(), |i| after_scheme + i);
    let (origin, path) = base.split_at(path_start);
    let path = if path.is_empty() || path == "/" { "/socket.io/" } else { path };
    let path = if path.ends_with('/') { path.to_string() } else { format!("{path}/") };
    let extra = query.map(|q| format!("&{q}")).unwrap_or_default();
    format!("{origin}{path}?EIO=4&transport=websocket{extra}")
}

impl SocketIoState {
    pub fn new(options: SocketIoOptions) -> Self {
        SocketIoState {
            nick: options.nick,
            connected: false,
            shape: Shape::Unknown,
            dead_after_ms: None,
            sid: String::new(),
            last_heard_ms: 0.0,
            grace_until_ms: None,
            awaiting_acks: Vec::new(),
            server_offset: None,
            offsets_trusted: true,
        }
    }

    /// The tutorial server echoes to the sender; the chat example does not.
    pub fn echoes(&self) -> bool {
        self.shape == Shape::Tutorial
    }

    /// pingInterval + pingTimeout from the server: silence longer than that is a dead link.
    pub fn dead_after_ms(&self) -> Option<f64> {
        self.dead_after_ms
    }

    /// No `login` within [`SHAPE_GRACE_MS`] of connecting: it is the tutorial's server.
    pub fn shape_grace_over(&mut self) {
        if self.shape == Shape::Unknown {
            self.shape = Shape::Tutorial;
        }
    }

    /// One Engine.IO packet. Returns events, replies, and whether the shape grace period starts.
    pub fn decode(&mut self, packet: &str) -> (Vec<ChatEvent>, Vec<OutFrame>, bool) {
        let mut events = Vec::new();
        let mut replies = Vec::new();
        let mut connected_now = false;
        let (kind, body) = packet.split_at(packet.char_indices().nth(1).map_or(packet.len(), |(i, _)| i));
        match kind {
            "0" => {
                let open = json::parse(body).unwrap_or(Value::Null);
                self.dead_after_ms = heartbeat_deadline(open.get("pingInterval"), open.get("pingTimeout"));
                let connect = match self.server_offset {
                    Some(offset) => format!("40{{\"serverOffset\":{offset}}}"),
                    None => "40".into(),
                };
                replies.push(OutFrame::Text(connect));
            }
            "2" => replies.push(OutFrame::Text(format!("3{body}"))),
            "3" | "6" => {}
            "1" => events.push(ChatEvent::System("The Socket.IO server closed the session.".into())),
            "4" => self.decode_socket_packet(body, &mut events, &mut replies, &mut connected_now),
            _ => events.push(ChatEvent::raw(Some("unknown Engine.IO packet"), packet)),
        }
        (events, replies, connected_now)
    }

    fn decode_socket_packet(
        &mut self,
        body: &str,
        events: &mut Vec<ChatEvent>,
        replies: &mut Vec<OutFrame>,
        connected_now: &mut bool,
    ) {
        let (kind, rest) = body.split_at(body.char_indices().nth(1).map_or(body.len(), |(i, _)| i));
        // A namespace other than the main one comes as "/name," first; only "/" is used here.
        let rest = if rest.starts_with('/') { rest.split_once(',').map_or("", |(_, r)| r) } else { rest };
        match kind {
            "0" => {
                self.connected = true;
                *connected_now = true;
                if let Some(sid) = json::parse(rest).ok().as_ref().and_then(|v| v.get("sid")).and_then(Value::as_str) {
                    self.sid = sid.to_string();
                }
                events.push(ChatEvent::System("Socket.IO connected.".into()));
                replies.push(emit("add user", &[Value::String(self.nick.clone())]));
            }
            "1" => {
                self.connected = false;
                events.push(ChatEvent::Refused("The Socket.IO server disconnected this client.".into()));
            }
            "4" => {
                // `44{"message": "…"}` (v4) or `44"…"` (v3).
                let detail = json::parse(rest).ok();
                let reason = detail
                    .as_ref()
                    .and_then(|d| d.get("message").or(Some(d)))
                    .and_then(Value::as_str)
                    .map_or_else(|| rest.to_string(), str::to_string);
                events.push(ChatEvent::Refused(format!("The Socket.IO server refused the connection: {reason}")));
            }
            // An acknowledgement of one of our messages, by the id it was sent with.
            "3" => {
                let digits = rest.find(|c: char| !c.is_ascii_digit()).map_or(rest, |end| &rest[..end]);
                let awaited =
                    digits.parse::<u64>().ok().and_then(|id| self.awaiting_acks.iter().position(|&a| a == id));
                if let Some(at) = awaited {
                    events.push(ChatEvent::Delivered(self.awaiting_acks.remove(at)));
                }
            }
            "2" => {
                // An event, possibly with an ack id before the array.
                let array_start = rest.find('[').unwrap_or(rest.len());
                match json::parse(&rest[array_start..]) {
                    Ok(Value::Array(items)) => self.decode_event(&items, events),
                    _ => events.push(ChatEvent::raw(Some("unreadable Socket.IO event"), rest)),
                }
            }
            _ => events.push(ChatEvent::raw(Some("Socket.IO packet"), format!("4{body}"))),
        }
    }

    fn decode_event(&mut self, items: &[Value], events: &mut Vec<ChatEvent>) {
        let name = items.first().and_then(Value::as_str).unwrap_or("");
        let arg = items.get(1).unwrap_or(&Value::Null);
        let username = || arg.get("username").and_then(Value::as_str).unwrap_or("someone").to_string();
        let count = || arg.get("numUsers").and_then(Value::as_u64);
        match name {
            "chat message" => {
                // Variants of the tutorial send an object ({username, message}): read it as JSON chat.
                if let Some(event) = super::json::message_from(arg) {
                    events.push(event);
                    return;
                }
                let text = arg.as_str().map(str::to_string).unwrap_or_else(|| arg.to_json());
                let msgid = self.offset_of(items.get(2)).map(|offset| {
                    // With its text's hash: a server restarted without its messages counts from
                    // 1 again, and a new line must not pass for an old one.
                    format!("offset {offset} {}", server_id(&text).get(..12).unwrap_or_default())
                });
                events.push(match split_nick(&text) {
                    Some((nick, body)) => ChatEvent::Message { nick: Some(nick.into()), text: body.into(), time_ms: None, msgid },
                    None => ChatEvent::Message { nick: None, text, time_ms: None, msgid },
                });
            }
            "new message" => {
                let text = arg.get("message").and_then(Value::as_str).unwrap_or("").to_string();
                events.push(ChatEvent::Message { nick: Some(username()), text, time_ms: None, msgid: None });
            }
            "login" => {
                self.shape = Shape::ChatExample;
                events.push(ChatEvent::Joined { nick: self.nick.clone(), text: participants(count()), time_ms: None });
            }
            "user joined" => {
                let who = username();
                events.push(ChatEvent::Joined {
                    text: format!("{who} joined; {}", participants(count())),
                    nick: who,
                    time_ms: None,
                });
            }
            "user left" => {
                let who = username();
                events.push(ChatEvent::Left {
                    text: format!("{who} left; {}", participants(count())),
                    nick: who,
                    time_ms: None,
                });
            }
            "typing" | "stop typing" => {}
            _ => events.push(ChatEvent::raw(Some("Socket.IO event"), Value::Array(items.to_vec()).to_json())),
        }
    }

    /// The server's offset for a `chat message` (its third argument), while they look like
    /// offsets: a whole number above the last. Anything else once, and they are not trusted again.
    fn offset_of(&mut self, arg: Option<&Value>) -> Option<u64> {
        let offset = arg?.as_u64().filter(|_| self.offsets_trusted);
        match offset {
            Some(n) if self.server_offset.is_none_or(|last| n > last) => {
                self.server_offset = Some(n);
                Some(n)
            }
            _ => {
                self.offsets_trusted = false;
                self.server_offset = None;
                None
            }
        }
    }

    /// A message in the shape this server understands; `id` is unique within the page, and
    /// the acknowledgement id where one is asked for.
    pub fn encode_message(&mut self, nick: &str, text: &str, id: u64) -> OutFrame {
        match self.shape {
            Shape::ChatExample => emit("new message", &[Value::String(text.into())]),
            // The tutorial's server relays a bare string: carry the author the plain-text way.
            // Its last form takes a client offset and an acknowledgement callback, and fails
            // without them (`callback()` on undefined): send both, as its own client does.
            Shape::Tutorial | Shape::Unknown => {
                let args = [Value::String(format!("{nick}: {text}")), Value::String(format!("{}-{id}", self.sid))];
                if self.awaiting_acks.len() >= MAX_AWAITED_ACKS {
                    self.awaiting_acks.remove(0);
                }
                self.awaiting_acks.push(id);
                emit_acked("chat message", &args, Some(id))
            }
        }
    }
}

impl SocketIoState {
    /// The next wake-up: the end of the grace period, or the dead-link deadline.
    fn next_wake(&self, now_ms: f64) -> Option<f64> {
        let dead_at = self.dead_after_ms.map(|after| self.last_heard_ms + after);
        [self.grace_until_ms, dead_at].into_iter().flatten().reduce(f64::min).map(|at| (at - now_ms).max(0.0))
    }
}

impl WireFormat for SocketIoState {
    /// Nothing to send on open: the server speaks first (the Engine.IO open packet).
    /// A stored line's `offset N …` id: the offset to give when this page has none of its own.
    fn resume_after(&mut self, msgid: &str) {
        let offset = msgid.strip_prefix("offset ").and_then(|rest| rest.split(' ').next()?.parse::<u64>().ok());
        if self.server_offset.is_none() && self.offsets_trusted {
            self.server_offset = offset;
        }
    }

    fn on_open(&mut self, _subprotocol: &str, now_ms: f64) -> Decoded {
        // A new link is a new session, but what the server delivered stays delivered.
        let (server_offset, trusted) = (self.server_offset.take(), self.offsets_trusted);
        *self = SocketIoState::new(SocketIoOptions { nick: std::mem::take(&mut self.nick) });
        (self.server_offset, self.offsets_trusted) = (server_offset, trusted);
        self.last_heard_ms = now_ms;
        Decoded::default()
    }

    fn on_frame(&mut self, frame: Frame<'_>, now_ms: f64) -> Decoded {
        self.last_heard_ms = now_ms;
        let packet = match frame {
            Frame::Text(packet) => packet,
            Frame::Binary(bytes) => return Decoded::events(vec![ChatEvent::raw(None, describe_binary(bytes))]),
        };
        let (was_ready, deadline_before) = (self.is_ready(), self.dead_after_ms);
        let (mut events, replies, connected_now) = self.decode(packet);
        if connected_now {
            self.grace_until_ms = Some(now_ms + SHAPE_GRACE_MS);
        }
        say_ready(was_ready, self.is_ready(), &mut events);
        // The timers change with the open packet (the deadline) and the connect (the grace);
        // other packets only push the deadline back, which the wake-up finds out itself.
        let retime = connected_now || self.dead_after_ms != deadline_before;
        Decoded { events, replies, wake_in_ms: if retime { self.next_wake(now_ms) } else { None } }
    }

    /// The grace period's end (no `login`: the tutorial's server), or the dead-link deadline.
    fn on_wake(&mut self, now_ms: f64) -> Decoded {
        let was_ready = self.is_ready();
        let mut events = Vec::new();
        if self.grace_until_ms.is_some_and(|until| now_ms + super::TIMER_SLACK_MS >= until) {
            self.grace_until_ms = None;
            self.shape_grace_over();
        }
        say_ready(was_ready, self.is_ready(), &mut events);
        let quiet = now_ms - self.last_heard_ms;
        if self.dead_after_ms.is_some_and(|after| quiet + super::TIMER_SLACK_MS >= after) {
            events.push(ChatEvent::silent_for(quiet));
            return Decoded::events(events);
        }
        Decoded { events, wake_in_ms: self.next_wake(now_ms), ..Decoded::default() }
    }

    fn encode(&mut self, action: Action<'_>) -> Option<Decoded> {
        match action {
            Action::Message { nick, text, id, .. } => Some(Decoded::replies(vec![self.encode_message(nick, text, id)])),
            _ => None,
        }
    }

    /// Once connected to the namespace and the chat shape is known.
    fn is_ready(&self) -> bool {
        self.connected && self.shape != Shape::Unknown
    }
}

/// The two documented servers: shape 0 is the tutorial's (`chat message` to everyone), shape 1
/// the chat example's (`login`, then `new message` with the username `add user` gave).
pub(super) const SERVER_MODEL: ServerModel = ServerModel {
    shapes: 2,
    subprotocol: |_| "",
    handshake: |shape, _| {
        let mut frames =
            vec![r#"0{"sid":"e","pingInterval":25000,"pingTimeout":20000}"#.to_string(), r#"40{"sid":"s"}"#.into()];
        if shape == 1 {
            frames.push(r#"42["login",{"numUsers":1}]"#.into());
        }
        frames.into_iter().map(OutFrame::Text).collect()
    },
    relay: |shape, nick, frame| {
        let OutFrame::Text(packet) = frame else { return None };
        let array = packet.strip_prefix("42")?.trim_start_matches(|c: char| c.is_ascii_digit());
        let Ok(Value::Array(items)) = json::parse(array) else { return None };
        let message = items.get(1).cloned().unwrap_or(Value::Null);
        let relayed = match (shape, items.first().and_then(Value::as_str)) {
            (0, Some("chat message")) => vec![Value::String("chat message".into()), message],
            (1, Some("new message")) => {
                let data = vec![("username".into(), Value::String(nick.into())), ("message".into(), message)];
                vec![Value::String("new message".into()), Value::Object(data)]
            }
            _ => return None,
        };
        Some(OutFrame::Text(format!("42{}", Value::Array(relayed).to_json())))
    },
    carried: ServerModel::ALL_OF_IT,
    conversation: "#chat",
};

/// pingInterval + pingTimeout, each within [`MIN_PING_MS`]..=[`MAX_PING_MS`]: the server's
/// numbers become a timer, and `1e400` or `-1` would make it fire at once, again and again.
/// A value that is missing or not a finite number takes Engine.IO's default; with neither
/// given there is no heartbeat to watch.
fn heartbeat_deadline(interval: Option<&Value>, timeout: Option<&Value>) -> Option<f64> {
    if interval.is_none() && timeout.is_none() {
        return None;
    }
    let sane = |value: Option<&Value>, default: f64| match value.and_then(Value::as_f64) {
        Some(ms) if ms.is_finite() => ms.clamp(MIN_PING_MS, MAX_PING_MS),
        _ => default,
    };
    Some(sane(interval, DEFAULT_PING_INTERVAL_MS) + sane(timeout, DEFAULT_PING_TIMEOUT_MS))
}

fn participants(count: Option<u64>) -> String {
    match count {
        Some(1) => "1 participant".into(),
        Some(n) => format!("{n} participants"),
        None => "participants unknown".into(),
    }
}

/// `42["event", args…]`
fn emit(event: &str, args: &[Value]) -> OutFrame {
    emit_acked(event, args, None)
}

/// `42<ack>["event", args…]`: with an ack id, the server's handler gets a callback.
fn emit_acked(event: &str, args: &[Value], ack: Option<u64>) -> OutFrame {
    let mut items = vec![Value::String(event.into())];
    items.extend_from_slice(args);
    let ack = ack.map(|id| id.to_string()).unwrap_or_default();
    OutFrame::Text(format!("42{ack}{}", Value::Array(items).to_json()))
}

#[cfg(test)]
mod tests;
