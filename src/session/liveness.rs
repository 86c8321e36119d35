//! Keeping the link alive: the connect timeout, the person's idle timeout, the wire format's
//! wake-ups, and reconnecting with backoff when a link is lost.

use leptos::prelude::*;
use wschat_core::present::{one_decimal, seconds};
use wschat_core::protocol::silence;

use super::{now_ms, ChatSession, ScheduledReconnect};
use crate::socket::ReadyState;
use crate::timer::Timeout;

impl ChatSession {
    /// A socket that stays CONNECTING too long is abandoned and retried.
    pub(super) fn arm_connect_timeout(&self) {
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
    pub(super) fn arm_idle_timeout(&self, after_ms: f64) {
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
    pub(super) fn idle_timeout_ms(&self) -> Option<f64> {
        self.settings.with_untracked(|s| s.idle_timeout_ms).map(f64::from)
    }

    /// The link is dead (the format's heartbeat or the person's idle timeout says so): it is
    /// dropped and connected again.
    pub(super) fn link_dead(&self, why: &str) {
        self.system(&format!("{why}; reconnecting."));
        self.socket.release();
        self.link_lost();
    }

    /// The server ended the login for good (credentials refused, another login took over):
    /// the link is dropped and nothing connects again until the person does; the error stays.
    pub(super) fn login_ended(&self, why: String) {
        self.update_upkeep(|u| u.login_ended = true);
        self.socket.release();
        self.drop_link();
        self.cancel_reconnect();
        self.report(format!("{why} Not reconnecting: press Connect to try again."));
    }

    /// Wakes the format after `delay_ms`, for this socket only, replacing any earlier wake-up.
    pub(super) fn arm_wake(&self, delay_ms: f64) {
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

    /// The link is gone without the person asking: keep what was unconfirmed, and come back.
    pub(super) fn link_lost(&self) {
        self.drop_link();
        self.schedule_reconnect();
    }

    /// Bookkeeping common to every end of a link.
    pub(super) fn drop_link(&self) {
        let max_attempts = self.upkeep.with_value(|u| u.config.max_send_attempts);
        self.edit_chats(|chats| chats.link_lost(max_attempts));
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

    pub(super) fn schedule_reconnect(&self) {
        // A refused login is not tried again behind the person's back.
        if self.upkeep.with_value(|u| u.login_ended) {
            return;
        }
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

    pub(super) fn cancel_reconnect(&self) {
        self.update_upkeep(|u| u.reconnect_timer = None);
        if self.reconnect.get_untracked().is_some() {
            self.reconnect.set(None);
        }
    }

    pub(super) fn on_network_back(&self) {
        if self.upkeep.with_value(|u| u.waiting_for_network) {
            self.update_upkeep(|u| u.waiting_for_network = false);
            self.system("The network is back.");
            self.open_socket();
        }
    }
}

pub(super) fn browser_online() -> bool {
    web_sys::window().map(|w| w.navigator().on_line()).unwrap_or(true)
}
