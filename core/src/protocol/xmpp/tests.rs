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
        login: login.map(|(u, p)| (u.into(), crate::secret::Secret::new(p))),
    }
}

pub(super) const FEATURES_AUTH: &str = "<stream:features xmlns:stream='http://etherx.jabber.org/streams'><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism><mechanism>ANONYMOUS</mechanism></mechanisms></stream:features>";
const FEATURES_BIND: &str = "<stream:features xmlns:stream='http://etherx.jabber.org/streams'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>";

/// The randomness a test's links get: token `0707070707070707`, resource `wschat-070707070707`.
pub(super) const SEED: [u8; SEED_BYTES] = [7; SEED_BYTES];

/// A format seeded as the session seeds it.
pub(super) fn seeded(login: Option<(&str, &str)>) -> XmppState {
    let mut xmpp = XmppState::new(options(login));
    xmpp.seed(&SEED);
    xmpp
}

/// Online, the room's join sent.
fn online(login: Option<(&str, &str)>) -> (XmppState, Vec<String>) {
    let mut xmpp = seeded(login);
    let open = texts(&xmpp.on_open(SUBPROTOCOL, 0.0).replies);
    assert_eq!(open, [r#"<open xmlns="urn:ietf:params:xml:ns:xmpp-framing" to="localhost" version="1.0"/>"#]);
    xmpp.on_frame(
        Frame::Text("<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' from='localhost' id='s1' version='1.0'/>"),
        1.0,
    );
    let auth = texts(&xmpp.on_frame(Frame::Text(FEATURES_AUTH), 1.0).replies);
    let expected = match login {
        Some(_) => r#"<auth xmlns="urn:ietf:params:xml:ns:xmpp-sasl" mechanism="PLAIN">AGFkYQBzZWNyZXQ=</auth>"#,
        None => r#"<auth xmlns="urn:ietf:params:xml:ns:xmpp-sasl" mechanism="ANONYMOUS">=</auth>"#,
    };
    assert_eq!(auth, [expected]);
    assert_eq!(
        texts(&xmpp.on_frame(Frame::Text("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"), 2.0).replies),
        open
    );
    let bind = texts(&xmpp.on_frame(Frame::Text(FEATURES_BIND), 2.0).replies);
    assert!(bind[0].contains("<resource>wschat-070707070707</resource>"), "{bind:?}");
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
    assert!(sent[1].contains(r#"to="ada@localhost""#) && sent[1].contains("disco#info"), "the account's archive asked about");
    assert_eq!(
        sent[2],
        r#"<presence xmlns="jabber:client" to="lobby@conference.localhost/ada"><x xmlns="http://jabber.org/protocol/muc"/></presence>"#
    );
    let (_, anonymous) = online(None);
    assert_eq!(anonymous.len(), 3);
}

#[test]
fn a_refused_login_and_no_mechanism_are_said() {
    let mut xmpp = seeded(Some(("ada", "wrong")));
    xmpp.on_open(SUBPROTOCOL, 0.0);
    xmpp.on_frame(Frame::Text(FEATURES_AUTH), 1.0);
    let failed = xmpp
        .on_frame(Frame::Text("<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/></failure>"), 2.0);
    assert!(
        matches!(&failed.events[..], [ChatEvent::LoginEnded(why)] if why.contains("refused the login as ada (not-authorized)"))
    );
    let mut only_scram = XmppState::new(options(None));
    only_scram.on_open(SUBPROTOCOL, 0.0);
    let features = FEATURES_AUTH
        .replace("<mechanism>PLAIN</mechanism><mechanism>ANONYMOUS</mechanism>", "<mechanism>SCRAM-SHA-1</mechanism>");
    let refused = only_scram.on_frame(Frame::Text(&features), 1.0);
    assert!(
        matches!(&refused.events[..], [ChatEvent::Refused(why)] if why.contains("SCRAM-SHA-1") && why.contains("give a login"))
    );
}

#[test]
fn rooms_presence_history_messages_and_reflections() {
    let (mut xmpp, _) = online(None);
    let room = Target::channel("lobby@conference.localhost");
    let bob = xmpp.on_frame(Frame::Text("<presence from='lobby@conference.localhost/bob'><x xmlns='http://jabber.org/protocol/muc#user'><item role='participant'/></x></presence>"), 4.0);
    assert!(
        matches!(&bob.events[..], [ChatEvent::In { to, event }] if *to == room && matches!(**event, ChatEvent::Joined { ref nick, .. } if nick == "bob"))
    );
    let ours = xmpp.on_frame(Frame::Text("<presence from='lobby@conference.localhost/ada'><x xmlns='http://jabber.org/protocol/muc#user'><status code='110'/></x></presence>"), 5.0);
    assert_eq!(ours.events[0], room.event(ChatEvent::Entered));
    let history = xmpp.on_frame(Frame::Text("<message from='lobby@conference.localhost/bob' type='groupchat' id='x1'><body>earlier</body><delay xmlns='urn:xmpp:delay' stamp='2023-11-14T22:13:20Z'/><stanza-id xmlns='urn:xmpp:sid:0' by='lobby@conference.localhost' id='sid-1'/></message>"), 6.0);
    assert_eq!(
        history.events,
        vec![room.event(ChatEvent::History {
            nick: "bob".into(),
            text: "earlier".into(),
            time_ms: Some(1.7e12),
            msgid: Some("sid-1".into())
        })]
    );
    // Without the room's archive id, the sender's own id, named by the sender.
    let own_id = xmpp.on_frame(Frame::Text("<message from='lobby@conference.localhost/bob' type='groupchat' id='x2'><body>older</body><delay xmlns='urn:xmpp:delay' stamp='2023-11-14T22:13:20Z'/><stanza-id xmlns='urn:xmpp:sid:0' by='bob@localhost' id='sid-1'/></message>"), 6.0);
    assert!(
        matches!(&own_id.events[..], [ChatEvent::In { event, .. }] if matches!(&**event, ChatEvent::History { msgid: Some(id), .. } if id == "lobby@conference.localhost/bob x2"))
    );
    let sent =
        xmpp.encode(Action::Message { to: &room, nick: "ada", text: "hi <all>", id: 9 }).map(|d| texts(&d.replies));
    assert_eq!(
        sent,
        Some(vec![r#"<message xmlns="jabber:client" to="lobby@conference.localhost" type="groupchat" id="wschat-0707070707070707-9"><body>hi &lt;all&gt;</body></message>"#.to_string()])
    );
    let reflected = xmpp.on_frame(Frame::Text("<message from='lobby@conference.localhost/ada' type='groupchat' id='wschat-0707070707070707-9'><body>hi &lt;all&gt;</body></message>"), 7.0);
    assert_eq!(reflected.events[0], ChatEvent::Delivered(9));
    let private = xmpp
        .on_frame(Frame::Text("<message from='carol@localhost/phone' type='chat'><body>psst</body></message>"), 8.0);
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
    let ping =
        xmpp.on_frame(Frame::Text("<iq from='localhost' type='get' id='p1'><ping xmlns='urn:xmpp:ping'/></iq>"), 10.0);
    assert_eq!(texts(&ping.replies), [r#"<iq xmlns="jabber:client" id="p1" to="localhost" type="result"/>"#]);
    let probe = xmpp.on_wake(10.0 + PING_AFTER_MS);
    assert!(texts(&probe.replies)[0].contains("urn:xmpp:ping"));
    assert!(matches!(&xmpp.on_wake(10.0 + PING_AFTER_MS * 2.0).events[..], [ChatEvent::LinkDead(_)]));
    // Not XML: said, not a panic.
    assert!(matches!(&xmpp.on_frame(Frame::Text("<a><b></a>"), 11.0).events[..], [ChatEvent::Raw { .. }]));
}

#[test]
fn the_domain_and_rooms_come_from_the_settings() {
    let base = FormatSettings { channel: "#chat".into(), ..FormatSettings::default() };
    let with = |url: &str, login: &str| {
        XmppOptions::from_settings(&FormatSettings { url: url.into(), login: login.into(), ..base.clone() })
    };
    assert_eq!(with("ws://localhost:5280/xmpp-websocket", "").domain, "localhost");
    assert_eq!(with("wss://chat.example.org/ws", "ada@example.org").domain, "example.org");
    assert_eq!(with("wss://chat.example.org/ws", "ada@example.org").login.map(|l| l.0), Some("ada".into()));
    assert_eq!(validate_rooms(" Lobby@Conf.example , lobby@conf.example"), Ok("lobby@conf.example".into()));
    assert!(validate_rooms("lobby").is_err() && validate_rooms("a@b/c").is_err());
}

#[test]
fn scram_sha_1_where_offered_with_the_server_proving_itself() {
    let mut xmpp = seeded(Some(("user", "pencil")));
    xmpp.on_open(SUBPROTOCOL, 0.0);
    let features = FEATURES_AUTH
        .replace("<mechanism>PLAIN</mechanism>", "<mechanism>SCRAM-SHA-1</mechanism><mechanism>PLAIN</mechanism>");
    let auth = xmpp.on_frame(Frame::Text(&features), 1.0).replies;
    let first_sent = texts(&auth);
    let auth = first_sent.clone();
    assert!(auth[0].contains("mechanism=\"SCRAM-SHA-1\""), "{auth:?}");
    // The client nonce is ours: answer with a server-first that extends it.
    let first = auth[0].split('>').nth(1).and_then(|t| t.split('<').next()).unwrap_or_default();
    let first = String::from_utf8(crate::protocol::base64_decode(first).unwrap_or_default()).unwrap_or_default();
    let nonce = first.rsplit("r=").next().unwrap_or_default().to_string();
    let server_first = format!("r={nonce}srv,s=QSXCR+Q6sek8bf92,i=4096");
    let challenge =
        format!("<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>{}</challenge>", base64(server_first.as_bytes()));
    let response_frames = xmpp.on_frame(Frame::Text(&challenge), 2.0).replies;
    let response = texts(&response_frames);
    assert!(response[0].starts_with("<response"), "{response:?}");
    // The nonce is the browser's randomness, not a function of the password.
    assert_eq!(nonce, base64(&SEED[..18]));
    // The proof is a secret to mask; a second challenge runs no second PBKDF2.
    let masked = crate::inspector::mask_secrets(&response_frames[0], &xmpp.secret_spans(&response_frames[0]));
    assert_eq!(
        masked,
        OutFrame::Text(r#"<response xmlns="urn:ietf:params:xml:ns:xmpp-sasl">********</response>"#.into())
    );
    let again = xmpp.on_frame(Frame::Text(&challenge), 2.5);
    assert!(
        again.replies.is_empty()
            && matches!(&again.events[..], [ChatEvent::Refused(why)] if why.contains("second challenge"))
    );
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
    assert_eq!(
        xmpp.private_name("bob", &Target { kind: TargetKind::Server, name: "localhost".into() }),
        "bob@localhost"
    );
    assert_eq!(xmpp.private_name("carol@example.org", &room), "carol@example.org");
    let whispered = xmpp.on_frame(Frame::Text("<message from='lobby@conference.localhost/bob' type='chat'><body>psst</body><x xmlns='http://jabber.org/protocol/muc#user'/></message>"), 5.0);
    assert!(
        matches!(&whispered.events[..], [ChatEvent::In { to, event }] if *to == Target::private("lobby@conference.localhost/bob")
            && matches!(**event, ChatEvent::Message { nick: Some(ref n), .. } if n == "bob")),
        "{whispered:?}"
    );
}

#[test]
fn plain_passwords_are_masked_and_scram_is_not_given_up_for_plain() {
    let mut xmpp = seeded(Some(("ada", "secret")));
    xmpp.on_open(SUBPROTOCOL, 0.0);
    let auth = xmpp.on_frame(Frame::Text(FEATURES_AUTH), 1.0).replies;
    let masked = crate::inspector::mask_secrets(&auth[0], &xmpp.secret_spans(&auth[0]));
    assert_eq!(
        masked,
        OutFrame::Text(r#"<auth xmlns="urn:ietf:params:xml:ns:xmpp-sasl" mechanism="PLAIN">********</auth>"#.into())
    );
    // A server that offered SCRAM once and offers only PLAIN on a later link is not given the password.
    let mut xmpp = seeded(Some(("ada", "secret")));
    xmpp.on_open(SUBPROTOCOL, 0.0);
    let with_scram = FEATURES_AUTH
        .replace("<mechanism>PLAIN</mechanism>", "<mechanism>SCRAM-SHA-1</mechanism><mechanism>PLAIN</mechanism>");
    assert!(texts(&xmpp.on_frame(Frame::Text(&with_scram), 1.0).replies)[0].contains("SCRAM-SHA-1"));
    xmpp.seed(&[9; SEED_BYTES]);
    xmpp.on_open(SUBPROTOCOL, 2.0);
    let downgraded = xmpp.on_frame(Frame::Text(FEATURES_AUTH), 3.0);
    assert!(downgraded.replies.is_empty(), "{downgraded:?}");
    assert!(matches!(&downgraded.events[..], [ChatEvent::LoginEnded(why)] if why.contains("SCRAM-SHA-1 before")));
}

#[test]
fn only_who_may_speak_is_believed() {
    let (mut xmpp, _) = online(None);
    let room = Target::channel("lobby@conference.localhost");
    xmpp.on_frame(Frame::Text("<presence from='lobby@conference.localhost/ada'><x xmlns='http://jabber.org/protocol/muc#user'><status code='110'/></x></presence>"), 4.0);
    let carol = Target::private("carol@localhost");
    xmpp.encode(Action::Message { to: &carol, nick: "ada", text: "psst", id: 5 });
    xmpp.encode(Action::Message { to: &room, nick: "ada", text: "hi", id: 6 });
    let id = |n: u64| format!("wschat-0707070707070707-{n}");
    // A receipt from anyone but carol confirms nothing; nor does a reflection of a private message.
    let spoofed =
        format!("<message from='mallory@localhost/x'><received xmlns='urn:xmpp:receipts' id='{}'/></message>", id(5));
    assert_eq!(xmpp.on_frame(Frame::Text(&spoofed), 5.0).events, vec![]);
    let through_room = format!(
        "<message from='lobby@conference.localhost/ada' type='groupchat' id='{}'><body>psst</body></message>",
        id(5)
    );
    assert!(!xmpp.on_frame(Frame::Text(&through_room), 5.0).events.contains(&ChatEvent::Delivered(5)));
    // A room's reflection comes from the room itself, with our nick; a receipt for it from a
    // member does not count.
    let by_member = format!(
        "<message from='lobby@conference.localhost/bob'><received xmlns='urn:xmpp:receipts' id='{}'/></message>",
        id(6)
    );
    assert_eq!(xmpp.on_frame(Frame::Text(&by_member), 5.0).events, vec![]);
    let old_token =
        "<message from='carol@localhost/phone'><received xmlns='urn:xmpp:receipts' id='wschat-5'/></message>";
    assert_eq!(
        xmpp.on_frame(Frame::Text(old_token), 5.0).events,
        vec![],
        "an id without this page's token is not ours"
    );
    let real =
        format!("<message from='carol@localhost/phone'><received xmlns='urn:xmpp:receipts' id='{}'/></message>", id(5));
    assert_eq!(xmpp.on_frame(Frame::Text(&real), 6.0).events, vec![ChatEvent::Delivered(5)]);
    // Rooms appear only when we join them: neither a presence with status 110 nor a groupchat
    // from a room we never asked for opens one.
    let fake_room = "<presence from='fake@conference.localhost/ada'><x xmlns='http://jabber.org/protocol/muc#user'><status code='110'/></x></presence>";
    assert_eq!(xmpp.on_frame(Frame::Text(fake_room), 7.0).events, vec![]);
    let fake_channel = "<message from='mallory@localhost' type='groupchat'><body>hello</body></message>";
    assert_eq!(xmpp.on_frame(Frame::Text(fake_channel), 7.0).events, vec![]);
    let fake_topic = "<message from='fake@conference.localhost' type='groupchat'><subject>hi</subject></message>";
    assert_eq!(xmpp.on_frame(Frame::Text(fake_topic), 7.0).events, vec![]);
    // Receipts go to those we talk with, not to strangers.
    let stranger = "<message from='mallory@localhost/x' type='chat' id='m1'><body>are you there?</body><request xmlns='urn:xmpp:receipts'/></message>";
    let answered = xmpp.on_frame(Frame::Text(stranger), 8.0);
    assert!(answered.replies.is_empty() && answered.events.len() == 1, "{answered:?}");
    let friend = "<message from='carol@localhost/phone' type='chat' id='c1'><body>there?</body><request xmlns='urn:xmpp:receipts'/></message>";
    assert_eq!(xmpp.on_frame(Frame::Text(friend), 8.0).replies.len(), 1);
}

#[test]
fn ids_resource_and_nonce_come_from_the_seed() {
    let mut xmpp = seeded(None);
    let room = Target::channel("lobby@conference.localhost");
    let first = xmpp.encode(Action::Message { to: &room, nick: "ada", text: "a", id: 1 }).map(|d| texts(&d.replies));
    assert!(first.is_some_and(|f| f[0].contains("id=\"wschat-0707070707070707-1\"")));
    // The next link's ids are new; the resource stays, for a stream to resume.
    xmpp.seed(&[0xab; SEED_BYTES]);
    let second = xmpp.encode(Action::Message { to: &room, nick: "ada", text: "b", id: 2 }).map(|d| texts(&d.replies));
    assert!(second.is_some_and(|f| f[0].contains("id=\"wschat-abababababababab-2\"")));
    assert_eq!(xmpp.resource, "wschat-070707070707");
    assert_eq!(
        xmpp.own_message_id("wschat-0707070707070707-1"),
        Some(1),
        "a reflection after a reconnect is still ours"
    );
    assert_eq!(xmpp.own_message_id("wschat-0707070707070708-1"), None);
}

#[test]
fn a_conflict_is_said_and_not_fought() {
    let (mut xmpp, _) = online(None);
    let error = "<stream:error xmlns:stream='http://etherx.jabber.org/streams'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/><text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>Replaced by new connection</text></stream:error>";
    let ended = xmpp.on_frame(Frame::Text(error), 5.0);
    assert!(
        matches!(&ended.events[..], [ChatEvent::LoginEnded(why)] if why.contains("signed in elsewhere") && why.contains("Replaced by new connection")),
        "{ended:?}"
    );
    let other = xmpp.on_frame(Frame::Text("<stream:error xmlns:stream='http://etherx.jabber.org/streams'><system-shutdown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>"), 6.0);
    assert!(matches!(&other.events[..], [ChatEvent::LinkDead(why)] if why.contains("system-shutdown")), "{other:?}");
}
