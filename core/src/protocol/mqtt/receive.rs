//! Packets from the broker: CONNACK (with MQTT 5's limits), PUBLISH, PUBACK, SUBACK,
//! DISCONNECT.

use super::packet::{packet, take_properties, take_str, Properties, MAX_PACKET_BYTES};
use super::reasons::{reason_words, refusal, with_reason};
use super::{MqttState, UNACKED_KEPT};
use crate::protocol::payload::read_payload;
use crate::protocol::{describe_binary, ChatEvent, Decoded, OutFrame, Target};

impl MqttState {
    /// The broker's answer to our CONNECT.
    fn connack(&mut self, body: &[u8], decoded: &mut Decoded) {
        let (present, code) = (body.first().copied().unwrap_or(0) & 1 == 1, body.get(1).copied().unwrap_or(255));
        let properties = match body.get(2..) {
            Some(rest) if self.level == 5 && !rest.is_empty() => take_properties(rest).map(|(p, _)| p),
            _ => Some(Properties::default()),
        };
        let Some(properties) = properties else {
            decoded.events.push(ChatEvent::LinkDead("The broker sent an unreadable CONNACK.".to_string()));
            return;
        };
        if code != 0 {
            // A 3.1.1 broker answers an MQTT 5 CONNECT with its own "unacceptable version" (1).
            if self.level == 5 && (code == 1 || code == 0x84) {
                self.level = 4;
                let why = "The broker speaks MQTT 3.1.1, not 5: connecting again with 3.1.1".to_string();
                decoded.events.push(ChatEvent::LinkDead(why));
            } else {
                let why = refusal(code, self.options.login.as_ref(), &properties);
                // Wrong credentials stay wrong: trying again would only lock the account.
                let login_refused = matches!(code, 4 | 5 | 0x86 | 0x87);
                decoded.events.push(if login_refused { ChatEvent::LoginEnded(why) } else { ChatEvent::Refused(why) });
            }
            return;
        }
        self.connected = true;
        let resumed = self.resume && present;
        self.resume = true;
        if let Some(id) = properties.assigned_client_id {
            self.client_id = Some(id.to_string());
        }
        if let Some(seconds) = properties.server_keep_alive.filter(|s| *s > 0) {
            self.keep_alive_s = seconds;
            decoded.wake_in_ms = Some(f64::from(seconds) * 250.0);
        }
        if let Some(most) = properties.receive_maximum {
            self.receive_maximum = usize::from(most).clamp(1, UNACKED_KEPT);
        }
        self.maximum_qos = properties.maximum_qos.unwrap_or(1);
        if let Some(bytes) = properties.maximum_packet_size {
            self.maximum_packet = usize::try_from(bytes).unwrap_or(MAX_PACKET_BYTES).min(MAX_PACKET_BYTES);
        }
        let id = self.client_id.clone().unwrap_or_default();
        let how = if resumed { "the broker's session resumed" } else { "a new session" };
        let version = if self.level == 5 { "MQTT 5" } else { "MQTT 3.1.1" };
        decoded.events.push(ChatEvent::System(format!("Connected to the broker as {id} ({version}), {how}.")));
        if self.maximum_qos == 0 {
            let text = "The broker takes no QoS 1: own messages are sent without its receipt.".to_string();
            decoded.events.push(ChatEvent::System(text));
        }
        if !self.options.topics.is_empty() {
            let topics = self.options.topics.clone();
            let subscribe = self.subscribe_packet(topics);
            decoded.replies.push(OutFrame::Binary(subscribe));
        }
    }

    /// A PUBACK: our publish is with the broker (or, in MQTT 5, refused by it); a held one
    /// may go.
    fn puback(&mut self, body: &[u8], decoded: &mut Decoded) {
        let id = u16::from_be_bytes([body[0], body[1]]);
        let Some(at) = self.unacked.iter().position(|(p, _)| *p == id) else { return };
        let Some((_, message)) = self.unacked.remove(at) else { return };
        let code = body.get(2).copied().unwrap_or(0);
        if code >= 0x80 {
            let properties = body.get(3..).and_then(take_properties).map(|(p, _)| p).unwrap_or_default();
            let words = format!("The broker did not take the message: {}.", reason_words(code));
            decoded.events.push(ChatEvent::Undelivered { id: message, why: with_reason(words, &properties) });
        } else {
            decoded.events.push(ChatEvent::Delivered(message));
        }
        if let Some((topic, payload, message)) = self.held.pop_front() {
            let next = self.publish(&topic, &payload, message);
            decoded.replies.extend(next.replies);
            decoded.events.extend(next.events);
        }
    }

    /// One complete packet from the broker.
    pub(super) fn handle(&mut self, kind: u8, flags: u8, body: &[u8], decoded: &mut Decoded) {
        match kind {
            // CONNACK: session present, return code (MQTT 5: properties).
            2 => self.connack(body, decoded),
            // PUBLISH: topic, packet id at QoS 1 or 2, payload.
            3 => {
                let qos = (flags >> 1) & 3;
                let Some((topic, rest)) = take_str(body) else {
                    decoded.events.push(ChatEvent::raw(Some("unreadable MQTT publish"), describe_binary(body)));
                    return;
                };
                let (id, rest) = if qos > 0 && rest.len() >= 2 {
                    (Some(u16::from_be_bytes([rest[0], rest[1]])), &rest[2..])
                } else {
                    (None, rest)
                };
                if let (1, Some(id)) = (qos, id) {
                    decoded.replies.push(OutFrame::Binary(packet(0x40, &id.to_be_bytes())));
                }
                let payload = if self.level == 5 {
                    match take_properties(rest) {
                        // An alias stands for a topic we never let the broker name that way.
                        Some((properties, payload)) if !(properties.topic_alias && topic.is_empty()) => payload,
                        _ => {
                            decoded
                                .events
                                .push(ChatEvent::raw(Some("unreadable MQTT 5 publish"), describe_binary(body)));
                            return;
                        }
                    }
                } else {
                    rest
                };
                let retained = flags & 1 == 1;
                let place = Target::channel(topic);
                decoded.events.extend(read_payload(topic, payload, retained).into_iter().map(|e| place.event(e)));
            }
            // PUBACK: our publish is with the broker.
            4 if body.len() >= 2 => self.puback(body, decoded),
            // SUBACK: a return code per topic, 0x80 for a refusal.
            9 if body.len() >= 2 => {
                let id = u16::from_be_bytes([body[0], body[1]]);
                let Some(at) = self.subscribing.iter().position(|(p, _)| *p == id) else { return };
                let (_, topics) = self.subscribing.remove(at);
                let (properties, codes) = if self.level == 5 {
                    take_properties(&body[2..]).unwrap_or_default()
                } else {
                    (Properties::default(), &body[2..])
                };
                for (topic, code) in topics.iter().zip(codes) {
                    let place = Target::channel(topic);
                    if *code >= 0x80 {
                        let words = match code {
                            0x80 => format!("The broker refused the subscription to {topic}."),
                            _ => format!("The broker refused the subscription to {topic}: {}.", reason_words(*code)),
                        };
                        let why = with_reason(words, &properties);
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
            // DISCONNECT (MQTT 5): the broker says why before it closes the link.
            14 => {
                let code = body.first().copied().unwrap_or(0);
                let properties = body.get(1..).and_then(take_properties).map(|(p, _)| p).unwrap_or_default();
                let words = match (code, properties.server_reference) {
                    (0, _) => "The broker ended the session.".to_string(),
                    (0x9c | 0x9d, Some(other)) => format!("The broker ended the session: use {other}."),
                    _ => format!("The broker ended the session: {}.", reason_words(code)),
                };
                decoded.events.push(ChatEvent::System(with_reason(words, &properties)));
            }
            _ => decoded.events.push(ChatEvent::raw(Some("MQTT packet not understood"), describe_binary(body))),
        }
    }
}
