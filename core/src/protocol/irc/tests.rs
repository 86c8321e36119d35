//! The IRC format, line by line: parsing, channels, messages, presence and timers.

use super::*;
use crate::protocol::{Action, TargetKind, WireFormat};

pub(super) fn new_irc(nick: &str, channel: &str) -> IrcState {
    IrcState::new(IrcOptions { nick: nick.into(), channels: vec![channel.into()], sasl: None })
}

/// The events of a decoded frame, whichever conversation each is for.
pub(super) fn flat(events: Vec<ChatEvent>) -> Vec<ChatEvent> {
    events.into_iter().map(ChatEvent::without_target).collect()
}

pub(super) fn text(frames: &[OutFrame]) -> Vec<String> {
    frames
        .iter()
        .map(|f| match f {
            OutFrame::Text(t) => t.clone(),
            OutFrame::Binary(b) => String::from_utf8_lossy(b).into_owned(),
        })
        .collect()
}

pub(super) fn registered(echo: bool) -> IrcState {
    let mut irc = new_irc("ada", "#chat");
    irc.open(TEXT_SUBPROTOCOL);
    let caps = if echo { "echo-message server-time sasl" } else { "sasl" };
    irc.decode(&format!(":srv CAP * LS :{caps}"));
    irc.decode(":srv CAP * ACK :echo-message server-time");
    irc.decode(":srv 001 ada :Welcome");
    irc.decode(":ada!a@h JOIN #chat");
    irc
}

#[test]
fn parses_lines() {
    let line =
        parse_line("@time=2023-11-14T22:13:20.000Z;msgid=a\\sb :nick!u@h PRIVMSG #c :hi: there ").expect("line");
    assert_eq!(line.tag("msgid"), Some("a b"));
    assert_eq!(line.nick(), "nick");
    assert_eq!(line.command, "PRIVMSG");
    assert_eq!(line.params, vec!["#c", "hi: there "]);
    assert_eq!(parse_line("PING :abc").map(|l| l.params), Some(vec!["abc".to_string()]));
    assert_eq!(parse_line(""), None);
    assert_eq!(parse_line("@only-tags"), None);
    assert_eq!(parse_line(":src"), None);
}

#[test]
fn a_channel_that_cannot_be_joined_is_refused() {
    let mut irc = new_irc("ada", "#vip");
    irc.open(TEXT_SUBPROTOCOL);
    irc.decode(":srv 001 ada :Welcome");
    let (events, _) = irc.decode(":srv 473 ada #VIP :Cannot join channel (+i)");
    assert!(
        matches!(&events[..], [ChatEvent::In { to, event }, ChatEvent::Refused(why)]
            if why.contains("Cannot join channel (+i)") && to.name == "#VIP" && matches!(**event, ChatEvent::Gone(_))),
        "{events:?}"
    );
    // Another channel's refusal is only a line in the timeline.
    assert!(matches!(&irc.decode(":srv 473 ada #other :Cannot join").0[..], [ChatEvent::System(_)]));
}

#[test]
fn pings_when_asked_to_probe() {
    let irc = registered(false);
    assert_eq!(text(&irc.probe()), ["PING :wschat"]);
    assert!(new_irc("ada", "#chat").probe().is_empty(), "not before registration");
}

#[test]
fn silence_is_probed_then_a_dead_link() {
    let mut irc = new_irc("ada", "#chat");
    let opened = irc.on_open(TEXT_SUBPROTOCOL, 1_000.0);
    assert_eq!(opened.wake_in_ms, Some(PROBE_AFTER_MS));
    // Not registered yet: nothing to probe with, but the deadline holds.
    let early = irc.on_wake(1_000.0 + PROBE_AFTER_MS);
    assert_eq!((early.replies.len(), early.wake_in_ms), (0, Some(PROBE_AFTER_MS)));
    irc.on_frame(Frame::Text(":srv 001 ada :Welcome"), 10_000.0);
    // Woken early (a frame came since): asleep again until the probe is due.
    assert_eq!(irc.on_wake(20_000.0).wake_in_ms, Some(PROBE_AFTER_MS - 10_000.0));
    let probe = irc.on_wake(10_000.0 + PROBE_AFTER_MS);
    assert_eq!(text(&probe.replies), ["PING :wschat"]);
    assert_eq!(probe.wake_in_ms, Some(DEAD_AFTER_MS - PROBE_AFTER_MS));
    assert!(irc.on_frame(Frame::Text(":srv PONG srv :wschat"), 10_000.0 + PROBE_AFTER_MS + 5.0).events.is_empty());
    let dead = irc.on_wake(10_000.0 + PROBE_AFTER_MS + 5.0 + DEAD_AFTER_MS);
    assert!(matches!(&dead.events[..], [ChatEvent::LinkDead(why)] if why.contains("looks dead")), "{dead:?}");
}

#[test]
fn says_ready_once_registered_and_joins_more_channels_beside() {
    let mut irc =
        IrcState::new(IrcOptions { nick: "ada".into(), channels: vec!["#a".into(), "#b".into()], sasl: None });
    irc.on_open("", 0.0);
    assert!(!irc.is_ready());
    let welcome = irc.on_frame(Frame::Text(":srv 001 ada :Welcome\r\n:srv 375 ada :MOTD"), 0.0);
    assert_eq!(welcome.events.last(), Some(&ChatEvent::ready()), "after everything the frame said");
    assert_eq!(text(&welcome.replies), ["JOIN #a,#b\r\n"]);
    assert!(irc.is_ready());
    let join = irc.encode(Action::Join("#rust")).map(|d| text(&d.replies));
    assert_eq!(join, Some(vec!["JOIN #rust\r\n".to_string()]), "no PART: one more channel");
    irc.on_frame(Frame::Text(":ada!a@h JOIN #rust"), 0.0);
    // A new connection joins every channel held now.
    irc.on_open("", 1.0);
    assert_eq!(text(&irc.on_frame(Frame::Text(":srv 001 ada :Hi"), 1.0).replies), ["JOIN #a,#b,#rust\r\n"]);
    let part = irc.encode(Action::Part(&Target::channel("#a"))).map(|d| text(&d.replies));
    assert_eq!(part, Some(vec!["PART #a\r\n".to_string()]));
    assert_eq!(irc.encode(Action::Part(&Target::private("bob"))).map(|d| d.replies.len()), Some(0));
    let topic = irc.encode(Action::SetTopic(&Target::channel("#b"), "new\r\nQUIT")).map(|d| text(&d.replies));
    assert_eq!(topic, Some(vec!["TOPIC #b :new  QUIT\r\n".to_string()]));
    let to_server = Target { kind: TargetKind::Server, name: "srv".into() };
    assert!(irc.encode(Action::Message { to: &to_server, nick: "ada", text: "hi", id: 1 }).is_none());
}

#[test]
fn events_name_their_conversation() {
    let mut irc = registered(true);
    let chat = Target::channel("#chat");
    let (events, _) = irc.decode(":bob!b@h PRIVMSG ada :psst");
    assert_eq!(
        events,
        vec![Target::private("bob").event(ChatEvent::Message {
            nick: Some("bob".into()),
            text: "psst".into(),
            time_ms: None,
            msgid: None,
        })]
    );
    let (events, _) = irc.decode(":ada!a@h PRIVMSG bob :back");
    assert!(
        matches!(&events[..], [ChatEvent::In { to, .. }] if *to == Target::private("bob")),
        "our echo: the chat with bob"
    );
    let (events, _) = irc.decode(":op!o@h MODE #chat +ov-v+l bob carol dan 10");
    assert_eq!(
        events[1..],
        [
            chat.event(ChatEvent::UserMode { nick: "bob".into(), prefix: '@', on: true }),
            chat.event(ChatEvent::UserMode { nick: "carol".into(), prefix: '+', on: true }),
            chat.event(ChatEvent::UserMode { nick: "dan".into(), prefix: '+', on: false }),
        ]
    );
    let (events, _) = irc.decode(":srv 332 ada #chat :the topic");
    assert_eq!(events, vec![chat.event(ChatEvent::Topic { text: "Topic: the topic".into(), time_ms: None })]);
    // QUIT and NICK name no conversation: the log knows where that person was.
    assert!(matches!(&irc.decode(":bob!b@h QUIT :bye").0[..], [ChatEvent::Left { .. }]));
    let (events, _) = irc.decode(":ada!a@h PART #chat :later");
    assert!(matches!(&events[..], [ChatEvent::In { event, .. }] if matches!(**event, ChatEvent::Gone(_))));
    // The message of the day is the server's.
    assert!(
        matches!(&irc.decode(":srv 372 ada :- be nice").0[..], [ChatEvent::Notice { text, .. }] if text == "- be nice")
    );
}

#[test]
fn inspircd_subprotocols_frame_lines_as_without_one() {
    let mut text_irc = new_irc("ada", "#chat");
    assert_eq!(text(&text_irc.open(INSPIRCD_TEXT_SUBPROTOCOL))[0], "CAP LS 302\r\n");
    let mut binary_irc = new_irc("ada", "#chat");
    assert!(
        matches!(&binary_irc.open(INSPIRCD_BINARY_SUBPROTOCOL)[0], OutFrame::Binary(b) if b == b"CAP LS 302\r\n")
    );
}

#[test]
fn options_from_settings_never_carry_a_bad_channel() {
    let settings =
        |channel: &str| FormatSettings { channel: channel.into(), nick: "ada".into(), ..FormatSettings::default() };
    assert_eq!(IrcOptions::from_settings(&settings("rust")).channels, ["#rust"]);
    assert_eq!(IrcOptions::from_settings(&settings("#a\r\nQUIT")).channels, [DEFAULT_CHANNEL]);
    assert_eq!((SPEC.check)(settings("rust")).map(|s| s.channel), Ok("#rust".to_string()));
    assert!((SPEC.check)(settings("#a b")).is_err());
}

#[test]
fn server_times_are_dates_a_clock_can_show() {
    // The only number IRC reads is the server-time tag: four-digit years keep it finite and
    // within JavaScript's dates; anything else is no time at all.
    let mut irc = registered(true);
    let time = |irc: &mut IrcState, tag: &str| match &flat(
        irc.decode(&format!("@time={tag} :bob!b@h PRIVMSG #chat :x")).0,
    )[..]
    {
        [ChatEvent::Message { time_ms, .. }] => *time_ms,
        other => panic!("{other:?}"),
    };
    for tag in ["9999-12-31T23:59:60.999999999Z", "0000-01-01T00:00:00-23:59"] {
        let ms = time(&mut irc, tag).expect("a time");
        assert!(ms.is_finite() && ms.abs() <= 8.64e15, "{tag}: {ms}");
    }
    for tag in ["1e400", "+275760-09-13T00:00:00Z", "NaN", "2023-11-14T22:13:20+99:99:99"] {
        assert_eq!(time(&mut irc, tag), None, "{tag}");
    }
}

#[test]
fn server_time_on_every_line_that_shows() {
    let mut irc = registered(true);
    let at = "@time=2023-11-14T22:13:20.000Z ";
    let time = Some(1.7e12);
    let lines = [
        ":carol!c@h JOIN #chat",
        ":carol!c@h PART #chat :bye",
        ":dan!d@h QUIT :gone",
        ":op!o@h KICK #chat dan :x",
        ":bob!b@h NICK robert",
        ":srv NOTICE ada :hi",
        ":bob!b@h TOPIC #chat :new topic",
    ];
    for line in lines {
        let (events, _) = irc.decode(&format!("{at}{line}"));
        let got = match &flat(events)[..] {
            [ChatEvent::Joined { time_ms, .. }
            | ChatEvent::Left { time_ms, .. }
            | ChatEvent::Renamed { time_ms, .. }
            | ChatEvent::Topic { time_ms, .. }
            | ChatEvent::Notice { time_ms, .. }] => *time_ms,
            other => panic!("{line}: {other:?}"),
        };
        assert_eq!(got, time, "{line}");
    }
    let (events, _) = irc.decode(&format!("{at}:ada!a@h JOIN #chat"));
    assert_eq!(
        flat(events),
        vec![ChatEvent::Entered, ChatEvent::Notice { text: "Joined #chat.".into(), time_ms: time }]
    );
}

fn labeled(echo: bool) -> IrcState {
    let mut irc = new_irc("ada", "#chat");
    irc.open(TEXT_SUBPROTOCOL);
    let caps = if echo { "labeled-response echo-message" } else { "labeled-response" };
    irc.decode(&format!(":srv CAP * LS :{caps}"));
    irc.decode(&format!(":srv CAP * ACK :{caps}"));
    irc.decode(":srv 001 ada :Welcome");
    irc.decode(":ada!a@h JOIN #chat");
    irc
}

#[test]
fn labeled_messages_are_confirmed_by_id() {
    // Without labeled-response: no label.
    let mut plain = registered(true);
    let sent = plain
        .encode(Action::Message { to: &Target::channel("#chat"), nick: "ada", text: "hi", id: 7 })
        .map(|d| text(&d.replies));
    assert_eq!(sent, Some(vec!["PRIVMSG #chat :hi".to_string()]));
    // Without echo-message: the ACK names the message.
    let mut irc = labeled(false);
    let sent = irc
        .encode(Action::Message { to: &Target::channel("#chat"), nick: "ada", text: "one\ntwo", id: 7 })
        .map(|d| text(&d.replies));
    assert_eq!(sent, Some(vec!["PRIVMSG #chat :one".to_string(), "@label=7 PRIVMSG #chat :two".to_string()]));
    assert_eq!(irc.decode("@label=7 :irc.example ACK").0, vec![ChatEvent::Delivered(7)]);
    // An error answering the label is no delivery.
    let (events, _) = irc.decode("@label=8 :srv 404 ada #chat :Cannot send to channel");
    assert!(matches!(&events[..], [ChatEvent::System(why)] if why.contains("Cannot send")), "{events:?}");
    // With echo-message: the labeled echo confirms by id and makes no message of its own.
    let mut irc = labeled(true);
    assert_eq!(
        irc.decode("@label=9;time=2023-11-14T22:13:20Z :ada!a@h PRIVMSG #chat :hi").0,
        vec![ChatEvent::Delivered(9)]
    );
    assert!(
        matches!(&flat(irc.decode(":ada!a@h PRIVMSG #chat :hi").0)[..], [ChatEvent::Message { .. }]),
        "unlabeled: as before"
    );
}

#[test]
fn batches_are_read_and_a_chathistory_batch_is_history() {
    let mut irc = labeled(true);
    let replay = [
        "@batch=h1 BATCH +h1 chathistory #chat",
        "@batch=h1;time=2023-11-14T22:13:20Z;msgid=m1 :bob!b@h PRIVMSG #chat :earlier",
        "@batch=h1;time=2023-11-14T22:13:20Z :bob!b@h PRIVMSG #chat :\u{1}ACTION waved\u{1}",
        "BATCH -h1",
    ];
    let (events, _) = irc.decode(&replay.join("\r\n"));
    assert_eq!(
        flat(events),
        vec![
            ChatEvent::History {
                nick: "bob".into(),
                text: "earlier".into(),
                time_ms: Some(1.7e12),
                msgid: Some("m1".into())
            },
            ChatEvent::History { nick: "bob".into(), text: "/me waved".into(), time_ms: Some(1.7e12), msgid: None },
        ]
    );
    // Closed: the same reference no longer makes history; other batches' lines as usual.
    assert!(matches!(
        &flat(irc.decode("@batch=h1 :bob!b@h PRIVMSG #chat :now").0)[..],
        [ChatEvent::Message { .. }]
    ));
    irc.decode("BATCH +n1 netjoin");
    assert!(matches!(&flat(irc.decode("@batch=n1 :carol!c@h JOIN #chat").0)[..], [ChatEvent::Joined { .. }]));
    // A labeled answer in a batch: delivered once, its echo absorbed, the rest as usual.
    let answer = [
        "@label=4 BATCH +l1 labeled-response",
        "@batch=l1 :ada!a@h PRIVMSG #chat :hi",
        "@batch=l1 :srv NOTICE ada :noted",
        "BATCH -l1",
    ];
    let (events, _) = irc.decode(&answer.join("\r\n"));
    assert!(matches!(&events[..], [ChatEvent::Delivered(4), ChatEvent::Notice { .. }]), "{events:?}");
    // Batches never closed are not all kept.
    for i in 0..100 {
        irc.decode(&format!("BATCH +x{i} chathistory"));
    }
    assert_eq!(irc.batches.len(), OPEN_BATCHES_KEPT);
}

#[test]
fn answers_ping() {
    let mut irc = registered(false);
    assert_eq!(text(&irc.decode("PING :irc.example").1), ["PONG :irc.example"]);
}

#[test]
fn messages_actions_and_presence() {
    let mut irc = registered(true);
    let mut decode = |line: &str| flat(irc.decode(line).0);
    let events = decode("@time=2023-11-14T22:13:20Z;msgid=m\\s1 :bob!b@h PRIVMSG #chat :hello ada");
    assert_eq!(
        events,
        vec![ChatEvent::Message {
            nick: Some("bob".into()),
            text: "hello ada".into(),
            time_ms: Some(1.7e12),
            msgid: Some("m 1".into())
        }],
        "the server's time and id, the tag's value unescaped"
    );
    let events = decode(":bob!b@h PRIVMSG #chat :\u{1}ACTION waves\u{1}");
    assert_eq!(
        events,
        vec![ChatEvent::Message { nick: Some("bob".into()), text: "/me waves".into(), time_ms: None, msgid: None }]
    );
    assert_eq!(decode(":bob!b@h PRIVMSG ada :\u{1}VERSION\u{1}"), vec![]);
    assert!(
        matches!(&decode(":bob!b@h PRIVMSG ada :psst")[..], [ChatEvent::Message { text, .. }] if text == "psst")
    );
    assert!(matches!(&decode(":carol!c@h JOIN #chat")[..], [ChatEvent::Joined { nick, .. }] if nick == "carol"));
    assert!(
        matches!(&decode(":carol!c@h PART #chat :later")[..], [ChatEvent::Left { nick, text, .. }] if nick == "carol" && text.contains("later"))
    );
    assert!(matches!(&decode(":dan!d@h QUIT :gone")[..], [ChatEvent::Left { nick, .. }] if nick == "dan"));
    assert_eq!(
        decode(":bob!b@h NICK robert"),
        vec![ChatEvent::Renamed { from: "bob".into(), to: "robert".into(), time_ms: None }]
    );
    assert!(
        matches!(&decode(":srv NOTICE ada :maintenance")[..], [ChatEvent::Notice { text, .. }] if text.contains("maintenance"))
    );
    assert!(
        matches!(&decode(":op!o@h KICK #chat ada :spam")[..], [ChatEvent::Gone(why)] if why.contains("kicked"))
    );
}

#[test]
fn error_numerics_without_parameters_do_not_panic() {
    let mut irc = registered(false);
    assert!(matches!(&irc.decode("401").0[..], [ChatEvent::System(_)]));
}

#[test]
fn names_fill_the_user_list() {
    let mut irc = registered(false);
    irc.decode(":srv 353 ada = #chat :@op +voiced ada");
    irc.decode(":srv 353 ada = #chat :bob");
    assert_eq!(
        irc.decode(":srv 366 ada #chat :End of /NAMES list.").0,
        vec![Target::channel("#chat").event(ChatEvent::Users(vec![
            "@op".into(),
            "+voiced".into(),
            "ada".into(),
            "bob".into()
        ]))]
    );
}
