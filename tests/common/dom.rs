//! Mounting the app in the test page and reading it through the UI contract's DOM names.

use futures::StreamExt;
use gloo_net::websocket::{futures::WebSocket, Message};
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};

use super::{server, until_dom};

/// The app mounted in a fresh element of the test page, with `query` as the page's query string.
pub struct Mounted {
    pub root: HtmlElement,
    /// Unmounts the app when dropped.
    _handle: Box<dyn std::any::Any>,
}

pub fn document() -> web_sys::Document {
    web_sys::window().and_then(|w| w.document()).expect("document")
}

pub fn mount(query: &str) -> Mounted {
    let window = web_sys::window().expect("window");
    window
        .history()
        .expect("history")
        .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&format!("?{query}")))
        .expect("set query");
    let root: HtmlElement = document().create_element("div").expect("div").unchecked_into();
    document().body().expect("body").append_child(&root).expect("append");
    let handle = leptos::mount::mount_to(root.clone(), wschat::App);
    Mounted { root, _handle: Box::new(handle) }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        self.root.remove();
    }
}

pub fn find(root: &Element, testid: &str) -> Option<Element> {
    root.query_selector(&format!("[data-testid=\"{testid}\"]")).ok().flatten()
}

/// Every element under `root` that matches `selector`, in document order.
pub fn all(root: &Element, selector: &str) -> Vec<Element> {
    let list = root.query_selector_all(selector).expect("query");
    (0..list.length()).filter_map(|i| list.item(i)).filter_map(|n| n.dyn_into::<Element>().ok()).collect()
}

pub fn messages(root: &Element) -> Vec<Element> {
    all(root, "[data-testid=\"message\"]")
}

pub fn text_of(message: &Element) -> Option<String> {
    message.query_selector("[data-testid=\"message-text\"]").ok().flatten().and_then(|t| t.text_content())
}

impl Mounted {
    pub fn find(&self, testid: &str) -> Option<Element> {
        find(&self.root, testid)
    }

    pub fn get(&self, testid: &str) -> Element {
        self.find(testid).unwrap_or_else(|| panic!("no element with data-testid={testid}"))
    }

    pub fn messages(&self) -> Vec<Element> {
        messages(&self.root)
    }

    /// Waits until `cond` holds for the app's DOM, re-checking on every mutation.
    pub async fn until(&self, what: &str, cond: impl Fn(&Element) -> bool + 'static) {
        let root: Element = self.root.clone().into();
        let probe = root.clone();
        until_dom(what, &root, move || cond(&probe)).await;
    }

    pub async fn until_open(&self) {
        self.until("connection open", |root| {
            find(root, "connection-status").and_then(|e| e.get_attribute("data-ready-state")).as_deref() == Some("open")
        })
        .await;
    }

    /// Types `text` into the composer and presses Enter, as a person would.
    /// Sets a text field's value and fires `input`, as typing does.
    pub fn fill(&self, testid: &str, value: &str) -> Element {
        self.set_value_and_fire(testid, value, "input")
    }

    /// Picks an option of a select and fires `change`, as choosing one does.
    pub fn choose(&self, testid: &str, value: &str) {
        self.set_value_and_fire(testid, value, "change");
    }

    fn set_value_and_fire(&self, testid: &str, value: &str, event: &str) -> Element {
        let field = self.get(testid);
        let _ = js_sys::Reflect::set(&field, &"value".into(), &value.into());
        let init = web_sys::EventInit::new();
        init.set_bubbles(true);
        let event = web_sys::Event::new_with_event_init_dict(event, &init).expect("event");
        field.dispatch_event(&event).expect("dispatch");
        field
    }

    /// The current value of a form field.
    pub fn value(&self, testid: &str) -> String {
        js_sys::Reflect::get(&self.get(testid), &"value".into()).ok().and_then(|v| v.as_string()).unwrap_or_default()
    }

    pub fn type_and_enter(&self, text: &str) {
        self.fill("composer-input", text);
        self.press("composer-input", "Enter");
    }

    /// Fires a keydown of `key` at an element; returns whether the app took it (prevented the
    /// browser's own action).
    pub fn press(&self, testid: &str, key_name: &str) -> bool {
        let key = web_sys::KeyboardEventInit::new();
        key.set_key(key_name);
        key.set_bubbles(true);
        key.set_cancelable(true);
        let event = web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &key).expect("keydown");
        !self.get(testid).dispatch_event(&event).expect("dispatch keydown")
    }
}

pub fn has_message(root: &Element, kind: &str, nick: Option<&str>, text: &str) -> bool {
    messages(root).iter().any(|e| {
        e.get_attribute("data-kind").as_deref() == Some(kind)
            && e.get_attribute("data-nick").as_deref() == nick
            && text_of(e).as_deref() == Some(text)
    })
}

pub fn own_status(root: &Element, text: &str) -> Option<String> {
    messages(root)
        .iter()
        .find(|e| e.get_attribute("data-kind").as_deref() == Some("own") && text_of(e).as_deref() == Some(text))
        .and_then(|e| e.get_attribute("data-status"))
}

/// An attribute of the element with that test id, if both are there.
pub fn attr(root: &Element, testid: &str, name: &str) -> Option<String> {
    find(root, testid).and_then(|e| e.get_attribute(name))
}

pub fn room_query(room: &str, nick: &str, extra: &str) -> String {
    let url = js_sys::encode_uri_component(&format!("{}/ws?room={room}", server()));
    format!("url={url}&nick={nick}{extra}")
}

pub async fn peer(room: &str) -> WebSocket {
    WebSocket::open(&format!("{}/ws?room={room}", server())).expect("peer connects")
}

pub async fn next_text(ws: &mut WebSocket) -> String {
    match ws.next().await {
        Some(Ok(Message::Text(t))) => t,
        other => panic!("peer expected text, got {other:?}"),
    }
}
