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
