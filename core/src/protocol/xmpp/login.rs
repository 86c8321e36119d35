//! Logging in to XMPP: the SASL mechanism chosen from what the server offers, SCRAM's exchange,
//! and the stream's end when the server refuses the login or another login takes our place.

use super::{send, Stage, XmppState};
use crate::protocol::{base64, base64_decode, ChatEvent, Decoded};
use crate::scram::Scram;
use crate::xml::Element;

impl XmppState {
    /// The stream's first features: SCRAM-SHA-1 where offered, else PLAIN, with the login, else
    /// ANONYMOUS; a server that offered SCRAM before and offers only PLAIN now is refused.
    pub(super) fn choose_mechanism(&mut self, stanza: &Element, decoded: &mut Decoded) {
        let offered: Vec<String> = stanza
            .find("mechanisms")
            .map(|m| m.elements().map(Element::text_content).collect())
            .unwrap_or_default();
        let scram_offered = offered.iter().any(|m| m == "SCRAM-SHA-1");
        if self.options.login.is_some() && self.scram_seen && !scram_offered {
            decoded.events.push(ChatEvent::LoginEnded(
                "The server offered SCRAM-SHA-1 before and now only a login that shows the password: someone on the way may be listening. Not logging in; connect again to try."
                    .into(),
            ));
            return;
        }
        self.scram_seen |= scram_offered;
        let (mechanism, payload) = match &self.options.login {
            Some((user, password)) if scram_offered => {
                let scram = Scram::new(user, password.expose(), &self.nonce);
                let first = base64(scram.client_first().as_bytes());
                self.scram = Some(scram);
                ("SCRAM-SHA-1", first)
            }
            Some((user, password)) if offered.iter().any(|m| m == "PLAIN") => {
                ("PLAIN", base64(format!("\0{user}\0{}", password.expose()).as_bytes()))
            }
            None if offered.iter().any(|m| m == "ANONYMOUS") => ("ANONYMOUS", "=".to_string()),
            _ => {
                let how = if self.options.login.is_some() {
                    "SCRAM-SHA-1 or PLAIN"
                } else {
                    "ANONYMOUS (give a login)"
                };
                decoded.events.push(ChatEvent::Refused(format!(
                    "The server offers {} to log in; this client speaks {how}.",
                    if offered.is_empty() { "nothing".to_string() } else { offered.join(", ") }
                )));
                return;
            }
        };
        self.stage = Stage::Authenticating;
        let auth =
            Element::new("auth").attr("xmlns", "urn:ietf:params:xml:ns:xmpp-sasl").attr("mechanism", mechanism);
        decoded.replies.push(send(auth.text(&payload)));
    }

    /// SCRAM's challenge, answered once with the proof.
    pub(super) fn answer_challenge(&mut self, stanza: &Element, decoded: &mut Decoded) {
        let challenge = base64_decode(stanza.text_content().trim()).unwrap_or_default();
        let answer = self.scram.as_mut().map(|s| s.client_final(&String::from_utf8_lossy(&challenge)));
        match answer {
            Some(Ok(last)) => {
                let response = Element::new("response").attr("xmlns", "urn:ietf:params:xml:ns:xmpp-sasl");
                decoded.replies.push(send(response.text(&base64(last.as_bytes()))));
            }
            Some(Err(why)) => {
                decoded.events.push(ChatEvent::Refused(format!("Logging in failed: the server sent {why}.")))
            }
            None => decoded
                .events
                .push(ChatEvent::Refused("The server asked a question no login was under way for.".into())),
        }
    }

    /// SASL succeeded: SCRAM's server proves it knows the password too, or the stream goes no
    /// further; the stream restarts.
    pub(super) fn logged_in(&mut self, stanza: &Element, decoded: &mut Decoded) {
        if let Some(scram) = self.scram.take() {
            let last = base64_decode(stanza.text_content().trim()).unwrap_or_default();
            if !scram.verify(&String::from_utf8_lossy(&last)) {
                decoded.events.push(ChatEvent::Refused(
                    "The server could not prove it knows the password: not going on with it.".into(),
                ));
                decoded.events.push(ChatEvent::LinkDead("The server's SCRAM signature was wrong.".into()));
                return;
            }
        }
        self.stage = Stage::Restarting;
        decoded.replies.push(self.open());
    }

    /// SASL failed: the login ends, with no reconnect (retrying would lock the account).
    pub(super) fn login_refused(&mut self, stanza: &Element, decoded: &mut Decoded) {
        self.scram = None;
        let reason = stanza.elements().next().map_or("not-authorized", |e| e.local_name()).to_string();
        let user = self.options.login.as_ref().map_or("", |(u, _)| u.as_str());
        decoded.events.push(ChatEvent::LoginEnded(format!(
            "The server refused the login as {user} ({reason}): check the login and the password."
        )));
    }

    /// The server ends the stream with an error: said, and where another login took our
    /// resource, not fought over by connecting again.
    pub(super) fn stream_error(&mut self, error: &Element, decoded: &mut Decoded) {
        let condition =
            error.elements().map(Element::local_name).find(|name| *name != "text").unwrap_or("undefined-condition");
        let words = error.find("text").map(Element::text_content).filter(|t| !t.is_empty());
        let said = words.map_or_else(String::new, |w| format!(": \"{w}\""));
        if condition == "conflict" {
            decoded.events.push(ChatEvent::LoginEnded(format!(
                "This account signed in elsewhere with the same resource, and the server closed this stream{said}. Not connecting again over it; connect again to take it back."
            )));
        } else {
            decoded.events.push(ChatEvent::LinkDead(format!("The server ended the XMPP stream ({condition}){said}.")));
        }
    }
}
