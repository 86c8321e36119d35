//! MQTT 3.1.1 over WebSocket (subprotocol `mqtt`; Mosquitto, EMQX, HiveMQ): each topic of
//! `channel` is a conversation.
//!
//! CONNECT with a client id kept for as long as the format (the session keeps it across
//! reconnects: a clean start first, the broker's session resumed after a drop), the user name
//! and password when given; SUBSCRIBE at QoS 1, PUBLISH at QoS 1 with PUBACK marking the
//! message delivered; incoming QoS 1 publishes acknowledged; retained messages shown as
//! history; payloads read as JSON chat (the JSON format's field names), else `nick: text`, else
//! text; binary payloads as raw entries. PINGREQ when the link has been quiet for half the
//! keep-alive, a dead link when nothing came for one and a half.

use std::collections::VecDeque;

use super::json::Template;
use super::payload::read_payload;
use super::{
    describe_binary, say_ready, Action, ChatEvent, Decoded, Frame, OutFrame, ServerModel, Spec, Target,
    TargetKind, WireFormat,
};
use crate::settings::Settings;

pub(super) const SPEC: Spec = Spec {
    name: "mqtt",
    aliases: &[],
    label: "MQTT over WebSocket",
    default_subprotocols: &[SUBPROTOCOL],
    offer: &[SUBPROTOCOL],
    identified_by: &[SUBPROTOCOL, "mqttv3.1"],
    reads: &["channel", "login", "template"],
    many_conversations: true,
    default_channel: DEFAULT_TOPIC,
    channels: validate_topics,
    // A broker never speaks first: its first frame answers our CONNECT with a CONNACK.
    sniff: |frame| matches!(frame, Frame::Binary([0x20, 2, ..])),
    finds_format: false,
    socket_url: super::same_url,
    check: |settings| super::check_channels_and_template(settings, validate_topics),
    new: |settings| Box::new(MqttState::new(MqttOptions::from_settings(settings))),
};

pub const SUBPROTOCOL: &str = "mqtt";

/// The topic joined when the person names none (the UI contract's default).
pub const DEFAULT_TOPIC: &str = "chat/lobby";

/// Seconds the broker waits without hearing from us before it drops the link.
pub const KEEP_ALIVE_S: u16 = 60;

/// The largest packet taken in: a broker's limit is commonly far below; anything bigger is a
/// broken or hostile stream, and buffering it would hold its memory.
const MAX_PACKET_BYTES: usize = 16 * 1024 * 1024;

/// Published messages awaiting their PUBACK, remembered at once; the oldest are forgotten.
const UNACKED_KEPT: usize = 1024;

/// A comma-separated list of topics to publish and subscribe to: no wildcards (a message
/// cannot be published to one), no NUL, each within MQTT's 65,535 bytes; `chat/lobby` for none.
pub fn validate_topics(list: &str) -> Result<String, String> {
    let mut topics: Vec<&str> = Vec::new();
    for topic in list.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        if topic.contains(['+', '#', '\0']) {
            return Err(format!(
                "\"{topic}\" is not an MQTT topic a message can be sent to: no + or # wildcards (as in chat/lobby)."
            ));
        }
        if topic.len() > usize::from(u16::MAX) {
            return Err("That MQTT topic is longer than 65,535 bytes.".to_string());
        }
        if !topics.contains(&topic) {
            topics.push(topic);
        }
    }
    Ok(if topics.is_empty() { DEFAULT_TOPIC.to_string() } else { topics.join(",") })
}

/// What MQTT reads from the settings.
#[derive(Clone, Debug, PartialEq)]
pub struct MqttOptions {
    pub nick: String,
    pub topics: Vec<String>,
    /// User name and password, when a login was given (the password may be empty).
    pub login: Option<(String, String)>,
    pub template: Template,
}

impl MqttOptions {
    pub fn from_settings(settings: &Settings) -> Self {
        let topics = validate_topics(&settings.channel).unwrap_or_else(|_| DEFAULT_TOPIC.to_string());
        MqttOptions {
            nick: settings.nick.clone(),
            topics: topics.split(',').map(str::to_string).collect(),
            login: (!settings.login.is_empty()).then(|| (settings.login.clone(), settings.password.clone())),
            template: Template::parse(&settings.json_template).unwrap_or_default(),
        }
    }
}

/// The client side of one MQTT link, and what outlives it: the client id and whether the
/// broker holds a session for it.
#[derive(Clone, Debug)]
pub struct MqttState {
    options: MqttOptions,
    /// Made on the first connection, kept after: the broker keeps our subscriptions and queued
    /// messages under it while the link is down.
    client_id: Option<String>,
    /// A connection was accepted before: the next asks to resume the session.
    resume: bool,
    connected: bool,
    /// Bytes of a packet not complete yet (a WebSocket message may carry part of one).
    pending: Vec<u8>,
    next_packet_id: u16,
    /// Our publishes awaiting PUBACK: (packet id, message id).
    unacked: VecDeque<(u16, u64)>,
    /// Subscriptions awaiting SUBACK: (packet id, topics).
    subscribing: Vec<(u16, Vec<String>)>,
    last_heard_ms: f64,
    last_sent_ms: f64,
}

impl MqttState {
    pub fn new(options: MqttOptions) -> Self {
        MqttState {
            options,
            client_id: None,
            resume: false,
            connected: false,
            pending: Vec::new(),
            next_packet_id: 0,
            unacked: VecDeque::new(),
            subscribing: Vec::new(),
            last_heard_ms: 0.0,
            last_sent_ms: 0.0,
        }
    }

    /// The client id: `wschat-`, the nick's letters and digits, and a stamp of the first
    /// connection (two tabs of one nick must not take over each other's session).
    fn client_id(&mut self, now_ms: f64) -> String {
        let nick: String = self.options.nick.chars().filter(char::is_ascii_alphanumeric).take(12).collect();
        let stamp = (now_ms.max(0.0) as u64) % 36u64.pow(8);
        self.client_id.get_or_insert_with(|| format!("wschat-{nick}-{}", base36(stamp))).clone()
    }

    fn packet_id(&mut self) -> u16 {
        self.next_packet_id = self.next_packet_id.checked_add(1).unwrap_or(1);
        self.next_packet_id
    }

    fn connect_packet(&mut self, now_ms: f64) -> Vec<u8> {
        let client_id = self.client_id(now_ms);
        let mut flags = if self.resume { 0 } else { 0x02 };
        let mut body = Vec::new();
        put_str(&mut body, "MQTT");
        body.push(4); // protocol level 3.1.1
        if self.options.login.is_some() {
            flags |= 0x80 | 0x40;
        }
        body.push(flags);
        body.extend(KEEP_ALIVE_S.to_be_bytes());
        put_str(&mut body, &client_id);
        if let Some((user, password)) = &self.options.login {
            put_str(&mut body, user);
            put_str(&mut body, password);
        }
        packet(0x10, &body)
    }

    fn subscribe_packet(&mut self, topics: Vec<String>) -> Vec<u8> {
        let id = self.packet_id();
        let mut body = id.to_be_bytes().to_vec();
        for topic in &topics {
            put_str(&mut body, topic);
            body.push(1); // QoS 1
        }
        self.subscribing.push((id, topics));
        packet(0x82, &body)
    }

    fn publish_packet(&mut self, topic: &str, payload: &[u8], message: u64) -> Vec<u8> {
        let id = self.packet_id();
        let mut body = Vec::with_capacity(topic.len() + payload.len() + 4);
        put_str(&mut body, topic);
        body.extend(id.to_be_bytes());
        body.extend_from_slice(payload);
        if self.unacked.len() == UNACKED_KEPT {
            self.unacked.pop_front();
        }
        self.unacked.push_back((id, message));
        packet(0x32, &body)
    }

    /// One complete packet from the broker.
    fn handle(&mut self, kind: u8, flags: u8, body: &[u8], decoded: &mut Decoded) {
        match kind {
            // CONNACK: session present, return code.
            2 => {
                let (present, code) = (body.first().copied().unwrap_or(0) & 1 == 1, body.get(1).copied().unwrap_or(255));
                if code != 0 {
                    decoded.events.push(ChatEvent::Refused(refusal(code, self.options.login.as_ref())));
                    return;
                }
                self.connected = true;
                let resumed = self.resume && present;
                self.resume = true;
                let id = self.client_id.clone().unwrap_or_default();
                let how = if resumed { "the broker's session resumed" } else { "a new session" };
                decoded.events.push(ChatEvent::System(format!("Connected to the broker as {id}, {how}.")));
                if !self.options.topics.is_empty() {
                    let topics = self.options.topics.clone();
                    let subscribe = self.subscribe_packet(topics);
                    decoded.replies.push(OutFrame::Binary(subscribe));
                }
            }
            // PUBLISH: topic, packet id at QoS 1 or 2, payload.
            3 => {
                let qos = (flags >> 1) & 3;
                let Some((topic, rest)) = take_str(body) else {
                    decoded.events.push(ChatEvent::raw(Some("unreadable MQTT publish"), describe_binary(body)));
                    return;
                };
                let (id, payload) = if qos > 0 && rest.len() >= 2 {
                    (Some(u16::from_be_bytes([rest[0], rest[1]])), &rest[2..])
                } else {
                    (None, rest)
                };
                if let (1, Some(id)) = (qos, id) {
                    decoded.replies.push(OutFrame::Binary(packet(0x40, &id.to_be_bytes())));
                }
                let retained = flags & 1 == 1;
                let place = Target::channel(topic);
                decoded.events.extend(read_payload(topic, payload, retained).into_iter().map(|e| place.event(e)));
            }
            // PUBACK: our publish is with the broker.
            4 if body.len() >= 2 => {
                let id = u16::from_be_bytes([body[0], body[1]]);
                if let Some(at) = self.unacked.iter().position(|(p, _)| *p == id) {
                    if let Some((_, message)) = self.unacked.remove(at) {
                        decoded.events.push(ChatEvent::Delivered(message));
                    }
                }
            }
            // SUBACK: a return code per topic, 0x80 for a refusal.
            9 if body.len() >= 2 => {
                let id = u16::from_be_bytes([body[0], body[1]]);
                let Some(at) = self.subscribing.iter().position(|(p, _)| *p == id) else { return };
                let (_, topics) = self.subscribing.remove(at);
                for (topic, code) in topics.iter().zip(&body[2..]) {
                    let place = Target::channel(topic);
                    if *code == 0x80 {
                        let why = format!("The broker refused the subscription to {topic}.");
                        decoded.events.push(place.event(ChatEvent::Gone(why.clone())));
                        decoded.events.push(ChatEvent::Refused(why));
                    } else {
                        decoded.events.push(place.event(ChatEvent::Entered));
                        let text = format!("Subscribed to {topic}.");
                        decoded.events.push(place.event(ChatEvent::Notice { text, time_ms: None }));
                    }
                }
            }
            // UNSUBACK, PINGRESP: heard, nothing to say.
            11 | 13 => {}
            _ => decoded.events.push(ChatEvent::raw(Some("MQTT packet not understood"), describe_binary(body))),
        }
    }
}

/// CONNACK's refusals in words.
fn refusal(code: u8, login: Option<&(String, String)>) -> String {
    match code {
        1 => "The broker does not speak MQTT 3.1.1.".to_string(),
        2 => "The broker refused the client id.".to_string(),
        3 => "The broker is unavailable.".to_string(),
        4 | 5 => match login {
            Some((user, _)) => format!("The broker refused the login as {user}: check the login and the password."),
            None => "The broker wants a login: give one (login) and its password.".to_string(),
        },
        other => format!("The broker refused the connection (code {other})."),
    }
}

impl WireFormat for MqttState {
    fn on_open(&mut self, _subprotocol: &str, now_ms: f64) -> Decoded {
        self.connected = false;
        self.pending.clear();
        self.subscribing.clear();
        self.unacked.clear();
        self.last_heard_ms = now_ms;
        self.last_sent_ms = now_ms;
        let connect = self.connect_packet(now_ms);
        Decoded {
            replies: vec![OutFrame::Binary(connect)],
            wake_in_ms: Some(f64::from(KEEP_ALIVE_S) * 500.0),
            ..Decoded::default()
        }
    }

    fn on_frame(&mut self, frame: Frame<'_>, now_ms: f64) -> Decoded {
        self.last_heard_ms = now_ms;
        let was_ready = self.is_ready();
        let mut decoded = Decoded::default();
        let bytes = match frame {
            Frame::Binary(bytes) => bytes,
            Frame::Text(text) => {
                decoded.events.push(ChatEvent::raw(Some("text frame on an MQTT link"), text));
                return decoded;
            }
        };
        self.pending.extend_from_slice(bytes);
        loop {
            match split_packet(&self.pending) {
                Split::Need => break,
                Split::Broken => {
                    self.pending.clear();
                    decoded.events.push(ChatEvent::LinkDead("The broker sent a broken MQTT packet.".to_string()));
                    break;
                }
                Split::Packet { header, start, end } => {
                    let body = self.pending[start..end].to_vec();
                    self.pending.drain(..end);
                    self.handle(header >> 4, header & 0x0f, &body, &mut decoded);
                }
            }
        }
        say_ready(was_ready, self.is_ready(), &mut decoded.events);
        decoded
    }

    /// Half the keep-alive quiet: a PINGREQ; one and a half: the link is dead.
    fn on_wake(&mut self, now_ms: f64) -> Decoded {
        let keep_alive_ms = f64::from(KEEP_ALIVE_S) * 1000.0;
        let quiet = now_ms - self.last_heard_ms;
        if quiet + super::TIMER_SLACK_MS >= keep_alive_ms * 1.5 {
            return Decoded::events(vec![ChatEvent::silent_for(quiet)]);
        }
        let mut replies = Vec::new();
        if quiet + super::TIMER_SLACK_MS >= keep_alive_ms / 2.0 || now_ms - self.last_sent_ms >= keep_alive_ms / 2.0 {
            replies.push(OutFrame::Binary(vec![0xc0, 0]));
            self.last_sent_ms = now_ms;
        }
        Decoded { replies, wake_in_ms: Some(keep_alive_ms / 4.0), ..Decoded::default() }
    }

    fn encode(&mut self, action: Action<'_>) -> Option<Decoded> {
        let replies = match action {
            Action::Message { to, nick, text, id } if to.kind == TargetKind::Channel => {
                let payload = self.options.template.fill(nick, text);
                vec![OutFrame::Binary(self.publish_packet(&to.name, payload.as_bytes(), id))]
            }
            Action::Join(topic) => {
                validate_topics(topic).ok()?;
                if !self.options.topics.iter().any(|t| t == topic) {
                    self.options.topics.push(topic.to_string());
                }
                vec![OutFrame::Binary(self.subscribe_packet(vec![topic.to_string()]))]
            }
            Action::Part(target) if target.kind == TargetKind::Channel => {
                self.options.topics.retain(|t| *t != target.name);
                let id = self.packet_id();
                let mut body = id.to_be_bytes().to_vec();
                put_str(&mut body, &target.name);
                vec![OutFrame::Binary(packet(0xa2, &body))]
            }
            _ => return None,
        };
        Some(Decoded::replies(replies))
    }

    fn is_ready(&self) -> bool {
        self.connected
    }

    fn probe(&self) -> Vec<OutFrame> {
        if self.connected {
            vec![OutFrame::Binary(vec![0xc0, 0])]
        } else {
            Vec::new()
        }
    }
}

/// Where the first packet of `bytes` ends, if it is all there.
enum Split {
    Need,
    Broken,
    Packet { header: u8, start: usize, end: usize },
}

fn split_packet(bytes: &[u8]) -> Split {
    let Some(&header) = bytes.first() else { return Split::Need };
    let mut length: usize = 0;
    for i in 0..4 {
        let Some(&byte) = bytes.get(1 + i) else { return Split::Need };
        length |= usize::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            if length > MAX_PACKET_BYTES {
                return Split::Broken;
            }
            let start = 2 + i;
            return if bytes.len() >= start + length {
                Split::Packet { header, start, end: start + length }
            } else {
                Split::Need
            };
        }
    }
    Split::Broken
}

/// A packet: its first byte, the remaining length, the rest.
fn packet(header: u8, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 5);
    out.push(header);
    let mut length = body.len();
    loop {
        let byte = (length % 128) as u8;
        length /= 128;
        out.push(if length > 0 { byte | 0x80 } else { byte });
        if length == 0 {
            break;
        }
    }
    out.extend_from_slice(body);
    out
}

/// A UTF-8 string with its two-byte length; cut to 65,535 bytes at a character boundary.
fn put_str(out: &mut Vec<u8>, text: &str) {
    let mut end = text.len().min(usize::from(u16::MAX));
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    out.extend((end as u16).to_be_bytes());
    out.extend_from_slice(&text.as_bytes()[..end]);
}

/// A length-prefixed UTF-8 string at the start of `bytes`, and what follows it.
fn take_str(bytes: &[u8]) -> Option<(&str, &[u8])> {
    let length = usize::from(u16::from_be_bytes([*bytes.first()?, *bytes.get(1)?]));
    let text = std::str::from_utf8(bytes.get(2..2 + length)?).ok()?;
    Some((text, &bytes[2 + length..]))
}

fn base36(mut n: u64) -> String {
    let mut digits = Vec::new();
    loop {
        digits.push(char::from_digit((n % 36) as u32, 36).unwrap_or('0'));
        n /= 36;
        if n == 0 {
            break;
        }
    }
    digits.iter().rev().collect()
}

/// A broker that accepts any client into `chat/lobby` and relays each QoS 1 PUBLISH to the
/// topic (the sender included, as Mosquitto does) after its PUBACK.
pub(super) const SERVER_MODEL: ServerModel = ServerModel {
    shapes: 1,
    subprotocol: |_| SUBPROTOCOL,
    handshake: |_, _| vec![OutFrame::Binary(vec![0x20, 2, 0, 0]), OutFrame::Binary(vec![0x90, 3, 0, 1, 1])],
    relay: |_, _, frame| {
        let OutFrame::Binary(bytes) = frame else { return None };
        let Split::Packet { header, start, end } = split_packet(bytes) else { return None };
        if header & 0xf0 != 0x30 {
            return None;
        }
        let body = &bytes[start..end];
        let (topic, rest) = take_str(body)?;
        let payload = rest.get(2..)?;
        let mut relayed = Vec::new();
        put_str(&mut relayed, topic);
        relayed.extend_from_slice(payload);
        Some(OutFrame::Binary(packet(0x30, &relayed)))
    },
    carried: ServerModel::ALL_OF_IT,
};

#[cfg(test)]
mod tests;
