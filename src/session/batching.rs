//! Decoded events reach the log in batches: one view update per burst, not one per message.

use leptos::prelude::*;
use wschat_core::chat::ChatLog;
use wschat_core::protocol::ChatEvent;

use super::ChatSession;

/// Decoded events wait for one flush a frame, unless this many gather first: then they are
/// applied at once, so a backlog is never held in memory whole.
const PENDING_FLUSH_AT: usize = 256;

impl ChatSession {
    /// Queues decoded events; they reach the log together, so a burst (the socket hands on a
    /// frame's messages at once) costs one view update rather than one per message.
    pub(super) fn enqueue(&self, events: Vec<ChatEvent>, now: f64) {
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
    pub(super) fn schedule_flush(&self) {
        if self.upkeep.try_update_value(|u| !std::mem::replace(&mut u.flush_queued, true)) == Some(true) {
            let session = *self;
            leptos::task::spawn_local(async move { session.flush_pending() });
        }
    }

    /// Applies every queued event to the log in one update.
    pub(super) fn flush_pending(&self) {
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

    /// Every direct change to the log goes through here, after the queued events, so the
    /// timeline keeps the order things happened in.
    pub(super) fn edit_log(&self, change: impl FnOnce(&mut ChatLog)) {
        self.flush_pending();
        self.log.update(change);
    }
}

/// One decoded event into the log.
pub(super) fn apply_event(log: &mut ChatLog, event: ChatEvent, now: f64) {
    match event {
        ChatEvent::Message { nick, text, time_ms } => {
            log.receive_message(nick.as_deref(), &text, time_ms.unwrap_or(now));
        }
        ChatEvent::History { nick, text, time_ms, msgid } => {
            log.receive_history(&nick, &text, time_ms.unwrap_or(now), msgid.as_deref());
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
        ChatEvent::Notice { text, time_ms } => {
            log.push_system(&text, time_ms.unwrap_or(now));
        }
        ChatEvent::Joined { nick, text, time_ms } => {
            log.user_joined(&nick);
            log.push_system(&text, time_ms.unwrap_or(now));
        }
        ChatEvent::Left { nick, text, time_ms } => {
            log.user_left(&nick);
            log.push_system(&text, time_ms.unwrap_or(now));
        }
        ChatEvent::Renamed { from, to, time_ms } => {
            log.user_renamed(&from, &to);
            log.push_system(&format!("{from} is now known as {to}"), time_ms.unwrap_or(now));
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
