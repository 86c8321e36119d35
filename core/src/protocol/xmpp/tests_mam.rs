//! Rooms' archives (XEP-0313): asked whether they keep one, paged back by the archive's ids.

use super::tests::{seeded, texts, FEATURES_AUTH};
use super::*;
use crate::protocol::PastLine;

const ROOM: &str = "lobby@conference.localhost";
const JOINED: &str = "<presence from='lobby@conference.localhost/ada'><x xmlns='http://jabber.org/protocol/muc#user'><status code='110'/></x></presence>";
const DISCO: &str = r#"<iq xmlns="jabber:client" type="get" to="lobby@conference.localhost" id="disco-0707070707070707-2"><query xmlns="http://jabber.org/protocol/disco#info"/></iq>"#;
/// 2023-11-14T22:13:20Z.
const T: f64 = 1.7e12;
/// The account says it keeps an archive.
const ACCOUNT_KEEPS: &str = "<iq type='result' from='a@localhost' id='disco-0707070707070707-1'><query xmlns='http://jabber.org/protocol/disco#info'><feature var='urn:xmpp:mam:2'/></query></iq>";
/// What it is asked then: its newest page, for whom we talked with.
const LATELY_ASKED: &str = r#"<iq xmlns="jabber:client" type="set" id="mam-0707070707070707-3"><query xmlns="urn:xmpp:mam:2" queryid="mam-0707070707070707-3"><x xmlns="jabber:x:data" type="submit"><field var="FORM_TYPE" type="hidden"><value>urn:xmpp:mam:2</value></field></x><set xmlns="http://jabber.org/protocol/rsm"><max>50</max><before></before></set></query></iq>"#;

/// Online anonymously and in the room; what the room's own presence was answered with.
fn in_room() -> (XmppState, Vec<String>) {
    let mut xmpp = seeded(None);
    let joined = link_and_join(&mut xmpp, 0.0);
    (xmpp, joined)
}

/// A new link at `at`: logged in anonymously, bound, the room's own presence answered.
fn link_and_join(xmpp: &mut XmppState, at: f64) -> Vec<String> {
    xmpp.on_open(SUBPROTOCOL, at);
    xmpp.on_frame(Frame::Text(FEATURES_AUTH), at);
    xmpp.on_frame(Frame::Text("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"), at);
    xmpp.on_frame(Frame::Text("<stream:features xmlns:stream='http://etherx.jabber.org/streams'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>"), at);
    xmpp.on_frame(Frame::Text("<iq type='result' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>a@localhost/r</jid></bind></iq>"), at);
    texts(&xmpp.on_frame(Frame::Text(JOINED), at + 1.0).replies)
}

fn answer_disco(xmpp: &mut XmppState, features: &str) {
    let answer = format!("<iq type='result' from='{ROOM}' id='disco-0707070707070707-2'><query xmlns='http://jabber.org/protocol/disco#info'><identity category='conference' type='text'/>{features}</query></iq>");
    assert!(xmpp.on_frame(Frame::Text(&answer), 2.0).replies.is_empty());
}

fn ask(xmpp: &mut XmppState, before_ms: f64) -> Option<Vec<String>> {
    xmpp.encode(Action::Earlier { to: &Target::channel(ROOM), before_ms, limit: 100, empty: false }).map(|d| texts(&d.replies))
}

fn result(queryid: &str, from: &str, id: &str, nick: &str, text: &str) -> String {
    format!("<message from='{from}' to='a@localhost/r'><result xmlns='urn:xmpp:mam:2' queryid='{queryid}' id='{id}'><forwarded xmlns='urn:xmpp:forward:0'><delay xmlns='urn:xmpp:delay' stamp='2023-11-14T22:13:20Z'/><message xmlns='jabber:client' type='groupchat' from='{ROOM}/{nick}'><body>{text}</body></message></forwarded></result></message>")
}

/// One private line of the account's archive answering `queryid`, sent by `result_from` (empty:
/// the server, unnamed), between (from, to), with `extra` inside the line; its archive id is
/// `p-` and its text.
fn private_result(queryid: &str, result_from: &str, (from, to): (&str, &str), text: &str, extra: &str) -> String {
    let sender = if result_from.is_empty() { String::new() } else { format!(" from='{result_from}'") };
    format!("<message{sender}><result xmlns='urn:xmpp:mam:2' queryid='{queryid}' id='p-{text}'><forwarded xmlns='urn:xmpp:forward:0'><delay xmlns='urn:xmpp:delay' stamp='2023-11-14T22:13:20Z'/><message xmlns='jabber:client' type='chat' from='{from}' to='{to}'><body>{text}</body>{extra}</message></forwarded></result></message>")
}

fn line(nick: &str, text: &str, msgid: &str) -> PastLine {
    PastLine { nick: nick.into(), text: text.into(), time_ms: T, msgid: Some(msgid.into()) }
}

#[test]
fn a_room_that_keeps_an_archive_is_paged_back_by_its_ids() {
    let (mut xmpp, joined) = in_room();
    assert_eq!(joined, [DISCO], "the room is asked whether it keeps an archive");
    assert_eq!(ask(&mut xmpp, T), None, "not before it says it does");
    // The room's history on join, with the archive's ids (and one claimed by someone else).
    xmpp.on_frame(Frame::Text("<message from='lobby@conference.localhost/bob' type='groupchat'><body>41</body><delay xmlns='urn:xmpp:delay' stamp='2023-11-14T22:13:20Z'/><stanza-id xmlns='urn:xmpp:sid:0' by='elsewhere@localhost' id='forged'/><stanza-id xmlns='urn:xmpp:sid:0' by='lobby@conference.localhost' id='a41'/></message>"), 3.0);
    xmpp.on_frame(Frame::Text("<message from='lobby@conference.localhost/bob' type='groupchat'><body>42</body><delay xmlns='urn:xmpp:delay' stamp='2023-11-14T22:13:20Z'/><stanza-id xmlns='urn:xmpp:sid:0' by='lobby@conference.localhost' id='a42'/></message>"), 3.0);
    answer_disco(&mut xmpp, "<feature var='http://jabber.org/protocol/muc'/><feature var='urn:xmpp:mam:2'/>");
    // Before the earliest line the room gave, by its id: a burst in one second is not cut.
    assert_eq!(
        ask(&mut xmpp, T),
        Some(vec![r#"<iq xmlns="jabber:client" type="set" to="lobby@conference.localhost" id="mam-0707070707070707-3"><query xmlns="urn:xmpp:mam:2" queryid="mam-0707070707070707-3"><x xmlns="jabber:x:data" type="submit"><field var="FORM_TYPE" type="hidden"><value>urn:xmpp:mam:2</value></field></x><set xmlns="http://jabber.org/protocol/rsm"><max>100</max><before>a41</before></set></query></iq>"#.to_string()])
    );
    let q = "mam-0707070707070707-3";
    for frame in [
        result(q, ROOM, "a39", "bob", "39"),
        // Not from the room asked, or not this question: not lines of the answer.
        result(q, "mallory@localhost", "x1", "bob", "forged"),
        result(q, &format!("{ROOM}/mallory"), "x2", "bob", "forged"),
        result("mam-other", ROOM, "x3", "bob", "forged"),
        result(q, ROOM, "a40", "carol", "40"),
    ] {
        let decoded = xmpp.on_frame(Frame::Text(&frame), 4.0);
        assert!(decoded.events.is_empty() && decoded.replies.is_empty(), "{frame}: {decoded:?}");
    }
    let fin = xmpp.on_frame(Frame::Text("<iq type='result' from='lobby@conference.localhost' id='mam-0707070707070707-3'><fin xmlns='urn:xmpp:mam:2'><set xmlns='http://jabber.org/protocol/rsm'><first>a39</first><last>a40</last></set></fin></iq>"), 5.0);
    assert_eq!(
        fin.events,
        vec![Target::channel(ROOM).event(ChatEvent::Earlier(vec![line("bob", "39", "a39"), line("carol", "40", "a40")]))]
    );
    // The next page ends before the earliest of that one; a last page ends the asking.
    assert!(ask(&mut xmpp, T).is_some_and(|f| f[0].contains("<before>a39</before>")));
    xmpp.on_frame(Frame::Text("<iq type='result' from='lobby@conference.localhost' id='mam-0707070707070707-4'><fin xmlns='urn:xmpp:mam:2' complete='true'/></iq>"), 6.0);
    assert_eq!(ask(&mut xmpp, T), None, "the archive holds nothing older");
}

#[test]
fn before_a_time_where_the_log_reaches_further_and_not_where_no_archive_is_kept() {
    let (mut xmpp, _) = in_room();
    answer_disco(&mut xmpp, "<feature var='urn:xmpp:mam:2'/>");
    // No line of the room's own yet (the log's earliest came from the browser's store).
    let asked = ask(&mut xmpp, T).unwrap_or_default();
    assert!(asked[0].contains(r#"<field var="end"><value>2023-11-14T22:13:20.000Z</value></field>"#), "{asked:?}");
    assert!(asked[0].contains("<before></before>"), "the last page: {asked:?}");
    // A page that brings no line (or only lines shown already) still moves the next one on.
    xmpp.on_frame(Frame::Text("<iq type='result' from='lobby@conference.localhost' id='mam-0707070707070707-3'><fin xmlns='urn:xmpp:mam:2'><set xmlns='http://jabber.org/protocol/rsm'><first>z5</first><last>z9</last></set></fin></iq>"), 3.0);
    assert!(ask(&mut xmpp, T).is_some_and(|f| f[0].contains("<before>z5</before>")));
    // An archive that refuses is said, and not asked again.
    let refused = xmpp.on_frame(Frame::Text("<iq type='error' from='lobby@conference.localhost' id='mam-0707070707070707-4'><error type='cancel'><forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>"), 3.0);
    assert!(matches!(&refused.events[0], ChatEvent::System(s) if s.contains("could not give")));
    assert_eq!(refused.events[1], Target::channel(ROOM).event(ChatEvent::Earlier(Vec::new())));
    assert_eq!(ask(&mut xmpp, T), None);

    let (mut xmpp, _) = in_room();
    answer_disco(&mut xmpp, "<feature var='http://jabber.org/protocol/muc'/>");
    assert_eq!(ask(&mut xmpp, T), None, "a room that keeps none");
    let private = Target::private("bob@localhost");
    assert!(xmpp.encode(Action::Earlier { to: &private, before_ms: T, limit: 100, empty: false }).is_none());
}

#[test]
fn a_live_room_line_carries_the_archive_s_id_only_from_the_room() {
    let (mut xmpp, _) = in_room();
    let said = |xmpp: &mut XmppState, stanza_ids: &str| {
        let frame = format!("<message from='{ROOM}/bob' type='groupchat' id='own-choice'><body>hi</body>{stanza_ids}</message>");
        match &xmpp.on_frame(Frame::Text(&frame), 3.0).events[..] {
            [ChatEvent::In { event, .. }] => match &**event {
                ChatEvent::Message { msgid, .. } => msgid.clone(),
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        }
    };
    let by_room = "<stanza-id xmlns='urn:xmpp:sid:0' by='lobby@conference.localhost' id='a7'/>";
    let by_other = "<stanza-id xmlns='urn:xmpp:sid:0' by='bob@localhost' id='a1'/>";
    assert_eq!(said(&mut xmpp, &format!("{by_other}{by_room}")), Some("a7".into()));
    assert_eq!(said(&mut xmpp, by_other), None, "the sender's word names no line of the room's");
}

#[test]
fn a_new_stream_asks_anew() {
    let (mut xmpp, _) = in_room();
    answer_disco(&mut xmpp, "<feature var='urn:xmpp:mam:2'/>");
    assert!(ask(&mut xmpp, T).is_some());
    // The link drops with the question unanswered; the new stream joins and asks again.
    let joined = link_and_join(&mut xmpp, 10.0);
    assert!(joined.iter().any(|f| f.contains("disco#info")), "{joined:?}");
    assert_eq!(ask(&mut xmpp, T), None, "not before it says again that it keeps one");
}

#[test]
fn a_private_chat_is_paged_back_in_the_account_s_archive() {
    let (mut xmpp, _) = in_room();
    let bob = Target::private("bob@localhost");
    let ask_bob = |xmpp: &mut XmppState| {
        xmpp.encode(Action::Earlier { to: &bob, before_ms: T, limit: 100, empty: false }).map(|d| texts(&d.replies))
    };
    assert_eq!(ask_bob(&mut xmpp), None, "not before the account says it keeps one");
    let lately = xmpp.on_frame(Frame::Text(ACCOUNT_KEEPS), 2.0);
    assert_eq!(texts(&lately.replies), [LATELY_ASKED], "whom we talked with lately");
    let asked = ask_bob(&mut xmpp).unwrap_or_default();
    assert_eq!(
        asked,
        [r#"<iq xmlns="jabber:client" type="set" id="mam-0707070707070707-4"><query xmlns="urn:xmpp:mam:2" queryid="mam-0707070707070707-4"><x xmlns="jabber:x:data" type="submit"><field var="FORM_TYPE" type="hidden"><value>urn:xmpp:mam:2</value></field><field var="with"><value>bob@localhost</value></field><field var="end"><value>2023-11-14T22:13:20.000Z</value></field></x><set xmlns="http://jabber.org/protocol/rsm"><max>100</max><before></before></set></query></iq>"#]
    );
    let line = |result_from: &str, from_line: &str, to_line: &str, text: &str| {
        private_result("mam-0707070707070707-4", result_from, (from_line, to_line), text, "")
    };
    for frame in [
        line("", "bob@localhost/phone", "a@localhost/r", "theirs"),
        line("a@localhost", "a@localhost/r", "bob@localhost", "mine"),
        // Not from our account, or not between us and bob: not lines of the answer.
        line("mallory@localhost", "bob@localhost/phone", "a@localhost/r", "forged"),
        line("", "carol@localhost/x", "a@localhost/r", "carols"),
    ] {
        assert!(xmpp.on_frame(Frame::Text(&frame), 3.0).events.is_empty());
    }
    let fin = xmpp.on_frame(Frame::Text("<iq type='result' id='mam-0707070707070707-4'><fin xmlns='urn:xmpp:mam:2' complete='true'/></iq>"), 4.0);
    let past = |nick: &str, text: &str| PastLine { nick: nick.into(), text: text.into(), time_ms: T, msgid: Some(format!("p-{text}")) };
    assert_eq!(fin.events, vec![bob.event(ChatEvent::Earlier(vec![past("bob", "theirs"), past("a", "mine")]))]);
    assert_eq!(ask_bob(&mut xmpp), None, "all of it");
    // Many rooms known later: the account's archive is never the one forgotten.
    for i in 0..300 {
        xmpp.ask_if_archived(&format!("r{i}@conference.localhost"));
    }
    assert!(xmpp.archive_kept_by("a@localhost"));
    // A private chat through a room is not the account's to give.
    let through = Target::private("lobby@conference.localhost/bob");
    assert!(xmpp.encode(Action::Earlier { to: &through, before_ms: T, limit: 100, empty: false }).is_none());
}

#[test]
fn the_account_s_newest_page_opens_the_chats_of_whom_we_talked_with() {
    let (mut xmpp, _) = in_room();
    assert_eq!(texts(&xmpp.on_frame(Frame::Text(ACCOUNT_KEEPS), 2.0).replies), [LATELY_ASKED]);
    let line = |result_from: &str, from_line: &str, to_line: &str, extra: &str| {
        private_result("mam-0707070707070707-3", result_from, (from_line, to_line), "hi", extra)
    };
    for frame in [
        line("a@localhost", "bob@localhost/phone", "a@localhost/r", ""),
        line("a@localhost", "a@localhost/r", "carol@localhost", ""),
        line("a@localhost", "bob@localhost/laptop", "a@localhost/r", ""),
        // Not from our account; not between us and anyone; through a room; a server's.
        line("mallory@localhost", "eve@localhost/x", "a@localhost/r", ""),
        line("a@localhost", "eve@localhost/x", "dan@localhost", ""),
        line("a@localhost", "lobby@conference.localhost/bob", "a@localhost/r", "<x xmlns='http://jabber.org/protocol/muc#user'/>"),
        line("a@localhost", "localhost", "a@localhost/r", ""),
    ] {
        assert!(xmpp.on_frame(Frame::Text(&frame), 3.0).events.is_empty());
    }
    let fin = xmpp.on_frame(Frame::Text("<iq type='result' id='mam-0707070707070707-3'><fin xmlns='urn:xmpp:mam:2' complete='true'/></iq>"), 4.0);
    // The most recent first; nothing shown or unread, each chat asks for its lines when read.
    let opened = |jid: &str| Target::private(jid).event(ChatEvent::Entered);
    assert_eq!(fin.events, vec![opened("bob@localhost"), opened("carol@localhost")]);
    // A new stream asks the account again whether it keeps an archive, not whom we talked with:
    // a chat closed since stays closed.
    link_and_join(&mut xmpp, 10.0);
    let again = xmpp.on_frame(Frame::Text(ACCOUNT_KEEPS), 11.0);
    assert!(xmpp.archive_kept_by("a@localhost"), "the question of the new stream answered");
    assert!(texts(&again.replies).is_empty(), "{:?}", texts(&again.replies));
    // An answer that fails opens nothing, and says nothing.
    let mut other = seeded(None);
    link_and_join(&mut other, 0.0);
    other.on_frame(Frame::Text(ACCOUNT_KEEPS), 2.0);
    let failed = other.on_frame(Frame::Text("<iq type='error' id='mam-0707070707070707-3'/>"), 4.0);
    assert!(failed.events.is_empty(), "{:?}", failed.events);
    // Not answered, so asked again on the next stream.
    link_and_join(&mut other, 10.0);
    let again = other.on_frame(Frame::Text(ACCOUNT_KEEPS), 11.0);
    assert_eq!(texts(&again.replies), [LATELY_ASKED]);
}
