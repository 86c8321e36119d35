//! The browser's store of history, in a real browser's IndexedDB: batches written and read
//! back in order, unreadable records skipped and counted, search by word, the browser-wide bound
//! letting the oldest go, forgetting one server.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::*;
use wschat::store::Store;
use wschat_core::chat::EntryKind;
use wschat_core::history::Record;

wasm_bindgen_test_configure!(run_in_browser);

fn line(conversation: &str, n: u32) -> Record {
    Record {
        conversation: conversation.to_string(),
        time_ms: f64::from(1_000 + n),
        kind: EntryKind::Chat,
        nick: Some("bob".into()),
        text: format!("line {n} about otters"),
        status: None,
        msgid: None,
    }
}

fn texts(records: &[Record]) -> Vec<String> {
    records.iter().map(|r| r.text.clone()).collect()
}

#[wasm_bindgen_test]
async fn lines_come_back_in_order_are_found_bounded_and_forgotten() {
    let store = Store::get();
    let server = format!("test-{}", js_sys::Math::random());
    let other = format!("other-{}", js_sys::Math::random());
    // Ten writes of three lines: a write files a page per conversation, and pages are what
    // the bound lets go.
    for first in (1..=30).step_by(3) {
        store.write(&server, (first..first + 3).map(|n| line("c:#a", n)).collect()).await.expect("written");
    }
    store.write(&other, vec![line("", 99)]).await.expect("written");

    let (conversations, unreadable) = store.load(&server).await.expect("loaded");
    assert_eq!(unreadable, 0);
    assert_eq!(conversations.len(), 1);
    assert_eq!(conversations[0].0, "c:#a");
    assert_eq!(texts(&conversations[0].1), (1..=30).map(|n| format!("line {n} about otters")).collect::<Vec<_>>());

    let hits = store.search(&["otter".into()], 100).await.expect("searched");
    assert!(hits.len() >= 31, "{} hits", hits.len());
    assert_eq!(hits[0].record.text, "line 99 about otters", "newest first");
    assert!(hits.iter().any(|h| h.server == server && h.conversation == "c:#a"));
    // Every word of a query, each as the start of a word of the line.
    let hits = store.search(&["abou".into(), "30".into()], 100).await.expect("searched");
    assert_eq!(texts(&hits.into_iter().map(|h| h.record).collect::<Vec<_>>()), ["line 30 about otters"]);

    // The bound: the oldest pages go, of any server, until a tenth of it is free.
    let (before, _) = store.usage().await.expect("counted");
    let most = (before as u32).saturating_sub(10).max(10);
    store.keep_within(most).await.expect("kept within");
    let (after, _) = store.usage().await.expect("counted");
    assert_eq!(after, u64::from(most - most / 10), "from {before}");
    let (kept, _) = store.load(&server).await.expect("loaded");
    let kept = texts(&kept[0].1);
    assert_eq!(kept.last().map(String::as_str), Some("line 30 about otters"), "the newest stay");
    assert!(!kept.contains(&"line 1 about otters".to_string()), "the oldest went");

    store.forget(&server).await.expect("forgotten");
    assert!(store.load(&server).await.expect("loaded").0.is_empty());
    assert_eq!(store.load(&other).await.expect("loaded").0.len(), 1, "other servers keep theirs");
}
