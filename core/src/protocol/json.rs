//! JSON chat servers: incoming objects mapped by common field names, outgoing from a template.

use crate::json::{self as json_text, Value};

use super::{ChatEvent, OutFrame};

/// The outgoing shape when the person has not given one.
pub const DEFAULT_TEMPLATE: &str = r#"{"nick": <nick>, "text": <text>}"#;

const AUTHOR_FIELDS: [&str; 7] = ["nick", "user", "username", "name", "from", "author", "sender"];
const TEXT_FIELDS: [&str; 5] = ["text", "message", "msg", "body", "content"];
const TIME_FIELDS: [&str; 4] = ["ts", "time", "timestamp", "date"];
const KIND_FIELDS: [&str; 2] = ["type", "event"];
/// Where envelopes keep the message itself (`{"type":"message","data":{…}}`).
const ENVELOPE_FIELDS: [&str; 4] = ["data", "payload", "message", "msg"];
/// Where a batch (history on joining) keeps its messages.
const LIST_FIELDS: [&str; 4] = ["messages", "history", "items", "backlog"];

/// Why a template cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateError(pub String);

impl std::fmt::Display for TemplateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "The JSON template is not usable: {}", self.0)
    }
}

/// Turns a JSON text frame into chat events; anything unrecognised is one raw entry with the
/// frame as it came, so nothing is silently dropped.
pub fn decode_json(text: &str) -> Vec<ChatEvent> {
    let value = match json_text::parse(text) {
        Ok(v) => v,
        Err(_) => return vec![ChatEvent::raw(Some("not JSON"), text)],
    };
    if is_chatter(&value) {
        return Vec::new();
    }
    match &value {
        Value::Array(items) => all_messages(items),
        _ => message_from(&value)
            .map(|event| vec![event])
            .or_else(|| LIST_FIELDS.iter().find_map(|f| all_messages(value.get(f)?.as_array()?))),
    }
    .unwrap_or_else(|| vec![ChatEvent::raw(None, text)])
}

/// Several messages, when every item is one.
fn all_messages(items: &[Value]) -> Option<Vec<ChatEvent>> {
    (!items.is_empty()).then(|| items.iter().map(message_from).collect()).flatten()
}

/// Typing indicators and keep-alives: no entry (a raw row per keystroke would bury the chat).
fn is_chatter(value: &Value) -> bool {
    const CHATTER: [&str; 6] = ["typing", "stop_typing", "stop typing", "ping", "pong", "heartbeat"];
    KIND_FIELDS
        .iter()
        .find_map(|f| value.get(f)?.as_str())
        .is_some_and(|kind| CHATTER.iter().any(|c| kind.eq_ignore_ascii_case(c)))
}

/// One object as a chat event, if it looks like one. Fields missing from the object are looked
/// for in its envelope, if it has one.
pub(super) fn message_from(value: &Value) -> Option<ChatEvent> {
    if !matches!(value, Value::Object(_)) {
        return None;
    }
    let envelope = ENVELOPE_FIELDS.iter().find_map(|f| value.get(f).filter(|v| matches!(v, Value::Object(_))));
    let places: &[&Value] = match envelope {
        Some(envelope) => &[value, envelope],
        None => &[value],
    };
    let nick = first_field(places, &AUTHOR_FIELDS, author);
    let text = first_field(places, &TEXT_FIELDS, |v| v.as_str().map(str::to_string));
    let kind = first_field(places, &KIND_FIELDS, |v| v.as_str().map(str::to_ascii_lowercase));
    let time_ms = first_field(places, &TIME_FIELDS, time_ms);
    match kind.as_deref() {
        Some("join" | "joined" | "enter" | "user_joined" | "user joined") => {
            let who = nick.clone().unwrap_or_else(|| "someone".into());
            return Some(ChatEvent::Joined {
                nick: who.clone(),
                text: text.unwrap_or_else(|| format!("{who} joined")),
            });
        }
        Some("leave" | "left" | "part" | "quit" | "exit" | "user_left" | "user left") => {
            let who = nick.clone().unwrap_or_else(|| "someone".into());
            return Some(ChatEvent::Left { nick: who.clone(), text: text.unwrap_or_else(|| format!("{who} left")) });
        }
        Some("system" | "notice" | "info" | "status") => return Some(ChatEvent::System(text?)),
        _ => {}
    }
    Some(ChatEvent::Message { nick, text: text?, time_ms })
}

/// The first of `names`, in the first of `places` that has one, that `read` can use.
fn first_field<T>(places: &[&Value], names: &[&str], read: impl Fn(&Value) -> Option<T>) -> Option<T> {
    places.iter().find_map(|place| names.iter().find_map(|name| read(place.get(name)?)))
}

/// A string author, or an object carrying one of the author field names.
fn author(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Object(_) => AUTHOR_FIELDS.iter().find_map(|f| value.get(f)?.as_str().map(str::to_string)),
        _ => None,
    }
}

/// Seconds, milliseconds, microseconds or nanoseconds since the epoch (told apart by size), or
/// an ISO 8601 string; `None` for what no clock can show.
fn time_ms(value: &Value) -> Option<f64> {
    let ms = match value {
        Value::Number(n) => {
            let n = n.as_f64()?;
            // 1e11 s is the year 5138 and 1e11 ms is 1973; 1e14 ms is the year 5138 again, 1e14 µs 1973.
            match n.abs() {
                a if a < 1e11 => n * 1000.0,
                a if a < 1e14 => n,
                a if a < 1e17 => n / 1e3,
                _ => n / 1e6,
            }
        }
        Value::String(s) => super::time::parse_iso8601(s)?,
        _ => return None,
    };
    // JavaScript dates end at ±8.64e15 ms.
    (ms.is_finite() && ms.abs() <= 8.64e15).then_some(ms)
}

/// Checks a template by filling it with sample values.
pub fn validate_template(template: &str) -> Result<(), TemplateError> {
    if !template.contains("<text>") {
        return Err(TemplateError("it must contain <text> where the message goes".into()));
    }
    let sample = fill_template(template, "nick", "text");
    json_text::parse(&sample).map(|_| ()).map_err(|e| TemplateError(e.to_string()))
}

/// The outgoing frame: `<nick>` and `<text>` in the template replaced by JSON strings.
pub fn encode_json(template: &str, nick: &str, text: &str) -> OutFrame {
    OutFrame::Text(fill_template(template, nick, text))
}

fn fill_template(template: &str, nick: &str, text: &str) -> String {
    template.replace("<nick>", &json_text::quote(nick)).replace("<text>", &json_text::quote(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(nick: Option<&str>, text: &str) -> ChatEvent {
        ChatEvent::Message { nick: nick.map(str::to_string), text: text.into(), time_ms: None }
    }

    #[test]
    fn maps_common_field_names() {
        assert_eq!(decode_json(r#"{"nick":"a","text":"hi"}"#), vec![msg(Some("a"), "hi")]);
        assert_eq!(decode_json(r#"{"username":"b","message":"yo"}"#), vec![msg(Some("b"), "yo")]);
        assert_eq!(decode_json(r#"{"sender":{"name":"c"},"body":"x"}"#), vec![msg(Some("c"), "x")]);
        assert_eq!(decode_json(r#"{"from":"d","msg":"m","extra":1}"#), vec![msg(Some("d"), "m")]);
        assert_eq!(decode_json(r#"{"content":"anon"}"#), vec![msg(None, "anon")]);
    }

    #[test]
    fn reads_times_in_every_unit() {
        let at = |json: &str| match decode_json(json).first() {
            Some(ChatEvent::Message { time_ms, .. }) => *time_ms,
            _ => None,
        };
        assert_eq!(at(r#"{"text":"t","ts":1700000000}"#), Some(1.7e12));
        assert_eq!(at(r#"{"text":"t","timestamp":1700000000123}"#), Some(1_700_000_000_123.0));
        assert_eq!(at(r#"{"text":"t","date":"2023-11-14T22:13:20Z"}"#), Some(1.7e12));
        assert_eq!(at(r#"{"text":"t","time":"not a time"}"#), None);
    }

    #[test]
    fn honours_join_leave_and_system() {
        assert_eq!(
            decode_json(r#"{"type":"join","user":"eve"}"#),
            vec![ChatEvent::Joined { nick: "eve".into(), text: "eve joined".into() }]
        );
        assert_eq!(
            decode_json(r#"{"event":"leave","user":"eve","text":"bye all"}"#),
            vec![ChatEvent::Left { nick: "eve".into(), text: "bye all".into() }]
        );
        assert_eq!(
            decode_json(r#"{"type":"system","text":"restart soon"}"#),
            vec![ChatEvent::System("restart soon".into())]
        );
    }

    #[test]
    fn times_in_any_unit_and_none_beyond_a_clock() {
        let at = |ts: &str| match &decode_json(&format!(r#"{{"nick":"a","text":"t","ts":{ts}}}"#))[..] {
            [ChatEvent::Message { time_ms, .. }] => *time_ms,
            other => panic!("{other:?}"),
        };
        for ts in ["1700000000", "1700000000000", "1700000000000000", "1700000000000000000"] {
            assert_eq!(at(ts), Some(1.7e12), "{ts}");
        }
        assert_eq!(at("1e400"), None);
        assert_eq!(at("-1e300"), None);
        // An exponent past i32 and a fraction past any float's digits: no time, or a sane one.
        assert_eq!(at("1e99999999999"), None);
        assert_eq!(at(&format!("1700000000.{}", "9".repeat(400))), Some(1_700_000_001_000.0));
    }

    #[test]
    fn typing_and_keepalives_are_not_entries() {
        assert_eq!(decode_json(r#"{"type":"typing","user":"bob"}"#), vec![]);
        assert_eq!(decode_json(r#"{"event":"ping"}"#), vec![]);
    }

    #[test]
    fn envelopes_and_history_batches() {
        assert_eq!(
            decode_json(r#"{"type":"message","data":{"user":"bob","text":"hi"}}"#),
            vec![msg(Some("bob"), "hi")]
        );
        assert_eq!(decode_json(r#"{"event":"chat","payload":{"from":"cy","body":"yo"}}"#), vec![msg(Some("cy"), "yo")]);
        assert_eq!(decode_json(r#"{"type":"message","message":{"nick":"di","text":"x"}}"#), vec![msg(Some("di"), "x")]);
        assert_eq!(
            decode_json(r#"{"type":"join","data":{"username":"eve"}}"#),
            vec![ChatEvent::Joined { nick: "eve".into(), text: "eve joined".into() }]
        );
        assert_eq!(
            decode_json(r#"{"type":"history","messages":[{"nick":"a","text":"1"},{"nick":"b","text":"2"}]}"#),
            vec![msg(Some("a"), "1"), msg(Some("b"), "2")]
        );
        // A list of things that are not all messages stays one raw entry.
        let mixed = r#"{"type":"history","messages":[{"nick":"a","text":"1"},{"count":2}]}"#;
        assert_eq!(decode_json(mixed), vec![ChatEvent::raw(None, mixed)]);
    }

    #[test]
    fn arrays_are_several_messages() {
        assert_eq!(
            decode_json(r#"[{"nick":"a","text":"1"},{"nick":"b","text":"2"}]"#),
            vec![msg(Some("a"), "1"), msg(Some("b"), "2")]
        );
    }

    #[test]
    fn anything_else_is_raw_as_it_came() {
        assert_eq!(decode_json(r#"{"count": 3}"#), vec![ChatEvent::raw(None, r#"{"count": 3}"#)]);
        assert_eq!(decode_json("{oops"), vec![ChatEvent::raw(Some("not JSON"), "{oops")]);
        assert_eq!(decode_json("[1,2]"), vec![ChatEvent::raw(None, "[1,2]")]);
    }

    #[test]
    fn templates_fill_with_escaped_strings() {
        assert_eq!(
            encode_json(DEFAULT_TEMPLATE, "me", "say \"hi\"\n"),
            OutFrame::Text(r#"{"nick": "me", "text": "say \"hi\"\n"}"#.into())
        );
        let custom = r#"{"type":"message","user":{"name":<nick>},"body":<text>}"#;
        assert_eq!(validate_template(custom), Ok(()));
        let OutFrame::Text(filled) = encode_json(custom, "me", "x") else { unreachable!() };
        let object = json_text::parse(&filled).expect("valid JSON");
        assert_eq!(object.get("body"), Some(&Value::String("x".into())));
        assert!(validate_template(r#"{"nick": <nick>}"#).is_err());
        assert!(validate_template(r#"{"text": <text>"#).is_err());
        // What we send, we read back as the same author and text (so echoes confirm delivery).
        let OutFrame::Text(frame) = encode_json(custom, "me", "round trip") else { unreachable!() };
        assert_eq!(decode_json(&frame), vec![msg(Some("me"), "round trip")]);
    }
}
