//! CHATHISTORY asked for earlier lines, and told from replays: by conversation, or by label.

use super::tests::{flat, new_irc, registered, text};
use super::*;
use crate::protocol::{Action, WireFormat};

#[test]
fn earlier_lines_are_asked_for_where_offered_and_come_as_one_event() {
    let chat = Target::channel("#chat");
    let ask = |irc: &mut IrcState| {
        irc.encode(Action::Earlier { to: &chat, before_ms: 1_700_000_000_123.0, limit: 500, empty: false })
            .map(|d| text(&d.replies))
    };
    assert_eq!(ask(&mut registered(true)), None, "not offered: nothing to ask");
    let mut irc = new_irc("ada", "#chat");
    irc.open(TEXT_SUBPROTOCOL);
    irc.decode(":srv CAP * LS :batch server-time message-tags draft/chathistory");
    let (_, replies) = irc.decode(":srv CAP * ACK :batch server-time message-tags draft/chathistory");
    assert!(text(&replies).contains(&"CAP END".to_string()));
    irc.decode(":srv 001 ada :Welcome");
    assert_eq!(ask(&mut irc), None, "not in the channel yet: its replay on join is still to come");
    irc.decode(":ada!a@h JOIN #chat");
    assert_eq!(
        ask(&mut irc),
        Some(vec!["CHATHISTORY BEFORE #chat timestamp=2023-11-14T22:13:20.123Z 100".to_string()]),
        "at most 100 at once"
    );
    let answer = [
        "BATCH +e1 chathistory #Chat",
        "@batch=e1;time=2023-11-14T22:13:18Z;msgid=m1 :bob!b@h PRIVMSG #chat :first",
        "@batch=e1;time=2023-11-14T22:13:19Z :bob!b@h PRIVMSG #chat :\u{1}ACTION waved\u{1}",
        "@batch=e1 :bob!b@h PRIVMSG #chat :no time: left out",
        "BATCH -e1",
    ];
    let (events, _) = irc.decode(&answer.join("\r\n"));
    let line = |text: &str, time_ms: f64, msgid: Option<&str>| PastLine {
        nick: "bob".into(),
        text: text.into(),
        time_ms,
        msgid: msgid.map(str::to_string),
    };
    assert_eq!(
        events,
        vec![chat.event(ChatEvent::Earlier(vec![
            line("first", 1_699_999_998_000.0, Some("m1")),
            line("/me waved", 1_699_999_999_000.0, None)
        ]))]
    );
    // A replay nobody asked for is history, as before.
    let (events, _) = irc.decode("BATCH +r chathistory #chat\r\n@batch=r :bob!b@h PRIVMSG #chat :again\r\nBATCH -r");
    assert!(matches!(&flat(events)[..], [ChatEvent::History { .. }]));
    // Without labels, a conversation that holds no line is not asked: a replay on join would
    // pass for the answer.
    assert!(irc.encode(Action::Earlier { to: &chat, before_ms: 1.7e12, limit: 100, empty: true }).is_none());
}

/// The texts of the one event decoded, an answer's lines ([`ChatEvent::Earlier`]); none else.
fn earlier_texts(events: &[ChatEvent]) -> Vec<String> {
    match events {
        [ChatEvent::In { event, .. }] => match &**event {
            ChatEvent::Earlier(lines) => lines.iter().map(|l| l.text.clone()).collect(),
            other => panic!("not an answer: {other:?}"),
        },
        other => panic!("not one event: {other:?}"),
    }
}

#[test]
fn with_labels_only_the_labeled_batch_answers_and_an_empty_conversation_may_ask() {
    let chat = Target::channel("#chat");
    let mut irc = new_irc("ada", "#chat");
    irc.open(TEXT_SUBPROTOCOL);
    let caps = "batch server-time message-tags labeled-response draft/chathistory";
    irc.decode(&format!(":srv CAP * LS :{caps}"));
    irc.decode(&format!(":srv CAP * ACK :{caps}"));
    irc.decode(":srv 001 ada :Welcome");
    irc.decode(":ada!a@h JOIN #chat");
    let ask = |irc: &mut IrcState| {
        irc.encode(Action::Earlier { to: &chat, before_ms: 1.7e12, limit: 100, empty: true }).map(|d| text(&d.replies))
    };
    assert_eq!(ask(&mut irc), Some(vec!["@label=h1 CHATHISTORY LATEST #chat * 100".to_string()]));
    // The join's replay, unlabeled, comes first: history, not the answer.
    let (events, _) = irc.decode("BATCH +j chathistory #chat\r\n@batch=j;time=2023-11-14T22:13:10Z :bob!b@h PRIVMSG #chat :replayed\r\nBATCH -j");
    assert!(matches!(&flat(events)[..], [ChatEvent::History { .. }]));
    // The answer, its batch carrying the label.
    let (events, _) = irc.decode("@label=h1 BATCH +a chathistory #chat\r\n@batch=a;time=2023-11-14T22:13:00Z :bob!b@h PRIVMSG #chat :asked\r\nBATCH -a");
    assert_eq!(earlier_texts(&events), ["asked"]);
    // Or inside a labeled-response batch of that label.
    ask(&mut irc);
    let answer = [
        "@label=h2 BATCH +o labeled-response",
        "@batch=o BATCH +i chathistory #chat",
        "@batch=i;time=2023-11-14T22:12:00Z :bob!b@h PRIVMSG #chat :inside",
        "@batch=o BATCH -i",
        "BATCH -o",
    ];
    let (events, _) = irc.decode(&answer.join("\r\n"));
    assert_eq!(earlier_texts(&events), ["inside"]);
    // A server that leaves the label off answers an ask of a conversation that held lines.
    irc.encode(Action::Earlier { to: &chat, before_ms: 1.7e12, limit: 100, empty: false });
    let (events, _) = irc.decode("BATCH +u chathistory #chat\r\n@batch=u;time=2023-11-14T22:11:30Z :bob!b@h PRIVMSG #chat :unlabeled\r\nBATCH -u");
    assert_eq!(earlier_texts(&events), ["unlabeled"]);
    // Another label's batch answers nothing of ours.
    ask(&mut irc);
    let (events, _) = irc.decode("@label=zz BATCH +x chathistory #chat\r\n@batch=x;time=2023-11-14T22:11:00Z :bob!b@h PRIVMSG #chat :other\r\nBATCH -x");
    assert!(matches!(&flat(events)[..], [ChatEvent::History { .. }]));
}
