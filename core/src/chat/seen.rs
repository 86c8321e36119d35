//! What the log has shown, so that history a server replays (on join, and again after a
//! reconnect) is shown once: a bounded set of keys, by `msgid` where the server gives one, else
//! by nick, text and the second it was written.
//!
//! A server that replays without `msgid` (InspIRCd 3's `chanhistory`) cuts its times to whole
//! seconds, while the same line seen live carried a precise time, the client's arrival time
//! (later) or, for an own message, the time it was typed (earlier). So a replayed line matches
//! a kept one of the same nick and text written in its second or either neighbour.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, VecDeque};
use std::hash::{Hash, Hasher};

#[derive(Clone, Debug, Default)]
pub(super) struct Seen {
    /// Key to how many times it is in `order` (a key may come twice: the same line twice).
    counts: HashMap<u64, u32>,
    /// Keys, oldest first, at most `cap`.
    order: VecDeque<u64>,
    cap: usize,
}

/// A hash of what was said and by whom; the second is mixed in after, so a look-up around a
/// second hashes the text once.
fn line_hash(nick: &str, text: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    (0u8, nick, text).hash(&mut hasher);
    hasher.finish()
}

fn at_second(hash: u64, second: i64) -> u64 {
    (hash ^ (second as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)).rotate_left(29)
}

fn msgid_key(msgid: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    (1u8, msgid).hash(&mut hasher);
    hasher.finish()
}

fn second_of(time_ms: f64) -> i64 {
    (time_ms / 1000.0).floor() as i64
}

impl Seen {
    pub(super) fn new(cap: usize) -> Self {
        Seen { cap: cap.max(1), ..Seen::default() }
    }

    pub(super) fn set_cap(&mut self, cap: usize) {
        self.cap = cap.max(1);
        while self.order.len() > self.cap {
            self.forget_oldest();
        }
    }

    /// A line now kept in the log.
    pub(super) fn line(&mut self, nick: &str, text: &str, time_ms: f64) {
        self.insert(at_second(line_hash(nick, text), second_of(time_ms)));
    }

    pub(super) fn msgid(&mut self, msgid: &str) {
        self.insert(msgid_key(msgid));
    }

    /// Whether a replayed line is one kept already: the same `msgid`, or the same nick and text
    /// within a second of `time_ms`.
    pub(super) fn has(&self, nick: &str, text: &str, time_ms: f64, msgid: Option<&str>) -> bool {
        if msgid.is_some_and(|id| self.counts.contains_key(&msgid_key(id))) {
            return true;
        }
        let (hash, second) = (line_hash(nick, text), second_of(time_ms));
        (second - 1..=second + 1).any(|s| self.counts.contains_key(&at_second(hash, s)))
    }

    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.order.len()
    }

    fn insert(&mut self, key: u64) {
        if self.order.len() >= self.cap {
            self.forget_oldest();
        }
        self.order.push_back(key);
        *self.counts.entry(key).or_insert(0) += 1;
    }

    fn forget_oldest(&mut self) {
        if let Some(old) = self.order.pop_front() {
            if let Some(count) = self.counts.get_mut(&old) {
                *count -= 1;
                if *count == 0 {
                    self.counts.remove(&old);
                }
            }
        }
    }
}
