//! MQTT packets both ways, against the bytes MQTT 3.1.1 specifies.

use super::*;

fn options(topics: &[&str], login: Option<(&str, &str)>) -> MqttOptions {
    MqttOptions {
        nick: "ada".into(),
        topics: topics.iter().map(|t| t.to_string()).collect(),
        login: login.map(|(u, p)| (u.into(), p.into())),
        template: Template::default(),
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
    assert!(matches!(&refused.events[..], [ChatEvent::Refused(why)] if why.contains("refused the login as ada")));
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
            time_ms: None
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
    assert!(matches!(&other.on_frame(Frame::Binary(&[0x30, 0xff, 0xff, 0xff, 0xff, 1]), 4.0).events[..], [ChatEvent::LinkDead(_)]));
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
