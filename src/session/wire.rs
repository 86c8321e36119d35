//! The wire format of the connection: frames in through it, its answers out (replies, events,
//! wake-ups), the outbox let go once it is ready.

use leptos::prelude::*;
use wschat_core::protocol::{Action, ChatEvent, Decoded, Frame, OutFrame, ProtocolKind, WireFormat};
use wschat_core::settings::Settings;

use super::{now_ms, ChatSession};

impl ChatSession {
    /// Whether the format is past its handshake (registration, join): the outbox may go out.
    pub(super) fn format_ready(&self) -> bool {
        self.upkeep.with_value(|u| u.format.as_ref().is_some_and(|f| f.is_ready()))
    }

    /// An action through the wire format; `None` where the format has no such action.
    pub(super) fn encode(&self, action: Action<'_>) -> Option<Decoded> {
        self.upkeep.try_update_value(|u| u.format.as_mut().and_then(|f| f.encode(action))).flatten()
    }

    /// What the format answered: its frames go out at once, its events to the log, and its
    /// wake-up is armed. A refusal is an error for the person; a dead link is dropped.
    pub(super) fn take(&self, decoded: Decoded, now: f64) {
        let Decoded { mut events, replies, wake_in_ms } = decoded;
        self.send_frames(&replies);
        // How names compare may change with what the server said (IRC's CASEMAPPING).
        if let Some(case) = self.upkeep.with_value(|u| u.format.as_ref().map(|f| f.name_case())) {
            if self.chats.with_untracked(|c| c.name_case() != case) {
                self.chats.update_untracked(|c| c.set_name_case(case));
            }
        }
        // A refusal is an error for the person, at once (`report` puts it in the timeline too).
        if events.iter().any(|e| matches!(e, ChatEvent::Refused(_))) {
            for event in &events {
                if let ChatEvent::Refused(problem) = event {
                    self.report(problem.clone());
                }
            }
            events.retain(|e| !matches!(e, ChatEvent::Refused(_)));
        }
        let ended = events.iter().position(|e| matches!(e, ChatEvent::LoginEnded(_))).map(|at| events.remove(at));
        let dead = events.iter().position(|e| matches!(e, ChatEvent::LinkDead(_))).map(|at| events.remove(at));
        self.enqueue(events, now);
        if let Some(ChatEvent::LoginEnded(why)) = ended {
            return self.login_ended(why);
        }
        if let Some(ChatEvent::LinkDead(why)) = dead {
            return self.link_dead(&why);
        }
        if let Some(delay_ms) = wake_in_ms {
            self.arm_wake(delay_ms);
        }
    }

    /// Protocol frames (replies, registration, commands); a failure shows as an error.
    pub(super) fn send_frames(&self, frames: &[OutFrame]) {
        for frame in frames {
            if let Err(e) = send_frame(self, frame) {
                self.report(format!("Could not send to the server: {e}"));
                return;
            }
        }
    }

    /// One frame from the server through the wire format: replies go out at once, events go to
    /// the log, and the outbox follows when the format becomes ready.
    pub(super) fn receive(&self, frame: Frame<'_>, now: f64) {
        self.decode_with(now, |format| (format.on_frame(frame, now), ()));
    }

    /// Runs `decode` on the format and takes what it decoded (replies, events, readiness), the
    /// idle timer armed once anything was heard; `decode`'s other result, `None` without a
    /// format.
    pub(super) fn decode_with<T>(
        &self,
        now: f64,
        decode: impl FnOnce(&mut dyn WireFormat) -> (Decoded, T),
    ) -> Option<T> {
        let was_ready = self.format_ready();
        let (decoded, other) = self
            .upkeep
            .try_update_value(|u| {
                u.last_activity_ms = now;
                u.format.as_mut().map(|f| decode(f.as_mut()))
            })
            .flatten()?;
        self.take(decoded, now);
        self.became_ready_maybe(was_ready);
        if self.upkeep.with_value(|u| u.idle_timer.is_none()) {
            if let Some(idle_ms) = self.idle_timeout_ms() {
                self.arm_idle_timeout(idle_ms / 2.0);
            }
        }
        Some(other)
    }

    /// The format became ready (it says so in the timeline itself): the outbox goes out.
    pub(super) fn became_ready_maybe(&self, was_ready: bool) {
        if !was_ready && self.format_ready() {
            self.flush_outbox();
            self.save_outbox_if_changed();
        }
    }

    /// A server that picked a subprotocol of another format speaks that format, whatever
    /// format was chosen (`text.ircv3.net` is IRC).
    pub(super) fn adopt_format_if_chosen(&self, subprotocol: &str) {
        let settings = self.settings.get_untracked();
        // A format that finds the format (`auto`) weighs the choice itself.
        if settings.protocol.finds_format() {
            return;
        }
        let Some(kind) = ProtocolKind::for_subprotocol(subprotocol).filter(|kind| *kind != settings.protocol) else {
            return;
        };
        match (Settings { protocol: kind, ..settings }).checked() {
            Ok(settings) => match settings.new_format() {
                // Loaded before the socket opened, as every format an offered subprotocol names.
                Ok(format) => {
                    self.system(&format!("The server chose {subprotocol}: speaking {}.", kind.label()));
                    self.update_upkeep(|u| (u.format, u.format_settings) = (Some(format), Some(settings.clone())));
                    self.settings.set(settings);
                }
                Err(missing) => self.report(missing.to_string()),
            },
            Err(problem) => self.report(problem),
        }
    }
}

/// One frame to the socket, recorded for the inspector with the format's secrets masked.
pub(super) fn send_frame(session: &ChatSession, frame: &OutFrame) -> Result<(), crate::socket::SocketError> {
    let now = now_ms();
    match frame {
        OutFrame::Text(text) => session.socket.send_text(text)?,
        OutFrame::Binary(bytes) => session.socket.send_binary(bytes)?,
    }
    let secrets = session.upkeep.with_value(|u| u.format.as_ref().map(|f| f.secret_spans(frame)).unwrap_or_default());
    session.frames.update_value(|f| f.sent(now, frame, &secrets));
    session.frames_need_redraw();
    Ok(())
}

impl ChatSession {
    /// Where the format finds secrets in a frame from the server, for the inspector to mask.
    pub(super) fn received_secret_spans(&self, frame: Frame<'_>) -> Vec<std::ops::Range<usize>> {
        self.upkeep.with_value(|u| u.format.as_ref().map(|f| f.received_secret_spans(frame)).unwrap_or_default())
    }
}
