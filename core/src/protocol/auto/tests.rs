//! Finding the format: a chosen subprotocol confirmed or not, first frames, a silent server.

use super::*;

fn auto() -> AutoFormat {
    AutoFormat::new(FormatSettings { nick: "ada".into(), channel: "#chat".into(), ..FormatSettings::default() })
}

fn found(decoded: &Decoded) -> Option<ProtocolKind> {
    decoded.events.iter().find_map(|e| match e {
        ChatEvent::FormatFound(kind) => Some(*kind),
        _ => None,
    })
}

#[test]
fn the_first_frames_tell_the_format() {
    let cases: [(Frame<'_>, ProtocolKind); 5] = [
        (Frame::Text(r#"0{"sid":"x","upgrades":[],"pingInterval":25000,"pingTimeout":20000}"#), ProtocolKind::SocketIo),
        (Frame::Text(":irc.example NOTICE * :*** Looking up your hostname..."), ProtocolKind::Irc),
        (Frame::Text(r#"{"user":"bob","msg":"hi"}"#), ProtocolKind::Json),
        (Frame::Text("bob: HELLO THERE"), ProtocolKind::Text),
        (Frame::Binary(&[1, 2, 3]), ProtocolKind::Text),
    ];
    for (frame, kind) in cases {
        let mut format = auto();
        format.on_open("", 0.0);
        assert!(!format.is_ready(), "nothing goes out before the format is known");
        let decoded = format.on_frame(frame, 1.0);
        assert_eq!(found(&decoded), Some(kind), "{frame:?}");
    }
    // IRC found from the server's first line: registration goes out, the line is read.
    let mut format = auto();
    format.on_open("", 0.0);
    let decoded = format.on_frame(Frame::Text("PING :hello"), 1.0);
    let sent: Vec<String> =
        decoded.replies.iter().filter_map(|f| if let OutFrame::Text(t) = f { Some(t.clone()) } else { None }).collect();
    assert!(sent.iter().any(|l| l.starts_with("NICK ada")) && sent.iter().any(|l| l.starts_with("PONG")), "{sent:?}");
}

#[test]
fn a_chosen_subprotocol_is_believed_once_the_server_answers_in_it() {
    let mut format = auto();
    let opened = format.on_open("mqtt", 0.0);
    assert!(matches!(&opened.replies[..], [OutFrame::Binary(connect)] if connect[0] == 0x10), "MQTT's CONNECT");
    assert_eq!(found(&opened), None);
    let answered = format.on_frame(Frame::Binary(&[0x20, 2, 0, 0]), 1.0);
    assert_eq!(found(&answered), Some(ProtocolKind::Mqtt));
    assert!(format.is_ready());
    // A server that takes whatever is offered first, and answers in its own way: not believed.
    let mut fooled = auto();
    fooled.on_open("mqtt", 0.0);
    let answered = fooled.on_frame(Frame::Text("carol: hello"), 1.0);
    assert_eq!(found(&answered), Some(ProtocolKind::Text));
}

#[test]
fn what_the_chosen_format_learnt_outlives_the_link_and_it_names_people() {
    // RabbitMQ's Web MQTT closes on an MQTT 5 CONNECT: the next link is 3.1.1 under auto too.
    let mut format = auto();
    format.on_open("mqtt", 0.0);
    format.on_close(true);
    let again = format.on_open("mqtt", 5.0);
    assert!(matches!(&again.replies[..], [OutFrame::Binary(connect)] if connect[8] == 4), "3.1.1's CONNECT: {again:?}");
    // Found XMPP names a bare nick as XMPP does.
    let mut format = auto();
    format.on_open("xmpp", 0.0);
    format.on_frame(
        Frame::Text("<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' from='example.org' version='1.0'/>"),
        1.0,
    );
    let lobby = Target::channel("lobby@conference.example.org");
    assert_eq!(format.private_name("bob", &lobby), "lobby@conference.example.org/bob");
}

#[test]
fn a_silent_server_is_plain_text_after_the_quiet() {
    let mut format = auto();
    let opened = format.on_open("", 0.0);
    assert_eq!(opened.wake_in_ms, Some(QUIET_MS));
    assert_eq!(found(&format.on_wake(QUIET_MS / 2.0)), None, "not yet");
    let woke = format.on_wake(QUIET_MS);
    assert_eq!(found(&woke), Some(ProtocolKind::Text));
    assert!(format.is_ready());
    let to = super::super::Target::channel("x");
    let sent = format.encode(Action::Message { to: &to, nick: "ada", text: "hi", id: 1 });
    assert_eq!(sent.map(|d| d.replies), Some(vec![OutFrame::Text("ada: hi".into())]));
}

#[test]
fn a_found_format_takes_its_own_channel_default() {
    let settings = auto().settings;
    assert_eq!(ProtocolKind::Mqtt.channel_found(&settings.channel), "chat/lobby");
    assert_eq!(ProtocolKind::Irc.channel_found(&settings.channel), "#chat");
    assert_eq!(ProtocolKind::Text.channel_found(&settings.channel), "#chat", "kept where it is not read");
}
