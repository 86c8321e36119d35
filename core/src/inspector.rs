//! The frame inspector's record: every frame in and out and every socket event, bounded.

use std::collections::VecDeque;

use std::ops::Range;

use crate::json::{self, Number, Value};
use crate::protocol::{Frame, OutFrame};

/// Records kept by default; older ones are dropped, as the chat log drops old entries. As many
/// as the panel shows: each is wasm memory that is never given back, kept while the panel is
/// closed too.
pub const DEFAULT_INSPECTOR_CAP: usize = 500;

/// Bytes of a payload kept per record; a bigger frame keeps its size and this much of its body.
pub const PAYLOAD_KEEP_BYTES: usize = 16 * 1024;

/// Payload bytes kept across all records: older records go when newer ones would pass it.
/// Without it, 2,000 batched frames of a few KB each held several MB that never came back
/// (wasm memory does not shrink). A quarter of a MiB is still 500 frames of 512 bytes, or
/// several hundred XMPP stanzas (of the largest frames, 16).
pub const PAYLOAD_BUDGET_BYTES: usize = 256 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    In,
    Out,
    /// Not a frame: a readyState change, an error, a close.
    Event,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::In => "in",
            Direction::Out => "out",
            Direction::Event => "event",
        }
    }

    pub fn arrow(self) -> &'static str {
        match self {
            Direction::In => "↓",
            Direction::Out => "↑",
            Direction::Event => "•",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Payload {
    Text(String),
    Binary(Vec<u8>),
    /// A socket event, described for people ("readyState open", "close 1000 …").
    Event(String),
}

/// One line of the inspector.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    pub id: u64,
    pub time_ms: f64,
    pub direction: Direction,
    /// Size of the whole frame in bytes (the payload may hold only the start of it).
    pub size: usize,
    pub payload: Payload,
}

/// How a payload is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    Text,
    PrettyJson,
    Hex,
}

impl Record {
    pub fn kind(&self) -> &'static str {
        match self.payload {
            Payload::Text(_) => "text",
            Payload::Binary(_) => "binary",
            Payload::Event(_) => "event",
        }
    }

    /// The payload rendered for people in the chosen view; a view that does not fit (JSON of
    /// something that is not JSON) falls back to text.
    pub fn render(&self, view: View) -> String {
        match (&self.payload, view) {
            (Payload::Event(text), _) => text.clone(),
            (Payload::Text(text), View::PrettyJson) => {
                json::parse(text).map(|v| v.to_pretty()).unwrap_or_else(|_| text.clone())
            }
            (Payload::Text(text), View::Hex) => hex_dump(text.as_bytes()),
            (Payload::Text(text), View::Text) => text.clone(),
            (Payload::Binary(bytes), View::Text) => String::from_utf8_lossy(bytes).into_owned(),
            (Payload::Binary(bytes), _) => hex_dump(bytes),
        }
    }

    /// Whether the record matches a filter: case-insensitive text in the payload, or the
    /// direction or kind named (`in`, `out`, `event`, `text`, `binary`).
    pub fn matches(&self, filter_lower: &str) -> bool {
        if filter_lower.is_empty() {
            return true;
        }
        if filter_lower == self.direction.as_str() || filter_lower == self.kind() {
            return true;
        }
        let haystack = match &self.payload {
            Payload::Text(t) | Payload::Event(t) => crate::unicode::lowercase(t),
            Payload::Binary(b) => hex_dump(b),
        };
        haystack.contains(filter_lower)
    }

    /// One JSON Lines record for export.
    pub fn to_json_line(&self) -> String {
        let number = |n: i64| Value::Number(Number::from_i64(n));
        let text = |s: &str| Value::String(s.to_string());
        let (key, payload) = match &self.payload {
            Payload::Text(t) => ("text", text(t)),
            Payload::Event(t) => ("event", text(t)),
            Payload::Binary(b) => ("hex", Value::String(crate::protocol::hex(b))),
        };
        let mut members = vec![
            ("id".to_string(), number(i64::try_from(self.id).unwrap_or(i64::MAX))),
            // Whole milliseconds, as the page's clock gives them.
            ("time_ms".to_string(), number(self.time_ms as i64)),
            ("direction".to_string(), text(self.direction.as_str())),
            ("kind".to_string(), text(self.kind())),
            ("size".to_string(), number(i64::try_from(self.size).unwrap_or(i64::MAX))),
            (key.to_string(), payload),
        ];
        if self.size > payload_len(&self.payload) {
            members.push(("truncated".to_string(), Value::Bool(true)));
        }
        Value::Object(members).to_json()
    }
}

fn payload_len(payload: &Payload) -> usize {
    match payload {
        Payload::Text(t) | Payload::Event(t) => t.len(),
        Payload::Binary(b) => b.len(),
    }
}

/// What stands for a secret in a text frame: always as long, so it tells nothing of the length.
pub const MASK: &str = "********";

/// `frame` with the byte ranges `secrets` masked: in text each becomes [`MASK`] (a range that
/// does not fall on character boundaries is widened to them), in binary each byte becomes `*`,
/// so the hex and ASCII views both show the mask. Ranges out of bounds are cut to the frame.
pub fn mask_secrets(frame: &OutFrame, secrets: &[Range<usize>]) -> OutFrame {
    // A format gives one or two, in order; put in order by insertion (a std sort is KBs of wasm).
    let mut spans: Vec<Range<usize>> = Vec::with_capacity(secrets.len());
    for span in secrets.iter().filter(|r| r.start < r.end) {
        let at = spans.partition_point(|s| s.start <= span.start);
        spans.insert(at, span.clone());
    }
    match frame {
        OutFrame::Binary(bytes) => {
            let mut bytes = bytes.clone();
            for span in spans {
                let end = span.end.min(bytes.len());
                if let Some(secret) = bytes.get_mut(span.start.min(end)..end) {
                    secret.fill(b'*');
                }
            }
            OutFrame::Binary(bytes)
        }
        OutFrame::Text(text) => {
            let mut out = String::with_capacity(text.len());
            let mut at = 0;
            for span in spans {
                let start = floor_boundary(text, span.start).max(at);
                let mut end = span.end.min(text.len());
                while !text.is_char_boundary(end) {
                    end += 1;
                }
                if start >= end {
                    continue;
                }
                out.push_str(&text[at..start]);
                out.push_str(MASK);
                at = end;
            }
            out.push_str(&text[at..]);
            OutFrame::Text(out)
        }
    }
}

/// `48 65 6c 6c 6f  Hello` style, 16 bytes a line.
pub fn hex_dump(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 4);
    for (i, line) in bytes.chunks(16).enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let hex: Vec<String> = line.iter().map(|b| format!("{b:02x}")).collect();
        let ascii: String = line.iter().map(|&b| if (0x20..0x7f).contains(&b) { b as char } else { '.' }).collect();
        out.push_str(&format!("{:<47}  {ascii}", hex.join(" ")));
    }
    out
}

/// The inspector's records, oldest first: at most `cap` of them and [`PAYLOAD_BUDGET_BYTES`]
/// of payload (the newest record is always kept).
#[derive(Clone, Debug)]
pub struct FrameLog {
    records: VecDeque<Record>,
    cap: usize,
    next_id: u64,
    total: u64,
    /// Payload bytes in `records`.
    kept_bytes: usize,
}

impl Default for FrameLog {
    fn default() -> Self {
        Self::new(DEFAULT_INSPECTOR_CAP)
    }
}

impl FrameLog {
    pub fn new(cap: usize) -> Self {
        Self { records: VecDeque::new(), cap: cap.max(1), next_id: 1, total: 0, kept_bytes: 0 }
    }

    pub fn text(&mut self, direction: Direction, time_ms: f64, text: &str) {
        let kept = &text[..floor_boundary(text, PAYLOAD_KEEP_BYTES)];
        self.push(direction, time_ms, text.len(), Payload::Text(kept.to_string()));
    }

    pub fn binary(&mut self, direction: Direction, time_ms: f64, bytes: &[u8]) {
        let kept = &bytes[..bytes.len().min(PAYLOAD_KEEP_BYTES)];
        self.push(direction, time_ms, bytes.len(), Payload::Binary(kept.to_vec()));
    }

    /// A frame sent, with its `secrets` (byte ranges, as [`crate::protocol::WireFormat::secret_spans`]
    /// gives them) masked before it is kept: neither the view, the filter nor an export sees them.
    pub fn sent(&mut self, time_ms: f64, frame: &OutFrame, secrets: &[Range<usize>]) {
        match mask_secrets(frame, secrets) {
            OutFrame::Text(text) => self.text(Direction::Out, time_ms, &text),
            OutFrame::Binary(bytes) => self.binary(Direction::Out, time_ms, &bytes),
        }
    }

    /// A frame from the server, with `secrets` ([`crate::protocol::WireFormat::received_secret_spans`])
    /// masked.
    pub fn received(&mut self, time_ms: f64, frame: Frame<'_>, secrets: &[Range<usize>]) {
        if secrets.is_empty() {
            match frame {
                Frame::Text(text) => self.text(Direction::In, time_ms, text),
                Frame::Binary(bytes) => self.binary(Direction::In, time_ms, bytes),
            }
            return;
        }
        let frame = match frame {
            Frame::Text(text) => OutFrame::Text(text.to_string()),
            Frame::Binary(bytes) => OutFrame::Binary(bytes.to_vec()),
        };
        match mask_secrets(&frame, secrets) {
            OutFrame::Text(text) => self.text(Direction::In, time_ms, &text),
            OutFrame::Binary(bytes) => self.binary(Direction::In, time_ms, &bytes),
        }
    }

    /// A socket event. Addresses in `description` ("readyState connecting: wss://…") have
    /// their credentials masked here, so that neither the view nor an export holds them.
    pub fn event(&mut self, time_ms: f64, description: String) {
        let description = crate::url::mask_credentials_in_text(&description);
        self.push(Direction::Event, time_ms, 0, Payload::Event(description));
    }

    fn push(&mut self, direction: Direction, time_ms: f64, size: usize, payload: Payload) {
        // Room first, so the queue never grows past its cap. A payload is at most
        // PAYLOAD_KEEP_BYTES, far below the budget: the newest record always stays.
        let incoming = payload_len(&payload);
        while self.records.len() >= self.cap
            || (!self.records.is_empty() && self.kept_bytes + incoming > PAYLOAD_BUDGET_BYTES)
        {
            match self.records.pop_front() {
                Some(gone) => self.kept_bytes -= payload_len(&gone.payload),
                None => break,
            }
        }
        self.kept_bytes += incoming;
        let record = Record { id: self.next_id, time_ms, direction, size, payload };
        crate::bounded::push_within(&mut self.records, self.cap, record);
        self.next_id += 1;
        self.total += 1;
    }

    pub fn records(&self) -> impl DoubleEndedIterator<Item = &Record> + ExactSizeIterator {
        self.records.iter()
    }

    /// Every record ever made, including those dropped by the cap or cleared.
    pub fn total(&self) -> u64 {
        self.total
    }

    pub fn clear(&mut self) {
        self.records.clear();
        self.kept_bytes = 0;
    }

    /// The kept records that match `filter`, as JSON Lines.
    pub fn export(&self, filter: &str) -> String {
        let filter = crate::unicode::lowercase(filter.trim());
        let mut out = String::new();
        for record in self.records.iter().filter(|r| r.matches(&filter)) {
            out.push_str(&record.to_json_line());
            out.push('\n');
        }
        out
    }
}

fn floor_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_and_counted() {
        let mut log = FrameLog::new(3);
        for i in 0..5 {
            log.text(Direction::In, f64::from(i), &format!("m{i}"));
        }
        assert_eq!(log.records().len(), 3);
        assert_eq!(log.total(), 5);
        assert_eq!(log.records().next().map(|r| r.id), Some(3));
        log.clear();
        assert_eq!((log.records().len(), log.total()), (0, 5));
    }

    #[test]
    fn views() {
        let mut log = FrameLog::default();
        log.text(Direction::In, 0.0, r#"{"a":[1,2]}"#);
        log.binary(Direction::Out, 0.0, b"Hi\x00");
        let records: Vec<_> = log.records().cloned().collect();
        assert_eq!(records[0].render(View::PrettyJson), "{\n  \"a\": [\n    1,\n    2\n  ]\n}");
        assert_eq!(records[0].render(View::Text), r#"{"a":[1,2]}"#);
        assert_eq!(records[1].render(View::Hex), format!("{:<47}  Hi.", "48 69 00"));
        let plain = Record { payload: Payload::Text("not json".into()), ..records[0].clone() };
        assert_eq!(plain.render(View::PrettyJson), "not json");
    }

    #[test]
    fn filter_and_export() {
        let mut log = FrameLog::default();
        log.text(Direction::In, 1.0, "Hello World");
        log.text(Direction::Out, 2.0, "bye");
        log.event(3.0, "readyState open".into());
        log.binary(Direction::In, 4.0, &[0xde, 0xad]);
        assert_eq!(log.records().filter(|r| r.matches("world")).count(), 1);
        assert_eq!(log.records().filter(|r| r.matches("out")).count(), 1);
        assert_eq!(log.records().filter(|r| r.matches("event")).count(), 1);
        assert_eq!(log.records().filter(|r| r.matches("de ad")).count(), 1);
        let export = log.export("");
        let lines: Vec<Value> = export.lines().map(|l| json::parse(l).expect("valid JSON line")).collect();
        let field = |line: usize, key: &str| lines[line].get(key).and_then(Value::as_str).map(str::to_string);
        assert_eq!(lines.len(), 4);
        assert_eq!(field(0, "text").as_deref(), Some("Hello World"));
        assert_eq!(field(0, "direction").as_deref(), Some("in"));
        assert_eq!(lines[0].get("time_ms").and_then(Value::as_u64), Some(1));
        assert_eq!(field(3, "hex").as_deref(), Some("dead"));
        assert_eq!(field(3, "kind").as_deref(), Some("binary"));
        assert_eq!(log.export("BYE").lines().count(), 1);
    }

    #[test]
    fn events_keep_no_credentials() {
        let mut log = FrameLog::default();
        log.event(1.0, "readyState connecting: wss://ann:hunter2@h/ws?token=s3cret&room=1, subprotocols []".into());
        let shown = log.records().next().map(|r| r.render(View::Text));
        assert_eq!(
            shown.as_deref(),
            Some("readyState connecting: wss://ann:***@h/ws?token=***&room=1, subprotocols []")
        );
        let export = log.export("");
        assert!(!export.contains("hunter2") && !export.contains("s3cret"), "{export}");
        assert!(export.contains("room=1"), "{export}");
        assert_eq!(log.export("hunter2"), "", "the filter sees what is shown");
    }

    #[test]
    fn secrets_are_masked_before_they_are_kept() {
        let mut log = FrameLog::default();
        let text = "CONNECT\nlogin:ann\npasscode:hunter2\n\n\0";
        let at = text.find("hunter2").expect("in the frame");
        log.sent(1.0, &OutFrame::Text(text.into()), std::slice::from_ref(&(at..at + 7)));
        log.sent(2.0, &OutFrame::Binary(b"\x10\x05pw=s3".to_vec()), &[5..7, 2..4]);
        let export = log.export("");
        assert!(!export.contains("hunter2"), "{export}");
        assert!(export.contains("passcode:********\\n"), "{export}");
        let binary = log.records().nth(1).expect("kept");
        assert_eq!(binary.payload, Payload::Binary(b"\x10\x05**=**".to_vec()));
        assert!(binary.render(View::Hex).ends_with("..**=**"), "{}", binary.render(View::Hex));
        assert_eq!(log.export("hunter2"), "", "the filter sees only the mask");
        // Ranges past the end, empty, overlapping or inside a character change nothing else.
        let masked = mask_secrets(&OutFrame::Text("aéb".into()), &[2..3, 0..0, 9..12]);
        assert_eq!(masked, OutFrame::Text(format!("a{MASK}b")));
        let masked = mask_secrets(&OutFrame::Text("abcdef".into()), &[1..4, 2..5]);
        assert_eq!(masked, OutFrame::Text(format!("a{MASK}{MASK}f")));
        assert_eq!(
            mask_secrets(&OutFrame::Binary(vec![1, 2]), std::slice::from_ref(&(1..9))),
            OutFrame::Binary(vec![1, b'*'])
        );
    }

    #[test]
    fn big_frames_keep_their_size() {
        let mut log = FrameLog::default();
        let big = "é".repeat(PAYLOAD_KEEP_BYTES);
        log.text(Direction::In, 0.0, &big);
        let record = log.records().next().cloned().expect("kept");
        assert_eq!(record.size, big.len());
        assert!(record.to_json_line().contains("\"truncated\":true"));
    }

    #[test]
    fn payload_bytes_are_bounded_too() {
        let mut log = FrameLog::default();
        let frame = "x".repeat(PAYLOAD_KEEP_BYTES);
        for i in 0..200 {
            log.text(Direction::In, f64::from(i), &frame);
        }
        let kept: usize = log.records().map(|r| r.size).sum();
        assert!(kept <= PAYLOAD_BUDGET_BYTES, "{kept} bytes kept");
        assert_eq!(log.records().len(), PAYLOAD_BUDGET_BYTES / PAYLOAD_KEEP_BYTES);
        assert_eq!(log.records().last().map(|r| r.id), Some(200), "the newest stays");
        assert_eq!(log.total(), 200);
        // Small frames after big ones get their room back.
        for i in 0..DEFAULT_INSPECTOR_CAP {
            log.text(Direction::In, i as f64, "small");
        }
        assert_eq!(log.records().len(), DEFAULT_INSPECTOR_CAP);
    }
}
