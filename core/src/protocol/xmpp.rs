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
//! named by the bare JID, with XEP-0184 receipts asked for and given. The server's pings
//! (XEP-0199) are answered, and ours go out on silence: a link that does not answer is dead.
//! Where the server offers XEP-0198 stream management, its acks mark own messages delivered
//! and a dropped link resumes the stream (`xmpp/stream_management.rs`). A room that keeps an
//! archive (XEP-0313) gives earlier lines as a person scrolls back (`xmpp/archive.rs`).

use super::{
    base64, hex, say_ready, Action, ChatEvent, Decoded, FormatSettings, Frame, OutFrame, ServerModel, Spec, Target, TargetKind, WireFormat,
    SEED_BYTES,
};
use crate::scram::Scram;
use crate::xml::{parse, Element};
use stream_management::StreamManagement;
use trust::TOKENS_KEPT;

mod archive;
mod login;
mod options;
mod rooms;
mod trust;
mod stream_management;
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
        Ok(FormatSettings { channel, ..settings })
    },
};

/// This format for a connection (loaded when first needed: see [`super::ProtocolKind::load`]).
pub(super) fn make(settings: &super::FormatSettings) -> Box<dyn super::WireFormat> {
    Box::new(XmppState::new(XmppOptions::from_settings(settings)))
}

pub const SUBPROTOCOL: &str = "xmpp";
const FRAMING: &str = "urn:ietf:params:xml:ns:xmpp-framing";
const CLIENT: &str = "jabber:client";
const MUC: &str = "http://jabber.org/protocol/muc";
const RECEIPTS: &str = "urn:xmpp:receipts";

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
    /// Asking to resume the stream a dropped link left.
    Resuming,
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
    /// The rooms of the last stream, still joined should it resume.
    joined_before: Vec<(String, String)>,
    sm: StreamManagement,
    last_heard_ms: f64,
    pinged: bool,
    /// The SCRAM exchange under way.
    scram: Option<Scram>,
    /// The server offered SCRAM on an earlier stream: PLAIN alone now is someone on the way
    /// asking for the password in a form they can read.
    scram_seen: bool,
    /// This link's SCRAM client nonce, from the browser's randomness.
    nonce: String,
    /// Our resource: random, so two pages on one account do not take each other's, and kept
    /// while the format lives, so a resumed stream is still ours.
    resource: String,
    /// The random part of this link's message ids, and those of the links before it (a
    /// reflection may come after a reconnect); nobody can foretell the next.
    id_tokens: Vec<String>,
    /// Where each own message went (its id, the JID, whether a room): only that JID may
    /// confirm it, a room by its reflection, a person by a receipt.
    sent_to: std::collections::VecDeque<(u64, String, bool)>,
    archives: archive::Archives,
}


impl XmppState {
    pub fn new(options: XmppOptions) -> Self {
        XmppState {
            options,
            stage: Stage::Opening,
            jid: String::new(),
            joining: Vec::new(),
            joined: Vec::new(),
            joined_before: Vec::new(),
            sm: StreamManagement::default(),
            last_heard_ms: 0.0,
            pinged: false,
            scram: None,
            scram_seen: false,
            nonce: String::new(),
            resource: String::new(),
            id_tokens: Vec::new(),
            sent_to: std::collections::VecDeque::new(),
            archives: archive::Archives::default(),
        }
    }

    fn open(&self) -> OutFrame {
        send(Element::new("open").attr("xmlns", FRAMING).attr("to", &self.options.domain).attr("version", "1.0"))
    }

    /// A stanza out, counted for stream management (`message`: a chat message's id).
    fn stanza(&mut self, element: Element, message: Option<u64>) -> OutFrame {
        self.sm.sent(message);
        send(element)
    }

    fn join(&mut self, room: &str, nick: &str, attempt: u32) -> OutFrame {
        self.joining.retain(|(r, ..)| r != room);
        self.joining.push((room.to_string(), nick.to_string(), attempt));
        let presence = Element::new("presence")
            .attr("xmlns", CLIENT)
            .attr("to", &format!("{room}/{nick}"))
            .child(Element::new("x").attr("xmlns", MUC));
        self.stanza(presence, None)
    }

    fn bind(&mut self) -> OutFrame {
        self.stage = Stage::Binding;
        self.joined_before.clear();
        // A new stream: questions of the last one are never answered, and rooms are joined
        // (and asked about their archives) anew; whom we talked with is listed once.
        self.archives.new_stream();
        let resource = if self.resource.is_empty() { "wschat" } else { &self.resource };
        let bind = Element::new("bind")
            .attr("xmlns", "urn:ietf:params:xml:ns:xmpp-bind")
            .child(Element::new("resource").text(resource));
        send(Element::new("iq").attr("xmlns", CLIENT).attr("type", "set").attr("id", "bind").child(bind))
    }

    /// Stream management's own elements (enable, acks, resume), in any stage.
    fn stream_management(&mut self, element: &Element, decoded: &mut Decoded) {
        match element.local_name() {
            "enabled" => self.sm.enabled(element),
            "r" => decoded.replies.push(send(self.sm.answer())),
            "a" => {
                let h = element.get("h").and_then(|h| h.parse().ok()).unwrap_or(0);
                decoded.events.extend(self.sm.acked(h).into_iter().map(ChatEvent::Delivered));
            }
            "resumed" if self.stage == Stage::Resuming => {
                let h = element.get("h").and_then(|h| h.parse().ok()).unwrap_or(0);
                decoded.events.extend(self.sm.resumed(h).into_iter().map(ChatEvent::Delivered));
                self.stage = Stage::Online;
                self.joined = std::mem::take(&mut self.joined_before);
                decoded.events.push(ChatEvent::System("The stream resumed: rooms kept, nothing missed.".into()));
                for (room, _) in &self.joined {
                    decoded.events.push(Target::channel(room).event(ChatEvent::Entered));
                }
            }
            "failed" if self.stage == Stage::Resuming => {
                self.sm.failed();
                decoded.events.push(ChatEvent::System("The server could not resume the stream: starting anew.".into()));
                decoded.replies.push(self.bind());
            }
            "failed" => self.sm.failed(),
            _ => {}
        }
    }

    fn handle(&mut self, stanza: &Element, decoded: &mut Decoded) {
        if matches!(stanza.local_name(), "message" | "presence" | "iq") {
            self.sm.handled();
        }
        if stanza.get("xmlns") == Some(stream_management::NS) {
            return self.stream_management(stanza, decoded);
        }
        match (self.stage, stanza.local_name()) {
            (_, "open") => {}
            (_, "close") => decoded.events.push(ChatEvent::LinkDead("The server closed the XMPP stream.".into())),
            (_, "error") => self.stream_error(stanza, decoded),
            (Stage::Opening, "features") => self.choose_mechanism(stanza, decoded),
            (Stage::Authenticating, "challenge") => self.answer_challenge(stanza, decoded),
            (Stage::Authenticating, "success") => self.logged_in(stanza, decoded),
            (Stage::Authenticating, "failure") => self.login_refused(stanza, decoded),
            (Stage::Restarting, "features") => {
                self.sm.offered =
                    stanza.elements().any(|e| e.local_name() == "sm" && e.get("xmlns") == Some(stream_management::NS));
                match self.sm.resume().filter(|_| self.sm.offered) {
                    Some(resume) => {
                        self.stage = Stage::Resuming;
                        decoded.replies.push(send(resume));
                    }
                    None => decoded.replies.push(self.bind()),
                }
            }
            (Stage::Binding, "iq") if stanza.get("id") == Some("bind") => {
                self.jid =
                    stanza.find("bind").and_then(|b| b.find("jid")).map(Element::text_content).unwrap_or_default();
                self.stage = Stage::Online;
                decoded.events.push(ChatEvent::System(format!("Online as {}.", self.jid)));
                if self.sm.offered {
                    decoded.replies.push(send(self.sm.enable()));
                }
                let presence = self.stanza(Element::new("presence").attr("xmlns", CLIENT), None);
                decoded.replies.push(presence);
                decoded.replies.extend(self.ask_if_account_archived());
                let (rooms, nick) = (self.options.rooms.clone(), self.options.nick.clone());
                for room in rooms {
                    let join = self.join(&room, &nick, 0);
                    decoded.replies.push(join);
                }
            }
            (_, "iq") if self.archive_answer(stanza, decoded) => {}
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
        let answer = if iq.find("ping").is_some() {
            answer.attr("type", "result")
        } else {
            let error = Element::new("error")
                .attr("type", "cancel")
                .child(Element::new("service-unavailable").attr("xmlns", "urn:ietf:params:xml:ns:xmpp-stanzas"));
            answer.attr("type", "error").child(error)
        };
        let answer = self.stanza(answer, None);
        decoded.replies.push(answer);
    }
}

fn send(element: Element) -> OutFrame {
    OutFrame::Text(element.to_xml())
}

impl WireFormat for XmppState {
    fn seed(&mut self, random: &[u8; SEED_BYTES]) {
        let (nonce, rest) = random.split_at(18);
        let (resource, token) = rest.split_at(6);
        self.nonce = base64(nonce);
        if self.resource.is_empty() {
            self.resource = format!("wschat-{}", hex(resource));
        }
        if self.id_tokens.len() == TOKENS_KEPT {
            self.id_tokens.remove(0);
        }
        self.id_tokens.push(hex(token));
    }

    fn name_case(&self) -> super::NameCase {
        super::NameCase::Jid
    }

    /// SASL's payloads: PLAIN's password, SCRAM's proof.
    fn secret_spans(&self, frame: &OutFrame) -> Vec<std::ops::Range<usize>> {
        let OutFrame::Text(text) = frame else { return Vec::new() };
        if !(text.starts_with("<auth ") || text.starts_with("<response ")) {
            return Vec::new();
        }
        match (text.find('>'), text.rfind("</")) {
            (Some(open), Some(close)) if open + 1 < close => std::iter::once(open + 1..close).collect(),
            _ => Vec::new(),
        }
    }

    fn on_open(&mut self, _subprotocol: &str, now_ms: f64) -> Decoded {
        self.scram = None;
        self.stage = Stage::Opening;
        self.joining.clear();
        self.joined_before = std::mem::take(&mut self.joined);
        self.sm.on_open();
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
            Frame::Binary(bytes) => {
                decoded.events.push(ChatEvent::raw(Some("binary frame on an XMPP link"), super::describe_binary(bytes)))
            }
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
            replies.push(self.stanza(
                Element::new("iq").attr("xmlns", CLIENT).attr("type", "get").attr("id", "ping").child(ping),
                None,
            ));
        }
        let next = if quiet >= PING_AFTER_MS { PING_AFTER_MS * 2.0 - quiet } else { PING_AFTER_MS - quiet };
        Decoded { replies, wake_in_ms: Some(next.max(1.0)), ..Decoded::default() }
    }

    fn encode(&mut self, action: Action<'_>) -> Option<Decoded> {
        let replies = match action {
            Action::Message { to, text, id, .. } if to.kind != TargetKind::Server => {
                let kind = if to.kind == TargetKind::Channel { "groupchat" } else { "chat" };
                self.remember_sent(id, to);
                let mut message = Element::new("message")
                    .attr("xmlns", CLIENT)
                    .attr("to", &to.name)
                    .attr("type", kind)
                    .attr("id", &self.message_id(id))
                    .child(Element::new("body").text(text));
                // A private message asks the other person's client to say it arrived.
                if to.kind == TargetKind::Private {
                    message = message.child(Element::new("request").attr("xmlns", RECEIPTS));
                }
                let mut frames = vec![self.stanza(message, Some(id))];
                if self.sm.active() {
                    frames.push(send(StreamManagement::request()));
                }
                frames
            }
            // Answers are told by their query id: an empty room may ask too.
            Action::Earlier { to, before_ms, limit, empty } => self.ask_archive(to, before_ms, limit, empty)?,
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
                let nick =
                    self.joined.iter().find(|(r, _)| r.eq_ignore_ascii_case(&target.name)).map(|(_, n)| n.clone())?;
                let leave = Element::new("presence")
                    .attr("xmlns", CLIENT)
                    .attr("to", &format!("{}/{nick}", target.name))
                    .attr("type", "unavailable");
                vec![self.stanza(leave, None)]
            }
            Action::Part(_) => Vec::new(),
            Action::SetTopic(target, topic) if target.kind == TargetKind::Channel => {
                let message = Element::new("message")
                    .attr("xmlns", CLIENT)
                    .attr("to", &target.name)
                    .attr("type", "groupchat")
                    .child(Element::new("subject").text(topic));
                vec![self.stanza(message, None)]
            }
            _ => return None,
        };
        Some(Decoded::replies(replies))
    }

    fn is_ready(&self) -> bool {
        self.stage == Stage::Online
    }

    /// A bare nick is someone in the room in view (`room/nick`, a private chat through the
    /// room), else an account on our server (`nick@domain`); a JID stays as typed.
    fn private_name(&self, nick: &str, shown: &Target) -> String {
        if nick.contains('@') {
            return nick.to_string();
        }
        match shown.kind {
            TargetKind::Channel => format!("{}/{nick}", shown.name),
            _ => format!("{nick}@{}", self.options.domain),
        }
    }

    fn probe(&self) -> Vec<OutFrame> {
        // An ack request is answered at once and, not a stanza, leaves the counts alone.
        if self.sm.active() {
            vec![send(StreamManagement::request())]
        } else if self.stage == Stage::Online {
            let ping = Element::new("ping").attr("xmlns", "urn:xmpp:ping");
            vec![send(Element::new("iq").attr("xmlns", CLIENT).attr("type", "get").attr("id", "probe").child(ping))]
        } else {
            Vec::new()
        }
    }
}

/// A server that lets anyone in anonymously and reflects each groupchat message to a room the
/// client joined from the sender's room nick (a room the client never asked to join speaks
/// to it in vain).
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
    conversation: "chat@rooms.h",
};

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_sm;
#[cfg(test)]
mod tests_mam;
