//! STOMP frames both ways, heart-beats, receipts and errors.

use super::*;

fn texts(frames: &[OutFrame]) -> Vec<String> {
    frames.iter().map(|f| if let OutFrame::Text(t) = f { t.clone() } else { panic!("STOMP sends text") }).collect()
}

fn options(login: Option<(&str, &str)>) -> StompOptions {
    StompOptions {
        destinations: vec!["/topic/chat".into(), "/topic/dev".into()],
        login: login.map(|(u, p)| (u.into(), crate::secret::Secret::new(p))),
        template: Template::default(),
        send_prefix: None,
    }
}

fn connected() -> StompState {
    let mut stomp = StompState::new(options(None));
    stomp.on_open("v12.stomp", 0.0);
    stomp.on_frame(Frame::Text("CONNECTED\nversion:1.2\nheart-beat:10000,10000\n\n\0"), 1.0);
    stomp
}

#[test]
fn connects_subscribes_once_each_and_a_receipt_is_the_join() {
    let mut stomp = StompState::new(options(Some(("guest", "pw:x"))));
    let connect = texts(&stomp.on_open("v12.stomp", 0.0).replies);
    assert_eq!(
        connect,
        ["CONNECT\naccept-version:1.2,1.1,1.0\nhost:/\nheart-beat:10000,10000\nlogin:guest\npasscode:pw\\cx\n\n\0"]
    );
    let welcome =
        stomp.on_frame(Frame::Text("CONNECTED\nversion:1.2\nserver:RabbitMQ/3.10\nheart-beat:4000,5000\n\n\0"), 1.0);
    assert!(stomp.is_ready());
    let subscribe = texts(&welcome.replies);
    assert_eq!(subscribe.len(), 2);
    assert_eq!(
        subscribe[0],
        "SUBSCRIBE\nid:/topic/chat\ndestination:/topic/chat\nack:auto\nreceipt:join\\c/topic/chat\n\n\0"
    );
    assert_eq!(welcome.wake_in_ms, Some(HEART_BEAT_MS / 2.0), "both ways at the 10 s floor");
    let joined = stomp.on_frame(Frame::Text("RECEIPT\nreceipt-id:join:/topic/chat\n\n\0"), 2.0);
    assert_eq!(joined.events[0], Target::channel("/topic/chat").event(ChatEvent::Entered));
}

#[test]
fn sends_json_with_a_receipt_that_marks_delivery() {
    let mut stomp = connected();
    let to = Target::channel("/topic/chat");
    let sent = stomp.encode(Action::Message { to: &to, nick: "ada", text: "hi", id: 7 }).map(|d| texts(&d.replies));
    let body = r#"{"nick":"ada","text":"hi"}"#;
    let expected = format!(
        "SEND\ndestination:/topic/chat\ncontent-type:application/json\ncontent-length:{}\nreceipt:msg-7\n\n{body}\0",
        body.len()
    );
    assert_eq!(sent, Some(vec![expected]));
    assert_eq!(
        stomp.on_frame(Frame::Text("RECEIPT\nreceipt-id:msg-7\n\n\0"), 3.0).events,
        vec![ChatEvent::Delivered(7)]
    );
}

#[test]
fn messages_and_errors_are_read() {
    let mut stomp = connected();
    let two = "MESSAGE\ndestination:/topic/dev\nmessage-id:1\nsubscription:x\n\n{\"user\":\"bob\",\"msg\":\"hey\"}\0\nMESSAGE\ndestination:/topic/chat\ncontent-length:9\n\ncarol: hi\0";
    let events = stomp.on_frame(Frame::Text(two), 4.0).events;
    assert_eq!(events.len(), 2);
    assert!(
        matches!(&events[0], ChatEvent::In { to, event } if to.name == "/topic/dev" && matches!(**event, ChatEvent::Message { .. }))
    );
    assert!(matches!(&events[1], ChatEvent::In { to, .. } if to.name == "/topic/chat"));
    let error = stomp.on_frame(Frame::Text("ERROR\nmessage:not_found\n\nNo such destination\0"), 5.0).events;
    assert!(matches!(&error[..], [ChatEvent::Refused(why)] if why.contains("not_found: No such destination")));
    let mut refused = StompState::new(options(Some(("ada", "wrong"))));
    refused.on_open("", 0.0);
    let error = refused.on_frame(Frame::Text("ERROR\nmessage:Access refused\n\n\0"), 1.0).events;
    assert!(matches!(&error[..], [ChatEvent::LoginEnded(why)] if why.contains("refused the login as ada")));
    // Heart-beats alone, and garbage, never panic.
    assert!(stomp.on_frame(Frame::Text("\n\n"), 6.0).events.is_empty());
    let _ = stomp.on_frame(Frame::Text("MESSAGE\ncontent-length:999\n\nx"), 7.0);
    let _ = stomp.on_frame(Frame::Text("\\\\\\"), 8.0);
}

#[test]
fn heart_beats_go_out_and_a_silent_server_is_a_dead_link() {
    let mut stomp = connected();
    let beat = stomp.on_wake(1.0 + HEART_BEAT_MS);
    assert_eq!(texts(&beat.replies), ["\n"]);
    let dead = stomp.on_wake(1.0 + HEART_BEAT_MS * 2.0);
    assert!(matches!(&dead.events[..], [ChatEvent::LinkDead(_)]));
}

#[test]
fn destinations_are_checked() {
    assert_eq!(validate_destinations(" /topic/a ,/queue/b,/topic/a"), Ok("/topic/a,/queue/b".into()));
    assert_eq!(validate_destinations(""), Ok(DEFAULT_DESTINATION.into()));
    assert!(validate_destinations("topic").is_err() && validate_destinations("/a\nSEND").is_err());
}

#[test]
fn a_send_prefix_sends_where_the_server_reads_what_is_typed() {
    let spring = StompOptions { send_prefix: Some("/app".into()), ..options(None) };
    assert_eq!(spring.send_destination("/topic/chat"), "/app/chat");
    assert_eq!(spring.send_destination("/topic/a/b"), "/app/a/b");
    assert_eq!(spring.send_destination("/chat"), "/app/chat");
    assert_eq!(options(None).send_destination("/topic/chat"), "/topic/chat");
    let mut stomp = StompState::new(spring);
    stomp.on_open("v12.stomp", 0.0);
    stomp.on_frame(Frame::Text("CONNECTED\nversion:1.2\nheart-beat:0,0\n\n\0"), 1.0);
    let to = Target::channel("/topic/chat");
    let sent = stomp.encode(Action::Message { to: &to, nick: "ada", text: "hi", id: 3 }).map(|d| texts(&d.replies));
    assert!(sent.is_some_and(|f| f[0].starts_with("SEND\ndestination:/app/chat\n")));
    use super::validate_send_prefix;
    assert_eq!(validate_send_prefix(" /app/ "), Ok("/app".into()));
    assert_eq!(validate_send_prefix(""), Ok(String::new()));
    assert!(
        validate_send_prefix("app").is_err()
            && validate_send_prefix("/a b").is_err()
            && validate_send_prefix("/a:b").is_err()
    );
}

#[test]
fn the_passcode_is_masked() {
    let mut stomp = StompState::new(options(Some(("guest", "hunter2"))));
    let connect = stomp.on_open("v12.stomp", 0.0).replies;
    let masked = crate::inspector::mask_secrets(&connect[0], &stomp.secret_spans(&connect[0]));
    let OutFrame::Text(masked) = masked else { panic!("STOMP sends text") };
    assert!(masked.contains("\npasscode:********\n") && !masked.contains("hunter2"), "{masked}");
    assert!(masked.contains("\nlogin:guest\n"), "{masked}");
    let send = OutFrame::Text("SEND\ndestination:/topic/chat\n\npasscode:hunter2\0".into());
    assert!(stomp.secret_spans(&send).is_empty(), "a message that says passcode: is a message");
}

#[test]
fn a_flood_of_frames_not_understood_is_said_once_past_the_first_few() {
    let mut stomp = connected();
    let flood = "A\r\n\r\n\0".repeat(1000);
    let events = stomp.on_frame(Frame::Text(&flood), 2.0).events;
    assert_eq!(events.len(), UNKNOWN_FRAMES_SHOWN + 1, "each of the first few, then one count");
    assert!(matches!(events.last(), Some(ChatEvent::Raw { text, .. }) if text.starts_with("980 more STOMP frames")));
    let few = "A\n\n\0".repeat(3);
    assert_eq!(stomp.on_frame(Frame::Text(&few), 3.0).events.len(), 3, "a few are each shown");
}

/// A message read in parts (as the session reads a long one, a frame's budget at a time) says
/// what it says read whole: the same events in the same order, frames not understood counted
/// across the parts, and every part ends between frames.
mod in_parts {
    use super::*;
    use proptest::prelude::*;

    fn a_frame() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-z ]{0,12}".prop_map(|body| format!("MESSAGE\ndestination:/topic/chat\n\n{{\"nick\":\"bob\",\"text\":\"{body}\"}}\0")),
            (1u32..50).prop_map(|n| format!("RECEIPT\r\nreceipt-id:msg-{n}\r\n\r\n\0")),
            "[A-Z]{1,3}".prop_map(|command| format!("{command}\n\n\0")),
            Just("\n".to_string()),
            Just("MESSAGE\ndestination:/topic/dev\ncontent-length:3\n\na\0b\0".to_string()),
        ]
    }

    proptest! {
        #[test]
        fn parts_say_what_the_whole_says(frames in proptest::collection::vec(a_frame(), 0..150), budget in 1usize..200) {
            let text = frames.concat();
            let whole = connected().on_frame(Frame::Text(&text), 5.0).events;
            let mut stomp = connected();
            let (mut events, mut from, mut parts) = (Vec::new(), 0, 0);
            while from < text.len() || parts == 0 {
                let (decoded, next) = stomp.on_text_part(&text, from, budget, 5.0);
                prop_assert!(next > from || (next == text.len() && from == text.len()), "{from} -> {next}");
                events.extend(decoded.events);
                from = next;
                parts += 1;
            }
            prop_assert_eq!(events, whole);
        }
    }
}
