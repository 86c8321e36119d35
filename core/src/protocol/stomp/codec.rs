//! STOMP 1.2's frames as text: a frame to send (headers escaped, NUL-terminated), and the
//! frames of what came (commands, unescaped headers, bodies by `content-length` or NUL).

use crate::protocol::OutFrame;

/// One frame from the server: its command, headers (unescaped) and body.
#[derive(Debug, PartialEq)]
pub(super) struct StompFrame<'a> {
    pub(super) command: &'a str,
    headers: Vec<(String, String)>,
    pub(super) body: &'a str,
}

impl StompFrame<'_> {
    /// The first value of a header (STOMP 1.2: the first of repeated ones counts).
    pub(super) fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// A frame to send: command, headers (escaped as STOMP 1.2 says), body, NUL.
pub(super) fn frame(command: &str, headers: &[(&str, &str)], body: &str) -> OutFrame {
    let mut out = String::with_capacity(command.len() + body.len() + 64);
    out.push_str(command);
    out.push('\n');
    for (name, value) in headers {
        escape_into(&mut out, name);
        out.push(':');
        escape_into(&mut out, value);
        out.push('\n');
    }
    out.push('\n');
    out.push_str(body);
    out.push('\0');
    OutFrame::Text(out)
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            ':' => out.push_str("\\c"),
            c => out.push(c),
        }
    }
}

fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('c') => out.push(':'),
            Some('\\') => out.push('\\'),
            // An undefined escape is a broken frame; kept as it came rather than lost.
            Some(other) => (out.push('\\'), out.push(other)).1,
            None => out.push('\\'),
        }
    }
    out
}

/// One frame as it came: its command, its header lines (not yet unescaped) and its body.
pub(super) struct RawFrame<'a> {
    pub(super) command: &'a str,
    head: &'a str,
    body: &'a str,
}

impl<'a> RawFrame<'a> {
    /// The header lines as name and value, escaped as they came.
    fn raw_headers(&self) -> impl Iterator<Item = (&'a str, &'a str)> {
        self.head.lines().skip(1).filter_map(|l| l.trim_end_matches('\r').split_once(':'))
    }

    /// The frame with its headers unescaped: only for frames that are handled, so a message of
    /// thousands of frames nobody reads costs no allocation for them.
    pub(super) fn parsed(&self) -> StompFrame<'a> {
        let headers = self.raw_headers().map(|(n, v)| (unescape(n), unescape(v))).collect();
        StompFrame { command: self.command, headers, body: self.body }
    }
}

/// The frame at the start of `rest` (one WebSocket message holds any number), which is left
/// after it: heart-beats (bare line ends) skipped, the frame up to its NUL (or its
/// `content-length`). Its ends are looked for from its start, byte by byte: a message of
/// 170,000 empty frames is a hostile server's mebibyte. A call per frame, never inlined:
/// the browser compiles a wasm function well only once it has been called often, and a loop
/// inside one call runs as first compiled (twice as slow here).
#[inline(never)]
pub(super) fn next_frame<'a>(rest: &mut &'a str) -> Option<RawFrame<'a>> {
    let beats = rest.bytes().take_while(|b| matches!(b, b'\n' | b'\r')).count();
    *rest = rest.get(beats..)?;
    if rest.is_empty() {
        return None;
    }
    let (head, after) = split_headers(rest)?;
    let command = head.get(..position(head, b'\n').unwrap_or(head.len())).unwrap_or_default();
    let mut frame = RawFrame { command: command.trim_end_matches('\r'), head, body: "" };
    // No escape sequence unescapes to this name or to digits: the raw text is compared.
    let length = frame.raw_headers().find(|(n, _)| *n == "content-length").and_then(|(_, v)| v.parse::<usize>().ok());
    let end = match length {
        Some(n) if n <= after.len() && after.is_char_boundary(n) => n,
        _ => position(after, 0).unwrap_or(after.len()),
    };
    frame.body = after.get(..end).unwrap_or(after);
    *rest = after.get(end + 1..).unwrap_or_default();
    Some(frame)
}

/// Where the first `byte` (ASCII) of `text` is.
fn position(text: &str, byte: u8) -> Option<usize> {
    text.bytes().position(|b| b == byte)
}

/// The command and headers of the frame at the start of `text`, and what follows their blank
/// line; `None` when no line is blank. Lines end in LF or CRLF (STOMP 1.2), so the first
/// blank line is the first LF followed by LF or CRLF. Looked for from the frame's start only:
/// looking for `\n\n` in all the rest first (and for `\r\n\r\n` after) read a whole message of
/// CRLF frames once per frame, and ended a CRLF frame's headers in a later LF frame.
fn split_headers(text: &str) -> Option<(&str, &str)> {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(found) = bytes.get(from..)?.iter().position(|b| *b == b'\n') {
        let at = from + found;
        let after = bytes.get(at + 1..).unwrap_or_default();
        let blank = match after {
            [b'\n', ..] => 1,
            [b'\r', b'\n', ..] => 2,
            _ => 0,
        };
        if blank > 0 {
            return Some((text.get(..at)?, text.get(at + 1 + blank..)?));
        }
        from = at + 1;
    }
    None
}
