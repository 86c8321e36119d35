//! One connection: wires the socket's events through the wire format into its conversations,
//! the person's actions (connect, send, close) back out, and keeps the link alive (reconnect
//! with backoff, connect and idle timeouts, the outbox kept across reloads).
//!
//! Here: the session's state, connecting, and the socket's events. Each concern has its file:
//! [`wire`] (the format: frames in, answers out), [`batching`] (events into the conversations),
//! [`routing`] (which conversation is shown, joining and leaving), [`commands`] (what the person
//! types), [`outbox`], [`liveness`] (timeouts, wake-ups, reconnects), [`subprotocols`], and
//! [`ownership`] (which page sends which stored message), and [`secrets`] (passwords in clear,
//! the formats' randomness).

mod batching;
mod commands;
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

pub use storage::{load_history, remembered_nick, remembered_settings, save_history};

use leptos::prelude::*;
use wschat_core::chat::{
    first_target, human_size, server_id, Conversations, DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_MAX_SEND_ATTEMPTS,
};
use wschat_core::close::describe_close_code;
use wschat_core::inspector::FrameLog;
use wschat_core::protocol::{ChatEvent, Frame, Offer, WireFormat};
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
    /// An entry of the shown conversation to bring into view (a search hit opened).
    pub reveal: RwSignal<Option<u64>>,
    upkeep: StoredValue<Upkeep, LocalStorage>,
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

    /// Connects with the given settings (after checking them), replacing any current socket.
    pub fn connect(&self, settings: Settings) {
        if self.cleartext_host.get_untracked().is_some() {
            self.cleartext_host.set(None);
        }
        // Storage and shared links keep an address's credentials masked, never in clear.
        if holds_masked_credentials(&settings.url) {
            return self.report_lasting(
                "This address's credentials (user:password@ or a token) are not kept or shared: type the address with them again."
                    .into(),
            );
        }
        let nick = match validate_nick(&settings.nick) {
            Ok(nick) => nick.to_string(),
            Err(e) => return self.report(e.to_string()),
        };
        // `auto` that found this server's format before speaks it at once.
        let settings = match settings
            .protocol
            .finds_format()
            .then(|| storage::remembered_format(&server_id(&server_url(&settings.url))))
        {
            Some(Some(kind)) => {
                self.system(&format!("Speaking {}, found for this server on an earlier visit.", kind.label()));
                settings.found(kind)
            }
            _ => settings,
        };
        // The format checks what it reads of the settings (a JSON template, an IRC channel).
        let settings = match (Settings { nick, ..settings }).checked() {
            Ok(settings) => settings,
            Err(problem) => return self.report(problem),
        };
        if let Some(host) = self.password_in_clear(&settings) {
            self.settings.set(settings);
            self.cleartext_host.set(Some(host.clone()));
            return self.report_lasting(format!(
                "The password would go unencrypted (ws://) to {host}: anyone on the network between could read it. Use wss:// if the server offers it, or send it anyway."
            ));
        }
        storage::remember_nick(&settings.nick);
        storage::remember_settings(&settings);
        let same_server = self.settings.with_untracked(|s| s.url == settings.url && s.protocol == settings.protocol);
        if !same_server {
            self.update_upkeep(|u| {
                (u.without_default_offer, u.fallback_failed, u.default_offer_taken) = (false, false, false);
            });
        }
        if self.chats.with_untracked(|c| c.first().log.cap()) != settings.history {
            self.edit_chats(|chats| chats.set_cap(settings.history));
        }
        // Other channels asked for: the first of them is shown, as on load.
        let show_first = self.settings.with_untracked(|s| !same_server || s.channel != settings.channel);
        self.edit_chats(|chats| {
            chats.first_mut().target = first_target(settings.protocol, &settings.url);
            routing::open_listed(chats, &settings, show_first);
        });
        self.settings.set(settings);
        self.update_upkeep(|u| {
            u.backoff.reset();
            u.waiting_for_network = false;
            u.login_ended = false;
        });
        self.open_socket();
    }

    /// Connects again now with the current settings, skipping any wait.
    pub fn reconnect_now(&self) {
        self.connect(self.settings.get_untracked());
    }

    /// Closes the connection at the person's request; no reconnect follows.
    pub fn disconnect(&self, code: Option<u16>, reason: &str) {
        let was_waiting = self.reconnect.get_untracked().is_some();
        self.cancel_reconnect();
        self.update_upkeep(|u| u.waiting_for_network = false);
        if matches!(self.socket.ready_state().get_untracked(), ReadyState::Closed) {
            if was_waiting {
                self.system("Reconnect cancelled.");
            } else {
                self.report("There is no connection to close.".to_string());
            }
            return;
        }
        self.update_upkeep(|u| u.closing_by_person = true);
        match self.socket.close(code, reason) {
            Ok(()) => {
                let code = code.map_or_else(|| "no code".to_string(), |c| format!("code {c}"));
                self.inspect_event(format!("readyState closing: close() with {code}, reason {reason:?}"));
                self.clear_connection_error();
            }
            Err(e) => {
                self.update_upkeep(|u| u.closing_by_person = false);
                self.report(e.to_string());
            }
        }
    }

    /// Opens the socket once the server's stored history is shown (see `history`).
    fn open_socket(&self) {
        self.cancel_reconnect();
        let (url, socket_url) = self.settings.with_untracked(|s| (s.url.clone(), s.protocol.socket_url(&s.url)));
        // An address the socket will refuse is said at once, history or not.
        if normalize_ws_url(&socket_url, page_origin().as_ref()).is_err() {
            return self.open_socket_now();
        }
        self.follow_server(&url);
        self.load_history_then(|session| session.open_socket_now());
    }

    fn open_socket_now(&self) {
        self.cancel_reconnect();
        self.subprotocol_hint.set(false);
        let settings = self.settings.get_untracked();
        self.follow_server(&settings.url);
        self.update_upkeep(|u| {
            u.closing_by_person = false;
            u.opened_at_ms = None;
            u.idle_timer = None;
        });
        // A nick the server assigned was for the connection before.
        self.chats.update_untracked(|chats| chats.set_own_nick(&settings.nick));
        self.update_upkeep(|u| {
            if u.format.is_none() || u.format_settings.as_ref() != Some(&settings) {
                u.format = Some(settings.new_format());
                u.format_settings = Some(settings.clone());
            }
            u.opened = false;
            u.wake_timer = None;
        });
        let url = settings.protocol.socket_url(&settings.url);
        let offer = self.offer(&settings);
        let offered = offer.subprotocols.join(", ");
        let connecting = self.socket.connect(&url, &offer.subprotocols);
        self.update_upkeep(|u| u.offered = offer);
        match connecting {
            Ok(()) => {
                self.clear_connection_error();
                // Shown, exported and kept in the timeline: never with credentials.
                let target = mask_credentials(&self.socket.url().get_untracked());
                self.inspect_event(format!("readyState connecting: {target}, subprotocols [{offered}]"));
                self.system(&format!("Connecting to {target}…"));
                self.arm_connect_timeout();
            }
            Err(e) => self.report(e.to_string()),
        }
    }

    fn on_socket_event(&self, event: SocketEvent, now: f64) {
        // Whatever came after a message being read in parts waits until it is read.
        self.finish_reading();
        match event {
            SocketEvent::Open => {
                let protocol = self.socket.protocol().get_untracked();
                let url = mask_credentials(&self.socket.url().get_untracked());
                let with = if protocol.is_empty() { String::new() } else { format!(" (subprotocol {protocol})") };
                self.update_upkeep(|u| {
                    u.connect_timer = None;
                    u.opened_at_ms = Some(now);
                    u.last_activity_ms = now;
                });
                self.clear_connection_error();
                self.update_upkeep(|u| {
                    (u.opened, u.fallback_failed) = (true, false);
                    u.default_offer_taken |= u.offered.by_default && !protocol.is_empty();
                });
                let extensions = self.socket.extensions().get_untracked();
                self.inspect_event(format!("readyState open: protocol {protocol:?}, extensions {extensions:?}"));
                self.system(&format!("Connected to {url}{with}."));
                self.adopt_format_if_chosen(&protocol);
                let random = secrets::random_seed();
                let greeting = self.upkeep.try_update_value(|u| {
                    u.format.as_mut().map(|f| {
                        f.seed(&random);
                        f.on_open(&protocol, now)
                    })
                });
                if let Some(Some(greeting)) = greeting {
                    self.take(greeting, now);
                }
                if let Some(idle_ms) = self.idle_timeout_ms() {
                    self.arm_idle_timeout(idle_ms / 2.0);
                }
                self.became_ready_maybe(false);
            }
            // Recorded before decoding, so a reply (PONG) is listed after what it answers.
            SocketEvent::Text(text) => {
                let secrets = self.received_secret_spans(Frame::Text(&text));
                self.frames.update_value(|f| f.received(now, Frame::Text(&text), &secrets));
                self.frames_need_redraw();
                self.receive_text(text, now);
            }
            SocketEvent::Binary(bytes) => {
                let secrets = self.received_secret_spans(Frame::Binary(&bytes));
                self.frames.update_value(|f| f.received(now, Frame::Binary(&bytes), &secrets));
                self.frames_need_redraw();
                self.receive(Frame::Binary(&bytes), now);
            }
            // Not decoded: its start alone means nothing to a wire format. Shown as a raw entry.
            SocketEvent::TooLarge { start, size, binary } => {
                let what = if binary { "binary" } else { "text" };
                self.inspect_event(format!("a {what} message of {} was too large to keep", human_size(size)));
                self.update_upkeep(|u| u.last_activity_ms = now);
                let text = if binary {
                    format!("A binary message of {} (too large to keep).", human_size(size))
                } else {
                    start
                };
                self.edit_chats(|chats| {
                    chats.first_mut().log.receive_cut(&text, size, now);
                });
            }
            SocketEvent::Error => {
                let error = self.socket.last_error().get_untracked();
                self.inspect_event(format!(
                    "error: {}",
                    error.as_ref().map_or_else(|| "the browser gave no detail".to_string(), ToString::to_string)
                ));
                if let Some(e) = error {
                    self.report(e.to_string());
                }
            }
            SocketEvent::Close(info) => {
                self.inspect_event(format!(
                    "readyState closed: code {}, reason {:?}, wasClean {}",
                    info.code, info.reason, info.was_clean
                ));
                self.system(&describe_close(&info));
                let by_person = self.upkeep.with_value(|u| u.closing_by_person);
                if !by_person {
                    self.update_upkeep(|u| {
                        if let Some(format) = u.format.as_mut() {
                            format.on_close(info.was_clean);
                        }
                    });
                }
                if !by_person && self.fall_back_from_default_offer() {
                    return;
                }
                self.explain_refused_subprotocols();
                match self.upkeep.with_value(|u| u.config.reconnect.after_close(info.code, by_person)) {
                    AfterClose::Reconnect => self.link_lost(),
                    AfterClose::Stay(why) => {
                        self.drop_link();
                        if by_person {
                            self.system(&why);
                        } else {
                            self.report(why);
                        }
                    }
                }
            }
        }
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
