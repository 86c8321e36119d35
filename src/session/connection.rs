//! The socket's life: connecting (after checking the settings and the password's way), its
//! events (open, frames, errors, close) into the format and the conversations, and closing.

use leptos::prelude::*;

use super::*;
use wschat_core::json::quote;

impl ChatSession {
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
            // Nothing opens with these settings before the person's yes.
            self.cancel_reconnect();
            self.end_opening();
            self.settings.set(settings);
            self.cleartext_host.set(Some(host.clone()));
            return self.report_lasting(format!(
                "The password would go unencrypted (ws://) to {host}: anyone on the network between could read it. Use wss:// if the server offers it, or send it anyway."
            ));
        }
        storage::remember_nick(&settings.nick);
        storage::remember_settings(&settings);
        storage::remember_server_settings(&server_id(&server_url(&settings.url)), &settings);
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
        // An opening still waiting for stored lines or a format's code opens nothing now.
        let was_opening = self.opening.get_untracked().is_some();
        self.end_opening();
        let was_waiting = self.reconnect.get_untracked().is_some();
        self.cancel_reconnect();
        self.update_upkeep(|u| u.waiting_for_network = false);
        if matches!(self.socket.ready_state().get_untracked(), ReadyState::Closed) {
            if was_opening {
                self.system("Connection cancelled.");
            } else if was_waiting {
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
                self.inspect_event(format!("readyState closing: close() with {code}, reason {}", quote(reason)));
                self.clear_connection_error();
            }
            Err(e) => {
                self.update_upkeep(|u| u.closing_by_person = false);
                self.report(e.to_string());
            }
        }
    }

    /// Opens the socket once the server's stored history is shown (see `history`).
    pub(super) fn open_socket(&self) {
        self.cancel_reconnect();
        // Settings waiting for the person's yes (a password in clear) open nothing.
        if self.cleartext_host.get_untracked().is_some() {
            return;
        }
        let Some(turn) = self.upkeep.try_update_value(|u| {
            u.opening_turn = u.opening_turn.wrapping_add(1);
            u.opening_turn
        }) else {
            return;
        };
        self.opening.set(Some(turn));
        let (url, socket_url) = self.settings.with_untracked(|s| (s.url.clone(), s.protocol.socket_url(&s.url)));
        // The formats' code is fetched while the stored lines are read.
        fetch_formats(self.formats_wanted());
        // An address the socket will refuse is said at once, history or not.
        if normalize_ws_url(&socket_url, page_origin().as_ref()).is_err() {
            return self.open_socket_now(turn);
        }
        self.follow_server(&url);
        self.load_history_then(move |session| session.open_socket_now(turn));
    }

    /// The formats a link with the current settings may speak: the one chosen, and those of
    /// the subprotocols offered (the server may choose one).
    fn formats_wanted(&self) -> Vec<ProtocolKind> {
        let settings = self.settings.get_untracked();
        let mut wanted = vec![settings.protocol];
        wanted.extend(self.offer(&settings).subprotocols.iter().filter_map(|s| ProtocolKind::for_subprotocol(s)));
        wanted
    }

    /// Whether the opening of `turn` is still the one to open the socket for.
    fn opening_is(&self, turn: u32) -> bool {
        self.opening.try_get_untracked() == Some(Some(turn))
    }

    fn end_opening(&self) {
        if self.opening.try_get_untracked().flatten().is_some() {
            self.opening.set(None);
        }
    }

    /// Opens the socket for the opening of `turn` once the code of every format it may speak is
    /// loaded (a release build fetches each format's module the first time it is wanted).
    fn open_socket_now(&self, turn: u32) {
        if !self.opening_is(turn) {
            return;
        }
        let wanted = self.formats_wanted();
        if wanted.iter().all(|kind| kind.is_loaded()) {
            return self.open_socket_with_formats();
        }
        fetch_formats(wanted.iter().copied());
        let session = *self;
        leptos::task::spawn_local(async move {
            let mut loaded = Ok(());
            for kind in wanted {
                loaded = kind.load().await;
                if loaded.is_err() {
                    break;
                }
            }
            if !session.alive() || !session.opening_is(turn) {
                return;
            }
            match loaded {
                Ok(()) => session.open_socket_now(turn),
                Err(missing) => session.formats_unavailable(&missing.to_string()),
            }
        });
    }

    /// A format's module could not be fetched: the link of other settings still open goes (what
    /// it was sending goes back to the outbox), and the reconnect schedule tries again.
    fn formats_unavailable(&self, missing: &str) {
        self.end_opening();
        if !matches!(self.socket.ready_state().get_untracked(), ReadyState::Closed) {
            self.socket.release();
            self.drop_link();
        }
        self.report(format!(
            "{missing}: the network may be down, or a newer version of wschat is out (reload the page). What you type is kept."
        ));
        self.schedule_reconnect();
    }

    fn open_socket_with_formats(&self) {
        self.cancel_reconnect();
        self.end_opening();
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
        let made = self.upkeep.try_update_value(|u| {
            if u.format.is_none() || u.format_settings.as_ref() != Some(&settings) {
                u.format = Some(settings.new_format()?);
                u.format_settings = Some(settings.clone());
            }
            u.opened = false;
            u.wake_timer = None;
            Ok::<_, wschat_core::protocol::FormatNotLoaded>(())
        });
        // Loaded before this call: not reached, said all the same.
        if let Some(Err(missing)) = made {
            return self.report(missing.to_string());
        }
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

    pub(super) fn on_socket_event(&self, event: SocketEvent, now: f64) {
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
                    // What the server was asked on the last link may never be answered.
                    u.archive.server_asked.clear();
                });
                let extensions = self.socket.extensions().get_untracked();
                self.inspect_event(format!(
                    "readyState open: protocol {}, extensions {}",
                    quote(&protocol),
                    quote(&extensions)
                ));
                self.system(&format!("Connected to {url}{with}."));
                self.adopt_format_if_chosen(&protocol);
                let random = secrets::random_seed();
                let greeting = self.upkeep.try_update_value(|u| {
                    let newest = u.archive.newest_msgid.clone();
                    u.format.as_mut().map(|f| {
                        f.seed(&random);
                        if let Some(msgid) = &newest {
                            f.resume_after(msgid);
                        }
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
                    "readyState closed: code {}, reason {}, wasClean {}",
                    info.code,
                    quote(&info.reason),
                    info.was_clean
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
}

/// Starts fetching the code of `kinds` (and of the formats each needs) at once; whoever needs
/// one awaits its load, which is then under way already.
fn fetch_formats(kinds: impl IntoIterator<Item = ProtocolKind>) {
    for kind in kinds.into_iter().flat_map(ProtocolKind::needs) {
        if !kind.is_loaded() {
            leptos::task::spawn_local(async move {
                let _ = kind.load().await;
            });
        }
    }
}
