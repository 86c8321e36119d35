//! Channels and private chats: joins, parts, quits, kicks, nick changes, modes, messages,
//! notices, topics and NAMES, each as an event of the conversation it belongs to.

use super::{chat_text, IrcState, Line, OPEN_BATCHES_KEPT};
use crate::protocol::{ChatEvent, Target};

impl IrcState {
    /// A line about a conversation or who is in it; false when it is not one.
    pub(super) fn handle_room(&mut self, line: &Line, time_ms: Option<f64>, events: &mut Vec<ChatEvent>) -> bool {
        match line.command.as_str() {
            "JOIN" => {
                let who = line.nick().to_string();
                let channel = Target::channel(line.param(0));
                if who == self.nick {
                    self.entered(&channel.name);
                    events.push(channel.event(ChatEvent::Entered));
                    events
                        .push(channel.event(ChatEvent::Notice { text: format!("Joined {}.", channel.name), time_ms }));
                } else {
                    let text = format!("{who} joined {}", channel.name);
                    events.push(channel.event(ChatEvent::Joined { text, nick: who, time_ms }));
                }
            }
            "PART" => {
                let who = line.nick().to_string();
                let channel = Target::channel(line.param(0));
                let reason = line.params.get(1).map(|r| format!(" ({r})")).unwrap_or_default();
                let text = format!("{who} left {}{reason}", channel.name);
                if who == self.nick {
                    self.left(&channel.name);
                    events.push(channel.event(ChatEvent::Gone(text)));
                } else {
                    events.push(channel.event(ChatEvent::Left { text, nick: who, time_ms }));
                }
            }
            // Said in every conversation the person was in: the log knows where that was.
            "QUIT" => {
                let who = line.nick().to_string();
                events.push(ChatEvent::Left { text: format!("{who} quit ({})", line.last()), nick: who, time_ms });
            }
            "KICK" => {
                let channel = Target::channel(line.param(0));
                let victim = line.param(1).to_string();
                let text = format!("{victim} was kicked from {} by {} ({})", channel.name, line.nick(), line.param(2));
                if victim == self.nick {
                    self.left(&channel.name);
                    events.push(channel.event(ChatEvent::Gone(text)));
                } else {
                    events.push(channel.event(ChatEvent::Left { nick: victim, text, time_ms }));
                }
            }
            "NICK" => {
                let from = line.nick().to_string();
                let to = line.param(0).to_string();
                if from == self.nick {
                    self.nick = to.clone();
                    events.push(ChatEvent::OwnNick(to.clone()));
                }
                events.push(ChatEvent::Renamed { from, to, time_ms });
            }
            "MODE" if is_channel(line.param(0)) => {
                let channel = Target::channel(line.param(0));
                let modes: Vec<&str> = line.params.iter().skip(1).map(String::as_str).collect();
                events.push(channel.event(ChatEvent::Notice {
                    text: format!("{} sets mode {}", line.nick(), modes.join(" ")),
                    time_ms,
                }));
                for (nick, prefix, on) in prefix_changes(&modes) {
                    events.push(channel.event(ChatEvent::UserMode { nick, prefix, on }));
                }
            }
            "PRIVMSG" => {
                let nick = line.nick().to_string();
                let Some(text) = chat_text(line.param(1)) else { return true };
                let place = self.conversation_of(&nick, line.param(0));
                let msgid = line.tag("msgid").map(str::to_string);
                events.push(place.event(ChatEvent::Message { nick: Some(nick), text, time_ms, msgid }));
            }
            "NOTICE" => {
                let from = line.nick();
                let text = line.last().to_string();
                if is_channel(line.param(0)) {
                    let text = format!("Notice from {from}: {text}");
                    events.push(Target::channel(line.param(0)).event(ChatEvent::Notice { text, time_ms }));
                } else if from.is_empty() || from.contains('.') {
                    // From the server (its name has dots, nicks have none): its conversation.
                    events.push(ChatEvent::Notice { text, time_ms });
                } else {
                    events.push(ChatEvent::Notice { text: format!("Notice from {from}: {text}"), time_ms });
                }
            }
            "TOPIC" => {
                let text = format!("{} set the topic: {}", line.nick(), line.last());
                events.push(Target::channel(line.param(0)).event(ChatEvent::Topic { text, time_ms }));
            }
            "332" => {
                let text = format!("Topic: {}", line.last());
                events.push(Target::channel(line.param(1)).event(ChatEvent::Topic { text, time_ms }));
            }
            "353" => {
                let channel = line.param(2);
                let names = line.last().split(' ').filter(|n| !n.is_empty()).map(str::to_string);
                match self.names.iter().position(|(c, _)| self.name_case.same(c, channel)) {
                    Some(at) => self.names[at].1.extend(names),
                    None if self.names.len() < OPEN_BATCHES_KEPT => {
                        self.names.push((channel.to_string(), names.collect()))
                    }
                    None => {}
                }
            }
            "366" => {
                let channel = line.param(1);
                let at = self.names.iter().position(|(c, _)| self.name_case.same(c, channel));
                let names = at.map(|at| self.names.remove(at).1).unwrap_or_default();
                events.push(Target::channel(channel).event(ChatEvent::Users(names)));
            }
            // A channel cannot be joined (no such channel, full, invite only, banned, needs a
            // key or a registered nick): nothing would ever be sent there, so the person must know.
            "403" | "405" | "471" | "473" | "474" | "475" | "477"
                if self.channels.iter().any(|c| self.name_case.same(c, line.param(1)))
                    && !self.joined.iter().any(|c| self.name_case.same(c, line.param(1))) =>
            {
                let channel = line.param(1).to_string();
                let why = format!("Could not join {channel}: {} ({}).", line.last(), line.command);
                self.channels.retain(|c| !self.name_case.same(c, &channel));
                events.push(Target::channel(&channel).event(ChatEvent::Gone(why.clone())));
                events.push(ChatEvent::Refused(format!("{why} Choose another channel with /join.")));
            }
            _ => return false,
        }
        true
    }

    /// The conversation a PRIVMSG from `nick` to `to` belongs to: the channel, or the private
    /// chat with the other person (the author, or whom our own echoed message went to).
    pub(super) fn conversation_of(&self, nick: &str, to: &str) -> Target {
        if is_channel(to) {
            Target::channel(to)
        } else if nick == self.nick {
            Target::private(to)
        } else {
            Target::private(nick)
        }
    }

    fn entered(&mut self, channel: &str) {
        if !self.joined.iter().any(|c| self.name_case.same(c, channel)) {
            self.joined.push(channel.to_string());
        }
        if !self.channels.iter().any(|c| self.name_case.same(c, channel)) {
            self.channels.push(channel.to_string());
        }
    }

    fn left(&mut self, channel: &str) {
        self.joined.retain(|c| !self.name_case.same(c, channel));
        self.channels.retain(|c| !self.name_case.same(c, channel));
    }
}

/// Whether a PRIVMSG or NOTICE target is a channel rather than a nick.
fn is_channel(target: &str) -> bool {
    target.starts_with(['#', '&', '!', '+'])
}

/// The prefixes a MODE line gives or takes (`+ov ada bob`): `(nick, prefix, on)`. Other modes
/// are passed over, with the argument the ones that take one consume.
fn prefix_changes(modes: &[&str]) -> Vec<(String, char, bool)> {
    let Some((letters, mut args)) = modes.split_first().map(|(l, a)| (*l, a.iter())) else {
        return Vec::new();
    };
    let mut on = true;
    let mut out = Vec::new();
    for letter in letters.chars() {
        match letter {
            '+' => on = true,
            '-' => on = false,
            // q, a, o, h, v: the prefixes servers commonly give (RPL_ISUPPORT PREFIX).
            'q' | 'a' | 'o' | 'h' | 'v' => {
                let prefix = match letter {
                    'q' => '~',
                    'a' => '&',
                    'o' => '@',
                    'h' => '%',
                    _ => '+',
                };
                if let Some(nick) = args.next() {
                    out.push((nick.to_string(), prefix, on));
                }
            }
            // Modes with an argument either way (bans, exceptions, invites, the key), and the
            // limit only when set.
            'b' | 'e' | 'I' | 'k' => {
                args.next();
            }
            'l' if on => {
                args.next();
            }
            _ => {}
        }
    }
    out
}
