//! When and how soon to reconnect: exponential backoff with jitter, and which closes end it.

use crate::close::describe_close_code;

/// The knobs of reconnecting; [`ReconnectConfig::default`] gives the documented defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct ReconnectConfig {
    /// Upper bound of the first delay, in milliseconds (default 500).
    pub initial_delay_ms: f64,
    /// How much the upper bound grows with each failed attempt (default 2).
    pub factor: f64,
    /// The largest upper bound, in milliseconds (default 30 000).
    pub max_delay_ms: f64,
    /// Give up after this many attempts in a row; `None` never gives up (default).
    pub max_attempts: Option<u32>,
    /// A connection open at least this long resets the backoff (default 5 000 ms).
    pub stable_after_ms: f64,
    /// A socket still CONNECTING after this long is abandoned and retried (default 10 000 ms).
    pub connect_timeout_ms: f64,
    /// Close codes after which the client does not come back, besides 1003 and 1008.
    pub final_codes: Vec<u16>,
}

impl Default for ReconnectConfig {
    fn default() -> Self {
        Self {
            initial_delay_ms: 500.0,
            factor: 2.0,
            max_delay_ms: 30_000.0,
            max_attempts: None,
            stable_after_ms: 5_000.0,
            connect_timeout_ms: 10_000.0,
            final_codes: Vec::new(),
        }
    }
}

/// Close codes that mean "do not come back": unsupported data, policy violation.
pub const FINAL_CLOSE_CODES: [u16; 2] = [1003, 1008];

/// What to do after a close.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AfterClose {
    Reconnect,
    /// Stay disconnected; the sentence says why, for the timeline.
    Stay(String),
}

impl ReconnectConfig {
    /// Decides whether a close is one to come back from. `by_person` is true when the person
    /// asked for it (Disconnect, `/close`).
    pub fn after_close(&self, code: u16, by_person: bool) -> AfterClose {
        if by_person {
            return AfterClose::Stay("Disconnected as asked; not reconnecting.".to_string());
        }
        if FINAL_CLOSE_CODES.contains(&code) || self.final_codes.contains(&code) {
            return AfterClose::Stay(format!(
                "Not reconnecting: the server closed with {code} ({}), which means it does not want this client back as it is.",
                describe_close_code(code)
            ));
        }
        AfterClose::Reconnect
    }
}

/// The state of backing off: how many attempts have failed in a row.
#[derive(Clone, Debug, Default)]
pub struct Backoff {
    attempt: u32,
}

impl Backoff {
    /// The 1-based number of the attempt the last [`Backoff::next_delay`] scheduled (0 before).
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The delay before the next attempt, or `None` when the attempts are used up.
    /// "Equal" jitter: uniform in `[c/2, c]` with `c = min(max, initial × factor^(n-1))` and
    /// `random` in `[0, 1)`. Clients still spread out, but never come back at once: a server
    /// that just closed gets a moment, and the wait is long enough for a person to see and stop.
    pub fn next_delay(&mut self, config: &ReconnectConfig, random: f64) -> Option<f64> {
        if config.max_attempts.is_some_and(|max| self.attempt >= max) {
            return None;
        }
        let exponent = self.attempt.min(64) as i32;
        self.attempt += 1;
        let ceiling = (config.initial_delay_ms * config.factor.powi(exponent)).min(config.max_delay_ms);
        let random = if random.is_finite() { random.clamp(0.0, 1.0) } else { 0.5 };
        Some((ceiling.max(0.0) * (1.0 + random) / 2.0).floor())
    }

    /// A stable connection: the next failure starts from the first delay again.
    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_to_the_cap_with_jitter_in_the_upper_half() {
        let config = ReconnectConfig::default();
        let mut backoff = Backoff::default();
        let ceilings: Vec<f64> = (0..10).map(|_| backoff.next_delay(&config, 0.999_999).unwrap_or(-1.0)).collect();
        assert_eq!(ceilings, vec![499.0, 999.0, 1999.0, 3999.0, 7999.0, 15999.0, 29999.0, 29999.0, 29999.0, 29999.0]);
        assert_eq!(backoff.attempt(), 10);
        assert_eq!(backoff.next_delay(&config, 0.0), Some(15000.0), "never below half the ceiling");
        backoff.reset();
        assert_eq!(backoff.next_delay(&config, 0.5), Some(375.0));
        assert_eq!(backoff.attempt(), 1);
    }

    #[test]
    fn attempts_can_be_limited() {
        let config = ReconnectConfig { max_attempts: Some(2), ..ReconnectConfig::default() };
        let mut backoff = Backoff::default();
        assert!(backoff.next_delay(&config, 0.5).is_some());
        assert!(backoff.next_delay(&config, 0.5).is_some());
        assert_eq!(backoff.next_delay(&config, 0.5), None);
    }

    #[test]
    fn bad_randomness_cannot_break_the_delay() {
        let config = ReconnectConfig::default();
        for r in [f64::NAN, f64::INFINITY, -1.0, 7.0] {
            let d = Backoff::default().next_delay(&config, r).unwrap_or(-1.0);
            assert!((250.0..=500.0).contains(&d), "{r} gave {d}");
        }
    }

    #[test]
    fn which_closes_are_final() {
        let config = ReconnectConfig { final_codes: vec![4004], ..ReconnectConfig::default() };
        assert_eq!(config.after_close(1011, false), AfterClose::Reconnect);
        assert_eq!(config.after_close(1006, false), AfterClose::Reconnect);
        assert_eq!(
            config.after_close(1000, false),
            AfterClose::Reconnect,
            "a server's normal close is not the person's"
        );
        assert!(matches!(config.after_close(1008, false), AfterClose::Stay(why) if why.contains("policy violation")));
        assert!(matches!(config.after_close(1003, false), AfterClose::Stay(_)));
        assert!(matches!(config.after_close(4004, false), AfterClose::Stay(_)));
        assert!(matches!(config.after_close(1011, true), AfterClose::Stay(why) if why.contains("as asked")));
    }
}
