//! Stream management (XEP-0198) and receipts (XEP-0184), frame by frame.

use super::tests::{seeded, texts, FEATURES_AUTH};
use super::*;

const SM_FEATURES: &str = "<stream:features xmlns:stream='http://etherx.jabber.org/streams'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><sm xmlns='urn:xmpp:sm:2'/><sm xmlns='urn:xmpp:sm:3'/></stream:features>";
const BOUND: &str = "<iq xmlns='jabber:client' type='result' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>ada@localhost/wschat</jid></bind></iq>";
const ROOM: &str = "lobby@conference.localhost";

/// Logged in anonymously up to the features after the restart; what was sent in answer to them.
fn to_restart(xmpp: &mut XmppState, at: f64) -> Vec<String> {
    xmpp.on_open(SUBPROTOCOL, at);
    xmpp.on_frame(Frame::Text(FEATURES_AUTH), at);
    xmpp.on_frame(Frame::Text("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"), at);
    texts(&xmpp.on_frame(Frame::Text(SM_FEATURES), at).replies)
}

/// Online with stream management enabled and resumable, in the room.
fn managed() -> XmppState {
    let mut xmpp = seeded(None);
    assert!(to_restart(&mut xmpp, 0.0)[0].contains("xmpp-bind"));
    let bound = texts(&xmpp.on_frame(Frame::Text(BOUND), 1.0).replies);
    assert_eq!(bound[0], r#"<enable xmlns="urn:xmpp:sm:3" resume="true"/>"#, "before any stanza it should count");
    xmpp.on_frame(Frame::Text("<enabled xmlns='urn:xmpp:sm:3' id='sm-1' resume='true' max='300'/>"), 2.0);
    xmpp.on_frame(Frame::Text("<presence from='lobby@conference.localhost/ada'><x xmlns='http://jabber.org/protocol/muc#user'><status code='110'/></x></presence>"), 3.0);
    xmpp
}

#[test]
fn acks_deliver_own_messages_and_requests_are_answered() {
    let mut xmpp = managed();
    let room = Target::channel(ROOM);
    let sent = xmpp.encode(Action::Message { to: &room, nick: "ada", text: "hi", id: 7 }).map(|d| texts(&d.replies));
    assert_eq!(sent.map(|f| f[1].clone()), Some(r#"<r xmlns="urn:xmpp:sm:3"/>"#.to_string()));
    // Our stanzas so far: the presence, the questions whether the account and the room keep
    // an archive, the room's join, the message.
    assert!(xmpp.on_frame(Frame::Text("<a xmlns='urn:xmpp:sm:3' h='4'/>"), 4.0).events.is_empty());
    assert_eq!(
        xmpp.on_frame(Frame::Text("<a xmlns='urn:xmpp:sm:3' h='5'/>"), 5.0).events,
        vec![ChatEvent::Delivered(7)]
    );
    // The server's stanzas handled since <enabled/>: the room's presence.
    assert_eq!(
        texts(&xmpp.on_frame(Frame::Text("<r xmlns='urn:xmpp:sm:3'/>"), 6.0).replies),
        [r#"<a xmlns="urn:xmpp:sm:3" h="1"/>"#]
    );
    assert_eq!(texts(&xmpp.probe()), [r#"<r xmlns="urn:xmpp:sm:3"/>"#], "a probe that counts nothing");
}

#[test]
fn a_dropped_link_resumes_the_stream_with_its_rooms() {
    let mut xmpp = managed();
    let room = Target::channel(ROOM);
    xmpp.encode(Action::Message { to: &room, nick: "ada", text: "one", id: 1 });
    xmpp.encode(Action::Message { to: &room, nick: "ada", text: "two", id: 2 });
    let resume = to_restart(&mut xmpp, 10.0);
    assert_eq!(resume, [r#"<resume xmlns="urn:xmpp:sm:3" previd="sm-1" h="1"/>"#]);
    assert!(!xmpp.is_ready());
    // The server got "one" but not "two" (after the presence, the join and the two archive
    // questions): one delivered, the other left to the outbox.
    let resumed = xmpp.on_frame(Frame::Text("<resumed xmlns='urn:xmpp:sm:3' previd='sm-1' h='5'/>"), 11.0);
    assert!(xmpp.is_ready());
    assert_eq!(resumed.events[0], ChatEvent::Delivered(1));
    assert!(resumed.events.contains(&room.event(ChatEvent::Entered)), "the room is still joined");
    assert!(resumed.replies.is_empty(), "no join and no presence again");
    // Counting goes on from the server's count.
    xmpp.encode(Action::Message { to: &room, nick: "ada", text: "two", id: 2 });
    assert_eq!(
        xmpp.on_frame(Frame::Text("<a xmlns='urn:xmpp:sm:3' h='6'/>"), 12.0).events,
        vec![ChatEvent::Delivered(2)]
    );
}

#[test]
fn a_stream_that_cannot_resume_starts_anew() {
    let mut xmpp = managed();
    to_restart(&mut xmpp, 10.0);
    let failed = xmpp.on_frame(
        Frame::Text(
            "<failed xmlns='urn:xmpp:sm:3'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></failed>",
        ),
        11.0,
    );
    assert!(texts(&failed.replies)[0].contains("xmpp-bind"));
    let bound = texts(&xmpp.on_frame(Frame::Text(BOUND), 12.0).replies);
    assert!(
        bound[0].starts_with("<enable") && bound.iter().any(|f| f.contains("lobby@conference.localhost/ada")),
        "{bound:?}"
    );
}

#[test]
fn receipts_are_asked_for_given_and_read() {
    let mut xmpp = managed();
    let carol = Target::private("carol@localhost");
    let sent = xmpp.encode(Action::Message { to: &carol, nick: "ada", text: "psst", id: 5 }).map(|d| texts(&d.replies));
    assert!(sent.is_some_and(|f| f[0].contains(r#"<request xmlns="urn:xmpp:receipts"/>"#)));
    let receipt = xmpp.on_frame(Frame::Text("<message from='carol@localhost/phone' id='r1'><received xmlns='urn:xmpp:receipts' id='wschat-0707070707070707-5'/></message>"), 4.0);
    assert_eq!(receipt.events, vec![ChatEvent::Delivered(5)]);
    let asked = xmpp.on_frame(Frame::Text("<message from='carol@localhost/phone' type='chat' id='c9'><body>got it?</body><request xmlns='urn:xmpp:receipts'/></message>"), 5.0);
    assert_eq!(
        texts(&asked.replies),
        [
            r#"<message xmlns="jabber:client" to="carol@localhost/phone"><received xmlns="urn:xmpp:receipts" id="c9"/></message>"#
        ]
    );
}
