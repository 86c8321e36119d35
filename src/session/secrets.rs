//! What keeps secrets secret: a password sent in clear only after the person's yes, and the
//! browser's randomness for the formats' nonces and ids.

use leptos::prelude::*;
use wschat_core::chat::server_id;
use wschat_core::protocol::SEED_BYTES;
use wschat_core::settings::Settings;
use wschat_core::url::cleartext_host;

use super::{server_url, ChatSession};

impl ChatSession {
    /// The host a password in these settings would reach unencrypted, unless the person said
    /// yes to that server already.
    pub(super) fn password_in_clear(&self, settings: &Settings) -> Option<String> {
        if settings.password.is_empty() || !settings.protocol.reads("login") {
            return None;
        }
        let url = server_url(&settings.url);
        let allowed = self.upkeep.with_value(|u| u.cleartext_allowed.as_deref() == Some(server_id(&url).as_str()));
        cleartext_host(&url).filter(|_| !allowed)
    }

    /// The person says yes to sending the password unencrypted to the server in the settings:
    /// connects, and reconnects to it without asking again while the page lives.
    pub fn send_password_in_clear(&self) {
        let settings = self.settings.get_untracked();
        let server = server_id(&server_url(&settings.url));
        self.update_upkeep(|u| {
            u.cleartext_allowed = Some(server);
            u.error_outlives_connection = false;
        });
        self.cleartext_host.set(None);
        self.error.set(None);
        self.connect(settings);
    }
}

/// Randomness for the format's nonces and ids, from `crypto.getRandomValues`. A page without
/// it (none that runs wasm) gets `Math.random`, which is better than a fixed value.
pub(super) fn random_seed() -> [u8; SEED_BYTES] {
    let mut seed = [0; SEED_BYTES];
    let from_crypto = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .is_some_and(|crypto| crypto.get_random_values_with_u8_array(&mut seed).is_ok());
    if !from_crypto {
        for byte in &mut seed {
            *byte = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    seed
}
