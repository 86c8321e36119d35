//! The browser WebSocket as Leptos signals: one socket at a time, its events, its state, its actions.
//!
//! [`WebSocketHandle`] owns the `web_sys::WebSocket` and the closures attached to it. They are
//! detached and dropped when the socket is replaced or the owning component is cleaned up, so
//! no closure outlives its socket and an old socket's late events never reach the new state.
//! Messages wait in a small JavaScript inbox (`inbox.js`) and are handed on once per animation
//! frame: crossing into wasm once per message cost more than the message itself.

mod error;
mod inbox;

pub use error::SocketError;
use inbox::Inbox;
pub use inbox::KEPT_MESSAGE_UNITS;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{BinaryType, CloseEvent, Event, WebSocket};
use wschat_core::close::validate_close;
use wschat_core::url::{mask_credentials, normalize_ws_url, PageOrigin};

use crate::timer::{AnimationFrame, Timeout};

/// How often state the browser reports without events (bufferedAmount, CLOSING) is re-read
/// while it is changing.
const POLL_INTERVAL: Duration = Duration::from_millis(16);

/// The four states of `WebSocket.readyState`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ReadyState {
    Connecting,
    Open,
    Closing,
    #[default]
    Closed,
}

impl ReadyState {
    fn from_js(state: u16) -> Self {
        match state {
            WebSocket::CONNECTING => ReadyState::Connecting,
            WebSocket::OPEN => ReadyState::Open,
            WebSocket::CLOSING => ReadyState::Closing,
            _ => ReadyState::Closed,
        }
    }

    /// The UI contract's name: `connecting`, `open`, `closing` or `closed`.
    pub fn as_str(self) -> &'static str {
        match self {
            ReadyState::Connecting => "connecting",
            ReadyState::Open => "open",
            ReadyState::Closing => "closing",
            ReadyState::Closed => "closed",
        }
    }
}

/// What the close event said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CloseInfo {
    pub code: u16,
    pub reason: String,
    pub was_clean: bool,
}

/// Everything a socket reports, in the order it happened. The handler sees every message of a
/// burst; nothing is coalesced into "the latest". Messages reach it once per animation frame,
/// all that arrived since the last, each with the time it arrived; other events at once (after
/// the messages before them).
#[derive(Clone, Debug, PartialEq)]
pub enum SocketEvent {
    Open,
    Text(String),
    Binary(Vec<u8>),
    /// A message larger than the socket keeps ([`KEPT_MESSAGE_UNITS`], or as many bytes for a
    /// binary one): only its start crossed into wasm (none of a binary one), and its size.
    TooLarge {
        start: String,
        size: usize,
        binary: bool,
    },
    /// The browser's error event (it carries no detail; a close event follows).
    Error,
    Close(CloseInfo),
}

/// One connection: the socket and the closures the browser calls.
struct Connection {
    id: u64,
    ws: WebSocket,
    inbox: Inbox,
    /// The next handing on of the inbox's messages, while one is due.
    drain: Option<(AnimationFrame, Timeout)>,
    /// The handler is still reading a message in parts: the next wait (see [`WebSocketHandle::pause_messages`]).
    paused: bool,
    _on_open: Closure<dyn FnMut(Event)>,
    _wake: Closure<dyn FnMut()>,
    _on_error: Closure<dyn FnMut(Event)>,
    _on_close: Closure<dyn FnMut(CloseEvent)>,
}

impl Drop for Connection {
    fn drop(&mut self) {
        // Detach first: the closures are freed next, and the browser must never call a freed one.
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onerror(None);
        self.ws.set_onclose(None);
        if matches!(ReadyState::from_js(self.ws.ready_state()), ReadyState::Connecting | ReadyState::Open) {
            let _ = self.ws.close_with_code_and_reason(1000, "replaced");
        }
    }
}

/// The browser WebSocket as signals plus actions. `Copy`, so it can be moved into any closure;
/// it lives as long as the reactive owner it was created under.
#[derive(Clone, Copy)]
pub struct WebSocketHandle {
    ready_state: RwSignal<ReadyState>,
    buffered_amount: RwSignal<u32>,
    protocol: RwSignal<String>,
    extensions: RwSignal<String>,
    url: RwSignal<String>,
    last_error: RwSignal<Option<SocketError>>,
    last_close: RwSignal<Option<CloseInfo>>,
    connection: StoredValue<Option<Connection>, LocalStorage>,
    handler: StoredValue<Rc<dyn Fn(SocketEvent, f64)>, LocalStorage>,
    next_id: StoredValue<u64, LocalStorage>,
    polling: StoredValue<Rc<Cell<bool>>, LocalStorage>,
}

impl WebSocketHandle {
    /// A handle with no socket yet. `on_event` is called for every event of the current socket,
    /// with the time it arrived (milliseconds since the Unix epoch). The socket is closed and
    /// its closures released when the current reactive owner is cleaned up.
    pub fn new(on_event: impl Fn(SocketEvent, f64) + 'static) -> Self {
        let handle = Self {
            ready_state: RwSignal::new(ReadyState::Closed),
            buffered_amount: RwSignal::new(0),
            protocol: RwSignal::new(String::new()),
            extensions: RwSignal::new(String::new()),
            url: RwSignal::new(String::new()),
            last_error: RwSignal::new(None),
            last_close: RwSignal::new(None),
            connection: StoredValue::new_local(None),
            handler: StoredValue::new_local(Rc::new(on_event)),
            next_id: StoredValue::new_local(0),
            polling: StoredValue::new_local(Rc::new(Cell::new(false))),
        };
        on_cleanup(move || handle.release());
        handle
    }

    /// `readyState`, kept live (including CLOSING, which the browser reports only there).
    pub fn ready_state(&self) -> ReadSignal<ReadyState> {
        self.ready_state.read_only()
    }
    /// `bufferedAmount` in bytes, re-read every frame while it is above zero.
    pub fn buffered_amount(&self) -> ReadSignal<u32> {
        self.buffered_amount.read_only()
    }
    /// The subprotocol the server chose (empty if none).
    pub fn protocol(&self) -> ReadSignal<String> {
        self.protocol.read_only()
    }
    /// The extensions the server chose (empty if none).
    pub fn extensions(&self) -> ReadSignal<String> {
        self.extensions.read_only()
    }
    /// The URL of the current socket, as handed to the browser.
    pub fn url(&self) -> ReadSignal<String> {
        self.url.read_only()
    }
    /// The latest failure of an action or of the connection.
    pub fn last_error(&self) -> ReadSignal<Option<SocketError>> {
        self.last_error.read_only()
    }
    /// The latest close event, kept until the next one (a reconnect does not hide why the
    /// connection before it ended).
    pub fn last_close(&self) -> ReadSignal<Option<CloseInfo>> {
        self.last_close.read_only()
    }

    /// Opens a socket to `url` (validated; `http(s)` converted; a path resolved against the
    /// page), replacing and closing any current one.
    pub fn connect(&self, url: &str, subprotocols: &[String]) -> Result<(), SocketError> {
        let result = self.try_connect(url, subprotocols);
        if let Err(e) = &result {
            self.last_error.set(Some(e.clone()));
        }
        result
    }

    fn try_connect(&self, url: &str, subprotocols: &[String]) -> Result<(), SocketError> {
        let url = normalize_ws_url(url, page_origin().as_ref())?;
        let protocols: js_sys::Array = subprotocols.iter().map(|p| JsValue::from_str(p)).collect();
        let ws = WebSocket::new_with_str_sequence(&url, &protocols)
            .map_err(|e| rejected(e).explained(&url, page_origin().as_ref()))?;
        ws.set_binary_type(BinaryType::Arraybuffer);

        let id = self.next_id.try_update_value(|n| {
            *n += 1;
            *n
        });
        let id = id.unwrap_or_default();
        let connection = self.attach(id, ws);
        // Replacing drops (detaches and closes) the previous connection.
        self.connection.try_set_value(Some(connection));
        self.url.set(url);
        self.last_error.set(None);
        self.protocol.set(String::new());
        self.extensions.set(String::new());
        self.buffered_amount.set(0);
        self.refresh();
        Ok(())
    }

    fn attach(&self, id: u64, ws: WebSocket) -> Connection {
        let this = *self;
        // Every other event first hands on the messages that came before it.
        let on_open = Closure::<dyn FnMut(Event)>::new(move |_: Event| this.deliver_now(id, SocketEvent::Open));
        let wake = Closure::<dyn FnMut()>::new(move || this.schedule_drain(id));
        let inbox = Inbox::new(&wake);
        let on_error = Closure::<dyn FnMut(Event)>::new(move |_: Event| {
            let url = this.url.get_untracked();
            // Said to people: without the credentials an address may carry.
            this.last_error.set(Some(SocketError::ConnectionFailed { url: mask_credentials(&url) }));
            this.deliver_now(id, SocketEvent::Error);
        });
        let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |event: CloseEvent| {
            let info = CloseInfo { code: event.code(), reason: event.reason(), was_clean: event.was_clean() };
            this.last_close.set(Some(info.clone()));
            this.deliver_now(id, SocketEvent::Close(info));
        });
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(&inbox.onmessage()));
        ws.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        Connection {
            id,
            ws,
            inbox,
            drain: None,
            paused: false,
            _on_open: on_open,
            _wake: wake,
            _on_error: on_error,
            _on_close: on_close,
        }
    }

    /// An event other than a message: the messages before it first (all of them, paused or
    /// not: the handler finishes what it is reading before it takes the next), then it.
    fn deliver_now(&self, id: u64, event: SocketEvent) {
        self.drain(id, None);
        self.deliver(id, event, js_sys::Date::now());
    }

    /// Refreshes state and hands the event on, unless it comes from a socket already replaced.
    /// A message changes none of the state `refresh` reads (four calls into the browser, two
    /// of them copying strings), so messages skip it: they are the hot path.
    fn deliver(&self, id: u64, event: SocketEvent, at_ms: f64) {
        if self.current_id() != Some(id) {
            return;
        }
        if !matches!(event, SocketEvent::Text(_) | SocketEvent::Binary(_) | SocketEvent::TooLarge { .. }) {
            self.refresh();
        }
        if let Some(handler) = self.handler.try_get_value() {
            handler(event, at_ms);
        }
    }

    /// Identifies the current socket; changes with every connect, `None` when there is none.
    pub fn current_id(&self) -> Option<u64> {
        self.connection.try_with_value(|c| c.as_ref().map(|c| c.id)).flatten()
    }

    /// Sends a text frame.
    pub fn send_text(&self, text: &str) -> Result<(), SocketError> {
        self.send_with(|ws| ws.send_with_str(text))
    }

    /// Sends a binary frame.
    pub fn send_binary(&self, bytes: &[u8]) -> Result<(), SocketError> {
        self.send_with(|ws| ws.send_with_u8_array(bytes))
    }

    fn send_with(&self, send: impl FnOnce(&WebSocket) -> Result<(), JsValue>) -> Result<(), SocketError> {
        let sent = self
            .connection
            .try_with_value(|c| match c {
                Some(c) if c.ws.ready_state() == WebSocket::OPEN => {
                    send(&c.ws).map_err(|e| SocketError::SendFailed(js_error_text(&e)))
                }
                _ => Err(SocketError::NotOpen),
            })
            .unwrap_or(Err(SocketError::NotOpen));
        self.refresh();
        sent
    }

    /// Starts the closing handshake. `code` must be 1000 or 3000-4999, `reason` at most 123
    /// bytes; both are checked first so the person gets a reason rather than an exception.
    pub fn close(&self, code: Option<u16>, reason: &str) -> Result<(), SocketError> {
        let result = self.try_close(code, reason);
        if let Err(e) = &result {
            self.last_error.set(Some(e.clone()));
        }
        result
    }

    fn try_close(&self, code: Option<u16>, reason: &str) -> Result<(), SocketError> {
        validate_close(code, reason)?;
        let closed = self
            .connection
            .try_with_value(|c| match c {
                Some(c) => {
                    let result = match code {
                        Some(code) => c.ws.close_with_code_and_reason(code, reason),
                        None => c.ws.close(),
                    };
                    result.map_err(rejected)
                }
                None => Err(SocketError::NotOpen),
            })
            .unwrap_or(Err(SocketError::NotOpen));
        self.refresh();
        closed
    }

    /// Drops the socket at once: closes it if it is connecting or open, detaches and frees its
    /// closures, and reports no further event from it. For abandoning a link that looks dead.
    pub fn release(&self) {
        self.connection.try_set_value(None);
        if let Some(polling) = self.polling.try_get_value() {
            polling.set(false);
        }
        // The handle may already be disposed (component cleanup); then there is no state to update.
        if !self.ready_state.is_disposed() {
            self.ready_state.set(ReadyState::Closed);
            self.buffered_amount.set(0);
        }
    }

    /// Re-reads what the browser reports without events, and keeps polling while it changes.
    fn refresh(&self) {
        let Some(Some((state, buffered, protocol, extensions))) = self.connection.try_with_value(|c| {
            c.as_ref().map(|c| {
                (ReadyState::from_js(c.ws.ready_state()), c.ws.buffered_amount(), c.ws.protocol(), c.ws.extensions())
            })
        }) else {
            return;
        };
        set_if_changed(self.ready_state, state);
        set_if_changed(self.buffered_amount, buffered);
        set_if_changed(self.protocol, protocol);
        set_if_changed(self.extensions, extensions);
        let transient = buffered > 0 || state == ReadyState::Closing;
        if transient {
            self.schedule_poll();
        }
    }

    fn schedule_poll(&self) {
        let Some(polling) = self.polling.try_get_value() else { return };
        if polling.replace(true) {
            return;
        }
        let this = *self;
        set_timeout(
            move || {
                polling.set(false);
                this.refresh();
            },
            POLL_INTERVAL,
        );
    }
}

fn set_if_changed<T: PartialEq + Send + Sync + 'static>(signal: RwSignal<T>, value: T) {
    if signal.try_with_untracked(|current| *current != value) == Some(true) {
        signal.set(value);
    }
}

/// The page's scheme and host, for resolving a path such as `/ws`.
pub(crate) fn page_origin() -> Option<PageOrigin> {
    let location = web_sys::window()?.location();
    Some(PageOrigin { scheme: location.protocol().ok()?, host: location.host().ok()? })
}

/// A DOMException thrown by the constructor or `close`, as a typed error.
fn rejected(error: JsValue) -> SocketError {
    let name = js_sys::Reflect::get(&error, &JsValue::from_str("name"))
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_else(|| "Error".to_string());
    SocketError::Rejected { name, message: js_error_text(&error) }
}

fn js_error_text(error: &JsValue) -> String {
    js_sys::Reflect::get(error, &JsValue::from_str("message"))
        .ok()
        .and_then(|v| v.as_string())
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "unknown error".to_string())
}
