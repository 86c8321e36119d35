//! What the person types: messages and commands (/join, /part, /msg, /nick, /hex, /close, …).

use leptos::prelude::*;
use wschat_core::chat::ChatLog;
use wschat_core::command::{parse_input, Input, HELP};
use wschat_core::protocol::{describe_binary, Action, OutFrame, TargetKind};
use wschat_core::settings::validate_nick;

use super::wire::send_frame;
use super::{now_ms, storage, ChatSession};

impl ChatSession {
    /// Handles a line typed in the composer: a message or a command. Returns whether it was
    /// taken (so the composer may clear); a refused line stays for the person to fix.
    pub fn submit(&self, line: &str) -> bool {
        if line.trim().is_empty() {
            return false;
        }
        match parse_input(line) {
            Ok(Input::Message(text)) => self.send(&text),
            Ok(Input::Close { code, reason }) => {
                self.disconnect(code, &reason);
                true
            }
            Ok(Input::Reconnect) => {
                self.reconnect_now();
                true
            }
            Ok(Input::Help) => {
                self.edit_log(|log| {
                    log.push_system(HELP, now_ms());
                });
                true
            }
            Ok(Input::Clear) => {
                self.edit_log(ChatLog::clear);
                true
            }
            Ok(Input::Join(channel)) => self.join(&channel),
            Ok(Input::Part(name)) => self.part(name.as_deref()),
            Ok(Input::Msg { nick, text }) => self.message_privately(&nick, &text),
            Ok(Input::Query(nick)) => self.query(&nick),
            Ok(Input::Topic(topic)) => self.topic(topic.as_deref()),
            Ok(Input::Nick(nick)) => self.change_nick(&nick),
            Ok(Input::Hex(bytes)) => self.send_binary(&bytes),
            Ok(Input::Search(term)) => {
                self.search_request.set(Some(term));
                true
            }
            Err(e) => {
                self.report(e.to_string());
                false
            }
        }
    }

    /// Whether `line` carries a password for a network service (`/msg NickServ IDENTIFY x`),
    /// so the composer keeps it out of the input history, which rests in storage.
    pub fn holds_secret(&self, line: &str) -> bool {
        let shown = self.chats.with_untracked(|c| c.shown().target.clone());
        let private_with = (shown.kind == TargetKind::Private).then_some(shown.name.as_str());
        parse_input(line).is_ok_and(|input| input.holds_secret(private_with))
    }

    /// `/hex`: one binary frame, now; binary frames do not wait in the outbox.
    pub(super) fn send_binary(&self, bytes: &[u8]) -> bool {
        match send_frame(self, &OutFrame::Binary(bytes.to_vec())) {
            Ok(()) => {
                self.system(&format!("Sent a {}.", describe_binary(bytes)));
                true
            }
            Err(e) => {
                self.report(format!("The binary frame was not sent: {e}"));
                false
            }
        }
    }

    /// `/nick`: asked of the server where the format registers nicks (IRC), else simply taken.
    pub(super) fn change_nick(&self, nick: &str) -> bool {
        let nick = match validate_nick(nick) {
            Ok(nick) => nick.to_string(),
            Err(e) => {
                self.report(e.to_string());
                return false;
            }
        };
        match self.encode(Action::Nick(&nick)) {
            Some(decoded) => self.take(decoded, now_ms()), // the server's NICK reply makes it ours
            None => {
                storage::remember_nick(&nick);
                self.system(&format!("You are now {nick}."));
                self.take_nick(nick);
            }
        }
        true
    }

    /// The nick is now this one: in the settings, and for spotting mentions.
    pub(super) fn take_nick(&self, nick: String) {
        self.chats.update_untracked(|chats| chats.set_own_nick(&nick));
        self.settings.update(|s| s.nick = nick);
    }
}
