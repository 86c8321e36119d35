//! Nothing typed is lost and nothing from the network breaks the client: reconnects, dead
//! links, refused input and hostile frames, against the reference server in a headless browser.
#![cfg(target_arch = "wasm32")]

mod common;

use common::dom::*;
use common::{pass_until, server, unique_room, until};
use futures::SinkExt;
use gloo_net::websocket::Message;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::Element;
use wschat::socket::{ReadyState, WebSocketHandle};

wasm_bindgen_test_configure!(run_in_browser);

fn url_query(path: &str, nick: &str, extra: &str) -> String {
    let url = js_sys::encode_uri_component(&format!("{}{path}", server()));
    format!("url={url}&nick={nick}{extra}")
}

fn error_text(root: &Element) -> String {
    find(root, "error").and_then(|e| e.text_content()).unwrap_or_default()
}

#[wasm_bindgen_test]
async fn a_server_error_close_reconnects_with_growing_attempts() {
    let app = mount(&url_query("/close?code=1011&reason=oops", "rita", ""));
    app.until("first reconnect scheduled", |m| attr(m, "reconnect-info", "data-attempt").as_deref() == Some("1")).await;
    let delay: f64 = attr(&app.root, "reconnect-info", "data-delay-ms").and_then(|d| d.parse().ok()).unwrap_or(-1.0);
    assert!((250.0..=500.0).contains(&delay), "first delay is 0.25 to 0.5 s, got {delay}");
    assert!(find(&app.root, "reconnect-now-button").is_some());
    // The reconnect happens by itself, is closed again with 1011, and backs off further.
    app.until("second attempt scheduled", |m| attr(m, "reconnect-info", "data-attempt").as_deref() == Some("2")).await;
    assert_eq!(attr(&app.root, "close-info", "data-code").as_deref(), Some("1011"));
}

/// The reconnect showing in `reconnect-info`: its delay, when it was scheduled by the page's own
/// clock (the `data-ms` of its "Reconnecting in" line) and where that line is in the timeline.
struct Scheduled {
    delay_ms: f64,
    at_ms: f64,
    line: usize,
}

fn line_ms(entry: &Element) -> f64 {
    entry.get_attribute("data-ms").and_then(|t| t.parse().ok()).expect("every timeline line has data-ms")
}

fn scheduled(root: &Element) -> Scheduled {
    let attempt = attr(root, "reconnect-info", "data-attempt").expect("a reconnect is scheduled");
    let delay_ms = attr(root, "reconnect-info", "data-delay-ms").and_then(|d| d.parse().ok()).expect("data-delay-ms");
    let said = format!("(attempt {attempt}).");
    let (line, entry) = messages(root)
        .into_iter()
        .enumerate()
        .rev()
        .find(|(_, e)| text_of(e).is_some_and(|t| t.starts_with("Reconnecting in") && t.ends_with(&said)))
        .expect("the line that scheduled the reconnect");
    Scheduled { delay_ms, at_ms: line_ms(&entry), line }
}

/// When the first connection attempt after timeline line `line` started, by the page's clock.
fn connecting_after(root: &Element, line: usize) -> Option<f64> {
    messages(root)
        .iter()
        .skip(line + 1)
        .find(|e| text_of(e).is_some_and(|t| t.starts_with("Connecting to")))
        .map(line_ms)
}

#[wasm_bindgen_test]
async fn reconnect_now_skips_the_wait() {
    let app = mount(&url_query("/close?code=1011&reason=oops", "rosa", ""));
    // The third wait is 1 to 2 s: an attempt in its first half cannot be the scheduled one.
    app.until("third attempt scheduled", |m| attr(m, "reconnect-info", "data-attempt").as_deref() == Some("3")).await;
    let wait = scheduled(&app.root);
    let button: web_sys::HtmlElement = app.get("reconnect-now-button").unchecked_into();
    button.click();
    let line = wait.line;
    app.until("a new connection attempt", move |m| connecting_after(m, line).is_some()).await;
    let into_wait = connecting_after(&app.root, line).expect("the attempt") - wait.at_ms;
    assert!(
        into_wait < wait.delay_ms / 2.0,
        "the attempt came {into_wait} ms into a wait of {} ms, not when the button was pressed",
        wait.delay_ms
    );
}

/// How late a browser timer may fire on a busy machine and still count as on time.
const LATE_TIMER_MS: f64 = 1_000.0;

#[wasm_bindgen_test]
async fn disconnect_calls_off_a_reconnect_in_waiting() {
    track_sockets();
    // The room means nothing to /close: it only tells this app's sockets from those of others.
    let tag = unique_room("dora");
    let app = mount(&url_query(&format!("/close?code=1011&reason=oops&room={tag}"), "dora", ""));
    app.until("reconnect scheduled", |m| find(m, "reconnect-info").is_some()).await;
    let wait = scheduled(&app.root);
    let sockets = sockets_to(&tag);
    let button: web_sys::HtmlButtonElement = app.get("disconnect-button").unchecked_into();
    assert!(!button.disabled(), "the waiting reconnect can be called off");
    button.click();
    app.until("reconnect called off", |m| {
        find(m, "reconnect-info").is_none()
            && messages(m).iter().any(|e| text_of(e).is_some_and(|t| t.contains("Reconnect cancelled")))
    })
    .await;
    assert!(button.disabled(), "nothing left to disconnect");
    // A reconnect that does not happen has no event to wait for: let its time pass, then look.
    pass_until(wait.at_ms + wait.delay_ms + LATE_TIMER_MS).await;
    assert_eq!(sockets_to(&tag), sockets, "a socket was made after Disconnect");
    assert_eq!(connecting_after(&app.root, wait.line), None, "the called-off reconnect went ahead");
    assert_eq!(attr(&app.root, "connection-status", "data-ready-state").as_deref(), Some("closed"));
    assert!(find(&app.root, "reconnect-info").is_none());
}

#[wasm_bindgen_test]
async fn a_policy_close_does_not_reconnect_and_says_why() {
    let app = mount(&url_query("/close?code=1008&reason=go%20away", "paul", ""));
    app.until("the reason not to come back", |m| error_text(m).contains("policy violation")).await;
    assert_eq!(attr(&app.root, "close-info", "data-code").as_deref(), Some("1008"));
    assert!(find(&app.root, "reconnect-info").is_none(), "no reconnect after 1008");
    assert!(error_text(&app.root).contains("Not reconnecting"));
}

#[wasm_bindgen_test]
async fn the_persons_own_close_does_not_reconnect() {
    let room = unique_room("own-close");
    let app = mount(&room_query(&room, "olga", ""));
    app.until_open().await;
    app.type_and_enter("/close 4000 done for today");
    app.until("closed", |m| attr(m, "close-info", "data-code").as_deref() == Some("4000")).await;
    assert_eq!(attr(&app.root, "close-info", "data-reason").as_deref(), Some("done for today"));
    assert!(find(&app.root, "reconnect-info").is_none());
    assert!(messages(&app.root).iter().any(|e| text_of(e).is_some_and(|t| t.contains("not reconnecting"))));
}

#[wasm_bindgen_test]
async fn a_frozen_server_is_detected_within_the_idle_timeout() {
    let app = mount(&url_query("/stall", "ivan", "&idle_timeout=800"));
    app.until_open().await;
    let opened = js_sys::Date::now();
    app.until("dead link noticed and reconnect scheduled", |m| find(m, "reconnect-info").is_some()).await;
    let took = js_sys::Date::now() - opened;
    assert!(took >= 700.0, "not before the timeout: {took} ms");
    assert!(took < 3000.0, "detected within the timeout and a little slack: {took} ms");
    assert!(messages(&app.root).iter().any(|e| text_of(e).is_some_and(|t| t.contains("looks dead"))));
}

#[wasm_bindgen_test]
async fn bad_input_from_the_person_is_refused_with_reasons() {
    let room = unique_room("refuse");
    let app = mount(&room_query(&room, "hana", ""));
    app.until_open().await;
    let own =
        |m: &Element| messages(m).iter().filter(|e| e.get_attribute("data-kind").as_deref() == Some("own")).count();

    let too_long = 16 * 1024 * 1024 + 1;
    app.type_and_enter(&"a".repeat(too_long));
    app.until("size refusal", |m| error_text(m).contains("limit is 16777216 bytes")).await;
    assert_eq!(own(&app.root), 0, "an oversized message is not sent");
    let composer: web_sys::HtmlTextAreaElement = app.get("composer-input").unchecked_into();
    assert_eq!(composer.value().len(), too_long, "the refused text stays for the person to edit");

    app.type_and_enter("/frobnicate now");
    app.until("unknown command", |m| error_text(m).contains("Unknown command /frobnicate")).await;
    app.type_and_enter("/close 1001");
    app.until("bad close code", |m| error_text(m).contains("Close code 1001 cannot be sent")).await;
    app.type_and_enter(&format!("/close 4000 {}", "x".repeat(124)));
    app.until("long reason", |m| error_text(m).contains("at most 123 bytes")).await;
    assert_eq!(attr(&app.root, "connection-status", "data-ready-state").as_deref(), Some("open"));
    assert_eq!(own(&app.root), 0);

    app.fill("nick-input", "   ");
    let connect: web_sys::HtmlElement = app.get("connect-button").unchecked_into();
    connect.click();
    app.until("empty nick", |m| error_text(m).contains("Choose a nickname")).await;
}

/// Payloads from the usual XSS cheat sheets; each must arrive as the exact text, inert.
const INJECTIONS: [&str; 28] = [
    "<script>window.__pwned=1</script>",
    "<img src=x onerror=\"window.__pwned=2\">",
    "<svg onload=\"window.__pwned=3\"></svg>",
    "<svg><script>window.__pwned=4</script></svg>",
    "<iframe src=\"javascript:window.parent.__pwned=5\"></iframe>",
    "<a href=\"javascript:window.__pwned=6\">click</a>",
    "<body onload=\"window.__pwned=7\">",
    "<input autofocus onfocus=\"window.__pwned=8\">",
    "<details open ontoggle=\"window.__pwned=9\">",
    "<video><source onerror=\"window.__pwned=10\"></video>",
    "<math><mtext><img src=x onerror=\"window.__pwned=11\"></mtext></math>",
    "\"><script>window.__pwned=12</script>",
    "'><img src=x onerror='window.__pwned=13'>",
    "&lt;script&gt;window.__pwned=14&lt;/script&gt;",
    "&#60;img src=x onerror=window.__pwned=15&#62;",
    "<scr<script>ipt>window.__pwned=16</scr</script>ipt>",
    "<object data=\"javascript:window.__pwned=17\"></object>",
    "<embed src=\"javascript:window.__pwned=18\">",
    "<style>@import 'javascript:window.__pwned=19';</style>",
    "<link rel=stylesheet href=\"javascript:window.__pwned=20\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:window.__pwned=21\">",
    "<form action=\"javascript:window.__pwned=22\"><button>x</button></form>",
    "<div style=\"background:url(javascript:window.__pwned=23)\">x</div>",
    "<template><img src=x onerror=\"window.__pwned=24\"></template>",
    "<noscript><p title=\"</noscript><img src=x onerror=window.__pwned=25>\">",
    "javascript:window.__pwned=26",
    "<img src=\"x` `<script>window.__pwned=27</script>\"` `>",
    "\u{202e}<b>reversed</b>\u{7}\u{0}control",
];

#[wasm_bindgen_test]
async fn hostile_text_in_messages_and_nicks_stays_inert() {
    let room = unique_room("xss");
    let app = mount(&room_query(&room, "vera", ""));
    app.until_open().await;
    let mut mallory = peer(&room).await;
    // Nicks have at most 32 characters and no spaces, or the text format does not take them as nicks.
    let nicks = ["<img/src/onerror=__pwned=100>", "<svg/onload=__pwned=101>", "\"><b>nick</b>"];
    for (i, payload) in INJECTIONS.iter().enumerate() {
        let nick = nicks[i % nicks.len()];
        mallory.send(Message::Text(format!("{nick}: {payload}"))).await.expect("send");
    }
    let expected = INJECTIONS.len();
    app.until("every payload shown", move |m| {
        messages(m).iter().filter(|e| e.get_attribute("data-kind").as_deref() == Some("chat")).count() == expected
    })
    .await;
    let chats: Vec<Element> =
        messages(&app.root).into_iter().filter(|e| e.get_attribute("data-kind").as_deref() == Some("chat")).collect();
    for (i, (entry, payload)) in chats.iter().zip(INJECTIONS).enumerate() {
        assert_eq!(text_of(entry).as_deref(), Some(payload), "payload {i} shown as exact text");
        assert_eq!(entry.get_attribute("data-nick").as_deref(), Some(nicks[i % nicks.len()]));
    }
    // Only the elements the app itself makes exist inside the log.
    let all = app.get("message-list").query_selector_all("*").expect("query");
    for i in 0..all.length() {
        let Some(el) = all.item(i).and_then(|n| n.dyn_into::<Element>().ok()) else { continue };
        let tag = el.tag_name();
        assert!(matches!(tag.as_str(), "DIV" | "TIME" | "SPAN" | "BUTTON" | "A"), "an element <{tag}> was injected");
        if tag == "A" {
            // The app's own links: http(s) only, opened apart from this page.
            let href = el.get_attribute("href").unwrap_or_default();
            assert!(href.starts_with("http://") || href.starts_with("https://"), "a link to {href}");
            assert_eq!(el.get_attribute("rel").as_deref(), Some("noopener noreferrer"));
        }
    }
    let pwned = js_sys::Reflect::get(&web_sys::window().expect("window"), &"__pwned".into()).expect("read");
    assert!(pwned.is_undefined(), "script from the network ran: {pwned:?}");
}

#[wasm_bindgen_test]
async fn a_one_mebibyte_frame_is_shown_truncated_with_its_size() {
    let room = unique_room("huge");
    let app = mount(&room_query(&room, "walt", ""));
    app.until_open().await;
    let mut big = peer(&room).await;
    let body = "é".repeat(512 * 1024) + "END"; // 1 MiB + 3 bytes of UTF-8
    big.send(Message::Text(format!("big: {body}"))).await.expect("send");
    let big_text = |m: &Element| {
        messages(m)
            .into_iter()
            .find(|e| e.get_attribute("data-nick").as_deref() == Some("big"))
            .and_then(|e| e.query_selector("[data-testid=\"message-text\"]").ok().flatten())
    };
    app.until("truncated entry", move |m| big_text(m).is_some_and(|t| t.has_attribute("data-truncated"))).await;
    let shown = big_text(&app.root).and_then(|t| t.text_content()).unwrap_or_default();
    assert_eq!(shown.len(), 16 * 1024, "the first 16 KiB, cut on a character boundary");
    assert!(body.starts_with(&shown));
    let note =
        app.root.query_selector(".truncated-note").ok().flatten().and_then(|e| e.text_content()).unwrap_or_default();
    assert!(note.contains("1.0 MiB"), "{note}");
    assert_eq!(attr(&app.root, "message-list", "data-total-received").as_deref(), Some("1"));
}

#[wasm_bindgen_test]
async fn binary_that_is_not_utf8_is_a_raw_entry() {
    let room = unique_room("bytes");
    let app = mount(&room_query(&room, "xena", ""));
    app.until_open().await;
    let mut peer = gloo_net::websocket::futures::WebSocket::open(&format!("{}/ws?room={room}&binary=room", server()))
        .expect("peer");
    peer.send(Message::Bytes(vec![0xff, 0xfe, 0xc3, 0x28])).await.expect("send");
    app.until("raw entry", |m| has_message(m, "raw", None, "binary frame, 4 bytes: ff fe c3 28  |...(|")).await;
}

#[wasm_bindgen(inline_js = "
export function track_sockets() {
  if (window.__wsTracked) return;
  const Native = window.WebSocket;
  const all = [];
  window.WebSocket = class extends Native { constructor(...args) { super(...args); all.push(this); } };
  window.__wsTracked = all;
}
export function live_sockets() { return window.__wsTracked.filter((s) => s.readyState < 2).length; }
export function sockets_with_listeners() {
  return window.__wsTracked.filter((s) => s.onopen || s.onmessage || s.onerror || s.onclose).length;
}
export function tracked_sockets() { return window.__wsTracked.length; }
export function sockets_to(part) { return window.__wsTracked.filter((s) => s.url.includes(part)).length; }
export function live_sockets_to(part) {
  return window.__wsTracked.filter((s) => s.url.includes(part) && s.readyState < 2).length;
}
")]
extern "C" {
    fn track_sockets();
    fn live_sockets() -> u32;
    fn sockets_with_listeners() -> u32;
    fn tracked_sockets() -> u32;
    fn sockets_to(part: &str) -> u32;
    fn live_sockets_to(part: &str) -> u32;
}

fn wasm_memory_bytes() -> f64 {
    wasm_bindgen::memory()
        .unchecked_into::<js_sys::WebAssembly::Memory>()
        .buffer()
        .unchecked_into::<js_sys::ArrayBuffer>()
        .byte_length() as f64
}

#[wasm_bindgen_test]
async fn two_hundred_connect_disconnect_cycles_leave_one_socket_and_no_growth() {
    track_sockets();
    let owner = Owner::new();
    let handle = owner.with(|| WebSocketHandle::new(|_, _| {}));
    let state = handle.ready_state();
    let url = format!("{}/echo", server());
    let first = tracked_sockets();
    let mut memory_after_warmup = 0.0;
    for cycle in 0..200 {
        handle.connect(&url, &[]).expect("connect");
        until("open", move || state.get() == ReadyState::Open).await;
        handle.close(Some(1000), "cycle").expect("close");
        until("closed", move || state.get() == ReadyState::Closed).await;
        if cycle == 49 {
            memory_after_warmup = wasm_memory_bytes();
        }
    }
    handle.connect(&url, &[]).expect("connect");
    until("open", move || state.get() == ReadyState::Open).await;
    assert_eq!(tracked_sockets() - first, 201, "every cycle made exactly one socket");
    assert_eq!(live_sockets(), 1, "one live (connecting or open) socket");
    assert_eq!(sockets_with_listeners(), 1, "old sockets keep no listeners");
    let growth = wasm_memory_bytes() - memory_after_warmup;
    assert!(growth <= 65_536.0, "wasm memory grew by {growth} bytes over 150 cycles");
    drop(owner);
    assert_eq!(live_sockets(), 0, "dropping the owner closed the last socket");
}

#[wasm_bindgen_test]
async fn unmounting_the_app_closes_its_socket_and_nothing_reconnects() {
    track_sockets();
    let room = unique_room("unmount");
    let app = mount(&room_query(&room, "uma", ""));
    app.until_open().await;
    assert_eq!(live_sockets_to(&room), 1);
    drop(app);
    let gone = room.clone();
    until("the socket closed", move || live_sockets_to(&gone) == 0).await;
    // A reconnect would come within 0.5 s of the close (the first backoff delay): wait past it.
    let made = sockets_to(&room);
    pass_until(js_sys::Date::now() + 1_500.0).await;
    assert_eq!(sockets_to(&room), made, "no socket was made after unmounting");
}

#[wasm_bindgen_test]
async fn a_message_that_keeps_failing_becomes_failed_with_retry_and_discard() {
    let app = mount(&url_query("/flaky", "fay", ""));
    app.until_open().await;
    let status = |text: &'static str| {
        move |m: &Element| {
            messages(m)
                .into_iter()
                .find(|e| e.get_attribute("data-kind").as_deref() == Some("own") && text_of(e).as_deref() == Some(text))
                .and_then(|e| e.get_attribute("data-status"))
        }
    };
    // An echo first: this server is seen to confirm, so unconfirmed messages are resent.
    app.type_and_enter("echo me");
    let echo = status("echo me");
    app.until("echoed", move |m| echo(m).as_deref() == Some("delivered")).await;
    // The server drops the link on these every time: after 5 attempts they fail, together.
    app.type_and_enter("doomed a");
    app.type_and_enter("doomed b");
    let (a, b) = (status("doomed a"), status("doomed b"));
    app.until("both failed after the attempts", move |m| {
        a(m).as_deref() == Some("failed") && b(m).as_deref() == Some("failed")
    })
    .await;
    let buttons = |action: &str| {
        app.root.query_selector_all(&format!("[data-testid=\"{action}-button\"]")).map(|l| l.length()).unwrap_or(0)
    };
    assert_eq!((buttons("retry"), buttons("discard")), (2, 2), "Retry and Discard on each failed message");
    // The README's 5 attempts, counted in the app's own record of the frames it sent.
    app.get("inspector-toggle").unchecked_into::<web_sys::HtmlElement>().click();
    app.until("every kept frame drawn", |m| {
        let kept = find(m, "inspector-count")
            .and_then(|c| c.text_content())
            .and_then(|t| t.split(' ').next().and_then(|n| n.parse::<usize>().ok()));
        kept.is_some_and(|kept| kept > 0 && kept == all(m, "[data-testid=\"inspector-frame\"]").len())
    })
    .await;
    let sends = |text: &str| {
        all(&app.root, "[data-testid=\"inspector-frame\"][data-direction=\"out\"]")
            .iter()
            .filter(|f| find(f, "inspector-payload").and_then(|p| p.text_content()).as_deref() == Some(text))
            .count()
    };
    assert_eq!((sends("fay: doomed a"), sends("fay: doomed b")), (5, 5), "each sent 5 times, then failed");
    let discard_a: web_sys::HtmlElement = app.get("discard-button").unchecked_into();
    discard_a.click();
    let a = status("doomed a");
    app.until("a discarded", move |m| a(m).is_none()).await;
    let retry_b: web_sys::HtmlElement = app.get("retry-button").unchecked_into();
    retry_b.click();
    let b = status("doomed b");
    app.until("b on its way again", move |m| matches!(b(m).as_deref(), Some("pending" | "sent"))).await;
    assert_eq!(status("echo me")(&app.root).as_deref(), Some("delivered"));
}
