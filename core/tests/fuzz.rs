//! Property tests over arbitrary input for everything that reads data from the network or a
//! person: nothing may panic, and nothing may be lost.
//!
//! `WSCHAT_FUZZ_CASES` sets the number of inputs per property (default 10 000);
//! `scripts/fuzz` runs a million.

use proptest::prelude::*;
use proptest::test_runner::Config;
use wschat_core::chat::{decode_outbox, display_text, encode_outbox, ChatLog, PersistedMessage};
use wschat_core::command::parse_input;
use wschat_core::compose::{complete_nick, InputHistory};
use wschat_core::inspector::{Direction, FrameLog, View};
use wschat_core::json;
use wschat_core::present::{mentions, segments, Segment};
use wschat_core::protocol::json::DEFAULT_TEMPLATE;
use wschat_core::protocol::{
    describe_binary, irc, parse_subprotocols, ChatEvent, Frame, ProtocolKind, TextFormat, Wire,
};
use wschat_core::settings::{percent_decode, query_lookup, Settings};
use wschat_core::url::{normalize_ws_url, PageOrigin};

fn config() -> Config {
    let cases = std::env::var("WSCHAT_FUZZ_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(10_000);
    Config { cases, failure_persistence: None, ..Config::default() }
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
            let mut wire = Wire::new(kind, "me", "#chat", DEFAULT_TEMPLATE);
            let _ = wire.decode(Frame::Binary(&bytes));
        }
    }

    #[test]
    fn the_chat_log_takes_any_sequence(frames in proptest::collection::vec(frame_text(), 0..30), cap in 1usize..10) {
        let mut log = ChatLog::new(cap);
        let mut messages = 0;
        for (i, frame) in frames.iter().enumerate() {
            if i % 3 == 0 {
                log.push_own("me", frame, 0.0);
                if let Some(item) = log.take_next_outgoing() {
                    log.mark_sent(item);
                }
            }
            let received = TextFormat.decode(Frame::Text(frame));
            if let Some(ChatEvent::Message { nick, text, .. }) = received.first() {
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

    #[test]
    fn every_format_decodes_any_text_frame(frame in frame_text(), irc_like in "(@[a-z=;]{0,10} )?(:[a-z!@.]{0,10} )?[A-Z0-9]{1,7}( [#a-z:]{0,10}){0,4}", io_like in "[0-6]{1,2}.{0,40}") {
        for kind in ProtocolKind::ALL {
            let mut wire = Wire::new(kind, "me", "#chat", DEFAULT_TEMPLATE);
            let _ = wire.on_open(irc::TEXT_SUBPROTOCOL);
            for input in [&frame, &irc_like, &io_like] {
                let _ = wire.decode(Frame::Text(input));
            }
            let _ = wire.encode_message("me", &frame, 1);
        }
    }

    #[test]
    fn stored_outboxes_round_trip_and_garbage_is_skipped(
        texts in proptest::collection::vec(any::<String>(), 0..5),
        garbage in any::<String>(),
    ) {
        let messages: Vec<PersistedMessage> =
            texts.into_iter().map(|text| PersistedMessage { server: text.clone(), nick: "me".into(), text, time_ms: 1.0 }).collect();
        prop_assert_eq!(decode_outbox(&encode_outbox(&messages), "old"), messages);
        let _ = decode_outbox(&garbage, "old");
        let _ = decode_outbox(&format!("wschat-outbox-1\n{garbage}"), "old");
        let _ = decode_outbox(&format!("wschat-outbox-2\n{garbage}"), "old");
    }

    #[test]
    fn typed_input_never_panics(line in any::<String>(), url in any::<String>()) {
        let _ = parse_input(&line);
        let _ = parse_subprotocols(&line);
        let page = PageOrigin { scheme: "https:".into(), host: "example.org".into() };
        if let Ok(normalized) = normalize_ws_url(&url, Some(&page)) {
            prop_assert!(normalized.starts_with("ws://") || normalized.starts_with("wss://"));
            prop_assert!(!normalized.contains('#'));
        }
        let (settings, _) = Settings::from_query(|_| Some(line.clone()), Some(url.clone()), 0.5);
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
