//! JSON for the wire formats, the inspector and storage: a small parser and writer.
//!
//! serde_json did this before and was about 35 KB of the wasm module (with its float
//! formatting and error machinery) for what needs a few hundred lines here. The property tests
//! in `tests/fuzz.rs` hold this parser to serde_json's verdicts on arbitrary input.

use std::fmt;

/// How deep arrays and objects may nest (serde_json's limit too): hostile input cannot
/// exhaust the stack.
pub const MAX_DEPTH: usize = 128;

/// A JSON value. Objects keep their members in the order written, duplicates included
/// ([`Value::get`] reads the last one, as most parsers do); numbers keep their literal.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    Array(Vec<Value>),
    Object(Vec<(String, Value)>),
}

/// A number as written: valid JSON number syntax, kept verbatim so that writing it back
/// changes nothing (and no float formatting is needed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Number(String);

impl Number {
    /// A whole number. Written as an integer: `7`, not `7.0`.
    pub fn from_i64(n: i64) -> Self {
        Number(n.to_string())
    }

    /// The literal, e.g. `-1.5e3`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A non-negative integer written without fraction or exponent.
    pub fn as_u64(&self) -> Option<u64> {
        self.0.parse().ok()
    }

    /// The value as a float. Computed from the digits without the standard library's float
    /// parser (14 KB of tables): exact for integers up to 2^53, within a few units in the last
    /// place otherwise, which is all a chat's timestamps and intervals need.
    pub fn as_f64(&self) -> Option<f64> {
        let text = self.0.as_str();
        let (negative, text) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (mantissa_text, exponent) = match text.find(['e', 'E']) {
            Some(at) => (&text[..at], text[at + 1..].trim_start_matches('+').parse::<i32>().ok()?),
            None => (text, 0),
        };
        let (whole, fraction) = mantissa_text.split_once('.').unwrap_or((mantissa_text, ""));
        // Past this many significant digits a digit cannot change an f64. Whole digits beyond
        // it only scale the value and fraction digits are dropped: 400 digits would otherwise
        // overflow the mantissa, and infinity / infinity is NaN.
        const SIGNIFICANT_DIGITS: u32 = 19;
        let mut mantissa = 0.0_f64;
        let mut significant = 0;
        let mut scale = exponent;
        for (i, digit) in whole.bytes().chain(fraction.bytes()).enumerate() {
            let in_fraction = i >= whole.len();
            if significant < SIGNIFICANT_DIGITS {
                mantissa = mantissa * 10.0 + f64::from(digit.wrapping_sub(b'0'));
                if mantissa != 0.0 {
                    significant += 1;
                }
                if in_fraction {
                    scale = scale.saturating_sub(1);
                }
            } else if !in_fraction {
                scale = scale.saturating_add(1);
            }
        }
        if mantissa == 0.0 {
            return Some(if negative { -0.0 } else { 0.0 });
        }
        // saturating_neg: an exponent of i32::MIN has no positive counterpart.
        let value =
            if scale >= 0 { mantissa * 10f64.powi(scale) } else { mantissa / 10f64.powi(scale.saturating_neg()) };
        Some(if negative { -value } else { value })
    }
}

impl Value {
    /// The member `key` of an object (the last one, if written twice).
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(members) => members.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::Number(n) => n.as_u64(),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => n.as_f64(),
            _ => None,
        }
    }

    /// Compact JSON text.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        write_value(&mut out, self, None);
        out
    }

    /// JSON text indented by two spaces, one member or item per line.
    pub fn to_pretty(&self) -> String {
        let mut out = String::new();
        write_value(&mut out, self, Some(0));
        out
    }
}

/// Why a text is not JSON, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    /// Byte offset of the problem in the text.
    pub at: usize,
    pub what: &'static str,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.what, self.at)
    }
}

impl std::error::Error for Error {}

/// Parses one JSON value; only whitespace may surround it.
pub fn parse(text: &str) -> Result<Value, Error> {
    let mut parser = Parser { text, at: 0 };
    parser.skip_whitespace();
    let value = parser.value(0)?;
    parser.skip_whitespace();
    if parser.at != text.len() {
        return Err(parser.error("trailing characters"));
    }
    Ok(value)
}

/// `text` as a JSON string literal, quotes included.
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    write_string(&mut out, text);
    out
}

struct Parser<'a> {
    text: &'a str,
    at: usize,
}

impl Parser<'_> {
    fn error(&self, what: &'static str) -> Error {
        Error { at: self.at, what }
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn expect_word(&mut self, word: &str, value: Value) -> Result<Value, Error> {
        if self.text[self.at..].starts_with(word) {
            self.at += word.len();
            Ok(value)
        } else {
            Err(self.error("expected a value"))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, Error> {
        match self.peek() {
            None => Err(self.error("unexpected end")),
            Some(b'n') => self.expect_word("null", Value::Null),
            Some(b't') => self.expect_word("true", Value::Bool(true)),
            Some(b'f') => self.expect_word("false", Value::Bool(false)),
            Some(b'"') => self.string().map(Value::String),
            Some(b'[' | b'{') if depth >= MAX_DEPTH => Err(self.error("nested too deeply")),
            Some(b'[') => self.array(depth + 1),
            Some(b'{') => self.object(depth + 1),
            Some(b'-' | b'0'..=b'9') => self.number().map(Value::Number),
            Some(_) => Err(self.error("expected a value")),
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, Error> {
        let mut items = Vec::new();
        if self.opens_empty(b']') {
            return Ok(Value::Array(items));
        }
        loop {
            self.skip_whitespace();
            items.push(self.value(depth)?);
            if !self.another_item(b']', "expected , or ] in an array")? {
                return Ok(Value::Array(items));
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, Error> {
        let mut members = Vec::new();
        if self.opens_empty(b'}') {
            return Ok(Value::Object(members));
        }
        loop {
            self.skip_whitespace();
            if self.peek() != Some(b'"') {
                return Err(self.error("expected a member name"));
            }
            let key = self.string()?;
            self.skip_whitespace();
            if self.peek() != Some(b':') {
                return Err(self.error("expected : after a member name"));
            }
            self.at += 1;
            self.skip_whitespace();
            members.push((key, self.value(depth)?));
            if !self.another_item(b'}', "expected , or } in an object")? {
                return Ok(Value::Object(members));
            }
        }
    }

    /// Past the opening bracket; true (and past `close` too) when the list is empty.
    fn opens_empty(&mut self, close: u8) -> bool {
        self.at += 1;
        self.skip_whitespace();
        let empty = self.peek() == Some(close);
        if empty {
            self.at += 1;
        }
        empty
    }

    /// After an item: `,` means another follows (true), `close` ends the list (false).
    fn another_item(&mut self, close: u8, otherwise: &'static str) -> Result<bool, Error> {
        self.skip_whitespace();
        match self.peek() {
            Some(b',') => {
                self.at += 1;
                Ok(true)
            }
            Some(c) if c == close => {
                self.at += 1;
                Ok(false)
            }
            _ => Err(self.error(otherwise)),
        }
    }

    fn number(&mut self) -> Result<Number, Error> {
        let start = self.at;
        let digits = |p: &mut Self| {
            let from = p.at;
            while matches!(p.peek(), Some(b'0'..=b'9')) {
                p.at += 1;
            }
            p.at - from
        };
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        match self.peek() {
            Some(b'0') => self.at += 1,
            Some(b'1'..=b'9') => {
                digits(self);
            }
            _ => return Err(self.error("expected digits")),
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            if digits(self) == 0 {
                return Err(self.error("expected digits after the decimal point"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            if digits(self) == 0 {
                return Err(self.error("expected digits in the exponent"));
            }
        }
        Ok(Number(self.text[start..self.at].to_string()))
    }

    fn string(&mut self) -> Result<String, Error> {
        self.at += 1;
        let mut out = String::new();
        loop {
            // Copy the run up to the next quote, backslash or control character at once.
            let rest = &self.text.as_bytes()[self.at..];
            let run = rest.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20).unwrap_or(rest.len());
            // The run ends before an ASCII byte (or at the end): a character boundary.
            out.push_str(&self.text[self.at..self.at + run]);
            self.at += run;
            match self.peek() {
                None => return Err(self.error("unterminated string")),
                Some(b'"') => {
                    self.at += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.at += 1;
                    let escaped = match self.peek() {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.at += 1;
                            let c = self.unicode_escape()?;
                            out.push(c);
                            continue;
                        }
                        _ => return Err(self.error("unknown escape")),
                    };
                    self.at += 1;
                    out.push(escaped);
                }
                Some(_) => return Err(self.error("control character in a string")),
            }
        }
    }

    /// After `\u`: four hex digits, or a surrogate pair written as two escapes.
    fn unicode_escape(&mut self) -> Result<char, Error> {
        let first = self.hex4()?;
        let code = match first {
            0xD800..=0xDBFF => {
                if !self.text[self.at..].starts_with("\\u") {
                    return Err(self.error("lone surrogate in a string"));
                }
                self.at += 2;
                let second = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return Err(self.error("lone surrogate in a string"));
                }
                0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            }
            0xDC00..=0xDFFF => return Err(self.error("lone surrogate in a string")),
            code => code,
        };
        char::from_u32(code).ok_or_else(|| self.error("invalid character escape"))
    }

    fn hex4(&mut self) -> Result<u32, Error> {
        let digits = self.text.get(self.at..self.at + 4).ok_or_else(|| self.error("short \\u escape"))?;
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(self.error("bad \\u escape"));
        }
        self.at += 4;
        u32::from_str_radix(digits, 16).map_err(|_| self.error("bad \\u escape"))
    }
}

/// `indent`: `None` for compact output, the current depth for pretty output.
fn write_value(out: &mut String, value: &Value, indent: Option<usize>) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.0),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => write_list(out, '[', ']', items, indent, |out, item, indent| {
            write_value(out, item, indent);
        }),
        Value::Object(members) => write_list(out, '{', '}', members, indent, |out, (key, value), indent| {
            write_string(out, key);
            out.push_str(if indent.is_some() { ": " } else { ":" });
            write_value(out, value, indent);
        }),
    }
}

fn write_list<T>(
    out: &mut String,
    open: char,
    close: char,
    items: &[T],
    indent: Option<usize>,
    write_item: impl Fn(&mut String, &T, Option<usize>),
) {
    out.push(open);
    let inner = indent.map(|depth| depth + 1);
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if let Some(depth) = inner {
            newline(out, depth);
        }
        write_item(out, item, inner);
    }
    if let (Some(depth), false) = (indent, items.is_empty()) {
        newline(out, depth);
    }
    out.push(close);
}

fn newline(out: &mut String, depth: usize) {
    out.push('\n');
    for _ in 0..depth {
        out.push_str("  ");
    }
}

fn write_string(out: &mut String, text: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if u32::from(c) < 0x20 => {
                let b = u32::from(c) as usize;
                out.push_str("\\u00");
                out.push(char::from(HEX[b >> 4]));
                out.push(char::from(HEX[b & 0xf]));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_writes_back() {
        let text = r#" {"a": [1, -2.5e3, true, null, "x\"\\\n\u00e9\ud83d\ude00"], "b": {}, "c": [], "a": 0} "#;
        let value = parse(text).expect("valid");
        assert_eq!(value.get("a").and_then(Value::as_u64), Some(0), "the last duplicate wins");
        assert_eq!(
            value.to_json(),
            r#"{"a":[1,-2.5e3,true,null,"x\"\\\né😀"],"b":{},"c":[],"a":0}"#,
            "order, duplicates and number literals kept"
        );
        // An exponent at i32's limit has no negation: a tiny number, not a panic.
        assert_eq!(parse("1e-2147483648").ok().and_then(|v| v.as_f64()), Some(0.0));
        assert_eq!(parse("[1,[2]]").expect("valid").to_pretty(), "[\n  1,\n  [\n    2\n  ]\n]");
        assert_eq!(parse(r#"{"k":{}}"#).expect("valid").to_pretty(), "{\n  \"k\": {}\n}");
        assert_eq!(quote("tab\tctl\u{1}/"), r#""tab\tctl\u0001/""#);
    }

    #[test]
    fn numbers() {
        let number = |s: &str| match parse(s) {
            Ok(Value::Number(n)) => n,
            other => panic!("{s}: {other:?}"),
        };
        assert_eq!(number("1700000000123").as_f64(), Some(1_700_000_000_123.0));
        assert_eq!(number("1700000000123").as_u64(), Some(1_700_000_000_123));
        assert_eq!(number("-0.5").as_f64(), Some(-0.5));
        assert_eq!(number("25e-1").as_f64(), Some(2.5));
        assert_eq!(number("1.5E+2").as_f64(), Some(150.0));
        assert_eq!(number("5.0").as_u64(), None);
        assert_eq!(number("-1").as_u64(), None);
        assert_eq!(number("1e400").as_f64(), Some(f64::INFINITY));
        assert_eq!(number("0e400").as_f64(), Some(0.0));
        assert_eq!(Number::from_i64(-7).as_str(), "-7");
        // Hundreds of digits: close to the value, never NaN or infinite.
        let nines = number(&format!("0.{}", "9".repeat(400))).as_f64().expect("a float");
        assert!((nines - 1.0).abs() < 1e-15, "{nines}");
        let big = number(&format!("1{}", "0".repeat(400))).as_f64();
        assert_eq!(big, Some(f64::INFINITY), "past f64's range, as 1e400");
        let long = number(&format!("12345678901234567890123.5{}", "1".repeat(300))).as_f64().expect("a float");
        assert!((long / 1.2345678901234568e22 - 1.0).abs() < 1e-15, "{long}");
        assert_eq!(number(&format!("0.{}1", "0".repeat(30))).as_f64(), Some(1e-31));
    }

    #[test]
    fn rejects_what_is_not_json() {
        for bad in [
            "",
            "{",
            "[1,]",
            "{\"a\"}",
            "{\"a\":1,}",
            "01",
            "1.",
            ".5",
            "-",
            "1e",
            "tru",
            "\"\\x\"",
            "\"\u{1}\"",
            "\"\\ud800\"",
            "\"\\udc00x\"",
            "\"\\ud800\\u0041\"",
            "[1] 2",
            "'a'",
            "NaN",
            "\"abc",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} parsed");
        }
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert_eq!(parse(&deep).map_err(|e| e.what), Err("nested too deeply"));
        let fine = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(parse(&fine).is_ok());
        assert_eq!(parse("[1 2]").map_err(|e| e.to_string()), Err("expected , or ] in an array at byte 3".into()));
    }
}
