//! Tests of settings read from the query and written back.

use super::*;
use std::collections::HashMap;

fn read(pairs: &[(&str, &str)], remembered: Option<&str>) -> (Settings, Vec<String>) {
    let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    Settings::from_query(|k| map.get(k).cloned(), remembered.map(str::to_string), 0.1234)
}

#[test]
fn the_login_goes_in_links_and_the_password_nowhere() {
    let (s, problems) = read(&[("protocol", "irc"), ("login", " ada "), ("password", "leaked")], None);
    assert!(problems.is_empty());
    assert_eq!(s.login, "ada");
    assert_eq!(s.password, "", "a password is never read from a link");
    let typed = Settings { password: "sesame".into(), ..s };
    assert!(typed.to_query().contains("login=ada"));
    for shown in [typed.to_query(), typed.to_shared_query(), format!("{typed:?}")] {
        assert!(!shown.contains("sesame"), "{shown}");
    }
    // A format that has no accounts keeps no login in its links.
    let text = Settings { protocol: ProtocolKind::Text, ..typed };
    assert!(!text.to_query().contains("login"));
}

#[test]
fn defaults() {
    let (s, problems) = read(&[], None);
    assert!(problems.is_empty());
    assert_eq!(s.url, "/ws");
    assert_eq!(s.nick, "guest-1234");
    assert_eq!(s.protocol, ProtocolKind::Text);
    assert_eq!(s.subprotocols, "");
    assert_eq!(s.channel, "", "text has no channels");
    assert!(s.connect_on_load);
    // Each format's own default channel.
    assert_eq!(read(&[("protocol", "irc")], None).0.channel, "#chat");
    assert_eq!(read(&[("protocol", "mqtt")], None).0.channel, "chat/lobby");
    let (mqtt, problems) = read(&[("protocol", "mqtt"), ("channel", "chat/lobby,chat/dev")], None);
    assert_eq!((mqtt.channel.as_str(), problems.len()), ("chat/lobby,chat/dev", 0), "no # added to topics");
}

#[test]
fn a_channel_in_a_link_cannot_smuggle_irc_commands() {
    let irc = ("protocol", "irc");
    let (s, problems) = read(&[irc, ("channel", "#chat\r\nPRIVMSG NickServ :identify x")], None);
    assert_eq!(s.channel, "#chat");
    assert!(problems[0].contains("control characters"), "{problems:?}");
    let (s, problems) = read(&[irc, ("channel", "#a key")], None);
    assert_eq!((s.channel.as_str(), problems.len()), ("#chat", 1));
    assert_eq!(validate_channel(" rust "), Ok("#rust".to_string()), "the prefix is added");
    assert_eq!(validate_channel("&local"), Ok("&local".to_string()));
    assert!(validate_channel("#a,#b").is_err());
}

#[test]
fn reads_every_parameter() {
    let (s, problems) = read(
        &[("url", "ws://h:1/x"), ("nick", " zoë "), ("protocol", "irc"), ("channel", "#rust"), ("connect", "0")],
        Some("old"),
    );
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!((s.url.as_str(), s.nick.as_str(), s.channel.as_str()), ("ws://h:1/x", "zoë", "#rust"));
    assert_eq!(s.protocol, ProtocolKind::Irc);
    assert_eq!(s.subprotocols, "text.ircv3.net", "irc offers its subprotocol by default");
    assert!(!s.connect_on_load);
    let (s, _) = read(&[("protocol", "irc"), ("subprotocols", "a, b")], None);
    assert_eq!(s.subprotocol_list(), vec!["a", "b"]);
}

#[test]
fn history_size() {
    assert_eq!(read(&[], None).0.history, DEFAULT_LOG_CAP);
    assert_eq!(read(&[("history", "250")], None).0.history, 250);
    let (s, problems) = read(&[("history", "5")], None);
    assert_eq!((s.history, problems.len()), (MIN_HISTORY, 1));
    let (s, problems) = read(&[("history", "10000000")], None);
    assert_eq!((s.history, problems.len()), (MAX_HISTORY, 1));
    let (s, problems) = read(&[("history", "lots")], None);
    assert_eq!((s.history, problems.len()), (DEFAULT_LOG_CAP, 1));
    // The link carries it when it is not the default.
    let linked = read(&[("history", "250")], None).0;
    assert!(linked.to_query().contains("history=250"));
    assert_eq!(Settings::from_query(query_lookup(&linked.to_query()), None, 0.5).0, linked);
    assert!(!read(&[], None).0.to_query().contains("history"));
}

#[test]
fn a_send_prefix_is_checked_and_linked_where_the_format_reads_it() {
    let stomp = read(&[("protocol", "stomp"), ("send_prefix", "/app/")], None).0;
    assert_eq!(stomp.send_prefix, "/app");
    assert!(stomp.to_query().contains("send_prefix=%2Fapp"));
    assert_eq!(Settings::from_query(query_lookup(&stomp.to_query()), None, 0.5).0, stomp);
    let (bad, problems) = read(&[("protocol", "stomp"), ("send_prefix", "app")], None);
    assert_eq!((bad.send_prefix.as_str(), problems.len()), ("", 1));
    assert!(!read(&[("send_prefix", "/app")], None).0.to_query().contains("send_prefix"), "text reads none");
}

#[test]
fn idle_timeout() {
    assert_eq!(read(&[("idle_timeout", "1500")], None).0.idle_timeout_ms, Some(1500));
    assert_eq!(read(&[("idle_timeout", "0")], None).0.idle_timeout_ms, None);
    let (s, problems) = read(&[("idle_timeout", "soon")], None);
    assert_eq!((s.idle_timeout_ms, problems.len()), (None, 1));
    assert_eq!(read(&[("connect_timeout", "2500")], None).0.connect_timeout_ms, Some(2500));
}

#[test]
fn json_template() {
    assert_eq!(read(&[], None).0.json_template, DEFAULT_TEMPLATE);
    let custom = r#"{"user":<nick>,"msg":<text>}"#;
    assert_eq!(read(&[("template", custom)], None).0.json_template, custom);
    let (s, problems) = read(&[("template", "{broken")], None);
    assert_eq!((s.json_template.as_str(), problems.len()), (DEFAULT_TEMPLATE, 1));
}

#[test]
fn remembered_nick_beats_a_guest_name() {
    assert_eq!(read(&[], Some("alice")).0.nick, "alice");
    assert_eq!(read(&[], Some("bad nick")).0.nick, "guest-1234");
}

#[test]
fn bad_values_are_reported_not_fatal() {
    let (s, problems) = read(&[("protocol", "xml"), ("connect", "yes"), ("nick", "a b")], Some("alice"));
    assert_eq!(s.protocol, ProtocolKind::Text);
    assert!(s.connect_on_load);
    assert_eq!(s.nick, "alice");
    assert_eq!(problems.len(), 3, "{problems:?}");
}

#[test]
fn nick_rules() {
    assert_eq!(validate_nick(" bob "), Ok("bob"));
    assert_eq!(validate_nick(""), Err(NickError::Empty));
    assert_eq!(validate_nick("a:b"), Err(NickError::BadCharacter(':')));
    assert_eq!(validate_nick("a\u{7}"), Err(NickError::BadCharacter('\u{7}')));
    assert_eq!(validate_nick(&"n".repeat(33)), Err(NickError::TooLong { chars: 33 }));
    assert_eq!(guest_nick(0.0), "guest-0000");
    assert_eq!(guest_nick(0.99999), "guest-9999");
    assert_eq!(guest_nick(f64::NAN).len(), 10);
}

#[test]
fn a_link_reopens_the_same_connection() {
    let (mut s, _) = read(&[("url", "ws://h:1/x?a=b&c"), ("nick", "zoë"), ("protocol", "json")], None);
    s.json_template = r#"{"user":<nick>,"msg":<text>}"#.into();
    s.subprotocols = "chat, v2".into();
    let query = s.to_query();
    assert!(!query.contains(' ') && !query.contains('"'), "{query}");
    let (back, problems) = Settings::from_query(query_lookup(&query), None, 0.5);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(back, s);
    assert_eq!(read(&[("url", "/ws"), ("nick", "ada")], None).0.to_query(), "url=%2Fws&nick=ada");
}

#[test]
fn a_shared_link_keeps_no_credentials() {
    let (s, _) = read(&[("url", "wss://ann:hunter2@h/ws?token=s3cret&room=1"), ("nick", "ann")], None);
    let shared = s.to_shared_query();
    let url = query_lookup(&shared)("url");
    assert_eq!(url.as_deref(), Some("wss://ann:***@h/ws?token=***&room=1"));
    assert!(s.to_query().contains("hunter2"), "the stored settings keep what the person typed");
}

#[test]
fn percent_decoding_is_forgiving() {
    assert_eq!(percent_decode("a%20b+c"), "a b c");
    assert_eq!(percent_decode("100%"), "100%");
    assert_eq!(percent_decode("%zz%4"), "%zz%4");
    assert_eq!(percent_decode("%C3%A9%FF"), "é\u{fffd}");
}
