//! Tests of the Socket.IO format.

use super::*;
use crate::protocol::Target;

fn new_io(nick: &str) -> SocketIoState {
    SocketIoState::new(SocketIoOptions { nick: nick.into() })
}

fn texts(frames: &[OutFrame]) -> Vec<&str> {
    frames.iter().map(|f| if let OutFrame::Text(t) = f { t.as_str() } else { "<binary>" }).collect()
}

fn connected() -> SocketIoState {
    let mut io = new_io("ada");
    io.on_open("", 0.0);
    io.decode(r#"0{"sid":"x","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#);
    io.decode(r#"40{"sid":"y"}"#);
    io
}

#[test]
fn urls_point_at_the_websocket_transport() {
    assert_eq!(socketio_url("ws://h:3000"), "ws://h:3000/socket.io/?EIO=4&transport=websocket");
    assert_eq!(socketio_url("ws://h:3000/"), "ws://h:3000/socket.io/?EIO=4&transport=websocket");
    assert_eq!(socketio_url(" ws://h:3000 "), "ws://h:3000/socket.io/?EIO=4&transport=websocket", "trimmed first");
    assert_eq!(socketio_url("wss://h/chat/socket.io"), "wss://h/chat/socket.io/?EIO=4&transport=websocket");
    assert_eq!(socketio_url("ws://h/?token=1"), "ws://h/socket.io/?EIO=4&transport=websocket&token=1");
    assert_eq!(
        socketio_url("ws://h/socket.io/?EIO=4&transport=websocket"),
        "ws://h/socket.io/?EIO=4&transport=websocket"
    );
}

#[test]
fn handshake_ping_and_connect() {
    let mut io = new_io("ada");
    let (_, replies, _) = io.decode(r#"0{"sid":"x","pingInterval":25000,"pingTimeout":20000}"#);
    assert_eq!(texts(&replies), ["40"]);
    assert_eq!(io.dead_after_ms(), Some(45_000.0));
    let (_, replies, connected) = io.decode(r#"40{"sid":"y"}"#);
    assert!(connected);
    assert_eq!(texts(&replies), [r#"42["add user","ada"]"#]);
    assert!(!io.is_ready(), "the shape is not known yet");
    assert_eq!(texts(&io.decode("2").1), ["3"]);
}

#[test]
fn hostile_heartbeat_numbers_are_held_to_a_sane_range() {
    let deadline = |open: &str| {
        let mut io = new_io("ada");
        io.decode(&format!("0{open}"));
        io.dead_after_ms()
    };
    let defaults = DEFAULT_PING_INTERVAL_MS + DEFAULT_PING_TIMEOUT_MS;
    assert_eq!(deadline(r#"{"pingInterval":1e400,"pingTimeout":-1e400}"#), Some(defaults), "infinite");
    // 400 fraction digits overflow the mantissa: NaN from a naive reader.
    let long = format!("0.{}", "9".repeat(400));
    assert_eq!(deadline(&format!(r#"{{"pingInterval":{long},"pingTimeout":{long}}}"#)), Some(2.0 * MIN_PING_MS));
    assert_eq!(deadline(r#"{"pingInterval":0,"pingTimeout":-5}"#), Some(2.0 * MIN_PING_MS));
    assert_eq!(deadline(r#"{"pingInterval":1e300,"pingTimeout":86400000}"#), Some(2.0 * MAX_PING_MS));
    assert_eq!(deadline(r#"{"pingInterval":"25000","pingTimeout":null}"#), Some(defaults), "not numbers");
    assert_eq!(deadline(r#"{"pingInterval":30000}"#), Some(30_000.0 + DEFAULT_PING_TIMEOUT_MS));
    assert_eq!(deadline(r#"{"pingInterval":10000,"pingTimeout":5000}"#), Some(15_000.0), "sane values kept");
    assert_eq!(deadline(r#"{"sid":"x"}"#), None, "no heartbeat announced");
    assert_eq!(deadline("not json"), None);
    // Whatever the server says, the deadline is a finite, positive wait.
    for open in [r#"{"pingInterval":-0,"pingTimeout":1e-400}"#, r#"{"pingInterval":1e309,"pingTimeout":1}"#] {
        let ms = deadline(open).expect("a deadline");
        assert!(ms.is_finite() && ms >= 2.0 * MIN_PING_MS, "{open}: {ms}");
    }
}

#[test]
fn the_chat_example_shape() {
    let mut io = connected();
    let (events, _, _) = io.decode(r#"42["login",{"numUsers":2}]"#);
    assert!(matches!(&events[..], [ChatEvent::Joined { text, .. }] if text == "2 participants"));
    assert!(io.is_ready());
    assert!(!io.echoes());
    assert_eq!(io.encode_message("ada", "hi", 7), OutFrame::Text(r#"42["new message","hi"]"#.into()));
    let (events, _, _) = io.decode(r#"42["new message",{"username":"bob","message":"yo"}]"#);
    assert_eq!(events, vec![ChatEvent::Message { nick: Some("bob".into()), text: "yo".into(), time_ms: None, msgid: None }]);
    assert!(
        matches!(&io.decode(r#"42["user joined",{"username":"cy","numUsers":3}]"#).0[..], [ChatEvent::Joined { nick, .. }] if nick == "cy")
    );
    assert!(
        matches!(&io.decode(r#"42["user left",{"username":"cy","numUsers":2}]"#).0[..], [ChatEvent::Left { nick, .. }] if nick == "cy")
    );
    assert_eq!(io.decode(r#"42["typing",{"username":"bob"}]"#).0, vec![]);
}

#[test]
fn the_server_s_offsets_name_messages_and_are_sent_back_on_connecting() {
    let mut io = connected();
    let said = |io: &mut SocketIoState, packet: &str| match &io.decode(packet).0[..] {
        [ChatEvent::Message { msgid, .. }] => msgid.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(said(&mut io, r#"42["chat message","bob: hi"]"#), None);
    let id = |offset: &str, text: &str| Some(format!("offset {offset} {}", &server_id(text)[..12]));
    assert_eq!(said(&mut io, r#"42["chat message","bob: one",7]"#), id("7", "bob: one"));
    assert_eq!(said(&mut io, r#"42["chat message","bob: two",9]"#), id("9", "bob: two"));
    // The next link asks only for what came after the last.
    io.on_open("", 10.0);
    let (_, replies, _) = io.decode(r#"0{"sid":"z","pingInterval":25000,"pingTimeout":20000}"#);
    assert_eq!(texts(&replies), [r#"40{"serverOffset":9}"#]);
    assert_eq!(said(&mut io, r#"42["chat message","bob: three",10]"#), id("10", "bob: three"));
    assert_ne!(id("10", "bob: three"), id("10", "bob: other"), "a reused offset with another text");
    io.on_open("", 20.0);
    assert_eq!(texts(&io.decode(r#"0{"sid":"w"}"#).1), [r#"40{"serverOffset":10}"#]);
    // A new page, from the newest stored line's id; only a whole number is one.
    let mut fresh = new_io("ada");
    fresh.resume_after(&format!("offset 12 {}", &server_id("bob: x")[..12]));
    fresh.resume_after("offset 9 abc");
    fresh.on_open("", 0.0);
    assert_eq!(texts(&fresh.decode(r#"0{"sid":"v"}"#).1), [r#"40{"serverOffset":12}"#]);
    for stored in ["m-1", "offset k-9 abc", "offset -1 abc"] {
        let mut other = new_io("ada");
        other.resume_after(stored);
        other.on_open("", 0.0);
        assert_eq!(texts(&other.decode(r#"0{"sid":"v"}"#).1), ["40"], "{stored}");
    }
    // Something else in that place (a name, a count that repeats): no offsets from then on,
    // so two lines of the same text stay two.
    for odd in [r#""bob""#, "5", r#"{"x":1}"#, "2.5"] {
        let mut other = connected();
        assert_eq!(said(&mut other, r#"42["chat message","bob: ok",5]"#), id("5", "bob: ok"));
        assert_eq!(said(&mut other, &format!(r#"42["chat message","bob: ok",{odd}]"#)), None, "{odd}");
        assert_eq!(said(&mut other, r#"42["chat message","bob: ok",6]"#), None, "not trusted again");
        other.on_open("", 0.0);
        assert_eq!(texts(&other.decode(r#"0{"sid":"v"}"#).1), ["40"]);
    }
}

#[test]
fn the_tutorial_shape() {
    let mut io = connected();
    io.shape_grace_over();
    assert!(io.is_ready());
    assert!(io.echoes());
    assert_eq!(io.encode_message("ada", "hi", 7), OutFrame::Text(r#"427["chat message","ada: hi","y-7"]"#.into()));
    assert_eq!(io.decode("437[]").0, vec![ChatEvent::Delivered(7)], "a confirmation, not an entry");
    assert_eq!(
        io.decode(r#"44{"message":"not authorized"}"#).0,
        vec![ChatEvent::Refused("The Socket.IO server refused the connection: not authorized".into())]
    );
    let (events, _, _) = io.decode(r#"42["chat message","ada: hi"]"#);
    assert_eq!(events, vec![ChatEvent::Message { nick: Some("ada".into()), text: "hi".into(), time_ms: None, msgid: None }]);
    let (events, _, _) = io.decode(r#"42["chat message","plain"]"#);
    assert_eq!(events, vec![ChatEvent::Message { nick: None, text: "plain".into(), time_ms: None, msgid: None }]);
    let (events, _, _) = io.decode(r#"42["chat message",{"username":"bo","message":"obj"}]"#);
    assert_eq!(events, vec![ChatEvent::Message { nick: Some("bo".into()), text: "obj".into(), time_ms: None, msgid: None }]);
}

#[test]
fn acknowledgements_name_the_message() {
    let mut io = connected();
    io.shape_grace_over();
    let sent = io
        .encode(Action::Message { to: &Target::channel("#chat"), nick: "ada", text: "hi", id: 7 })
        .map(|d| texts(&d.replies).join(""));
    assert_eq!(sent.as_deref(), Some(r#"427["chat message","ada: hi","y-7"]"#));
    assert_eq!(io.decode("438[]").0, vec![], "an ack of nothing we sent");
    assert_eq!(io.decode("437[]").0, vec![ChatEvent::Delivered(7)]);
    assert_eq!(io.decode("437[]").0, vec![], "once");
    // The chat example's `new message` asks for no acknowledgement.
    let mut example = connected();
    example.decode(r#"42["login",{"numUsers":1}]"#);
    example.encode(Action::Message { to: &Target::channel("#chat"), nick: "ada", text: "hi", id: 8 });
    assert_eq!(example.decode("438[]").0, vec![]);
}

#[test]
fn unanswered_acknowledgements_are_bounded() {
    let mut io = connected();
    io.shape_grace_over();
    for id in 0..(MAX_AWAITED_ACKS as u64 + 10) {
        io.encode_message("ada", "x", id);
    }
    assert_eq!(io.awaiting_acks.len(), MAX_AWAITED_ACKS);
    assert_eq!(io.decode("430[]").0, vec![], "the oldest were let go");
    assert_eq!(io.decode("4320[]").0, vec![ChatEvent::Delivered(20)]);
}

#[test]
fn the_grace_period_and_the_dead_link_are_wake_ups() {
    let mut io = new_io("ada");
    assert_eq!(io.on_open("", 0.0), Decoded::default(), "the server speaks first");
    let open = io.on_frame(Frame::Text(r#"0{"sid":"x","pingInterval":25000,"pingTimeout":20000}"#), 10.0);
    assert_eq!(open.wake_in_ms, Some(45_000.0));
    let connect = io.on_frame(Frame::Text(r#"40{"sid":"y"}"#), 20.0);
    assert_eq!(connect.wake_in_ms, Some(SHAPE_GRACE_MS), "the sooner of the two");
    assert_eq!(io.on_frame(Frame::Text("2"), 30.0).wake_in_ms, None, "a ping only moves the deadline");
    // No `login` within the grace period: the tutorial's server; then the deadline.
    let grace = io.on_wake(20.0 + SHAPE_GRACE_MS);
    assert_eq!(grace.events, vec![ChatEvent::ready()]);
    assert_eq!(grace.wake_in_ms, Some(45_000.0 + 30.0 - 20.0 - SHAPE_GRACE_MS));
    assert!(io.is_ready());
    let later = io.on_wake(40_000.0);
    assert_eq!((later.events.len(), later.wake_in_ms), (0, Some(5_030.0)));
    let dead = io.on_wake(45_030.0);
    assert!(matches!(&dead.events[..], [ChatEvent::LinkDead(why)] if why.contains("45.0 s")), "{dead:?}");
}

#[test]
fn a_login_makes_it_ready_at_once() {
    let mut io = new_io("ada");
    io.on_open("", 0.0);
    io.on_frame(Frame::Text("0{}"), 0.0);
    io.on_frame(Frame::Text(r#"40{"sid":"y"}"#), 0.0);
    let login = io.on_frame(Frame::Text(r#"42["login",{"numUsers":1}]"#), 1.0);
    assert!(matches!(&login.events[..], [ChatEvent::Joined { .. }, ready] if *ready == ChatEvent::ready()));
    assert_eq!(io.on_wake(SHAPE_GRACE_MS).events, vec![], "no second word after the grace period");
}

#[test]
fn odd_packets_are_raw_not_panics() {
    let mut io = connected();
    for packet in ["", "9", "42", "42[", "42{}", "4", "0not json", "44{\"message\":\"no\"}", "é", "4é"] {
        let _ = io.decode(packet);
    }
    assert!(matches!(&io.decode(r#"42["other",1]"#).0[..], [ChatEvent::Raw { .. }]));
    assert!(matches!(&io.decode(r#"421["chat message","ack: id"]"#).0[..], [ChatEvent::Message { .. }]));
}
