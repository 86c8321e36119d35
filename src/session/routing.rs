//! The connection's conversations from the person's side: which one is shown, and joining,
//! leaving and opening them (`/join`, `/part`, `/msg`, `/query`, `/topic`).

use leptos::prelude::*;
use wschat_core::chat::{first_target, listed_channels, ChatLog, Conversations};
use wschat_core::protocol::{Action, ProtocolKind, Target, TargetKind};
use wschat_core::settings::Settings;

use super::{now_ms, storage, ChatSession};

impl ChatSession {
    /// Unread messages in all conversations (tracked).
    pub fn unread(&self) -> u32 {
        self.chats.with(|c| c.list().iter().map(|c| c.log.unread()).fold(0, u32::saturating_add))
    }

    /// Unread mentions of the person in all conversations (tracked).
    pub fn unread_mentions(&self) -> u32 {
        self.chats.with(|c| c.list().iter().map(|c| c.log.unread_mentions()).fold(0, u32::saturating_add))
    }

    /// Reads the shown conversation's log, without tracking.
    pub fn with_shown_log<R>(&self, read: impl FnOnce(&ChatLog) -> R) -> Option<R> {
        self.chats.try_with_untracked(|c| read(&c.shown().log))
    }

    /// Shows the conversation at `index`. `draft` is what the composer holds for the one shown
    /// until now, kept with it; returns the draft of the one shown next.
    pub fn show(&self, index: usize, draft: String) -> String {
        self.edit_chats(|chats| {
            chats.shown_mut().draft = draft;
            chats.show(index);
            std::mem::take(&mut chats.shown_mut().draft)
        })
        .unwrap_or_default()
    }

    /// Shows the next conversation `step` away (wrapping), or the nearest that way with unread
    /// messages; `None` when there is no such one.
    pub fn show_next(&self, step: isize, unread_only: bool, draft: String) -> Option<String> {
        let next = self.chats.with_untracked(|chats| chats.next_index(step, unread_only))?;
        Some(self.show(next, draft))
    }

    /// Shows `target`, opening it if need be; the draft of the one shown before is left empty
    /// (the composer held the command that led here).
    fn show_target(&self, target: Target) {
        self.edit_chats(|chats| {
            let at = chats.open(target);
            chats.show(at);
        });
    }

    /// `/join`, where the wire format has channels: one more conversation, shown.
    pub(super) fn join(&self, channel: &str) -> bool {
        if !self.has_conversations("/join") {
            return false;
        }
        if channel.contains(',') {
            self.report("/join takes one conversation at a time.".to_string());
            return false;
        }
        // As the format names it (IRC adds its #, MQTT topics and XMPP rooms are checked).
        let channel = match self.settings.with_untracked(|s| s.protocol.check_channels(channel)) {
            Ok(channel) => channel,
            Err(problem) => {
                self.report(problem);
                return false;
            }
        };
        let Some(decoded) = self.encode(Action::Join(&channel)) else {
            self.report("This connection cannot join channels.".to_string());
            return false;
        };
        let case = self.chats.with_untracked(|c| c.name_case());
        self.change_listed(|listed| {
            if !listed.iter().any(|c| case.same(c, &channel)) {
                listed.push(channel.clone());
            }
        });
        self.show_target(Target::channel(&channel));
        self.take(decoded, now_ms());
        true
    }

    /// `/part [name]`: leaves a channel (or closes a private conversation), the shown one when
    /// none is named. Messages still waiting in it go with it.
    pub(super) fn part(&self, name: Option<&str>) -> bool {
        if !self.has_conversations("/part") {
            return false;
        }
        let target = match name {
            // A channel as the format names it (`rust` is IRC's `#rust`), else as typed: a
            // private chat's name.
            Some(name) => {
                let channel = self.settings.with_untracked(|s| s.protocol.check_channels(name)).unwrap_or_default();
                self.chats.with_untracked(|c| {
                    let at = c.find(&Target::channel(&channel)).or_else(|| c.find(&Target::channel(name)));
                    at.or_else(|| c.find(&Target::private(name))).map(|at| c.list()[at].target.clone())
                })
            }
            None => Some(self.chats.with_untracked(|c| c.shown().target.clone())),
        };
        let Some(target) = target.filter(|t| t.kind != TargetKind::Server) else {
            self.report(match name {
                Some(name) => format!("There is no conversation {name} to leave."),
                None => "The server's conversation stays while connected; /close ends the connection.".to_string(),
            });
            return false;
        };
        if let Some(decoded) = self.encode(Action::Part(&target)) {
            self.take(decoded, now_ms());
        }
        let case = self.chats.with_untracked(|c| c.name_case());
        self.change_listed(|listed| listed.retain(|c| !case.same(c, &target.name)));
        self.edit_chats(|chats| {
            if let Some(at) = chats.find(&target) {
                chats.close(at);
            }
        });
        self.save_outbox_if_changed();
        true
    }

    /// `/msg nick text`: the message goes in the private conversation with `nick`, shown.
    pub(super) fn message_privately(&self, nick: &str, text: &str) -> bool {
        self.query(nick) && self.send(text)
    }

    /// `/query nick`: shows the private conversation with `nick`, opened if need be.
    pub(super) fn query(&self, nick: &str) -> bool {
        if !self.has_conversations("/msg and /query") {
            return false;
        }
        if nick.starts_with(['#', '&', '!', '+'])
            || nick.chars().any(|c| c.is_whitespace() || c.is_control() || c == ',')
        {
            self.report(format!("\"{nick}\" is not a nick; /msg and /query take a person's nick, /join a channel."));
            return false;
        }
        let shown = self.chats.with_untracked(|c| c.shown().target.clone());
        let name = self
            .upkeep
            .try_with_value(|u| u.format.as_ref().map(|f| f.private_name(nick, &shown)))
            .flatten()
            .unwrap_or_else(|| nick.to_string());
        self.show_target(Target::private(&name));
        true
    }

    /// `/topic [text]`: sets the shown conversation's topic, or says what it is.
    pub(super) fn topic(&self, topic: Option<&str>) -> bool {
        let target = self.chats.with_untracked(|c| c.shown().target.clone());
        let Some(topic) = topic else {
            let known = self.chats.with_untracked(|c| c.shown().topic.clone());
            let line = known.unwrap_or_else(|| format!("No topic is known for {}.", target.name));
            self.edit_log(|log| {
                log.push_system(&line, now_ms());
            });
            return true;
        };
        match self.encode(Action::SetTopic(&target, topic)) {
            Some(decoded) => {
                self.take(decoded, now_ms());
                true
            }
            None => {
                self.report(format!("{} has no topic to set here.", target.name));
                false
            }
        }
    }

    /// Whether this connection carries many conversations; if not, says that `command` does
    /// nothing here.
    fn has_conversations(&self, command: &str) -> bool {
        let protocol = self.settings.with_untracked(|s| s.protocol);
        if !protocol.many_conversations() {
            self.report(format!("{} has one conversation; {command} does nothing here.", protocol.label()));
        }
        protocol.many_conversations()
    }

    /// The server speaks `kind` (`auto` found it): the settings say so (the protocol menu shows
    /// it, and the next visit connects with it at once), and the conversations are its.
    pub(super) fn format_found(&self, kind: ProtocolKind) {
        let settings = self.settings.with_untracked(|s| s.found(kind));
        if self.settings.with_untracked(|s| s.protocol == kind) {
            return;
        }
        storage::remember_format(&self.upkeep.with_value(|u| u.server.clone()), kind);
        // The format speaking now is kept: it is the one that found `kind`, and speaks it.
        self.update_upkeep(|u| u.format_settings = Some(settings.clone()));
        self.chats.update_untracked(|chats| {
            chats.first_mut().target = first_target(kind, &settings.url);
            open_listed(chats, &settings, true);
        });
        self.settings.set(settings);
    }

    /// Changes the channels of the settings (joined again on every new connection).
    fn change_listed(&self, change: impl FnOnce(&mut Vec<String>)) {
        self.settings.update(|s| {
            let mut listed: Vec<String> = s.channel.split(',').filter(|c| !c.is_empty()).map(str::to_string).collect();
            change(&mut listed);
            // None left: none is joined next time either (the format reads an empty list so).
            s.channel = if listed.is_empty() {
                String::new()
            } else {
                s.protocol.check_channels(&listed.join(",")).unwrap_or_default()
            };
        });
    }
}

/// Opens the conversations `settings.channel` names (kept if open already), and shows the first
/// of them when `show_first`.
pub(super) fn open_listed(chats: &mut Conversations, settings: &Settings, show_first: bool) {
    let opened: Vec<usize> = listed_channels(settings).into_iter().map(|target| chats.open(target)).collect();
    if let Some(first) = opened.first().filter(|_| show_first) {
        chats.show(*first);
    }
}
