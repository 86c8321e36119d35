//! What a session keeps in localStorage: the nick, the last settings, and the outbox and input
//! history of each server.
//!
//! Storage may be missing, full or disabled (private windows); every helper then does nothing
//! and the session works from memory.

use wschat_core::chat::{decode_outbox, encode_outbox, PersistedMessage};
use wschat_core::compose::InputHistory;
use wschat_core::settings::Settings;

const NICK_KEY: &str = "wschat.nick";
const OUTBOX_KEY_PREFIX: &str = "wschat.outbox:";
const SETTINGS_KEY: &str = "wschat.settings";
const HISTORY_KEY_PREFIX: &str = "wschat.history:";

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
        let _ = storage.set_item(SETTINGS_KEY, &settings.to_query());
    }
}

/// The person's input history for one server.
pub fn load_history(url: &str) -> InputHistory {
    local_storage()
        .and_then(|s| s.get_item(&format!("{HISTORY_KEY_PREFIX}{url}")).ok().flatten())
        .map(|text| InputHistory::decode(&text))
        .unwrap_or_default()
}

pub fn save_history(url: &str, history: &InputHistory) {
    if let Some(storage) = local_storage() {
        let _ = storage.set_item(&format!("{HISTORY_KEY_PREFIX}{url}"), &history.encode());
    }
}

/// The key of a server's outbox; one per server URL, so messages never go to another server.
pub fn outbox_key(url: &str) -> String {
    format!("{OUTBOX_KEY_PREFIX}{url}")
}

pub fn load_outbox(key: &str) -> Vec<PersistedMessage> {
    local_storage().and_then(|s| s.get_item(key).ok().flatten()).map(|text| decode_outbox(&text)).unwrap_or_default()
}

/// Writes the outbox, or removes the key when it is empty. False when the browser refused it
/// (storage full: a few megabytes per site); without storage at all there is nothing to report.
pub fn save_outbox(key: &str, messages: &[PersistedMessage]) -> bool {
    let Some(storage) = local_storage() else { return true };
    if messages.is_empty() { storage.remove_item(key) } else { storage.set_item(key, &encode_outbox(messages)) }.is_ok()
}

pub fn forget_outbox(key: &str) {
    if let Some(storage) = local_storage() {
        let _ = storage.remove_item(key);
    }
}
