//! The outbox: own messages waiting to be handed over, each for its server, those other pages
//! hold, and what must survive a reload.

use std::sync::Arc;

use super::{ChatLog, EntryKind, OwnStatus, PersistedMessage, NOTE_FOR_ANOTHER_SERVER, NOTE_IN_ANOTHER_PAGE};

/// A message waiting to be handed to the socket, in the order it was typed.
#[derive(Clone, Debug, PartialEq)]
pub struct OutboxItem {
    pub id: u64,
    /// The server it was typed for ([`server_id`]); it goes to no other.
    pub server: Arc<str>,
    pub nick: String,
    pub text: String,
    /// Times it was handed to a socket that dropped before confirming it.
    pub attempts: u32,
    /// When it was typed, milliseconds since the Unix epoch.
    pub time_ms: f64,
}

impl ChatLog {
    /// Changes whenever the messages that must survive a reload change.
    pub fn unsent_revision(&self) -> u64 {
        self.unsent_revision
    }

    /// Messages typed but not yet handed to an open socket, oldest first.
    pub fn outbox(&self) -> impl Iterator<Item = &OutboxItem> {
        self.outbox.iter()
    }

    /// A message typed here for the server connected now: shown at once as pending and queued
    /// in the outbox.
    pub fn push_own(&mut self, nick: &str, text: &str, time_ms: f64) -> u64 {
        self.unsent_revision += 1;
        let id = self.push(EntryKind::Own, Some(nick), text, Some(OwnStatus::Pending), time_ms);
        let server = Arc::clone(&self.server);
        self.outbox.push_back(OutboxItem {
            id,
            server,
            nick: nick.to_string(),
            text: text.to_string(),
            attempts: 0,
            time_ms,
        });
        id
    }

    /// The server connected from now on ([`server_id`] of its URL). Messages typed for another
    /// stay pending, marked so, until that server is connected again or they are discarded.
    pub fn set_server(&mut self, server: &str) {
        if *self.server == *server {
            return;
        }
        self.server = Arc::from(server);
        let notes: Vec<(u64, Option<&'static str>)> = self
            .outbox
            .iter()
            .chain(&self.awaiting_echo)
            .chain(&self.failed)
            .map(|m| (m.id, (*m.server != *server).then_some(NOTE_FOR_ANOTHER_SERVER)))
            .collect();
        for (id, note) in notes {
            self.set_note(id, note);
        }
    }

    /// Messages in the outbox for servers other than the one connected now.
    pub fn waiting_for_other_servers(&self) -> usize {
        self.outbox.iter().filter(|m| *m.server != *self.server).count()
    }

    /// Says whether this server confirms own messages, as remembered from earlier visits.
    pub fn set_confirms(&mut self, confirms: bool) {
        self.confirms = confirms;
    }

    /// Whether this server has been seen to confirm own messages.
    pub fn confirms(&self) -> bool {
        self.confirms
    }

    /// Messages another page of this browser holds for this server, shown as waiting there
    /// (that page sends them); replaces what was shown for `owner` before.
    pub fn show_elsewhere(&mut self, owner: &str, items: Vec<PersistedMessage>) {
        let mut kept = Vec::with_capacity(items.len());
        for item in items {
            let shown = self.elsewhere.iter().position(|(o, m, _)| o == owner && *m == item);
            let id = match shown {
                Some(at) => self.elsewhere.remove(at).2,
                None => self.push_noted(&item, NOTE_IN_ANOTHER_PAGE),
            };
            kept.push((owner.to_string(), item, id));
        }
        let gone: Vec<u64> = self.elsewhere.iter().filter(|(o, ..)| o == owner).map(|(.., id)| *id).collect();
        self.elsewhere.retain(|(o, ..)| o != owner);
        for id in gone {
            self.remove_entry(id);
        }
        self.elsewhere.extend(kept);
    }

    /// Takes over messages another page (closed now) or an earlier visit left: they join this
    /// outbox in the order they were typed, each for the server it was typed for. A message
    /// already shown as waiting in that page keeps its entry; one this outbox holds already
    /// (the same server, nick, text and time: left in two places by a page that stopped between
    /// two writes) is taken once.
    pub fn adopt(&mut self, owner: &str, items: Vec<PersistedMessage>) {
        self.unsent_revision += 1;
        for item in items {
            let held = |m: &OutboxItem| {
                m.time_ms == item.time_ms && *m.server == *item.server && m.nick == item.nick && m.text == item.text
            };
            if self.outbox.iter().chain(&self.awaiting_echo).any(held) {
                continue;
            }
            let shown = self.elsewhere.iter().position(|(o, m, _)| o == owner && *m == item);
            let id = match shown {
                Some(at) => self.elsewhere.remove(at).2,
                None => self.push_noted(&item, NOTE_IN_ANOTHER_PAGE),
            };
            let note = (*item.server != *self.server).then_some(NOTE_FOR_ANOTHER_SERVER);
            self.set_note(id, note);
            // Before whatever was typed later, here or there.
            let at = self.outbox.partition_point(|m| m.time_ms <= item.time_ms);
            let server = Arc::from(item.server);
            self.outbox.insert(
                at,
                OutboxItem { id, server, nick: item.nick, text: item.text, attempts: 0, time_ms: item.time_ms },
            );
        }
        // What another page still shows for the owner is no longer there to be sent by it.
        self.show_elsewhere(owner, Vec::new());
    }

    /// Shows nothing as waiting in other pages any more (another server is connected).
    pub fn forget_elsewhere(&mut self) {
        for (.., id) in std::mem::take(&mut self.elsewhere) {
            self.remove_entry(id);
        }
    }

    pub(super) fn push_noted(&mut self, item: &PersistedMessage, note: &'static str) -> u64 {
        let id = self.push(EntryKind::Own, Some(&item.nick), &item.text, Some(OwnStatus::Pending), item.time_ms);
        self.note_newest(Some(note));
        id
    }

    /// What must survive a reload: every message not yet handed over, or not yet confirmed by a
    /// server that confirms, in order.
    pub fn unsent(&self) -> Vec<PersistedMessage> {
        let confirms = self.confirms;
        let awaiting = self.awaiting_echo.iter().filter(|_| confirms);
        awaiting
            .chain(self.outbox.iter())
            // A password is sent from memory or not at all: in storage it would rest in clear.
            .filter(|m| !self.holds_secret(&m.text))
            .map(|m| PersistedMessage {
                server: m.server.to_string(),
                conversation: String::new(),
                nick: m.nick.clone(),
                text: m.text.clone(),
                time_ms: m.time_ms,
            })
            .collect()
    }

    /// The link dropped. Sent messages the server has not confirmed go back to the head of the
    /// outbox (when this server is known to echo), or become failed after `max_attempts`.
    pub fn link_lost(&mut self, max_attempts: u32) {
        self.unsent_revision += 1;
        // What comes back on the next link starts over: the message is sent whole again.
        self.echoed_so_far = 0;
        if !self.confirms {
            self.unmatched_own = 0;
            // No sign this server ever confirms anything: "sent" is as far as we can know.
            self.awaiting_echo.clear();
            return;
        }
        // Messages under our nick that matched nothing while ours awaited confirmation were,
        // most likely, their echoes rewritten by the server (trimmed, reformatted): as many of
        // the oldest stay "sent" and are not sent again; a resend would deliver them twice.
        let echoed_unmatched = std::mem::take(&mut self.unmatched_own).min(self.awaiting_echo.len());
        for item in self.awaiting_echo.drain(..echoed_unmatched).collect::<Vec<_>>() {
            self.set_status(item.id, OwnStatus::Sent);
        }
        while let Some(mut item) = self.awaiting_echo.pop_back() {
            item.attempts += 1;
            if item.attempts >= max_attempts {
                self.set_status(item.id, OwnStatus::Failed);
                self.failed.push(item);
            } else {
                self.set_status(item.id, OwnStatus::Pending);
                self.outbox.push_front(item);
            }
        }
    }

    /// A failed message goes back to the end of the outbox with fresh attempts.
    pub fn retry(&mut self, id: u64) {
        self.unsent_revision += 1;
        if let Some(pos) = self.failed.iter().position(|m| m.id == id) {
            let mut item = self.failed.remove(pos);
            item.attempts = 0;
            self.set_status(id, OwnStatus::Pending);
            self.outbox.push_back(item);
        }
    }

    /// Drops a failed or pending message for good, from the outbox and from view.
    pub fn discard(&mut self, id: u64) {
        self.unsent_revision += 1;
        self.failed.retain(|m| m.id != id);
        self.outbox.retain(|m| m.id != id);
        self.remove_entry(id);
    }

    /// Takes the oldest outbox item to hand to the socket; call [`ChatLog::mark_sent`] or
    /// [`ChatLog::requeue_front`] with the outcome.
    pub fn take_next_outgoing(&mut self) -> Option<OutboxItem> {
        let next = self.outbox.iter().position(|m| *m.server == *self.server)?;
        self.unsent_revision += 1;
        self.outbox.remove(next)
    }

    /// The socket accepted the message; it now waits for the server's echo.
    pub fn mark_sent(&mut self, item: OutboxItem) {
        self.unsent_revision += 1;
        self.set_status(item.id, OwnStatus::Sent);
        self.awaiting_echo.push_back(item);
    }

    /// The socket refused the message (it closed meanwhile): it goes back to the head of the
    /// outbox, so order is kept and nothing is lost.
    pub fn requeue_front(&mut self, item: OutboxItem) {
        self.unsent_revision += 1;
        self.set_status(item.id, OwnStatus::Pending);
        self.outbox.push_front(item);
    }
}
