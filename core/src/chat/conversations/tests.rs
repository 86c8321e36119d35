//! Routing of events to conversations, what is shown, and the outbox across them.

use super::*;
use crate::chat::{Entry, EntryKind, PersistedMessage};
use crate::history::Record;
use crate::protocol::ChatEvent;

fn server() -> Target {
    Target { kind: TargetKind::Server, name: "irc.example".into() }
}

fn said(nick: &str, text: &str) -> ChatEvent {
    ChatEvent::Message { nick: Some(nick.into()), text: text.into(), time_ms: None, msgid: None }
}

fn texts(conversation: &Conversation) -> Vec<String> {
    conversation.log.entries().map(|e| e.text.to_string()).collect()
}

fn irc_with(channels: &[&str]) -> Conversations {
    irc_with_cap(channels, 100)
}

fn irc_with_cap(channels: &[&str], cap: usize) -> Conversations {
    let mut all = Conversations::new(server(), cap);
    for channel in channels {
        let at = all.open(Target::channel(*channel));
        all.apply(Target::channel(*channel).event(ChatEvent::Entered), 0.0);
        assert!(all.list()[at].joined);
    }
    all
}

#[test]
fn events_go_to_the_conversation_they_name() {
    let mut all = irc_with(&["#a", "#b"]);
    all.apply(Target::channel("#B").event(said("bob", "hi b")), 1.0);
    all.apply(ChatEvent::Notice { text: "motd".into(), time_ms: None }, 2.0);
    assert_eq!(texts(&all.list()[2]), ["hi b"], "names compare without case");
    assert_eq!(texts(all.first()), ["motd"], "the rest is the server's");
    assert!(texts(&all.list()[1]).is_empty());
    // What the connection says is said where the person looks too.
    all.show(1);
    all.apply(ChatEvent::ready(), 2.5);
    assert_eq!(texts(&all.list()[1]), [crate::protocol::READY_TO_CHAT]);
    assert_eq!(texts(all.first()).last().map(String::as_str), Some(crate::protocol::READY_TO_CHAT));
    // Someone writing privately opens a chat; the end of a closed one goes nowhere.
    all.apply(Target::private("carol").event(said("carol", "psst")), 3.0);
    assert_eq!(all.list()[3].target, Target::private("carol"));
    all.apply(Target::channel("#gone").event(ChatEvent::Gone("left".into())), 4.0);
    assert_eq!(all.list().len(), 4);
}

#[test]
fn a_quit_and_a_nick_show_where_that_person_was() {
    let mut all = irc_with(&["#a", "#b", "#c"]);
    all.apply(Target::channel("#a").event(ChatEvent::Users(vec!["@bob".into(), "ada".into()])), 0.0);
    all.apply(
        Target::channel("#b").event(ChatEvent::Joined { nick: "bob".into(), text: "bob joined".into(), time_ms: None }),
        0.0,
    );
    all.apply(Target::private("bob").event(said("bob", "hey")), 0.0);
    all.apply(ChatEvent::Renamed { from: "bob".into(), to: "rob".into(), time_ms: None }, 1.0);
    for at in [1, 2, 4] {
        assert!(texts(&all.list()[at]).contains(&"bob is now known as rob".to_string()), "{at}");
    }
    assert!(texts(&all.list()[3]).is_empty(), "#c never had bob");
    assert_eq!(all.list()[4].target, Target::private("rob"), "the private chat follows the nick");
    assert_eq!(all.list()[1].log.users()[0].nick, "rob");
    assert_eq!(all.list()[1].log.users()[0].prefix(), Some('@'), "standing kept");
    all.apply(ChatEvent::Left { nick: "rob".into(), text: "rob quit".into(), time_ms: None }, 2.0);
    for at in [1, 2, 4] {
        assert_eq!(texts(&all.list()[at]).last().map(String::as_str), Some("rob quit"), "{at}");
    }
    assert!(texts(&all.list()[3]).is_empty());
    assert!(!all.list()[1].log.has_user("rob"));
    // Nobody knows where they were: the server's conversation says it.
    all.apply(ChatEvent::Left { nick: "zed".into(), text: "zed quit".into(), time_ms: None }, 3.0);
    assert_eq!(texts(all.first()).last().map(String::as_str), Some("zed quit"));
}

#[test]
fn modes_keep_prefixes_and_order() {
    let mut all = irc_with(&["#a"]);
    let a = Target::channel("#a");
    all.apply(a.event(ChatEvent::Users(vec!["zoe".into(), "+bob".into(), "@+ada".into(), "carl".into()])), 0.0);
    let listed = |all: &Conversations| -> Vec<String> {
        all.list()[1]
            .log
            .users()
            .iter()
            .map(|u| format!("{}{}", u.prefix().map(String::from).unwrap_or_default(), u.nick))
            .collect()
    };
    assert_eq!(listed(&all), ["@ada", "+bob", "carl", "zoe"]);
    all.apply(a.event(ChatEvent::UserMode { nick: "zoe".into(), prefix: '@', on: true }), 0.0);
    all.apply(a.event(ChatEvent::UserMode { nick: "ada".into(), prefix: '@', on: false }), 0.0);
    assert_eq!(listed(&all), ["@zoe", "+ada", "+bob", "carl"]);
}

#[test]
fn hidden_conversations_count_unread_and_the_shown_one_is_read() {
    let mut all = irc_with(&["#a", "#b"]);
    all.show(1);
    all.set_reading(true);
    all.apply(Target::channel("#a").event(said("bob", "seen")), 0.0);
    all.apply(Target::channel("#b").event(said("bob", "one")), 0.0);
    all.apply(Target::channel("#b").event(said("bob", "ada: two")), 0.0);
    assert_eq!((all.list()[1].log.unread(), all.list()[2].log.unread()), (0, 2));
    assert_eq!(all.list()[2].log.unread_mentions(), 0, "no own nick set yet");
    assert_eq!(all.next_index(1, true), Some(2));
    assert_eq!(all.next_index(-1, false), Some(0), "wraps");
    all.show(2);
    assert_eq!(all.list()[2].log.unread(), 0, "shown while reading: read");
    assert_eq!(all.list()[2].log.clone().take_changes(), vec![crate::chat::Change::Reset], "drawn anew");
    assert_eq!(all.next_index(1, true), None);
    // Closing the shown one shows the one before it.
    all.close(2);
    assert_eq!(all.shown().target, Target::channel("#a"));
    all.close(0);
    assert_eq!(all.list().len(), 2, "the server's stays");
}

#[test]
fn own_messages_belong_to_their_conversation_across_a_reload() {
    let mut all = irc_with(&["#a", "#b"]);
    all.set_server("s1");
    let b = all.find(&Target::channel("#b")).unwrap_or(0);
    let id = all.list.get_mut(b).map(|c| c.log.push_own("ada", "for b", 5.0)).unwrap_or(0);
    let first = all.list.get_mut(1).map(|c| c.log.push_own("ada", "for a", 4.0)).unwrap_or(0);
    assert_ne!(id, first, "ids differ across conversations");
    let unsent = all.unsent();
    let keys: Vec<(&str, &str)> = unsent.iter().map(|m| (m.conversation.as_str(), m.text.as_str())).collect();
    assert_eq!(keys, [("c:#a", "for a"), ("c:#b", "for b")], "oldest first, each with its conversation");
    // A new page: each goes back where it was typed, a conversation opened for it if need be.
    let mut reloaded = Conversations::new(server(), 100);
    reloaded.set_server("s1");
    reloaded.adopt("old-page", unsent);
    assert_eq!(reloaded.list().len(), 3);
    assert_eq!(reloaded.list()[2].target, Target::channel("#b"));
    assert!(!reloaded.list()[2].joined, "waits for the join");
    assert_eq!(reloaded.list()[2].log.outbox().map(|m| m.text.as_str()).collect::<Vec<_>>(), ["for b"]);
    // An acknowledgement finds its message whichever conversation holds it.
    let item = reloaded.list[2].log.take_next_outgoing();
    let sent_id = item.as_ref().map_or(0, |m| m.id);
    if let Some(item) = item {
        reloaded.list[2].log.mark_sent(item);
    }
    reloaded.apply(ChatEvent::Delivered(sent_id), 6.0);
    let status = reloaded.list()[2].log.get(sent_id).and_then(|e| e.status);
    assert_eq!(status, Some(crate::chat::OwnStatus::Delivered));
    // A refusal by id fails the message where it is, in words, to be retried.
    let refused = reloaded.list[2].log.push_own("ada", "too big", 7.0);
    if let Some(item) = reloaded.list[2].log.take_next_outgoing() {
        reloaded.list[2].log.mark_sent(item);
    }
    reloaded.apply(ChatEvent::Undelivered { id: refused, why: "The broker did not take it.".into() }, 8.0);
    let status = reloaded.list()[2].log.get(refused).and_then(|e| e.status);
    assert_eq!(status, Some(crate::chat::OwnStatus::Failed));
    assert!(texts(&reloaded.list()[2]).iter().any(|t| t == "The broker did not take it."));
    reloaded.list[2].log.retry(refused);
    assert_eq!(reloaded.list()[2].log.outbox().map(|m| m.id).collect::<Vec<_>>(), [refused]);
    // Stored before conversations: the first conversation's.
    let mut legacy = Conversations::new(Target::channel("ws.example"), 100);
    legacy.set_server("s1");
    let old = PersistedMessage {
        server: "s1".into(),
        conversation: String::new(),
        nick: "ada".into(),
        text: "old".into(),
        time_ms: 1.0,
    };
    legacy.adopt("old", vec![old]);
    assert_eq!(legacy.first().log.entries().map(|e| e.kind).collect::<Vec<_>>(), [EntryKind::Own]);
}

#[test]
fn a_lost_link_leaves_channels_to_be_joined_again() {
    let mut all = irc_with(&["#a"]);
    all.open(Target::private("bob"));
    all.link_lost(5);
    let joined: Vec<bool> = all.list().iter().map(|c| c.joined).collect();
    assert_eq!(joined, [true, false, true]);
}

#[test]
fn the_first_conversation_is_named_after_the_host() {
    let irc = first_target(ProtocolKind::Irc, "wss://ada:pw@irc.example:8097/ws?x=1");
    assert_eq!(irc, Target { kind: TargetKind::Server, name: "irc.example:8097".into() });
    assert_eq!(first_target(ProtocolKind::Text, "ws://h").kind, TargetKind::Channel);
    assert_eq!(first_target(ProtocolKind::Text, "").name, "server");
}

#[test]
fn names_that_differ_in_case_are_two_conversations_where_the_protocol_says_so() {
    let mut topics = Conversations::new(server(), 100);
    topics.set_name_case(NameCase::Exact);
    let lower = topics.open(Target::channel("chat/lobby"));
    let upper = topics.open(Target::channel("chat/LOBBY"));
    assert_ne!(lower, upper, "MQTT topics differ in case");
    topics.apply(Target::channel("chat/LOBBY").event(said("bob", "loud")), 1.0);
    assert_eq!(texts(&topics.list()[upper]), ["loud"]);
    assert!(texts(&topics.list()[lower]).is_empty());
    let mut rooms = Conversations::new(server(), 100);
    rooms.set_name_case(NameCase::Jid);
    let alice = rooms.open(Target::private("room@conf.example/alice"));
    assert_ne!(rooms.open(Target::private("room@conf.example/ALICE")), alice, "XMPP resources differ in case");
    assert_eq!(rooms.open(Target::private("Room@Conf.example/alice")), alice, "bare JIDs do not");
}

#[test]
fn a_rename_under_irc_case_mapping_renames_the_user_where_they_are() {
    let mut all = irc_with(&["#a", "#b", "#c"]);
    all.set_name_case(NameCase::Rfc1459);
    all.apply(Target::channel("#a").event(ChatEvent::Users(vec!["@bob".into(), "wendy".into()])), 1.0);
    all.apply(ChatEvent::Renamed { from: "bob".into(), to: "robert".into(), time_ms: None }, 2.0);
    let users: Vec<String> = all.list()[1].log.users().iter().map(|u| u.nick.clone()).collect();
    assert_eq!(users, ["robert", "wendy"]);
}

/// The logs of all conversations share one budget: past it the oldest entries go first,
/// whichever conversation holds them, and what is counted is what is kept.
#[test]
fn all_logs_share_one_memory_budget_oldest_first() {
    let mut all = irc_with_cap(&["#quiet", "#busy"], 5_000);
    let budget = 200 * 1024;
    all.set_memory_budget(budget);
    let line = "x".repeat(1000);
    all.apply(Target::channel("#quiet").event(said("ada", "the oldest")), 1.0);
    for i in 0..600 {
        all.apply(Target::channel("#busy").event(said("bob", &format!("{i} {line}"))), 2.0 + f64::from(i));
        assert!(all.bytes() <= budget, "{} bytes after {i}", all.bytes());
        let counted: usize = all.list().iter().flat_map(|c| c.log.entries()).map(Entry::bytes).sum();
        assert_eq!(all.bytes(), counted, "the count is what is kept");
    }
    assert!(texts(&all.list()[1]).is_empty(), "the oldest entry went first, from the quiet channel");
    let busy = texts(&all.list()[2]);
    assert!(busy.len() > 100 && busy.len() < 200, "{} kept", busy.len());
    assert!(busy.last().is_some_and(|t| t.starts_with("599 ")), "the newest stay");
    assert_eq!(all.list()[2].log.total_received(), 600, "what went is still counted as received");
}

/// A hostile broker publishing long texts on the most topics there may be ends within the
/// budget, whatever each log's own cap and full-text budget would allow.
#[test]
fn many_conversations_of_long_texts_stay_within_the_budget() {
    let mut all = Conversations::new(server(), crate::chat::DEFAULT_LOG_CAP);
    let long = "y".repeat(1 << 20);
    for i in 0..(MAX_CONVERSATIONS * 2) {
        let topic = Target::channel(format!("t/{}", i % MAX_CONVERSATIONS));
        all.open(topic.clone());
        all.apply(topic.event(said("broker", &long)), i as f64);
    }
    assert!(all.bytes() <= MEMORY_BUDGET_BYTES, "{} bytes", all.bytes());
    assert!(all.bytes() >= MEMORY_BUDGET_BYTES / 2, "the budget is used, not emptied: {}", all.bytes());
}

/// Times that compare false (NaN, from a server's history) still let entries go.
#[test]
fn the_budget_holds_whatever_the_times() {
    let mut all = irc_with(&["#a"]);
    all.set_memory_budget(10 * 1024);
    for i in 0..100 {
        let time = if i % 2 == 0 { f64::NAN } else { f64::from(i) };
        all.apply(Target::channel("#a").event(said("bob", &"z".repeat(500))), time);
        assert!(all.bytes() <= 10 * 1024);
    }
}

fn record(conversation: &str, nick: &str, text: &str, time_ms: f64) -> Record {
    Record {
        conversation: conversation.into(),
        time_ms,
        kind: EntryKind::Chat,
        nick: Some(nick.into()),
        text: text.into(),
        status: None,
        msgid: None,
    }
}

#[test]
fn lines_read_back_take_only_the_room_the_memory_budget_leaves() {
    let mut all = irc_with(&["#a"]);
    all.restore("c:#a", &[record("c:#a", "bob", "newest", 1_000.0)]);
    let long = "x".repeat(10_000);
    let older: Vec<Record> = (0..10).map(|i| record("c:#a", "bob", &long, f64::from(i))).collect();
    // Room for about three of them under the budget (less an eighth).
    all.set_memory_budget(all.bytes() + 40_000);
    let put = all.restore_older("c:#a", &older);
    assert!((2..=3).contains(&put), "{put} put");
    let times: Vec<f64> = all.list()[1].log.entries().map(|e| e.time_ms).collect();
    assert_eq!(times.first(), Some(&f64::from(10 - put as u32)), "the newest of them, kept: {times:?}");
    assert_eq!(all.restore_older("c:#a", &older[..7 - put]), 0, "none fits: none put, and none let go");
    assert_eq!(all.list()[1].log.entries().len(), put + 1);
}

/// Stored lines go back to the conversation their key names, opened if need be.
#[test]
fn restored_lines_go_where_their_key_says() {
    let mut all = irc_with(&["#a"]);
    all.apply(ChatEvent::Notice { text: "motd".into(), time_ms: None }, 0.5);
    assert_eq!(all.take_unarchived().len(), 1);
    let lines = |key: &str, texts: &[&str]| -> Vec<Record> {
        texts.iter().enumerate().map(|(i, t)| record(key, "bob", t, i as f64)).collect()
    };
    all.restore("c:#rust", &lines("c:#rust", &["r1", "r2", "r3"]));
    all.restore("p:bob", &lines("p:bob", &["psst"]));
    all.restore("c:#a", &lines("c:#a", &["in a"]));
    // Keys that name nothing this client makes are ignored (not put in the first, say).
    for key in ["x:#rust", "s:irc.example", "c:", "p:", "#rust", "nonsense"] {
        all.restore(key, &lines(key, &["stray"]));
    }
    assert_eq!(all.list().len(), 4);
    assert!(all.list().iter().flat_map(|c| c.log.entries()).all(|e| &*e.text != "stray"));
    all.restore("", &lines("", &["s1", "s2"]));
    let rust = all.find(&Target::channel("#rust")).expect("opened");
    assert!(!all.list()[rust].joined, "opened, not joined");
    assert_eq!(texts(&all.list()[rust]), ["r1", "r2", "r3"], "in order");
    let bob = all.find(&Target::private("bob")).expect("opened");
    assert_eq!(all.list()[bob].target, Target::private("bob"));
    assert_eq!(texts(&all.list()[bob]), ["psst"]);
    assert_eq!(texts(&all.list()[1]), ["in a"], "an open conversation takes its own");
    assert_eq!(texts(all.first()), ["motd", "s1", "s2"], "the empty key is the first's; its notices may come first");
    assert_eq!(all.list().len(), 4);
    assert!(all.list().iter().all(|c| c.log.unread() == 0 && c.log.total_received() == 0));
    // A key differing in case only finds the conversation where the protocol says so.
    let mut quiet = irc_with(&["#quiet"]);
    quiet.restore("c:#QUIET", &lines("c:#QUIET", &["loud"]));
    assert_eq!((quiet.list().len(), texts(&quiet.list()[1])), (2, vec!["loud".to_string()]));
    // Nothing restored is stored again.
    assert!(all.take_unarchived().is_empty());
}

/// A conversation that shows a message already takes no stored lines: they would come after it.
#[test]
fn a_log_showing_a_message_takes_no_stored_lines() {
    let mut all = irc_with(&["#a", "#b"]);
    all.set_server("s1");
    all.apply(Target::channel("#a").event(said("bob", "live")), 1.0);
    all.list[2].log.push_own("ada", "typed", 2.0);
    all.restore("c:#a", &[record("c:#a", "bob", "old", 0.0)]);
    all.restore("c:#b", &[record("c:#b", "bob", "old", 0.0)]);
    assert_eq!(texts(&all.list()[1]), ["live"]);
    // A message waiting in the outbox since the last visit is no message received: the stored
    // lines come after it rather than not at all.
    assert_eq!(texts(&all.list()[2]), ["typed", "old"], "an own message does not stop them");
    // Nor does a second restore of the same conversation add its lines again.
    all.restore("p:carol", &[record("p:carol", "carol", "once", 0.0)]);
    all.restore("p:carol", &[record("p:carol", "carol", "once", 0.0)]);
    assert_eq!(texts(&all.list()[3]), ["once"]);
}

#[test]
fn a_live_line_s_msgid_is_stored_and_knows_its_replay_whatever_the_clocks() {
    let tagged = |text: &str, msgid: &str| ChatEvent::Message {
        nick: Some("bob".into()),
        text: text.into(),
        time_ms: None,
        msgid: Some(msgid.into()),
    };
    // The server's clock runs 5 s ahead of this one: by nick, text and second the replay would
    // be a new line.
    let replay = |text: &str, msgid: &str, time_ms: f64| {
        Target::channel("#a").event(ChatEvent::History {
            nick: "bob".into(),
            text: text.into(),
            time_ms: Some(time_ms),
            msgid: Some(msgid.into()),
        })
    };
    let mut all = irc_with(&["#a"]);
    all.set_server("s1");
    all.apply(Target::channel("#a").event(tagged("live", "m1")), 1_000.0);
    all.apply(Target::channel("#a").event(said("bob", "untagged")), 1_001.0);
    all.apply(replay("live", "m1", 6_000.0), 7_000.0);
    assert_eq!(texts(&all.list()[1]), ["live", "untagged"], "known by its msgid");
    let records = all.take_unarchived();
    let ids: Vec<(&str, Option<&str>)> = records.iter().map(|r| (r.text.as_str(), r.msgid.as_deref())).collect();
    assert_eq!(ids, [("live", Some("m1")), ("untagged", None)], "stored with its msgid");
    // A reload: the stored line, then the server's replay of it.
    let mut later = irc_with(&["#a"]);
    later.restore("c:#a", &records);
    later.apply(replay("live", "m1", 6_000.0), 8_000.0);
    later.apply(replay("new", "m2", 6_500.0), 8_000.0);
    assert_eq!(texts(&later.list()[1]), ["live", "untagged", "new"]);
    let stored: Vec<Option<String>> = later.take_unarchived().into_iter().map(|r| r.msgid).collect();
    assert_eq!(stored, [Some("m2".to_string())], "a replayed line keeps its msgid too");
    // A live line with a known msgid is a replay (a bouncer's playback, a Socket.IO server's
    // redelivery from offset 0): not shown again.
    later.apply(Target::channel("#a").event(tagged("live", "m1")), 9_000.0);
    later.apply(Target::channel("#a").event(tagged("again, new", "m3")), 9_000.0);
    assert_eq!(texts(&later.list()[1]), ["live", "untagged", "new", "again, new"]);
}

/// A burst's lines go to the store a few at a time, in order, each with its server's id: all
/// of them at once would be the wasm memory's peak.
#[test]
fn a_burst_is_handed_to_the_store_a_few_records_at_a_time() {
    let mut all = irc_with_cap(&["#a"], 1_000);
    all.set_server("s1");
    for i in 0..300 {
        let event = ChatEvent::Message {
            nick: Some("bob".into()),
            text: format!("line {i}"),
            time_ms: None,
            msgid: (i % 2 == 0).then(|| format!("m{i}")),
        };
        all.apply(Target::channel("#a").event(event), f64::from(i));
    }
    let mut chunks = Vec::new();
    let mut records = Vec::new();
    all.take_unarchived_each(|chunk| {
        chunks.push(chunk.len());
        records.extend_from_slice(chunk);
    });
    let mut expected = vec![crate::chat::RECORDS_AT_ONCE; 300 / crate::chat::RECORDS_AT_ONCE];
    expected.extend(Some(300 % crate::chat::RECORDS_AT_ONCE).filter(|rest| *rest > 0));
    assert_eq!(chunks, expected);
    let expected: Vec<(String, Option<String>)> =
        (0..300).map(|i| (format!("line {i}"), (i % 2 == 0).then(|| format!("m{i}")))).collect();
    let got: Vec<(String, Option<String>)> = records.into_iter().map(|r| (r.text, r.msgid)).collect();
    assert_eq!(got, expected);
    let mut again = 0;
    all.take_unarchived_each(|chunk| again += chunk.len());
    assert_eq!(again, 0, "nothing twice");
}

/// What goes to the store names the conversation each line was in, by its storage key.
#[test]
fn lines_to_store_name_their_conversation() {
    let mut all = irc_with(&["#a", "#b"]);
    all.set_server("s1");
    all.apply(ChatEvent::Notice { text: "motd".into(), time_ms: None }, 1.0);
    all.apply(Target::channel("#b").event(said("bob", "in b")), 2.0);
    all.apply(Target::private("carol").event(said("carol", "psst")), 3.0);
    all.apply(Target::channel("#a").event(said("dave", "in a")), 4.0);
    all.apply(Target::channel("#a").event(ChatEvent::Raw { note: None, text: "junk".into() }), 5.0);
    let own = all.list[1].log.push_own("ada", "mine", 6.0);
    let records = all.take_unarchived();
    let got: Vec<(&str, &str)> = records.iter().map(|r| (r.conversation.as_str(), r.text.as_str())).collect();
    // Conversation by conversation, in the order of the list; no raw frame, no pending message.
    assert_eq!(got, [("", "motd"), ("c:#a", "in a"), ("c:#b", "in b"), ("p:carol", "psst")]);
    for r in &records {
        let at = all.find_key(&r.conversation).expect("a conversation's key");
        assert_eq!(all.key(at), r.conversation);
        assert!(texts(&all.list()[at]).contains(&r.text));
    }
    assert!(all.take_unarchived().is_empty());
    // The own message goes once sent, under its conversation's key.
    if let Some(item) = all.list[1].log.take_next_outgoing() {
        all.list[1].log.mark_sent(item);
    }
    let records = all.take_unarchived();
    let got: Vec<(&str, &str, Option<crate::chat::OwnStatus>)> =
        records.iter().map(|r| (r.conversation.as_str(), r.text.as_str(), r.status)).collect();
    assert_eq!(got, [("c:#a", "mine", Some(crate::chat::OwnStatus::Sent))]);
    assert_eq!(all.list()[1].log.get(own).map(|e| e.kind), Some(EntryKind::Own));
    // Closing a conversation moves the later ones up: their keys follow them.
    all.close(1);
    all.apply(Target::private("carol").event(said("carol", "again")), 7.0);
    let got: Vec<String> = all.take_unarchived().into_iter().map(|r| r.conversation).collect();
    assert_eq!(got, ["p:carol"]);
}

#[test]
fn a_password_to_a_service_is_sent_but_never_shown_kept_or_stored() {
    let mut all = irc_with(&["#a"]);
    all.set_server("irc.example");
    all.set_own_nick("ada");
    let at = all.open(Target::private("NickServ"));
    let log = &mut all.list[at].log;
    log.set_confirms(true);
    log.push_own("ada", "IDENTIFY hunter2", 1.0);
    log.push_own("ada", "INFO ada", 2.0);
    // Only the second rests in storage until it is sent; the first goes from memory.
    assert_eq!(all.unsent().iter().map(|m| m.text.as_str()).collect::<Vec<_>>(), ["INFO ada"]);
    let log = &mut all.list[at].log;
    let item = log.take_next_outgoing().expect("queued");
    assert_eq!(item.text, "IDENTIFY hunter2", "the server gets the password");
    log.mark_sent(item);
    assert!(!all.unsent().iter().any(|m| m.text.contains("hunter2")), "nor while it awaits its echo");
    // The echo confirms it; a second, unmatched echo under our nick is masked too.
    all.apply(Target::private("NickServ").event(said("ada", "IDENTIFY hunter2")), 3.0);
    all.apply(Target::private("NickServ").event(said("ada", "ghost ada hunter2")), 4.0);
    // What the service says is shown as it says it.
    all.apply(Target::private("NickServ").event(said("NickServ", "IDENTIFY <password>")), 5.0);
    assert_eq!(texts(&all.list()[at]), ["IDENTIFY ********", "INFO ada", "ghost ********", "IDENTIFY <password>"]);
    let stored = all.take_unarchived();
    assert!(!stored.iter().any(|r| r.text.contains("hunter2")), "{stored:?}");
    // A person called like a service is not one.
    let bob = all.open(Target::private("bob"));
    all.list[bob].log.push_own("ada", "IDENTIFY hunter2", 6.0);
    assert_eq!(texts(&all.list()[bob]), ["IDENTIFY hunter2"]);
}
