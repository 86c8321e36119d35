//! Message bodies of the brokers' formats (MQTT payloads, STOMP bodies) as chat: the JSON
//! format's field names, else `nick: text`, else text.

use super::json::decode_json;
use super::{describe_binary, split_nick, ChatEvent};
use crate::stored_outbox::server_id;

/// A payload as chat: JSON chat objects, else `nick: text`, else text; bytes that are not
/// UTF-8 as a raw entry. A retained message (`retained`) is history from before, named by its
/// topic and payload: a broker sends it again on every subscription, and it is shown once.
pub(super) fn read_payload(topic: &str, payload: &[u8], retained: bool) -> Vec<ChatEvent> {
    let Ok(text) = std::str::from_utf8(payload) else {
        return vec![ChatEvent::raw(None, describe_binary(payload))];
    };
    let trimmed = text.trim_start();
    let mut events = if trimmed.starts_with(['{', '[']) { decode_json(text) } else { Vec::new() };
    if events.is_empty() || events.iter().any(|e| matches!(e, ChatEvent::Raw { .. })) {
        events = vec![match split_nick(text) {
            Some((nick, text)) => {
                ChatEvent::Message { nick: Some(nick.into()), text: text.into(), time_ms: None, msgid: None }
            }
            None => ChatEvent::Message { nick: None, text: text.into(), time_ms: None, msgid: None },
        }];
    }
    if retained {
        for event in &mut events {
            if let ChatEvent::Message { nick: Some(nick), text, time_ms, .. } = event {
                *event = ChatEvent::History {
                    nick: std::mem::take(nick),
                    text: std::mem::take(text),
                    time_ms: *time_ms,
                    msgid: Some(format!(
                        "retained:{}",
                        server_id(&format!("{topic}\n{}", String::from_utf8_lossy(payload)))
                    )),
                };
            }
        }
    }
    events
}
