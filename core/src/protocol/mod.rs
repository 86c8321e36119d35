//! Wire formats: frames from the socket become [`ChatEvent`]s, chat actions become [`OutFrame`]s.
//!
//! Each format is plain Rust with no browser types, so it is tested and fuzzed natively.
//!
//! # The contract of a format
//!
//! Every format answers through [`WireFormat`], and every answer is a [`Decoded`]: events for
//! the conversation, frames to send now, and when to wake the format next. The session knows
//! formats only through that trait and [`ProtocolKind`]; it never names one.
//!
//! A format may know:
//! - the frames of its connection, the subprotocol the server chose, and whether the server
//!   closed the link or it was lost on the way;
//! - the time, as the session passes it in (`now_ms`, in milliseconds of `Date.now()`);
//! - its own options, read by its own `from_settings` from the [`FormatSettings`] the session
//!   hands it (the person's settings never reach a format whole: settings know formats, formats
//!   do not know settings);
//! - its own state: handshakes, registration, heartbeats, grace periods, acknowledgements.
//!
//! A format may not know:
//! - the browser (no web-sys, no clock, no timers: it asks to be woken with `wake_in_ms`);
//! - the chat log, storage, the view, or what the person typed beyond the action it encodes;
//! - the session's own upkeep: the connect timeout, the person's `idle_timeout`, reconnects;
//! - any other format.
//!
//! A new format is one file in this folder that provides:
//! - a type implementing [`WireFormat`]; a dead link is a [`ChatEvent::LinkDead`] it emits,
//!   an acknowledgement of an own message a [`ChatEvent::Delivered`], becoming ready after a
//!   handshake a [`ChatEvent::ready`];
//! - its options type, built from the [`FormatSettings`] in one function;
//! - `pub(super) const SPEC: Spec`: its name, label, subprotocols, socket URL and the check of
//!   its settings;
//! - `pub(super) fn make`, its constructor: reached only through [`ProtocolKind::load`], so that
//!   a release build for the browser fetches the format's code when it is first wanted;
//! - `pub(super) const SERVER_MODEL: ServerModel`: how a server of it relays a message, so the
//!   round-trip property covers it;
//!
//! and one line in the `formats!` list below.

mod base64;
mod binary;
mod event;
mod load;
mod payload;
mod server_model;
mod shared;
mod time;
pub use server_model::ServerModel;
pub(crate) use shared::{
    check_channels_and_template, no_channels, nothing_to_check, same_url, say_ready, secret_lines,
};

pub(crate) use base64::{base64, base64_decode};
pub use binary::{describe_binary, hex, hex_preview};
pub use event::{silence, ChatEvent, NameCase, PastLine, Target, TargetKind, READY_TO_CHAT};
#[cfg(split_formats)]
pub use load::SplitLoadFailed;
pub use load::{FormatNotLoaded, MakeFormat};
pub use text::{split_nick, TextFormat};
pub use time::parse_iso8601;

use crate::secret::Secret;
use std::fmt;
use std::ops::Range;

/// Bytes of randomness handed to a format before each connection ([`WireFormat::seed`]).
pub const SEED_BYTES: usize = 32;

/// The formats: `Kind => module`, in the order of the protocol menu; the first is the default.
/// One line here, and the module's file, are all a new format needs.
macro_rules! formats {
    ($($kind:ident => $module:ident,)+) => {
        $(pub mod $module;)+

        /// The wire formats the client knows by name (the `protocol` query parameter). The only
        /// list of formats: everything the rest of the client knows about one, it asks here.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum ProtocolKind {
            $($kind,)+
        }

        impl ProtocolKind {
            pub const ALL: [ProtocolKind; [$(stringify!($kind)),+].len()] = [$(ProtocolKind::$kind),+];

            fn spec(self) -> &'static Spec {
                match self {
                    $(ProtocolKind::$kind => &$module::SPEC,)+
                }
            }

            /// A model of this format's server, for tests (the app never asks, so it is not in
            /// the wasm).
            pub fn server_model(self) -> &'static ServerModel {
                match self {
                    $(ProtocolKind::$kind => &$module::SERVER_MODEL,)+
                }
            }

            /// This format's constructor, from its module (see [`ProtocolKind::load`]).
            #[cfg(split_formats)]
            async fn load_maker(self) -> Result<MakeFormat, FormatNotLoaded> {
                match self {
                    $(ProtocolKind::$kind => makers::$module::maker().await.map_err(|_| FormatNotLoaded(self)),)+
                }
            }

            #[cfg(not(split_formats))]
            fn maker(self) -> Option<MakeFormat> {
                match self {
                    $(ProtocolKind::$kind => Some($module::make),)+
                }
            }
        }

        /// Each format's constructor behind a split point: in a release build for the browser,
        /// all the code only it reaches is a wasm module of its own, fetched when the format is
        /// first wanted, so the first load carries none of the formats.
        #[cfg(split_formats)]
        mod makers {
            $(
                pub mod $module {
                    use super::super::{MakeFormat, SplitLoadFailed};

                    #[wasm_split_helpers::wasm_split($module, fallible)]
                    pub(crate) fn maker() -> Result<MakeFormat, SplitLoadFailed> {
                        Ok(super::super::$module::make)
                    }
                }
            )+
        }
    };
}

formats! {
    Text => text,
    Json => json,
    Irc => irc,
    SocketIo => socketio,
    Mqtt => mqtt,
    Stomp => stomp,
    Xmpp => xmpp,
    Auto => auto,
}

/// A frame as it came off the socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Frame<'a> {
    Text(&'a str),
    Binary(&'a [u8]),
}

/// A frame to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OutFrame {
    Text(String),
    Binary(Vec<u8>),
}

/// Every answer of a format: to the socket opening, a frame, a wake-up, an action.
#[derive(Debug, Default, PartialEq)]
pub struct Decoded {
    pub events: Vec<ChatEvent>,
    /// Frames to send now: answers (PONG, Engine.IO pong), handshake steps, an encoded action.
    pub replies: Vec<OutFrame>,
    /// Call [`WireFormat::on_wake`] this many milliseconds from now, instead of any earlier
    /// request; `None` leaves an earlier request as it is. Wake-ups end with the connection.
    pub wake_in_ms: Option<f64>,
}

impl Decoded {
    /// Only events.
    pub fn events(events: Vec<ChatEvent>) -> Self {
        Decoded { events, ..Decoded::default() }
    }

    /// Only frames to send.
    pub fn replies(replies: Vec<OutFrame>) -> Self {
        Decoded { replies, ..Decoded::default() }
    }
}

/// What the person asks a format to send.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Action<'a> {
    /// A message typed by `nick` in the conversation `to`; `id` is unique within the page, and
    /// what [`ChatEvent::Delivered`] names when the server acknowledges it. Formats with one
    /// conversation need not look at `to`.
    Message { to: &'a Target, nick: &'a str, text: &'a str, id: u64 },
    /// `/join #channel`: one more conversation.
    Join(&'a str),
    /// `/part`: leave a conversation.
    Part(&'a Target),
    /// `/topic text`: set the topic of a conversation.
    SetTopic(&'a Target, &'a str),
    /// `/nick name`: asks the server for another nick.
    Nick(&'a str),
    /// At most `limit` lines of conversation `to` from before `before_ms`, from the server's own
    /// history (they come as [`ChatEvent::Earlier`]); `None` from formats whose servers keep
    /// none that can be asked for. `empty`: the conversation holds no line yet (`before_ms` is
    /// now), so the answer must be told from a replay on join by more than its conversation.
    Earlier { to: &'a Target, before_ms: f64, limit: u32, empty: bool },
}

/// One wire format of one connection, with whatever state it needs. See the module's
/// documentation for what a format may and may not know.
pub trait WireFormat {
    /// Fresh randomness from the browser (`crypto.getRandomValues`), handed before each
    /// [`WireFormat::on_open`]: for nonces and ids nobody may foretell (SCRAM's client nonce,
    /// MQTT's client id, XMPP's resource and stanza ids). Not in the settings, which would
    /// make the format anew and lose what it keeps across links.
    fn seed(&mut self, _random: &[u8; SEED_BYTES]) {}

    /// The server's id of the newest line the browser's store holds from this server, handed
    /// before each [`WireFormat::on_open`]: formats whose servers send, on connecting, what came
    /// after an offset the client gives (Socket.IO's tutorial) ask for what came after it.
    fn resume_after(&mut self, _msgid: &str) {}

    /// Where the secrets are in a frame this format made (a password, a passcode, a SASL
    /// payload), as byte ranges, so the frame is recorded with them masked. Only the format
    /// knows where its secrets go.
    fn secret_spans(&self, _frame: &OutFrame) -> Vec<Range<usize>> {
        Vec::new()
    }

    /// Where the secrets are in a frame from the server: what it echoes of ours (IRC's
    /// echo-message sends `PRIVMSG NickServ :IDENTIFY hunter2` back), masked the same way.
    fn received_secret_spans(&self, _frame: Frame<'_>) -> Vec<Range<usize>> {
        Vec::new()
    }

    /// The socket opened; `subprotocol` is what the server chose (empty for none). The state
    /// of any connection before is forgotten.
    fn on_open(&mut self, subprotocol: &str, now_ms: f64) -> Decoded;

    /// One frame from the server.
    fn on_frame(&mut self, frame: Frame<'_>, now_ms: f64) -> Decoded;

    /// A long text message read in parts, so the page can draw between them: from byte `from`,
    /// about `budget` bytes of it; what that part said, and where the next part begins
    /// (`text.len()` once all is read). Formats whose messages hold many frames (STOMP) cut
    /// them between frames; the others read the whole message on the first call.
    fn on_text_part(&mut self, text: &str, from: usize, _budget: usize, now_ms: f64) -> (Decoded, usize) {
        let decoded = if from == 0 { self.on_frame(Frame::Text(text), now_ms) } else { Decoded::default() };
        (decoded, text.len())
    }

    /// The socket closed without this client asking; `by_server`: the server ended it with a
    /// closing handshake (the browser's `wasClean`), not a link lost on the way. Not called
    /// for a link the session gives up as dead itself.
    fn on_close(&mut self, _by_server: bool) {}

    /// The wake-up asked for with [`Decoded::wake_in_ms`] is due. It may come early or late,
    /// or for a request that a later one replaced: the format checks the time itself.
    fn on_wake(&mut self, _now_ms: f64) -> Decoded {
        Decoded::default()
    }

    /// An action as frames to send; `None` when the format has no such thing (channels, or
    /// nicks the server knows), for the session to handle or refuse.
    fn encode(&mut self, action: Action<'_>) -> Option<Decoded>;

    /// Whether the outbox may be sent: after the handshake, registration or join.
    fn is_ready(&self) -> bool {
        true
    }

    /// The name of the private conversation with `nick` as the person typed it (`/msg`,
    /// `/query`), with `shown` the conversation in view: where the protocol addresses people
    /// by more than a nick (XMPP: a room's occupant, or an account on the server).
    fn private_name(&self, nick: &str, _shown: &Target) -> String {
        nick.to_string()
    }

    /// How this protocol compares the names of conversations (case, IRC's CASEMAPPING).
    fn name_case(&self) -> NameCase {
        NameCase::Exact
    }

    /// Frames that make a live server answer (IRC's PING), for a session that measures
    /// silence itself (the person's idle timeout); none where the format has no such frame.
    fn probe(&self) -> Vec<OutFrame> {
        Vec::new()
    }
}

/// What a format tells about itself: everything the rest of the client may know about it.
pub struct Spec {
    /// Its name in the `protocol` query parameter and the protocol menu.
    pub name: &'static str,
    /// Other names the `protocol` parameter accepts for it.
    pub aliases: &'static [&'static str],
    /// A label for people.
    pub label: &'static str,
    /// The `subprotocols` setting when the person gave none (the UI contract's default).
    pub default_subprotocols: &'static [&'static str],
    /// What is offered while the setting is that default: an offer, so it may name every
    /// subprotocol servers of this format choose; the server takes one or none.
    pub offer: &'static [&'static str],
    /// Subprotocols that mean this format, whichever format was chosen.
    pub identified_by: &'static [&'static str],
    /// The query parameters this format reads besides `url`, `nick` and `subprotocols`.
    pub reads: &'static [&'static str],
    /// Whether one connection carries many conversations (then the first is the server's and
    /// `channel` lists those to join); else it carries one, named after the server.
    pub many_conversations: bool,
    /// The `channel` setting when the person gave none (the UI contract's default).
    pub default_channel: &'static str,
    /// Checks a `channel` list and puts it in the form the format uses; the error is a
    /// sentence for the person.
    pub channels: fn(&str) -> Result<String, String>,
    /// Whether a server's first frame is in this format: how `auto` confirms a subprotocol the
    /// server chose, and tells a format from the first frames (trying the formats from the
    /// last listed to the first, so the most particular first; text takes anything).
    pub sniff: fn(Frame<'_>) -> bool,
    /// The format finds the server's format itself (`auto`): the session leaves a chosen
    /// subprotocol to it.
    pub finds_format: bool,
    /// The address to open for a server at the address given.
    pub socket_url: fn(&str) -> String,
    /// Checks the settings this format reads, and puts them in the form it uses; the error is
    /// a sentence for the person.
    pub check: fn(FormatSettings) -> Result<FormatSettings, String>,
}

/// What a format may read of the person's settings, made from them by the session: the
/// address, the nick, the conversations to join, the login, the outgoing template and the
/// send prefix. Its `Debug` shows no password.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FormatSettings {
    /// As typed (a format that derives a domain from it reads it so).
    pub url: String,
    pub nick: String,
    /// The `channel` list: IRC channels, XMPP rooms, MQTT topics, STOMP destinations.
    pub channel: String,
    /// The account where a server wants one; empty for none.
    pub login: String,
    pub password: Secret,
    /// The outgoing shape of JSON messages (`template`).
    pub json_template: String,
    /// STOMP's `send_prefix`; empty for none.
    pub send_prefix: String,
}

/// Timers fire on the millisecond or a little early: a wake-up this close to its time is on
/// time (for formats comparing `now_ms` with a deadline they asked to be woken at).
pub(crate) const TIMER_SLACK_MS: f64 = 1.0;

/// What a connection offers the server, and whether it is the format's default offer (which a
/// server may take none of) rather than the person's choice.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Offer {
    pub subprotocols: Vec<String>,
    pub by_default: bool,
}

impl Default for ProtocolKind {
    fn default() -> Self {
        ProtocolKind::ALL[0]
    }
}

impl ProtocolKind {
    /// The name used in the `protocol` query parameter and the protocol menu.
    pub fn as_str(self) -> &'static str {
        self.spec().name
    }

    /// A label for people.
    pub fn label(self) -> &'static str {
        self.spec().label
    }

    /// The `subprotocols` setting when the person gave none.
    pub fn default_subprotocols(self) -> &'static [&'static str] {
        self.spec().default_subprotocols
    }

    /// The subprotocols to offer for the `subprotocols` setting `setting`: the format's whole
    /// default offer while it is the default, else exactly what the person chose.
    pub fn offer(self, setting: &str) -> Offer {
        let chosen = parse_subprotocols(setting);
        let spec = self.spec();
        let by_default = chosen.iter().map(String::as_str).eq(spec.default_subprotocols.iter().copied());
        if by_default {
            Offer { subprotocols: spec.offer.iter().map(|s| s.to_string()).collect(), by_default }
        } else {
            Offer { subprotocols: chosen, by_default }
        }
    }

    /// The format a subprotocol chosen by the server stands for, if it stands for one.
    pub fn for_subprotocol(subprotocol: &str) -> Option<ProtocolKind> {
        ProtocolKind::ALL.into_iter().find(|kind| kind.spec().identified_by.contains(&subprotocol))
    }

    /// Whether this format reads the query parameter `name` (`channel`, `template`).
    pub fn reads(self, name: &str) -> bool {
        self.spec().reads.contains(&name)
    }

    /// Whether one connection carries many conversations (IRC's channels and private chats).
    pub fn many_conversations(self) -> bool {
        self.spec().many_conversations
    }

    /// Whether a server's first frame is in this format (see [`Spec::sniff`]).
    pub fn sniff(self, frame: Frame<'_>) -> bool {
        (self.spec().sniff)(frame)
    }

    /// The channel list of a connection that turned out to speak this format: its own
    /// default where the one given does not fit it.
    pub fn channel_found(self, channel: &str) -> String {
        match self.check_channels(channel) {
            Ok(channel) if !channel.is_empty() => channel,
            _ => self.default_channel().to_string(),
        }
    }

    /// Whether this format finds the server's format itself (`auto`).
    pub fn finds_format(self) -> bool {
        self.spec().finds_format
    }

    /// The `channel` setting when the person gave none.
    pub fn default_channel(self) -> &'static str {
        self.spec().default_channel
    }

    /// Checks a `channel` list for this format (see [`Spec::channels`]).
    pub fn check_channels(self, list: &str) -> Result<String, String> {
        (self.spec().channels)(list)
    }

    /// The address to open for a server at `url` (Socket.IO needs its transport path).
    pub fn socket_url(self, url: &str) -> String {
        (self.spec().socket_url)(url)
    }

    /// Checks the settings this format reads; the error is a sentence for the person.
    pub fn check(self, settings: FormatSettings) -> Result<FormatSettings, String> {
        (self.spec().check)(settings)
    }
}

impl fmt::Display for ProtocolKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `protocol` value that names no known format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownProtocol(pub String);

impl fmt::Display for UnknownProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = ProtocolKind::ALL.iter().map(|kind| kind.as_str()).collect();
        write!(f, "Unknown wire format \"{}\"; choose one of {}.", self.0, names.join(", "))
    }
}

impl std::error::Error for UnknownProtocol {}

impl std::str::FromStr for ProtocolKind {
    type Err = UnknownProtocol;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        ProtocolKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == wanted || kind.spec().aliases.contains(&wanted.as_str()))
            .ok_or_else(|| UnknownProtocol(s.to_string()))
    }
}

/// Splits a comma-separated subprotocol list, dropping blanks and duplicates (the constructor
/// throws a SyntaxError on a repeated subprotocol).
pub fn parse_subprotocols(list: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        if !out.iter().any(|seen| seen == item) {
            out.push(item.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_names_round_trip() {
        for kind in ProtocolKind::ALL {
            assert_eq!(kind.as_str().parse::<ProtocolKind>(), Ok(kind));
        }
        assert_eq!(" JSON ".parse::<ProtocolKind>(), Ok(ProtocolKind::Json));
        assert_eq!("Socket.IO".parse::<ProtocolKind>(), Ok(ProtocolKind::SocketIo));
        assert_eq!("xml".parse::<ProtocolKind>(), Err(UnknownProtocol("xml".into())));
        assert_eq!(
            UnknownProtocol("xml".into()).to_string(),
            "Unknown wire format \"xml\"; choose one of text, json, irc, socketio, mqtt, stomp, xmpp, auto."
        );
        assert_eq!(ProtocolKind::default(), ProtocolKind::Text);
    }

    #[test]
    fn secret_lines_are_found_up_to_the_first_empty_line() {
        let frame = OutFrame::Text("CONNECT\nlogin:a\npasscode:pw\r\n\npasscode:body".into());
        let spans = secret_lines(&frame, "passcode:", |_| false);
        assert_eq!(spans, vec![25..27]);
        let irc = OutFrame::Binary(b"AUTHENTICATE PLAIN\r\nAUTHENTICATE Zm9v\r\n".to_vec());
        assert_eq!(secret_lines(&irc, "AUTHENTICATE ", |v| v == b"PLAIN"), vec![33..37]);
    }

    #[test]
    fn subprotocol_lists() {
        assert_eq!(parse_subprotocols(""), Vec::<String>::new());
        assert_eq!(parse_subprotocols(" chat , superchat,,chat "), vec!["chat", "superchat"]);
    }

    #[test]
    fn a_default_offer_is_wider_than_the_setting_and_says_so() {
        let irc = ProtocolKind::Irc.offer("text.ircv3.net");
        assert!(irc.by_default);
        assert_eq!(irc.subprotocols.first().map(String::as_str), Some("text.ircv3.net"), "the contract's first");
        assert!(irc.subprotocols.iter().any(|s| s == "text.inspircd.org"), "{irc:?}");
        let chosen = ProtocolKind::Irc.offer("binary.ircv3.net");
        assert_eq!(chosen, Offer { subprotocols: vec!["binary.ircv3.net".into()], by_default: false });
        assert_eq!(ProtocolKind::Irc.offer(""), Offer { subprotocols: vec![], by_default: false });
        assert_eq!(ProtocolKind::Text.offer("chat"), Offer { subprotocols: vec!["chat".into()], by_default: false });
        assert!(ProtocolKind::Text.offer("").subprotocols.is_empty());
    }

    #[test]
    fn subprotocols_that_name_a_format() {
        for sub in ["text.ircv3.net", "binary.ircv3.net", "text.inspircd.org", "binary.inspircd.org"] {
            assert_eq!(ProtocolKind::for_subprotocol(sub), Some(ProtocolKind::Irc), "{sub}");
        }
        assert_eq!(ProtocolKind::for_subprotocol(""), None);
        assert_eq!(ProtocolKind::for_subprotocol("chat"), None);
        // Whatever a format offers by default, the server's choice among it is that format;
        // auto's offer names the others, each of which some format is identified by.
        for kind in ProtocolKind::ALL {
            for sub in kind.offer(&kind.default_subprotocols().join(",")).subprotocols {
                let named = ProtocolKind::for_subprotocol(&sub);
                assert!(named == Some(kind) || kind.finds_format() && named.is_some(), "{kind}: {sub}");
            }
        }
    }
}
