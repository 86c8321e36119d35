//! The chat view's reading and writing aids in both browsers: links, grouping, day separators,
//! folded system runs, the history bound, input history, nick completion, tabs with their own
//! sockets, inspector.
#![cfg(target_arch = "wasm32")]

mod common;

use common::dom::*;
use common::unique_room;
use futures::SinkExt;
use gloo_net::websocket::Message;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlTextAreaElement};

wasm_bindgen_test_configure!(run_in_browser);

fn composer_value(app: &Mounted) -> String {
    app.get("composer-input").unchecked_into::<HtmlTextAreaElement>().value()
}

#[wasm_bindgen_test]
async fn links_become_safe_anchors_and_one_authors_lines_group() {
    let room = unique_room("view-links");
    let app = mount(&room_query(&room, "lia", ""));
    app.until_open().await;
    let mut bob = peer(&room).await;
    let text = "docs at http://example.org/x?a=1, not javascript:alert(1) or <a href=x>y</a>";
    bob.send(Message::Text(format!("bob: {text}"))).await.expect("send");
    bob.send(Message::Text("bob: second".into())).await.expect("send");
    app.until("both shown", |m| has_message(m, "chat", Some("bob"), "second")).await;

    let first = app.messages().into_iter().find(|m| text_of(m).as_deref() == Some(text)).expect("first row");
    let anchors = all(&first, "a");
    assert_eq!(anchors.len(), 1, "only the http link is an anchor");
    assert_eq!(anchors[0].get_attribute("href").as_deref(), Some("http://example.org/x?a=1"));
    assert_eq!(anchors[0].get_attribute("rel").as_deref(), Some("noopener noreferrer"));
    let rows: Vec<Element> =
        app.messages().into_iter().filter(|m| m.get_attribute("data-nick").as_deref() == Some("bob")).collect();
    assert!(!rows[0].class_list().contains("continued") && rows[1].class_list().contains("continued"));
    let colour = |row: &Element| row.query_selector(".nick").ok().flatten().map(|n| n.class_name());
    assert_eq!(colour(&rows[0]), colour(&rows[1]));
    assert_eq!(all(&app.root, ".day-separator").len(), 1, "one day, one separator");
    assert_eq!(
        rows[0].query_selector("time").ok().flatten().and_then(|t| t.get_attribute("aria-hidden")).as_deref(),
        Some("true")
    );
}

#[wasm_bindgen_test]
async fn the_history_parameter_bounds_what_stays_on_screen() {
    let room = unique_room("view-history");
    let app = mount(&room_query(&room, "hana", "&history=100"));
    app.until_open().await;
    let mut bob = peer(&room).await;
    let lines: Vec<String> = (0..150).map(|i| format!("bob: m{i}")).collect();
    bob.send(Message::Text(lines.join("\n"))).await.expect("send");
    app.until("the last line shown", |m| has_message(m, "chat", Some("bob"), "m149")).await;
    let list = app.get("message-list");
    assert_eq!(list.get_attribute("data-total-received").as_deref(), Some("150"));
    // The document holds a window of the rows (never more than the log keeps); at the top of
    // the list is the oldest kept: the connection notices left first, then the oldest lines.
    assert!(app.messages().len() <= 100, "{} rows", app.messages().len());
    oldest_drawn(&app, "m50").await;

    // More lines push the oldest rows out across the blocks the rows sit in: the day separator
    // moves down with the oldest row, and emptied blocks go.
    let lines: Vec<String> = (150..210).map(|i| format!("bob: m{i}")).collect();
    bob.send(Message::Text(lines.join("\n"))).await.expect("send");
    app.until("the newest line shown", |m| has_message(m, "chat", Some("bob"), "m209")).await;
    oldest_drawn(&app, "m110").await;
    assert!(app.messages().len() <= 100, "{} rows", app.messages().len());
    let separators = all(&list, ".day-separator");
    assert_eq!(separators.len(), 1, "one day, one separator");
    let oldest = app.messages().into_iter().next().expect("a row");
    assert_eq!(oldest.previous_element_sibling().as_ref(), Some(&separators[0]), "the separator heads the oldest row");
    assert!(all(&list, ".chunk").iter().all(|c| c.child_element_count() > 0), "no empty blocks stay");
    // The rows that left took the group's header with them: the oldest row shows bob's name now,
    // the rest stay grouped under it.
    let rows = app.messages();
    assert!(!rows[0].class_list().contains("continued"), "the oldest row heads the group");
    assert!(rows[1..].iter().all(|r| r.class_list().contains("continued")), "the others stay under it");
}

/// Scrolls the message list to its top and waits until the row drawn first is `text`. The test
/// page does not bound the list's height, so the list may not scroll at all: the scroll event
/// is sent too, for the list to take its window again where it stands.
async fn oldest_drawn(app: &Mounted, text: &'static str) {
    let list = app.get("message-list");
    list.set_scroll_top(0);
    if let Ok(scrolled) = web_sys::Event::new("scroll") {
        let _ = list.dispatch_event(&scrolled);
    }
    app.until("the oldest kept row drawn at the top", move |m| {
        messages(m).iter().find_map(text_of).as_deref() == Some(text)
    })
    .await;
}

#[wasm_bindgen_test]
async fn many_system_entries_in_a_row_fold_behind_a_toggle() {
    let room = unique_room("view-fold");
    let app = mount(&room_query(&room, "fen", ""));
    app.until_open().await;
    for i in 0..5 {
        app.type_and_enter(&format!("/nick fen{i}"));
    }
    app.until("a fold toggle", |m| m.query_selector(".fold button").ok().flatten().is_some()).await;
    let folded = || all(&app.root, "[data-kind=\"system\"].folded").len();
    assert_eq!(folded(), 0, "a run starts open: nothing is hidden unasked");
    let toggle: web_sys::HtmlElement =
        app.root.query_selector(".fold button").ok().flatten().expect("toggle").unchecked_into();
    assert_eq!(toggle.get_attribute("aria-expanded").as_deref(), Some("true"));
    toggle.click();
    assert_eq!(toggle.get_attribute("aria-expanded").as_deref(), Some("false"));
    assert!(folded() >= 4, "the run folds all but its newest: {}", folded());
    let newest = app.messages().into_iter().last().expect("rows");
    assert!(!newest.class_list().contains("folded"), "the newest entry stays in view");
    // A folded run that grows keeps the older entries folded.
    let before = folded();
    app.type_and_enter("/nick fen9");
    app.until("one more folded", move |m| all(m, "[data-kind=\"system\"].folded").len() == before + 1).await;
    toggle.click();
    assert_eq!(folded(), 0);
}

#[wasm_bindgen_test]
async fn a_run_keeps_its_toggle_when_its_oldest_block_of_rows_leaves() {
    let room = unique_room("view-fold-blocks");
    let app = mount(&room_query(&room, "fay", "&history=100"));
    app.until_open().await;
    let mut bob = peer(&room).await;
    for i in 0..60 {
        app.type_and_enter(&format!("/nick fay{i}"));
    }
    app.until("the last nick notice", |m| {
        all(m, "[data-kind=\"system\"]").iter().any(|r| text_of(r).as_deref() == Some("You are now fay59."))
    })
    .await;
    let system = all(&app.root, "[data-kind=\"system\"]").len();
    // Rows sit in blocks of 50: 55 leaving empties the first block and takes 5 of the next,
    // where the run of system entries goes on.
    let leaving = 55;
    assert!(system > leaving + 1, "one run of {system} system entries");
    let lines: Vec<String> = (0..100 + leaving - system).map(|i| format!("bob: c{i}")).collect();
    let last = format!("c{}", lines.len() - 1);
    bob.send(Message::Text(lines.join("\n"))).await.expect("send");
    app.until("the last line shown", move |m| has_message(m, "chat", Some("bob"), &last)).await;
    let rows = app.messages();
    assert_eq!(rows.len(), 100);
    let folds = all(&app.get("message-list"), ".fold");
    assert_eq!(folds.len(), 1, "the toggle moved down with the run");
    assert_eq!(rows[0].previous_element_sibling().as_ref(), Some(&folds[0]), "above the run's oldest row");
    let earlier = system - leaving - 1;
    assert_eq!(folds[0].get_attribute("data-count"), Some(earlier.to_string()));
}

#[wasm_bindgen_test]
async fn up_and_down_walk_the_history_and_tab_completes_nicks() {
    let room = unique_room("view-keys");
    let app = mount(&room_query(&room, "hal", ""));
    app.until_open().await;
    let mut zed = peer(&room).await;
    zed.send(Message::Text("zedediah: hi".into())).await.expect("send");
    app.until("zed's message", |m| has_message(m, "chat", Some("zedediah"), "hi")).await;
    app.type_and_enter("one");
    app.type_and_enter("two");
    app.fill("composer-input", "unsent");
    assert!(app.press("composer-input", "ArrowUp"));
    assert_eq!(composer_value(&app), "two");
    assert!(app.press("composer-input", "ArrowUp"));
    assert_eq!(composer_value(&app), "one");
    assert!(app.press("composer-input", "ArrowDown"));
    assert!(app.press("composer-input", "ArrowDown"));
    assert_eq!(composer_value(&app), "unsent", "the draft comes back");

    app.fill("composer-input", "ze");
    assert!(app.press("composer-input", "Tab"));
    assert_eq!(composer_value(&app), "zedediah: ");
    app.fill("composer-input", "qq");
    assert!(!app.press("composer-input", "Tab"), "nothing to complete: Tab moves focus as usual");

    // Beyond ASCII, case is folded by the browser's Unicode tables (wschat_core::unicode).
    zed.send(Message::Text("ÉMILE: salut".into())).await.expect("send");
    app.until("émile's message", |m| has_message(m, "chat", Some("ÉMILE"), "salut")).await;
    app.fill("composer-input", "émi");
    assert!(app.press("composer-input", "Tab"));
    assert_eq!(composer_value(&app), "ÉMILE: ");
}

#[wasm_bindgen_test]
async fn a_second_tab_has_its_own_socket_and_closing_it_leaves_the_first() {
    let room = unique_room("view-tabs");
    let app = mount(&room_query(&room, "tad", ""));
    app.until_open().await;
    let click = |el: Element| el.unchecked_into::<web_sys::HtmlElement>().click();
    click(app.get("new-tab-button"));
    app.until("second tab", |m| all(m, "[data-testid=\"tab\"]").len() == 2).await;
    assert_eq!(app.get("connection-status").get_attribute("data-ready-state").as_deref(), Some("closed"));
    click(app.get("connect-button"));
    app.until_open().await;
    let mut watcher = peer(&room).await;
    // Once the watcher's own line comes back, it is in the room.
    watcher.send(Message::Text("wes: here".into())).await.expect("send");
    app.until("the watcher joined", |m| has_message(m, "chat", Some("wes"), "here")).await;
    assert_eq!(next_text(&mut watcher).await, "wes: here");
    app.type_and_enter("from tab two");
    assert_eq!(next_text(&mut watcher).await, "tad: from tab two");
    let dots =
        || all(&app.root, ".tab .dot").iter().filter_map(|d| d.get_attribute("data-ready-state")).collect::<Vec<_>>();
    assert_eq!(dots(), ["open", "open"]);
    click(all(&app.root, "[data-testid=\"tab-close\"]").remove(1));
    app.until("one tab left", |m| all(m, "[data-testid=\"tab\"]").len() == 1).await;
    assert_eq!(dots(), ["open"], "the first tab's socket is untouched");
}

#[wasm_bindgen_test]
async fn the_inspector_records_frames_both_ways_and_events() {
    let room = unique_room("view-insp");
    let app = mount(&room_query(&room, "ina", ""));
    app.until_open().await;
    app.get("inspector-toggle").unchecked_into::<web_sys::HtmlElement>().click();
    app.type_and_enter("ping");
    let frames = |m: &Element, direction: &str| {
        all(m, &format!("[data-testid=\"inspector-frame\"][data-direction=\"{direction}\"]")).len()
    };
    app.until("out and echoed in", move |m| frames(m, "out") >= 1 && frames(m, "in") >= 1).await;
    assert!(all(&app.root, "[data-testid=\"inspector-frame\"][data-direction=\"event\"]")
        .iter()
        .any(|f| f.text_content().unwrap_or_default().contains("readyState open")));
    app.get("inspector-clear").unchecked_into::<web_sys::HtmlElement>().click();
    app.until("cleared", |m| all(m, "[data-testid=\"inspector-frame\"]").is_empty()).await;
}

#[wasm_bindgen_test]
fn the_browsers_unicode_answers_agree_with_rusts() {
    // wschat_core::unicode asks JavaScript beyond ASCII; Rust's std is the reference. The
    // range is the two-byte one (Latin to NKo), whose assignments no recent Unicode changed.
    for c in (0x80..0x800).filter_map(char::from_u32) {
        let one = c.to_string();
        assert_eq!(
            wschat_core::unicode::lowercase(&one),
            one.to_lowercase(),
            "lower case of {c} U+{:04X}",
            u32::from(c)
        );
        assert_eq!(
            wschat_core::unicode::is_alphanumeric(c),
            c.is_alphanumeric(),
            "class of {c} U+{:04X}",
            u32::from(c)
        );
    }
    let words = "ΟΔΥΣΣΕΥΣ İSTANBUL Ǆemal";
    assert_eq!(wschat_core::unicode::lowercase(words), words.to_lowercase(), "final sigma and special cases");
}
