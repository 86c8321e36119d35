//! Whether a line a server replays from before (on join, and again after a reconnect) is one the
//! log shows already: by `msgid` where the server gives one, else by nick, text and the second it
//! was written.
//!
//! A server that replays without `msgid` (InspIRCd 3's `chanhistory`) cuts its times to whole
//! seconds, while the same line seen live carried a precise time, the client's arrival time
//! (later) or, for an own message, the time it was typed (earlier; its echo's time is kept for
//! that). So a replayed line matches a kept one of the same nick and text written in its second
//! or either neighbour. Replays are rare and short: they are matched by walking the kept
//! entries, and live messages, the hot path, cost nothing here.

use std::collections::hash_map::DefaultHasher;
use std::collections::VecDeque;
use std::hash::{Hash, Hasher};

use super::{Entry, EntryKind};

/// Echoes of own messages, and msgids of replayed lines, remembered at most.
const REMEMBERED: usize = 512;

#[derive(Clone, Debug, Default)]
pub(super) struct Seen {
    /// Keys of the echoes that confirmed own messages: (nick, text) at the server's second.
    echoes: VecDeque<u64>,
    /// Hashes of the `msgid`s of replayed lines shown.
    msgids: VecDeque<u64>,
}

fn key(parts: impl Hash) -> u64 {
    let mut hasher = DefaultHasher::new();
    parts.hash(&mut hasher);
    hasher.finish()
}

fn second_of(time_ms: f64) -> i64 {
    (time_ms / 1000.0).floor() as i64
}

fn remember(keys: &mut VecDeque<u64>, key: u64) {
    if keys.len() == REMEMBERED {
        keys.pop_front();
    }
    keys.push_back(key);
}

impl Seen {
    /// The echo that confirmed an own message: a replay carries its time and nick, not the
    /// typing's.
    pub(super) fn echo(&mut self, nick: &str, text: &str, time_ms: f64) {
        remember(&mut self.echoes, key((nick, text, second_of(time_ms))));
    }

    pub(super) fn msgid(&mut self, msgid: &str) {
        remember(&mut self.msgids, key(msgid));
    }

    /// Whether a line with this `msgid` is shown already.
    pub(super) fn knows(&self, msgid: &str) -> bool {
        self.msgids.contains(&key(msgid))
    }

    /// Whether a replayed line is one of `entries` already: the same `msgid`, or the same nick and
    /// text within a second of `time_ms`.
    pub(super) fn has<'e>(
        &self,
        entries: impl DoubleEndedIterator<Item = &'e Entry>,
        (nick, text, time_ms): (&str, &str, f64),
        msgid: Option<&str>,
    ) -> bool {
        if msgid.is_some_and(|id| self.msgids.contains(&key(id))) {
            return true;
        }
        let second = second_of(time_ms);
        let near = |s: i64| (s - second).abs() <= 1;
        if (second - 1..=second + 1).any(|s| self.echoes.contains(&key((nick, text, s)))) {
            return true;
        }
        entries.rev().any(|e| {
            matches!(e.kind, EntryKind::Chat | EntryKind::Own)
                && e.nick.as_deref() == Some(nick)
                && &*e.text == text
                && near(second_of(e.time_ms))
        })
    }
}
