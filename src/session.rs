//! One conversation over one socket: wires the socket's events through the wire format into the
//! chat log, and the person's actions (connect, send, close) back out.

use leptos::prelude::*;
use wschat_core::chat::ChatLog;
use wschat_core::close::describe_close_code;
use wschat_core::protocol::{ChatEvent, Frame, OutFrame, TextFormat};
use wschat_core::settings::{validate_nick, Settings};

use crate::socket::{CloseInfo, ReadyState, SocketError, SocketEvent, WebSocketHandle};

/// Where the remembered nick is kept in localStorage.
const NICK_STORAGE_KEY: &str = "wschat.nick";

/// A chat session: the log, the socket, the settings in use and the latest error for people.
#[derive(Clone, Copy)]
pub struct ChatSession {
    pub log: RwSignal<ChatLog>,
    pub socket: WebSocketHandle,
    pub settings: RwSignal<Settings>,
    /// The latest user-facing error (bad input, refused connection, …); `None` when all is well.
    pub error: RwSignal<Option<String>>,
}

impl ChatSession {
    /// A session with no connection yet; call [`ChatSession::connect`].
    pub fn new(settings: Settings) -> Self {
        let log = RwSignal::new(ChatLog::default());
        let settings = RwSignal::new(settings);
        let error = RwSignal::new(None);
        // The socket needs the session to hand events to, and the session holds the socket:
        // the event handler reaches the session through this slot, filled right below.
        let slot: StoredValue<Option<ChatSession>, LocalStorage> = StoredValue::new_local(None);
        let socket = WebSocketHandle::new(move |event| {
            if let Some(Some(session)) = slot.try_get_value() {
                session.on_socket_event(event);
            }
        });
        let session = ChatSession { log, socket, settings, error };
        slot.set_value(Some(session));
        session
    }

    /// Connects with the given settings (after checking them), replacing any current socket.
    pub fn connect(&self, settings: Settings) {
        let nick = match validate_nick(&settings.nick) {
            Ok(nick) => nick.to_string(),
            Err(e) => return self.report(e.to_string()),
        };
        if !settings.protocol.is_supported() {
            return self.report(format!(
                "The {} wire format is not available in this version yet; choose plain text.",
                settings.protocol
            ));
        }
        remember_nick(&nick);
        let settings = Settings { nick, ..settings };
        let subprotocols = settings.subprotocol_list();
        let url = settings.url.clone();
        self.settings.set(settings);
        match self.socket.connect(&url, &subprotocols) {
            Ok(()) => {
                self.error.set(None);
                let target = self.socket.url().get_untracked();
                self.system(&format!("Connecting to {target}…"));
            }
            Err(e) => self.report(e.to_string()),
        }
    }

    /// Closes the connection at the person's request.
    pub fn disconnect(&self, code: Option<u16>, reason: &str) {
        match self.socket.close(code, reason) {
            Ok(()) => self.error.set(None),
            Err(SocketError::NotOpen) => self.report("There is no connection to close.".to_string()),
            Err(e) => self.report(e.to_string()),
        }
    }

    /// Sends a message typed by the person. It is shown at once; if the socket is not open it
    /// waits in the outbox as pending and goes out when the connection opens.
    pub fn send(&self, text: &str) {
        if text.trim().is_empty() {
            return;
        }
        let nick = self.settings.with_untracked(|s| s.nick.clone());
        self.log.update(|log| {
            log.push_own(&nick, text, now_ms());
        });
        self.flush_outbox();
    }

    /// Hands every waiting message to the socket, in order, while it stays open.
    fn flush_outbox(&self) {
        if self.socket.ready_state().get_untracked() != ReadyState::Open {
            return;
        }
        let socket = self.socket;
        self.log.update(|log| {
            while let Some(item) = log.take_next_outgoing() {
                let OutFrame::Text(frame) = TextFormat.encode_message(&item.nick, &item.text) else {
                    continue;
                };
                match socket.send_text(&frame) {
                    Ok(()) => log.mark_sent(item),
                    Err(_) => {
                        log.requeue_front(item);
                        break;
                    }
                }
            }
        });
    }

    fn on_socket_event(&self, event: SocketEvent) {
        let now = now_ms();
        match event {
            SocketEvent::Open => {
                let protocol = self.socket.protocol().get_untracked();
                let url = self.socket.url().get_untracked();
                let with = if protocol.is_empty() { String::new() } else { format!(" (subprotocol {protocol})") };
                self.error.set(None);
                self.system(&format!("Connected to {url}{with}."));
                self.flush_outbox();
            }
            SocketEvent::Text(text) => self.apply(TextFormat.decode(Frame::Text(&text)), now),
            SocketEvent::Binary(bytes) => self.apply(TextFormat.decode(Frame::Binary(&bytes)), now),
            SocketEvent::Error => {
                if let Some(e) = self.socket.last_error().get_untracked() {
                    self.report(e.to_string());
                }
            }
            SocketEvent::Close(info) => self.system(&describe_close(&info)),
        }
    }

    fn apply(&self, event: ChatEvent, now: f64) {
        self.log.update(|log| match event {
            ChatEvent::Message { nick, text } => {
                log.receive_message(nick.as_deref(), &text, now);
            }
            ChatEvent::System(text) => {
                log.push_system(&text, now);
            }
            ChatEvent::Raw(description) => {
                log.receive_raw(&description, now);
            }
        });
    }

    fn system(&self, text: &str) {
        self.log.update(|log| {
            log.push_system(text, now_ms());
        });
    }

    /// Shows an error to the person: in the error line and in the timeline.
    pub fn report(&self, message: String) {
        self.system(&message);
        self.error.set(Some(message));
    }
}

/// "Disconnected: 4001 (application-defined), reason "bye", clean."
pub fn describe_close(info: &CloseInfo) -> String {
    let reason = if info.reason.is_empty() { String::new() } else { format!(", reason \"{}\"", info.reason) };
    let clean = if info.was_clean { "clean" } else { "not clean" };
    format!("Disconnected: code {} ({}){reason}, {clean}.", info.code, describe_close_code(info.code))
}

fn now_ms() -> f64 {
    js_sys::Date::now()
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The nick chosen last time, if the browser lets us keep one.
pub fn remembered_nick() -> Option<String> {
    local_storage()?.get_item(NICK_STORAGE_KEY).ok().flatten()
}

fn remember_nick(nick: &str) {
    if let Some(storage) = local_storage() {
        // Storage can be full or disabled (private mode); the nick is then simply not remembered.
        let _ = storage.set_item(NICK_STORAGE_KEY, nick);
    }
}
