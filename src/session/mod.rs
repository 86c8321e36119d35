//! One connection: wires the socket's events through the wire format into its conversations,
//! the person's actions (connect, send, close) back out, and keeps the link alive (reconnect
//! with backoff, connect and idle timeouts, the outbox kept across reloads).
//!
//! Here: the session's state and what every part uses. Each concern has its file:
//! [`connection`] (connecting, the socket's events, closing), [`wire`] (the format: frames in,
//! answers out), [`batching`] (events into the conversations),
//! [`routing`] (which conversation is shown, joining and leaving), [`commands`] (what the person
//! types), [`outbox`], [`liveness`] (timeouts, wake-ups, reconnects), [`subprotocols`], and
//! [`ownership`] (which page sends which stored message), and [`secrets`] (passwords in clear,
//! the formats' randomness).

mod batching;
mod commands;
mod connection;
mod history;
mod liveness;
mod locks;
mod outbox;
mod ownership;
mod parts;
mod routing;
mod secrets;
mod storage;
mod subprotocols;
mod wire;

pub use storage::{load_history, remembered_nick, remembered_settings, save_history, server_settings};

use leptos::prelude::*;
use wschat_core::chat::{
    first_target, human_size, server_id, Conversations, DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_MAX_SEND_ATTEMPTS,
};
use wschat_core::close::describe_close_code;
use wschat_core::inspector::FrameLog;
use wschat_core::protocol::{ChatEvent, Frame, Offer, ProtocolKind, WireFormat};
use wschat_core::reconnect::{AfterClose, Backoff, ReconnectConfig};
use wschat_core::settings::{validate_nick, Settings};
use wschat_core::url::{holds_masked_credentials, mask_credentials, mask_credentials_in_text, normalize_ws_url};

use crate::listener::WindowListener;
use crate::socket::{page_origin, CloseInfo, ReadyState, SocketEvent, WebSocketHandle};
use crate::timer::Timeout;

/// A reconnect that is waiting for its delay (the UI contract's `reconnect-info`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScheduledReconnect {
    /// 1-based number of this attempt since the link was last stable.
    pub attempt: u32,
    pub delay_ms: f64,
    /// When it will happen, in `Date.now()` milliseconds.
    pub due_at_ms: f64,
}

/// Limits of a session; the defaults are documented on each constant.
#[derive(Clone, Debug)]
pub struct SessionConfig {
    pub reconnect: ReconnectConfig,
    pub max_message_bytes: usize,
    pub max_send_attempts: u32,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            reconnect: ReconnectConfig::default(),
            max_message_bytes: DEFAULT_MAX_MESSAGE_BYTES,
            max_send_attempts: DEFAULT_MAX_SEND_ATTEMPTS,
        }
    }
}

/// Non-reactive state of the link's upkeep.
#[derive(Default)]
struct Upkeep {
    config: SessionConfig,
    backoff: Backoff,
    /// The person asked for the current close (Disconnect, `/close`).
    closing_by_person: bool,
    opened_at_ms: Option<f64>,
    last_activity_ms: f64,
    waiting_for_network: bool,
    reconnect_timer: Option<Timeout>,
    connect_timer: Option<Timeout>,
    /// The person's `idle_timeout`, when set.
    idle_timer: Option<Timeout>,
    /// The wake-up the wire format asked for (heartbeats, grace periods).
    wake_timer: Option<Timeout>,
    /// Decoded events waiting for the flush, with when they arrived.
    pending: Vec<(ChatEvent, f64)>,
    /// A long message being read in parts.
    reading: Option<parts::Reading>,
    /// The store's side: what was loaded, the batch to write.
    archive: history::Archive,
    /// The inspector has records it has not been told about.
    frames_dirty: bool,
    /// A flush of `pending` is queued.
    flush_queued: bool,
    /// The wire format of the current connection, with its state (registration, handshake).
    /// Kept across reconnects while the settings stay the same: what a format keeps beyond
    /// one connection (MQTT's client id and session) lasts as long as they do.
    format: Option<Box<dyn WireFormat>>,
    /// The settings the format was made with.
    format_settings: Option<Settings>,
    /// Counts the openings asked for.
    opening_turn: u32,
    /// Whether the current connection ever opened (a failure before that may be a refused
    /// subprotocol).
    opened: bool,
    /// The subprotocols the current connection offered.
    offered: Offer,
    /// A server at this address took none of the format's default subprotocols: they are
    /// left out (see `subprotocols`).
    without_default_offer: bool,
    /// A server at this address chose one of them: a later failure before opening is an
    /// outage, not a refusal.
    default_offer_taken: bool,
    /// Connecting without them failed before opening too: the failures are not the
    /// subprotocols' doing, so the next failure waits for the backoff.
    fallback_failed: bool,
    /// This session's own outbox in storage (see `ownership`), and the revision written.
    outbox_key: storage::OutboxKey,
    saved_revision: u64,
    /// The last write of the outbox was refused (said once, until a write succeeds).
    outbox_unsaved: bool,
    /// The server connected now (`server_id` of its URL).
    server: String,
    /// Its key in what an earlier version stored (`legacy_server_id`).
    legacy_server: String,
    /// Storage says this server confirms own messages, or this session has told it so.
    confirms_remembered: bool,
    /// The lock that says this session is alive and owns its outbox.
    own_lock: Option<locks::Lock>,
    /// The lock is held (or the browser has none): the outbox may be written.
    outbox_claimed: bool,
    /// What other pages left for this server has been looked at: the outbox may go out.
    outbox_scanned: bool,
    /// Other pages whose messages for this server are shown here, each waited for to go.
    watches: Vec<ownership::Watch>,
    watch_serial: u64,
    /// The server ended the login for good: no reconnect until the person connects.
    login_ended: bool,
    /// The server (`server_id`) the person allowed a password in clear to.
    cleartext_allowed: Option<String>,
    /// The error showing is about what the person asked for (a bad link), not about the
    /// connection: connecting does not settle it.
    error_outlives_connection: bool,
}

/// A chat session: its conversations, the socket, the settings in use, the latest error for
/// people, and the reconnect in waiting.
#[derive(Clone, Copy)]
pub struct ChatSession {
    /// The connection's conversations (each with its log), and which one is shown.
    pub chats: RwSignal<Conversations>,
    pub socket: WebSocketHandle,
    pub settings: RwSignal<Settings>,
    /// The latest user-facing error (bad input, refused connection, …); `None` when all is well.
    pub error: RwSignal<Option<String>>,
    /// Present while a reconnect is scheduled.
    pub reconnect: RwSignal<Option<ScheduledReconnect>>,
    /// The opening waiting for the server's stored lines and its formats' code, by its turn:
    /// the socket opens for it alone. A newer opening, the person's Disconnect, or settings
    /// that wait for the person's yes (a password in clear) end it.
    pub opening: RwSignal<Option<u32>>,
    /// The last failure may have been a refused subprotocol: offer to retry without.
    pub subprotocol_hint: RwSignal<bool>,
    /// Connecting waits for the person's yes to a password in clear to this host.
    pub cleartext_host: RwSignal<Option<String>>,
    /// Every frame in and out and every socket event, for the inspector. Written without
    /// notifying; [`ChatSession::frames_changed`] fires at most once per animation frame.
    pub frames: StoredValue<FrameLog, LocalStorage>,
    pub frames_changed: Trigger,
    /// Words asked for with `/search`, for the search view to look up.
    pub search_request: RwSignal<Option<String>>,
    /// An entry to bring into view in the shown conversation: a search hit opened, or the line
    /// a person read, back in memory.
    pub reveal: RwSignal<Option<Reveal>>,
    upkeep: StoredValue<Upkeep, LocalStorage>,
}

/// An entry of conversation `key` to bring into view ([`ChatSession::reveal`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Reveal {
    pub key: String,
    pub id: u64,
    /// Where its row goes: `None` for a search hit (marked as found, in the middle of the
    /// view), or its offset below the view's top when the person left it.
    pub offset: Option<f64>,
}

impl ChatSession {
    /// A session with no connection yet; messages kept from an earlier visit to the same server
    /// are restored as pending. Call [`ChatSession::connect`] to start.
    pub fn new(settings: Settings, config: SessionConfig) -> Self {
        let server = server_id(&server_url(&settings.url));
        let confirms = storage::remembered_confirms(&server);
        let mut chats = Conversations::new(first_target(settings.protocol, &settings.url), settings.history);
        chats.set_server(&server);
        chats.set_confirms(confirms);
        routing::open_listed(&mut chats, &settings, true);
        let upkeep = Upkeep {
            config,
            outbox_key: storage::OutboxKey::Owner(ownership::new_owner()),
            saved_revision: chats.unsent_revision(),
            legacy_server: wschat_core::stored_outbox::legacy_server_id(&server_url(&settings.url)),
            server,
            confirms_remembered: confirms,
            ..Upkeep::default()
        };
        let chats = RwSignal::new(chats);
        // The socket needs the session to hand events to, and the session holds the socket:
        // the event handler reaches the session through this slot, filled right below.
        let slot: StoredValue<Option<ChatSession>, LocalStorage> = StoredValue::new_local(None);
        let socket = WebSocketHandle::new(move |event, at_ms| {
            if let Some(Some(session)) = slot.try_get_value() {
                session.on_socket_event(event, at_ms);
            }
        });
        let session = ChatSession {
            chats,
            socket,
            settings: RwSignal::new(settings),
            error: RwSignal::new(None),
            reconnect: RwSignal::new(None),
            opening: RwSignal::new(None),
            subprotocol_hint: RwSignal::new(false),
            cleartext_host: RwSignal::new(None),
            frames: StoredValue::new_local(FrameLog::default()),
            frames_changed: Trigger::new(),
            search_request: RwSignal::new(None),
            reveal: RwSignal::new(None),
            upkeep: StoredValue::new_local(upkeep),
        };
        slot.set_value(Some(session));
        session.claim_outbox();
        let listeners = vec![
            WindowListener::new("online", move |_| session.on_network_back()),
            WindowListener::new("pagehide", move |_| session.write_history_now()),
            // Hidden may be the last the page sees (a phone discards it without pagehide).
            WindowListener::new("visibilitychange", move |_| {
                if web_sys::window().and_then(|w| w.document()).is_some_and(|d| d.hidden()) {
                    session.write_history_now();
                }
            }),
            session.listen_for_other_outboxes(),
        ];
        let listeners: StoredValue<Vec<WindowListener>, LocalStorage> = StoredValue::new_local(listeners);
        on_cleanup(move || {
            listeners.try_set_value(Vec::new());
            session.leave_outbox_behind();
            session.upkeep.try_update_value(|u| {
                u.reconnect_timer = None;
                u.connect_timer = None;
                u.idle_timer = None;
                u.wake_timer = None;
            });
        });
        session
    }

    /// A socket event for the inspector.
    fn inspect_event(&self, description: String) {
        self.frames.update_value(|f| f.event(now_ms(), description));
        self.frames_need_redraw();
    }

    /// The inspector redraws with the next flush, not once per frame received.
    fn frames_need_redraw(&self) {
        self.update_upkeep(|u| u.frames_dirty = true);
        self.schedule_flush();
    }

    /// Empties the inspector's record.
    pub fn clear_frames(&self) {
        self.frames.update_value(FrameLog::clear);
        self.frames_changed.notify();
    }

    fn update_upkeep(&self, change: impl FnOnce(&mut Upkeep)) {
        self.upkeep.try_update_value(change);
    }

    /// A line about the connection: in the server's conversation, and in the one shown.
    fn system(&self, text: &str) {
        let now = now_ms();
        self.edit_chats(|chats| {
            chats.first_mut().log.push_system(text, now);
            if chats.shown_index() != 0 {
                chats.shown_mut().log.push_system(text, now);
            }
        });
    }

    /// Shows an error to the person: in the error line and in the timeline.
    pub fn report(&self, message: String) {
        // The browser's own words may quote the address, credentials and all.
        let message = mask_credentials_in_text(&message);
        self.system(&message);
        self.error.set(Some(message));
        self.update_upkeep(|u| u.error_outlives_connection = false);
    }

    /// Shows a problem with what the person asked for (a value in the link that cannot be
    /// used): it stays until dismissed or a newer error replaces it, whatever the connection does.
    pub fn report_lasting(&self, message: String) {
        self.report(message);
        self.update_upkeep(|u| u.error_outlives_connection = true);
    }

    /// A connection starting or opening settles the errors of the ones before it.
    fn clear_connection_error(&self) {
        if !self.upkeep.with_value(|u| u.error_outlives_connection) {
            self.error.set(None);
        }
    }
}

/// "Disconnected: code 4001 (application-defined), reason "bye", clean."
pub fn describe_close(info: &CloseInfo) -> String {
    let reason = if info.reason.is_empty() { String::new() } else { format!(", reason \"{}\"", info.reason) };
    let clean = if info.was_clean { "clean" } else { "not clean" };
    format!("Disconnected: code {} ({}){reason}, {clean}.", info.code, describe_close_code(info.code))
}

/// The URL as the socket will use it, for keying storage; the raw text if it is not valid.
pub(crate) fn server_url(url: &str) -> String {
    normalize_ws_url(url, page_origin().as_ref()).unwrap_or_else(|_| url.to_string())
}

fn now_ms() -> f64 {
    js_sys::Date::now()
}
