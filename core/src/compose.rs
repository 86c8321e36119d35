//! Helpers of the composer: the person's own input history (Up/Down) and Tab nick completion.

use std::collections::VecDeque;

use crate::json::{self, Value};

/// Lines kept in the input history of one server.
pub const HISTORY_CAP: usize = 200;

/// What the person typed before, newest last, walked with Up and Down like a shell.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct InputHistory {
    lines: VecDeque<String>,
    /// Position while walking: `None` when editing a fresh line.
    cursor: Option<usize>,
    /// The unfinished line that was in the composer when the walk began, given back at the end.
    draft: String,
}

impl InputHistory {
    /// A history from stored lines (oldest first), trimmed to the cap.
    pub fn from_lines(lines: Vec<String>) -> Self {
        let mut lines: VecDeque<String> = lines.into_iter().filter(|l| !l.trim().is_empty()).collect();
        while lines.len() > HISTORY_CAP {
            lines.pop_front();
        }
        Self { lines, ..Self::default() }
    }

    pub fn lines(&self) -> impl Iterator<Item = &String> {
        self.lines.iter()
    }

    /// Adds a line that was sent; a repeat of the newest line is not stored twice.
    pub fn push(&mut self, line: &str) {
        self.cursor = None;
        self.draft.clear();
        if line.trim().is_empty() || self.lines.back().is_some_and(|last| last == line) {
            return;
        }
        if self.lines.len() == HISTORY_CAP {
            self.lines.pop_front();
        }
        self.lines.push_back(line.to_string());
    }

    /// Up: the line before, keeping `current` as the draft when the walk starts. `None` when
    /// there is nothing older.
    pub fn older(&mut self, current: &str) -> Option<&str> {
        let next = match self.cursor {
            None if self.lines.is_empty() => return None,
            None => {
                self.draft = current.to_string();
                self.lines.len() - 1
            }
            Some(0) => return None,
            Some(at) => at - 1,
        };
        self.cursor = Some(next);
        self.lines.get(next).map(String::as_str)
    }

    /// Down: the line after, or the draft after the newest. `None` when not walking.
    pub fn newer(&mut self) -> Option<&str> {
        let at = self.cursor?;
        if at + 1 < self.lines.len() {
            self.cursor = Some(at + 1);
            self.lines.get(at + 1).map(String::as_str)
        } else {
            self.cursor = None;
            Some(&self.draft)
        }
    }

    /// The person edited the line: the walk is over.
    pub fn stop_walking(&mut self) {
        self.cursor = None;
    }

    /// For storage: a JSON array of strings.
    pub fn encode(&self) -> String {
        Value::Array(self.lines.iter().cloned().map(Value::String).collect()).to_json()
    }

    /// From storage; anything unreadable gives an empty history.
    pub fn decode(stored: &str) -> Self {
        let lines = match json::parse(stored) {
            Ok(Value::Array(items)) => items
                .into_iter()
                .map(|item| match item {
                    Value::String(line) => Some(line),
                    _ => None,
                })
                .collect::<Option<Vec<String>>>()
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        Self::from_lines(lines)
    }
}

/// A Tab completion in progress: pressing Tab again moves to the next candidate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    /// The text before the word being completed.
    prefix: String,
    /// The text after the cursor.
    suffix: String,
    candidates: Vec<String>,
    index: usize,
}

/// Completes the word that ends at byte `cursor` of `text` from `nicks` (the user list and
/// recent authors, in order of preference). Returns the new text and cursor, and the state for
/// the next Tab; `None` when nothing matches.
pub fn complete_nick(text: &str, cursor: usize, nicks: &[String]) -> Option<(String, usize, Completion)> {
    let cursor = floor_char_boundary(text, cursor.min(text.len()));
    let (before, after) = text.split_at(cursor);
    let word_start =
        before.rfind(char::is_whitespace).map_or(0, |i| i + before[i..].chars().next().map_or(1, char::len_utf8));
    let word = &before[word_start..];
    if word.is_empty() {
        return None;
    }
    let word_lower = crate::unicode::lowercase(word);
    let mut candidates: Vec<String> = Vec::new();
    for nick in nicks {
        if crate::unicode::lowercase(nick).starts_with(&word_lower) && !candidates.iter().any(|c| c == nick) {
            candidates.push(nick.clone());
        }
    }
    if candidates.is_empty() {
        return None;
    }
    // A caret inside a word completes the whole word: the rest of it is replaced too.
    let rest_of_word = after.find(char::is_whitespace).unwrap_or(after.len());
    let completion = Completion {
        prefix: before[..word_start].to_string(),
        suffix: after[rest_of_word..].to_string(),
        candidates,
        index: 0,
    };
    let (text, cursor) = completion.render();
    Some((text, cursor, completion))
}

impl Completion {
    /// The next candidate (Tab pressed again), wrapping around.
    pub fn advance(&mut self) -> (String, usize) {
        self.index = (self.index + 1) % self.candidates.len();
        self.render()
    }

    /// At the start of a line a nick is followed by ": " (addressing someone), elsewhere by " ".
    fn render(&self) -> (String, usize) {
        let nick = &self.candidates[self.index];
        let joiner = if self.prefix.is_empty() { ": " } else { " " };
        let head = format!("{}{nick}{joiner}", self.prefix);
        let cursor = head.len();
        (format!("{head}{}", self.suffix.trim_start()), cursor)
    }
}

fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_like_a_shell() {
        let mut h = InputHistory::default();
        assert_eq!(h.older("draft"), None);
        h.push("one");
        h.push("two");
        h.push("two");
        assert_eq!(h.lines().count(), 2, "a repeat is stored once");
        assert_eq!(h.older("half-typed"), Some("two"));
        assert_eq!(h.older("ignored"), Some("one"));
        assert_eq!(h.older("ignored"), None);
        assert_eq!(h.newer(), Some("two"));
        assert_eq!(h.newer(), Some("half-typed"), "the draft comes back");
        assert_eq!(h.newer(), None);
    }

    #[test]
    fn capped_and_stored() {
        let mut h = InputHistory::default();
        for i in 0..HISTORY_CAP + 10 {
            h.push(&format!("line {i}"));
        }
        assert_eq!(h.lines().count(), HISTORY_CAP);
        assert_eq!(h.lines().next().map(String::as_str), Some("line 10"));
        let back = InputHistory::decode(&h.encode());
        assert_eq!(back.lines().collect::<Vec<_>>(), h.lines().collect::<Vec<_>>());
        assert_eq!(InputHistory::decode("not json").lines().count(), 0);
        assert_eq!(InputHistory::decode("{\"a\":1}").lines().count(), 0);
    }

    #[test]
    fn completes_nicks() {
        let nicks = vec!["alice".to_string(), "Alfred".to_string(), "bob".to_string()];
        let (text, cursor, mut state) = complete_nick("al", 2, &nicks).expect("matches");
        assert_eq!((text.as_str(), cursor), ("alice: ", 7));
        assert_eq!(state.advance(), ("Alfred: ".to_string(), 8));
        assert_eq!(state.advance(), ("alice: ".to_string(), 7));
        let (text, cursor, _) = complete_nick("hi B there", 4, &nicks).expect("matches");
        assert_eq!((text.as_str(), cursor), ("hi bob there", 7));
        let (text, _, _) = complete_nick("hi Bo and", 4, &nicks).expect("matches");
        assert_eq!(text, "hi bob and", "the rest of the word under the caret is replaced");
        assert!(complete_nick("zz", 2, &nicks).is_none());
        assert!(complete_nick("hi ", 3, &nicks).is_none());
        assert!(complete_nick("é", 1, &nicks).is_none(), "a cursor inside a character is safe");
    }
}
