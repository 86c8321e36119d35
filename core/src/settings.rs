//! Connection settings as they come from the page's query parameters (see the UI contract).

use crate::chat::DEFAULT_LOG_CAP;
use crate::json::quote;
use crate::protocol::json::{validate_template, DEFAULT_TEMPLATE};
use crate::protocol::{parse_subprotocols, FormatNotLoaded, FormatSettings, ProtocolKind, WireFormat};
use crate::secret::Secret;

// Checks that belong to one format, named here too for what reads the query parameters.
pub use crate::protocol::irc::{validate_channel, validate_channels, DEFAULT_CHANNEL};
pub use crate::protocol::stomp::validate_send_prefix;
use std::fmt;

/// Where the client connects when no `url` is given: the page's own origin, path `/ws`.
pub const DEFAULT_URL: &str = "/ws";
/// Longest nick accepted, in characters.
pub const MAX_NICK_CHARS: usize = 32;

/// What the person chose, or the defaults; read once at load.
#[derive(Clone, PartialEq, Eq)]
pub struct Settings {
    /// As typed; turned into a WebSocket URL by [`crate::url::normalize_ws_url`] on connect.
    pub url: String,
    pub nick: String,
    pub protocol: ProtocolKind,
    /// Comma-separated, as typed.
    pub subprotocols: String,
    pub channel: String,
    pub connect_on_load: bool,
    /// Close and reconnect a link that carries nothing for this long (`idle_timeout`, in ms);
    /// `None` (the default) for formats without heartbeats, where a quiet room is normal.
    pub idle_timeout_ms: Option<u32>,
    /// Give up on a socket still connecting after this long (`connect_timeout`, in ms);
    /// `None` keeps the session's default.
    pub connect_timeout_ms: Option<u32>,
    /// The outgoing shape of JSON messages (`template`), with `<nick>` and `<text>` placeholders.
    pub json_template: String,
    /// Entries kept in the conversation (`history`), between [`MIN_HISTORY`] and
    /// [`MAX_HISTORY`]; older ones leave the screen and the memory.
    pub history: usize,
    /// The account where a server wants one (`login`: IRC SASL account, and next the XMPP JID,
    /// STOMP login, MQTT user name); empty for none.
    pub login: String,
    /// Where own messages go when the server reads and sends in different places
    /// (`send_prefix`, STOMP): the destination's first segment replaced by it, so that with
    /// Spring's `/app` what is typed in `/topic/chat` is sent to `/app/chat`; empty for none.
    pub send_prefix: String,
    /// Typed into the connect form for this page only: never in a link, storage or a log line
    /// ([`Settings::to_query`] leaves it out, and `Debug` shows whether there is one).
    pub password: String,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("url", &crate::url::mask_credentials(&self.url))
            .field("nick", &self.nick)
            .field("protocol", &self.protocol)
            .field("subprotocols", &self.subprotocols)
            .field("channel", &self.channel)
            .field("connect_on_load", &self.connect_on_load)
            .field("idle_timeout_ms", &self.idle_timeout_ms)
            .field("connect_timeout_ms", &self.connect_timeout_ms)
            .field("json_template", &self.json_template)
            .field("history", &self.history)
            .field("login", &self.login)
            .field("send_prefix", &self.send_prefix)
            .field("password", &if self.password.is_empty() { "" } else { "***" })
            .finish()
    }
}

/// The fewest entries `history` may keep.
pub const MIN_HISTORY: usize = 100;
/// The most entries `history` may keep: beyond this the page gets slow on modest machines.
pub const MAX_HISTORY: usize = 100_000;

/// Why a nick cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NickError {
    Empty,
    TooLong {
        chars: usize,
    },
    /// Whitespace, `:` or control characters would break `nick: text` framing.
    BadCharacter(char),
}

impl fmt::Display for NickError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NickError::Empty => write!(f, "Choose a nickname before connecting."),
            NickError::TooLong { chars } => {
                write!(f, "That nickname is {chars} characters long; the limit is {MAX_NICK_CHARS}.")
            }
            NickError::BadCharacter(c) => {
                let found = quote(&c.to_string());
                write!(f, "Nicknames cannot contain spaces, colons or control characters (found {found}).")
            }
        }
    }
}

impl std::error::Error for NickError {}

/// Checks a nick; returns it trimmed.
pub fn validate_nick(nick: &str) -> Result<&str, NickError> {
    let nick = nick.trim();
    if nick.is_empty() {
        return Err(NickError::Empty);
    }
    if let Some(c) = nick.chars().find(|c| c.is_whitespace() || c.is_control() || *c == ':') {
        return Err(NickError::BadCharacter(c));
    }
    let chars = nick.chars().count();
    if chars > MAX_NICK_CHARS {
        return Err(NickError::TooLong { chars });
    }
    Ok(nick)
}

/// A nick for someone who has not chosen one: `guest-` and four digits.
pub fn guest_nick(random: f64) -> String {
    // `random` is in [0, 1); clamp so a bad source cannot produce five digits.
    let digits = ((random.clamp(0.0, 0.9999) * 10_000.0) as u32).min(9_999);
    format!("guest-{digits:04}")
}

impl Settings {
    /// Reads the UI contract's query parameters through `param`, falling back to defaults.
    /// Returns the settings and a sentence for every value that could not be used.
    pub fn from_query(
        param: impl Fn(&str) -> Option<String>,
        remembered_nick: Option<String>,
        random: f64,
    ) -> (Settings, Vec<String>) {
        let mut problems = Vec::new();
        let fallback_nick = remembered_nick.filter(|n| validate_nick(n).is_ok()).unwrap_or_else(|| guest_nick(random));
        let nick = match param("nick") {
            Some(n) => match validate_nick(&n) {
                Ok(valid) => valid.to_string(),
                Err(e) => {
                    problems.push(format!("The nick in the address cannot be used: {e}"));
                    fallback_nick
                }
            },
            None => fallback_nick,
        };
        let protocol = match param("protocol").map(|p| p.parse::<ProtocolKind>()) {
            None => ProtocolKind::default(),
            Some(Ok(kind)) => kind,
            Some(Err(e)) => {
                problems.push(e.to_string());
                ProtocolKind::default()
            }
        };
        let subprotocols = param("subprotocols").unwrap_or_else(|| protocol.default_subprotocols().join(","));
        let connect_on_load = match param("connect").as_deref().map(str::trim) {
            None | Some("1") => true,
            Some("0") => false,
            Some(other) => {
                problems.push(format!(
                    "connect={} is not understood; use 1 to connect on load or 0 to wait.",
                    quote(other)
                ));
                true
            }
        };
        let url = param("url").filter(|u| !u.trim().is_empty()).unwrap_or_else(|| DEFAULT_URL.to_string());
        let default_channel = protocol.default_channel();
        let channel = match param("channel").filter(|c| !c.trim().is_empty()).map(|c| protocol.check_channels(&c)) {
            None => default_channel.to_string(),
            Some(Ok(channel)) => channel,
            Some(Err(problem)) => {
                problems.push(format!("{problem} Joining {default_channel} instead."));
                default_channel.to_string()
            }
        };
        let idle_timeout_ms = millis(&param, "idle_timeout", &mut problems);
        let connect_timeout_ms = millis(&param, "connect_timeout", &mut problems);
        let history = history(&param, &mut problems);
        let json_template = match param("template") {
            Some(template) => match validate_template(&template) {
                Ok(()) => template,
                Err(e) => {
                    problems.push(format!("{e}; using the default."));
                    DEFAULT_TEMPLATE.to_string()
                }
            },
            None => DEFAULT_TEMPLATE.to_string(),
        };
        let send_prefix = match param("send_prefix").map(|p| validate_send_prefix(&p)) {
            Some(Ok(prefix)) => prefix,
            Some(Err(problem)) => {
                problems.push(format!("{problem} Sending where messages are read instead."));
                String::new()
            }
            None => String::new(),
        };
        let settings = Settings {
            url,
            nick,
            protocol,
            subprotocols,
            channel,
            connect_on_load,
            idle_timeout_ms,
            connect_timeout_ms,
            json_template,
            history,
            login: param("login").map(|l| l.trim().to_string()).unwrap_or_default(),
            send_prefix,
            password: String::new(),
        };
        (settings, problems)
    }

    /// The subprotocol list handed to the WebSocket constructor.
    pub fn subprotocol_list(&self) -> Vec<String> {
        parse_subprotocols(&self.subprotocols)
    }
}

impl Settings {
    /// The query string (without `?`) of a link that reopens this connection: every setting
    /// that differs from its default, percent-encoded.
    pub fn to_query(&self) -> String {
        let mut pairs = vec![("url", self.url.as_str()), ("nick", self.nick.as_str())];
        if self.protocol != ProtocolKind::default() {
            pairs.push(("protocol", self.protocol.as_str()));
        }
        let default_subprotocols = self.protocol.default_subprotocols().join(",");
        if self.subprotocols != default_subprotocols {
            pairs.push(("subprotocols", self.subprotocols.as_str()));
        }
        // What the format does not read means nothing in the link.
        if self.protocol.reads("channel") && self.channel != self.protocol.default_channel() {
            pairs.push(("channel", self.channel.as_str()));
        }
        if self.protocol.reads("template") && self.json_template != DEFAULT_TEMPLATE {
            pairs.push(("template", self.json_template.as_str()));
        }
        if self.protocol.reads("send_prefix") && !self.send_prefix.is_empty() {
            pairs.push(("send_prefix", self.send_prefix.as_str()));
        }
        // The password never: it is typed again after a reload or from a link.
        if self.protocol.reads("login") && !self.login.is_empty() {
            pairs.push(("login", self.login.as_str()));
        }
        let history = self.history.to_string();
        if self.history != DEFAULT_LOG_CAP {
            pairs.push(("history", history.as_str()));
        }
        pairs.iter().map(|(k, v)| format!("{k}={}", percent_encode(v))).collect::<Vec<_>>().join("&")
    }

    /// What the wire format reads of these settings: the one way settings reach a format.
    pub fn format_settings(&self) -> FormatSettings {
        FormatSettings {
            url: self.url.clone(),
            nick: self.nick.clone(),
            channel: self.channel.clone(),
            login: self.login.clone(),
            password: Secret::new(self.password.clone()),
            json_template: self.json_template.clone(),
            send_prefix: self.send_prefix.clone(),
        }
    }

    /// These settings as their format checks them: what it reads put in the form it uses (IRC
    /// adds its `#`); the error is a sentence for the person.
    pub fn checked(self) -> Result<Settings, String> {
        let checked = self.protocol.check(self.format_settings())?;
        Ok(Settings {
            channel: checked.channel,
            json_template: checked.json_template,
            send_prefix: checked.send_prefix,
            ..self
        })
    }

    /// These settings for a server found to speak `kind`: its own channel default where the
    /// list given does not fit it.
    pub fn found(&self, kind: ProtocolKind) -> Settings {
        Settings { protocol: kind, channel: kind.channel_found(&self.channel), ..self.clone() }
    }

    /// The wire format of a connection with these settings, once its code is loaded
    /// ([`ProtocolKind::load`]).
    pub fn new_format(&self) -> Result<Box<dyn WireFormat>, FormatNotLoaded> {
        self.protocol.new_format(&self.format_settings())
    }

    /// The query string of a link to share: [`Settings::to_query`] with the address's
    /// credentials masked ([`crate::url::mask_credentials`]), as a link is pasted where others
    /// read it. Opened, it connects without them, and the person types them in again.
    pub fn to_shared_query(&self) -> String {
        Settings { url: crate::url::mask_credentials(&self.url), ..self.clone() }.to_query()
    }
}

/// Reads a stored or linked query string (`a=b&c=d`) into a lookup for [`Settings::from_query`].
pub fn query_lookup(query: &str) -> impl Fn(&str) -> Option<String> + '_ {
    move |name| {
        query.trim_start_matches('?').split('&').find_map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(key) == name).then(|| percent_decode(value))
        })
    }
}

/// Encodes everything but RFC 3986 unreserved characters.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Decodes `%XX` and `+`; malformed escapes stay as they are, bad UTF-8 becomes U+FFFD.
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let hex = |at: usize| bytes.get(at).and_then(|b| (*b as char).to_digit(16));
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], hex(i + 1), hex(i + 2)) {
            (b'%', Some(hi), Some(lo)) => {
                out.push((hi * 16 + lo) as u8);
                i += 3;
                continue;
            }
            (b'+', _, _) => out.push(b' '),
            (other, _, _) => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The number of entries to keep, from the query: the default when absent or unreadable,
/// brought within [`MIN_HISTORY`]..=[`MAX_HISTORY`] when outside.
fn history(param: &impl Fn(&str) -> Option<String>, problems: &mut Vec<String>) -> usize {
    let Some(value) = param("history") else { return DEFAULT_LOG_CAP };
    match value.trim().parse::<usize>() {
        Ok(n) if (MIN_HISTORY..=MAX_HISTORY).contains(&n) => n,
        Ok(n) => {
            let kept = n.clamp(MIN_HISTORY, MAX_HISTORY);
            problems.push(format!("history={n} is outside {MIN_HISTORY} to {MAX_HISTORY} entries; keeping {kept}."));
            kept
        }
        Err(_) => {
            problems.push(format!(
                "history={} is not a number of entries; keeping the default {DEFAULT_LOG_CAP}.",
                quote(&value)
            ));
            DEFAULT_LOG_CAP
        }
    }
}

/// A duration in milliseconds from the query; absent, empty or 0 mean "not set".
fn millis(param: &impl Fn(&str) -> Option<String>, name: &str, problems: &mut Vec<String>) -> Option<u32> {
    let value = param(name)?;
    match value.trim() {
        "" | "0" => None,
        ms => ms
            .parse::<u32>()
            .map_err(|_| problems.push(format!("{name}={} is not a number of milliseconds; it is ignored.", quote(ms))))
            .ok(),
    }
}

#[cfg(test)]
mod tests;
