//! Who may confirm what in XMPP: own message ids nobody can foretell, where each own message
//! went, and so who may say it arrived (a room by its reflection, a person by a receipt), and
//! whom receipts are given to.

use super::XmppState;
use crate::protocol::{Target, TargetKind};

/// Own messages remembered with where they went; older ones are confirmed by stream
/// management's acks, or sent again.
const SENT_KEPT: usize = 1024;

/// Links whose message ids are still recognised.
pub(super) const TOKENS_KEPT: usize = 4;

impl XmppState {
    /// Own message `id` went to `to`: only there may confirm it.
    pub(super) fn remember_sent(&mut self, id: u64, to: &Target) {
        if self.sent_to.len() == SENT_KEPT {
            self.sent_to.pop_front();
        }
        self.sent_to.push_back((id, to.name.clone(), to.kind == TargetKind::Channel));
    }

    /// The id an own message goes out with: `wschat-`, this link's token, its number.
    pub(super) fn message_id(&self, id: u64) -> String {
        format!("wschat-{}-{id}", self.id_tokens.last().map_or("", String::as_str))
    }

    /// The own message an id names, if it is one of ours (a token of a recent link).
    pub(super) fn own_message_id(&self, id: &str) -> Option<u64> {
        let (token, number) = id.strip_prefix("wschat-")?.rsplit_once('-')?;
        self.id_tokens.iter().any(|t| t == token).then(|| number.parse().ok()).flatten()
    }

    /// Own message `id` confirmed by `from`: only where it went may say it arrived (a room
    /// by its reflection, from its own JID; a person by a receipt, a bare JID from any of its
    /// resources).
    pub(super) fn confirmed_by(&self, id: u64, from: &str, reflection: bool) -> bool {
        self.sent_to.iter().rev().find(|(sent, ..)| *sent == id).is_some_and(|(_, to, room)| {
            *room == reflection
                && (same_jid(to, from)
                    || (!to.contains('/') && from.split('/').next().is_some_and(|bare| same_jid(bare, to))))
        })
    }

    /// Whether we wrote to this JID's account (bare) on this format's watch: receipts are
    /// given to them, and to a joined room's occupants, not to strangers.
    pub(super) fn talked_to(&self, from: &str) -> bool {
        let bare = from.split('/').next().unwrap_or(from);
        self.sent_to.iter().any(|(_, to, room)| !room && (same_jid(to, from) || same_jid(to, bare)))
    }
}

/// Two JIDs alike: the bare part (local part and domain) without regard to ASCII case, as
/// servers fold it; the resource exactly, as RFC 7622 compares it.
pub(super) fn same_jid(a: &str, b: &str) -> bool {
    let (a_bare, a_resource) = a.split_once('/').unwrap_or((a, ""));
    let (b_bare, b_resource) = b.split_once('/').unwrap_or((b, ""));
    a_bare.eq_ignore_ascii_case(b_bare) && a_resource == b_resource && a.contains('/') == b.contains('/')
}
