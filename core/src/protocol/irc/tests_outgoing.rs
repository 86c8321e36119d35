//! What the client sends, natively: messages cut on lines and characters, framed as the
//! subprotocol wants.

use super::tests::{new_irc, registered, text};
use super::*;
use crate::protocol::WireFormat;

#[test]
fn outgoing_messages_are_split_on_lines_and_characters() {
    let irc = registered(true);
    assert_eq!(text(&irc.encode_message("#chat", "hi")), ["PRIVMSG #chat :hi"]);
    assert_eq!(text(&irc.encode_message("#chat", "/me waves")), ["PRIVMSG #chat :\u{1}ACTION waves\u{1}"]);
    assert_eq!(text(&irc.encode_message("#chat", "one\ntwo")), ["PRIVMSG #chat :one", "PRIVMSG #chat :two"]);
    assert_eq!(
        text(&irc.encode_message("#chat", "one\n\ntwo\n")),
        ["PRIVMSG #chat :one", "PRIVMSG #chat :two"],
        "no empty PRIVMSG"
    );
    assert_eq!(
        text(&irc.encode_message("#chat", "a\rQUIT :bye\r\nb\0c\u{1}VERSION\u{1}")),
        ["PRIVMSG #chat :a", "PRIVMSG #chat :QUIT :bye", "PRIVMSG #chat :bcVERSION"],
        "CR ends a line; NUL and CTCP delimiters are not text"
    );
    assert_eq!(text(&irc.encode_message("#chat", "/me \u{1}x")), ["PRIVMSG #chat :\u{1}ACTION x\u{1}"]);
    let long = "é".repeat(400); // 800 bytes
    let frames = text(&irc.encode_message("#chat", &long));
    assert!(frames.len() >= 2);
    let rebuilt: String = frames.iter().map(|f| f.trim_start_matches("PRIVMSG #chat :")).collect();
    assert_eq!(rebuilt, long, "nothing lost, no character cut");
    assert!(frames.iter().all(|f| f.len() + 2 + 100 <= 512));
}

#[test]
fn binary_subprotocol_sends_bytes() {
    let mut irc = new_irc("ada", "#chat");
    let frames = irc.open(BINARY_SUBPROTOCOL);
    assert!(matches!(&frames[0], OutFrame::Binary(b) if b == b"CAP LS 302"));
}

#[test]
fn without_a_subprotocol_lines_end_in_crlf() {
    let mut irc = new_irc("ada", "#chat");
    assert_eq!(text(&irc.open(""))[0], "CAP LS 302\r\n");
    irc.decode(":srv 001 ada :Welcome\r\n:ada!a@h JOIN #chat\r\n");
    assert!(irc.is_ready(), "several CRLF-terminated lines in one frame");
    assert_eq!(text(&irc.encode_message("#chat", "hi")), ["PRIVMSG #chat :hi\r\n"]);
}

#[test]
fn split_utf8_respects_characters() {
    assert_eq!(split_utf8("abcdef", 4), vec!["abcd", "ef"]);
    assert_eq!(split_utf8("ééé", 5), vec!["éé", "é"]);
    assert_eq!(split_utf8("", 10), vec![""]);
    assert_eq!(split_utf8("😀😀", 5), vec!["😀", "😀"]);
}
