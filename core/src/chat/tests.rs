//! The log's rules, natively.

use super::*;
use crate::history::Record;

pub(super) fn kinds(log: &ChatLog) -> Vec<EntryKind> {
    log.entries().map(|e| e.kind).collect()
}

#[test]
fn requeued_messages_keep_their_order() {
    let mut log = ChatLog::new(10);
    log.push_own("me", "1", 0.0);
    log.push_own("me", "2", 0.0);
    let first = log.take_next_outgoing().expect("first");
    log.requeue_front(first);
    let order: Vec<_> = log.outbox().map(|m| m.text.clone()).collect();
    assert_eq!(order, vec!["1", "2"]);
}

#[test]
fn the_cap_drops_the_oldest_but_counts_everything() {
    let mut log = ChatLog::new(3);
    for i in 0..10 {
        log.receive_message(Some("x"), &i.to_string(), 0.0);
    }
    log.receive_raw("binary frame, 1 byte: 00  |.|", None, 0.0);
    log.push_system("closed", 0.0);
    let texts: Vec<_> = log.entries().map(|e| e.text.to_string()).collect();
    assert_eq!(texts, vec!["9", "binary frame, 1 byte: 00  |.|", "closed"]);
    assert_eq!(log.total_received(), 11);
}

#[test]
fn people_taking_turns_share_their_nicks() {
    let mut log = ChatLog::new(100);
    for (i, nick) in ["ada", "bob", "cy", "ada", "bob", "cy"].into_iter().enumerate() {
        log.receive_message(Some(nick), &format!("line {i}"), i as f64);
    }
    let nicks: Vec<&Arc<str>> = log.entries().filter_map(|e| e.nick.as_ref()).collect();
    assert_eq!(nicks.len(), 6);
    for (first, again) in nicks[..3].iter().zip(&nicks[3..]) {
        assert!(Arc::ptr_eq(first, again), "{first} is kept twice");
    }
    // Lines read back from the store share theirs too.
    let mut restored = ChatLog::with_first_id(100, 1_000);
    let records: Vec<crate::history::Record> = (0..4)
        .map(|i| crate::history::Record {
            conversation: String::new(),
            time_ms: f64::from(i),
            kind: EntryKind::Chat,
            nick: Some(if i % 2 == 0 { "ada" } else { "bob" }.to_string()),
            text: format!("old {i}"),
            status: None,
            msgid: None,
        })
        .collect();
    restored.receive_message(Some("cy"), "now", 10.0);
    assert_eq!(restored.restore_older(&records), 4);
    let nicks: Vec<&Arc<str>> = restored.entries().filter_map(|e| e.nick.as_ref()).collect();
    assert!(Arc::ptr_eq(nicks[0], nicks[2]) && Arc::ptr_eq(nicks[1], nicks[3]));
}

#[test]
fn an_outbox_message_survives_leaving_the_view() {
    let mut log = ChatLog::new(1);
    log.push_own("me", "keep me", 0.0);
    log.push_system("noise", 0.0);
    assert_eq!(log.outbox().count(), 1);
    let item = log.take_next_outgoing().expect("still queued");
    log.mark_sent(item); // its entry is gone; this must not panic
}

pub(super) fn send_all(log: &mut ChatLog) {
    while let Some(item) = log.take_next_outgoing() {
        log.mark_sent(item);
    }
}

pub(super) fn status(log: &ChatLog, id: u64) -> Option<OwnStatus> {
    log.get(id).and_then(|e| e.status)
}

#[test]
fn unconfirmed_messages_return_to_pending_when_the_link_drops() {
    let mut log = ChatLog::new(10);
    let first = log.push_own("me", "first", 0.0);
    send_all(&mut log);
    log.receive_message(Some("me"), "first", 0.0); // this server echoes
    let a = log.push_own("me", "a", 0.0);
    let b = log.push_own("me", "b", 0.0);
    send_all(&mut log);
    let c = log.push_own("me", "c", 0.0); // typed after, still pending
    log.link_lost(3);
    assert_eq!(status(&log, first), Some(OwnStatus::Delivered));
    assert_eq!([status(&log, a), status(&log, b), status(&log, c)], [Some(OwnStatus::Pending); 3]);
    let order: Vec<_> = log.outbox().map(|m| m.text.as_str()).collect();
    assert_eq!(order, vec!["a", "b", "c"], "order is kept: resent ones first");
}

#[test]
fn without_echoes_sent_stays_sent() {
    let mut log = ChatLog::new(10);
    let a = log.push_own("me", "a", 0.0);
    send_all(&mut log);
    log.link_lost(3);
    assert_eq!(status(&log, a), Some(OwnStatus::Sent));
    assert_eq!(log.outbox().count(), 0, "never resent to a server that does not echo");
}

#[test]
fn too_many_attempts_fail_then_retry_or_discard() {
    let mut log = ChatLog::new(10);
    let e = log.push_own("me", "echoed", 0.0);
    send_all(&mut log);
    log.receive_message(Some("me"), "echoed", 0.0);
    let a = log.push_own("me", "a", 0.0);
    for _ in 0..2 {
        send_all(&mut log);
        log.link_lost(2);
    }
    assert_eq!(status(&log, a), Some(OwnStatus::Failed));
    assert_eq!(log.outbox().count(), 0);
    log.retry(a);
    assert_eq!(status(&log, a), Some(OwnStatus::Pending));
    assert_eq!(log.outbox().map(|m| m.attempts).collect::<Vec<_>>(), vec![0]);
    log.discard(a);
    assert!(log.get(a).is_none());
    assert_eq!(log.outbox().count(), 0);
    assert!(log.get(e).is_some());
}

#[test]
fn a_smaller_cap_lets_the_oldest_go_at_once() {
    let mut log = ChatLog::new(10);
    for i in 0..8 {
        log.receive_message(Some("x"), &i.to_string(), 0.0);
    }
    log.take_changes();
    log.set_cap(3);
    assert_eq!(log.entries().map(|e| e.text.to_string()).collect::<Vec<_>>(), ["5", "6", "7"]);
    assert_eq!(log.take_changes().len(), 5, "five removals journaled");
    log.receive_message(Some("x"), "8", 0.0);
    assert_eq!(log.entries().count(), 3);
    log.set_cap(0);
    assert_eq!((log.cap(), log.entries().count()), (1, 1));
}

fn stored(server: &str, text: &str, time_ms: f64) -> PersistedMessage {
    PersistedMessage {
        server: server.into(),
        conversation: String::new(),
        nick: "me".into(),
        text: text.into(),
        time_ms,
    }
}

pub(super) fn outbox_texts(log: &ChatLog) -> Vec<&str> {
    log.outbox().map(|m| m.text.as_str()).collect()
}

#[test]
fn adopted_messages_join_in_typing_order_and_pending() {
    let mut log = ChatLog::new(10);
    log.set_server("a");
    log.push_system("starting", 0.0);
    log.push_own("me", "three", 3.0);
    log.adopt("page-1", vec![stored("a", "one", 1.0), stored("a", "four", 4.0)]);
    log.adopt("page-2", vec![stored("a", "two", 2.0)]);
    assert_eq!(outbox_texts(&log), vec!["one", "two", "three", "four"]);
    assert_eq!(log.unsent().len(), 4);
    assert!(log.entries().filter(|e| e.kind == EntryKind::Own).all(|e| e.status == Some(OwnStatus::Pending)));
    assert!(log.entries().all(|e| e.note.is_none()));
}

#[test]
fn messages_waiting_in_another_page_are_shown_not_sent_until_adopted() {
    let mut log = ChatLog::new(10);
    log.set_server("a");
    log.show_elsewhere("page-1", vec![stored("a", "one", 1.0), stored("a", "two", 2.0)]);
    assert!(log.take_next_outgoing().is_none(), "that page sends them");
    assert!(log.unsent().is_empty(), "nor are they stored as this page's");
    let noted: Vec<_> = log.entries().map(|e| (&*e.text, e.note)).collect();
    assert_eq!(noted, vec![("one", Some(NOTE_IN_ANOTHER_PAGE)), ("two", Some(NOTE_IN_ANOTHER_PAGE))]);
    // That page delivered "one": it is no longer shown here.
    log.show_elsewhere("page-1", vec![stored("a", "two", 2.0)]);
    assert_eq!(log.entries().map(|e| &*e.text).collect::<Vec<_>>(), vec!["two"]);
    let shown = log.entries().next().map(|e| e.id);
    // Then it closed: "two" is this page's now, on the same row.
    log.adopt("page-1", vec![stored("a", "two", 2.0)]);
    assert_eq!(log.entries().map(|e| (e.id, e.note)).collect::<Vec<_>>(), vec![(shown.unwrap_or(0), None)]);
    assert_eq!(log.take_next_outgoing().map(|m| m.text), Some("two".to_string()));
}

#[test]
fn messages_go_only_to_the_server_they_were_typed_for() {
    let mut log = ChatLog::new(10);
    log.set_server("a");
    let for_a = log.push_own("me", "for a", 1.0);
    log.set_server("b");
    assert_eq!(log.get(for_a).and_then(|e| e.note), Some(NOTE_FOR_ANOTHER_SERVER));
    assert_eq!(log.waiting_for_other_servers(), 1);
    log.push_own("me", "for b", 2.0);
    let sent: Vec<_> = std::iter::from_fn(|| log.take_next_outgoing()).map(|m| m.text).collect();
    assert_eq!(sent, vec!["for b"]);
    assert_eq!(
        log.unsent().iter().map(|m| (m.server.as_str(), m.text.as_str())).collect::<Vec<_>>(),
        vec![("a", "for a")]
    );
    log.set_server("a");
    assert_eq!(log.get(for_a).and_then(|e| e.note), None);
    assert_eq!(log.take_next_outgoing().map(|m| m.text), Some("for a".to_string()));
}

#[test]
fn long_texts_are_kept_whole_within_a_budget_then_only_their_start() {
    let mut log = ChatLog::new(100);
    let long = "x".repeat(FULL_TEXT_BUDGET_BYTES / 4);
    let kept: Vec<u64> = (0..4).map(|_| log.receive_message(Some("a"), &long, 0.0)).collect();
    let cut = log.receive_message(Some("a"), &long, 0.0);
    for id in &kept {
        assert_eq!(log.get(*id).map(|e| (e.text.len(), e.cut_from())), Some((long.len(), None)));
    }
    assert_eq!(log.get(cut).map(|e| (e.text.len(), e.cut_from())), Some((DISPLAY_LIMIT_BYTES, Some(long.len()))));
    // Room comes back as entries leave.
    log.set_cap(1);
    let again = log.receive_message(Some("a"), &long, 0.0);
    assert_eq!(log.get(again).and_then(|e| e.cut_from()), None);
}

#[test]
fn changes_are_journaled_for_views() {
    let mut log = ChatLog::new(2);
    let a = log.push_own("me", "a", 0.0);
    let b = log.receive_message(Some("x"), "b", 0.0);
    let c = log.push_system("c", 0.0);
    log.set_status(a, OwnStatus::Sent); // already gone: no change
    assert_eq!(log.take_changes(), vec![Change::Added(a), Change::Added(b), Change::Removed(a), Change::Added(c)]);
    assert_eq!(log.take_changes(), vec![]);
    let d = log.push_own("me", "d", 0.0);
    let item = log.take_next_outgoing().expect("queued");
    log.mark_sent(item);
    log.set_status(d, OwnStatus::Sent); // no change: already sent
    log.discard(d);
    assert_eq!(log.take_changes(), vec![Change::Removed(b), Change::Added(d), Change::Updated(d), Change::Removed(d)]);
    // Nobody looking: the journal starts over past twice the cap.
    for i in 0..100 {
        log.push_system(&i.to_string(), 0.0);
    }
    assert!(log.take_changes().len() <= 5);
    // While a person reads above the newest, 5,000 lines between two looks are followed change
    // by change, whatever the cap (a view that starts over loses their place); past that it
    // starts over.
    log.hold_while_reading();
    for i in 0..5_000 {
        log.push_system(&i.to_string(), 0.0);
    }
    let changes = log.take_changes();
    // Two changes a line, but one for each of the first two, which fill the held room.
    assert_eq!(changes.len(), 9_998);
    assert!(!changes.contains(&Change::Reset));
    for i in 0..5_001 {
        log.push_system(&i.to_string(), 0.0);
    }
    let changes = log.take_changes();
    assert_eq!(changes.first(), Some(&Change::Reset));
    assert!(changes.len() <= 10_000);
}

#[test]
fn the_user_list_follows_presence() {
    let mut log = ChatLog::new(10);
    log.set_users(vec!["bob".into(), "Ada".into(), "bob".into()]);
    log.user_joined("carl");
    log.user_joined("Ada");
    log.user_renamed("bob", "bert");
    log.user_left("carl");
    log.user_renamed("nobody", "x");
    assert_eq!(log.users().iter().map(|u| u.nick.as_str()).collect::<Vec<_>>(), ["Ada", "bert"]);
}

#[test]
fn long_text_is_cut_on_a_character_boundary() {
    let short = "é".repeat(10);
    assert_eq!(display_text(&short), (short.as_str(), false));
    let long = "é".repeat(DISPLAY_LIMIT_BYTES); // 2 bytes each
    let (shown, cut) = display_text(&long);
    assert!(cut);
    assert_eq!(shown.len(), DISPLAY_LIMIT_BYTES);
    let odd = format!("a{}", "é".repeat(DISPLAY_LIMIT_BYTES));
    let (shown, _) = display_text(&odd);
    assert_eq!(shown.len(), DISPLAY_LIMIT_BYTES - 1);
    assert_eq!(human_size(512), "512 B");
    assert_eq!(human_size(1024 * 1024), "1.0 MiB");
    assert_eq!(human_size(65 * 1024), "65.0 KiB");
}

#[test]
fn unread_counts_only_while_away_and_marks_where_reading_stopped() {
    let mut log = ChatLog::new(10);
    log.set_own_nick("ada");
    log.set_reading(true);
    log.receive_message(Some("bob"), "seen", 0.0);
    assert_eq!((log.unread(), log.unread_marker()), (0, None));
    log.set_reading(false);
    log.push_system("connected", 0.0);
    assert_eq!(log.unread(), 0, "system entries are not unread messages");
    let first = log.receive_message(Some("bob"), "one", 0.0);
    log.receive_message(Some("bob"), "hi Ada!", 0.0);
    assert_eq!((log.unread(), log.unread_mentions(), log.unread_marker()), (2, 1, Some(first)));
    assert!(log.entries().last().is_some_and(|e| e.mention));
    log.set_reading(true);
    assert_eq!((log.unread(), log.unread_mentions()), (0, 0));
    assert_eq!(log.unread_marker(), Some(first), "the line stays where the person left off");
    log.set_reading(false);
    let next = log.receive_message(Some("bob"), "later", 0.0);
    assert_eq!(log.unread_marker(), Some(next), "a new absence moves it");
    log.clear_unread_marker();
    assert_eq!(log.unread_marker(), None);
}

#[test]
fn the_unread_marker_outlives_its_line_and_comes_back_with_it_from_the_store() {
    let mut log = ChatLog::new(5);
    log.set_reading(true);
    log.receive_message(Some("bob"), "read", 1.0);
    log.set_reading(false);
    let record = |n: u32| Record {
        conversation: String::new(),
        time_ms: f64::from(n),
        kind: EntryKind::Chat,
        nick: Some("bob".into()),
        text: format!("line {n}"),
        status: None,
        msgid: None,
    };
    for n in 2..12 {
        // A notice the store does not bring back: the lines read back get other ids.
        if n == 4 {
            log.push_system("carol joined", 4.0);
        }
        log.receive_message(Some("bob"), &format!("line {n}"), f64::from(n));
    }
    let oldest = log.entries().next().map(|e| (e.id, e.text.to_string()));
    assert_eq!(oldest.as_ref().map(|o| o.1.as_str()), Some("line 7"));
    assert_eq!(log.unread_marker(), oldest.map(|o| o.0), "the unread lines begin before the oldest kept");
    // Read back from the store: the line the person left off at is above its marker again.
    let older: Vec<Record> = (1..7).map(record).collect();
    assert_eq!(log.restore_older(&older), 6);
    let marked = log.unread_marker().and_then(|id| log.get(id)).map(|e| e.text.to_string());
    assert_eq!(marked.as_deref(), Some("line 2"));
    log.clear();
    log.set_reading(true);
    log.receive_message(Some("bob"), "after the clear", 20.0);
    assert_eq!(log.unread_marker(), None, "a cleared log has no place to go back to");
}

#[test]
fn replayed_history_is_shown_once() {
    let mut log = ChatLog::new(100);
    // Seen live with a precise server time; replayed with the time cut to the second.
    log.receive_message(Some("bob"), "live line", 1_700_000_000_750.0);
    assert_eq!(log.receive_history("bob", "live line", 1_700_000_000_000.0, None), None);
    // Seen live with the client's arrival time, a little after the server's second.
    log.receive_message(Some("bob"), "late line", 1_700_000_002_100.0);
    assert_eq!(log.receive_history("bob", "late line", 1_700_000_001_000.0, None), None);
    // An own message, stamped when typed, just before the server's second.
    let own = log.push_own("ada", "mine", 1_700_000_002_990.0);
    assert_eq!(log.receive_history("ada", "mine", 1_700_000_003_000.0, None), None);
    // New history shows, once, however often it is replayed (on join, after a reconnect).
    let first = log.receive_history("bob", "from before", 1_699_999_000_000.0, None);
    assert!(first.is_some());
    assert_eq!(log.receive_history("bob", "from before", 1_699_999_000_000.0, None), None);
    // By msgid when there is one, whatever the time says.
    assert!(log.receive_history("carol", "tagged", 1_000.0, Some("m1")).is_some());
    assert_eq!(log.receive_history("carol", "tagged", 9_000_000.0, Some("m1")), None);
    // The same words by another nick, or far apart in time, are other messages.
    assert!(log.receive_history("carol", "from before", 1_699_999_000_000.0, None).is_some());
    assert!(log.receive_history("bob", "from before", 1_699_999_005_000.0, None).is_some());
    let texts: Vec<&str> = log.entries().map(|e| &*e.text).collect();
    assert_eq!(texts, ["live line", "late line", "mine", "from before", "tagged", "from before", "from before"]);
    assert_eq!(log.get(own).map(|e| e.kind), Some(EntryKind::Own));
}

#[test]
fn history_is_not_taken_for_an_echo_and_its_index_is_bounded() {
    let mut log = ChatLog::new(3);
    let id = log.push_own("ada", "hi", 0.0);
    let item = log.take_next_outgoing().expect("queued");
    log.mark_sent(item);
    // A replay of an older "hi" by us (its time far from the own message's) is history, and
    // the own message still waits for its confirmation.
    assert!(log.receive_history("ada", "hi", 500_000.0, None).is_some());
    assert_eq!(log.get(id).and_then(|e| e.status), Some(OwnStatus::Sent));
    // Matched against what the log keeps: a line long gone shows again.
    for i in 0..10 {
        log.receive_message(Some("bob"), &format!("line {i}"), 1_000_000.0 + f64::from(i) * 10_000.0);
    }
    assert!(log.receive_history("bob", "line 0", 1_000_000.0, None).is_some());
    assert_eq!(log.receive_history("bob", "line 9", 1_090_000.0, None), None);
}

#[test]
fn a_reader_above_the_newest_keeps_twice_the_cap_until_back_at_the_newest() {
    let texts = |log: &ChatLog| log.entries().map(|e| e.text.to_string()).collect::<Vec<_>>();
    let mut log = ChatLog::new(3);
    for i in 0..3 {
        log.push_system(&format!("old {i}"), 0.0);
    }
    log.hold_while_reading();
    for i in 0..3 {
        log.push_system(&format!("new {i}"), 0.0);
    }
    assert_eq!(texts(&log), ["old 0", "old 1", "old 2", "new 0", "new 1", "new 2"], "nothing pushed out");
    log.push_system("newer", 0.0);
    assert_eq!(texts(&log), ["old 1", "old 2", "new 0", "new 1", "new 2", "newer"], "twice the cap at most");
    log.end_scrollback();
    assert_eq!(texts(&log), ["new 1", "new 2", "newer"], "back at the newest: the cap again");
    log.push_system("newest", 0.0);
    assert_eq!(texts(&log), ["new 2", "newer", "newest"]);
}
