//! Decoded events routed to the conversation they name (or, for someone leaving, to every one
//! that person was in) and applied to its log.

use super::{stored, Conversations};
use crate::chat::ChatLog;
use crate::protocol::{ChatEvent, Target, TargetKind};

impl Conversations {
    /// Applies one decoded event where it belongs; past the memory budget, the oldest entries go.
    /// The budget is summed over the logs after each event while they are few, else every
    /// [`stored::BUDGET_CHECK_EVERY`] events (a flood over 256 topics would sum 256 logs per message).
    pub fn apply(&mut self, event: ChatEvent, now: f64) {
        self.apply_event(event, now);
        self.unchecked_events += 1;
        if self.list.len() <= stored::BUDGET_CHECK_EVERY || self.unchecked_events >= stored::BUDGET_CHECK_EVERY {
            self.unchecked_events = 0;
            self.keep_within_budget();
        }
    }

    fn apply_event(&mut self, event: ChatEvent, now: f64) {
        match event {
            ChatEvent::In { to, event } => self.apply_in(to, *event, now),
            // Said wherever that person was: their channels and their private chat.
            ChatEvent::Left { nick, text, time_ms } => {
                let at = self.where_is(&nick);
                for i in at {
                    let log = &mut self.list[i].log;
                    log.user_left(&nick);
                    log.push_system(&text, time_ms.unwrap_or(now));
                }
            }
            ChatEvent::Renamed { from, to, time_ms } => {
                let text = format!("{from} is now known as {to}");
                for i in self.where_is(&from) {
                    let conversation = &mut self.list[i];
                    conversation.log.user_renamed(&from, &to);
                    conversation.log.push_system(&text, time_ms.unwrap_or(now));
                    if conversation.target.kind == TargetKind::Private && conversation.target.name == from {
                        conversation.target.name = to.clone();
                    }
                }
            }
            ChatEvent::Delivered(id) => self.list.iter_mut().for_each(|c| c.log.confirm_by_id(id)),
            ChatEvent::Undelivered { id, why } => {
                if !self.list.iter_mut().any(|c| c.log.refuse_by_id(id, &why, now)) {
                    self.list[0].log.push_system(&why, now);
                }
            }
            ChatEvent::OwnNick(ref nick) | ChatEvent::AssignedNick(ref nick) => {
                self.set_own_nick(nick);
                apply_to_log(&mut self.list[0].log, event, now);
            }
            // About the connection: said where the person looks too.
            ChatEvent::System(text) => {
                self.list[0].log.push_system(&text, now);
                if self.shown != 0 {
                    self.list[self.shown].log.push_system(&text, now);
                }
            }
            event => apply_to_log(&mut self.list[0].log, event, now),
        }
    }

    /// The conversations `nick` is in (their user list, or a private chat with them); the first
    /// when none is known.
    fn where_is(&self, nick: &str) -> Vec<usize> {
        let at: Vec<usize> = (0..self.list.len())
            .filter(|&i| {
                let c = &self.list[i];
                c.log.has_user(nick) || (c.target.kind == TargetKind::Private && c.target.name == nick)
            })
            .collect();
        if at.is_empty() {
            vec![0]
        } else {
            at
        }
    }

    fn apply_in(&mut self, to: Target, event: ChatEvent, now: f64) {
        // Only what someone says, or our joining, opens a conversation: the rest of a closed
        // one (its PART coming back) goes nowhere.
        let opens = matches!(event, ChatEvent::Message { .. } | ChatEvent::History { .. } | ChatEvent::Entered);
        let at = match self.find(&to) {
            Some(at) => at,
            None if opens => self.open(to),
            None => return,
        };
        let conversation = &mut self.list[at];
        match event {
            ChatEvent::Entered => conversation.joined = true,
            ChatEvent::Gone(why) => {
                conversation.joined = false;
                conversation.log.set_users(Vec::new());
                conversation.log.push_system(&why, now);
            }
            ChatEvent::Topic { text, time_ms } => {
                conversation.log.push_system(&text, time_ms.unwrap_or(now));
                conversation.topic = Some(text);
            }
            ChatEvent::UserMode { nick, prefix, on } => conversation.log.user_mode(&nick, prefix, on),
            ChatEvent::Left { nick, text, time_ms } => {
                conversation.log.user_left(&nick);
                conversation.log.push_system(&text, time_ms.unwrap_or(now));
            }
            event => apply_to_log(&mut conversation.log, event, now),
        }
    }
}

/// One event into one conversation's log.
fn apply_to_log(log: &mut ChatLog, event: ChatEvent, now: f64) {
    match event {
        ChatEvent::Message { msgid: Some(msgid), .. } if log.knows_msgid(&msgid) => {}
        ChatEvent::Message { nick, text, time_ms, msgid } => {
            let id = log.receive_message(nick.as_deref(), &text, time_ms.unwrap_or(now));
            if let Some(msgid) = msgid {
                log.keep_msgid(id, &msgid);
            }
        }
        ChatEvent::History { nick, text, time_ms, msgid } => {
            let shown = log.receive_history(&nick, &text, time_ms.unwrap_or(now), msgid.as_deref());
            if let (Some(id), Some(msgid)) = (shown, msgid) {
                log.keep_msgid(id, &msgid);
            }
        }
        ChatEvent::Earlier(lines) => {
            log.receive_earlier(&lines);
        }
        ChatEvent::System(text) => {
            log.push_system(&text, now);
        }
        ChatEvent::Raw { note, text } => {
            log.receive_raw(&text, note, now);
        }
        ChatEvent::Notice { text, time_ms } | ChatEvent::Topic { text, time_ms } => {
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
        ChatEvent::Undelivered { id, why } => {
            if !log.refuse_by_id(id, &why, now) {
                log.push_system(&why, now);
            }
        }
        ChatEvent::UserMode { nick, prefix, on } => log.user_mode(&nick, prefix, on),
        // `take` reports refusals and drops dead links; should one get here, it is still said.
        ChatEvent::Refused(problem)
        | ChatEvent::LoginEnded(problem)
        | ChatEvent::LinkDead(problem)
        | ChatEvent::Gone(problem) => {
            log.push_system(&problem, now);
        }
        ChatEvent::Entered => {}
        ChatEvent::FormatFound(kind) => {
            log.push_system(&format!("The server speaks {}.", kind.label()), now);
        }
        // Nested: the conversation was chosen already.
        ChatEvent::In { event, .. } => apply_to_log(log, *event, now),
    }
}
