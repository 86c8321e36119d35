//! Stored chat history: one line of a conversation as a versioned JSON record (what the app
//! keeps in IndexedDB), read back without trusting it, and the words that index it for search.
//!
//! Storage is shared with whatever else runs on the origin and outlives app versions, so a
//! record is read field by field and anything unreadable is an error, never a panic.

use std::fmt;

use crate::chat::{Entry, EntryKind, OwnStatus};
use crate::json::{self, Number, Value};

/// The version [`encode`] writes. A reader takes any version from 1 up: a newer one may only
/// add fields (a change to the meaning of a field needs a new key).
pub const RECORD_VERSION: u32 = 1;

/// The longest text a record holds, in UTF-8 bytes (the default largest message,
/// [`crate::chat::DEFAULT_MAX_MESSAGE_BYTES`], fixed here so that records stay readable if
/// that default changes). A longer stored text is damage or hostility.
pub const MAX_TEXT_BYTES: usize = 16 * 1024 * 1024;

/// The latest time a record holds, in milliseconds: past 2^53 an f64 (and JavaScript's
/// number, which IndexedDB keys are) no longer holds every whole millisecond.
const MAX_TIME_MS: u64 = (1 << 53) - 1;

/// How many words index one record: a long text is found by its start.
const MAX_WORDS: usize = 64;

/// How long an indexed word may be, in characters; search matches words by prefix, so a cut
/// word is still found by what a person types.
const MAX_WORD_CHARS: usize = 32;

/// One stored line of a conversation.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    /// The conversation's storage key ([`crate::chat::Conversations::key`]): empty for a
    /// connection's first conversation, else like `c:#rust` or `p:bob`.
    pub conversation: String,
    /// Milliseconds since the Unix epoch (whole milliseconds).
    pub time_ms: f64,
    /// Chat, Own or System; Raw is never stored (see [`Record::of_entry`]).
    pub kind: EntryKind,
    pub nick: Option<String>,
    pub text: String,
    /// Only for Own, and always there for it: Sent, Delivered or Failed.
    pub status: Option<OwnStatus>,
    /// The server's id for the message (IRC msgid, XMPP stanza-id), when it gave one.
    pub msgid: Option<String>,
}

impl Record {
    /// The record of a log entry worth keeping, or None: Raw entries are not kept, and an own
    /// message is kept only in a final state (Sent, Delivered or Failed) — a Pending one is
    /// still the outbox's.
    ///
    /// The time is cut to a whole millisecond in the range a record holds, and a text over
    /// [`MAX_TEXT_BYTES`] to its start, so that what is written reads back as it was. An entry
    /// carries no msgid: the caller sets `msgid` where it knows one.
    pub fn of_entry(conversation: &str, entry: &Entry) -> Option<Record> {
        match (entry.kind, entry.status) {
            (EntryKind::Raw, _) => return None,
            (EntryKind::Own, status) if !is_final(status) => return None,
            _ => {}
        }
        Some(Record {
            conversation: conversation.to_string(),
            time_ms: whole_ms(entry.time_ms) as f64,
            kind: entry.kind,
            nick: entry.nick.as_deref().map(str::to_string),
            text: start_of(&entry.text, MAX_TEXT_BYTES).to_string(),
            // A status on another kind would make a record that does not read back.
            status: entry.status.filter(|_| entry.kind == EntryKind::Own),
            msgid: None,
        })
    }
}

/// Why a stored record could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordError(pub &'static str);

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for RecordError {}

/// The record as one JSON object: short keys, a "v" version, the time as an integer.
///
/// `{"v":1,"c":conversation,"t":time,"k":kind,"n":nick,"x":text,"s":status,"m":msgid}`, the
/// optional ones left out when absent. A time that is not a whole millisecond in range is
/// written cut into it (as [`Record::of_entry`] makes it); a record that breaks the rules
/// [`decode`] checks (a Raw kind, a status where none belongs) is written as it is and does not
/// read back.
pub fn encode(record: &Record) -> String {
    let mut out = String::with_capacity(record.text.len() + record.conversation.len() + 64);
    out.push_str("{\"v\":");
    out.push_str(Number::from_i64(i64::from(RECORD_VERSION)).as_str());
    member(&mut out, "c", &record.conversation);
    out.push_str(",\"t\":");
    // u64's own formatting: no float formatter in the module.
    out.push_str(&whole_ms(record.time_ms).to_string());
    member(&mut out, "k", record.kind.as_str());
    if let Some(nick) = &record.nick {
        member(&mut out, "n", nick);
    }
    member(&mut out, "x", &record.text);
    if let Some(status) = record.status {
        member(&mut out, "s", status.as_str());
    }
    if let Some(msgid) = &record.msgid {
        member(&mut out, "m", msgid);
    }
    out.push('}');
    out
}

/// A record read back. Never panics, whatever the text. A record of a newer version than this
/// app knows is read by the fields it knows where they are there (a newer app may add fields);
/// a record missing a required field, with a wrong type, an unknown kind, a time that is not a
/// finite non-negative integer below 2^53, or a text over 16 MiB is an error.
///
/// Optional fields may also be `null`. An own message must have a final status and no other
/// kind may have one; "raw" is an unknown kind, as it is never stored.
pub fn decode(text: &str) -> Result<Record, RecordError> {
    let Ok(Value::Object(mut members)) = json::parse(text) else {
        return Err(RecordError("not a JSON object"));
    };
    let version = take(&mut members, "v").ok_or(RecordError("no version"))?;
    match version.as_u64() {
        Some(v) if v >= 1 => {}
        _ => return Err(RecordError("not a known version")),
    }
    let conversation = required_string(&mut members, "c", "no conversation, or not text")?;
    let time_ms = match take(&mut members, "t").and_then(|t| t.as_u64()) {
        // A literal of digits only: no fraction, exponent or sign gets here.
        Some(ms) if ms <= MAX_TIME_MS => ms as f64,
        _ => return Err(RecordError("no time, or not whole milliseconds in range")),
    };
    let kind = match required_string(&mut members, "k", "no kind, or not text")?.as_str() {
        "chat" => EntryKind::Chat,
        "own" => EntryKind::Own,
        "system" => EntryKind::System,
        _ => return Err(RecordError("not a kind that is stored")),
    };
    let nick = optional_string(&mut members, "n", "a nick that is not text")?;
    let text = required_string(&mut members, "x", "no text, or not text")?;
    if text.len() > MAX_TEXT_BYTES {
        return Err(RecordError("a text too long to be a message"));
    }
    let status = match optional_string(&mut members, "s", "a status that is not text")?.as_deref() {
        None => None,
        Some("sent") => Some(OwnStatus::Sent),
        Some("delivered") => Some(OwnStatus::Delivered),
        Some("failed") => Some(OwnStatus::Failed),
        Some(_) => return Err(RecordError("not a status that is stored")),
    };
    if (kind == EntryKind::Own) != status.is_some() {
        return Err(RecordError("a status on another's line, or an own message without one"));
    }
    let msgid = optional_string(&mut members, "m", "a msgid that is not text")?;
    Ok(Record { conversation, time_ms, kind, nick, text, status, msgid })
}

/// Records for the store in one text, so they cross to JavaScript in one call: a JSON array of
/// `[conversation, time, record, words]`, the record as [`encode`] writes it and its words
/// ([`index_words`]) space-separated.
pub fn encode_batch(records: &[Record]) -> String {
    let mut out = String::from("[");
    for (i, record) in records.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('[');
        out.push_str(&json::quote(&record.conversation));
        out.push(',');
        out.push_str(&whole_ms(record.time_ms).to_string());
        out.push(',');
        out.push_str(&json::quote(&encode(record)));
        out.push(',');
        out.push_str(&json::quote(&index_words(record).join(" ")));
        out.push(']');
    }
    out.push(']');
    out
}

/// Words for the search index: the record's nick and text lowercased, split on anything that
/// is not a letter or digit, each word at most 32 characters, duplicates removed, at most 64
/// words, words of one character dropped. The nick's come first, so a long text never
/// crowds them out.
pub fn index_words(record: &Record) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(nick) = &record.nick {
        add_words(&mut out, nick);
    }
    add_words(&mut out, &record.text);
    out
}

/// The words of a search query, by the rules of [`index_words`], so that a query is cut and
/// folded as the index was.
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    add_words(&mut out, text);
    out
}

fn add_words(out: &mut Vec<String>, text: &str) {
    // Folded before splitting, as the rules say: folding can make a letter two characters
    // (`İ` is `i` and a combining dot), and what splits them must be what a query meets.
    let folded = crate::unicode::lowercase(text);
    for word in folded.split(|c: char| !crate::unicode::is_alphanumeric(c)) {
        if out.len() == MAX_WORDS {
            return;
        }
        let word = match word.char_indices().nth(MAX_WORD_CHARS) {
            Some((end, _)) => &word[..end],
            None => word,
        };
        // A linear search: at most 64 words, and no hash set's code in the module.
        if word.chars().nth(1).is_some() && !out.iter().any(|known| known == word) {
            out.push(word.to_string());
        }
    }
}

fn is_final(status: Option<OwnStatus>) -> bool {
    matches!(status, Some(OwnStatus::Sent | OwnStatus::Delivered | OwnStatus::Failed))
}

/// `ms` as whole milliseconds a record holds: the fraction dropped, NaN and negative times as
/// 0 (`as` saturates), past [`MAX_TIME_MS`] as it. Integers only: no `f64::clamp`, which
/// panics on NaN bounds and costs code.
fn whole_ms(ms: f64) -> u64 {
    (ms as u64).min(MAX_TIME_MS)
}

/// The first `max` bytes of `text` at most, cut at a character boundary.
fn start_of(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// `,"key":"value"`.
fn member(out: &mut String, key: &str, value: &str) {
    out.push_str(",\"");
    out.push_str(key);
    out.push_str("\":");
    out.push_str(&json::quote(value));
}

/// The member `key` taken out of the object (the last one, if written twice, as
/// [`Value::get`] reads): a text is moved, not copied.
fn take(members: &mut [(String, Value)], key: &str) -> Option<Value> {
    let at = members.iter().rposition(|(k, _)| k == key)?;
    Some(std::mem::replace(&mut members[at].1, Value::Null))
}

fn optional_string(
    members: &mut [(String, Value)],
    key: &str,
    wrong: &'static str,
) -> Result<Option<String>, RecordError> {
    match take(members, key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(RecordError(wrong)),
    }
}

fn required_string(members: &mut [(String, Value)], key: &str, wrong: &'static str) -> Result<String, RecordError> {
    optional_string(members, key, wrong)?.ok_or(RecordError(wrong))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn a_batch_is_one_json_array_of_what_the_store_files() {
        let mut hostile = record(EntryKind::Chat, Some("bob"), "Tea \"time\"\n\u{0}\u{1}", None);
        hostile.conversation = "c:#a\"]\u{1}".into();
        let plain = record(EntryKind::System, None, "joined", None);
        let batch = json::parse(&encode_batch(&[hostile.clone(), plain.clone()])).expect("JSON");
        let rows = batch.as_array().expect("an array");
        assert_eq!(rows.len(), 2);
        for (row, record) in rows.iter().zip([&hostile, &plain]) {
            let fields = row.as_array().expect("a row");
            assert_eq!(fields[0].as_str(), Some(record.conversation.as_str()));
            assert_eq!(fields[1].as_u64(), Some(1_700_000_000_123));
            assert_eq!(decode(fields[2].as_str().expect("the record")).as_ref(), Ok(record));
            assert_eq!(fields[3].as_str(), Some(index_words(record).join(" ").as_str()));
        }
        assert_eq!(encode_batch(&[]), "[]");
    }

    fn record(kind: EntryKind, nick: Option<&str>, text: &str, status: Option<OwnStatus>) -> Record {
        Record {
            conversation: "c:#rust".into(),
            time_ms: 1_700_000_000_123.0,
            kind,
            nick: nick.map(str::to_string),
            text: text.into(),
            status,
            msgid: None,
        }
    }

    fn entry(kind: EntryKind, status: Option<OwnStatus>, time_ms: f64) -> Entry {
        Entry {
            id: 1,
            kind,
            nick: Some(Arc::from("Ada")),
            text: Box::from("hello"),
            status,
            time_ms,
            mention: false,
            note: None,
            whole_size: None,
        }
    }

    #[test]
    fn records_round_trip() {
        let records = [
            record(EntryKind::Chat, Some("bob"), "hi", None),
            record(EntryKind::System, None, "", None),
            Record {
                conversation: String::new(),
                time_ms: 0.0,
                msgid: Some("a\"b\\c".into()),
                ..record(
                    EntryKind::Own,
                    Some("zoë"),
                    "quote \" back \\ nl\n tab\t nul\u{0} esc\u{1b} 😀 漢",
                    Some(OwnStatus::Failed),
                )
            },
            Record {
                conversation: "p:bob\u{7f}".into(),
                time_ms: MAX_TIME_MS as f64,
                ..record(EntryKind::Own, None, "\u{2028}\u{202e}", Some(OwnStatus::Delivered))
            },
            record(EntryKind::Own, Some(""), "x", Some(OwnStatus::Sent)),
        ];
        for r in records {
            let written = encode(&r);
            assert_eq!(decode(&written), Ok(r.clone()), "{written}");
            assert!(!written.contains('\n'), "one line: {written}");
        }
        assert_eq!(
            encode(&record(EntryKind::Own, Some("me"), "hi", Some(OwnStatus::Sent))),
            r#"{"v":1,"c":"c:#rust","t":1700000000123,"k":"own","n":"me","x":"hi","s":"sent"}"#
        );
    }

    #[test]
    fn times_are_written_as_whole_milliseconds_in_range() {
        for (time_ms, written) in
            [(1.9, 1.0), (-5.0, 0.0), (f64::NAN, 0.0), (f64::INFINITY, MAX_TIME_MS as f64), (1e300, MAX_TIME_MS as f64)]
        {
            let r = Record { time_ms, ..record(EntryKind::Chat, None, "x", None) };
            assert_eq!(decode(&encode(&r)).map(|r| r.time_ms), Ok(written), "{time_ms}");
        }
    }

    #[test]
    fn damaged_or_hostile_records_are_errors() {
        let good = r#""c":"","t":5,"k":"chat","x":"hi""#;
        assert!(decode(&format!("{{\"v\":1,{good}}}")).is_ok());
        let long = format!(r#"{{"v":1,"c":"","t":1,"k":"chat","x":"{}"}}"#, "a".repeat(MAX_TEXT_BYTES + 1));
        let deep = "[".repeat(10_000);
        for bad in [
            "",
            "null",
            "[]",
            "\"text\"",
            "{",
            &deep,
            "\u{feff}{}",
            &format!("{{{good}}}"),
            &format!("{{\"v\":0,{good}}}"),
            &format!("{{\"v\":-1,{good}}}"),
            &format!("{{\"v\":1.5,{good}}}"),
            &format!("{{\"v\":\"1\",{good}}}"),
            &format!("{{\"v\":1e999,{good}}}"),
            &format!("{{\"v\":99999999999999999999999,{good}}}"),
            r#"{"v":1,"t":5,"k":"chat","x":"hi"}"#,
            r#"{"v":1,"c":7,"t":5,"k":"chat","x":"hi"}"#,
            r#"{"v":1,"c":"","k":"chat","x":"hi"}"#,
            r#"{"v":1,"c":"","t":"5","k":"chat","x":"hi"}"#,
            r#"{"v":1,"c":"","t":-5,"k":"chat","x":"hi"}"#,
            r#"{"v":1,"c":"","t":5.5,"k":"chat","x":"hi"}"#,
            r#"{"v":1,"c":"","t":5e3,"k":"chat","x":"hi"}"#,
            r#"{"v":1,"c":"","t":9007199254740992,"k":"chat","x":"hi"}"#,
            r#"{"v":1,"c":"","t":1e400,"k":"chat","x":"hi"}"#,
            r#"{"v":1,"c":"","t":5,"x":"hi"}"#,
            r#"{"v":1,"c":"","t":5,"k":"raw","x":"hi"}"#,
            r#"{"v":1,"c":"","t":5,"k":"Chat","x":"hi"}"#,
            r#"{"v":1,"c":"","t":5,"k":["chat"],"x":"hi"}"#,
            r#"{"v":1,"c":"","t":5,"k":"chat"}"#,
            r#"{"v":1,"c":"","t":5,"k":"chat","x":null}"#,
            r#"{"v":1,"c":"","t":5,"k":"chat","x":"hi","n":1}"#,
            r#"{"v":1,"c":"","t":5,"k":"chat","x":"hi","m":{}}"#,
            r#"{"v":1,"c":"","t":5,"k":"chat","x":"hi","s":"sent"}"#,
            r#"{"v":1,"c":"","t":5,"k":"own","x":"hi"}"#,
            r#"{"v":1,"c":"","t":5,"k":"own","x":"hi","s":"pending"}"#,
            r#"{"v":1,"c":"","t":5,"k":"own","x":"hi","s":true}"#,
            r#"{"v":1,"c":"","t":5,"k":"chat","x":"hi\ud800"}"#,
            &long,
        ] {
            let shown: String = bad.chars().take(80).collect();
            assert!(decode(bad).is_err(), "{shown} read");
        }
        assert_eq!(decode("{}"), Err(RecordError("no version")));
        assert_eq!(
            decode(r#"{"v":1,"c":"","t":5,"k":"raw","x":""}"#).map_err(|e| e.to_string()),
            Err("not a kind that is stored".into())
        );
    }

    #[test]
    fn newer_versions_are_read_by_the_fields_known() {
        let newer = r#"{"v":2,"c":"p:bob","t":42,"k":"chat","n":"bob","x":"hi","reactions":["👍"],"edited":{"t":50}}"#;
        assert_eq!(
            decode(newer),
            Ok(Record {
                conversation: "p:bob".into(),
                time_ms: 42.0,
                ..record(EntryKind::Chat, Some("bob"), "hi", None)
            })
        );
        // Optional fields written as null are absent; the last of a repeated member counts.
        let odd = r#" {"v":1,"c":"","t":1,"k":"system","x":"a","n":null,"m":null,"x":"b"} "#;
        assert_eq!(decode(odd).map(|r| (r.nick, r.msgid, r.text)), Ok((None, None, "b".into())));
    }

    #[test]
    fn entries_worth_keeping() {
        let kept = |kind, status| Record::of_entry("c:#a", &entry(kind, status, 1.5));
        assert_eq!(kept(EntryKind::Raw, None), None);
        assert_eq!(kept(EntryKind::Own, Some(OwnStatus::Pending)), None);
        assert_eq!(kept(EntryKind::Own, None), None);
        for status in [OwnStatus::Sent, OwnStatus::Delivered, OwnStatus::Failed] {
            assert_eq!(kept(EntryKind::Own, Some(status)).and_then(|r| r.status), Some(status));
        }
        assert_eq!(
            kept(EntryKind::Chat, None),
            Some(Record {
                conversation: "c:#a".into(),
                time_ms: 1.0,
                kind: EntryKind::Chat,
                nick: Some("Ada".into()),
                text: "hello".into(),
                status: None,
                msgid: None,
            })
        );
        assert_eq!(kept(EntryKind::System, None).map(|r| r.kind), Some(EntryKind::System));
        // Whatever the entry holds, its record reads back as it was written.
        let odd = Entry {
            text: Box::from(format!("{}é", "a".repeat(MAX_TEXT_BYTES - 1))),
            status: Some(OwnStatus::Sent),
            ..entry(EntryKind::Chat, None, -3.0)
        };
        let r = Record::of_entry("", &odd).expect("kept");
        assert_eq!((r.text.len(), r.time_ms, r.status), (MAX_TEXT_BYTES - 1, 0.0, None));
        assert_eq!(decode(&encode(&r)), Ok(r));
    }

    #[test]
    fn index_words_by_the_rules() {
        let words_of = |nick: Option<&str>, text: &str| index_words(&record(EntryKind::Chat, nick, text, None));
        assert_eq!(
            words_of(Some("Bob_Smith"), "Hello, WORLD! hello a I x2 ÄRGER-über 3.14 don’t"),
            ["bob", "smith", "hello", "world", "x2", "ärger", "über", "14", "don"]
        );
        assert_eq!(words_of(None, ""), Vec::<String>::new());
        assert_eq!(words_of(Some("é"), "😀 漢 漢字"), ["漢字"]);
        // Cut at 32 characters (not bytes), and a word cut to one already there is no new one.
        let long = "é".repeat(40);
        assert_eq!(words_of(None, &format!("{long} {}", "é".repeat(33))), ["é".repeat(32)]);
        // At most 64 words; the nick's first.
        let many: Vec<String> = (0..100).map(|i| format!("w{i}")).collect();
        let indexed = words_of(Some("ada"), &many.join(" "));
        assert_eq!(indexed.len(), 64);
        assert_eq!((indexed[0].as_str(), indexed[1].as_str(), indexed[63].as_str()), ("ada", "w0", "w62"));
        // Duplicates do not count against the 64.
        let repeated = format!("{} last", "same ".repeat(1_000));
        assert_eq!(words_of(None, &repeated), ["same", "last"]);
        assert_eq!(words("Ünïcode QUERY"), ["ünïcode", "query"]);
    }
}
