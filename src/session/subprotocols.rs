//! Subprotocols a server refused: the browser fails such a connection without a word.

use leptos::prelude::*;
use wschat_core::settings::Settings;

use super::ChatSession;

impl ChatSession {
    /// Browsers fail a connection when the server accepts none of the offered subprotocols,
    /// and say nothing more; when that may be why, say so and offer to go without them.
    pub(super) fn explain_refused_subprotocols(&self) {
        let offered = self.settings.with_untracked(|s| s.subprotocol_list());
        if self.upkeep.with_value(|u| u.opened) || offered.is_empty() || self.subprotocol_hint.get_untracked() {
            return;
        }
        self.subprotocol_hint.set(true);
        self.report(format!(
            "The connection failed before opening. If the server accepts none of the offered subprotocols ({}), the browser refuses the connection: try again without them.",
            offered.join(", ")
        ));
    }

    /// Connects again with the same settings but no subprotocols.
    pub fn retry_without_subprotocols(&self) {
        self.subprotocol_hint.set(false);
        let settings = Settings { subprotocols: String::new(), ..self.settings.get_untracked() };
        self.connect(settings);
    }
}
