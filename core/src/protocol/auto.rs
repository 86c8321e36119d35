//! `auto`: finds the server's format. It offers every subprotocol that names a format and takes
//! the one the server chooses once the server's first answer is in it; with none chosen (or an
//! answer in another format) it reads the first frames, trying each format's
//! [`super::Spec::sniff`]; a server that says nothing for a while is taken for plain text.
//! Then it is that format: [`ChatEvent::FormatFound`] tells the session, and every call goes to it.
//!
//! What cannot be found: a server that waits for the client to speak first and chose no
//! subprotocol (an IRC gateway that ignores subprotocols, an MQTT broker without `mqtt`), and
//! Socket.IO unless the address is its endpoint (`/socket.io/?EIO=4&transport=websocket`).

use super::{
    Action, ChatEvent, Decoded, FormatSettings, Frame, OutFrame, ProtocolKind, ServerModel, Spec, Target, WireFormat, SEED_BYTES,
};

pub(super) const SPEC: Spec = Spec {
    name: "auto",
    aliases: &[],
    label: "Find out (auto)",
    default_subprotocols: &[],
    // Every subprotocol a format is identified by, MQTT's first: a server that takes the first
    // it is offered (npm ws does) must answer in it to be believed.
    offer: &["mqtt", "v12.stomp", "xmpp", "text.ircv3.net", "binary.ircv3.net", "text.inspircd.org"],
    identified_by: &[],
    reads: &["channel", "login", "template"],
    many_conversations: false,
    default_channel: "",
    channels: super::no_channels,
    sniff: |_| false,
    finds_format: true,
    socket_url: super::same_url,
    check: super::nothing_to_check,
};

/// This format for a connection (loaded when first needed: see [`super::ProtocolKind::load`]).
pub(super) fn make(settings: &super::FormatSettings) -> Box<dyn super::WireFormat> {
    Box::new(AutoFormat::new(settings.clone()))
}

/// How long a server may stay silent before it is taken for plain text (a broadcast server
/// says nothing until someone writes), or before a chosen subprotocol without an answer is
/// taken as none.
pub const QUIET_MS: f64 = 3_000.0;

/// Where finding the format stands.
enum Finding {
    /// No subprotocol chosen: waiting for the first frame (since the time given).
    Listening(f64),
    /// The server chose a subprotocol of `kind`; its handshake went out; waiting for its answer.
    Confirming(ProtocolKind, f64),
    Found(ProtocolKind),
}

/// The format that finds the format, then speaks it.
pub struct AutoFormat {
    settings: FormatSettings,
    finding: Finding,
    inner: Option<Box<dyn WireFormat>>,
    /// The randomness of this link, for a format made during it.
    seed: [u8; SEED_BYTES],
}

impl AutoFormat {
    pub fn new(settings: FormatSettings) -> Self {
        AutoFormat { settings, finding: Finding::Listening(0.0), inner: None, seed: [0; SEED_BYTES] }
    }

    /// A format for this link, seeded as the link was.
    fn new_inner(&self, kind: ProtocolKind) -> Result<Box<dyn WireFormat>, Decoded> {
        let mut format = kind
            .new_format(&self.settings_for(kind))
            // The session loads every format before an `auto` link opens; should one be missing
            // all the same, the link is dropped and tried again.
            .map_err(|missing| Decoded::events(vec![ChatEvent::LinkDead(missing.to_string())]))?;
        format.seed(&self.seed);
        Ok(format)
    }

    fn settings_for(&self, kind: ProtocolKind) -> FormatSettings {
        FormatSettings { channel: kind.channel_found(&self.settings.channel), ..self.settings.clone() }
    }

    /// Becomes `kind`: its handshake (when not sent yet) and the frame that told, through it.
    fn become_format(&mut self, kind: ProtocolKind, frame: Option<Frame<'_>>, now_ms: f64, handshake: bool) -> Decoded {
        let mut decoded = Decoded::events(vec![ChatEvent::FormatFound(kind)]);
        if handshake {
            let mut format = match self.new_inner(kind) {
                Ok(format) => format,
                Err(dead) => return dead,
            };
            merge(&mut decoded, format.on_open("", now_ms));
            self.inner = Some(format);
        }
        self.finding = Finding::Found(kind);
        if let (Some(frame), Some(format)) = (frame, self.inner.as_mut()) {
            merge(&mut decoded, format.on_frame(frame, now_ms));
        }
        decoded
    }
}

/// The format the first frames are in: the most particular whose sniff takes the frame.
fn sniff(frame: Frame<'_>) -> ProtocolKind {
    ProtocolKind::ALL.into_iter().rev().filter(|k| !k.finds_format()).find(|k| k.sniff(frame)).unwrap_or_default()
}

fn merge(into: &mut Decoded, more: Decoded) {
    into.events.extend(more.events);
    into.replies.extend(more.replies);
    if more.wake_in_ms.is_some() {
        into.wake_in_ms = more.wake_in_ms;
    }
}

impl WireFormat for AutoFormat {
    fn on_open(&mut self, subprotocol: &str, now_ms: f64) -> Decoded {
        if let Finding::Found(kind) = self.finding {
            if let Some(format) = self.inner.as_mut() {
                let mut decoded = format.on_open(subprotocol, now_ms);
                decoded.events.insert(0, ChatEvent::FormatFound(kind));
                return decoded;
            }
        }
        match ProtocolKind::for_subprotocol(subprotocol).filter(|k| !k.finds_format()) {
            Some(kind) => {
                // The format the last link tried is kept when the server chooses it again: what it
                // learnt of the server outlives the link (MQTT: 3.1.1 after a silent close).
                let mut format = match (&self.finding, self.inner.take()) {
                    (Finding::Confirming(tried, _), Some(format)) if *tried == kind => format,
                    _ => match self.new_inner(kind) {
                        Ok(format) => format,
                        Err(dead) => return dead,
                    },
                };
                let mut decoded = format.on_open(subprotocol, now_ms);
                self.inner = Some(format);
                self.finding = Finding::Confirming(kind, now_ms);
                decoded.wake_in_ms = Some(decoded.wake_in_ms.map_or(QUIET_MS, |ms| ms.min(QUIET_MS)));
                decoded
            }
            None => {
                self.inner = None;
                self.finding = Finding::Listening(now_ms);
                Decoded { wake_in_ms: Some(QUIET_MS), ..Decoded::default() }
            }
        }
    }

    fn on_frame(&mut self, frame: Frame<'_>, now_ms: f64) -> Decoded {
        match self.finding {
            Finding::Found(_) => self.inner.as_mut().map_or_else(Decoded::default, |f| f.on_frame(frame, now_ms)),
            Finding::Confirming(kind, _) if kind.sniff(frame) => self.become_format(kind, Some(frame), now_ms, false),
            // Chosen, but answered in another format: as if none had been chosen.
            Finding::Confirming(..) | Finding::Listening(_) => {
                let kind = sniff(frame);
                self.become_format(kind, Some(frame), now_ms, true)
            }
        }
    }

    fn on_text_part(&mut self, text: &str, from: usize, budget: usize, now_ms: f64) -> (Decoded, usize) {
        match (&self.finding, self.inner.as_mut()) {
            (Finding::Found(_), Some(format)) => format.on_text_part(text, from, budget, now_ms),
            _ if from == 0 => (self.on_frame(Frame::Text(text), now_ms), text.len()),
            _ => (Decoded::default(), text.len()),
        }
    }

    fn on_close(&mut self, by_server: bool) {
        if let Some(format) = self.inner.as_mut() {
            format.on_close(by_server);
        }
    }

    fn on_wake(&mut self, now_ms: f64) -> Decoded {
        match self.finding {
            Finding::Found(_) => self.inner.as_mut().map_or_else(Decoded::default, |f| f.on_wake(now_ms)),
            Finding::Listening(since) | Finding::Confirming(_, since) => {
                if now_ms - since + super::TIMER_SLACK_MS >= QUIET_MS {
                    self.become_format(ProtocolKind::default(), None, now_ms, true)
                } else {
                    Decoded { wake_in_ms: Some(QUIET_MS - (now_ms - since)), ..Decoded::default() }
                }
            }
        }
    }

    fn encode(&mut self, action: Action<'_>) -> Option<Decoded> {
        match self.finding {
            Finding::Found(_) => self.inner.as_mut()?.encode(action),
            _ => None,
        }
    }

    fn is_ready(&self) -> bool {
        matches!(self.finding, Finding::Found(_)) && self.inner.as_ref().is_some_and(|f| f.is_ready())
    }

    fn private_name(&self, nick: &str, shown: &Target) -> String {
        self.inner.as_ref().map_or_else(|| nick.to_string(), |f| f.private_name(nick, shown))
    }

    fn probe(&self) -> Vec<OutFrame> {
        self.inner.as_ref().map_or_else(Vec::new, |f| f.probe())
    }

    fn seed(&mut self, random: &[u8; SEED_BYTES]) {
        self.seed = *random;
        if let Some(format) = self.inner.as_mut() {
            format.seed(random);
        }
    }

    fn name_case(&self) -> super::NameCase {
        self.inner.as_ref().map_or_else(Default::default, |f| f.name_case())
    }

    fn secret_spans(&self, frame: &OutFrame) -> Vec<std::ops::Range<usize>> {
        self.inner.as_ref().map_or_else(Vec::new, |f| f.secret_spans(frame))
    }

    fn received_secret_spans(&self, frame: Frame<'_>) -> Vec<std::ops::Range<usize>> {
        self.inner.as_ref().map_or_else(Vec::new, |f| f.received_secret_spans(frame))
    }
}

/// A broadcast server that chooses no subprotocol: auto finds plain text after the quiet.
pub(super) const SERVER_MODEL: ServerModel = ServerModel::BROADCAST;

#[cfg(test)]
mod tests;
