//! XMPP over WebSocket (RFC 7395, subprotocol `xmpp`; Prosody, ejabberd, Openfire): one XML
//! element per frame, read strictly (`crate::xml`: no entities to expand, bounded depth).
//!
//! The stream opened to the domain of `login`'s JID (else the address's host name), SASL
//! SCRAM-SHA-1 (`crate::scram`) where offered, else PLAIN, with `login` and the password, else
//! ANONYMOUS; the stream restarted, a resource bound,
//! presence sent. Each room of `channel` (XEP-0045) a conversation, joined with the nick (a
//! taken one gets a suffix); occupants' presence is its user list; history the room sends
//! (XEP-0203 delay) shown once, by stanza-id or origin-id; the room's reflection of an own
//! message (its `id`) marks it delivered. `type="chat"` messages are private conversations
//! named by the bare JID. The server's pings (XEP-0199) are answered, and ours go out on
//! silence: a link that does not answer is dead.
//!
//! Not yet: XEP-0184 receipts and XEP-0198 stream management.

use super::{base64, say_ready, Action, ChatEvent, Decoded, Frame, OutFrame, ServerModel, Spec, Target, TargetKind, WireFormat};
use crate::protocol::time::parse_iso8601;
use crate::scram::{sha1, Scram};
use crate::settings::Settings;
use crate::xml::{parse, Element};

mod options;
pub use options::{validate_rooms, XmppOptions};

pub(super) const SPEC: Spec = Spec {
    name: "xmpp",
    aliases: &["jabber"],
    label: "XMPP over WebSocket",
    default_subprotocols: &[SUBPROTOCOL],
    offer: &[SUBPROTOCOL],
    identified_by: &[SUBPROTOCOL],
    reads: &["channel", "login"],
    many_conversations: true,
    default_channel: "",
    channels: validate_rooms,
    sniff: |frame| matches!(frame, Frame::Text(text) if text.trim_start().starts_with("<open") && text.contains("xmpp-framing")),
    finds_format: false,
    socket_url: super::same_url,
    check: |settings| {
        let channel = validate_rooms(&settings.channel)?;
        Ok(Settings { channel, ..settings })
    },
    new: |settings| Box::new(XmppState::new(XmppOptions::from_settings(settings))),
};

pub const SUBPROTOCOL: &str = "xmpp";
const FRAMING: &str = "urn:ietf:params:xml:ns:xmpp-framing";
const CLIENT: &str = "jabber:client";
const MUC: &str = "http://jabber.org/protocol/muc";

/// A link silent this long gets a ping; twice this, it is dead.
pub const PING_AFTER_MS: f64 = 60_000.0;

/// Room nicks tried before giving up (each taken).
const MAX_NICK_ATTEMPTS: u32 = 5;

/// Where the stream stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    Opening,
    Authenticating,
    Restarting,
    Binding,
    Online,
}

/// The client side of one XMPP stream.
#[derive(Clone, Debug)]
pub struct XmppState {
    options: XmppOptions,
    stage: Stage,
    /// Our full JID once bound.
    jid: String,
    /// Rooms asked to join, with the nick asked for and the attempts so far.
    joining: Vec<(String, String, u32)>,
    /// Rooms joined, with our nick in each.
    joined: Vec<(String, String)>,
    last_heard_ms: f64,
    pinged: bool,
    /// The SCRAM exchange under way.
    scram: Option<Scram>,
}

impl XmppState {
    pub fn new(options: XmppOptions) -> Self {
        XmppState {
            options,
            stage: Stage::Opening,
            jid: String::new(),
            joining: Vec::new(),
            joined: Vec::new(),
            last_heard_ms: 0.0,
            pinged: false,
            scram: None,
        }
    }

    /// A client nonce for SCRAM: a hash of the time and the secret this login already holds,
    /// so no two logins share one and nobody without the password can foretell it.
    fn nonce(&self) -> String {
        let (user, password) = self.options.login.clone().unwrap_or_default();
        let seed = format!("{}\n{user}\n{password}\n{}", self.last_heard_ms, self.options.nick);
        base64(&sha1(seed.as_bytes())).trim_end_matches('=').to_string()
    }

    fn open(&self) -> OutFrame {
        send(Element::new("open").attr("xmlns", FRAMING).attr("to", &self.options.domain).attr("version", "1.0"))
    }

    fn join(&mut self, room: &str, nick: &str, attempt: u32) -> OutFrame {
        self.joining.retain(|(r, ..)| r != room);
        self.joining.push((room.to_string(), nick.to_string(), attempt));
        let presence = Element::new("presence")
            .attr("xmlns", CLIENT)
            .attr("to", &format!("{room}/{nick}"))
            .child(Element::new("x").attr("xmlns", MUC));
        send(presence)
    }

    fn handle(&mut self, stanza: &Element, decoded: &mut Decoded) {
        match (self.stage, stanza.local_name()) {
            (_, "open") => {}
            (_, "close") => decoded.events.push(ChatEvent::LinkDead("The server closed the XMPP stream.".into())),
            (Stage::Opening, "features") => {
                let offered: Vec<String> =
                    stanza.find("mechanisms").map(|m| m.elements().map(Element::text_content).collect()).unwrap_or_default();
                let (mechanism, payload) = match &self.options.login {
                    Some((user, password)) if offered.iter().any(|m| m == "SCRAM-SHA-1") => {
                        let scram = Scram::new(user, password, &self.nonce());
                        let first = base64(scram.client_first().as_bytes());
                        self.scram = Some(scram);
                        ("SCRAM-SHA-1", first)
                    }
                    Some((user, password)) if offered.iter().any(|m| m == "PLAIN") => {
                        ("PLAIN", base64(format!("\0{user}\0{password}").as_bytes()))
                    }
                    None if offered.iter().any(|m| m == "ANONYMOUS") => ("ANONYMOUS", "=".to_string()),
                    _ => {
                        let how = if self.options.login.is_some() { "SCRAM-SHA-1 or PLAIN" } else { "ANONYMOUS (give a login)" };
                        decoded.events.push(ChatEvent::Refused(format!(
                            "The server offers {} to log in; this client speaks {how}.",
                            if offered.is_empty() { "nothing".to_string() } else { offered.join(", ") }
                        )));
                        return;
                    }
                };
                self.stage = Stage::Authenticating;
                let auth = Element::new("auth").attr("xmlns", "urn:ietf:params:xml:ns:xmpp-sasl").attr("mechanism", mechanism);
                decoded.replies.push(send(auth.text(&payload)));
            }
            (Stage::Authenticating, "challenge") => {
                let challenge = super::base64_decode(stanza.text_content().trim()).unwrap_or_default();
                let answer = self.scram.as_mut().map(|s| s.client_final(&String::from_utf8_lossy(&challenge)));
                match answer {
                    Some(Ok(last)) => {
                        let response = Element::new("response").attr("xmlns", "urn:ietf:params:xml:ns:xmpp-sasl");
                        decoded.replies.push(send(response.text(&base64(last.as_bytes()))));
                    }
                    Some(Err(why)) => decoded.events.push(ChatEvent::Refused(format!("Logging in failed: the server sent {why}."))),
                    None => decoded.events.push(ChatEvent::Refused("The server asked a question no login was under way for.".into())),
                }
            }
            (Stage::Authenticating, "success") => {
                // SCRAM: the server proves it knows the password too, or the stream goes no further.
                if let Some(scram) = self.scram.take() {
                    let last = super::base64_decode(stanza.text_content().trim()).unwrap_or_default();
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
            (Stage::Authenticating, "failure") => {
                let reason = stanza.elements().next().map_or("not-authorized", |e| e.local_name()).to_string();
                let user = self.options.login.as_ref().map_or("", |(u, _)| u.as_str());
                decoded.events.push(ChatEvent::Refused(format!(
                    "The server refused the login as {user} ({reason}): check the login and the password."
                )));
            }
            (Stage::Restarting, "features") => {
                self.stage = Stage::Binding;
                let bind = Element::new("bind")
                    .attr("xmlns", "urn:ietf:params:xml:ns:xmpp-bind")
                    .child(Element::new("resource").text("wschat"));
                decoded.replies.push(send(Element::new("iq").attr("xmlns", CLIENT).attr("type", "set").attr("id", "bind").child(bind)));
            }
            (Stage::Binding, "iq") if stanza.get("id") == Some("bind") => {
                self.jid = stanza.find("bind").and_then(|b| b.find("jid")).map(Element::text_content).unwrap_or_default();
                self.stage = Stage::Online;
                decoded.events.push(ChatEvent::System(format!("Online as {}.", self.jid)));
                decoded.replies.push(send(Element::new("presence").attr("xmlns", CLIENT)));
                let (rooms, nick) = (self.options.rooms.clone(), self.options.nick.clone());
                for room in rooms {
                    let join = self.join(&room, &nick, 0);
                    decoded.replies.push(join);
                }
            }
            (_, "iq") => self.answer_iq(stanza, decoded),
            (_, "presence") => self.presence(stanza, decoded),
            (_, "message") => self.message(stanza, decoded),
            _ => {}
        }
    }

    /// Pings answered; anything else asked of us refused, as RFC 6120 wants.
    fn answer_iq(&mut self, iq: &Element, decoded: &mut Decoded) {
        let kind = iq.get("type").unwrap_or_default();
        if kind != "get" && kind != "set" {
            return;
        }
        let mut answer = Element::new("iq").attr("xmlns", CLIENT).attr("id", iq.get("id").unwrap_or_default());
        if let Some(from) = iq.get("from") {
            answer = answer.attr("to", from);
        }
        if iq.find("ping").is_some() {
            decoded.replies.push(send(answer.attr("type", "result")));
        } else {
            let error = Element::new("error")
                .attr("type", "cancel")
                .child(Element::new("service-unavailable").attr("xmlns", "urn:ietf:params:xml:ns:xmpp-stanzas"));
            decoded.replies.push(send(answer.attr("type", "error").child(error)));
        }
    }

    fn presence(&mut self, presence: &Element, decoded: &mut Decoded) {
        let from = presence.get("from").unwrap_or_default();
        let Some((room, nick)) = from.split_once('/') else { return };
        let place = Target::channel(room);
        let ours = presence
            .find("x")
            .is_some_and(|x| x.elements().any(|s| s.local_name() == "status" && s.get("code") == Some("110")));
        if presence.get("type") == Some("error") {
            let Some(at) = self.joining.iter().position(|(r, ..)| r.eq_ignore_ascii_case(room)) else { return };
            let (room, asked, attempt) = self.joining.remove(at);
            let conflict = presence.find("error").is_some_and(|e| e.find("conflict").is_some());
            if conflict && attempt < MAX_NICK_ATTEMPTS {
                let base = asked.trim_end_matches(|c: char| c.is_ascii_digit() || c == '_');
                let next = format!("{base}_{}", attempt + 1);
                decoded.events.push(place.event(ChatEvent::Notice { text: format!("{asked} is taken here; trying {next}."), time_ms: None }));
                let join = self.join(&room, &next, attempt + 1);
                decoded.replies.push(join);
            } else {
                let why = format!("Could not join {room}.");
                decoded.events.push(place.event(ChatEvent::Gone(why.clone())));
                decoded.events.push(ChatEvent::Refused(why));
            }
            return;
        }
        if presence.get("type") == Some("unavailable") {
            if ours {
                self.joined.retain(|(r, _)| !r.eq_ignore_ascii_case(room));
                decoded.events.push(place.event(ChatEvent::Gone(format!("You left {room}."))));
            } else {
                let text = format!("{nick} left");
                decoded.events.push(place.event(ChatEvent::Left { nick: nick.to_string(), text, time_ms: None }));
            }
            return;
        }
        if ours {
            if let Some(at) = self.joining.iter().position(|(r, ..)| r.eq_ignore_ascii_case(room)) {
                self.joining.remove(at);
            }
            self.joined.retain(|(r, _)| !r.eq_ignore_ascii_case(room));
            self.joined.push((room.to_string(), nick.to_string()));
            decoded.events.push(place.event(ChatEvent::Entered));
            let text = format!("Joined {room} as {nick}.");
            decoded.events.push(place.event(ChatEvent::Joined { nick: nick.to_string(), text, time_ms: None }));
        } else {
            let text = format!("{nick} joined");
            decoded.events.push(place.event(ChatEvent::Joined { nick: nick.to_string(), text, time_ms: None }));
        }
    }

    fn message(&mut self, message: &Element, decoded: &mut Decoded) {
        let Some(body) = message.find("body").map(Element::text_content) else {
            if let Some(subject) = message.find("subject").map(Element::text_content) {
                let room = message.get("from").and_then(|f| f.split('/').next()).unwrap_or_default();
                decoded.events.push(Target::channel(room).event(ChatEvent::Topic { text: format!("Topic: {subject}"), time_ms: None }));
            }
            return;
        };
        let from = message.get("from").unwrap_or_default();
        let (bare, resource) = from.split_once('/').unwrap_or((from, ""));
        let delay = message.find("delay").and_then(|d| d.get("stamp")).and_then(parse_iso8601);
        match message.get("type") {
            Some("groupchat") => {
                let place = Target::channel(bare);
                let ours = self.joined.iter().any(|(r, n)| r.eq_ignore_ascii_case(bare) && n == resource);
                let id = message.get("id").and_then(|id| id.strip_prefix("wschat-")).and_then(|n| n.parse::<u64>().ok());
                if let (true, Some(id), None) = (ours, id, delay) {
                    decoded.events.push(ChatEvent::Delivered(id));
                }
                let event = match delay {
                    Some(time_ms) => {
                        let msgid = message
                            .find("stanza-id")
                            .or_else(|| message.find("origin-id"))
                            .and_then(|e| e.get("id"))
                            .or(message.get("id"))
                            .map(str::to_string);
                        ChatEvent::History { nick: resource.to_string(), text: body, time_ms: Some(time_ms), msgid }
                    }
                    None => ChatEvent::Message { nick: Some(resource.to_string()), text: body, time_ms: None },
                };
                decoded.events.push(place.event(event));
            }
            Some("error") => decoded.events.push(ChatEvent::System(format!("The server could not deliver a message to {from}."))),
            _ => {
                let nick = bare.split('@').next().unwrap_or(bare).to_string();
                let place = Target::private(bare);
                decoded.events.push(place.event(ChatEvent::Message { nick: Some(nick), text: body, time_ms: delay }));
            }
        }
    }
}

fn send(element: Element) -> OutFrame {
    OutFrame::Text(element.to_xml())
}

impl WireFormat for XmppState {
    fn on_open(&mut self, _subprotocol: &str, now_ms: f64) -> Decoded {
        self.stage = Stage::Opening;
        self.joining.clear();
        self.joined.clear();
        self.last_heard_ms = now_ms;
        self.pinged = false;
        Decoded { replies: vec![self.open()], wake_in_ms: Some(PING_AFTER_MS), ..Decoded::default() }
    }

    fn on_frame(&mut self, frame: Frame<'_>, now_ms: f64) -> Decoded {
        self.last_heard_ms = now_ms;
        self.pinged = false;
        let was_ready = self.is_ready();
        let mut decoded = Decoded::default();
        match frame {
            Frame::Text(text) => match parse(text) {
                Ok(stanza) => self.handle(&stanza, &mut decoded),
                Err(e) => decoded.events.push(ChatEvent::raw(Some(e.0), text)),
            },
            Frame::Binary(bytes) => decoded.events.push(ChatEvent::raw(Some("binary frame on an XMPP link"), super::describe_binary(bytes))),
        }
        say_ready(was_ready, self.is_ready(), &mut decoded.events);
        decoded
    }

    fn on_wake(&mut self, now_ms: f64) -> Decoded {
        let quiet = now_ms - self.last_heard_ms;
        if quiet + super::TIMER_SLACK_MS >= PING_AFTER_MS * 2.0 {
            return Decoded::events(vec![ChatEvent::silent_for(quiet)]);
        }
        let mut replies = Vec::new();
        if quiet + super::TIMER_SLACK_MS >= PING_AFTER_MS && !self.pinged && self.stage == Stage::Online {
            self.pinged = true;
            let ping = Element::new("ping").attr("xmlns", "urn:xmpp:ping");
            replies.push(send(Element::new("iq").attr("xmlns", CLIENT).attr("type", "get").attr("id", "ping").child(ping)));
        }
        let next = if quiet >= PING_AFTER_MS { PING_AFTER_MS * 2.0 - quiet } else { PING_AFTER_MS - quiet };
        Decoded { replies, wake_in_ms: Some(next.max(1.0)), ..Decoded::default() }
    }

    fn encode(&mut self, action: Action<'_>) -> Option<Decoded> {
        let replies = match action {
            Action::Message { to, text, id, .. } if to.kind != TargetKind::Server => {
                let kind = if to.kind == TargetKind::Channel { "groupchat" } else { "chat" };
                let message = Element::new("message")
                    .attr("xmlns", CLIENT)
                    .attr("to", &to.name)
                    .attr("type", kind)
                    .attr("id", &format!("wschat-{id}"))
                    .child(Element::new("body").text(text));
                vec![send(message)]
            }
            Action::Join(room) => {
                let room = validate_rooms(room).ok().filter(|r| !r.is_empty())?;
                if !self.options.rooms.contains(&room) {
                    self.options.rooms.push(room.clone());
                }
                let nick = self.options.nick.clone();
                vec![self.join(&room, &nick, 0)]
            }
            Action::Part(target) if target.kind == TargetKind::Channel => {
                self.options.rooms.retain(|r| !r.eq_ignore_ascii_case(&target.name));
                let nick = self.joined.iter().find(|(r, _)| r.eq_ignore_ascii_case(&target.name)).map(|(_, n)| n.clone())?;
                let leave = Element::new("presence")
                    .attr("xmlns", CLIENT)
                    .attr("to", &format!("{}/{nick}", target.name))
                    .attr("type", "unavailable");
                vec![send(leave)]
            }
            Action::Part(_) => Vec::new(),
            Action::SetTopic(target, topic) if target.kind == TargetKind::Channel => {
                let message = Element::new("message")
                    .attr("xmlns", CLIENT)
                    .attr("to", &target.name)
                    .attr("type", "groupchat")
                    .child(Element::new("subject").text(topic));
                vec![send(message)]
            }
            _ => return None,
        };
        Some(Decoded::replies(replies))
    }

    fn is_ready(&self) -> bool {
        self.stage == Stage::Online
    }

    fn probe(&self) -> Vec<OutFrame> {
        if self.stage == Stage::Online {
            let ping = Element::new("ping").attr("xmlns", "urn:xmpp:ping");
            vec![send(Element::new("iq").attr("xmlns", CLIENT).attr("type", "get").attr("id", "probe").child(ping))]
        } else {
            Vec::new()
        }
    }
}

/// A server that lets anyone in anonymously, puts them in `#chat` (a room named so, its
/// conversation's name) and reflects each groupchat message from the sender's room nick.
pub(super) const SERVER_MODEL: ServerModel = ServerModel {
    shapes: 1,
    subprotocol: |_| SUBPROTOCOL,
    handshake: |_, _| {
        [
            "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' from='h' id='1' version='1.0'/>",
            "<stream:features xmlns:stream='http://etherx.jabber.org/streams'><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>ANONYMOUS</mechanism></mechanisms></stream:features>",
            "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>",
            "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' from='h' id='2' version='1.0'/>",
            "<stream:features xmlns:stream='http://etherx.jabber.org/streams'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>",
            "<iq type='result' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>a@h/wschat</jid></bind></iq>",
        ]
        .into_iter()
        .map(|s| OutFrame::Text(s.to_string()))
        .collect()
    },
    relay: |_, nick, frame| {
        let OutFrame::Text(text) = frame else { return None };
        let stanza = parse(text).ok()?;
        let body = stanza.find("body")?.text_content();
        let room = stanza.get("to")?;
        let message = Element::new("message")
            .attr("from", &format!("{room}/{nick}"))
            .attr("type", stanza.get("type")?)
            .child(Element::new("body").text(&body));
        Some(OutFrame::Text(message.to_xml()))
    },
    carried: |text| text.chars().filter(|c| *c as u32 >= 0x20 || matches!(c, '\t' | '\n' | '\r')).collect(),
};

#[cfg(test)]
mod tests;
