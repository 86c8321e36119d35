//! Registration, natively: CAP negotiation (with cap-notify), SASL PLAIN accepted and refused
//! (its payloads masked as secrets), a taken nick.

use super::register::MAX_NICK_ATTEMPTS;
use super::tests::{new_irc, text};
use super::*;
use crate::protocol::WireFormat;

#[test]
fn registers_negotiates_caps_and_joins() {
    let mut irc = new_irc("ada", "#chat");
    assert_eq!(text(&irc.open(TEXT_SUBPROTOCOL)), ["CAP LS 302", "NICK ada", "USER ada 0 * :ada"]);
    assert_eq!(text(&irc.decode(":srv CAP * LS * :multi-prefix echo-message").1), Vec::<String>::new());
    assert_eq!(text(&irc.decode(":srv CAP * LS :server-time sasl=PLAIN").1), ["CAP REQ :echo-message server-time"]);
    assert_eq!(text(&irc.decode(":srv CAP ada ACK :echo-message server-time").1), ["CAP END"]);
    assert!(irc.echoes());
    assert_eq!(text(&irc.decode(":srv 001 ada :Welcome").1), ["JOIN #chat"]);
    assert!(irc.is_ready(), "registered: private messages may go");
    let (events, _) = irc.decode(":ada!a@h JOIN #chat");
    assert_eq!(events[0], Target::channel("#chat").event(ChatEvent::Entered), "the channel's wait for this");
}

fn sasl_irc(account: &str, password: &str) -> IrcState {
    let sasl = Some(SaslLogin { account: account.into(), password: password.into() });
    let mut irc = IrcState::new(IrcOptions { nick: "ada".into(), channels: vec!["#c".into()], sasl });
    irc.open(TEXT_SUBPROTOCOL);
    irc
}

#[test]
fn logs_in_with_sasl_plain_before_ending_negotiation() {
    let mut irc = sasl_irc("ada", "sesame");
    assert_eq!(
        text(&irc.decode(":srv CAP * LS :server-time sasl=PLAIN,EXTERNAL").1),
        ["CAP REQ :server-time sasl"]
    );
    assert_eq!(text(&irc.decode(":srv CAP * ACK :server-time sasl").1), ["AUTHENTICATE PLAIN"]);
    // base64("ada\0ada\0sesame")
    assert_eq!(text(&irc.decode("AUTHENTICATE +").1), ["AUTHENTICATE YWRhAGFkYQBzZXNhbWU="]);
    let blob = OutFrame::Text("AUTHENTICATE YWRhAGFkYQBzZXNhbWU=".into());
    let masked = crate::inspector::mask_secrets(&blob, &irc.secret_spans(&blob));
    assert_eq!(masked, OutFrame::Text("AUTHENTICATE ********".into()));
    assert_eq!(irc.name_case(), crate::protocol::NameCase::Rfc1459, "IRC's default");
    irc.decode(":srv 005 ada CHANTYPES=# CASEMAPPING=ascii :are supported by this server");
    assert_eq!(irc.name_case(), crate::protocol::NameCase::Ascii);
    let plain = OutFrame::Text("AUTHENTICATE PLAIN".into());
    assert!(irc.secret_spans(&plain).is_empty(), "the mechanism is no secret");
    // A password for a service is one too, with or without a label, in text or binary.
    for (frame, masked_text, masked_binary) in [
        ("PRIVMSG NickServ :IDENTIFY sesame", "PRIVMSG NickServ :IDENTIFY ********", "PRIVMSG NickServ :IDENTIFY ******"),
        (
            "@label=7 PRIVMSG nickserv :id ada sesame\r\n",
            "@label=7 PRIVMSG nickserv :id ********\r\n",
            "@label=7 PRIVMSG nickserv :id **********\r\n",
        ),
        ("PRIVMSG #chan :IDENTIFY x\r\nPRIVMSG X IDENTIFY", "PRIVMSG #chan :IDENTIFY x\r\nPRIVMSG X IDENTIFY", "PRIVMSG #chan :IDENTIFY x\r\nPRIVMSG X IDENTIFY"),
    ] {
        let text = OutFrame::Text(frame.into());
        assert_eq!(crate::inspector::mask_secrets(&text, &irc.secret_spans(&text)), OutFrame::Text(masked_text.into()));
        let binary = OutFrame::Binary(frame.as_bytes().to_vec());
        let masked = crate::inspector::mask_secrets(&binary, &irc.secret_spans(&binary));
        assert_eq!(masked, OutFrame::Binary(masked_binary.as_bytes().to_vec()));
    }
    // Its echo (echo-message) is masked where it is recorded coming in.
    let echo = "@time=x;label=7 :ada!a@h PRIVMSG NickServ :IDENTIFY sesame\r\n:srv NOTICE ada :IDENTIFY sesame";
    let at = echo.find("sesame").unwrap_or_default();
    assert_eq!(irc.received_secret_spans(Frame::Text(echo)), vec![at..at + 6], "the NOTICE is not ours");
    let (events, replies) = irc.decode(":srv 900 ada ada!a@h ada :You are now logged in as ada");
    assert_eq!(events, vec![ChatEvent::System("Logged in as ada.".into())]);
    assert!(replies.is_empty(), "registration waits for 903");
    assert_eq!(text(&irc.decode(":srv 903 ada :SASL authentication successful").1), ["CAP END"]);
}

#[test]
fn a_refused_sasl_login_is_said_and_registration_goes_on() {
    let mut irc = sasl_irc("ada", "wrong");
    irc.decode(":srv CAP * LS :sasl");
    irc.decode(":srv CAP * ACK :sasl");
    irc.decode("AUTHENTICATE +");
    let (events, replies) = irc.decode(":srv 904 ada :SASL authentication failed");
    assert!(matches!(&events[..], [ChatEvent::Refused(why)] if why.contains("refused the login as ada")));
    assert_eq!(text(&replies), ["CAP END"]);
    // Without sasl on offer: said, and nothing asked.
    let mut irc = sasl_irc("ada", "x");
    let (events, replies) = irc.decode(":srv CAP * LS :server-time");
    assert_eq!(text(&replies), ["CAP REQ :server-time"]);
    assert!(matches!(&events[..], [ChatEvent::System(why)] if why.contains("offers no SASL")));
}

#[test]
fn without_caps_it_ends_negotiation() {
    let mut irc = new_irc("ada", "#chat");
    irc.open(TEXT_SUBPROTOCOL);
    assert_eq!(text(&irc.decode(":srv CAP * LS :sasl").1), ["CAP END"]);
    assert!(!irc.echoes());
}

#[test]
fn a_taken_nick_gets_a_suffix() {
    let mut irc = new_irc("ada", "#chat");
    irc.open(TEXT_SUBPROTOCOL);
    assert_eq!(text(&irc.decode(":srv 433 * ada :Nickname is already in use").1), ["NICK ada_1"]);
    assert_eq!(text(&irc.decode(":srv 433 * ada_1 :Nickname is already in use").1), ["NICK ada_2"]);
    for _ in 3..=MAX_NICK_ATTEMPTS {
        assert_eq!(irc.decode(":srv 433 * x :Nickname is already in use").1.len(), 1);
    }
    assert_eq!(irc.decode(":srv 433 * x :Nickname is already in use").1.len(), 0, "no endless retries");
    let mut zoe = new_irc("zoë.9", "#chat");
    assert_eq!(text(&zoe.decode(":srv 432 * zoë.9 :Erroneous nickname").1), ["NICK zo9_1"]);
    let mut digits = new_irc("123", "#chat");
    assert_eq!(text(&digits.decode(":srv 432 * 123 :Erroneous nickname").1), ["NICK guest123_1"]);
    let (events, _) = irc.decode(":srv 001 ada_2 :Welcome");
    assert!(events.contains(&ChatEvent::AssignedNick("ada_2".into())));
    assert_eq!(irc.nick(), "ada_2");
}

#[test]
fn asks_for_the_ircv3_caps_on_offer_and_follows_cap_notify() {
    let mut irc = new_irc("ada", "#chat");
    irc.open(TEXT_SUBPROTOCOL);
    let offer = ":srv CAP * LS :batch cap-notify echo-message labeled-response message-tags server-time sts";
    assert_eq!(
        text(&irc.decode(offer).1),
        ["CAP REQ :echo-message server-time message-tags batch labeled-response cap-notify"]
    );
    let ack = ":srv CAP ada ACK :echo-message server-time message-tags batch labeled-response cap-notify";
    assert_eq!(text(&irc.decode(ack).1), ["CAP END"]);
    assert!(WANTED_CAPS.iter().filter(|c| !c.contains("chathistory")).all(|c| irc.has_cap(c)));
    irc.decode(":srv 001 ada :Welcome");
    // Taken back: forgotten. Offered again: asked for again, with no second CAP END.
    assert!(irc.decode(":srv CAP ada DEL :echo-message batch").1.is_empty());
    assert!(!irc.echoes() && !irc.has_cap("batch") && irc.has_cap("server-time"));
    assert_eq!(text(&irc.decode(":srv CAP ada NEW :echo-message away-notify").1), ["CAP REQ :echo-message"]);
    assert_eq!(text(&irc.decode(":srv CAP ada ACK :echo-message").1), Vec::<String>::new());
    assert!(irc.echoes());
    assert!(irc.decode(":srv CAP ada NEW :echo-message").1.is_empty(), "held already");
    irc.decode(":srv CAP ada ACK :-echo-message");
    assert!(!irc.echoes(), "an ACK of -cap drops it");
}
