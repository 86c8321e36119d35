//! MQTT 5 and 3.1.1 over WebSocket (subprotocol `mqtt`; Mosquitto, EMQX, HiveMQ): each topic
//! of `channel` is a conversation.
//!
//! MQTT 5 first; a broker that answers in 3.1.1 that it does not speak 5, or ends the link
//! without an answer, gets 3.1.1 on the next connection. CONNECT with a client id kept for as
//! long as the format (the session keeps it across reconnects: a new session first, the
//! broker's session resumed after a drop), the user name and password when given; SUBSCRIBE at
//! QoS 1 (MQTT 5: without our own messages back), PUBLISH at QoS 1 with PUBACK marking the
//! message delivered (MQTT 5: a refusing PUBACK fails it, in the broker's words); incoming QoS
//! 1 publishes acknowledged; retained messages shown as history; payloads read as JSON chat
//! (the JSON format's field names), else `nick: text`, else text; binary payloads as raw
//! entries. PINGREQ when the link has been quiet for half the keep-alive (the broker's, when it
//! names one), a dead link when nothing came for one and a half. The broker's limits from its
//! CONNACK are kept: publishes awaiting PUBACK (the rest wait in order), the largest packet,
//! the highest QoS.

use std::collections::VecDeque;

use super::{
    say_ready, Action, ChatEvent, Decoded, Frame, OutFrame, ServerModel, Spec, TargetKind, WireFormat, SEED_BYTES,
};
use packet::{connect_properties, packet, put_str, split_packet, Split, MAX_PACKET_BYTES};

mod model;
mod options;
mod packet;
mod reasons;
mod receive;
pub use options::{validate_topics, MqttOptions};

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
    sniff: |frame| matches!(frame, Frame::Binary([0x20, length, ..]) if *length >= 2),
    finds_format: false,
    socket_url: super::same_url,
    check: |settings| super::check_channels_and_template(settings, validate_topics),
};

/// This format for a connection (loaded when first needed: see [`super::ProtocolKind::load`]).
pub(super) fn make(settings: &super::FormatSettings) -> Box<dyn super::WireFormat> {
    Box::new(MqttState::new(MqttOptions::from_settings(settings)))
}

pub const SUBPROTOCOL: &str = "mqtt";

/// The topic joined when the person names none (the UI contract's default).
pub const DEFAULT_TOPIC: &str = "chat/lobby";

/// Seconds the broker waits without hearing from us before it drops the link.
pub const KEEP_ALIVE_S: u16 = 60;

/// How long the broker keeps an MQTT 5 session (subscriptions, queued messages) after the link
/// drops: long enough for a network change or a laptop lid, not a store of forgotten tabs.
pub const SESSION_EXPIRY_S: u32 = 3600;

/// Published messages awaiting their PUBACK, remembered at once; the oldest are forgotten.
const UNACKED_KEPT: usize = 1024;

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
    /// 5, or 4 (3.1.1) once a broker said it does not speak 5.
    level: u8,
    connected: bool,
    /// The link was open and the broker had said nothing to our CONNECT yet.
    unanswered: bool,
    /// Links in a row lost on the way before the broker answered an MQTT 5 CONNECT.
    unanswered_drops: u8,
    /// The next connection speaks 3.1.1: why, for the person.
    fall_back: Option<&'static str>,
    /// Bytes of a packet not complete yet (a WebSocket message may carry part of one).
    pending: Vec<u8>,
    next_packet_id: u16,
    /// Our publishes awaiting PUBACK: (packet id, message id).
    unacked: VecDeque<(u16, u64)>,
    /// Publishes past the broker's receive maximum, sent as PUBACKs free room: (topic,
    /// payload, message id).
    held: VecDeque<(String, Vec<u8>, u64)>,
    /// Subscriptions awaiting SUBACK: (packet id, topics).
    subscribing: Vec<(u16, Vec<String>)>,
    last_heard_ms: f64,
    last_sent_ms: f64,
    /// The broker's limits on this link (its CONNACK's, else MQTT's own).
    keep_alive_s: u16,
    receive_maximum: usize,
    maximum_qos: u8,
    maximum_packet: usize,
}

impl MqttState {
    pub fn new(options: MqttOptions) -> Self {
        MqttState {
            level: options.protocol_level,
            options,
            client_id: None,
            resume: false,
            connected: false,
            unanswered: false,
            unanswered_drops: 0,
            fall_back: None,
            pending: Vec::new(),
            next_packet_id: 0,
            unacked: VecDeque::new(),
            held: VecDeque::new(),
            subscribing: Vec::new(),
            last_heard_ms: 0.0,
            last_sent_ms: 0.0,
            keep_alive_s: KEEP_ALIVE_S,
            receive_maximum: UNACKED_KEPT,
            maximum_qos: 1,
            maximum_packet: MAX_PACKET_BYTES,
        }
    }

    /// The client id: `wschat-`, the nick's letters and digits, and `random` (two tabs of one
    /// nick must not take over each other's session, and nobody may foretell it to take
    /// over ours). Kept for as long as the format, so the broker's session is resumed.
    fn client_id(&mut self, random: u64) -> String {
        let nick: String = self.options.nick.chars().filter(char::is_ascii_alphanumeric).take(12).collect();
        self.client_id.get_or_insert_with(|| format!("wschat-{nick}-{}", base36(random % 36u64.pow(12)))).clone()
    }

    fn packet_id(&mut self) -> u16 {
        self.next_packet_id = self.next_packet_id.checked_add(1).unwrap_or(1);
        self.next_packet_id
    }

    fn connect_packet(&mut self, now_ms: f64) -> Vec<u8> {
        // Seeded before each open; the time only where nothing seeded it (a test).
        let client_id = self.client_id(now_ms.max(0.0) as u64);
        // 3.1.1: a clean session first, kept from the second connection on. MQTT 5 never asks
        // for a clean start: the client id is new to the broker on the first connection, so the
        // session is new anyway, and Mosquitto 2.0 restores after its own restart only sessions
        // begun without the flag; the session expiry bounds what a broker keeps for us.
        let mut flags = if self.resume || self.level == 5 { 0 } else { 0x02 };
        let mut body = Vec::new();
        put_str(&mut body, "MQTT");
        body.push(self.level);
        if self.options.login.is_some() {
            flags |= 0x80 | 0x40;
        }
        body.push(flags);
        body.extend(KEEP_ALIVE_S.to_be_bytes());
        if self.level == 5 {
            body.extend(connect_properties(SESSION_EXPIRY_S));
        }
        put_str(&mut body, &client_id);
        if let Some((user, password)) = &self.options.login {
            put_str(&mut body, user);
            put_str(&mut body, password.expose());
        }
        packet(0x10, &body)
    }

    fn subscribe_packet(&mut self, topics: Vec<String>) -> Vec<u8> {
        let id = self.packet_id();
        let mut body = id.to_be_bytes().to_vec();
        self.no_properties(&mut body);
        // QoS 1; in MQTT 5 also "no local": our own messages are confirmed by PUBACK, not echoed.
        let options = if self.level == 5 { 0x04 | 1 } else { 1 };
        for topic in &topics {
            put_str(&mut body, topic);
            body.push(options);
        }
        self.subscribing.push((id, topics));
        packet(0x82, &body)
    }

    /// MQTT 5's empty property block; nothing in 3.1.1.
    fn no_properties(&self, body: &mut Vec<u8>) {
        if self.level == 5 {
            body.push(0);
        }
    }

    /// Our message to `topic`: at QoS 1 when the broker has room for one more awaiting PUBACK
    /// (else held until it has), at QoS 0 (delivered as far as can be known) where the broker
    /// takes nothing higher; refused here when larger than the broker takes.
    fn publish(&mut self, topic: &str, payload: &[u8], message: u64) -> Decoded {
        let qos = self.maximum_qos.min(1);
        if qos == 1 && self.unacked.len() >= self.receive_maximum {
            self.held.push_back((topic.to_string(), payload.to_vec(), message));
            return Decoded::default();
        }
        let id = if qos == 1 { Some(self.packet_id()) } else { None };
        let mut body = Vec::with_capacity(topic.len() + payload.len() + 5);
        put_str(&mut body, topic);
        if let Some(id) = id {
            body.extend(id.to_be_bytes());
        }
        self.no_properties(&mut body);
        body.extend_from_slice(payload);
        let bytes = packet(0x30 | (qos << 1), &body);
        if bytes.len() > self.maximum_packet {
            let why = format!("The message is larger than the broker takes ({} bytes at most).", self.maximum_packet);
            return Decoded::events(vec![ChatEvent::Undelivered { id: message, why }]);
        }
        let mut decoded = Decoded::replies(vec![OutFrame::Binary(bytes)]);
        match id {
            Some(id) => {
                if self.unacked.len() == UNACKED_KEPT {
                    self.unacked.pop_front();
                }
                self.unacked.push_back((id, message));
            }
            None => decoded.events.push(ChatEvent::Delivered(message)),
        }
        decoded
    }

    /// Handles the complete packets at the start of `bytes`; how many bytes they took (all of
    /// them for a broken stream, which is dropped). One offset walks the packets: removing
    /// each from the front of the buffer would move the rest every time, quadratic in a frame
    /// of many small packets (8 MiB of PINGRESPs: some 10^13 bytes moved).
    fn take_packets(&mut self, bytes: &[u8], decoded: &mut Decoded) -> usize {
        let mut at = 0;
        loop {
            match split_packet(&bytes[at..]) {
                Split::Need => return at,
                Split::Broken => {
                    decoded.events.push(ChatEvent::LinkDead("The broker sent a broken MQTT packet.".to_string()));
                    return bytes.len();
                }
                Split::Packet { header, start, end } => {
                    self.handle(header >> 4, header & 0x0f, &bytes[at + start..at + end], decoded);
                    at += end;
                }
            }
        }
    }
}

impl WireFormat for MqttState {
    fn seed(&mut self, random: &[u8; SEED_BYTES]) {
        let mut first = [0; 8];
        first.copy_from_slice(&random[..8]);
        self.client_id(u64::from_le_bytes(first));
    }

    /// CONNECT's password: its last field, with its length.
    fn secret_spans(&self, frame: &OutFrame) -> Vec<std::ops::Range<usize>> {
        match (frame, &self.options.login) {
            (OutFrame::Binary(bytes), Some((_, password))) if bytes.first() == Some(&0x10) => {
                let field = 2 + password.expose().len().min(usize::from(u16::MAX));
                std::iter::once(bytes.len().saturating_sub(field)..bytes.len()).collect()
            }
            _ => Vec::new(),
        }
    }

    fn on_open(&mut self, _subprotocol: &str, now_ms: f64) -> Decoded {
        let mut events = Vec::new();
        if let Some(why) = self.fall_back.take().filter(|_| self.level == 5) {
            self.level = 4;
            events.push(ChatEvent::System(format!("{why}: speaking MQTT 3.1.1 to it.")));
        }
        self.unanswered = true;
        self.connected = false;
        self.pending.clear();
        self.subscribing.clear();
        self.unacked.clear();
        self.held.clear();
        self.keep_alive_s = KEEP_ALIVE_S;
        self.receive_maximum = UNACKED_KEPT;
        self.maximum_qos = 1;
        self.maximum_packet = MAX_PACKET_BYTES;
        self.last_heard_ms = now_ms;
        self.last_sent_ms = now_ms;
        let connect = self.connect_packet(now_ms);
        Decoded { events, replies: vec![OutFrame::Binary(connect)], wake_in_ms: Some(f64::from(KEEP_ALIVE_S) * 500.0) }
    }

    fn on_frame(&mut self, frame: Frame<'_>, now_ms: f64) -> Decoded {
        self.last_heard_ms = now_ms;
        self.unanswered = false;
        self.unanswered_drops = 0;
        let was_ready = self.is_ready();
        let mut decoded = Decoded::default();
        let bytes = match frame {
            Frame::Binary(bytes) => bytes,
            Frame::Text(text) => {
                decoded.events.push(ChatEvent::raw(Some("text frame on an MQTT link"), text));
                return decoded;
            }
        };
        // A frame that starts on a packet boundary (the usual case) is read where it is; only
        // a frame that completes a held part is appended to it first.
        let mut held = std::mem::take(&mut self.pending);
        let in_frame = held.is_empty();
        let walked: &[u8] = if in_frame {
            bytes
        } else {
            held.extend_from_slice(bytes);
            &held
        };
        let used = self.take_packets(walked, &mut decoded);
        if in_frame {
            held.extend_from_slice(&bytes[used..]);
        } else {
            held.drain(..used);
        }
        self.pending = held;
        say_ready(was_ready, self.is_ready(), &mut decoded.events);
        decoded
    }

    /// A 3.1.1 broker may end the link on an MQTT 5 CONNECT without a CONNACK (RabbitMQ before
    /// 3.13 closes it with code 1011): such a link gets 3.1.1 next. A link lost on the way
    /// before the answer is chance, unless it happens twice in a row. A broker that speaks 5
    /// and still gets 3.1.1 so speaks that too.
    fn on_close(&mut self, by_server: bool) {
        if !self.unanswered {
            return;
        }
        self.unanswered_drops = self.unanswered_drops.saturating_add(u8::from(!by_server));
        if by_server {
            self.fall_back = Some("The broker closed the link without answering an MQTT 5 CONNECT");
        } else if self.unanswered_drops >= 2 {
            self.fall_back = Some("Twice the link was lost before the broker answered an MQTT 5 CONNECT");
        }
    }

    /// Half the keep-alive quiet: a PINGREQ; one and a half: the link is dead.
    fn on_wake(&mut self, now_ms: f64) -> Decoded {
        let keep_alive_ms = f64::from(self.keep_alive_s) * 1000.0;
        let quiet = now_ms - self.last_heard_ms;
        if quiet + super::TIMER_SLACK_MS >= keep_alive_ms * 1.5 {
            if self.unanswered {
                self.fall_back = Some("The broker never answered an MQTT 5 CONNECT");
            }
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
                return Some(self.publish(&to.name, payload.as_bytes(), id));
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
                self.no_properties(&mut body);
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

/// An MQTT 5 broker that accepts any client into `chat/lobby` and relays each QoS 1 PUBLISH
/// to the topic at QoS 0.
pub(super) const SERVER_MODEL: ServerModel = ServerModel {
    shapes: 1,
    subprotocol: |_| SUBPROTOCOL,
    handshake: |_, _| vec![OutFrame::Binary(vec![0x20, 3, 0, 0, 0]), OutFrame::Binary(vec![0x90, 4, 0, 1, 0, 1])],
    relay: |_, _, frame| match frame {
        OutFrame::Binary(bytes) => model::relay(bytes).map(OutFrame::Binary),
        OutFrame::Text(_) => None,
    },
    carried: ServerModel::ALL_OF_IT,
    conversation: "#chat",
};

#[cfg(test)]
mod tests;
