//! The stream, logging in, rooms, private chats and pings, frame by frame.

use super::*;

pub(super) fn texts(frames: &[OutFrame]) -> Vec<String> {
    frames.iter().map(|f| if let OutFrame::Text(t) = f { t.clone() } else { panic!("XMPP sends text") }).collect()
}

pub(super) fn options(login: Option<(&str, &str)>) -> XmppOptions {
    XmppOptions {
        nick: "ada".into(),
        rooms: vec!["lobby@conference.localhost".into()],
        domain: "localhost".into(),
        login: login.map(|(u, p)| (u.into(), p.into())),
    }
}

pub(super) const FEATURES_AUTH: &str = "<stream:features xmlns:stream='http://etherx.jabber.org/streams'><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism><mechanism>ANONYMOUS</mechanism></mechanisms></stream:features>";
const FEATURES_BIND: &str = "<stream:features xmlns:stream='http://etherx.jabber.org/streams'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>";

/// Online, the room's join sent.
fn online(login: Option<(&str, &str)>) -> (XmppState, Vec<String>) {
    let mut xmpp = XmppState::new(options(login));
    let open = texts(&xmpp.on_open(SUBPROTOCOL, 0.0).replies);
    assert_eq!(open, [r#"<open xmlns="urn:ietf:params:xml:ns:xmpp-framing" to="localhost" version="1.0"/>"#]);
    xmpp.on_frame(Frame::Text("<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' from='localhost' id='s1' version='1.0'/>"), 1.0);
    let auth = texts(&xmpp.on_frame(Frame::Text(FEATURES_AUTH), 1.0).replies);
    let expected = match login {
        Some(_) => r#"<auth xmlns="urn:ietf:params:xml:ns:xmpp-sasl" mechanism="PLAIN">AGFkYQBzZWNyZXQ=</auth>"#,
        None => r#"<auth xmlns="urn:ietf:params:xml:ns:xmpp-sasl" mechanism="ANONYMOUS">=</auth>"#,
    };
    assert_eq!(auth, [expected]);
    assert_eq!(texts(&xmpp.on_frame(Frame::Text("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"), 2.0).replies), open);
    let bind = texts(&xmpp.on_frame(Frame::Text(FEATURES_BIND), 2.0).replies);
    assert!(bind[0].contains("<resource>wschat</resource>"), "{bind:?}");
    let bound = xmpp.on_frame(
        Frame::Text("<iq xmlns='jabber:client' type='result' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>ada@localhost/wschat</jid></bind></iq>"),
        3.0,
    );
    assert!(xmpp.is_ready());
    assert_eq!(bound.events.last(), Some(&ChatEvent::ready()));
    (xmpp, texts(&bound.replies))
}

#[test]
fn logs_in_binds_and_joins_the_rooms() {
    let (_, sent) = online(Some(("ada", "secret")));
    assert_eq!(sent[0], r#"<presence xmlns="jabber:client"/>"#);
    assert_eq!(
        sent[1],
        r#"<presence xmlns="jabber:client" to="lobby@conference.localhost/ada"><x xmlns="http://jabber.org/protocol/muc"/></presence>"#
    );
    let (_, anonymous) = online(None);
    assert_eq!(anonymous.len(), 2);
}

#[test]
fn a_refused_login_and_no_mechanism_are_said() {
    let mut xmpp = XmppState::new(options(Some(("ada", "wrong"))));
    xmpp.on_open(SUBPROTOCOL, 0.0);
    xmpp.on_frame(Frame::Text(FEATURES_AUTH), 1.0);
    let failed = xmpp.on_frame(Frame::Text("<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/></failure>"), 2.0);
    assert!(matches!(&failed.events[..], [ChatEvent::Refused(why)] if why.contains("refused the login as ada (not-authorized)")));
    let mut only_scram = XmppState::new(options(None));
    only_scram.on_open(SUBPROTOCOL, 0.0);
    let features = FEATURES_AUTH.replace("<mechanism>PLAIN</mechanism><mechanism>ANONYMOUS</mechanism>", "<mechanism>SCRAM-SHA-1</mechanism>");
    let refused = only_scram.on_frame(Frame::Text(&features), 1.0);
    assert!(matches!(&refused.events[..], [ChatEvent::Refused(why)] if why.contains("SCRAM-SHA-1") && why.contains("give a login")));
}

#[test]
fn rooms_presence_history_messages_and_reflections() {
    let (mut xmpp, _) = online(None);
    let room = Target::channel("lobby@conference.localhost");
    let bob = xmpp.on_frame(Frame::Text("<presence from='lobby@conference.localhost/bob'><x xmlns='http://jabber.org/protocol/muc#user'><item role='participant'/></x></presence>"), 4.0);
    assert!(matches!(&bob.events[..], [ChatEvent::In { to, event }] if *to == room && matches!(**event, ChatEvent::Joined { ref nick, .. } if nick == "bob")));
    let ours = xmpp.on_frame(Frame::Text("<presence from='lobby@conference.localhost/ada'><x xmlns='http://jabber.org/protocol/muc#user'><status code='110'/></x></presence>"), 5.0);
    assert_eq!(ours.events[0], room.event(ChatEvent::Entered));
    let history = xmpp.on_frame(Frame::Text("<message from='lobby@conference.localhost/bob' type='groupchat' id='x1'><body>earlier</body><delay xmlns='urn:xmpp:delay' stamp='2023-11-14T22:13:20Z'/><stanza-id xmlns='urn:xmpp:sid:0' id='sid-1'/></message>"), 6.0);
    assert_eq!(
        history.events,
        vec![room.event(ChatEvent::History { nick: "bob".into(), text: "earlier".into(), time_ms: Some(1.7e12), msgid: Some("sid-1".into()) })]
    );
    let sent = xmpp.encode(Action::Message { to: &room, nick: "ada", text: "hi <all>", id: 9 }).map(|d| texts(&d.replies));
    assert_eq!(
        sent,
        Some(vec![r#"<message xmlns="jabber:client" to="lobby@conference.localhost" type="groupchat" id="wschat-9"><body>hi &lt;all&gt;</body></message>"#.to_string()])
    );
    let reflected = xmpp.on_frame(Frame::Text("<message from='lobby@conference.localhost/ada' type='groupchat' id='wschat-9'><body>hi &lt;all&gt;</body></message>"), 7.0);
    assert_eq!(reflected.events[0], ChatEvent::Delivered(9));
    let private = xmpp.on_frame(Frame::Text("<message from='carol@localhost/phone' type='chat'><body>psst</body></message>"), 8.0);
    assert!(matches!(&private.events[..], [ChatEvent::In { to, .. }] if *to == Target::private("carol@localhost")));
    let left = xmpp.on_frame(Frame::Text("<presence from='lobby@conference.localhost/bob' type='unavailable'/>"), 9.0);
    assert!(matches!(&left.events[..], [ChatEvent::In { event, .. }] if matches!(**event, ChatEvent::Left { .. })));
}

#[test]
fn a_taken_nick_gets_a_suffix() {
    let (mut xmpp, _) = online(None);
    let taken = xmpp.on_frame(Frame::Text("<presence from='lobby@conference.localhost/ada' type='error'><error type='cancel'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>"), 4.0);
    assert!(texts(&taken.replies)[0].contains("to=\"lobby@conference.localhost/ada_1\""));
}

#[test]
fn pings_are_answered_and_silence_probed() {
    let (mut xmpp, _) = online(None);
    let ping = xmpp.on_frame(Frame::Text("<iq from='localhost' type='get' id='p1'><ping xmlns='urn:xmpp:ping'/></iq>"), 10.0);
    assert_eq!(texts(&ping.replies), [r#"<iq xmlns="jabber:client" id="p1" to="localhost" type="result"/>"#]);
    let probe = xmpp.on_wake(10.0 + PING_AFTER_MS);
    assert!(texts(&probe.replies)[0].contains("urn:xmpp:ping"));
    assert!(matches!(&xmpp.on_wake(10.0 + PING_AFTER_MS * 2.0).events[..], [ChatEvent::LinkDead(_)]));
    // Not XML: said, not a panic.
    assert!(matches!(&xmpp.on_frame(Frame::Text("<a><b></a>"), 11.0).events[..], [ChatEvent::Raw { .. }]));
}

#[test]
fn the_domain_and_rooms_come_from_the_settings() {
    let (base, _) = Settings::from_query(|_| None, None, 0.5);
    let with = |url: &str, login: &str| XmppOptions::from_settings(&Settings { url: url.into(), login: login.into(), ..base.clone() });
    assert_eq!(with("ws://localhost:5280/xmpp-websocket", "").domain, "localhost");
    assert_eq!(with("wss://chat.example.org/ws", "ada@example.org").domain, "example.org");
    assert_eq!(with("wss://chat.example.org/ws", "ada@example.org").login.map(|l| l.0), Some("ada".into()));
    assert_eq!(validate_rooms(" Lobby@Conf.example , lobby@conf.example"), Ok("lobby@conf.example".into()));
    assert!(validate_rooms("lobby").is_err() && validate_rooms("a@b/c").is_err());
}

#[test]
fn scram_sha_1_where_offered_with_the_server_proving_itself() {
    let mut xmpp = XmppState::new(options(Some(("user", "pencil"))));
    xmpp.on_open(SUBPROTOCOL, 0.0);
    let features = FEATURES_AUTH.replace("<mechanism>PLAIN</mechanism>", "<mechanism>SCRAM-SHA-1</mechanism><mechanism>PLAIN</mechanism>");
    let auth = texts(&xmpp.on_frame(Frame::Text(&features), 1.0).replies);
    assert!(auth[0].contains("mechanism=\"SCRAM-SHA-1\""), "{auth:?}");
    // The client nonce is ours: answer with a server-first that extends it.
    let first = auth[0].split('>').nth(1).and_then(|t| t.split('<').next()).unwrap_or_default();
    let first = String::from_utf8(crate::protocol::base64_decode(first).unwrap_or_default()).unwrap_or_default();
    let nonce = first.rsplit("r=").next().unwrap_or_default().to_string();
    let server_first = format!("r={nonce}srv,s=QSXCR+Q6sek8bf92,i=4096");
    let challenge = format!("<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>{}</challenge>", base64(server_first.as_bytes()));
    let response = texts(&xmpp.on_frame(Frame::Text(&challenge), 2.0).replies);
    assert!(response[0].starts_with("<response"), "{response:?}");
    // A server whose signature is wrong is not believed.
    let forged = format!("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>{}</success>", base64(b"v=AAAA"));
    let refused = xmpp.on_frame(Frame::Text(&forged), 3.0);
    assert!(refused.events.iter().any(|e| matches!(e, ChatEvent::LinkDead(_))));
    assert!(!xmpp.is_ready());
}

#[test]
fn private_chats_through_a_room_are_with_its_occupant() {
    let (mut xmpp, _) = online(None);
    let room = Target::channel("lobby@conference.localhost");
    xmpp.on_frame(Frame::Text("<presence from='lobby@conference.localhost/ada'><x xmlns='http://jabber.org/protocol/muc#user'><status code='110'/></x></presence>"), 4.0);
    assert_eq!(xmpp.private_name("bob", &room), "lobby@conference.localhost/bob");
    assert_eq!(xmpp.private_name("bob", &Target { kind: TargetKind::Server, name: "localhost".into() }), "bob@localhost");
    assert_eq!(xmpp.private_name("carol@example.org", &room), "carol@example.org");
    let whispered = xmpp.on_frame(Frame::Text("<message from='lobby@conference.localhost/bob' type='chat'><body>psst</body><x xmlns='http://jabber.org/protocol/muc#user'/></message>"), 5.0);
    assert!(
        matches!(&whispered.events[..], [ChatEvent::In { to, event }] if *to == Target::private("lobby@conference.localhost/bob")
            && matches!(**event, ChatEvent::Message { nick: Some(ref n), .. } if n == "bob")),
        "{whispered:?}"
    );
}
