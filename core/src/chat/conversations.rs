//! A connection's conversations (the server's, channels, private chats): here the list, which
//! one is shown and what they share; beside it events routed to the one they name (`events`),
//! the outbox of them all (`outbox`), and what goes to and comes from the store (`stored`).

use crate::protocol::{NameCase, ProtocolKind, Target, TargetKind};
use crate::settings::Settings;

use super::ChatLog;

/// One conversation: its log (with its own cap, users, unread count and outbox) and what the
/// view keeps for it.
#[derive(Clone, Debug)]
pub struct Conversation {
    pub target: Target,
    pub log: ChatLog,
    /// We are in it (joined): its messages may go out. Always so for the first conversation
    /// of a format with one, and for private chats.
    pub joined: bool,
    pub topic: Option<String>,
    /// What was typed and not sent, kept while another conversation is shown.
    pub draft: String,
}

/// Ids of each conversation's log start this far apart, so no two share one.
const IDS_PER_CONVERSATION: u64 = 1 << 32;

/// Conversations kept at most; past it, new private chats go to the first conversation (a
/// server opening thousands cannot exhaust memory).
pub const MAX_CONVERSATIONS: usize = 256;

/// The conversations of one connection; the first is the server's (or the only one).
#[derive(Clone, Debug)]
pub struct Conversations {
    list: Vec<Conversation>,
    shown: usize,
    /// The person sees the shown conversation's newest entries.
    reading: bool,
    /// Made so far, for id ranges.
    made: u64,
    /// Bumped when a conversation holding unsent messages is closed.
    closed_revisions: u64,
    template: ChatLog,
    /// How the protocol compares conversation names.
    name_case: NameCase,
    /// What the logs may hold together ([`MEMORY_BUDGET_BYTES`]).
    budget_bytes: usize,
    /// Events applied since the budget was last checked.
    unchecked_events: usize,
}

impl Conversations {
    /// A connection's conversations: `first` alone (the server's, or the only one), its log
    /// keeping at most `cap` entries.
    pub fn new(first: Target, cap: usize) -> Self {
        let template = ChatLog::new(cap);
        let mut conversations = Conversations {
            list: Vec::new(),
            shown: 0,
            reading: false,
            made: 0,
            closed_revisions: 0,
            template,
            // Until the connection's format says how it compares names.
            name_case: NameCase::Ascii,
            budget_bytes: MEMORY_BUDGET_BYTES,
            unchecked_events: 0,
        };
        conversations.open(first);
        if let Some(first) = conversations.list.first_mut() {
            first.joined = true;
        }
        conversations
    }

    pub fn list(&self) -> &[Conversation] {
        &self.list
    }

    pub fn first(&self) -> &Conversation {
        &self.list[0]
    }

    pub fn first_mut(&mut self) -> &mut Conversation {
        &mut self.list[0]
    }

    pub fn shown(&self) -> &Conversation {
        &self.list[self.shown]
    }

    pub fn shown_mut(&mut self) -> &mut Conversation {
        &mut self.list[self.shown]
    }

    pub fn shown_index(&self) -> usize {
        self.shown
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Conversation> {
        self.list.iter_mut()
    }

    /// Where `target` is in the list.
    pub fn find(&self, target: &Target) -> Option<usize> {
        self.list.iter().position(|c| c.target.same_as(target, self.name_case))
    }

    /// The conversation named by a storage key ([`Conversations::key`]).
    pub fn find_key(&self, key: &str) -> Option<usize> {
        (0..self.list.len()).find(|&i| self.key(i) == key)
    }

    /// How a message's conversation is named in storage: empty for the first, else its kind's
    /// letter and its name (`c:#rust`, `p:bob`).
    pub fn key(&self, index: usize) -> String {
        let Some(conversation) = self.list.get(index).filter(|_| index > 0) else {
            return String::new();
        };
        let kind = match conversation.target.kind {
            TargetKind::Server => 's',
            TargetKind::Channel => 'c',
            TargetKind::Private => 'p',
        };
        format!("{kind}:{}", conversation.target.name)
    }

    /// The target a storage key names; `None` for the first conversation's (empty) key.
    fn target_of_key(key: &str) -> Option<Target> {
        let (kind, name) = key.split_once(':')?;
        let kind = match kind {
            "c" => TargetKind::Channel,
            "p" => TargetKind::Private,
            _ => return None,
        };
        (!name.is_empty()).then(|| Target { kind, name: name.to_string() })
    }

    /// The conversation `target`, made (not yet joined) if there is none; its index. Past
    /// [`MAX_CONVERSATIONS`], the first.
    pub fn open(&mut self, target: Target) -> usize {
        if let Some(at) = self.find(&target) {
            return at;
        }
        if self.list.len() >= MAX_CONVERSATIONS {
            return 0;
        }
        let mut log = self.template.clone();
        // Halfway up its range: lines restored from the store go below the first.
        log.renumber_from(self.made * IDS_PER_CONVERSATION + IDS_PER_CONVERSATION / 2);
        self.made += 1;
        log.set_reading(false);
        if target.kind == TargetKind::Private && crate::secret::is_service(&target.name) {
            log.guard_service_secrets(&target.name);
        }
        let joined = target.kind == TargetKind::Private;
        self.list.push(Conversation { target, log, joined, topic: None, draft: String::new() });
        self.list.len() - 1
    }

    /// Closes a conversation (not the first); what it held unsent is dropped with it.
    pub fn close(&mut self, index: usize) {
        if index == 0 || index >= self.list.len() {
            return;
        }
        let gone = self.list.remove(index);
        if !gone.log.unsent().is_empty() {
            self.closed_revisions += 1;
        }
        // The one before it is shown in its place; the shown one after it moved up.
        if self.shown >= index {
            self.shown -= 1;
            if self.shown == index - 1 {
                let reading = self.reading;
                let shown = &mut self.list[self.shown].log;
                shown.set_reading(reading);
                shown.reset_view();
            }
        }
    }

    /// Shows the conversation at `index`; the one shown before is no longer read.
    pub fn show(&mut self, index: usize) {
        if index >= self.list.len() {
            return;
        }
        if let Some(before) = self.list.get_mut(self.shown) {
            before.log.set_reading(false);
        }
        self.shown = index;
        let reading = self.reading;
        let shown = &mut self.list[index].log;
        shown.set_reading(reading);
        shown.reset_view();
    }

    /// The index `step` places along the list from the shown one (wrapping); with
    /// `unread_only`, the nearest that way with unread messages, if any.
    pub fn next_index(&self, step: isize, unread_only: bool) -> Option<usize> {
        let len = self.list.len() as isize;
        (1..len)
            .map(|k| (self.shown as isize + step.signum() * k).rem_euclid(len) as usize)
            .find(|&i| !unread_only || self.list[i].log.unread() > 0)
    }

    /// Whether the person sees the shown conversation's newest entries.
    pub fn set_reading(&mut self, reading: bool) {
        self.reading = reading;
        let shown = self.shown;
        if let Some(conversation) = self.list.get_mut(shown) {
            conversation.log.set_reading(reading);
        }
    }

    /// The nick the person goes by now, for spotting mentions in every conversation.
    pub fn set_own_nick(&mut self, nick: &str) {
        self.template.set_own_nick(nick);
        self.list.iter_mut().for_each(|c| c.log.set_own_nick(nick));
    }

    /// The server connected from now on ([`super::server_id`]).
    pub fn set_server(&mut self, server: &str) {
        self.template.set_server(server);
        self.list.iter_mut().for_each(|c| c.log.set_server(server));
    }

    /// How the connection's protocol compares conversation names (see [`NameCase`]).
    pub fn set_name_case(&mut self, case: NameCase) {
        self.name_case = case;
    }

    pub fn name_case(&self) -> NameCase {
        self.name_case
    }

    pub fn set_confirms(&mut self, confirms: bool) {
        self.template.set_confirms(confirms);
        self.list.iter_mut().for_each(|c| c.log.set_confirms(confirms));
    }

    /// Whether the server has been seen to confirm own messages, in any conversation.
    pub fn confirms(&self) -> bool {
        self.list.iter().any(|c| c.log.confirms())
    }

    pub fn set_cap(&mut self, cap: usize) {
        self.template.set_cap(cap);
        self.list.iter_mut().for_each(|c| c.log.set_cap(cap));
    }

    /// The link dropped: nothing is joined any more, and sent messages go back to the outbox
    /// (see [`ChatLog::link_lost`]).
    pub fn link_lost(&mut self, max_attempts: u32) {
        for (i, conversation) in self.list.iter_mut().enumerate() {
            conversation.joined = (i == 0 && conversation.joined) || conversation.target.kind == TargetKind::Private;
            conversation.log.link_lost(max_attempts);
        }
    }
}

/// The first conversation of a connection to `url` speaking `protocol`: the server's where the
/// format carries many, else the only one; named after the server's host.
pub fn first_target(protocol: ProtocolKind, url: &str) -> Target {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = after_scheme.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let name = if host.is_empty() { "server" } else { host }.to_string();
    let kind = if protocol.many_conversations() { TargetKind::Server } else { TargetKind::Channel };
    Target { kind, name }
}

/// The conversations `settings.channel` names, in order, for formats that carry many.
pub fn listed_channels(settings: &Settings) -> Vec<Target> {
    if !settings.protocol.many_conversations() {
        return Vec::new();
    }
    settings.channel.split(',').map(str::trim).filter(|c| !c.is_empty()).map(Target::channel).collect()
}

mod events;
mod outbox;
mod stored;

pub use stored::MEMORY_BUDGET_BYTES;

#[cfg(test)]
mod tests;
