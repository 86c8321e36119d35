//! MQTT packets both ways, against the bytes MQTT 3.1.1 and MQTT 5 specify.

use super::packet::take_str;
use super::*;
use crate::protocol::json::Template;
use crate::protocol::Target;

fn options(topics: &[&str], login: Option<(&str, &str)>) -> MqttOptions {
    MqttOptions {
        nick: "ada".into(),
        topics: topics.iter().map(|t| t.to_string()).collect(),
        login: login.map(|(u, p)| (u.into(), crate::secret::Secret::new(p))),
        template: Template::default(),
        protocol_level: 4,
    }
}

fn bytes(frames: &[OutFrame]) -> Vec<Vec<u8>> {
    frames
        .iter()
        .map(|f| match f {
            OutFrame::Binary(b) => b.clone(),
            OutFrame::Text(t) => panic!("MQTT sends no text: {t}"),
        })
        .collect()
}

fn flat(events: Vec<ChatEvent>) -> Vec<ChatEvent> {
    events.into_iter().map(ChatEvent::without_target).collect()
}

fn publish(topic: &str, qos: u8, id: u16, retain: bool, payload: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    put_str(&mut body, topic);
    if qos > 0 {
        body.extend(id.to_be_bytes());
    }
    body.extend_from_slice(payload);
    packet(0x30 | (qos << 1) | u8::from(retain), &body)
}

/// Connected and subscribed to `topics`.
fn connected(topics: &[&str]) -> MqttState {
    let mut mqtt = MqttState::new(options(topics, None));
    mqtt.on_open(SUBPROTOCOL, 1_000.0);
    mqtt.on_frame(Frame::Binary(&[0x20, 2, 0, 0]), 1_001.0);
    let codes: Vec<u8> = topics.iter().map(|_| 1).collect();
    let mut suback = vec![0, 1];
    suback.extend(codes);
    mqtt.on_frame(Frame::Binary(&packet(0x90, &suback)), 1_002.0);
    mqtt
}

#[test]
fn connects_cleanly_then_resumes_its_session() {
    let mut mqtt = MqttState::new(options(&["chat/lobby", "chat/dev"], Some(("ada", "pw"))));
    let first = bytes(&mqtt.on_open(SUBPROTOCOL, 1_700_000_000_000.0).replies);
    let connect = &first[0];
    assert_eq!(&connect[..2], &[0x10, (connect.len() - 2) as u8]);
    assert_eq!(&connect[2..9], b"\0\x04MQTT\x04");
    assert_eq!(connect[9], 0x80 | 0x40 | 0x02, "user, password, clean session");
    assert_eq!(&connect[10..12], &KEEP_ALIVE_S.to_be_bytes());
    let (client_id, rest) = take_str(&connect[12..]).expect("client id");
    assert!(client_id.starts_with("wschat-ada-"), "{client_id}");
    assert_eq!(take_str(rest).map(|(user, _)| user), Some("ada"));
    let accepted = mqtt.on_frame(Frame::Binary(&[0x20, 2, 0, 0]), 1.0);
    assert!(mqtt.is_ready());
    assert_eq!(accepted.events.last(), Some(&ChatEvent::ready()));
    let subscribe = &bytes(&accepted.replies)[0];
    assert_eq!(subscribe[0], 0x82);
    assert_eq!(&subscribe[2..4], &[0, 1], "packet id 1");
    assert_eq!(&subscribe[4..], [b"\0\x0achat/lobby\x01".as_slice(), b"\0\x08chat/dev\x01"].concat());
    let subscribed = mqtt.on_frame(Frame::Binary(&[0x90, 4, 0, 1, 1, 0x80]), 2.0);
    assert!(subscribed.events.contains(&Target::channel("chat/lobby").event(ChatEvent::Entered)));
    assert!(subscribed.events.iter().any(|e| matches!(e, ChatEvent::Refused(why) if why.contains("chat/dev"))));
    // After a drop: the same client id, asking to resume.
    let again = bytes(&mqtt.on_open(SUBPROTOCOL, 9.0).replies);
    assert_eq!(again[0][9], 0x80 | 0x40, "no clean session");
    assert_eq!(take_str(&again[0][12..]).map(|(id, _)| id), Some(client_id));
    let resumed = mqtt.on_frame(Frame::Binary(&[0x20, 2, 1, 0]), 10.0);
    assert!(resumed.events.iter().any(|e| matches!(e, ChatEvent::System(s) if s.contains("resumed"))));
}

#[test]
fn refusals_are_said_in_words() {
    let mut mqtt = MqttState::new(options(&["t"], Some(("ada", "wrong"))));
    mqtt.on_open(SUBPROTOCOL, 0.0);
    let refused = mqtt.on_frame(Frame::Binary(&[0x20, 2, 0, 4]), 1.0);
    assert!(matches!(&refused.events[..], [ChatEvent::LoginEnded(why)] if why.contains("refused the login as ada")));
    // Other refusals may pass: they are said, and the session connects again.
    let mut busy = MqttState::new(options(&["t"], None));
    busy.on_open(SUBPROTOCOL, 0.0);
    assert!(matches!(&busy.on_frame(Frame::Binary(&[0x20, 2, 0, 3]), 1.0).events[..], [ChatEvent::Refused(_)]));
    assert!(!mqtt.is_ready());
}

#[test]
fn publishes_at_qos_1_and_a_puback_is_delivery() {
    let mut mqtt = connected(&["chat/lobby"]);
    let to = Target::channel("chat/lobby");
    let sent = mqtt.encode(Action::Message { to: &to, nick: "ada", text: "hi", id: 42 }).map(|d| bytes(&d.replies));
    let publish = &sent.expect("sent")[0];
    assert_eq!(publish[0], 0x32, "PUBLISH at QoS 1");
    let (topic, rest) = take_str(&publish[2..]).expect("topic");
    assert_eq!(topic, "chat/lobby");
    assert_eq!(std::str::from_utf8(&rest[2..]), Ok(r#"{"nick":"ada","text":"hi"}"#));
    let id = [rest[0], rest[1]];
    assert_eq!(mqtt.on_frame(Frame::Binary(&[0x40, 2, id[0], id[1]]), 5.0).events, vec![ChatEvent::Delivered(42)]);
    assert!(mqtt.on_frame(Frame::Binary(&[0x40, 2, id[0], id[1]]), 6.0).events.is_empty(), "once");
}

#[test]
fn payloads_are_json_chat_nick_text_or_text_and_retained_ones_history() {
    let mut mqtt = connected(&["chat/lobby"]);
    let got = mqtt.on_frame(Frame::Binary(&publish("chat/lobby", 1, 7, false, br#"{"user":"bob","msg":"hey"}"#)), 5.0);
    assert_eq!(bytes(&got.replies), vec![vec![0x40, 2, 0, 7]], "PUBACK for QoS 1");
    assert_eq!(
        got.events,
        vec![Target::channel("chat/lobby").event(ChatEvent::Message {
            nick: Some("bob".into()),
            text: "hey".into(),
            time_ms: None,
            msgid: None,
        })]
    );
    let plain = mqtt.on_frame(Frame::Binary(&publish("chat/dev", 0, 0, false, b"carol: hi all")), 6.0);
    assert!(matches!(&plain.events[..], [ChatEvent::In { to, .. }] if to.name == "chat/dev"));
    assert!(matches!(&flat(plain.events)[..], [ChatEvent::Message { nick: Some(n), .. }] if n == "carol"));
    let retained = flat(mqtt.on_frame(Frame::Binary(&publish("chat/lobby", 0, 0, true, b"dan: earlier")), 7.0).events);
    assert!(matches!(&retained[..], [ChatEvent::History { nick, .. }] if nick == "dan"));
    let binary = flat(mqtt.on_frame(Frame::Binary(&publish("chat/lobby", 0, 0, false, &[0xff, 0xfe])), 8.0).events);
    assert!(matches!(&binary[..], [ChatEvent::Raw { .. }]));
}

#[test]
fn packets_split_across_frames_or_joined_in_one_are_read_whole() {
    let mut mqtt = connected(&["t"]);
    let one = publish("t", 0, 0, false, b"a: one");
    let two = publish("t", 0, 0, false, b"b: two");
    let joined = [one.clone(), two].concat();
    let (head, tail) = joined.split_at(3);
    assert!(mqtt.on_frame(Frame::Binary(head), 1.0).events.is_empty());
    assert_eq!(mqtt.on_frame(Frame::Binary(tail), 2.0).events.len(), 2);
    // A length past the bound is a broken stream, not 16 MiB of buffering.
    let dead = mqtt.on_frame(Frame::Binary(&[0x30, 0xff, 0xff, 0xff, 0x7f]), 3.0);
    assert!(matches!(&dead.events[..], [ChatEvent::LinkDead(_)]));
    // A length that never ends.
    let mut other = connected(&["t"]);
    assert!(matches!(
        &other.on_frame(Frame::Binary(&[0x30, 0xff, 0xff, 0xff, 0xff, 1]), 4.0).events[..],
        [ChatEvent::LinkDead(_)]
    ));
}

#[test]
fn keeps_the_link_alive_and_calls_a_silent_one_dead() {
    let mut mqtt = connected(&["t"]);
    let keep_alive = f64::from(KEEP_ALIVE_S) * 1000.0;
    let ping = mqtt.on_wake(1_002.0 + keep_alive / 2.0);
    assert_eq!(bytes(&ping.replies), vec![vec![0xc0, 0]]);
    assert!(mqtt.on_frame(Frame::Binary(&[0xd0, 0]), 1_003.0 + keep_alive / 2.0).events.is_empty());
    let dead = mqtt.on_wake(1_003.0 + keep_alive * 2.0);
    assert!(matches!(&dead.events[..], [ChatEvent::LinkDead(_)]));
}

#[test]
fn topics_are_checked() {
    assert_eq!(validate_topics(" chat/lobby , chat/dev,chat/lobby"), Ok("chat/lobby,chat/dev".into()));
    assert_eq!(validate_topics(""), Ok(DEFAULT_TOPIC.into()));
    assert!(validate_topics("chat/#").is_err() && validate_topics("a/+/b").is_err());
    let mut mqtt = connected(&["t"]);
    assert!(mqtt.encode(Action::Join("x/#")).is_none());
    let join = mqtt.encode(Action::Join("x/y")).map(|d| bytes(&d.replies));
    assert_eq!(join.map(|f| f[0][0]), Some(0x82));
    let part = mqtt.encode(Action::Part(&Target::channel("x/y"))).map(|d| bytes(&d.replies));
    assert_eq!(part.map(|f| f[0][0]), Some(0xa2));
}

/// An MQTT 5 link, before its CONNACK.
fn opened_v5(topics: &[&str]) -> (MqttState, Vec<u8>) {
    let mut mqtt = MqttState::new(MqttOptions { protocol_level: 5, ..options(topics, None) });
    let connect = bytes(&mqtt.on_open(SUBPROTOCOL, 1_000.0).replies).remove(0);
    (mqtt, connect)
}

/// A CONNACK of MQTT 5: flags, reason code, then the properties given (their bytes).
fn connack_v5(present: bool, code: u8, properties: &[u8]) -> Vec<u8> {
    let mut body = vec![u8::from(present), code, properties.len() as u8];
    body.extend_from_slice(properties);
    packet(0x20, &body)
}

#[test]
fn mqtt_5_asks_for_a_session_that_outlives_a_drop_and_keeps_the_brokers_limits() {
    let (mut mqtt, connect) = opened_v5(&["chat/lobby"]);
    assert_eq!(&connect[2..9], b"\0\x04MQTT\x05");
    assert_eq!(connect[9], 0, "no clean start: the client id is new, and the session outlives a broker's restart");
    let expiry = SESSION_EXPIRY_S.to_be_bytes();
    assert_eq!(&connect[12..18], &[5, 0x11, expiry[0], expiry[1], expiry[2], expiry[3]], "session expiry");
    assert!(take_str(&connect[18..]).is_some_and(|(id, _)| id.starts_with("wschat-ada-")));
    // Keep-alive 20 s, two publishes in flight, a user property read past.
    let limits = [0x13, 0, 20, 0x21, 0, 2, 0x26, 0, 1, b'k', 0, 1, b'v'];
    let accepted = mqtt.on_frame(Frame::Binary(&connack_v5(false, 0, &limits)), 1_001.0);
    assert!(mqtt.is_ready());
    assert_eq!(accepted.wake_in_ms, Some(5_000.0), "a quarter of the broker's keep-alive");
    assert!(accepted.events.iter().any(|e| matches!(e, ChatEvent::System(s) if s.contains("(MQTT 5), a new session"))));
    let subscribe = &bytes(&accepted.replies)[0];
    assert_eq!(&subscribe[2..], b"\0\x01\0\0\x0achat/lobby\x05", "no properties; QoS 1, no local");
    assert!(matches!(&mqtt.on_wake(1_001.0 + 31_000.0).events[..], [ChatEvent::LinkDead(_)]), "dead after 1.5 x 20 s");
}

#[test]
fn a_311_broker_gets_311_on_the_next_connection() {
    let (mut mqtt, _) = opened_v5(&["t"]);
    let refused = mqtt.on_frame(Frame::Binary(&[0x20, 2, 0, 1]), 1.0);
    assert!(matches!(&refused.events[..], [ChatEvent::LinkDead(why)] if why.contains("3.1.1")));
    let again = bytes(&mqtt.on_open(SUBPROTOCOL, 2.0).replies);
    assert_eq!(&again[0][2..9], b"\0\x04MQTT\x04");
    assert_eq!(again[0][9], 0x02, "3.1.1: a clean session first");
    // A broker that closes the link on an MQTT 5 CONNECT without a word.
    let (mut silent, _) = opened_v5(&["t"]);
    silent.on_close(true);
    let next = silent.on_open(SUBPROTOCOL, 5.0);
    assert_eq!(&bytes(&next.replies)[0][2..9], b"\0\x04MQTT\x04");
    assert!(matches!(&next.events[..], [ChatEvent::System(s)] if s.contains("closed the link") && s.contains("3.1.1")));
    // A link lost on the way before the answer is chance once, a broker's way twice.
    let (mut dropped, _) = opened_v5(&["t"]);
    dropped.on_close(false);
    let next = dropped.on_open(SUBPROTOCOL, 5.0);
    assert_eq!(&bytes(&next.replies)[0][2..9], b"\0\x04MQTT\x05", "one drop: MQTT 5 again");
    assert!(next.events.is_empty());
    dropped.on_close(false);
    assert_eq!(&bytes(&dropped.on_open(SUBPROTOCOL, 9.0).replies)[0][2..9], b"\0\x04MQTT\x04", "two: 3.1.1");
    // One that never answers before the link is given up as dead.
    let (mut mute, _) = opened_v5(&["t"]);
    assert!(matches!(&mute.on_wake(100_000.0).events[..], [ChatEvent::LinkDead(_)]));
    assert_eq!(&bytes(&mute.on_open(SUBPROTOCOL, 100_001.0).replies)[0][2..9], b"\0\x04MQTT\x04");
    // One that answered keeps MQTT 5 across a drop.
    let (mut answered, _) = opened_v5(&["t"]);
    answered.on_frame(Frame::Binary(&connack_v5(false, 0, &[])), 1.0);
    answered.on_close(true);
    assert_eq!(&bytes(&answered.on_open(SUBPROTOCOL, 5.0).replies)[0][2..9], b"\0\x04MQTT\x05");
}

#[test]
fn mqtt_5_refusals_carry_the_brokers_words() {
    let mut mqtt = MqttState::new(MqttOptions { protocol_level: 5, ..options(&["t"], Some(("ada", "wrong"))) });
    mqtt.on_open(SUBPROTOCOL, 0.0);
    let reason = [0x1f, 0, 7, b'n', b'o', b' ', b'w', b'a', b'y', b'!'];
    let refused = mqtt.on_frame(Frame::Binary(&connack_v5(false, 0x86, &reason)), 1.0);
    assert!(
        matches!(&refused.events[..], [ChatEvent::LoginEnded(why)] if why.contains("login as ada") && why.ends_with("said: no way!")),
        "{refused:?}"
    );
    // A property MQTT 5 does not define is an unreadable CONNACK.
    let mut other = opened_v5(&["t"]).0;
    assert!(matches!(
        &other.on_frame(Frame::Binary(&connack_v5(false, 0, &[0x7f])), 1.0).events[..],
        [ChatEvent::LinkDead(_)]
    ));
}

#[test]
fn mqtt_5_publishes_wait_for_room_and_a_refusing_puback_fails_the_message() {
    let (mut mqtt, _) = opened_v5(&["t"]);
    mqtt.on_frame(Frame::Binary(&connack_v5(false, 0, &[0x21, 0, 1])), 1.0);
    let to = Target::channel("t");
    let first = mqtt.encode(Action::Message { to: &to, nick: "ada", text: "one", id: 1 }).map(|d| bytes(&d.replies));
    let first = first.expect("sent").remove(0);
    let (_, rest) = take_str(&first[2..]).expect("topic");
    assert_eq!(rest[2], 0, "no properties");
    let held = mqtt.encode(Action::Message { to: &to, nick: "ada", text: "two", id: 2 }).expect("taken");
    assert!(held.replies.is_empty(), "held: the broker takes one at a time");
    // Refused with reason 0x87 and the broker's words; the held one goes out.
    let puback = packet(0x40, &[rest[0], rest[1], 0x87, 4, 0x1f, 0, 1, b'x']);
    let answered = mqtt.on_frame(Frame::Binary(&puback), 2.0);
    assert!(
        matches!(&answered.events[..], [ChatEvent::Undelivered { id: 1, why }] if why.contains("not authorized") && why.ends_with("said: x"))
    );
    let second = bytes(&answered.replies).remove(0);
    assert!(second.ends_with(br#""text":"two"}"#));
    let (_, rest) = take_str(&second[2..]).expect("topic");
    // Success in its short form.
    assert_eq!(mqtt.on_frame(Frame::Binary(&[0x40, 2, rest[0], rest[1]]), 3.0).events, vec![ChatEvent::Delivered(2)]);
}

#[test]
fn mqtt_5_packet_size_and_qos_limits_are_kept() {
    let (mut mqtt, _) = opened_v5(&["t"]);
    mqtt.on_frame(Frame::Binary(&connack_v5(false, 0, &[0x27, 0, 0, 0, 40, 0x24, 0])), 1.0);
    let to = Target::channel("t");
    let small = mqtt.encode(Action::Message { to: &to, nick: "ada", text: "hi", id: 1 }).expect("sent");
    assert_eq!(bytes(&small.replies)[0][0], 0x30, "QoS 0: the broker takes no more");
    assert_eq!(small.events, vec![ChatEvent::Delivered(1)]);
    let big = mqtt.encode(Action::Message { to: &to, nick: "ada", text: &"x".repeat(50), id: 2 }).expect("refused");
    assert!(big.replies.is_empty());
    assert!(matches!(&big.events[..], [ChatEvent::Undelivered { id: 2, why }] if why.contains("40 bytes")));
}

#[test]
fn mqtt_5_publishes_and_disconnects_are_read() {
    let (mut mqtt, _) = opened_v5(&["chat/lobby"]);
    mqtt.on_frame(Frame::Binary(&connack_v5(false, 0, &[])), 1.0);
    // QoS 1, id 9, content type and a user property, then the payload.
    let mut body = Vec::new();
    put_str(&mut body, "chat/lobby");
    body.extend([0, 9, 13, 0x03, 0, 4]);
    body.extend(b"json");
    body.extend([0x26, 0, 1, b'a', 0, 0]);
    body.extend(br#"{"nick":"bob","text":"hey"}"#);
    let got = mqtt.on_frame(Frame::Binary(&packet(0x32, &body)), 2.0);
    assert_eq!(bytes(&got.replies), vec![vec![0x40, 2, 0, 9]]);
    assert!(
        matches!(&flat(got.events)[..], [ChatEvent::Message { nick: Some(n), text, .. }] if n == "bob" && text == "hey")
    );
    // Properties that run past their block: unreadable, not a crash.
    let mut broken = Vec::new();
    put_str(&mut broken, "chat/lobby");
    broken.extend([3, 0x03, 0, 9]);
    assert!(matches!(&mqtt.on_frame(Frame::Binary(&packet(0x30, &broken)), 3.0).events[..], [ChatEvent::Raw { .. }]));
    let said = mqtt.on_frame(Frame::Binary(&[0xe0, 2, 0x8b, 0]), 4.0);
    assert!(matches!(&said.events[..], [ChatEvent::System(s)] if s.contains("shutting down")));
}

#[test]
fn the_password_is_masked_and_the_client_id_unforeseeable() {
    let mut mqtt = MqttState::new(MqttOptions { protocol_level: 5, ..options(&["t"], Some(("ada", "hunter2"))) });
    mqtt.seed(&[1; crate::protocol::SEED_BYTES]);
    let connect = mqtt.on_open(SUBPROTOCOL, 0.0).replies;
    let OutFrame::Binary(masked) = crate::inspector::mask_secrets(&connect[0], &mqtt.secret_spans(&connect[0])) else {
        panic!("MQTT sends binary")
    };
    assert!(masked.ends_with(b"ada*********"), "the password and its length: {masked:?}");
    assert!(!masked.windows(7).any(|w| w == b"hunter2"));
    let id = |mqtt: &mut MqttState| mqtt.client_id(0);
    assert_eq!(id(&mut mqtt), format!("wschat-ada-{}", base36(u64::from_le_bytes([1; 8]) % 36u64.pow(12))));
    let mut other = MqttState::new(options(&["t"], None));
    other.seed(&[2; crate::protocol::SEED_BYTES]);
    assert_ne!(id(&mut other), id(&mut mqtt), "another page, another id");
    // Kept across links, for the broker's session.
    mqtt.seed(&[3; crate::protocol::SEED_BYTES]);
    assert!(id(&mut mqtt).ends_with(&base36(u64::from_le_bytes([1; 8]) % 36u64.pow(12))));
    let publish = mqtt.publish("t", b"hunter2", 1).replies;
    assert!(mqtt.secret_spans(&publish[0]).is_empty(), "only CONNECT carries it");
}
