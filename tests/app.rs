//! The mounted app against the reference server and a second client, checked through the DOM
//! names of the UI contract.
#![cfg(target_arch = "wasm32")]

mod common;

use common::dom::*;
use common::{server, unique_room};
use futures::SinkExt;
use gloo_net::websocket::{futures::WebSocket, Message};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::HtmlElement;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn the_app_chats_with_a_second_client() {
    let room = unique_room("app");
    let app = mount(&room_query(&room, "alice", ""));
    app.until_open().await;
    let mut bob = peer(&room).await;

    bob.send(Message::Text("bob: hi alice".into())).await.expect("bob sends");
    app.until("bob's message shown", |m| has_message(m, "chat", Some("bob"), "hi alice")).await;
    assert_eq!(next_text(&mut bob).await, "bob: hi alice", "the room echoes to the sender too");

    app.type_and_enter("hello bob");
    assert_eq!(next_text(&mut bob).await, "alice: hello bob");
    app.until("own message delivered", |m| own_status(m, "hello bob").as_deref() == Some("delivered")).await;
    let own =
        app.messages().into_iter().find(|e| e.get_attribute("data-kind").as_deref() == Some("own")).expect("own entry");
    assert_eq!(own.get_attribute("data-nick").as_deref(), Some("alice"));
    let composer: web_sys::HtmlTextAreaElement = app.get("composer-input").unchecked_into();
    assert_eq!(composer.value(), "", "the composer is cleared after sending");

    let list = app.get("message-list");
    assert_eq!(list.get_attribute("role").as_deref(), Some("log"));
    assert_eq!(list.get_attribute("data-total-received").as_deref(), Some("2"), "bob's message and our echo");
    assert!(app.messages().iter().any(|e| e.get_attribute("data-kind").as_deref() == Some("system")));
}

#[wasm_bindgen_test]
async fn shift_enter_is_a_newline_not_a_send() {
    let room = unique_room("newline");
    let app = mount(&room_query(&room, "nina", ""));
    app.until_open().await;
    let input: web_sys::HtmlTextAreaElement = app.get("composer-input").unchecked_into();
    input.set_value("line one");
    let key = web_sys::KeyboardEventInit::new();
    key.set_key("Enter");
    key.set_shift_key(true);
    key.set_bubbles(true);
    key.set_cancelable(true);
    let event = web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &key).expect("keydown");
    input.dispatch_event(&event).expect("dispatch");
    assert!(!event.default_prevented(), "Shift+Enter keeps the browser's newline");
    assert!(app.messages().iter().all(|e| e.get_attribute("data-kind").as_deref() != Some("own")));
    app.type_and_enter("line one\nline two");
    app.until("multi-line message delivered", |m| own_status(m, "line one\nline two").as_deref() == Some("delivered"))
        .await;
}

#[wasm_bindgen_test]
async fn binary_frames_are_raw_entries_with_size_and_hex() {
    let room = unique_room("binary");
    let app = mount(&room_query(&room, "dan", ""));
    app.until_open().await;
    let mut peer = WebSocket::open(&format!("{}/ws?room={room}&binary=room", server())).expect("peer");
    peer.send(Message::Bytes(vec![72, 105, 0])).await.expect("send");
    app.until("raw entry", |m| has_message(m, "raw", None, "binary frame, 3 bytes: 48 69 00  |Hi.|")).await;
    let list = app.get("message-list");
    assert_eq!(list.get_attribute("data-total-received").as_deref(), Some("1"));
}

#[wasm_bindgen_test]
async fn frames_that_are_not_chat_messages_show_exactly_as_they_came() {
    let room = unique_room("raw-json");
    let app = mount(&room_query(&room, "jo", "&protocol=json"));
    app.until_open().await;
    let mut peer = peer(&room).await;
    for frame in ["{oops", r#"{"count": 3}"#] {
        peer.send(Message::Text(frame.into())).await.expect("peer sends");
    }
    app.until("both raw entries", |m| {
        has_message(m, "raw", None, "{oops") && has_message(m, "raw", None, r#"{"count": 3}"#)
    })
    .await;
    // What the frame is goes beside the text, not into it.
    let note = |text: &str| {
        app.messages()
            .into_iter()
            .find(|e| text_of(e).as_deref() == Some(text))
            .and_then(|e| e.query_selector(".entry-note").ok().flatten())
            .and_then(|n| n.text_content())
    };
    assert_eq!(note("{oops").as_deref(), Some("not JSON"));
    assert_eq!(note(r#"{"count": 3}"#), None, "JSON is plain to see");
}

#[wasm_bindgen_test]
async fn a_refusal_from_the_server_is_an_error_not_just_a_line() {
    // A room of the reference server stands in for a Socket.IO server: the peer plays it.
    let room = unique_room("refusal");
    let url = js_sys::encode_uri_component(&format!("{}/ws?room={room}&EIO=4", server()));
    let app = mount(&format!("url={url}&nick=rex&protocol=socketio"));
    app.until_open().await;
    let mut server_side = peer(&room).await;
    for packet in [r#"0{"sid":"s","pingInterval":25000,"pingTimeout":20000}"#, r#"44{"message":"not authorized"}"#] {
        server_side.send(Message::Text(packet.into())).await.expect("peer sends");
    }
    app.until("the refusal in the error line", |m| {
        find(m, "error")
            .and_then(|e| e.text_content())
            .is_some_and(|t| t.contains("refused the connection: not authorized"))
    })
    .await;
}

#[wasm_bindgen_test]
async fn typed_while_disconnected_is_pending_then_delivered() {
    let room = unique_room("pending");
    let app = mount(&room_query(&room, "erin", "&connect=0"));
    assert_eq!(app.get("connection-status").get_attribute("data-ready-state").as_deref(), Some("closed"));
    app.type_and_enter("sent later");
    app.until("pending own message", |m| own_status(m, "sent later").as_deref() == Some("pending")).await;
    let connect: HtmlElement = app.get("connect-button").unchecked_into();
    connect.click();
    app.until("delivered after connecting", |m| own_status(m, "sent later").as_deref() == Some("delivered")).await;
}

#[wasm_bindgen_test]
async fn bad_settings_show_errors_people_can_act_on() {
    let app = mount("url=ftp%3A%2F%2Fexample.org&nick=frank&protocol=xml");
    app.until("an error", |m| find(m, "error").and_then(|e| e.text_content()).is_some_and(|t| !t.is_empty())).await;
    let text = app.get("error").text_content().unwrap_or_default();
    assert!(text.contains("ws://"), "the URL error says what to use: {text}");
    assert_eq!(app.get("connection-status").get_attribute("data-ready-state").as_deref(), Some("closed"));
}

#[wasm_bindgen_test]
async fn a_bad_value_in_the_link_stays_shown_once_connected() {
    let room = unique_room("bad-value");
    let app = mount(&room_query(&room, "fay", "&protocol=xml&connect=yes"));
    app.until_open().await;
    let text = app.get("error").text_content().unwrap_or_default();
    assert!(text.contains("xml") && text.contains("connect="), "both problems still shown after opening: {text}");
}

#[wasm_bindgen_test]
async fn choosing_irc_in_the_form_offers_its_subprotocol() {
    let app = mount("nick=ivy&connect=0");
    assert_eq!(app.value("subprotocols-input"), "");
    // Each format shows its own field; by then the form has redrawn the subprotocols too.
    app.choose("protocol-select", "irc");
    app.until("the channel field", |m| find(m, "channel-input").is_some()).await;
    assert_eq!(app.value("subprotocols-input"), "text.ircv3.net");
    app.choose("protocol-select", "json");
    app.until("the template field", |m| find(m, "json-template-input").is_some()).await;
    assert_eq!(app.value("subprotocols-input"), "", "the IRC default goes with IRC");
    app.fill("subprotocols-input", "chat.v2");
    app.choose("protocol-select", "irc");
    app.until("the channel field again", |m| find(m, "channel-input").is_some()).await;
    assert_eq!(app.value("subprotocols-input"), "chat.v2", "what the person typed stays");
}

#[wasm_bindgen_test]
async fn server_close_shows_code_reason_and_cleanness() {
    let url = js_sys::encode_uri_component(&format!("{}/close?code=4001&reason=bye", server()));
    let app = mount(&format!("url={url}&nick=gina"));
    app.until("close info", |m| find(m, "close-info").is_some()).await;
    let info = app.get("close-info");
    assert_eq!(info.get_attribute("data-code").as_deref(), Some("4001"));
    assert_eq!(info.get_attribute("data-reason").as_deref(), Some("bye"));
    assert_eq!(info.get_attribute("data-was-clean").as_deref(), Some("true"));
    assert!(info.text_content().unwrap_or_default().contains("application-defined"));
    assert_eq!(app.get("connection-status").get_attribute("data-ready-state").as_deref(), Some("closed"));
}

#[wasm_bindgen_test]
async fn the_close_stays_shown_through_the_reconnect_after_it() {
    let url = js_sys::encode_uri_component(&format!("{}/close?code=4001&reason=bye", server()));
    let app = mount(&format!("url={url}&nick=gus"));
    // 4001 is not a final code: the app comes back, and the server closes again at once.
    app.until("connecting again, the close before still shown", |m| {
        attr(m, "connection-status", "data-ready-state").as_deref() == Some("connecting")
            && find(m, "reconnect-info").is_none()
            && attr(m, "close-info", "data-code").as_deref() == Some("4001")
    })
    .await;
    let text = app.get("close-info").text_content().unwrap_or_default();
    assert!(text.starts_with("last closed 4001"), "says it is the close before: {text}");
}

fn echo_query(path_and_query: &str, nick: &str, extra: &str) -> String {
    let url = js_sys::encode_uri_component(&format!("{}{path_and_query}", server()));
    format!("url={url}&nick={nick}{extra}")
}

#[wasm_bindgen_test]
async fn hex_sends_a_binary_frame() {
    let app = mount(&echo_query("/echo", "hal", ""));
    app.until_open().await;
    app.type_and_enter("/hex 48 65 6c 6c 6f");
    app.until("the echoed frame", |m| has_message(m, "raw", None, "binary frame, 5 bytes: 48 65 6c 6c 6f  |Hello|"))
        .await;
}

#[wasm_bindgen_test]
async fn the_chosen_subprotocol_is_shown() {
    let app = mount(&echo_query("/echo?protocols=superchat,chat", "sam", "&subprotocols=chat"));
    app.until_open().await;
    assert_eq!(app.get("negotiated-protocol").text_content().as_deref(), Some("chat"));
}

/// Whether the tests run in Firefox, from the browser's own user agent.
fn in_firefox() -> bool {
    let agent = web_sys::window().and_then(|w| w.navigator().user_agent().ok()).expect("navigator.userAgent");
    agent.contains("Firefox/")
}

#[wasm_bindgen_test]
async fn a_default_offer_the_server_refuses_is_dropped_unasked() {
    // IRC offers its subprotocols by default; this server takes only "chat". Chromium fails
    // such a connection, and the client connects again at once without them; Firefox opens it
    // with none chosen. Either way nobody has to press anything.
    let app = mount(&echo_query("/echo?protocols=chat", "una", "&protocol=irc"));
    app.until_open().await;
    assert_eq!(app.get("negotiated-protocol").text_content().as_deref(), Some(""));
    assert!(app.find("retry-without-subprotocols-button").is_none(), "nothing to ask");
    let error = app.find("error").and_then(|e| e.text_content()).unwrap_or_default();
    assert_eq!(error, "", "the failure before is settled");
    let said = |m: &web_sys::Element| {
        messages(m).iter().any(|e| {
            text_of(e).is_some_and(|t| t.contains("(text.ircv3.net, ") && t.ends_with("connecting again without them."))
        })
    };
    assert_eq!(said(&app.root), !in_firefox(), "said when the browser failed it");
}

#[wasm_bindgen_test]
async fn refused_subprotocols_are_explained_and_can_be_dropped() {
    let app = mount(&echo_query("/echo?protocols=chat", "sue", "&subprotocols=nope,other"));
    let opened = |m: &web_sys::Element| {
        find(m, "connection-status").and_then(|e| e.get_attribute("data-ready-state")).as_deref() == Some("open")
    };
    app.until("a refusal, or an open socket", move |m| {
        find(m, "retry-without-subprotocols-button").is_some() || opened(m)
    })
    .await;
    if in_firefox() {
        // Firefox opens such a connection anyway (Chromium fails it, as RFC 6455 says); then
        // there is nothing to explain, and no subprotocol was chosen.
        assert!(opened(&app.root), "Firefox opens a connection whose server chose no subprotocol");
        assert!(app.find("retry-without-subprotocols-button").is_none());
        assert_eq!(app.get("negotiated-protocol").text_content().as_deref(), Some(""));
        return;
    }
    assert!(!opened(&app.root), "a connection whose server chose none of the offered subprotocols opened");
    let error = app.get("error").text_content().unwrap_or_default();
    assert!(error.contains("accepts none of the offered subprotocols (nope, other)"), "{error}");
    let retry: HtmlElement = app.get("retry-without-subprotocols-button").unchecked_into();
    retry.click();
    app.until_open().await;
    assert_eq!(app.get("negotiated-protocol").text_content().as_deref(), Some(""));
}
