//! What a session keeps in localStorage: the nick, the last settings, each page's outbox, and
//! per server the input history and whether it confirms own messages.
//!
//! Storage may be missing, full or disabled (private windows); every helper then does nothing
//! and the session works from memory.

use wschat_core::chat::{decode_outbox, encode_outbox, server_id, PersistedMessage};
use wschat_core::compose::InputHistory;
use wschat_core::protocol::ProtocolKind;
use wschat_core::settings::Settings;

const NICK_KEY: &str = "wschat.nick";
const SETTINGS_KEY: &str = "wschat.settings";
/// Followed by a page's owner name; each page writes only its own (see `ownership`).
const OUTBOX_KEY_PREFIX: &str = "wschat.outbox2:";
/// Followed by a server URL: one outbox per server, as kept before pages had their own.
const LEGACY_OUTBOX_KEY_PREFIX: &str = "wschat.outbox:";
/// Followed by a server's id ([`server_id`]), like every key about one server.
const HISTORY_KEY_PREFIX: &str = "wschat.history:";
const CONFIRMS_KEY_PREFIX: &str = "wschat.confirms:";
/// The format `auto` found a server to speak, by server.
const FORMAT_KEY_PREFIX: &str = "wschat.format:";
/// How to connect to a server again (a search hit of a server no tab is open to), by its id.
const SERVER_KEY_PREFIX: &str = "wschat.server:";

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The nick chosen last time.
pub fn remembered_nick() -> Option<String> {
    local_storage()?.get_item(NICK_KEY).ok().flatten()
}

pub fn remember_nick(nick: &str) {
    if let Some(storage) = local_storage() {
        let _ = storage.set_item(NICK_KEY, nick);
    }
}

/// The settings of the last connection, as a query string (the same shape as a link, [`Settings::to_query`]).
pub fn remembered_settings() -> Option<String> {
    local_storage()?.get_item(SETTINGS_KEY).ok().flatten()
}

pub fn remember_settings(settings: &Settings) {
    if let Some(storage) = local_storage() {
        // As a shared link: an address's `user:password@` and `?token=` never rest in storage.
        let _ = storage.set_item(SETTINGS_KEY, &settings.to_shared_query());
    }
}

/// The settings last used for the server `server` (a [`server_id`]), as a shared link's query.
pub fn server_settings(server: &str) -> Option<String> {
    local_storage()?.get_item(&format!("{SERVER_KEY_PREFIX}{server}")).ok().flatten()
}

/// Keeps `settings` as the way to the server `server`; credentials masked, as in a link.
pub fn remember_server_settings(server: &str, settings: &Settings) {
    if let Some(storage) = local_storage() {
        let _ = storage.set_item(&format!("{SERVER_KEY_PREFIX}{server}"), &settings.to_shared_query());
    }
}

/// Forgets the way to the server `server` (its history is forgotten).
pub fn forget_server_settings(server: &str) {
    if let Some(storage) = local_storage() {
        let _ = storage.remove_item(&format!("{SERVER_KEY_PREFIX}{server}"));
    }
}

/// The person's input history for one server.
pub fn load_history(server: &str) -> InputHistory {
    local_storage()
        .and_then(|s| s.get_item(&format!("{HISTORY_KEY_PREFIX}{server}")).ok().flatten())
        .map(|text| InputHistory::decode(&text))
        .unwrap_or_default()
}

pub fn save_history(server: &str, history: &InputHistory) {
    if let Some(storage) = local_storage() {
        let _ = storage.set_item(&format!("{HISTORY_KEY_PREFIX}{server}"), &history.encode());
    }
}

/// Input history gives way to the outbox when storage is full: it is a convenience, the
/// outbox is what the person typed.
fn drop_input_histories() {
    let Some(storage) = local_storage() else { return };
    for key in keys(&storage).filter(|k| k.starts_with(HISTORY_KEY_PREFIX)) {
        let _ = storage.remove_item(&key);
    }
}

/// Whether this server has been seen to confirm own messages (echo or acknowledge them).
pub fn remembered_confirms(server: &str) -> bool {
    local_storage().and_then(|s| s.get_item(&format!("{CONFIRMS_KEY_PREFIX}{server}")).ok().flatten()).is_some()
}

pub fn remember_confirms(server: &str) {
    if let Some(storage) = local_storage() {
        let _ = storage.set_item(&format!("{CONFIRMS_KEY_PREFIX}{server}"), "1");
    }
}

/// The format `auto` found this server to speak on an earlier visit.
pub fn remembered_format(server: &str) -> Option<ProtocolKind> {
    let stored = local_storage()?.get_item(&format!("{FORMAT_KEY_PREFIX}{server}")).ok()??;
    stored.parse::<ProtocolKind>().ok().filter(|kind| !kind.finds_format())
}

pub fn remember_format(server: &str, kind: ProtocolKind) {
    if let Some(storage) = local_storage() {
        let _ = storage.set_item(&format!("{FORMAT_KEY_PREFIX}{server}"), kind.as_str());
    }
}

/// Whose outbox a storage key holds: one of a page's own (`wschat.outbox2:OWNER`), or one an
/// older version kept per server URL (`wschat.outbox:URL`), whose messages are that server's.
#[derive(Clone, Debug, PartialEq)]
pub enum OutboxKey {
    Owner(String),
    Legacy { url: String },
}

impl Default for OutboxKey {
    fn default() -> Self {
        OutboxKey::Owner(String::new())
    }
}

impl OutboxKey {
    pub fn parse(key: &str) -> Option<Self> {
        if let Some(owner) = key.strip_prefix(OUTBOX_KEY_PREFIX) {
            return Some(OutboxKey::Owner(owner.to_string()));
        }
        key.strip_prefix(LEGACY_OUTBOX_KEY_PREFIX).map(|url| OutboxKey::Legacy { url: url.to_string() })
    }

    pub fn key(&self) -> String {
        match self {
            OutboxKey::Owner(owner) => format!("{OUTBOX_KEY_PREFIX}{owner}"),
            OutboxKey::Legacy { url } => format!("{LEGACY_OUTBOX_KEY_PREFIX}{url}"),
        }
    }

    /// The name of the lock that whoever may send these messages holds.
    pub fn lock_name(&self) -> String {
        match self {
            OutboxKey::Owner(owner) => format!("wschat.owner:{owner}"),
            // Nobody lives behind an old key: the lock only keeps two pages from taking it at once.
            OutboxKey::Legacy { .. } => "wschat.legacy-outbox".to_string(),
        }
    }

    /// Who the messages are shown as waiting with.
    pub fn owner(&self) -> &str {
        match self {
            OutboxKey::Owner(owner) => owner,
            OutboxKey::Legacy { .. } => "",
        }
    }
}

/// Every outbox kept in this browser's storage for the origin.
pub fn outbox_keys() -> Vec<OutboxKey> {
    local_storage().map(|s| keys(&s).filter_map(|k| OutboxKey::parse(&k)).collect()).unwrap_or_default()
}

pub fn load_outbox(key: &OutboxKey) -> Vec<PersistedMessage> {
    let legacy_server = match key {
        OutboxKey::Legacy { url } => server_id(url),
        OutboxKey::Owner(_) => String::new(),
    };
    local_storage()
        .and_then(|s| s.get_item(&key.key()).ok().flatten())
        .map(|text| decode_outbox(&text, &legacy_server))
        .unwrap_or_default()
}

/// Writes an outbox, or removes the key when it is empty, and says how many of `messages` are
/// stored now. When the browser refuses (storage full: a few megabytes per site), input history
/// makes room and the write is tried again; refused still, only the messages that were stored
/// already and are still unsent are kept (a smaller value, which fits where the old one did),
/// so what is stored never holds a message delivered since, nor loses one stored before.
/// Without storage at all there is nothing to report: all count as stored.
pub fn save_outbox(key: &OutboxKey, messages: &[PersistedMessage]) -> usize {
    let Some(storage) = local_storage() else { return messages.len() };
    let outbox = key;
    let key = key.key();
    if messages.is_empty() {
        let _ = storage.remove_item(&key);
        return 0;
    }
    let text = encode_outbox(messages);
    if storage.set_item(&key, &text).is_ok() {
        return messages.len();
    }
    drop_input_histories();
    if storage.set_item(&key, &text).is_ok() {
        return messages.len();
    }
    // Refused writes leave the old value: it is still what was stored before.
    let still_unsent: Vec<PersistedMessage> =
        load_outbox(outbox).into_iter().filter(|m| messages.contains(m)).collect();
    if !still_unsent.is_empty() && storage.set_item(&key, &encode_outbox(&still_unsent)).is_ok() {
        return still_unsent.len();
    }
    let _ = storage.remove_item(&key);
    0
}

fn keys(storage: &web_sys::Storage) -> impl Iterator<Item = String> + '_ {
    let count = storage.length().unwrap_or(0);
    // Collected first: removing keys while walking them by index would skip some.
    (0..count).filter_map(|i| storage.key(i).ok().flatten()).collect::<Vec<_>>().into_iter()
}
