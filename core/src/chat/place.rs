//! A place in a log that outlasts its entry: the entry's time and how many entries of that
//! millisecond follow it, so that a line a person read is found again once it has left memory
//! and been read back from the store under another id. Counted from the end of its burst:
//! entries leave memory oldest first, so the burst's start may be gone when the place is taken.

use super::ChatLog;

/// Where an entry is in its log ([`ChatLog::place_of`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LinePlace {
    pub time_ms: f64,
    /// How many entries of the same millisecond come right after it (a burst shares one).
    pub after: usize,
}

impl ChatLog {
    /// The place of entry `id`, while it is kept.
    pub fn place_of(&self, id: u64) -> Option<LinePlace> {
        let at = self.index_of(id)?;
        let time_ms = self.entries[at].time_ms;
        let after = self.entries.range(at + 1..).take_while(|e| e.time_ms == time_ms).count();
        Some(LinePlace { time_ms, after })
    }

    /// The entry at `place`: the one of its millisecond with as many after it, else the first
    /// of its millisecond, else the first made later (the oldest kept, when the line is further
    /// back than the log holds); `None` for an empty log.
    pub fn entry_at(&self, place: LinePlace) -> Option<u64> {
        let same_time = |e: &&super::Entry| e.time_ms == place.time_ms;
        if let Some(end) = self.entries.iter().rposition(|e| same_time(&e)) {
            let run = self.entries.range(..=end).rev().take_while(same_time).count();
            return Some(self.entries[end - place.after.min(run - 1)].id);
        }
        self.entries.iter().find(|e| e.time_ms >= place.time_ms).or_else(|| self.entries.front()).map(|e| e.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::EntryKind;
    use crate::history::Record;

    fn line(text: &str, time_ms: f64) -> Record {
        Record {
            conversation: String::new(),
            time_ms,
            kind: EntryKind::Chat,
            nick: Some("bob".into()),
            text: text.into(),
            status: None,
            msgid: None,
        }
    }

    fn text_of(log: &ChatLog, id: Option<u64>) -> Option<String> {
        log.get(id?).map(|e| e.text.to_string())
    }

    #[test]
    fn a_line_read_is_found_again_once_read_back_under_another_id() {
        // Three bursts of four lines, each burst in one millisecond; the first line has left.
        let lines: Vec<Record> = (0..12).map(|n| line(&format!("line {n}"), f64::from(n / 4 * 10))).collect();
        let mut log = ChatLog::with_first_id(20, 1_000);
        for record in &lines[5..] {
            log.restore(record);
        }
        let read = log.entries().find(|e| &*e.text == "line 6").map(|e| e.id).expect("kept");
        let place = log.place_of(read).expect("kept");
        assert_eq!(place, LinePlace { time_ms: 10.0, after: 1 });
        assert_eq!(log.entry_at(place), Some(read));

        // The line leaves memory; the log holds only the last burst.
        let mut later = ChatLog::with_first_id(20, 1_000);
        for record in &lines[8..] {
            later.restore(record);
        }
        assert_eq!(text_of(&later, later.entry_at(place)), Some("line 8".into()), "the first made later");
        // Read back from the store, under new ids: the same line.
        assert_eq!(later.restore_older(&lines[..8]), 8);
        assert_eq!(text_of(&later, later.entry_at(place)), Some("line 6".into()));
        // Only the end of its burst back: the first of it.
        let mut partly = ChatLog::with_first_id(20, 1_000);
        for record in &lines[7..] {
            partly.restore(record);
        }
        assert_eq!(text_of(&partly, partly.entry_at(place)), Some("line 7".into()));
        assert_eq!(ChatLog::new(5).entry_at(place), None);
    }
}
