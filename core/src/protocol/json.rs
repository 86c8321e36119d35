//! JSON chat servers: incoming objects mapped by common field names, outgoing from a template.

use crate::json::{self as json_text, Value};

use super::{describe_binary, Action, ChatEvent, Decoded, Frame, OutFrame, ServerModel, Spec, WireFormat};

pub(super) const SPEC: Spec = Spec {
    name: "json",
    aliases: &[],
    label: "JSON",
    default_subprotocols: &[],
    offer: &[],
    identified_by: &[],
    reads: &["template"],
    many_conversations: false,
    default_channel: "",
    channels: super::no_channels,
    sniff: |frame| matches!(frame, Frame::Text(text) if text.trim_start().starts_with(['{', '[']) && json_text::parse(text).is_ok()),
    finds_format: false,
    socket_url: super::same_url,
    check: |settings| match validate_template(&settings.json_template) {
        Ok(()) => Ok(settings),
        Err(e) => Err(e.to_string()),
    },
};

/// This format for a connection (loaded when first needed: see [`super::ProtocolKind::load`]).
pub(super) fn make(settings: &super::FormatSettings) -> Box<dyn super::WireFormat> {
    Box::new(JsonFormat::new(JsonOptions::from_settings(settings)))
}

/// What the JSON format reads from the settings.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct JsonOptions {
    /// The outgoing shape of messages.
    pub template: Template,
}

impl JsonOptions {
    pub fn from_settings(settings: &super::FormatSettings) -> Self {
        // The settings are checked first; a template that slipped through sends the default
        // shape rather than broken JSON.
        JsonOptions { template: Template::parse(&settings.json_template).unwrap_or_default() }
    }
}

/// A JSON chat connection: no handshake, the template for what goes out.
#[derive(Clone, Debug)]
pub struct JsonFormat {
    options: JsonOptions,
}

impl JsonFormat {
    pub fn new(options: JsonOptions) -> Self {
        JsonFormat { options }
    }
}

impl WireFormat for JsonFormat {
    fn on_open(&mut self, _subprotocol: &str, _now_ms: f64) -> Decoded {
        Decoded::events(vec![ChatEvent::ready()])
    }

    fn on_frame(&mut self, frame: Frame<'_>, _now_ms: f64) -> Decoded {
        Decoded::events(match frame {
            Frame::Text(text) => decode_json(text),
            Frame::Binary(bytes) => vec![ChatEvent::raw(None, describe_binary(bytes))],
        })
    }

    fn encode(&mut self, action: Action<'_>) -> Option<Decoded> {
        match action {
            Action::Message { nick, text, .. } => {
                Some(Decoded::replies(vec![encode_json(&self.options.template, nick, text)]))
            }
            _ => None,
        }
    }
}

/// A broadcast server: every object goes to the room as it came (the template's own fields).
pub(super) const SERVER_MODEL: ServerModel = ServerModel::BROADCAST;

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
                time_ms: None,
            });
        }
        Some("leave" | "left" | "part" | "quit" | "exit" | "user_left" | "user left") => {
            let who = nick.clone().unwrap_or_else(|| "someone".into());
            return Some(ChatEvent::Left {
                nick: who.clone(),
                text: text.unwrap_or_else(|| format!("{who} left")),
                time_ms: None,
            });
        }
        Some("system" | "notice" | "info" | "status") => return Some(ChatEvent::System(text?)),
        _ => {}
    }
    Some(ChatEvent::Message { nick, text: text?, time_ms, msgid: None })
}

/// The first of `names`, in the first of `places` that has one, that `read` can use.
fn first_field<T>(places: &[&Value], names: &[&str], read: impl Fn(&Value) -> Option<T>) -> Option<T> {
    places.iter().find_map(|place| names.iter().find_map(|name| read(place.get(name)?)))
}

/// A string author, or an object carrying one of the author field names; an empty name is no
/// author, wherever it is.
fn author(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Object(_) => {
            AUTHOR_FIELDS.iter().find_map(|f| value.get(f)?.as_str().filter(|s| !s.is_empty()).map(str::to_string))
        }
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

/// Where the author goes in a template.
const NICK_PLACEHOLDER: &str = "<nick>";
/// Where the message goes in a template.
const TEXT_PLACEHOLDER: &str = "<text>";

/// The outgoing shape of JSON messages, parsed once. `<nick>` and `<text>` stand for whole
/// values, written bare (`{"text": <text>}`) or as strings (`{"text": "<text>"}`).
///
/// Filling it is structural: the placeholders are values of the parsed template, replaced by
/// the nick and text as JSON strings, and the result is written out. Replacing text in the
/// template one placeholder after the other let a nick of `<text>`, or a text with quotes or
/// `,"x":1,`, change the shape of what was sent.
#[derive(Clone, Debug, PartialEq)]
pub struct Template(Value);

impl Default for Template {
    /// [`DEFAULT_TEMPLATE`], built without parsing (so without a failure to handle).
    fn default() -> Self {
        Template(Value::Object(vec![
            ("nick".into(), Value::String(NICK_PLACEHOLDER.into())),
            ("text".into(), Value::String(TEXT_PLACEHOLDER.into())),
        ]))
    }
}

impl Template {
    /// Reads a template: JSON, once each bare placeholder is taken as a string, with `<text>`
    /// as a value somewhere.
    pub fn parse(template: &str) -> Result<Template, TemplateError> {
        let (quoted, widened_at) = quote_bare_placeholders(template);
        let value = json_text::parse(&quoted).map_err(|e| {
            // Where the person's template went wrong: each bare placeholder before the error
            // gained two quotes.
            let at = e.at.saturating_sub(2 * widened_at.iter().filter(|&&w| w < e.at).count());
            TemplateError(json_text::Error { at, ..e }.to_string())
        })?;
        if let Some(part) = placeholder_inside(&value) {
            return Err(TemplateError(format!(
                "<nick> and <text> stand for whole values (\"text\": <text>), not part of \"{part}\""
            )));
        }
        if !has_value(&value, TEXT_PLACEHOLDER) {
            return Err(TemplateError("it must contain <text> where the message goes".into()));
        }
        Ok(Template(value))
    }

    /// The template with `nick` and `text` in place of their placeholders, as compact JSON.
    pub fn fill(&self, nick: &str, text: &str) -> String {
        let mut value = self.0.clone();
        fill_placeholders(&mut value, nick, text);
        value.to_json()
    }
}

/// Checks a template (see [`Template::parse`]).
pub fn validate_template(template: &str) -> Result<(), TemplateError> {
    Template::parse(template).map(|_| ())
}

/// The outgoing frame: the template filled with the nick and text.
pub fn encode_json(template: &Template, nick: &str, text: &str) -> OutFrame {
    OutFrame::Text(template.fill(nick, text))
}

/// The template with each placeholder outside a string quoted, and where (in the result) each
/// quoted one starts.
fn quote_bare_placeholders(template: &str) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(template.len() + 8);
    let mut widened_at = Vec::new();
    let (mut in_string, mut escaped) = (false, false);
    let mut rest = template;
    while let Some(c) = rest.chars().next() {
        if !in_string {
            if let Some(placeholder) = [NICK_PLACEHOLDER, TEXT_PLACEHOLDER].into_iter().find(|p| rest.starts_with(p)) {
                widened_at.push(out.len());
                out.push('"');
                out.push_str(placeholder);
                out.push('"');
                rest = &rest[placeholder.len()..];
                continue;
            }
        }
        if escaped {
            escaped = false;
        } else if in_string && c == '\\' {
            escaped = true;
        } else if c == '"' {
            in_string = !in_string;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    (out, widened_at)
}

/// A string (member name or value) holding a placeholder among other text: not filled, and
/// surely not what the person meant.
fn placeholder_inside(value: &Value) -> Option<&str> {
    let partial = |s: &str| {
        s != NICK_PLACEHOLDER && s != TEXT_PLACEHOLDER && (s.contains(NICK_PLACEHOLDER) || s.contains(TEXT_PLACEHOLDER))
    };
    match value {
        Value::String(s) => partial(s).then_some(s.as_str()),
        Value::Array(items) => items.iter().find_map(placeholder_inside),
        Value::Object(members) => members.iter().find_map(|(key, value)| {
            (key.contains(NICK_PLACEHOLDER) || key.contains(TEXT_PLACEHOLDER))
                .then_some(key.as_str())
                .or_else(|| placeholder_inside(value))
        }),
        _ => None,
    }
}

fn has_value(value: &Value, wanted: &str) -> bool {
    match value {
        Value::String(s) => s == wanted,
        Value::Array(items) => items.iter().any(|v| has_value(v, wanted)),
        Value::Object(members) => members.iter().any(|(_, v)| has_value(v, wanted)),
        _ => false,
    }
}

fn fill_placeholders(value: &mut Value, nick: &str, text: &str) {
    match value {
        Value::String(s) if s == NICK_PLACEHOLDER => nick.clone_into(s),
        Value::String(s) if s == TEXT_PLACEHOLDER => text.clone_into(s),
        Value::Array(items) => items.iter_mut().for_each(|v| fill_placeholders(v, nick, text)),
        Value::Object(members) => members.iter_mut().for_each(|(_, v)| fill_placeholders(v, nick, text)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(nick: Option<&str>, text: &str) -> ChatEvent {
        ChatEvent::Message { nick: nick.map(str::to_string), text: text.into(), time_ms: None, msgid: None }
    }

    #[test]
    fn maps_common_field_names() {
        assert_eq!(decode_json(r#"{"nick":"a","text":"hi"}"#), vec![msg(Some("a"), "hi")]);
        assert_eq!(decode_json(r#"{"username":"b","message":"yo"}"#), vec![msg(Some("b"), "yo")]);
        assert_eq!(decode_json(r#"{"sender":{"name":"c"},"body":"x"}"#), vec![msg(Some("c"), "x")]);
        assert_eq!(decode_json(r#"{"from":"d","msg":"m","extra":1}"#), vec![msg(Some("d"), "m")]);
        assert_eq!(decode_json(r#"{"content":"anon"}"#), vec![msg(None, "anon")]);
        assert_eq!(decode_json(r#"{"nick":"","text":"e"}"#), vec![msg(None, "e")], "an empty name is no author");
        assert_eq!(decode_json(r#"{"user":{"name":"","id":"x"},"text":"e"}"#), vec![msg(None, "e")]);
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
            vec![ChatEvent::Joined { nick: "eve".into(), text: "eve joined".into(), time_ms: None }]
        );
        assert_eq!(
            decode_json(r#"{"event":"leave","user":"eve","text":"bye all"}"#),
            vec![ChatEvent::Left { nick: "eve".into(), text: "bye all".into(), time_ms: None }]
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
            vec![ChatEvent::Joined { nick: "eve".into(), text: "eve joined".into(), time_ms: None }]
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
        let default = Template::default();
        assert_eq!(Template::parse(DEFAULT_TEMPLATE), Ok(default.clone()), "the default is what it says");
        assert_eq!(
            encode_json(&default, "me", "say \"hi\"\n"),
            OutFrame::Text(r#"{"nick":"me","text":"say \"hi\"\n"}"#.into())
        );
        let custom = r#"{"type":"message","user":{"name":<nick>},"body":<text>}"#;
        assert_eq!(validate_template(custom), Ok(()));
        let template = Template::parse(custom).expect("valid");
        let object = json_text::parse(&template.fill("me", "x")).expect("valid JSON");
        assert_eq!(object.get("body"), Some(&Value::String("x".into())));
        // What we send, we read back as the same author and text (so echoes confirm delivery).
        let OutFrame::Text(frame) = encode_json(&template, "me", "round trip") else { unreachable!() };
        assert_eq!(decode_json(&frame), vec![msg(Some("me"), "round trip")]);
        // Quoted placeholders, several of them, in arrays; numbers and other strings kept.
        let quoted = Template::parse(r#"[ "<nick>", {"t": "<text>", "again": <text>, "n": 1.50, "s": "a\"b"} ]"#);
        assert_eq!(
            quoted.map(|t| t.fill("a", "b")).as_deref(),
            Ok(r#"["a",{"t":"b","again":"b","n":1.50,"s":"a\"b"}]"#)
        );
    }

    #[test]
    fn templates_that_cannot_be_used_say_why() {
        let error = |template: &str| validate_template(template).map_err(|e| e.0);
        assert_eq!(error(r#"{"nick": <nick>}"#), Err("it must contain <text> where the message goes".into()));
        assert_eq!(error(r#"{"<text>": 1}"#).map_err(|e| e.contains("whole values")), Err(true), "a member name");
        assert_eq!(error(r#"{"m": "says <text>"}"#).map_err(|e| e.contains("whole values")), Err(true));
        // The position is in the person's template, not in the one with quoted placeholders.
        assert_eq!(error(r#"{"nick": <nick>, "text": <text>"#), Err("expected , or } in an object at byte 31".into()));
        assert_eq!(error(r#"{"a": <nick> <text>}"#), Err("expected , or } in an object at byte 13".into()));
        assert!(error("<text").is_err());
        assert!(error(r#"{"a": <Text>}"#).is_err(), "placeholders are lower case");
        // A placeholder inside a string is text, even after an escaped quote.
        assert!(error(r#"{"a": "\"<text>"}"#).is_err());
        assert_eq!(error(r#"{"a\\": <text>}"#), Ok(()), "an escaped backslash ends no string");
    }

    #[test]
    fn any_nick_and_text_keep_the_shape() {
        let template = Template::parse(r#"{"user":{"name":<nick>},"body":<text>,"n":[1,<nick>]}"#).expect("valid");
        for (nick, text) in [
            ("<text>", "<nick>"),
            ("a\",b", "\",\"x\":1,\""),
            ("q\"", ",1,"),
            ("back\\slash", "}]{\u{0}\u{1f}\u{7f}\t\r\n"),
            ("zoë", "漢字 😀 \u{202e}"),
            ("", ""),
        ] {
            let filled = template.fill(nick, text);
            let value = json_text::parse(&filled).expect("valid JSON");
            let expected = Value::Object(vec![
                ("user".into(), Value::Object(vec![("name".into(), Value::String(nick.into()))])),
                ("body".into(), Value::String(text.into())),
                (
                    "n".into(),
                    Value::Array(vec![Value::Number(json_text::Number::from_i64(1)), Value::String(nick.into())]),
                ),
            ]);
            assert_eq!(value, expected, "{nick:?} {text:?}: {filled}");
        }
    }
}
