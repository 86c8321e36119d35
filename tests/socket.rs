//! The socket layer against the real reference server, in a headless browser.
#![cfg(target_arch = "wasm32")]

mod common;

use std::cell::RefCell;
use std::rc::Rc;

use common::{closed_port, server, until};
use leptos::prelude::*;
use wasm_bindgen_test::*;
use wschat::socket::{ReadyState, SocketError, SocketEvent, WebSocketHandle};
use wschat_core::close::CloseError;
use wschat_core::url::UrlError;

wasm_bindgen_test_configure!(run_in_browser);

/// A handle that records every event it is given, plus an owner that keeps it alive.
struct Recorder {
    handle: WebSocketHandle,
    events: Rc<RefCell<Vec<SocketEvent>>>,
    /// When each event arrived, as the handle reported it.
    times: Rc<RefCell<Vec<f64>>>,
    count: RwSignal<usize>,
    _owner: Owner,
}

fn recorder() -> Recorder {
    let owner = Owner::new();
    let events = Rc::new(RefCell::new(Vec::new()));
    let times = Rc::new(RefCell::new(Vec::new()));
    let count = RwSignal::new(0usize);
    let handle = owner.with(|| {
        let (events, times) = (events.clone(), times.clone());
        WebSocketHandle::new(move |event, at_ms| {
            events.borrow_mut().push(event);
            times.borrow_mut().push(at_ms);
            count.update(|n| *n += 1);
        })
    });
    Recorder { handle, events, times, count, _owner: owner }
}

impl Recorder {
    async fn open(&self, path: &str, subprotocols: &[&str]) {
        let protocols: Vec<String> = subprotocols.iter().map(|s| s.to_string()).collect();
        self.handle.connect(&format!("{}{path}", server()), &protocols).expect("connect accepted");
        assert_eq!(self.handle.ready_state().get_untracked(), ReadyState::Connecting);
        let state = self.handle.ready_state();
        until("socket open", move || state.get() == ReadyState::Open).await;
    }

    async fn until_events(&self, n: usize) {
        let count = self.count;
        until(&format!("{n} events"), move || count.get() >= n).await;
    }

    fn texts(&self) -> Vec<String> {
        self.events
            .borrow()
            .iter()
            .filter_map(|e| match e {
                SocketEvent::Text(t) => Some(t.clone()),
                _ => None,
            })
            .collect()
    }
}

#[wasm_bindgen_test]
async fn opens_and_reports_the_chosen_subprotocol() {
    let r = recorder();
    r.open("/echo?protocols=superchat,chat", &["chat", "superchat"]).await;
    assert_eq!(r.handle.protocol().get_untracked(), "superchat");
    assert_eq!(r.events.borrow().first(), Some(&SocketEvent::Open));
    assert_eq!(r.handle.url().get_untracked(), format!("{}/echo?protocols=superchat,chat", server()));
    assert_eq!(r.handle.buffered_amount().get_untracked(), 0);
}

#[wasm_bindgen_test]
async fn no_subprotocol_chosen_is_empty() {
    let r = recorder();
    r.open("/echo", &[]).await;
    assert_eq!(r.handle.protocol().get_untracked(), "");
}

#[wasm_bindgen_test]
async fn sends_and_receives_text_and_binary() {
    let r = recorder();
    r.open("/echo", &[]).await;
    r.handle.send_text("héllo ✓").expect("send text");
    r.handle.send_binary(&[0, 1, 2, 253, 254, 255]).expect("send binary");
    r.until_events(3).await;
    let events = r.events.borrow();
    assert_eq!(events[1], SocketEvent::Text("héllo ✓".into()));
    assert_eq!(events[2], SocketEvent::Binary(vec![0, 1, 2, 253, 254, 255]));
}

// Messages cross into wasm in batches, joined into one string and split again (src/socket/inbox.js):
// more than one batch's worth, of every width of character, with a binary frame among them.
#[wasm_bindgen_test]
async fn a_burst_arrives_whole_in_order_and_timed() {
    let r = recorder();
    r.open("/echo", &[]).await;
    let started = js_sys::Date::now();
    let shapes = ["", "plain", "héllo ✓", "🦀 crab", "a\nb", "e\u{301}", "日本語"];
    let texts: Vec<String> = (0..600).map(|i| format!("{i} {}", shapes[i % shapes.len()])).collect();
    for (i, text) in texts.iter().enumerate() {
        r.handle.send_text(text).expect("send text");
        if i == 299 {
            r.handle.send_binary(&[7, 0, 255]).expect("send binary");
        }
    }
    r.until_events(1 + 601).await;
    assert_eq!(r.texts(), texts);
    assert_eq!(r.events.borrow()[1 + 300], SocketEvent::Binary(vec![7, 0, 255]));
    let times = r.times.borrow();
    let now = js_sys::Date::now();
    assert!(times[1..].windows(2).all(|w| w[0] <= w[1]), "arrival times go forward");
    assert!(times[1..].iter().all(|&t| started <= t && t <= now), "arrival times within the test");
}

#[wasm_bindgen_test]
async fn buffered_amount_rises_then_drains_to_zero() {
    let r = recorder();
    r.open("/sink", &[]).await;
    // 4 × 8 MiB: big enough that it cannot leave at once, each frame under the server's 16 MiB limit.
    let chunk = vec![0x5au8; 8 * 1024 * 1024];
    for _ in 0..4 {
        r.handle.send_binary(&chunk).expect("send");
    }
    let buffered = r.handle.buffered_amount();
    assert!(buffered.get_untracked() > 0, "32 MiB cannot leave the browser at once");
    until("buffered amount back to 0", move || buffered.get() == 0).await;
    assert_eq!(r.handle.ready_state().get_untracked(), ReadyState::Open, "drained by sending, not by closing");
}

#[wasm_bindgen_test]
async fn server_close_reports_code_reason_and_cleanness() {
    let r = recorder();
    r.handle.connect(&format!("{}/close?code=4001&reason=bye", server()), &[]).expect("connect");
    let close = r.handle.last_close();
    until("close event", move || close.get().is_some()).await;
    let info = close.get_untracked().expect("close info");
    assert_eq!((info.code, info.reason.as_str(), info.was_clean), (4001, "bye", true));
    assert_eq!(r.handle.ready_state().get_untracked(), ReadyState::Closed);
    assert!(matches!(r.events.borrow().last(), Some(SocketEvent::Close(_))));
}

#[wasm_bindgen_test]
async fn refused_connection_is_an_error_and_closed_not_a_panic() {
    let r = recorder();
    r.handle.connect(&format!("ws://127.0.0.1:{}/ws", closed_port()), &[]).expect("constructor accepts it");
    let close = r.handle.last_close();
    until("close after refusal", move || close.get().is_some()).await;
    assert!(matches!(r.handle.last_error().get_untracked(), Some(SocketError::ConnectionFailed { .. })));
    assert_eq!(r.handle.ready_state().get_untracked(), ReadyState::Closed);
    let info = close.get_untracked().expect("close info");
    assert_eq!(info.code, 1006);
    assert!(!info.was_clean);
    assert!(r.events.borrow().contains(&SocketEvent::Error));
}

#[wasm_bindgen_test]
fn invalid_urls_are_typed_errors() {
    let r = recorder();
    let h = r.handle;
    assert_eq!(h.connect("", &[]), Err(SocketError::InvalidUrl(UrlError::Empty)));
    assert_eq!(h.connect("ws://host/#x", &[]), Err(SocketError::InvalidUrl(UrlError::Fragment)));
    assert_eq!(h.connect("ftp://host/", &[]), Err(SocketError::InvalidUrl(UrlError::UnsupportedScheme("ftp".into()))));
    assert_eq!(h.connect("localhost:9001", &[]), Err(SocketError::InvalidUrl(UrlError::MissingScheme)));
    assert_eq!(h.last_error().get_untracked(), Some(SocketError::InvalidUrl(UrlError::MissingScheme)));
    // A subprotocol with a space is not a token: the browser's own SyntaxError, caught.
    match h.connect(&format!("{}/echo", server()), &["not a token".to_string()]) {
        Err(SocketError::Rejected { name, .. }) => assert_eq!(name, "SyntaxError"),
        other => panic!("expected SyntaxError, got {other:?}"),
    }
    assert_eq!(h.ready_state().get_untracked(), ReadyState::Closed);
    assert!(r.events.borrow().is_empty());
}

#[wasm_bindgen_test]
async fn invalid_close_requests_are_typed_errors_and_valid_ones_close() {
    let r = recorder();
    assert_eq!(r.handle.close(Some(1000), ""), Err(SocketError::NotOpen));
    r.open("/echo", &[]).await;
    assert_eq!(r.handle.close(Some(1001), ""), Err(SocketError::InvalidClose(CloseError::InvalidCode(1001))));
    assert_eq!(r.handle.close(Some(2999), ""), Err(SocketError::InvalidClose(CloseError::InvalidCode(2999))));
    assert_eq!(
        r.handle.close(Some(1000), &"x".repeat(124)),
        Err(SocketError::InvalidClose(CloseError::ReasonTooLong { bytes: 124 }))
    );
    assert_eq!(r.handle.ready_state().get_untracked(), ReadyState::Open, "refused closes leave it open");
    r.handle.close(Some(4321), "done here").expect("valid close");
    assert_eq!(r.handle.ready_state().get_untracked(), ReadyState::Closing);
    let close = r.handle.last_close();
    until("close event", move || close.get().is_some()).await;
    let info = close.get_untracked().expect("close info");
    assert_eq!((info.code, info.reason.as_str(), info.was_clean), (4321, "done here", true));
    assert_eq!(r.handle.send_text("late"), Err(SocketError::NotOpen));
}

#[wasm_bindgen_test]
async fn a_burst_of_ten_thousand_arrives_complete_and_in_order() {
    let r = recorder();
    r.handle.connect(&format!("{}/flood?n=10000", server()), &[]).expect("connect");
    r.until_events(10_001).await;
    let texts = r.texts();
    assert_eq!(texts.len(), 10_000);
    for (i, text) in texts.iter().enumerate() {
        assert_eq!(text, &format!("flood: {}", i + 1));
    }
}

#[wasm_bindgen_test]
async fn a_replaced_socket_never_reaches_the_new_state() {
    let r = recorder();
    r.handle.connect(&format!("{}/flood?n=2000", server()), &[]).expect("first");
    r.open("/echo", &[]).await;
    r.handle.send_text("only this").expect("send");
    let count = r.count;
    until("echo", move || count.get() >= 2).await;
    assert_eq!(r.texts(), vec!["only this".to_string()]);
    assert_eq!(r.events.borrow()[0], SocketEvent::Open);
}

#[wasm_bindgen_test]
async fn dropping_the_owner_closes_the_socket() {
    let r = recorder();
    r.open("/echo", &[]).await;
    let handle = r.handle;
    drop(r);
    // The signals are gone with their owner; reading them must not panic the module.
    assert_eq!(handle.send_text("after"), Err(SocketError::NotOpen));
}
