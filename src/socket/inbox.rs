//! The socket's inbox: messages wait in JavaScript (`inbox.js`) and cross into wasm once per
//! animation frame (or soon, in a hidden tab), a bounded batch at a time, each with the time it
//! arrived; a message too large to keep crosses as its start. One drain stops once it has taken
//! a frame's budget and leaves the rest to the next frame, so a burst never holds the tab.
//!
//! Crossing the boundary per message (a closure call, `event.data`, a string copy) cost more
//! than the message itself; one buffer per batch costs one copy. Texts cross as UTF-8 from
//! `TextEncoder`: wasm-bindgen's own string passing copies unit by unit in a JavaScript loop
//! (24 ms a mebibyte here). The limits on a batch keep any one string (a burst's, or a huge
//! message's) from needing room in wasm memory, which never shrinks, and a join from passing
//! the engine's longest string.

use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wschat_core::joined::split_utf8;

use super::{SocketEvent, WebSocketHandle};
use crate::timer::{AnimationFrame, Timeout};

/// A hidden tab gets no animation frames: its messages are handed on after this long instead.
const HIDDEN_DRAIN_MS: f64 = 100.0;

/// How many text messages cross into wasm in one string, at most.
const TEXTS_PER_TAKE: u32 = 256;

/// How long one string crossing into wasm may be, in UTF-16 units, unless its first message
/// alone is longer: a burst of long messages crosses a few at a time.
const UNITS_PER_TAKE: u32 = 1 << 16;

/// A drain that has run this long leaves what is left to the next frame (a frame is 16.7 ms at
/// 60 Hz; the rest is the view's).
const DRAIN_BUDGET_MS: f64 = 8.0;

/// A hidden tab draws nothing and drains only every [`HIDDEN_DRAIN_MS`]: it may take longer, so
/// that a flood does not pile up in the inbox.
const HIDDEN_DRAIN_BUDGET_MS: f64 = 50.0;

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
    fn take_texts(this: &Inbox, max: u32, budget: u32, limit: u32, start: u32) -> Vec<u8>;
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
                let frame = AnimationFrame::new(move || this.drain_in_budget(id));
                let fallback = Timeout::new(HIDDEN_DRAIN_MS, move || this.drain_in_budget(id));
                c.drain = Some((frame, fallback));
            }
        });
    }

    /// The handler reads a message in parts: the messages after it wait in the inbox until
    /// [`Self::resume_messages`] (an event other than a message still hands them all on first).
    pub fn pause_messages(&self) {
        self.connection.update_value(|c| {
            if let Some(c) = c.as_mut() {
                c.paused = true;
            }
        });
    }

    /// The handler is done with the message it read in parts: the inbox is handed on again.
    pub fn resume_messages(&self) {
        let id = self.connection.try_update_value(|c| {
            c.as_mut().map(|c| {
                c.paused = false;
                c.id
            })
        });
        if let Some(Some(id)) = id {
            self.schedule_drain(id);
        }
    }

    /// A scheduled drain: within a frame's budget, and not while the handler is paused.
    fn drain_in_budget(&self, id: u64) {
        let hidden = web_sys::window().and_then(|w| w.document()).is_some_and(|d| d.hidden());
        self.drain(id, Some(if hidden { HIDDEN_DRAIN_BUDGET_MS } else { DRAIN_BUDGET_MS }));
    }

    /// Hands on the inbox's messages, in order, until they are all taken or, with a budget,
    /// until it is spent or the handler pauses; then the rest waits for the next frame.
    pub(super) fn drain(&self, id: u64, budget_ms: Option<f64>) {
        let _phase = crate::heap_probe::enter(crate::heap_probe::Phase::Drain);
        let started = js_sys::Date::now();
        let inbox = self.connection.try_update_value(|c| {
            c.as_mut().filter(|c| c.id == id).map(|c| {
                c.drain = None;
                c.inbox.clone()
            })
        });
        let Some(Some(inbox)) = inbox else { return };
        while inbox.size() > 0 && self.current_id() == Some(id) {
            if let Some(budget) = budget_ms {
                if self.connection.with_value(|c| c.as_ref().is_some_and(|c| c.paused)) {
                    return;
                }
                if js_sys::Date::now() - started >= budget {
                    self.schedule_drain(id);
                    return;
                }
            }
            if inbox.head_is_text() {
                let bytes = inbox.take_texts(TEXTS_PER_TAKE, UNITS_PER_TAKE, KEPT_MESSAGE_UNITS, TOO_LARGE_START_UNITS);
                // TextEncoder wrote it: always UTF-8 (a lone surrogate became U+FFFD).
                let joined =
                    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
                let (lengths, times, cut) = (inbox.lengths(), inbox.times(), inbox.cut());
                if lengths.len() == 1 && cut.is_none() {
                    // A long message crosses alone: hand on the string itself, not a copy.
                    let at = times.first().copied().unwrap_or_else(js_sys::Date::now);
                    self.deliver(id, SocketEvent::Text(joined), at);
                    continue;
                }
                for (i, (text, at)) in split_utf8(&joined, &lengths).zip(times).enumerate() {
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
