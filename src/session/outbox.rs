//! The outbox: own messages shown at once in their conversation, sent in order once the link,
//! the format and that conversation are ready, kept in storage until the server has them,
//! retried or discarded by the person.

use leptos::prelude::*;
use wschat_core::chat::Conversations;
use wschat_core::protocol::{Action, Decoded, TargetKind};

use super::wire::send_frame;
use super::{now_ms, ownership, storage, ChatSession};
use crate::socket::ReadyState;

impl ChatSession {
    /// Sends a message to the shown conversation. It is shown at once; if the link (or the
    /// conversation) is not ready it waits in the outbox as pending and goes out, in order, when
    /// it is. Returns false if it was refused (too long, or nowhere to go).
    pub fn send(&self, text: &str) -> bool {
        if self.chats.with_untracked(|c| c.shown().target.kind == TargetKind::Server) {
            self.report(
                "This is the server's conversation: messages go to channels and private chats. Use /join #channel or /msg nick text."
                    .to_string(),
            );
            return false;
        }
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

    /// A failed message goes back into the outbox (ids are unique across conversations).
    pub fn retry(&self, id: u64) {
        self.edit_chats(|chats| chats.iter_mut().for_each(|c| c.log.retry(id)));
        self.flush_outbox();
        self.save_outbox_if_changed();
    }

    /// A failed or pending message is dropped for good.
    pub fn discard(&self, id: u64) {
        self.edit_chats(|chats| chats.iter_mut().for_each(|c| c.log.discard(id)));
        self.save_outbox_if_changed();
    }

    /// Hands every waiting message to the socket, in order within each conversation, while it
    /// is open, the wire format is ready (handshake, registration) and the conversation joined.
    pub(super) fn flush_outbox(&self) {
        let scanned = self.upkeep.try_with_value(|u| u.outbox_scanned) == Some(true);
        if !scanned || self.socket.ready_state().get_untracked() != ReadyState::Open || !self.format_ready() {
            return;
        }
        let session = *self;
        // What the format says besides the frames waits for the log to be free again.
        let mut besides = Vec::new();
        let waiting =
            self.chats.with_untracked(|chats| chats.list().iter().any(|c| c.joined && c.log.outbox().next().is_some()));
        if !waiting {
            return;
        }
        self.edit_chats(|chats| {
            for conversation in chats.iter_mut().filter(|c| c.joined) {
                let (to, log) = (&conversation.target, &mut conversation.log);
                while let Some(item) = log.take_next_outgoing() {
                    let action = Action::Message { to, nick: &item.nick, text: &item.text, id: item.id };
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
            }
        });
        let now = now_ms();
        for decoded in besides.into_iter().filter(|d| !d.events.is_empty() || d.wake_in_ms.is_some()) {
            self.take(decoded, now);
        }
    }

    /// Writes the outbox to storage when it changed since the last write, once this session
    /// owns it. A refused write is said once in words, and again when writes work again.
    pub(super) fn save_outbox_if_changed(&self) {
        let revision = self.chats.with_untracked(Conversations::unsent_revision);
        let Some((saved_revision, claimed, key)) =
            self.upkeep.try_with_value(|u| (u.saved_revision, u.outbox_claimed, u.outbox_key.clone()))
        else {
            return;
        };
        if saved_revision == revision || !claimed {
            return;
        }
        let unsent = self.chats.with_untracked(Conversations::unsent);
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

    /// A server seen to confirm own messages is remembered, so that after a reload what it had
    /// not yet confirmed is kept and sent again rather than taken as delivered.
    pub(super) fn remember_confirms_once_seen(&self) {
        if self.chats.with_untracked(Conversations::confirms) && !self.upkeep.with_value(|u| u.confirms_remembered) {
            let server = self.upkeep.with_value(|u| u.server.clone());
            storage::remember_confirms(&server);
            self.update_upkeep(|u| u.confirms_remembered = true);
        }
    }
}
