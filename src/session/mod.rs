//! One conversation over one socket: wires the socket's events through the wire format into the
//! chat log, the person's actions (connect, send, close) back out, and keeps the link alive
//! (reconnect with backoff, connect and idle timeouts, the outbox kept across reloads).

mod locks;
mod ownership;
mod storage;

pub use storage::{load_history, remembered_nick, remembered_settings, save_history};

use leptos::prelude::*;
use wschat_core::chat::{human_size, server_id, ChatLog, DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_MAX_SEND_ATTEMPTS};
use wschat_core::close::describe_close_code;
use wschat_core::command::{parse_input, Input, HELP};
use wschat_core::inspector::{Direction, FrameLog};
use wschat_core::present::{one_decimal, seconds};
use wschat_core::protocol::{silence, Action, ChatEvent, Decoded, Frame, OutFrame, ProtocolKind, WireFormat};
use wschat_core::reconnect::{AfterClose, Backoff, ReconnectConfig};
use wschat_core::settings::{validate_nick, Settings};
use wschat_core::url::{mask_credentials, mask_credentials_in_text, normalize_ws_url};

use crate::listener::WindowListener;
use crate::socket::{page_origin, CloseInfo, ReadyState, SocketEvent, WebSocketHandle};
use crate::timer::Timeout;

/// Decoded events wait for one flush a frame, unless this many gather first: then they are
/// applied at once, so a backlog is never held in memory whole.
const PENDING_FLUSH_AT: usize = 256;

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
    /// The inspector has records it has not been told about.
    frames_dirty: bool,
    /// A flush of `pending` is queued.
    flush_queued: bool,
    /// The wire format of the current connection, with its state (registration, handshake).
    format: Option<Box<dyn WireFormat>>,
    /// Whether the current connection ever opened (a failure before that may be a refused
    /// subprotocol).
    opened: bool,
    /// This session's own outbox in storage (see `ownership`), and the revision written.
    outbox_key: storage::OutboxKey,
    saved_revision: u64,
    /// The last write of the outbox was refused (said once, until a write succeeds).
    outbox_unsaved: bool,
    /// The server connected now (`server_id` of its URL).
    server: String,
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
    /// The error showing is about what the person asked for (a bad link), not about the
    /// connection: connecting does not settle it.
    error_outlives_connection: bool,
}

/// A chat session: the log, the socket, the settings in use, the latest error for people, and
/// the reconnect in waiting.
#[derive(Clone, Copy)]
pub struct ChatSession {
    pub log: RwSignal<ChatLog>,
    pub socket: WebSocketHandle,
    pub settings: RwSignal<Settings>,
    /// The latest user-facing error (bad input, refused connection, …); `None` when all is well.
    pub error: RwSignal<Option<String>>,
    /// Present while a reconnect is scheduled.
    pub reconnect: RwSignal<Option<ScheduledReconnect>>,
    /// The last failure may have been a refused subprotocol: offer to retry without.
    pub subprotocol_hint: RwSignal<bool>,
    /// Every frame in and out and every socket event, for the inspector. Written without
    /// notifying; [`ChatSession::frames_changed`] fires at most once per animation frame.
    pub frames: StoredValue<FrameLog, LocalStorage>,
    pub frames_changed: Trigger,
    upkeep: StoredValue<Upkeep, LocalStorage>,
}

impl ChatSession {
    /// A session with no connection yet; messages kept from an earlier visit to the same server
    /// are restored as pending. Call [`ChatSession::connect`] to start.
    pub fn new(settings: Settings, config: SessionConfig) -> Self {
        let server = server_id(&server_url(&settings.url));
        let confirms = storage::remembered_confirms(&server);
        let mut log = ChatLog::new(settings.history);
        log.set_server(&server);
        log.set_confirms(confirms);
        let upkeep = Upkeep {
            config,
            outbox_key: storage::OutboxKey::Owner(ownership::new_owner()),
            saved_revision: log.unsent_revision(),
            server,
            confirms_remembered: confirms,
            ..Upkeep::default()
        };
        let log = RwSignal::new(log);
        // The socket needs the session to hand events to, and the session holds the socket:
        // the event handler reaches the session through this slot, filled right below.
        let slot: StoredValue<Option<ChatSession>, LocalStorage> = StoredValue::new_local(None);
        let socket = WebSocketHandle::new(move |event, at_ms| {
            if let Some(Some(session)) = slot.try_get_value() {
                session.on_socket_event(event, at_ms);
            }
        });
        let session = ChatSession {
            log,
            socket,
            settings: RwSignal::new(settings),
            error: RwSignal::new(None),
            reconnect: RwSignal::new(None),
            subprotocol_hint: RwSignal::new(false),
            frames: StoredValue::new_local(FrameLog::default()),
            frames_changed: Trigger::new(),
            upkeep: StoredValue::new_local(upkeep),
        };
        slot.set_value(Some(session));
        session.claim_outbox();
        let listeners = vec![
            WindowListener::new("online", move |_| session.on_network_back()),
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
        let nick = match validate_nick(&settings.nick) {
            Ok(nick) => nick.to_string(),
            Err(e) => return self.report(e.to_string()),
        };
        // The format checks what it reads of the settings (a JSON template, an IRC channel).
        let settings = match settings.protocol.check(Settings { nick, ..settings }) {
            Ok(settings) => settings,
            Err(problem) => return self.report(problem),
        };
        storage::remember_nick(&settings.nick);
        storage::remember_settings(&settings);
        if self.log.with_untracked(ChatLog::cap) != settings.history {
            self.edit_log(|log| log.set_cap(settings.history));
        }
        self.settings.set(settings);
        self.update_upkeep(|u| {
            u.backoff.reset();
            u.waiting_for_network = false;
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

    /// Handles a line typed in the composer: a message or a command. Returns whether it was
    /// taken (so the composer may clear); a refused line stays for the person to fix.
    pub fn submit(&self, line: &str) -> bool {
        if line.trim().is_empty() {
            return false;
        }
        match parse_input(line) {
            Ok(Input::Message(text)) => self.send(&text),
            Ok(Input::Close { code, reason }) => {
                self.disconnect(code, &reason);
                true
            }
            Ok(Input::Reconnect) => {
                self.reconnect_now();
                true
            }
            Ok(Input::Help) => {
                self.system(HELP);
                true
            }
            Ok(Input::Clear) => {
                self.edit_log(ChatLog::clear);
                true
            }
            Ok(Input::Join(channel)) => self.join(&channel),
            Ok(Input::Nick(nick)) => self.change_nick(&nick),
            Ok(Input::Hex(bytes)) => self.send_binary(&bytes),
            Err(e) => {
                self.report(e.to_string());
                false
            }
        }
    }

    /// Sends a message. It is shown at once; if the link is not ready it waits in the outbox as
    /// pending and goes out, in order, when it is. Returns false if it was refused (too long).
    pub fn send(&self, text: &str) -> bool {
        let limit = self.upkeep.with_value(|u| u.config.max_message_bytes);
        if text.len() > limit {
            self.report(format!(
                "This message is {} bytes long; the limit is {limit} bytes. Nothing was sent.",
                text.len()
            ));
            return false;
        }
        let nick = self.settings.with_untracked(|s| s.nick.clone());
        self.edit_log(|log| {
            log.push_own(&nick, text, now_ms());
            log.clear_unread_marker();
        });
        self.flush_outbox();
        self.save_outbox_if_changed();
        true
    }

    /// `/hex`: one binary frame, now; binary frames do not wait in the outbox.
    fn send_binary(&self, bytes: &[u8]) -> bool {
        match send_frame(self, &OutFrame::Binary(bytes.to_vec())) {
            Ok(()) => {
                self.system(&format!("Sent a {}.", wschat_core::protocol::describe_binary(bytes)));
                true
            }
            Err(e) => {
                self.report(format!("The binary frame was not sent: {e}"));
                false
            }
        }
    }

    /// `/join`, where the wire format has channels.
    fn join(&self, channel: &str) -> bool {
        match self.encode(Action::Join(channel)) {
            Some(decoded) => {
                self.settings.update(|s| s.channel = channel.to_string());
                self.take(decoded, now_ms());
                true
            }
            None => {
                let format = self.settings.with_untracked(|s| s.protocol.label());
                self.report(format!("{format} has no channels; /join does nothing here."));
                false
            }
        }
    }

    /// `/nick`: asks the IRC server, or simply takes the new nick elsewhere.
    fn change_nick(&self, nick: &str) -> bool {
        let nick = match validate_nick(nick) {
            Ok(nick) => nick.to_string(),
            Err(e) => {
                self.report(e.to_string());
                return false;
            }
        };
        match self.encode(Action::Nick(&nick)) {
            Some(decoded) => self.take(decoded, now_ms()), // the server's NICK reply makes it ours
            None => {
                storage::remember_nick(&nick);
                self.system(&format!("You are now {nick}."));
                self.take_nick(nick);
            }
        }
        true
    }

    /// A failed message goes back into the outbox.
    pub fn retry(&self, id: u64) {
        self.edit_log(|log| log.retry(id));
        self.flush_outbox();
        self.save_outbox_if_changed();
    }

    /// A failed or pending message is dropped for good.
    pub fn discard(&self, id: u64) {
        self.edit_log(|log| log.discard(id));
        self.save_outbox_if_changed();
    }

    fn open_socket(&self) {
        self.cancel_reconnect();
        self.subprotocol_hint.set(false);
        let settings = self.settings.get_untracked();
        self.follow_server(&settings.url);
        self.update_upkeep(|u| {
            u.closing_by_person = false;
            u.opened_at_ms = None;
            u.idle_timer = None;
        });
        let format = settings.protocol.new_format(&settings);
        // A nick the server assigned was for the connection before.
        self.log.update_untracked(|log| log.set_own_nick(&settings.nick));
        self.update_upkeep(|u| {
            u.format = Some(format);
            u.opened = false;
            u.wake_timer = None;
        });
        let url = settings.protocol.socket_url(&settings.url);
        match self.socket.connect(&url, &settings.subprotocol_list()) {
            Ok(()) => {
                self.clear_connection_error();
                // Shown, exported and kept in the timeline: never with credentials.
                let target = mask_credentials(&self.socket.url().get_untracked());
                let offered = settings.subprotocol_list().join(", ");
                self.inspect_event(format!("readyState connecting: {target}, subprotocols [{offered}]"));
                self.system(&format!("Connecting to {target}…"));
                self.arm_connect_timeout();
            }
            Err(e) => self.report(e.to_string()),
        }
    }

    /// A socket that stays CONNECTING too long is abandoned and retried.
    fn arm_connect_timeout(&self) {
        let session = *self;
        let id = self.socket.current_id();
        let timeout_ms = match self.settings.with_untracked(|s| s.connect_timeout_ms) {
            Some(ms) => f64::from(ms),
            None => self.upkeep.with_value(|u| u.config.reconnect.connect_timeout_ms),
        };
        let timer = Timeout::new(timeout_ms, move || {
            let still_connecting = session.socket.current_id() == id
                && session.socket.ready_state().get_untracked() == ReadyState::Connecting;
            if still_connecting {
                session.system(&format!("No answer within {} s; giving up on this attempt.", seconds(timeout_ms)));
                session.socket.release();
                session.link_lost();
            }
        });
        self.update_upkeep(|u| u.connect_timer = Some(timer));
    }

    /// With an idle timeout set, a link that carries nothing for that long is treated as dead.
    fn arm_idle_timeout(&self, after_ms: f64) {
        let Some(idle_ms) = self.idle_timeout_ms() else { return };
        let session = *self;
        let id = self.socket.current_id();
        let timer = Timeout::new(after_ms, move || {
            if session.socket.current_id() != id {
                return;
            }
            let quiet_for = now_ms() - session.upkeep.with_value(|u| u.last_activity_ms);
            let probe_at = idle_ms / 2.0;
            if quiet_for + 1.0 >= idle_ms {
                session.link_dead(&silence(quiet_for));
            } else if quiet_for + 1.0 >= probe_at {
                // Halfway to dead: where the format can ask for an answer (a PING), ask.
                let probe = session.upkeep.with_value(|u| u.format.as_ref().map(|f| f.probe()).unwrap_or_default());
                session.send_frames(&probe);
                session.arm_idle_timeout(idle_ms - quiet_for);
            } else {
                session.arm_idle_timeout(probe_at - quiet_for);
            }
        });
        self.update_upkeep(|u| u.idle_timer = Some(timer));
    }

    /// The person's idle timeout: silence longer than this is a dead link, whatever the format.
    fn idle_timeout_ms(&self) -> Option<f64> {
        self.settings.with_untracked(|s| s.idle_timeout_ms).map(f64::from)
    }

    /// The link is dead (the format's heartbeat or the person's idle timeout says so): it is
    /// dropped and connected again.
    fn link_dead(&self, why: &str) {
        self.system(&format!("{why}; reconnecting."));
        self.socket.release();
        self.link_lost();
    }

    /// Wakes the format after `delay_ms`, for this socket only, replacing any earlier wake-up.
    fn arm_wake(&self, delay_ms: f64) {
        let session = *self;
        let id = self.socket.current_id();
        let timer = Timeout::new(delay_ms, move || {
            if session.socket.current_id() != id {
                return;
            }
            let was_ready = session.format_ready();
            let now = now_ms();
            let woken = session.upkeep.try_update_value(|u| u.format.as_mut().map(|f| f.on_wake(now))).flatten();
            if let Some(decoded) = woken {
                session.take(decoded, now);
                session.became_ready_maybe(was_ready);
            }
        });
        self.update_upkeep(|u| u.wake_timer = Some(timer));
    }

    fn format_ready(&self) -> bool {
        self.upkeep.with_value(|u| u.format.as_ref().is_some_and(|f| f.is_ready()))
    }

    /// An action through the wire format; `None` where the format has no such action.
    fn encode(&self, action: Action<'_>) -> Option<Decoded> {
        self.upkeep.try_update_value(|u| u.format.as_mut().and_then(|f| f.encode(action))).flatten()
    }

    /// What the format answered: its frames go out at once, its events to the log, and its
    /// wake-up is armed. A refusal is an error for the person; a dead link is dropped.
    fn take(&self, decoded: Decoded, now: f64) {
        let Decoded { mut events, replies, wake_in_ms } = decoded;
        self.send_frames(&replies);
        // A refusal is an error for the person, at once (`report` puts it in the timeline too).
        if events.iter().any(|e| matches!(e, ChatEvent::Refused(_))) {
            for event in &events {
                if let ChatEvent::Refused(problem) = event {
                    self.report(problem.clone());
                }
            }
            events.retain(|e| !matches!(e, ChatEvent::Refused(_)));
        }
        let dead = events.iter().position(|e| matches!(e, ChatEvent::LinkDead(_))).map(|at| events.remove(at));
        self.enqueue(events, now);
        if let Some(ChatEvent::LinkDead(why)) = dead {
            return self.link_dead(&why);
        }
        if let Some(delay_ms) = wake_in_ms {
            self.arm_wake(delay_ms);
        }
    }

    /// Hands every waiting message to the socket, in order, while it is open and the wire
    /// format is ready (handshake, registration, join done).
    fn flush_outbox(&self) {
        let scanned = self.upkeep.try_with_value(|u| u.outbox_scanned) == Some(true);
        if !scanned || self.socket.ready_state().get_untracked() != ReadyState::Open || !self.format_ready() {
            return;
        }
        let session = *self;
        // What the format says besides the frames waits for the log to be free again.
        let mut besides = Vec::new();
        self.edit_log(|log| {
            while let Some(item) = log.take_next_outgoing() {
                let action = Action::Message { nick: &item.nick, text: &item.text, id: item.id };
                let Some(Decoded { replies, events, wake_in_ms }) = session.encode(action) else {
                    log.requeue_front(item);
                    break;
                };
                besides.push(Decoded { events, wake_in_ms, ..Decoded::default() });
                match replies.iter().try_for_each(|frame| send_frame(&session, frame)) {
                    Ok(()) => log.mark_sent(item),
                    Err(_) => {
                        log.requeue_front(item);
                        break;
                    }
                }
            }
        });
        let now = now_ms();
        for decoded in besides.into_iter().filter(|d| *d != Decoded::default()) {
            self.take(decoded, now);
        }
    }

    /// Protocol frames (replies, registration, commands); a failure shows as an error.
    fn send_frames(&self, frames: &[OutFrame]) {
        for frame in frames {
            if let Err(e) = send_frame(self, frame) {
                self.report(format!("Could not send to the server: {e}"));
                return;
            }
        }
    }

    /// One frame from the server through the wire format: replies go out at once, events go to
    /// the log, and the outbox follows when the format becomes ready.
    fn receive(&self, frame: Frame<'_>, now: f64) {
        let was_ready = self.format_ready();
        let decoded = self
            .upkeep
            .try_update_value(|u| {
                u.last_activity_ms = now;
                u.format.as_mut().map(|f| f.on_frame(frame, now))
            })
            .flatten();
        let Some(decoded) = decoded else { return };
        self.take(decoded, now);
        self.became_ready_maybe(was_ready);
        if self.upkeep.with_value(|u| u.idle_timer.is_none()) {
            if let Some(idle_ms) = self.idle_timeout_ms() {
                self.arm_idle_timeout(idle_ms / 2.0);
            }
        }
    }

    /// The format became ready (it says so in the timeline itself): the outbox goes out.
    fn became_ready_maybe(&self, was_ready: bool) {
        if !was_ready && self.format_ready() {
            self.flush_outbox();
            self.save_outbox_if_changed();
        }
    }

    fn on_socket_event(&self, event: SocketEvent, now: f64) {
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
                self.update_upkeep(|u| u.opened = true);
                let extensions = self.socket.extensions().get_untracked();
                self.inspect_event(format!("readyState open: protocol {protocol:?}, extensions {extensions:?}"));
                self.system(&format!("Connected to {url}{with}."));
                self.adopt_format_if_chosen(&protocol);
                let greeting = self.upkeep.try_update_value(|u| u.format.as_mut().map(|f| f.on_open(&protocol, now)));
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
                self.frames.update_value(|f| f.text(Direction::In, now, &text));
                self.frames_need_redraw();
                self.receive(Frame::Text(&text), now);
            }
            SocketEvent::Binary(bytes) => {
                self.frames.update_value(|f| f.binary(Direction::In, now, &bytes));
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
                self.edit_log(|log| {
                    log.receive_cut(&text, size, now);
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
                self.explain_refused_subprotocols();
                let by_person = self.upkeep.with_value(|u| u.closing_by_person);
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

    /// The link is gone without the person asking: keep what was unconfirmed, and come back.
    fn link_lost(&self) {
        self.drop_link();
        self.schedule_reconnect();
    }

    /// Bookkeeping common to every end of a link.
    fn drop_link(&self) {
        let max_attempts = self.upkeep.with_value(|u| u.config.max_send_attempts);
        self.edit_log(|log| log.link_lost(max_attempts));
        self.save_outbox_if_changed();
        let now = now_ms();
        self.update_upkeep(|u| {
            u.connect_timer = None;
            u.idle_timer = None;
            u.wake_timer = None;
            // A link that stayed up long enough was healthy: start the backoff over.
            if u.opened_at_ms.is_some_and(|t| now - t >= u.config.reconnect.stable_after_ms) {
                u.backoff.reset();
            }
            u.opened_at_ms = None;
        });
    }

    fn schedule_reconnect(&self) {
        if !browser_online() {
            self.update_upkeep(|u| u.waiting_for_network = true);
            self.system("The browser is offline; reconnecting as soon as the network is back.");
            return;
        }
        let random = js_sys::Math::random();
        let next = self.upkeep.try_update_value(|u| {
            let config = u.config.reconnect.clone();
            u.backoff.next_delay(&config, random).map(|delay| (u.backoff.attempt(), delay))
        });
        let Some(Some((attempt, delay_ms))) = next else {
            self.report(
                "Gave up reconnecting after the configured number of attempts; press Connect to try again.".into(),
            );
            return;
        };
        let due_at_ms = now_ms() + delay_ms;
        self.reconnect.set(Some(ScheduledReconnect { attempt, delay_ms, due_at_ms }));
        self.system(&format!("Reconnecting in {} s (attempt {attempt}).", one_decimal(delay_ms / 1000.0)));
        let session = *self;
        let timer = Timeout::new(delay_ms, move || session.open_socket());
        self.update_upkeep(|u| u.reconnect_timer = Some(timer));
    }

    fn cancel_reconnect(&self) {
        self.update_upkeep(|u| u.reconnect_timer = None);
        if self.reconnect.get_untracked().is_some() {
            self.reconnect.set(None);
        }
    }

    fn on_network_back(&self) {
        if self.upkeep.with_value(|u| u.waiting_for_network) {
            self.update_upkeep(|u| u.waiting_for_network = false);
            self.system("The network is back.");
            self.open_socket();
        }
    }

    /// Queues decoded events; they reach the log together, so a burst (the socket hands on a
    /// frame's messages at once) costs one view update rather than one per message.
    fn enqueue(&self, events: Vec<ChatEvent>, now: f64) {
        if events.is_empty() {
            return;
        }
        let queued = self.upkeep.try_update_value(|u| {
            u.pending.extend(events.into_iter().map(|e| (e, now)));
            u.pending.len()
        });
        // A burst that waited in the inbox arrives in one go: applied in slices, its decoded
        // texts do not all sit in wasm memory at once (which would keep that peak for good).
        if queued.is_some_and(|n| n >= PENDING_FLUSH_AT) {
            self.flush_pending();
        } else {
            self.schedule_flush();
        }
    }

    /// Makes sure a flush runs once the current task is done: after the socket has handed on
    /// all of a frame's messages, before that frame is drawn.
    fn schedule_flush(&self) {
        if self.upkeep.try_update_value(|u| !std::mem::replace(&mut u.flush_queued, true)) == Some(true) {
            let session = *self;
            leptos::task::spawn_local(async move { session.flush_pending() });
        }
    }

    /// Applies every queued event to the log in one update.
    fn flush_pending(&self) {
        let Some((pending, frames_dirty)) = self.upkeep.try_update_value(|u| {
            u.flush_queued = false;
            (std::mem::take(&mut u.pending), std::mem::take(&mut u.frames_dirty))
        }) else {
            return;
        };
        if frames_dirty {
            self.frames_changed.notify();
        }
        if pending.is_empty() {
            return;
        }
        for (event, _) in &pending {
            match event {
                ChatEvent::OwnNick(nick) => self.take_nick(nick.clone()),
                // For this connection only: the person's own choice stays in the settings.
                ChatEvent::AssignedNick(nick) => self.log.update_untracked(|log| log.set_own_nick(nick)),
                _ => {}
            }
        }
        self.log.update(|log| {
            for (event, now) in pending {
                apply_event(log, event, now);
            }
        });
        self.remember_confirms_once_seen();
        self.save_outbox_if_changed();
    }

    /// A server seen to confirm own messages is remembered, so that after a reload what it had
    /// not yet confirmed is kept and sent again rather than taken as delivered.
    fn remember_confirms_once_seen(&self) {
        if self.log.with_untracked(ChatLog::confirms) && !self.upkeep.with_value(|u| u.confirms_remembered) {
            let server = self.upkeep.with_value(|u| u.server.clone());
            storage::remember_confirms(&server);
            self.update_upkeep(|u| u.confirms_remembered = true);
        }
    }

    /// Every direct change to the log goes through here, after the queued events, so the
    /// timeline keeps the order things happened in.
    fn edit_log(&self, change: impl FnOnce(&mut ChatLog)) {
        self.flush_pending();
        self.log.update(change);
    }

    /// A server that picked a subprotocol of another format speaks that format, whatever
    /// format was chosen (`text.ircv3.net` is IRC).
    fn adopt_format_if_chosen(&self, subprotocol: &str) {
        let settings = self.settings.get_untracked();
        let Some(kind) = ProtocolKind::for_subprotocol(subprotocol).filter(|kind| *kind != settings.protocol) else {
            return;
        };
        match kind.check(Settings { protocol: kind, ..settings }) {
            Ok(settings) => {
                self.system(&format!("The server chose {subprotocol}: speaking {}.", kind.label()));
                let format = kind.new_format(&settings);
                self.update_upkeep(|u| u.format = Some(format));
                self.settings.set(settings);
            }
            Err(problem) => self.report(problem),
        }
    }

    /// Browsers fail a connection when the server accepts none of the offered subprotocols,
    /// and say nothing more; when that may be why, say so and offer to go without them.
    fn explain_refused_subprotocols(&self) {
        let offered = self.settings.with_untracked(|s| s.subprotocol_list());
        if self.upkeep.with_value(|u| u.opened) || offered.is_empty() || self.subprotocol_hint.get_untracked() {
            return;
        }
        self.subprotocol_hint.set(true);
        self.report(format!(
            "The connection failed before opening. If the server accepts none of the offered subprotocols ({}), the browser refuses the connection: try again without them.",
            offered.join(", ")
        ));
    }

    /// Connects again with the same settings but no subprotocols.
    pub fn retry_without_subprotocols(&self) {
        self.subprotocol_hint.set(false);
        let settings = Settings { subprotocols: String::new(), ..self.settings.get_untracked() };
        self.connect(settings);
    }

    /// Writes the outbox to storage when it changed since the last write, once this session
    /// owns it. A refused write is said once in words, and again when writes work again.
    fn save_outbox_if_changed(&self) {
        let revision = self.log.with_untracked(|l| l.unsent_revision());
        let Some((saved_revision, claimed, key)) =
            self.upkeep.try_with_value(|u| (u.saved_revision, u.outbox_claimed, u.outbox_key.clone()))
        else {
            return;
        };
        if saved_revision == revision || !claimed {
            return;
        }
        let unsent = self.log.with_untracked(|l| l.unsent());
        let stored = storage::save_outbox(&key, &unsent);
        ownership::tell_this_page(&key.key());
        let saved = stored == unsent.len();
        let was_unsaved = self
            .upkeep
            .try_update_value(|u| {
                u.saved_revision = revision;
                std::mem::replace(&mut u.outbox_unsaved, !saved)
            })
            .unwrap_or(false);
        match (saved, was_unsaved) {
            (false, false) => self.system(&format!(
                "The browser's storage is full: {} of {} unsent message(s) are kept in this page only, and would be lost if it closed. They are still sent when connected.",
                unsent.len() - stored,
                unsent.len()
            )),
            (true, true) => self.system("Unsent messages are stored again."),
            _ => {}
        }
    }

    /// The nick is now this one: in the settings, and for spotting mentions.
    fn take_nick(&self, nick: String) {
        self.log.update_untracked(|log| log.set_own_nick(&nick));
        self.settings.update(|s| s.nick = nick);
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

    fn system(&self, text: &str) {
        self.edit_log(|log| {
            log.push_system(text, now_ms());
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

/// One decoded event into the log.
fn apply_event(log: &mut ChatLog, event: ChatEvent, now: f64) {
    match event {
        ChatEvent::Message { nick, text, time_ms } => {
            log.receive_message(nick.as_deref(), &text, time_ms.unwrap_or(now));
        }
        ChatEvent::System(text) => {
            log.push_system(&text, now);
        }
        ChatEvent::Raw { note, text } => {
            log.receive_raw(&text, note, now);
        }
        ChatEvent::Private { nick, text, time_ms } => {
            log.receive_private(&nick, &text, time_ms.unwrap_or(now));
        }
        ChatEvent::Joined { nick, text } => {
            log.user_joined(&nick);
            log.push_system(&text, now);
        }
        ChatEvent::Left { nick, text } => {
            log.user_left(&nick);
            log.push_system(&text, now);
        }
        ChatEvent::Renamed { from, to } => {
            log.user_renamed(&from, &to);
            log.push_system(&format!("{from} is now known as {to}"), now);
        }
        ChatEvent::Users(users) => log.set_users(users),
        ChatEvent::OwnNick(nick) | ChatEvent::AssignedNick(nick) => {
            log.push_system(&format!("The server knows you as {nick}."), now);
        }
        ChatEvent::Delivered(id) => log.confirm_by_id(id),
        // `take` reports refusals and drops dead links; should one get here, it is still said.
        ChatEvent::Refused(problem) | ChatEvent::LinkDead(problem) => {
            log.push_system(&problem, now);
        }
    }
}

fn send_frame(session: &ChatSession, frame: &OutFrame) -> Result<(), crate::socket::SocketError> {
    let now = now_ms();
    match frame {
        OutFrame::Text(text) => {
            session.socket.send_text(text)?;
            session.frames.update_value(|f| f.text(Direction::Out, now, text));
        }
        OutFrame::Binary(bytes) => {
            session.socket.send_binary(bytes)?;
            session.frames.update_value(|f| f.binary(Direction::Out, now, bytes));
        }
    }
    session.frames_need_redraw();
    Ok(())
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

fn browser_online() -> bool {
    web_sys::window().map(|w| w.navigator().on_line()).unwrap_or(true)
}

fn now_ms() -> f64 {
    js_sys::Date::now()
}
