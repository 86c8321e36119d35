//! Property tests over arbitrary input for everything that reads data from the network or a
//! person: nothing may panic, and nothing may be lost. What a wire format sends, the same
//! format reads back as the same author and text (through a model of the server relaying it),
//! and generated addresses are mostly valid, so that the checks on them run (and are counted).
//!
//! `WSCHAT_FUZZ_CASES` sets the number of inputs per property (default 10 000);
//! `scripts/fuzz` runs a million.

use proptest::prelude::*;
use proptest::test_runner::Config;
use wschat_core::chat::{decode_outbox, display_text, encode_outbox, ChatLog, EntryKind, OwnStatus, PersistedMessage};
use wschat_core::command::parse_input;
use wschat_core::compose::{complete_nick, InputHistory};
use wschat_core::history::{self, Record};
use wschat_core::inspector::{Direction, FrameLog, View};
use wschat_core::json;
use wschat_core::json::Value;
use wschat_core::present::{mentions, segments, Segment};
use wschat_core::protocol::irc::{self, IrcOptions, IrcState};
use wschat_core::protocol::json::{Template, DEFAULT_TEMPLATE};
use wschat_core::protocol::socketio::{MAX_PING_MS, MIN_PING_MS, SHAPE_GRACE_MS};
use wschat_core::protocol::{
    describe_binary, parse_subprotocols, Action, ChatEvent, Decoded, Frame, OutFrame, ProtocolKind, Target, TextFormat,
};
use wschat_core::settings::{percent_decode, query_lookup, validate_nick, Settings};
use wschat_core::url::{mask_credentials, mask_credentials_in_text, normalize_ws_url, PageOrigin};
use wschat_core::xml::{self, Element, Node};

fn config() -> Config {
    let cases = std::env::var("WSCHAT_FUZZ_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(10_000);
    Config { cases, failure_persistence: None, ..Config::default() }
}

/// The default settings, for `kind` and a person called `nick`.
fn settings(kind: ProtocolKind, nick: &str) -> Settings {
    let (defaults, _) = Settings::from_query(|_| None, None, 0.5);
    Settings { protocol: kind, nick: nick.to_string(), ..defaults }
}

/// Any format, as a generated input: a property that takes one runs over every format.
fn any_format() -> impl Strategy<Value = ProtocolKind> {
    prop::sample::select(ProtocolKind::ALL.to_vec())
}

/// What holds for every answer of every format: a wake-up is a finite wait, never negative.
fn sane(decoded: &Decoded) -> Result<(), TestCaseError> {
    if let Some(ms) = decoded.wake_in_ms {
        prop_assert!(ms.is_finite() && ms >= 0.0, "wake in {} ms", ms);
    }
    Ok(())
}

/// Text shaped like JSON (nested, with escapes, numbers of every form, near misses) as well as
/// anything at all.
fn json_like() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_string()),
        Just("true".to_string()),
        "-?(0|[1-9][0-9]{0,20})(\\.[0-9]{1,5})?([eE][+-]?[0-9]{1,3})?",
        "\"([a-zé😀 \t]|\\\\[\"\\\\/bfnrt]|\\\\u[0-9a-fA-F]{4}|\\\\ud83d\\\\ude00){0,8}\"",
        ".{0,3}",
    ];
    let value = leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(|items| format!("[{}]", items.join(","))),
            proptest::collection::vec(("[a-z\"]{0,3}", inner), 0..5).prop_map(|members| {
                let members: Vec<String> = members.iter().map(|(k, v)| format!("\"{k}\": {v}")).collect();
                format!("{{{}}}", members.join(" ,"))
            }),
        ]
    });
    prop_oneof![value, any::<String>()]
}

/// Frames shaped like chat lines as well as anything at all.
fn frame_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-zA-Z0-9_<>\"'&:;/\\\\ \t\r\n\u{202e}\u{0}-\u{1f}é漢😀-]{0,40}: .{0,80}",
        ".{0,8}:.{0,8}",
    ]
}

/// The lines of `text` without their endings (carriage returns included), blank ones left out.
fn without_line_endings(text: &str) -> String {
    text.split('\n').map(|l| l.trim_end_matches('\r')).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("\n")
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn text_frames_decode_without_panic_or_loss(frame in frame_text()) {
        // Nothing is lost but line endings and blank lines: the messages, put back together,
        // are the frame's lines.
        let mut lines = Vec::new();
        for event in TextFormat.decode(Frame::Text(&frame)) {
            match event {
                ChatEvent::Message { nick: Some(nick), text, .. } => lines.push(format!("{nick}: {text}")),
                ChatEvent::Message { nick: None, text, .. } => lines.push(text),
                other => prop_assert!(false, "unexpected {:?}", other),
            }
        }
        prop_assert_eq!(without_line_endings(&lines.join("\n")), without_line_endings(&frame));
    }

    #[test]
    fn binary_frames_decode_without_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        prop_assert_eq!(TextFormat.decode(Frame::Binary(&bytes)), vec![ChatEvent::raw(None, describe_binary(&bytes))]);
        // Every format takes any bytes.
        for kind in ProtocolKind::ALL {
            let mut format = settings(kind, "me").new_format().expect("a native build has every format");
            sane(&format.on_frame(Frame::Binary(&bytes), 0.0))?;
        }
    }

    #[test]
    fn the_chat_log_takes_any_sequence(
        frames in proptest::collection::vec(frame_text(), 0..30),
        cap in 1usize..10,
        kind in any_format(),
    ) {
        let mut format = settings(kind, "me").new_format().expect("a native build has every format");
        let _ = format.on_open("", 0.0);
        let mut log = ChatLog::new(cap);
        let mut messages = 0;
        for (i, frame) in frames.iter().enumerate() {
            if i % 3 == 0 {
                log.push_own("me", frame, 0.0);
                if let Some(item) = log.take_next_outgoing() {
                    log.mark_sent(item);
                }
            }
            let received = format.on_frame(Frame::Text(frame), 0.0).events;
            if let Some(ChatEvent::Message { nick, text, .. }) = received.iter().find(|e| matches!(e, ChatEvent::Message { .. })) {
                log.receive_message(nick.as_deref(), text, 0.0);
                messages += 1;
            }
            if i % 7 == 0 {
                log.link_lost(2);
            }
            let (shown, _) = display_text(frame);
            prop_assert!(frame.starts_with(shown));
        }
        prop_assert!(log.entries().len() <= cap);
        prop_assert_eq!(log.total_received(), messages);
    }

    /// Every format, opened with each subprotocol it offers (and none, and anything), takes
    /// any frames, wake-ups at any time and any action without panicking, and asks for sane
    /// wake-ups.
    #[test]
    fn every_format_takes_any_frame_wake_up_and_action(
        frame in frame_text(),
        irc_like in "(@[a-z=;]{0,10} )?(:[a-z!@.]{0,10} )?([A-Z0-9]{1,7}|PRIVMSG NickServ :(IDENTIFY|SET ) ?)( [#a-zé:]{0,10}){0,4}\r?\n?",
        io_like in "[0-6]{1,2}.{0,40}",
        bytes in proptest::collection::vec(any::<u8>(), 0..64),
        wakes in proptest::collection::vec(-1e6..1e12f64, 0..4),
        chosen in prop_oneof![Just(String::new()), any::<String>()],
    ) {
        for kind in ProtocolKind::ALL {
            let mut offered = kind.offer(&kind.default_subprotocols().join(",")).subprotocols;
            offered.push(chosen.clone());
            for subprotocol in &offered {
                let mut format = settings(kind, "me").new_format().expect("a native build has every format");
                let mut now = 1_000.0;
                sane(&format.on_open(subprotocol, now))?;
                for input in [&frame, &irc_like, &io_like] {
                    now += 1.0;
                    sane(&format.on_frame(Frame::Text(input), now))?;
                    // What the inspector masks lies within the frame.
                    for span in format.received_secret_spans(Frame::Text(input)) {
                        prop_assert!(span.start <= span.end && span.end <= input.len(), "{span:?} of {input:?}");
                    }
                }
                sane(&format.on_frame(Frame::Binary(&bytes), now))?;
                let _ = format.received_secret_spans(Frame::Binary(&bytes));
                for at in &wakes {
                    sane(&format.on_wake(*at))?;
                }
                let chat = Target::channel("#chat");
                let before_ms = wakes.first().copied().unwrap_or(0.0);
                for action in [
                    Action::Message { to: &chat, nick: "me", text: &frame, id: 1 },
                    Action::Join("#b"),
                    Action::Nick("you"),
                    Action::Earlier { to: &chat, before_ms, limit: 100, empty: false },
                    Action::Earlier { to: &chat, before_ms, limit: 100, empty: true },
                ] {
                    if let Some(decoded) = format.encode(action) {
                        sane(&decoded)?;
                    }
                }
                let _ = (format.probe(), format.is_ready());
            }
        }
    }

    #[test]
    fn stored_outboxes_round_trip_and_garbage_is_skipped(
        texts in proptest::collection::vec(any::<String>(), 0..5),
        garbage in any::<String>(),
    ) {
        let messages: Vec<PersistedMessage> =
            texts.into_iter().map(|text| PersistedMessage { server: text.clone(), conversation: String::new(), nick: "me".into(), text, time_ms: 1.0 }).collect();
        prop_assert_eq!(decode_outbox(&encode_outbox(&messages), "old"), messages);
        let _ = decode_outbox(&garbage, "old");
        let _ = decode_outbox(&format!("wschat-outbox-1\n{garbage}"), "old");
        let _ = decode_outbox(&format!("wschat-outbox-2\n{garbage}"), "old");
    }

    #[test]
    fn typed_input_never_panics(line in any::<String>(), nick in any::<String>()) {
        // Addresses have their own property below (urls_normalize_and_mask).
        let _ = parse_input(&line);
        let _ = parse_subprotocols(&line);
        let (settings, _) = Settings::from_query(|_| Some(line.clone()), Some(nick.clone()), 0.5);
        prop_assert!(!settings.nick.is_empty());
    }

    #[test]
    fn view_helpers_take_any_text(
        text in prop_oneof![any::<String>(), "[a-zé:/ .()hHtTpPsS]{0,60}"],
        nick in prop_oneof![any::<String>(), "[a-zA-Zé]{1,6}"],
        cursor in 0usize..80,
    ) {
        // Links never lose or add text, and are http(s) only.
        let mut rebuilt = String::new();
        for segment in segments(&text) {
            match segment {
                Segment::Text(t) => rebuilt.push_str(t),
                Segment::Link(l) => {
                    prop_assert!(l.to_ascii_lowercase().starts_with("http://") || l.to_ascii_lowercase().starts_with("https://"));
                    rebuilt.push_str(l);
                }
            }
        }
        prop_assert_eq!(rebuilt, text.clone());
        let _ = mentions(&text, &nick);
        let _ = complete_nick(&text, cursor, std::slice::from_ref(&nick));
        let _ = percent_decode(&text);
        let _ = Settings::from_query(query_lookup(&text), Some(nick.clone()), 0.5);
        let _ = InputHistory::decode(&text);
        let mut frames = FrameLog::new(4);
        frames.text(Direction::In, 0.0, &text);
        frames.binary(Direction::Out, 0.0, text.as_bytes());
        for record in frames.records() {
            for view in [View::Text, View::PrettyJson, View::Hex] {
                let _ = record.render(view);
            }
            let _ = record.matches(&nick.to_lowercase());
        }
        for line in frames.export("").lines() {
            prop_assert!(serde_json::from_str::<serde_json::Value>(line).is_ok());
        }
    }

    /// Our JSON parser agrees with serde_json on what is JSON, and what it reads and writes
    /// back (compact or pretty) is what serde_json reads from the original.
    #[test]
    fn json_agrees_with_serde_json(text in json_like()) {
        let ours = json::parse(&text);
        let theirs = serde_json::from_str::<serde_json::Value>(&text);
        match (&ours, &theirs) {
            (Ok(value), Ok(expected)) => {
                for written in [value.to_json(), value.to_pretty()] {
                    let reread = serde_json::from_str::<serde_json::Value>(&written).ok();
                    prop_assert_eq!(reread.as_ref(), Some(expected), "{}", written);
                }
            }
            (Err(_), Err(_)) => {}
            // serde_json refuses numbers beyond f64's range; we keep their literal.
            (Ok(_), Err(e)) if e.to_string().contains("out of range") => {}
            _ => prop_assert!(false, "{:?}: ours {:?}, serde_json {:?}", text, ours, theirs),
        }
        prop_assert_eq!(serde_json::from_str::<String>(&json::quote(&text)).ok(), Some(text.clone()));
    }
}

// Addresses: most generated cases are valid, so the assertions on what they become run.

/// An address as typed, and when it is valid what it becomes and how it is shown.
#[derive(Clone, Debug)]
enum UrlCase {
    Valid {
        typed: String,
        normalized: String,
        masked: String,
    },
    /// A valid address broken in one place.
    Invalid(String),
    Anything(String),
}

/// Valid addresses of every part: scheme spellings, credentials, host names, IPv4 and IPv6,
/// ports, paths, queries with and without secrets, surrounding blanks.
fn valid_url() -> impl Strategy<Value = UrlCase> {
    let scheme = prop_oneof![
        Just(("ws", "ws")),
        Just(("wss", "wss")),
        Just(("http", "ws")),
        Just(("https", "wss")),
        Just(("WS", "ws")),
        Just(("HttpS", "wss")),
    ];
    let userinfo =
        proptest::option::of(("[a-zA-Z0-9._~-]{1,8}", proptest::option::of("[a-zA-Z0-9._~!$&'()*+,;=-]{1,12}")));
    let host = prop_oneof![
        "[a-z][a-z0-9-]{0,10}(\\.[a-z]{2,6}){0,2}",
        "(25[0-5]|[1-9]?[0-9])(\\.(25[0-5]|[1-9]?[0-9])){3}",
        Just("[::1]".to_string()),
        "\\[[0-9a-f]{1,4}(:[0-9a-f]{1,4}){1,7}\\]",
    ];
    let port = proptest::option::of(1u32..=65535);
    // No '.' at the end of a path or value: an address closing a sentence leaves its full stop out.
    let path = "(/[a-zA-Z0-9_~%-]{0,8}){0,3}";
    let name = prop_oneof![
        prop::sample::select(vec!["room", "v", "channel", "lang", "id", "user", "monkey", "keys"])
            .prop_map(|n| (n, false)),
        prop::sample::select(vec![
            "token",
            "TOKEN",
            "Access_Token",
            "password",
            "pass",
            "key",
            "auth",
            "secret",
            "apikey",
            "api_key",
            "sig",
            "Signature",
            "refresh_token",
            "X-Amz-Signature",
            "%74oken",
        ])
        .prop_map(|n| (n, true)),
    ];
    let query = proptest::option::of(proptest::collection::vec((name, "[a-zA-Z0-9_~%-]{1,10}"), 1..4));
    let blank = "[ \\t]{0,2}";
    (scheme, userinfo, host, port, path, query, blank, blank).prop_map(
        |((typed_scheme, scheme), userinfo, host, port, path, query, lead, trail)| {
            let (typed_user, masked_user) = match &userinfo {
                Some((user, Some(password))) => (format!("{user}:{password}@"), format!("{user}:***@")),
                Some((user, None)) => (format!("{user}@"), "***@".to_string()),
                None => (String::new(), String::new()),
            };
            let port = port.map(|p| format!(":{p}")).unwrap_or_default();
            let (typed_query, masked_query) = match &query {
                Some(pairs) => {
                    let typed: Vec<String> = pairs.iter().map(|((n, _), v)| format!("{n}={v}")).collect();
                    let masked: Vec<String> = pairs
                        .iter()
                        .map(|((n, secret), v)| format!("{n}={}", if *secret { "***" } else { v }))
                        .collect();
                    (format!("?{}", typed.join("&")), format!("?{}", masked.join("&")))
                }
                None => (String::new(), String::new()),
            };
            let normal_path = if path.is_empty() { "/" } else { path.as_str() };
            UrlCase::Valid {
                typed: format!("{lead}{typed_scheme}://{typed_user}{host}{port}{path}{typed_query}{trail}"),
                normalized: format!("{scheme}://{typed_user}{host}{port}{normal_path}{typed_query}"),
                masked: format!("{scheme}://{masked_user}{host}{port}{normal_path}{masked_query}"),
            }
        },
    )
}

fn url_cases() -> impl Strategy<Value = UrlCase> {
    let broken = (valid_url(), 0..5usize, 65536u32..100_000).prop_map(|(case, how, big_port)| {
        let UrlCase::Valid { normalized, .. } = case else { unreachable!("valid_url makes valid cases") };
        let (scheme, rest) = normalized.split_once("://").unwrap_or(("ws", &normalized));
        UrlCase::Invalid(match how {
            0 => format!("{normalized}#fragment"),
            1 => format!("ftp://{rest}"),
            2 => format!("{scheme}://a b.{rest}"),
            3 => format!("{scheme}://h:{big_port}/"),
            _ => rest.to_string(),
        })
    });
    prop_oneof![8 => valid_url(), 1 => broken, 1 => any::<String>().prop_map(UrlCase::Anything)]
}

/// Every valid address normalises to what it should and is shown with its credentials masked;
/// broken ones are refused; anything at all does not panic. Counts that the valid case ran on
/// most inputs (it once ran on almost none: arbitrary strings are seldom addresses).
#[test]
fn urls_normalize_and_mask() {
    let page = PageOrigin { scheme: "https:".into(), host: "example.org".into() };
    let valid_cases = std::cell::Cell::new(0u32);
    let mut runner = proptest::test_runner::TestRunner::new(config());
    let result = runner.run(&url_cases(), |case| {
        match &case {
            UrlCase::Valid { typed, normalized, masked } => {
                let got = normalize_ws_url(typed, Some(&page));
                prop_assert_eq!(got.as_ref(), Ok(normalized));
                prop_assert_eq!(&mask_credentials(normalized), masked);
                prop_assert_eq!(&mask_credentials(masked), masked, "masking twice");
                let said = format!("readyState connecting: {normalized}, subprotocols [chat]");
                prop_assert_eq!(
                    mask_credentials_in_text(&said),
                    format!("readyState connecting: {masked}, subprotocols [chat]")
                );
                let ended = format!("Connected to {normalized}.");
                prop_assert_eq!(mask_credentials_in_text(&ended), format!("Connected to {masked}."));
                valid_cases.set(valid_cases.get() + 1);
            }
            UrlCase::Invalid(typed) => prop_assert!(normalize_ws_url(typed, Some(&page)).is_err(), "{:?}", typed),
            UrlCase::Anything(typed) => {
                if let Ok(normalized) = normalize_ws_url(typed, Some(&page)) {
                    prop_assert!(normalized.starts_with("ws://") || normalized.starts_with("wss://"));
                    prop_assert!(!normalized.contains('#'));
                }
                let masked = mask_credentials(typed);
                prop_assert_eq!(mask_credentials(&masked), masked.clone());
                let in_text = mask_credentials_in_text(typed);
                prop_assert_eq!(mask_credentials_in_text(&in_text), in_text.clone());
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let cases = runner.config().cases;
    assert!(valid_cases.get() >= cases / 2, "the valid case ran on {} of {cases} inputs", valid_cases.get());
}

// Round trips: what a format encodes, the same format decodes to the same author and text.

/// Nicks the settings accept (what the client ever sends).
fn valid_nick() -> impl Strategy<Value = String> {
    prop_oneof!["[a-zA-Z0-9_.é漢😀<>\"'\\\\-]{1,12}", "[^\\s:\\p{Cc}]{1,32}"]
        .prop_filter("a nick the settings accept", |n| validate_nick(n) == Ok(n.as_str()))
}

/// Message text: anything, text with the characters formats care about, `/me` actions, and
/// texts long enough for IRC to split.
fn chat_text() -> impl Strategy<Value = String> {
    // Long texts are fewer: they cost the most to make, and only IRC splits them.
    prop_oneof![
        3 => any::<String>(),
        3 => "[a-z :\\n\\r\\t\\u{0}\\u{1}é😀\"\\\\<>{},\\[\\]]{0,40}",
        1 => "/me [a-z é:\\n]{0,20}",
        1 => "[a-zé漢😀 ]{300,1200}",
        1 => "[a-zé漢😀 \\n]{300,1200}",
    ]
}

/// A frame's text, whatever its kind.
fn frame_string(frame: &OutFrame) -> String {
    match frame {
        OutFrame::Text(t) => t.clone(),
        OutFrame::Binary(b) => String::from_utf8_lossy(b).into_owned(),
    }
}

/// A JSON template as a value, with placeholders as strings: nested objects and arrays of
/// plain values around at least one `<text>`, and maybe `<nick>`s.
fn template_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        "-?(0|[1-9][0-9]{0,5})(\\.[0-9]{1,3})?".prop_map(|n| json::parse(&n).unwrap_or(Value::Null)),
        "[a-z é😀\"\\\\]{0,4}".prop_map(Value::String),
        Just(Value::String("<nick>".into())),
        Just(Value::String("<text>".into())),
    ];
    let tree = leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec(("[a-z]{0,4}", inner), 0..4).prop_map(Value::Object),
        ]
    });
    (proptest::collection::vec(("[a-z]{1,4}", tree), 0..4), any::<prop::sample::Index>(), "[a-z]{1,6}").prop_map(
        |(mut members, at, key)| {
            let at = at.index(members.len() + 1);
            members.insert(at, (key, Value::String("<text>".into())));
            Value::Object(members)
        },
    )
}

/// `value` with its placeholders replaced.
fn filled(value: &Value, nick: &str, text: &str) -> Value {
    match value {
        Value::String(s) if s == "<nick>" => Value::String(nick.into()),
        Value::String(s) if s == "<text>" => Value::String(text.into()),
        Value::Array(items) => Value::Array(items.iter().map(|v| filled(v, nick, text)).collect()),
        Value::Object(members) => {
            Value::Object(members.iter().map(|(k, v)| (k.clone(), filled(v, nick, text))).collect())
        }
        other => other.clone(),
    }
}

/// A relayed text line as IRC servers write it: without the CRLF of legacy framing.
fn irc_line(frame: &OutFrame) -> String {
    let line = frame_string(frame);
    line.strip_suffix("\r\n").map(str::to_string).unwrap_or(line)
}

proptest! {
    #![proptest_config(config())]

    /// `nick: text` comes back as that nick and text. Documented exceptions: a line ending
    /// closing the frame is not part of the message, and a multi-line text whose every line
    /// looks like `nick: text` is read as several messages (a server's batch); nothing is lost
    /// but line endings then.
    #[test]
    fn text_messages_round_trip(nick in valid_nick(), text in chat_text()) {
        let OutFrame::Text(frame) = TextFormat.encode_message(&nick, &text) else { unreachable!("text frames") };
        let events = TextFormat.decode(Frame::Text(&frame));
        let expected = ChatEvent::Message { nick: Some(nick.clone()), text: text.clone(), time_ms: None, msgid: None };
        if !text.contains('\n') {
            prop_assert_eq!(events, vec![expected]);
        } else if let [ChatEvent::Message { nick: Some(got_nick), text: got, .. }] = &events[..] {
            prop_assert_eq!(got_nick, &nick);
            let closing = text.strip_suffix('\n').map(|t| t.strip_suffix('\r').unwrap_or(t));
            prop_assert_eq!(got, closing.unwrap_or(&text));
        } else {
            let lines: Vec<String> = events
                .iter()
                .map(|e| match e {
                    ChatEvent::Message { nick: Some(n), text, .. } => format!("{n}: {text}"),
                    ChatEvent::Message { nick: None, text, .. } => text.clone(),
                    other => format!("{other:?}"),
                })
                .collect();
            prop_assert_eq!(without_line_endings(&lines.join("\n")), without_line_endings(&frame));
        }
    }

    /// A filled template is valid JSON of the template's shape, with exactly the nick and text
    /// where their placeholders were, for any nick and text; bare or quoted placeholders alike.
    #[test]
    fn json_templates_keep_their_shape(
        template in template_value(),
        bare in any::<bool>(),
        nick in prop_oneof![any::<String>(), Just("<text>".to_string()), "[<>a-z\"\\\\,:{}]{0,8}"],
        text in prop_oneof![any::<String>(), Just("<nick>".to_string()), "[<>a-z\"\\\\,:{}1]{0,8}"],
    ) {
        let mut written = template.to_pretty();
        if bare {
            written = written.replace("\"<nick>\"", "<nick>").replace("\"<text>\"", "<text>");
        }
        let parsed = Template::parse(&written);
        prop_assert!(parsed.is_ok(), "{}: {:?}", written, parsed);
        let out = parsed.map(|t| t.fill(&nick, &text)).unwrap_or_default();
        prop_assert_eq!(json::parse(&out).ok(), Some(filled(&template, &nick, &text)), "{}", out);
        // And any JSON reader agrees.
        prop_assert!(serde_json::from_str::<serde_json::Value>(&out).is_ok(), "{}", out);
    }

    /// What the JSON format sends, it reads back (the echo that confirms delivery), for
    /// templates whose fields it knows: the default, a typed message, an envelope, a time.
    /// Exception: an empty nick is no author (settings never allow one).
    #[test]
    fn json_messages_round_trip(
        nick in prop_oneof![valid_nick(), any::<String>(), Just("<text>".to_string())],
        text in chat_text(),
        which in 0..4usize,
    ) {
        let (template, time_ms) = [
            (DEFAULT_TEMPLATE, None),
            (r#"{"type":"message","user":{"name":<nick>},"body":<text>}"#, None),
            (r#"{"event":"chat","data":{"username":"<nick>","message":"<text>"}}"#, None),
            (r#"{"from":<nick>,"msg":<text>,"ts":1700000000}"#, Some(1.7e12)),
        ][which];
        let settings = Settings { json_template: template.to_string(), ..settings(ProtocolKind::Json, &nick) };
        let mut format = settings.new_format().expect("a native build has every format");
        let frames = format.encode(Action::Message { to: &Target::channel("#chat"), nick: &nick, text: &text, id: 1 }).map(|d| d.replies);
        let Some([OutFrame::Text(frame)]) = frames.as_deref() else { panic!("one text frame: {frames:?}") };
        let author = (!nick.is_empty()).then(|| nick.clone());
        prop_assert_eq!(
            format.on_frame(Frame::Text(frame), 0.0).events,
            vec![ChatEvent::Message { nick: author, text: text.clone(), time_ms, msgid: None }]
        );
    }

    /// IRC: our PRIVMSGs, relayed by a server with the author's prefix (as to the others in the
    /// channel, or as an echo), are read as that author's text. Exceptions, documented in
    /// `IrcState::encode_message`: each line (CR or LF ending it) is a PRIVMSG of its own, long
    /// lines are split into pieces, blank lines are not sent, NUL and 0x01 are left out.
    #[test]
    fn irc_messages_round_trip(
        nick in "[a-zA-Z\\[\\]\\\\`_^{|}][a-zA-Z0-9\\[\\]\\\\`_^{|}-]{0,15}",
        text in chat_text(),
        subprotocol in prop::sample::select(vec![
            irc::TEXT_SUBPROTOCOL,
            irc::BINARY_SUBPROTOCOL,
            irc::INSPIRCD_TEXT_SUBPROTOCOL,
            irc::INSPIRCD_BINARY_SUBPROTOCOL,
            "",
        ]),
    ) {
        let options = |nick: &str| IrcOptions { nick: nick.to_string(), channels: vec!["#chat".into()], sasl: None };
        let mut sender = IrcState::new(options(&nick));
        let _ = sender.open(subprotocol);
        let mut receiver = IrcState::new(options("other"));
        let _ = receiver.open(irc::TEXT_SUBPROTOCOL);
        let (action, body) = match text.strip_prefix("/me ") {
            Some(rest) => (true, rest),
            None => (false, text.as_str()),
        };
        let lines: Vec<String> =
            body.split(['\n', '\r']).map(|l| l.replace(['\0', '\u{1}'], "")).filter(|l| !l.is_empty()).collect();
        let mut pieces = Vec::new();
        for frame in sender.encode_message("#chat", &text) {
            let line = irc_line(&frame);
            let relayed = line.strip_prefix("PRIVMSG #chat :");
            prop_assert!(relayed.is_some(), "{:?}", line);
            let relayed = format!(":{nick}!u@host PRIVMSG #chat :{}", relayed.unwrap_or_default());
            let (events, _) = receiver.decode(&relayed);
            match &in_chat(events, "#chat")[..] {
                [ChatEvent::Message { nick: Some(from), text, .. }] if *from == nick => {
                    let piece = if action { text.strip_prefix("/me ") } else { Some(text.as_str()) };
                    prop_assert!(piece.is_some(), "an action comes back as one: {:?}", text);
                    pieces.push(piece.unwrap_or_default().to_string());
                }
                other => prop_assert!(false, "{:?} from {:?}", other, line),
            }
        }
        prop_assert_eq!(pieces.concat(), lines.concat(), "nothing lost or added");
        if lines.len() == 1 && lines[0].len() <= 300 {
            prop_assert_eq!(pieces, lines, "a short line is one message");
        }
    }

    /// Socket.IO, in both chat shapes, against a model of the documented servers: the
    /// tutorial's relays the `chat message` string to everyone; the chat example's broadcasts
    /// `new message` with the username given by `add user`. The text comes back exactly.
    #[test]
    fn socketio_messages_round_trip(nick in valid_nick(), text in chat_text(), chat_example in any::<bool>()) {
        let mut format = settings(ProtocolKind::SocketIo, &nick).new_format().expect("a native build has every format");
        let _ = format.on_open("", 0.0);
        let open = format.on_frame(Frame::Text(r#"0{"sid":"e","pingInterval":25000,"pingTimeout":20000}"#), 0.0);
        prop_assert_eq!(open.replies, vec![OutFrame::Text("40".into())]);
        let connected = format.on_frame(Frame::Text(r#"40{"sid":"s"}"#), 0.0);
        let [add_user] = &connected.replies[..] else { panic!("add user: {:?}", connected.replies) };
        let username = emitted(add_user).and_then(|(name, args)| {
            (name == "add user").then(|| args.first().and_then(Value::as_str).map(str::to_string)).flatten()
        });
        prop_assert_eq!(username.as_deref(), Some(nick.as_str()));
        if chat_example {
            let _ = format.on_frame(Frame::Text(r#"42["login",{"numUsers":1}]"#), 0.0);
        } else {
            let _ = format.on_wake(SHAPE_GRACE_MS);
        }
        prop_assert!(format.is_ready());
        let frames = format.encode(Action::Message { to: &Target::channel("#chat"), nick: &nick, text: &text, id: 7 }).map(|d| d.replies);
        let Some([frame]) = frames.as_deref() else { panic!("one frame: {frames:?}") };
        let Some((event, args)) = emitted(frame) else { panic!("an event: {frame:?}") };
        let message = args.first().cloned().unwrap_or(Value::Null);
        let relayed = if chat_example {
            prop_assert_eq!(event.as_str(), "new message");
            let data =
                Value::Object(vec![("username".into(), Value::String(nick.clone())), ("message".into(), message)]);
            Value::Array(vec![Value::String(event), data])
        } else {
            prop_assert_eq!(event.as_str(), "chat message");
            Value::Array(vec![Value::String(event), message])
        };
        prop_assert_eq!(
            format.on_frame(Frame::Text(&format!("42{}", relayed.to_json())), 0.0).events,
            vec![ChatEvent::Message { nick: Some(nick.clone()), text: text.clone(), time_ms: None, msgid: None }]
        );
    }

    /// Whatever numbers an Engine.IO open packet holds, the heartbeat deadline is a finite wait
    /// between twice the least and twice the most allowed ping time.
    #[test]
    fn socketio_heartbeats_stay_sane(
        interval in prop_oneof![json_number(), Just("\"x\"".to_string()), Just("null".to_string())],
        timeout in prop_oneof![json_number(), Just("[]".to_string())],
    ) {
        let mut format = settings(ProtocolKind::SocketIo, "me").new_format().expect("a native build has every format");
        let _ = format.on_open("", 0.0);
        let open = format!(r#"0{{"sid":"e","pingInterval":{interval},"pingTimeout":{timeout}}}"#);
        let deadline = format.on_frame(Frame::Text(&open), 0.0).wake_in_ms;
        prop_assert!(
            deadline.is_some_and(|ms| (2.0 * MIN_PING_MS..=2.0 * MAX_PING_MS).contains(&ms)),
            "{:?}", deadline
        );
    }
}

/// JSON numbers of any size: hundreds of digits, exponents past any float's.
fn json_number() -> impl Strategy<Value = String> {
    "-?(0|[1-9][0-9]{0,400})(\\.[0-9]{1,400})?([eE][+-]?[0-9]{1,12})?"
}

/// `42["event", args…]` (an ack id may follow the 42): the event and its arguments.
fn emitted(frame: &OutFrame) -> Option<(String, Vec<Value>)> {
    let text = frame_string(frame);
    let rest = text.strip_prefix("42")?.trim_start_matches(|c: char| c.is_ascii_digit());
    match json::parse(rest).ok()? {
        Value::Array(mut items) if !items.is_empty() => {
            let name = items.remove(0).as_str()?.to_string();
            Some((name, items))
        }
        _ => None,
    }
}

/// Nicks every format's servers take (IRC's are the narrowest).
fn plain_nick() -> impl Strategy<Value = String> {
    "[a-zA-Z\\[\\]\\\\`_^{|}][a-zA-Z0-9\\[\\]\\\\`_^{|}-]{0,15}"
}

/// XML-shaped text: tags, attributes, entities and text in any order, well-formed or not.
fn xml_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("<a>".to_string()),
        Just("</a>".to_string()),
        Just("<b x='1' y=\"&amp;\"/>".to_string()),
        Just("&lt;".to_string()),
        Just("&#x263A;".to_string()),
        Just("&bad;".to_string()),
        Just("<!--c-->".to_string()),
        Just("<![CDATA[x]]>".to_string()),
        Just("<!DOCTYPE a>".to_string()),
        "[a-z <>&;'\"=/!?#x0-9]{0,12}",
    ];
    prop::collection::vec(piece, 0..24).prop_map(|pieces| pieces.concat())
}

/// A regex strategy compiled once: a `&str` compiles its regex again for every value, which
/// was most of the time of the XML properties.
fn regex(pattern: &str) -> BoxedStrategy<String> {
    proptest::string::string_regex(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}")).boxed()
}

/// An XML name, with a prefix or without.
fn xml_name() -> BoxedStrategy<String> {
    regex("[a-zA-Z_][a-zA-Z0-9_.-]{0,5}(:[a-zA-Z_][a-zA-Z0-9_.-]{0,5})?")
}

/// Up to `most` attributes of distinct names (a repeated one is an error).
fn distinct_attributes<T: Strategy<Value = (String, String)> + Clone>(
    attribute: T,
    most: usize,
) -> impl Strategy<Value = Vec<(String, String)>> + Clone {
    proptest::collection::vec(attribute, 0..=most).prop_map(|mut attrs| {
        let mut seen = std::collections::HashSet::new();
        attrs.retain(|(name, _)| seen.insert(name.clone()));
        attrs
    })
}

/// Well-formed XML written every way the reader must take: a declaration, comments and blank
/// space around the element, either quote, blanks around `=` and before `>`, entities and
/// character references, CDATA, comments inside, empty elements both ways; more than the
/// eight attributes checked pair by pair.
fn well_formed_xml() -> impl Strategy<Value = String> {
    let blank = regex("[ \t\r\n]{0,2}");
    // Q is the other quote than the one around the value.
    let value = regex("([a-z é😀>Q\n\t]|&lt;|&gt;|&amp;|&quot;|&apos;|&#x263A;|&#65;){0,6}");
    let attribute = (blank.clone(), xml_name(), blank.clone(), value, any::<bool>()).prop_map(
        |(lead, name, around, value, double)| {
            let (quote, other) = if double { ('"', "'") } else { ('\'', "\"") };
            (name.clone(), format!(" {lead}{name}{around}={around}{quote}{}{quote}", value.replace('Q', other)))
        },
    );
    let attributes = distinct_attributes(attribute, 10)
        .prop_map(|attrs| attrs.into_iter().map(|(_, written)| written).collect::<String>());
    let content = prop_oneof![
        regex("([a-z é😀>\"'\n\t]|&lt;|&gt;|&amp;|&quot;|&apos;|&#x1F600;|&#10;){1,8}"),
        regex("<!--[a-z <>&]{0,6}-->"),
        regex("<!\\[CDATA\\[[a-z <>&\"']{0,6}\\]\\]>"),
    ];
    let element = move |children: BoxedStrategy<String>| {
        (xml_name(), attributes.clone(), blank.clone(), proptest::collection::vec(children, 0..5), any::<bool>())
            .prop_map(|(name, attributes, blank, children, short)| {
                if children.is_empty() && short {
                    format!("<{name}{attributes}{blank}/>")
                } else {
                    format!("<{name}{attributes}{blank}>{}</{name}{blank}>", children.concat())
                }
            })
    };
    let tree = element(content.clone().boxed())
        .prop_recursive(4, 16, 4, move |inner| element(prop_oneof![inner, content.clone()].boxed()));
    let misc = regex("( |\n|<!--[a-z ]{0,4}-->){0,3}");
    (proptest::option::of(Just("<?xml version='1.0'?>")), misc.clone(), tree, misc)
        .prop_map(|(declaration, before, tree, after)| format!("{}{before}{tree}{after}", declaration.unwrap_or("")))
}

/// XML for the reader: well-formed, which it must read, or anything shaped like XML.
#[derive(Clone, Debug)]
enum XmlCase {
    WellFormed(String),
    Anything(String),
}

/// Text the writer keeps as it is: anything but the control characters XML 1.0 cannot hold.
fn xml_text() -> impl Strategy<Value = String> + Clone {
    prop_oneof![
        regex("[a-zé漢😀 <&>\"';#\n\r\t]{0,12}"),
        any::<String>().prop_map(|t| t.replace(|c: char| c < ' ' && !matches!(c, '\t' | '\n' | '\r'), "")),
    ]
}

/// Element trees as the client builds them: names with and without prefixes, distinct
/// attributes with any text, text with markup characters, quotes, line breaks and emoji,
/// mixed with child elements. As the reader gives them back: no empty text, and text next to
/// text is one text.
fn xml_tree() -> impl Strategy<Value = Element> {
    let attributes = distinct_attributes((xml_name(), xml_text()), 10);
    let leaf = (xml_name(), attributes.clone()).prop_map(|(name, attrs)| Element { name, attrs, children: Vec::new() });
    leaf.prop_recursive(4, 16, 4, move |inner| {
        let child = prop_oneof![inner.prop_map(Node::Element), xml_text().prop_map(Node::Text)];
        (xml_name(), attributes.clone(), proptest::collection::vec(child, 0..5)).prop_map(|(name, attrs, children)| {
            let mut merged: Vec<Node> = Vec::new();
            for child in children {
                match (merged.last_mut(), child) {
                    (_, Node::Text(text)) if text.is_empty() => {}
                    (Some(Node::Text(before)), Node::Text(text)) => before.push_str(&text),
                    (_, child) => merged.push(child),
                }
            }
            Element { name, attrs, children: merged }
        })
    })
}

proptest! {
    #![proptest_config(config())]

    /// XMPP's XML reader never panics, whatever comes; well-formed XML it reads; what it reads,
    /// written out and read again, is the same element.
    #[test]
    fn xml_reads_anything_safely_and_round_trips(
        case in prop_oneof![well_formed_xml().prop_map(XmlCase::WellFormed), xml_like().prop_map(XmlCase::Anything)],
    ) {
        let (XmlCase::WellFormed(text) | XmlCase::Anything(text)) = &case;
        let parsed = xml::parse(text);
        if matches!(case, XmlCase::WellFormed(_)) {
            prop_assert!(parsed.is_ok(), "{:?}: {:?}", text, parsed);
        }
        if let Ok(element) = parsed {
            let again = xml::parse(&element.to_xml());
            prop_assert_eq!(again.as_ref(), Ok(&element), "{}", element.to_xml());
        }
    }

    /// Any tree the writer writes, the reader reads back as the same tree.
    #[test]
    fn xml_trees_round_trip(tree in xml_tree()) {
        let written = tree.to_xml();
        prop_assert_eq!(xml::parse(&written), Ok(tree), "{}", written);
    }
}

/// A line every format carries exactly: no line break, NUL or CTCP delimiter (IRC's
/// exceptions), short enough that IRC sends it whole, and not an empty action.
fn plain_line() -> impl Strategy<Value = String> {
    prop_oneof!["[^\\n\\r\\u{0}\\u{1}]{1,60}", "/me [a-zé:]{1,20}", "[a-zé漢😀 :\"\\\\<>{},\\[\\]]{1,80}",]
        .prop_filter("IRC sends it whole, and something", |t| t.len() <= 300 && t != "/me ")
}

proptest! {
    #![proptest_config(config())]

    /// Every format, against each shape of its server (the model the format provides): once
    /// the handshake and the wake-ups it asks for are done, it is ready, and a line it sends
    /// comes back through the server as that author's line, exactly.
    #[test]
    fn every_format_round_trips(
        kind in any_format(),
        shape in any::<prop::sample::Index>(),
        nick in plain_nick(),
        text in plain_line(),
    ) {
        let model = kind.server_model();
        let shape = shape.index(model.shapes);
        let joined = Settings { channel: model.conversation.to_string(), ..settings(kind, &nick) };
        let mut format = joined.new_format().expect("a native build has every format");
        let mut now = 1_000.0;
        let opened = format.on_open((model.subprotocol)(shape), now);
        let mut wake = opened.wake_in_ms;
        for frame in (model.handshake)(shape, &nick) {
            now += 1.0;
            wake = format.on_frame(as_frame(&frame), now).wake_in_ms.or(wake);
        }
        // A grace period or the like: the format says when to look again.
        for _ in 0..3 {
            match wake {
                Some(ms) if !format.is_ready() => {
                    now += ms;
                    wake = format.on_wake(now).wake_in_ms;
                }
                _ => break,
            }
        }
        prop_assert!(format.is_ready(), "{} not ready against shape {}", kind, shape);
        let sent = format.encode(Action::Message { to: &Target::channel(model.conversation), nick: &nick, text: &text, id: 7 });
        prop_assert!(sent.is_some(), "{} sends no messages", kind);
        let mut events = Vec::new();
        for frame in sent.map(|d| d.replies).unwrap_or_default() {
            if let Some(relayed) = (model.relay)(shape, &nick, &frame) {
                events.extend(format.on_frame(as_frame(&relayed), now).events);
            }
        }
        let carried = (model.carried)(&text);
        prop_assert_eq!(in_chat(events, model.conversation), vec![ChatEvent::Message { nick: Some(nick.clone()), text: carried, time_ms: None, msgid: None }]);
    }
}

/// A frame a model server sends, as the socket hands it on.
fn as_frame(frame: &OutFrame) -> Frame<'_> {
    match frame {
        OutFrame::Text(text) => Frame::Text(text),
        OutFrame::Binary(bytes) => Frame::Binary(bytes),
    }
}

/// Events for the conversation `#chat` (or for the only one), as events of it: a message sent
/// there must come back there.
fn in_chat(events: Vec<ChatEvent>, conversation: &str) -> Vec<ChatEvent> {
    let chat = Target::channel(conversation);
    events
        .into_iter()
        .map(|event| match event {
            ChatEvent::In { to, event } if to == chat => *event,
            other => other,
        })
        .collect()
}

/// Records as the log makes them: a stored kind, whole milliseconds an f64 holds exactly, a
/// final status on own messages only, and any text in every field.
fn history_record() -> impl Strategy<Value = Record> {
    let kind_and_status = prop_oneof![
        Just((EntryKind::Chat, None)),
        Just((EntryKind::System, None)),
        prop::sample::select(vec![OwnStatus::Sent, OwnStatus::Delivered, OwnStatus::Failed])
            .prop_map(|status| (EntryKind::Own, Some(status))),
    ];
    let text = || prop_oneof![any::<String>(), "[a-zA-Zé漢😀 \"\\\\\n\t\u{0}-\u{1f}-]{0,40}"];
    (text(), 0u64..1 << 53, kind_and_status, proptest::option::of(text()), text(), proptest::option::of(text()))
        .prop_map(|(conversation, time_ms, (kind, status), nick, text, msgid)| Record {
            conversation,
            time_ms: time_ms as f64,
            kind,
            nick,
            text,
            status,
            msgid,
        })
}

/// A change to a written record: a run of characters replaced by JSON-ish pieces or anything.
fn mutation() -> impl Strategy<Value = (prop::sample::Index, usize, String)> {
    let piece = prop_oneof![
        prop::sample::select(vec![
            "",
            "\"",
            "\\",
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            "null",
            "true",
            "-1",
            "0",
            "1.5",
            "1e3",
            "2",
            "9007199254740992",
            "\"v\":2,",
            "\"k\":\"raw\",",
            "\"s\":\"pending\",",
            "\"x\":null,",
            "\"t\":\"1\",",
            "\\ud800",
            "\\u0000",
        ])
        .prop_map(str::to_string),
        any::<String>(),
    ];
    (any::<prop::sample::Index>(), 0usize..6, piece)
}

proptest! {
    #![proptest_config(config())]

    /// Stored history: a record reads back as it was written, and its index words keep their
    /// rules; nothing stored, however damaged, makes the reader panic, and whatever it reads
    /// is a record that itself reads back.
    #[test]
    fn history_records_round_trip_and_damage_is_an_error(
        record in history_record(),
        mutations in proptest::collection::vec(mutation(), 1..4),
        anything in prop_oneof![json_like(), any::<String>()],
    ) {
        let written = history::encode(&record);
        prop_assert_eq!(history::decode(&written), Ok(record.clone()), "{}", written);
        let words = history::index_words(&record);
        prop_assert!(words.len() <= 64);
        for (i, word) in words.iter().enumerate() {
            prop_assert!((2..=32).contains(&word.chars().count()), "{:?}", word);
            prop_assert!(!word.contains(' ') && !words[..i].contains(word), "{:?}", words);
        }
        let mut damaged: Vec<char> = written.chars().collect();
        for (at, remove, insert) in mutations {
            let at = at.index(damaged.len() + 1);
            let end = (at + remove).min(damaged.len());
            damaged.splice(at..end, insert.chars());
        }
        for text in [damaged.into_iter().collect::<String>(), anything] {
            if let Ok(read) = history::decode(&text) {
                prop_assert_eq!(history::decode(&history::encode(&read)), Ok(read));
            }
        }
    }
}
