//! How own messages are confirmed, natively: by echo (whole, in pieces, under the nick the
//! server gave), by acknowledgement or label, and not by lines that only look like them.

use super::super::*;
use crate::chat::tests::{kinds, outbox_texts, send_all, status};

#[test]
fn own_message_moves_pending_sent_delivered() {
    let mut log = ChatLog::new(10);
    let id = log.push_own("me", "hello", 0.0);
    assert_eq!(log.get(id).and_then(|e| e.status), Some(OwnStatus::Pending));
    let item = log.take_next_outgoing().expect("queued");
    assert_eq!((item.id, item.nick.as_str(), item.text.as_str(), item.attempts), (id, "me", "hello", 0));
    log.mark_sent(item);
    assert_eq!(log.get(id).and_then(|e| e.status), Some(OwnStatus::Sent));
    assert_eq!(log.receive_message(Some("me"), "hello", 1.0), id);
    assert_eq!(log.get(id).and_then(|e| e.status), Some(OwnStatus::Delivered));
    // The echo confirmed the message instead of showing it twice.
    assert_eq!(kinds(&log), vec![EntryKind::Own]);
    assert_eq!(log.total_received(), 1);
}

#[test]
fn echo_confirms_the_oldest_matching_message() {
    let mut log = ChatLog::new(10);
    let a = log.push_own("me", "same", 0.0);
    let b = log.push_own("me", "same", 0.0);
    while let Some(item) = log.take_next_outgoing() {
        log.mark_sent(item);
    }
    log.receive_message(Some("me"), "same", 1.0);
    assert_eq!(log.get(a).and_then(|e| e.status), Some(OwnStatus::Delivered));
    assert_eq!(log.get(b).and_then(|e| e.status), Some(OwnStatus::Sent));
}

#[test]
fn an_echo_under_the_nick_the_server_assigned_confirms_too() {
    let mut log = ChatLog::new(10);
    let id = log.push_own("ada", "typed before registering", 0.0);
    while let Some(item) = log.take_next_outgoing() {
        log.mark_sent(item);
    }
    log.set_own_nick("ada_1");
    log.receive_message(Some("ada_1"), "typed before registering", 1.0);
    assert_eq!(log.get(id).and_then(|e| e.status), Some(OwnStatus::Delivered));
    assert_eq!(log.entries().len(), 1, "no second entry for the echo");
}

#[test]
fn a_message_echoed_in_pieces_is_confirmed_by_the_last() {
    let mut log = ChatLog::new(10);
    let long = "x".repeat(500);
    let text = format!("first line\r\n\nsecond\n{long}");
    let id = log.push_own("me", &text, 0.0);
    let short = log.push_own("me", "short one", 0.0);
    while let Some(item) = log.take_next_outgoing() {
        log.mark_sent(item);
    }
    // As IRC sends it: one PRIVMSG per line, blank lines left out, long lines cut.
    for piece in ["first line", "second", &long[..400], &long[400..]] {
        assert_eq!(log.get(id).and_then(|e| e.status), Some(OwnStatus::Sent), "not before the last piece");
        log.receive_message(Some("me"), piece, 1.0);
    }
    assert_eq!(log.get(id).and_then(|e| e.status), Some(OwnStatus::Delivered));
    assert_eq!(log.entries().len(), 2, "the pieces make no entries");
    // A short message is never taken for a piece of another.
    log.receive_message(Some("me"), "short", 2.0);
    assert_eq!(log.get(short).and_then(|e| e.status), Some(OwnStatus::Sent));
    assert_eq!(log.entries().len(), 3);
}

#[test]
fn messages_from_others_and_unsent_text_are_not_echoes() {
    let mut log = ChatLog::new(10);
    log.push_own("me", "hi", 0.0);
    log.receive_message(Some("me"), "hi", 1.0); // not sent yet: someone else with our nick
    log.receive_message(Some("you"), "hi", 1.0);
    log.receive_message(None, "hi", 1.0);
    assert_eq!(kinds(&log), vec![EntryKind::Own, EntryKind::Chat, EntryKind::Chat, EntryKind::Chat]);
}

#[test]
fn a_later_line_that_reads_like_nick_and_text_still_confirms() {
    let mut log = ChatLog::new(10);
    log.set_own_nick("ada");
    let id = log.push_own("ada", "first line\nerror: second line", 0.0);
    send_all(&mut log);
    // The plain-text format reads the echoed frame as two messages, the second by "error".
    log.receive_message(Some("ada"), "first line", 0.0);
    log.receive_message(Some("error"), "second line", 0.0);
    assert_eq!(status(&log, id), Some(OwnStatus::Delivered));
    assert_eq!(log.entries().count(), 1, "the pieces make no entries");
    log.link_lost(5);
    assert!(log.take_next_outgoing().is_none(), "never sent again");
}

#[test]
fn an_unmatched_echo_under_our_nick_is_not_answered_by_a_resend() {
    let mut log = ChatLog::new(10);
    log.set_own_nick("me");
    log.set_confirms(true);
    let rewritten = log.push_own("me", "hello  world", 0.0);
    let lost = log.push_own("me", "second", 0.0);
    send_all(&mut log);
    log.receive_message(Some("me"), "hello world", 0.0); // the server squeezed the spaces
    log.link_lost(5);
    assert_eq!(status(&log, rewritten), Some(OwnStatus::Sent), "its echo came back, rewritten");
    assert_eq!(status(&log, lost), Some(OwnStatus::Pending), "nothing came back for this one");
    assert_eq!(outbox_texts(&log), vec!["second"]);
}

#[test]
fn an_echo_after_the_acknowledgement_makes_no_second_entry() {
    let mut log = ChatLog::new(10);
    log.set_own_nick("me");
    let id = log.push_own("me", "hello", 0.0);
    send_all(&mut log);
    log.confirm_by_id(id);
    assert_eq!(log.receive_message(Some("me"), "hello", 0.0), id);
    assert_eq!(log.entries().count(), 1, "the echo is the same message");
    log.receive_message(Some("me"), "hello", 0.0);
    assert_eq!(log.entries().count(), 2, "a second one is someone's (another page's) own");
}

#[test]
fn an_acknowledgement_by_id_confirms_that_message() {
    let mut log = ChatLog::new(10);
    let first = log.push_own("me", "one", 0.0);
    let second = log.push_own("me", "two", 0.0);
    send_all(&mut log);
    log.confirm_by_id(second);
    log.confirm_by_id(999);
    assert_eq!(status(&log, second), Some(OwnStatus::Delivered));
    assert_eq!(status(&log, first), Some(OwnStatus::Sent), "arrived before it, unconfirmed");
    assert!(log.confirms());
    log.link_lost(5);
    assert!(log.take_next_outgoing().is_none());
}

#[test]
fn a_later_confirmation_means_the_earlier_messages_arrived() {
    let mut log = ChatLog::new(10);
    log.set_confirms(true);
    let trimmed = log.push_own("me", "trailing space ", 0.0);
    let plain = log.push_own("me", "plain", 0.0);
    send_all(&mut log);
    log.receive_message(Some("me"), "trailing space", 0.0); // rewritten by the server
    log.receive_message(Some("me"), "plain", 0.0);
    assert_eq!(status(&log, plain), Some(OwnStatus::Delivered));
    assert_eq!(status(&log, trimmed), Some(OwnStatus::Sent), "handed over, not confirmed");
    log.link_lost(5);
    assert!(log.take_next_outgoing().is_none(), "neither is sent again");
    assert!(log.unsent().is_empty());
}

#[test]
fn a_labeled_echo_confirms_by_id_and_a_later_plain_echo_makes_no_entry() {
    let mut log = ChatLog::new(10);
    let id = log.push_own("ada", "hi", 0.0);
    let item = log.take_next_outgoing().expect("queued");
    log.mark_sent(item);
    // IRC's labeled response (an ACK or the labeled echo) names the message.
    log.confirm_by_id(id);
    assert_eq!(log.get(id).and_then(|e| e.status), Some(OwnStatus::Delivered));
    // A server that also echoes it unlabeled: absorbed, not a second entry.
    assert_eq!(log.receive_message(Some("ada"), "hi", 1.0), id);
    assert_eq!(kinds(&log), vec![EntryKind::Own]);
}

#[test]
fn an_own_message_sent_late_matches_its_replay_by_the_echo_time() {
    let mut log = ChatLog::new(10);
    // Typed offline, sent a minute later under the nick the server assigned.
    let id = log.push_own("ada", "typed offline", 1_000_000.0);
    let item = log.take_next_outgoing().expect("queued");
    log.mark_sent(item);
    log.set_own_nick("ada_1");
    assert_eq!(log.receive_message(Some("ada_1"), "typed offline", 1_060_500.0), id);
    assert_eq!(log.receive_history("ada_1", "typed offline", 1_060_000.0, None), None);
    assert_eq!(log.entries().len(), 1);
}
