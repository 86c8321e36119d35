//! Subprotocols a server refused: the browser fails such a connection without a word. The
//! format's default offer is only an offer, and goes at once; the person's choice stops to ask.

use leptos::prelude::*;
use wschat_core::protocol::Offer;
use wschat_core::settings::Settings;

use super::ChatSession;

impl ChatSession {
    /// What this connection offers: the person's subprotocols, or the format's default offer
    /// unless a server at this address took none of it.
    pub(super) fn offer(&self, settings: &Settings) -> Offer {
        let offer = settings.protocol.offer(&settings.subprotocols);
        if offer.by_default && self.upkeep.with_value(|u| u.without_default_offer) {
            return Offer { subprotocols: Vec::new(), by_default: true };
        }
        offer
    }

    /// A connection that offered the format's default subprotocols failed before opening: the
    /// server may take none of them (InspIRCd 3 knows only its own names), which browsers fail
    /// without a word. Says so and connects again at once without them; returns whether it did.
    ///
    /// The same failure comes of a server that is down. A server that chose one of them before
    /// is taken for down. When going without them fails too, the next attempt offers them
    /// again, after the backoff, and the next failure with them waits for the backoff as well
    /// (an outage is not made twice as many attempts).
    pub(super) fn fall_back_from_default_offer(&self) -> bool {
        let (opened, offered, without, fallback_failed, taken) = self.upkeep.with_value(|u| {
            (u.opened, u.offered.clone(), u.without_default_offer, u.fallback_failed, u.default_offer_taken)
        });
        if opened || !offered.by_default || taken {
            return false;
        }
        if offered.subprotocols.is_empty() {
            if without {
                self.update_upkeep(|u| (u.without_default_offer, u.fallback_failed) = (false, true));
            }
            return false;
        }
        self.update_upkeep(|u| u.without_default_offer = true);
        if fallback_failed {
            return false;
        }
        self.system(&format!(
            "The connection failed before opening, as it does when the server takes none of the offered subprotocols ({}); connecting again without them.",
            offered.subprotocols.join(", ")
        ));
        self.drop_link();
        self.open_socket();
        true
    }

    /// Browsers fail a connection when the server accepts none of the offered subprotocols,
    /// and say nothing more; when that may be why, and the person chose them, say so and offer
    /// to go without them.
    pub(super) fn explain_refused_subprotocols(&self) {
        let offered = self.upkeep.with_value(|u| u.offered.clone());
        if self.upkeep.with_value(|u| u.opened)
            || offered.by_default
            || offered.subprotocols.is_empty()
            || self.subprotocol_hint.get_untracked()
        {
            return;
        }
        let offered = offered.subprotocols;
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
