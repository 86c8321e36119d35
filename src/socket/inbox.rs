//! The socket's inbox: messages wait in JavaScript (`inbox.js`) and cross into wasm once per
//! animation frame (or soon, in a hidden tab), a bounded batch at a time, each with the time it
//! arrived; a message too large to keep crosses as its start.

use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wschat_core::joined::split_utf16;

use super::{SocketEvent, WebSocketHandle};
use crate::timer::{AnimationFrame, Timeout};

/// A hidden tab gets no animation frames: its messages are handed on after this long instead.
const HIDDEN_DRAIN_MS: f64 = 100.0;

/// How many text messages cross into wasm in one string, at most.
const TEXTS_PER_TAKE: u32 = 256;

/// How long one string crossing into wasm may be, in UTF-16 units, unless its first message
/// alone is longer: a burst of long messages crosses a few at a time.
const UNITS_PER_TAKE: u32 = 1 << 20;

/// A text message longer than this (UTF-16 units; the client's own largest message) crosses
/// into wasm as its start only ([`SocketEvent::TooLarge`]): wasm memory never shrinks, and the
/// network may send anything.
pub const KEPT_MESSAGE_UNITS: u32 = 16 * 1024 * 1024;

/// How much of a message too large to keep crosses into wasm, in UTF-16 units.
const TOO_LARGE_START_UNITS: u32 = 64 * 1024;

#[wasm_bindgen(module = "/src/socket/inbox.js")]
extern "C" {
    /// The socket's `onmessage`: keeps messages until wasm takes them (see inbox.js).
    #[derive(Clone)]
    pub(super) type Inbox;
    #[wasm_bindgen(constructor)]
    pub(super) fn new(wake: &Closure<dyn FnMut()>) -> Inbox;
    #[wasm_bindgen(method, getter)]
    pub(super) fn onmessage(this: &Inbox) -> js_sys::Function;
    #[wasm_bindgen(method, getter)]
    fn size(this: &Inbox) -> u32;
    #[wasm_bindgen(method, getter, js_name = headIsText)]
    fn head_is_text(this: &Inbox) -> bool;
    #[wasm_bindgen(method, js_name = takeTexts)]
    fn take_texts(this: &Inbox, max: u32, budget: u32, limit: u32, start: u32) -> String;
    #[wasm_bindgen(method, js_name = takeBinary)]
    fn take_binary(this: &Inbox) -> JsValue;
    #[wasm_bindgen(method, getter)]
    fn lengths(this: &Inbox) -> Vec<u32>;
    #[wasm_bindgen(method, getter)]
    fn times(this: &Inbox) -> Vec<f64>;
    #[wasm_bindgen(method, getter)]
    fn cut(this: &Inbox) -> Option<Vec<u32>>;
}

impl WebSocketHandle {
    /// The inbox has messages: hand them on before the next paint (or soon, in a hidden tab).
    pub(super) fn schedule_drain(&self, id: u64) {
        let this = *self;
        self.connection.try_update_value(|c| {
            if let Some(c) = c.as_mut().filter(|c| c.id == id && c.drain.is_none()) {
                let frame = AnimationFrame::new(move || this.drain(id));
                let fallback = Timeout::new(HIDDEN_DRAIN_MS, move || this.drain(id));
                c.drain = Some((frame, fallback));
            }
        });
    }

    /// Hands on every message in the inbox, in order.
    pub(super) fn drain(&self, id: u64) {
        let inbox = self.connection.try_update_value(|c| {
            c.as_mut().filter(|c| c.id == id).map(|c| {
                c.drain = None;
                c.inbox.clone()
            })
        });
        let Some(Some(inbox)) = inbox else { return };
        while inbox.size() > 0 && self.current_id() == Some(id) {
            if inbox.head_is_text() {
                let joined =
                    inbox.take_texts(TEXTS_PER_TAKE, UNITS_PER_TAKE, KEPT_MESSAGE_UNITS, TOO_LARGE_START_UNITS);
                let (lengths, times, cut) = (inbox.lengths(), inbox.times(), inbox.cut());
                if lengths.len() == 1 && cut.is_none() {
                    // A long message crosses alone: hand on the string itself, not a copy.
                    let at = times.first().copied().unwrap_or_else(js_sys::Date::now);
                    self.deliver(id, SocketEvent::Text(joined), at);
                    continue;
                }
                for (i, (text, at)) in split_utf16(&joined, &lengths).zip(times).enumerate() {
                    let event = match cut.as_ref().and_then(|cut| cut.get(i)).copied().unwrap_or(0) {
                        0 => SocketEvent::Text(text.to_owned()),
                        units => SocketEvent::TooLarge { start: text.to_owned(), size: units as usize, binary: false },
                    };
                    self.deliver(id, event, at);
                }
            } else {
                let data = inbox.take_binary();
                let at = inbox.times().first().copied().unwrap_or_else(js_sys::Date::now);
                let bytes = js_sys::Uint8Array::new(&data);
                let event = if bytes.length() > KEPT_MESSAGE_UNITS {
                    SocketEvent::TooLarge { start: String::new(), size: bytes.length() as usize, binary: true }
                } else {
                    SocketEvent::Binary(bytes.to_vec())
                };
                self.deliver(id, event, at);
            }
        }
    }
}
