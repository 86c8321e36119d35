//! Registration: NICK and USER answered by the welcome (joining the channels then), nicks the
//! server refuses retried with a suffix, and the SASL login's outcome.

use super::sasl::SaslStep;
use super::{IrcState, Line};
use crate::protocol::{ChatEvent, OutFrame};

/// Nicks tried during registration before giving up (each refused with 432, 433 or 436).
pub(super) const MAX_NICK_ATTEMPTS: u32 = 5;

/// A nick every server accepts (RFC 2812's letters, digits and specials, not starting with a
/// digit or `-`), at most 12 characters of it; `guest` when nothing of it is left.
fn plain_irc_nick(nick: &str) -> String {
    let kept: String =
        nick.chars().filter(|c| c.is_ascii_alphanumeric() || "[]\\`_^{|}-".contains(*c)).take(12).collect();
    match kept.chars().next() {
        None => "guest".to_string(),
        Some(c) if c.is_ascii_digit() || c == '-' => format!("guest{kept}"),
        Some(_) => kept,
    }
}

impl IrcState {
    /// A line about registration; false when it is not one.
    pub(super) fn handle_registration(
        &mut self,
        line: &Line,
        time_ms: Option<f64>,
        events: &mut Vec<ChatEvent>,
        replies: &mut Vec<OutFrame>,
    ) -> bool {
        match line.command.as_str() {
            // Logged in (900), then SASL done (903): registration goes on.
            "900" => {
                let account = self.sasl.as_ref().map_or("", |l| l.account.as_str());
                events.push(ChatEvent::System(format!("Logged in as {account}.")));
            }
            "903" => {
                self.sasl_step = SaslStep::Off;
                replies.push(self.out("CAP END"));
            }
            // Refused (904 wrong account or password, 905 too long, 906 aborted, 908 mechanisms,
            // 902 nick locked): said as an error, and the connection goes on without an account.
            "902" | "904" | "905" | "906" | "908" if self.sasl_step != SaslStep::Off => {
                self.sasl_step = SaslStep::Off;
                let account = self.sasl.as_ref().map_or("", |l| l.account.as_str());
                events.push(ChatEvent::Refused(format!(
                    "The server refused the login as {account} ({}): check the login and the password. Connected without logging in.",
                    line.last()
                )));
                replies.push(self.out("CAP END"));
            }
            "001" => {
                self.registered = true;
                self.nick = line.param(0).to_string();
                if self.nick != self.wanted_nick {
                    events.push(ChatEvent::AssignedNick(self.nick.clone()));
                }
                events.push(ChatEvent::Notice { text: line.last().to_string(), time_ms });
                if self.channels.is_empty() {
                    events.push(ChatEvent::System(format!("Registered as {}.", self.nick)));
                } else {
                    let channels = self.channels.join(", ");
                    events.push(ChatEvent::System(format!("Registered as {}; joining {channels}…", self.nick)));
                    replies.push(self.out(&format!("JOIN {}", self.channels.join(","))));
                }
            }
            "432" | "433" | "436" if !self.registered => {
                self.nick_attempts += 1;
                if self.nick_attempts > MAX_NICK_ATTEMPTS {
                    events.push(ChatEvent::System(format!(
                        "The server refused {MAX_NICK_ATTEMPTS} nicks in a row; choose another nick and connect again."
                    )));
                    return true;
                }
                // 432 is a nick the server does not allow at all: keep only what every server takes.
                let base: String = if line.command == "432" {
                    plain_irc_nick(&self.wanted_nick)
                } else {
                    self.wanted_nick.chars().take(12).collect()
                };
                self.nick = format!("{base}_{}", self.nick_attempts);
                events.push(ChatEvent::System(format!("The nick is taken or not allowed; trying {}.", self.nick)));
                replies.push(self.out(&format!("NICK {}", self.nick)));
            }
            _ => return false,
        }
        true
    }
}

/// IRC user names are more restricted than nicks; keep the safe characters.
pub(super) fn user_name(nick: &str) -> String {
    let name: String = nick.chars().filter(|c| c.is_ascii_alphanumeric()).take(10).collect();
    if name.is_empty() {
        "wschat".to_string()
    } else {
        name
    }
}
