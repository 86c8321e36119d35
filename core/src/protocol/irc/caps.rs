//! IRCv3 capability negotiation: what is asked for when offered, CAP NEW and DEL, and where
//! SASL PLAIN fits in before registration ends.

use super::{IrcState, Line, SaslStep, WANTED_CAPS};
use crate::protocol::{ChatEvent, OutFrame};

impl IrcState {
    /// CAP END, during registration only (capabilities negotiated later need none).
    pub(super) fn end_caps(&self, replies: &mut Vec<OutFrame>) {
        if !self.registered {
            replies.push(self.out("CAP END"));
        }
    }

    pub(super) fn handle_cap(&mut self, line: &Line, events: &mut Vec<ChatEvent>, replies: &mut Vec<OutFrame>) {
        let listed = || line.last().split(' ').filter(|c| !c.is_empty()).map(|c| c.split('=').next().unwrap_or(c));
        match line.param(1) {
            // cap-notify: offered later; the wanted ones not held yet are asked for.
            "NEW" => {
                let new: Vec<String> = listed().map(str::to_string).collect();
                let wanted: Vec<&str> =
                    new.iter().map(String::as_str).filter(|c| WANTED_CAPS.contains(c) && !self.has_cap(c)).collect();
                if !wanted.is_empty() {
                    replies.push(self.out(&format!("CAP REQ :{}", wanted.join(" "))));
                }
                self.offered_caps.extend(new);
            }
            // cap-notify: no longer offered, so no longer held.
            "DEL" => {
                let gone: Vec<&str> = listed().collect();
                self.offered_caps.retain(|c| !gone.contains(&c.as_str()));
                self.caps.retain(|c| !gone.contains(&c.as_str()));
            }
            "LS" => {
                self.offered_caps.extend(listed().map(str::to_string));
                if line.param(2) == "*" {
                    return; // more LS lines follow
                }
                let offered = |cap: &str| self.offered_caps.iter().any(|o| o == cap);
                let mut wanted: Vec<&str> = WANTED_CAPS.iter().copied().filter(|c| offered(c)).collect();
                if let Some(login) = &self.sasl {
                    if offered("sasl") {
                        wanted.push("sasl");
                        self.sasl_step = SaslStep::Requested;
                    } else {
                        events.push(ChatEvent::System(format!(
                            "This server offers no SASL login: connecting without logging in as {}.",
                            login.account
                        )));
                    }
                }
                if wanted.is_empty() {
                    self.end_caps(replies);
                } else {
                    replies.push(self.out(&format!("CAP REQ :{}", wanted.join(" "))));
                }
            }
            "ACK" => {
                for cap in listed() {
                    match cap.strip_prefix('-') {
                        Some(dropped) => self.caps.retain(|c| c != dropped),
                        None if !self.has_cap(cap) => self.caps.push(cap.to_string()),
                        None => {}
                    }
                }
                if self.sasl_step == SaslStep::Requested && self.has_cap("sasl") {
                    self.sasl_step = SaslStep::Authenticating;
                    replies.push(self.out("AUTHENTICATE PLAIN"));
                } else {
                    self.end_caps(replies);
                }
            }
            "NAK" => {
                if self.sasl_step == SaslStep::Requested {
                    self.sasl_step = SaslStep::Off;
                    events.push(ChatEvent::Refused(
                        "The server would not log in with SASL: connected without logging in.".to_string(),
                    ));
                }
                self.end_caps(replies);
            }
            _ => {}
        }
    }
}
