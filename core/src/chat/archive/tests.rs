//! Tests of what a log hands to the store and takes back.

use super::*;

fn texts(entries: &[Entry]) -> Vec<&str> {
    entries.iter().map(|e| &*e.text).collect()
}

fn stored(kind: EntryKind, nick: Option<&str>, text: &str, time_ms: f64) -> Record {
    Record {
        conversation: String::new(),
        time_ms,
        kind,
        nick: nick.map(str::to_string),
        text: text.into(),
        status: (kind == EntryKind::Own).then_some(OwnStatus::Sent),
        msgid: None,
    }
}

/// Sends the oldest outbox message; returns its id.
fn send_next(log: &mut ChatLog) -> u64 {
    let item = log.take_next_outgoing().expect("queued");
    let id = item.id;
    log.mark_sent(item);
    id
}

#[test]
fn each_new_line_is_handed_over_once_in_order() {
    let mut log = ChatLog::new(100);
    assert!(log.take_unarchived().is_empty(), "an empty log has nothing");
    log.push_system("connected", 1.0);
    log.receive_message(Some("bob"), "hi", 2.0);
    log.receive_raw("\u{1}binary", Some("not JSON"), 3.0);
    log.receive_history("carol", "from before", 0.5, Some("m1"));
    assert_eq!(texts(&log.take_unarchived()), ["connected", "hi", "\u{1}binary", "from before"]);
    for _ in 0..3 {
        assert!(log.take_unarchived().is_empty(), "nothing twice");
    }
    log.receive_message(Some("bob"), "again", 4.0);
    log.push_system("bob left", 5.0);
    assert_eq!(texts(&log.take_unarchived()), ["again", "bob left"], "only what is new");
    assert!(log.take_unarchived().is_empty());
}

#[test]
fn raw_entries_make_no_records() {
    let mut log = ChatLog::new(100);
    log.receive_raw("frame", None, 1.0);
    log.receive_cut("start of a huge frame", 1 << 30, 2.0);
    log.receive_message(Some("bob"), "hi", 3.0);
    log.push_system("note", 4.0);
    let taken = log.take_unarchived();
    // The log hands over every new entry; what is kept of them is the record's rule.
    assert_eq!(taken.len(), 4);
    let records: Vec<Record> = taken.iter().filter_map(|e| Record::of_entry("", e)).collect();
    let kept: Vec<(EntryKind, &str)> = records.iter().map(|r| (r.kind, r.text.as_str())).collect();
    assert_eq!(kept, [(EntryKind::Chat, "hi"), (EntryKind::System, "note")]);
    assert!(log.take_unarchived().is_empty(), "nor are raw entries handed over again");
}

#[test]
fn with_a_server_that_confirms_an_own_message_goes_once_delivered() {
    let mut log = ChatLog::new(100);
    log.set_own_nick("ada");
    log.set_confirms(true);
    let id = log.push_own("ada", "hello", 1.0);
    assert_eq!(send_next(&mut log), id);
    // Sent is not the last state here: the echo makes it delivered, and that is stored.
    assert!(log.take_unarchived().is_empty());
    assert_eq!(log.receive_message(Some("ada"), "hello", 2.0), id);
    let taken = log.take_unarchived();
    assert_eq!(texts(&taken), ["hello"]);
    assert_eq!(taken[0].status, Some(OwnStatus::Delivered));
    assert!(log.take_unarchived().is_empty());
}

#[test]
fn an_own_message_waits_for_a_final_state_then_goes_once() {
    let mut log = ChatLog::new(100);
    log.set_own_nick("ada");
    let sent = log.push_own("ada", "sent", 1.0);
    let delivered = log.push_own("ada", "delivered", 2.0);
    let failed = log.push_own("ada", "failed", 3.0);
    let discarded = log.push_own("ada", "discarded", 4.0);
    log.receive_message(Some("bob"), "after", 5.0);
    // Pending: held back, however often asked; what came after is not held with them.
    assert_eq!(texts(&log.take_unarchived()), ["after"]);
    assert!(log.take_unarchived().is_empty());
    assert_eq!(send_next(&mut log), sent);
    assert_eq!(send_next(&mut log), delivered);
    let taken = log.take_unarchived();
    assert_eq!(texts(&taken), ["sent", "delivered"]);
    assert!(taken.iter().all(|e| e.status == Some(OwnStatus::Sent)));
    // A later state of one handed over is not handed over again.
    assert_eq!(log.receive_message(Some("ada"), "sent", 6.0), sent);
    assert_eq!(log.receive_message(Some("ada"), "delivered", 6.0), delivered);
    assert_eq!(log.get(delivered).and_then(|e| e.status), Some(OwnStatus::Delivered));
    assert!(log.take_unarchived().is_empty());
    // Delivered straight from pending (acknowledged while back in the outbox) and failed
    // (refused by the server) are final too.
    log.confirm_by_id(discarded);
    log.discard(discarded);
    assert_eq!(send_next(&mut log), failed);
    assert!(log.refuse_by_id(failed, "too long", 7.0));
    let taken = log.take_unarchived();
    let got: Vec<(&str, Option<OwnStatus>)> = taken.iter().map(|e| (&*e.text, e.status)).collect();
    assert_eq!(got, [("failed", Some(OwnStatus::Failed)), ("too long", None)], "a discarded one never goes");
    log.retry(failed);
    send_next(&mut log);
    log.receive_message(Some("ada"), "failed", 8.0);
    assert!(log.take_unarchived().is_empty(), "a retried one went already");
    // One confirmed between two calls goes, once, in its final state.
    let quick = log.push_own("ada", "quick", 9.0);
    send_next(&mut log);
    log.confirm_by_id(quick);
    let taken = log.take_unarchived();
    assert_eq!(taken.iter().map(|e| (e.id, e.status)).collect::<Vec<_>>(), [(quick, Some(OwnStatus::Delivered))]);
    assert!(log.take_unarchived().is_empty());
}

#[test]
fn own_messages_waiting_are_bounded() {
    let mut log = ChatLog::new(1_000);
    let ids: Vec<u64> = (0..OWN_WAITING + 10).map(|i| log.push_own("ada", &i.to_string(), 0.0)).collect();
    assert!(log.take_unarchived().is_empty());
    assert_eq!(log.own_waiting.len(), OWN_WAITING);
    while log.take_next_outgoing().map(|item| log.mark_sent(item)).is_some() {}
    let taken: Vec<u64> = log.take_unarchived().iter().map(|e| e.id).collect();
    assert_eq!(taken, ids[10..], "the oldest are given up");
}

#[test]
fn restored_lines_are_read_uncounted_and_not_handed_over_again() {
    let mut log = ChatLog::new(100);
    log.receive_raw("live frame", None, 10.0);
    log.take_unarchived();
    assert_eq!((log.unread(), log.total_received(), log.is_reading()), (1, 1, false));
    let records = [
        stored(EntryKind::Chat, Some("bob"), "old chat", 1.0),
        stored(EntryKind::Own, Some("ada"), "old own", 2.0),
        stored(EntryKind::System, None, "old notice", 3.0),
    ];
    let ids: Vec<u64> = records.iter().map(|r| log.restore(r)).collect();
    let shown: Vec<(u64, EntryKind, &str, Option<OwnStatus>)> =
        log.entries().skip(1).map(|e| (e.id, e.kind, &*e.text, e.status)).collect();
    assert_eq!(
        shown,
        [
            (ids[0], EntryKind::Chat, "old chat", None),
            (ids[1], EntryKind::Own, "old own", Some(OwnStatus::Sent)),
            (ids[2], EntryKind::System, "old notice", None),
        ]
    );
    assert_eq!(log.unread(), 1, "not unread, and what was unread still is");
    assert_eq!(log.total_received(), 1, "not counted as received");
    assert!(!log.is_reading(), "the person is not taken to be reading");
    assert!(log.outbox().next().is_none(), "a restored own message is not sent again");
    assert!(log.take_unarchived().is_empty(), "not stored again");
    log.receive_message(Some("bob"), "new", 12.0);
    assert_eq!(texts(&log.take_unarchived()), ["new"]);
    assert_eq!(log.unread(), 2, "a live line after them is unread");
}

#[test]
fn a_replay_of_a_restored_line_is_known() {
    let mut log = ChatLog::new(100);
    let second = 1_700_000_000_000.0;
    log.restore(&stored(EntryKind::Chat, Some("bob"), "stored", second + 640.0));
    log.restore(&stored(EntryKind::Own, Some("ada"), "mine", second + 999.0));
    log.restore(&Record { msgid: Some("m-7".into()), ..stored(EntryKind::Chat, Some("carol"), "tagged", 5.0) });
    // The server's replay, its time cut to the second.
    assert_eq!(log.receive_history("bob", "stored", second, None), None);
    assert_eq!(log.receive_history("ada", "mine", second + 1_000.0, None), None);
    // By msgid whatever the time.
    assert_eq!(log.receive_history("carol", "tagged", 9_000_000.0, Some("m-7")), None);
    assert_eq!(log.entries().len(), 3);
    assert_eq!(log.total_received(), 0);
    // Another line is new.
    assert!(log.receive_history("bob", "stored", second + 5_000.0, None).is_some());
    assert!(log.receive_history("carol", "tagged", 9_000_000.0, Some("m-8")).is_some());
    assert_eq!(texts(&log.take_unarchived()), ["stored", "tagged"]);
}

#[test]
fn lines_gone_before_they_are_taken_are_still_handed_over() {
    let mut log = ChatLog::new(3);
    for i in 0..10 {
        log.receive_message(Some("bob"), &i.to_string(), f64::from(i));
    }
    // A burst past the cap within one frame: the store still gets every line, in order.
    assert_eq!(texts(&log.take_unarchived()), ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
    assert!(log.take_unarchived().is_empty());
    // An own message waiting for its state, gone meanwhile: still the outbox's.
    log.push_own("ada", "gone while pending", 10.0);
    assert!(log.take_unarchived().is_empty());
    for i in 11..14 {
        log.push_system(&i.to_string(), f64::from(i));
    }
    send_next(&mut log);
    assert_eq!(texts(&log.take_unarchived()), ["11", "12", "13"]);
    assert!(log.own_waiting.is_empty(), "nor waited for");
    // More restored than kept, then a cleared log.
    for i in 0..5 {
        log.restore(&stored(EntryKind::Chat, Some("bob"), &format!("r{i}"), f64::from(i)));
    }
    assert!(log.take_unarchived().is_empty());
    log.receive_message(Some("bob"), "x", 20.0);
    log.clear();
    assert!(log.take_unarchived().is_empty());
    log.set_cap(1);
    log.push_system("last", 21.0);
    assert_eq!(texts(&log.take_unarchived()), ["last"]);
}

#[test]
fn live_lines_while_read_back_grow_the_log_by_doubling() {
    let mut log = ChatLog::with_first_id(100, 1_000_000);
    for n in 0..100 {
        log.restore(&stored(EntryKind::Chat, Some("bob"), &format!("line {n}"), f64::from(1_000 + n)));
    }
    let older: Vec<Record> =
        (0..100).map(|n| stored(EntryKind::Chat, Some("bob"), &format!("old {n}"), f64::from(n))).collect();
    assert_eq!(log.restore_older(&older), 100);
    // Each live line moves the bound one further: room must not follow it one line at a time.
    let mut rooms = Vec::new();
    for n in 0..2_000 {
        log.receive_message(Some("carol"), &format!("live {n}"), f64::from(2_000 + n));
        if rooms.last() != Some(&log.entries.capacity()) {
            rooms.push(log.entries.capacity());
        }
    }
    assert_eq!(log.entries().len(), 2_200, "nothing read pushed out");
    assert!(rooms.len() < 10, "the queue was moved {} times", rooms.len());
}

#[test]
fn older_lines_go_before_the_oldest_once_held_beyond_the_cap_while_read() {
    let mut log = ChatLog::with_first_id(5, 1_000);
    log.restore(&stored(EntryKind::Chat, Some("bob"), "line 10", 10.0));
    log.restore(&stored(EntryKind::Chat, Some("bob"), "line 11", 11.0));
    log.take_changes();
    assert!(log.take_unarchived().is_empty());
    // The store answers lines up to the oldest's time: the oldest itself is skipped.
    let older: Vec<Record> =
        (6..=10).map(|n| stored(EntryKind::Chat, Some("bob"), &format!("line {n}"), f64::from(n))).collect();
    assert_eq!(log.restore_older(&older), 4);
    let kept: Vec<(&str, u64)> = log.entries().map(|e| (&*e.text, e.id)).collect();
    assert_eq!(
        kept,
        [("line 6", 996), ("line 7", 997), ("line 8", 998), ("line 9", 999), ("line 10", 1_000), ("line 11", 1_001)]
    );
    assert_eq!(log.take_changes(), [Change::Prepended(4)]);
    assert_eq!(log.unread(), 0, "not unread");
    assert!(log.take_unarchived().is_empty(), "not stored again");
    assert_eq!(log.scrollback(), 1, "one beyond the cap of five, held while read");
    // A new line while the person reads up there pushes out nothing they read.
    log.receive_message(Some("carol"), "live", 12.0);
    assert_eq!(log.entries().next().map(|e| &*e.text), Some("line 6"));
    assert_eq!((log.entries().len(), log.scrollback()), (7, 2));
    // Back at the newest: the cap again, the oldest going.
    log.take_changes();
    log.end_scrollback();
    let kept: Vec<&str> = log.entries().map(|e| &*e.text).collect();
    assert_eq!(kept, ["line 8", "line 9", "line 10", "line 11", "live"]);
    assert_eq!(log.take_changes(), [Change::Removed(996), Change::Removed(997)]);
    assert_eq!(log.scrollback(), 0);
    log.receive_message(Some("carol"), "next", 13.0);
    assert_eq!(log.entries().next().map(|e| &*e.text), Some("line 9"), "the cap holds again");
    // At most SCROLLBACK_MOST beyond the cap.
    let mut log = ChatLog::with_first_id(2, 1 << 30);
    log.restore(&stored(EntryKind::Chat, Some("bob"), "newest", 1e9));
    let many: Vec<Record> =
        (0..SCROLLBACK_MOST + 10).map(|n| stored(EntryKind::Chat, Some("bob"), "old", n as f64)).collect();
    assert_eq!(log.restore_older(&many), SCROLLBACK_MOST + 1);
    assert_eq!(log.room_for_older(), 0);
    assert_eq!(log.restore_older(&older), 0, "full");
    // A burst shares one millisecond: the kept lines of the oldest time are told by count.
    let mut log = ChatLog::with_first_id(100, 1_000);
    let burst: Vec<Record> = (0..10).map(|n| stored(EntryKind::Chat, Some("bob"), &format!("b {n}"), 100.0)).collect();
    for record in &burst[5..] {
        log.restore(record);
    }
    assert_eq!(log.kept_at_earliest_time(), 5);
    assert_eq!(log.restore_older(&burst), 5);
    assert_eq!(
        texts(&log.entries().cloned().collect::<Vec<_>>()),
        (0..10).map(|n| format!("b {n}")).collect::<Vec<_>>()
    );
    // A log whose ids start at 1 has no room below them (a conversation's start halfway).
    let mut log = ChatLog::with_first_id(100, 1);
    log.receive_message(Some("ann"), "live", 20.0);
    assert_eq!(log.restore_older(&older), 0, "no ids below the first: nothing is put");
}

#[test]
fn a_servers_earlier_lines_go_above_without_what_its_replay_showed() {
    let mut log = ChatLog::with_first_id(100, 1_000);
    log.push_system("Joined #past.", 100.0);
    log.receive_history("old", "past 2", 2.0, Some("m2"));
    log.receive_history("old", "past 3", 3.0, Some("m3"));
    assert_eq!(log.earliest_line_time_ms(), Some(2.0), "the replay is older than the join's notice");
    log.take_unarchived();
    let line = |n: u32| PastLine {
        nick: "old".into(),
        text: format!("past {n}"),
        time_ms: f64::from(n),
        msgid: Some(format!("m{n}")),
    };
    assert_eq!(log.receive_earlier(&[line(0), line(1), line(2)]), 2, "past 2 is shown already");
    assert_eq!(
        texts(&log.entries().cloned().collect::<Vec<_>>()),
        ["past 0", "past 1", "Joined #past.", "past 2", "past 3"]
    );
    assert_eq!(texts(&log.take_unarchived()), ["past 0", "past 1"], "stored, as the store has none so old");
    assert_eq!(log.receive_earlier(&[line(1)]), 0, "known by its msgid now");
}

#[test]
fn older_means_before_the_earliest_kept_not_the_first() {
    // Own messages are stored as they are confirmed: the second typed can come back first.
    let mut log = ChatLog::with_first_id(100, 1_000);
    for (text, time) in [("full 2", 2.0), ("full 1", 1.0), ("full 3", 3.0)] {
        log.restore(&stored(EntryKind::Own, Some("fay"), text, time));
    }
    assert_eq!((log.oldest_time_ms(), log.earliest_time_ms()), (Some(2.0), Some(1.0)));
    // The store answers up to the earliest time: the line of that time is kept already.
    let answer =
        [stored(EntryKind::Chat, Some("bob"), "before", 0.5), stored(EntryKind::Own, Some("fay"), "full 1", 1.0)];
    assert_eq!(log.restore_older(&answer), 1);
    assert_eq!(texts(&log.entries().cloned().collect::<Vec<_>>()), ["before", "full 2", "full 1", "full 3"]);
}
