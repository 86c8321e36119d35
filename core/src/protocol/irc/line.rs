//! IRC lines: parsing (IRCv3 tags, source, command, parameters) and splitting text to fit a line.

/// One parsed IRC line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub tags: Vec<(String, String)>,
    /// `nick!user@host` or a server name.
    pub source: Option<String>,
    pub command: String,
    pub params: Vec<String>,
}

impl Line {
    pub(super) fn tag(&self, name: &str) -> Option<&str> {
        self.tags.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub(super) fn param(&self, i: usize) -> &str {
        self.params.get(i).map_or("", String::as_str)
    }

    pub(super) fn last(&self) -> &str {
        self.params.last().map_or("", String::as_str)
    }

    /// The nick part of the source.
    pub(super) fn nick(&self) -> &str {
        let source = self.source.as_deref().unwrap_or("");
        source.split_once('!').map_or(source, |(nick, _)| nick)
    }
}

/// Parses one line (without CRLF); `None` for an empty or command-less line.
pub fn parse_line(line: &str) -> Option<Line> {
    let mut rest = line.trim_end_matches(['\r', '\n']);
    let mut tags = Vec::new();
    if let Some(tagged) = rest.strip_prefix('@') {
        let (raw, after) = tagged.split_once(' ')?;
        for tag in raw.split(';').filter(|t| !t.is_empty()) {
            let (key, value) = tag.split_once('=').unwrap_or((tag, ""));
            tags.push((key.to_string(), unescape_tag(value)));
        }
        rest = after.trim_start_matches(' ');
    }
    let mut source = None;
    if let Some(sourced) = rest.strip_prefix(':') {
        let (src, after) = sourced.split_once(' ')?;
        source = Some(src.to_string());
        rest = after.trim_start_matches(' ');
    }
    let (command, mut rest) = rest.split_once(' ').unwrap_or((rest, ""));
    if command.is_empty() {
        return None;
    }
    let mut params = Vec::new();
    loop {
        rest = rest.trim_start_matches(' ');
        if rest.is_empty() {
            break;
        }
        if let Some(trailing) = rest.strip_prefix(':') {
            params.push(trailing.to_string());
            break;
        }
        let (param, after) = rest.split_once(' ').unwrap_or((rest, ""));
        params.push(param.to_string());
        rest = after;
    }
    Some(Line { tags, source, command: command.to_ascii_uppercase(), params })
}

fn unescape_tag(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some(':') => out.push(';'),
            Some('s') => out.push(' '),
            Some('r') => out.push('\r'),
            Some('n') => out.push('\n'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// Where the passwords are in `PRIVMSG NickServ :IDENTIFY hunter2` lines of a frame, as byte
/// ranges of it ([`crate::secret::service_secret_at`]), for the inspector to mask.
pub(super) fn service_password_spans(frame: &[u8]) -> Vec<std::ops::Range<usize>> {
    let mut spans = Vec::new();
    let mut line_start = 0;
    for line in frame.split(|&b| b == b'\n') {
        let start = line_start;
        line_start += line.len() + 1;
        let Ok(line) = std::str::from_utf8(line.strip_suffix(b"\r").unwrap_or(line)) else { continue };
        let Some((to, text)) = private_message(line) else { continue };
        if let Some(at) = crate::secret::service_secret_at(to, text) {
            // `text` is a slice of `line`, itself of the frame from `start`.
            let text_start = start + (text.as_ptr() as usize - line.as_ptr() as usize);
            spans.push(text_start + at..start + line.len());
        }
    }
    spans
}

/// The target and text of a `PRIVMSG` line, written by this client or echoed to it.
fn private_message(line: &str) -> Option<(&str, &str)> {
    let rest = match line.strip_prefix('@') {
        Some(tagged) => tagged.split_once(' ')?.1.trim_start_matches(' '),
        None => line,
    };
    let rest = match rest.strip_prefix(':') {
        Some(sourced) => sourced.split_once(' ')?.1.trim_start_matches(' '),
        None => rest,
    };
    let (command, rest) = rest.split_once(' ')?;
    if !command.eq_ignore_ascii_case("PRIVMSG") {
        return None;
    }
    let (to, text) = rest.trim_start_matches(' ').split_once(' ')?;
    let text = text.trim_start_matches(' ');
    Some((to, text.strip_prefix(':').unwrap_or(text)))
}

/// Splits `text` into pieces of at most `max_bytes` of UTF-8, never inside a character.
pub fn split_utf8(text: &str, max_bytes: usize) -> Vec<&str> {
    let max_bytes = max_bytes.max(4); // room for any one character
    let mut pieces = Vec::new();
    let mut rest = text;
    while rest.len() > max_bytes {
        let mut end = max_bytes;
        while !rest.is_char_boundary(end) {
            end -= 1;
        }
        pieces.push(&rest[..end]);
        rest = &rest[end..];
    }
    if !rest.is_empty() || pieces.is_empty() {
        pieces.push(rest);
    }
    pieces
}
