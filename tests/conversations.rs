//! The conversation list in both browsers: what `channel` opens, showing another by click, by
//! Alt+Up/Down, by Alt+Shift+Up/Down to the next unread and by Ctrl+K; drafts kept with their
//! conversation; unread and mention badges raised by lines in hidden ones.
#![cfg(target_arch = "wasm32")]

mod common;

use common::dom::*;
use common::unique_room;
use futures::SinkExt;
use gloo_net::websocket::Message;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, HtmlTextAreaElement};

wasm_bindgen_test_configure!(run_in_browser);

/// IRC with three channels, offering no subprotocol (the reference server relays IRC lines a
/// peer sends as any text).
fn irc_query(room: &str, nick: &str, connect: bool) -> String {
    let connect = if connect { "1" } else { "0" };
    room_query(room, nick, &format!("&protocol=irc&subprotocols=&channel=%23a,%23b,%23c&connect={connect}"))
}

fn conversations(app: &Mounted) -> Vec<Element> {
    all(&app.root, "[data-testid=\"conversation-list\"] [data-testid=\"conversation\"]")
}

fn conversation(app: &Mounted, name: &str) -> Element {
    conversations(app)
        .into_iter()
        .find(|c| c.get_attribute("data-name").as_deref() == Some(name))
        .unwrap_or_else(|| panic!("no conversation {name}"))
}

fn active(root: &Element) -> Option<String> {
    all(root, "[data-testid=\"conversation\"][data-active=\"true\"]").first().and_then(|c| c.get_attribute("data-name"))
}

fn unread(app: &Mounted, name: &str) -> Option<String> {
    conversation(app, name).get_attribute("data-unread")
}

fn composer_value(app: &Mounted) -> String {
    app.get("composer-input").unchecked_into::<HtmlTextAreaElement>().value()
}

/// A keydown on the composer with Alt (and Shift), as the person's keyboard sends it.
fn alt_key(app: &Mounted, key_name: &str, shift: bool) -> bool {
    let key = web_sys::KeyboardEventInit::new();
    key.set_key(key_name);
    key.set_alt_key(true);
    key.set_shift_key(shift);
    key.set_bubbles(true);
    key.set_cancelable(true);
    let event = web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &key).expect("keydown");
    !app.get("composer-input").dispatch_event(&event).expect("dispatch")
}

#[wasm_bindgen_test]
async fn the_channels_asked_for_are_listed_and_shown_by_click_and_keys() {
    let app = mount(&irc_query(&unique_room("conv-keys"), "kim", false));
    let kinds: Vec<(Option<String>, Option<String>)> =
        conversations(&app).iter().map(|c| (c.get_attribute("data-kind"), c.get_attribute("data-name"))).collect();
    assert_eq!(kinds.len(), 4, "{kinds:?}");
    assert_eq!(kinds[0].0.as_deref(), Some("server"));
    let channels: Vec<&str> = kinds[1..].iter().filter_map(|(_, n)| n.as_deref()).collect();
    assert_eq!(channels, ["#a", "#b", "#c"]);
    assert_eq!(active(&app.root).as_deref(), Some("#a"), "the first named is shown");
    assert!(conversations(&app).iter().all(|c| c.get_attribute("data-unread").as_deref() == Some("0")));

    assert!(alt_key(&app, "ArrowDown", false), "Alt+Down is the app's");
    app.until("#b shown", |root| active(root).as_deref() == Some("#b")).await;
    // A draft stays with the conversation it was typed in.
    app.fill("composer-input", "half a thought for b");
    alt_key(&app, "ArrowUp", false);
    alt_key(&app, "ArrowUp", false);
    let server_name = kinds[0].1.clone();
    app.until("the server's shown", move |root| active(root) == server_name).await;
    assert_eq!(composer_value(&app), "");
    alt_key(&app, "ArrowUp", false);
    app.until("wrapped to #c", |root| active(root).as_deref() == Some("#c")).await;
    conversation(&app, "#b").unchecked_into::<HtmlElement>().click();
    app.until("#b shown by a click", |root| active(root).as_deref() == Some("#b")).await;
    assert_eq!(composer_value(&app), "half a thought for b");

    // Ctrl+K: a filter; Enter shows the first match.
    let key = web_sys::KeyboardEventInit::new();
    key.set_key("k");
    key.set_ctrl_key(true);
    key.set_bubbles(true);
    key.set_cancelable(true);
    let event = web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &key).expect("keydown");
    assert!(!app.get("composer-input").dispatch_event(&event).expect("dispatch"), "Ctrl+K is the app's");
    app.until("the filter open", |root| find(root, "conversation-filter").is_some()).await;
    app.fill("conversation-filter", "C");
    assert!(app.press("conversation-filter", "Enter"));
    app.until("#c jumped to", |root| active(root).as_deref() == Some("#c")).await;
    app.until("the filter closed", |root| find(root, "conversation-filter").is_none()).await;
}

#[wasm_bindgen_test]
async fn lines_in_hidden_conversations_raise_their_unread_and_alt_shift_goes_there() {
    let room = unique_room("conv-unread");
    let app = mount(&irc_query(&room, "kim", true));
    app.until_open().await;
    let mut bob = peer(&room).await;
    bob.send(Message::Text(":bob!b@h PRIVMSG #c :over here".into())).await.expect("send");
    bob.send(Message::Text(":bob!b@h PRIVMSG #b :kim: are you there?".into())).await.expect("send");
    app.until("both counted", |root| {
        let count = |name: &str| {
            all(root, &format!("[data-testid=\"conversation\"][data-name=\"{name}\"]"))
                .first()
                .and_then(|c| c.get_attribute("data-unread"))
        };
        count("#b").as_deref() == Some("1") && count("#c").as_deref() == Some("1")
    })
    .await;
    assert_eq!(active(&app.root).as_deref(), Some("#a"));
    assert!(!has_message(&app.root, "chat", Some("bob"), "over here"), "not in the shown one");
    assert_eq!(all(&app.root, "[data-name=\"#b\"] .badge.mention").len(), 1, "a mention is marked");
    assert_eq!(all(&app.root, "[data-name=\"#c\"] .badge.mention").len(), 0);

    assert!(alt_key(&app, "ArrowDown", true));
    app.until("the next unread shown", |root| active(root).as_deref() == Some("#b")).await;
    app.until("its line shown", |root| has_message(root, "chat", Some("bob"), "kim: are you there?")).await;
    assert_eq!(unread(&app, "#b").as_deref(), Some("0"), "shown: read");
    assert_eq!(app.get("message-list").get_attribute("data-total-received").as_deref(), Some("1"));
    alt_key(&app, "ArrowDown", true);
    app.until("#c next", |root| active(root).as_deref() == Some("#c")).await;
    app.until("its line shown", |root| has_message(root, "chat", Some("bob"), "over here")).await;
    // Nothing unread left: Alt+Shift stays.
    assert!(alt_key(&app, "ArrowDown", true), "Alt+Shift+Down is the app's");
    leptos::task::tick().await;
    assert_eq!(active(&app.root).as_deref(), Some("#c"));
    // A line drawn after the key was handled: had the key moved anywhere, it would show by now.
    bob.send(Message::Text(":bob!b@h PRIVMSG #a :later in a".into())).await.expect("send");
    app.until("#a counts the later line", |root| {
        all(root, "[data-testid=\"conversation\"][data-name=\"#a\"]")
            .first()
            .and_then(|c| c.get_attribute("data-unread"))
            .as_deref()
            == Some("1")
    })
    .await;
    assert_eq!(active(&app.root).as_deref(), Some("#c"), "Alt+Shift stayed");
}
