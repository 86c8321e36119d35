//! Decoded events reach the conversations in batches: one view update per burst, not one per
//! message.

use leptos::prelude::*;
use wschat_core::chat::{ChatLog, Conversations};
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
        let _phase = crate::heap_probe::enter(crate::heap_probe::Phase::Flush);
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
                ChatEvent::AssignedNick(nick) => self.chats.update_untracked(|chats| chats.set_own_nick(nick)),
                ChatEvent::FormatFound(kind) => self.format_found(*kind),
                _ => {}
            }
        }
        self.chats.update(|chats| {
            for (event, now) in pending {
                chats.apply(event, now);
            }
        });
        // A channel joined at last lets its messages go.
        self.flush_outbox();
        self.remember_confirms_once_seen();
        self.save_outbox_if_changed();
        self.archive_new_lines();
    }

    /// Every direct change to the conversations goes through here, after the queued events, so
    /// the timeline keeps the order things happened in.
    pub(super) fn edit_chats<R>(&self, change: impl FnOnce(&mut Conversations) -> R) -> Option<R> {
        self.flush_pending();
        self.chats.try_update(change)
    }

    /// A change to the shown conversation's log.
    pub(super) fn edit_log(&self, change: impl FnOnce(&mut ChatLog)) {
        self.edit_chats(|chats| change(&mut chats.shown_mut().log));
    }
}
