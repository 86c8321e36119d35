//! How entries are presented: nick colours, links, mentions, grouping and day boundaries.

/// Number of nick colours; `style/main.css` defines `--nick-0` … `--nick-11` for each theme.
pub const NICK_COLOURS: u32 = 12;

/// Consecutive messages from one author closer together than this share one header.
pub const GROUP_WITHIN_MS: f64 = 5.0 * 60_000.0;

/// A stable colour index for a nick: the same nick gets the same colour on every page and
/// every visit (FNV-1a of the lowercased nick, so `Ada` and `ada` match as IRC treats them).
pub fn nick_colour(nick: &str) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    let mut add = |byte: u8| hash = (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193);
    // Once per row drawn: ASCII nicks are lowered byte by byte, without a string made.
    if nick.is_ascii() {
        nick.bytes().for_each(|byte| add(byte.to_ascii_lowercase()));
    } else {
        crate::unicode::lowercase(nick).bytes().for_each(add);
    }
    hash % NICK_COLOURS
}

/// `value` with one decimal ("2.5"), made without the float formatter: that machinery is
/// about 10 KB of the wasm module for a few status lines.
pub fn one_decimal(value: f64) -> String {
    if !value.is_finite() {
        return "?".to_string();
    }
    // `as` saturates: absurd values print as the largest u64, never panic.
    let tenths = (value.abs() * 10.0).round() as u64;
    let sign = if value < 0.0 && tenths > 0 { "-" } else { "" };
    format!("{sign}{}.{}", tenths / 10, tenths % 10)
}

/// Milliseconds as seconds for people: `1`, `2.5`.
pub fn seconds(ms: f64) -> String {
    let text = one_decimal(ms / 1000.0);
    match text.strip_suffix(".0") {
        Some(whole) => whole.to_string(),
        None => text,
    }
}

/// A piece of message text: plain, or a link that is safe to make an anchor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Segment<'a> {
    Text(&'a str),
    /// An `http://` or `https://` URL; every other scheme stays text.
    Link(&'a str),
}

/// Splits text into plain runs and http(s) links. Trailing punctuation that usually ends a
/// sentence (`.`, `,`, `)` without a matching `(`, …) is left out of the link.
pub fn segments(text: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    let mut plain_from = 0;
    // Every byte is scanned a bounded number of times: a candidate is checked for a host
    // before its end is looked for, and the search resumes after the scanned run.
    let mut scanned_to = 0;
    for (sep, _) in text.match_indices("://") {
        if sep < scanned_to {
            continue;
        }
        let after = &text[sep + 3..];
        let has_host = after.chars().next().is_some_and(|c| !c.is_whitespace() && !is_link_end(c) && c != '/');
        let Some(start) = scheme_start(text, sep).filter(|_| has_host) else { continue };
        let rest = &text[start..];
        let raw_end = rest.find(|c: char| c.is_whitespace() || is_link_end(c)).unwrap_or(rest.len());
        scanned_to = start + raw_end;
        let link = trim_trailing(&rest[..raw_end]);
        if link.len() <= sep + 3 - start {
            continue;
        }
        if plain_from < start {
            out.push(Segment::Text(&text[plain_from..start]));
        }
        out.push(Segment::Link(link));
        plain_from = start + link.len();
    }
    if plain_from < text.len() {
        out.push(Segment::Text(&text[plain_from..]));
    }
    out
}

fn is_link_end(c: char) -> bool {
    matches!(c, '<' | '>' | '"' | '`')
}

/// Whether text may hold a link at all: a cheap test before [`segments`].
pub fn may_hold_link(text: &str) -> bool {
    text.contains("://")
}

/// Where the `http` or `https` before the "://" at `sep` starts, if that is what precedes it
/// and it is not glued to a word ("xhttp://").
fn scheme_start(text: &str, sep: usize) -> Option<usize> {
    let before = &text.as_bytes()[..sep];
    let start = ["https", "http"].into_iter().find_map(|scheme| {
        let at = sep.checked_sub(scheme.len())?;
        before[at..].eq_ignore_ascii_case(scheme.as_bytes()).then_some(at)
    })?;
    let glued = text[..start].chars().next_back().is_some_and(crate::unicode::is_alphanumeric);
    (!glued).then_some(start)
}

fn trim_trailing(link: &str) -> &str {
    // Parentheses are counted once, then kept in step while trimming: linear in the link.
    let mut open = link.matches('(').count();
    let mut close = link.matches(')').count();
    let mut link = link;
    while let Some(last) = link.chars().next_back() {
        let unmatched_paren = last == ')' && open < close;
        if !(matches!(last, '.' | ',' | ';' | ':' | '!' | '?' | '\'' | ']' | '}') || unmatched_paren) {
            break;
        }
        link = &link[..link.len() - last.len_utf8()];
        match last {
            ')' => close -= 1,
            '(' => open -= 1,
            _ => {}
        }
    }
    link
}

/// Whether `text` mentions `nick` as a word (case-insensitive), as chat clients highlight.
/// Runs on every message received, so an ASCII nick (the common case) is matched without
/// allocating.
pub fn mentions(text: &str, nick: &str) -> bool {
    if nick.is_empty() || text.len() < nick.len() && nick.is_ascii() {
        return false;
    }
    let is_word = |c: Option<char>| c.is_some_and(|c| crate::unicode::is_alphanumeric(c) || matches!(c, '_' | '-'));
    let whole_word = |text: &str, at: usize, len: usize| {
        !is_word(text[..at].chars().next_back()) && !is_word(text[at + len..].chars().next())
    };
    if nick.is_ascii() {
        let (bytes, wanted) = (text.as_bytes(), nick.as_bytes());
        return (0..=bytes.len() - wanted.len()).any(|at| {
            bytes[at..at + wanted.len()].eq_ignore_ascii_case(wanted)
                && text.is_char_boundary(at)
                && text.is_char_boundary(at + wanted.len())
                && whole_word(text, at, wanted.len())
        });
    }
    let text = crate::unicode::lowercase(text);
    let nick = crate::unicode::lowercase(nick);
    text.match_indices(&nick).any(|(at, _)| whole_word(&text, at, nick.len()))
}

/// Whether a message belongs under the previous one's header: same kind, same author, soon after.
pub fn continues_group(previous: Option<(&str, f64)>, nick: &str, time_ms: f64) -> bool {
    previous.is_some_and(|(prev_nick, prev_time)| {
        prev_nick == nick && time_ms >= prev_time && time_ms - prev_time < GROUP_WITHIN_MS
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_quotes_for_notices() {
        assert_eq!(one_decimal(2.5), "2.5");
        assert_eq!(one_decimal(0.04), "0.0");
        assert_eq!(one_decimal(59.96), "60.0");
        assert_eq!(one_decimal(-1.25), "-1.3");
        assert_eq!(one_decimal(f64::NAN), "?");
        assert_eq!(seconds(1000.0), "1");
        assert_eq!(seconds(2500.0), "2.5");
        assert_eq!(one_decimal(1e300), format!("{}.5", u64::MAX / 10));
    }

    #[test]
    fn nick_colours_are_stable_and_spread() {
        assert_eq!(nick_colour("alice"), nick_colour("alice"));
        assert_eq!(nick_colour("Alice"), nick_colour("alice"));
        assert_eq!(nick_colour("ÉMILE"), nick_colour("émile"));
        let used: std::collections::HashSet<u32> =
            ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"]
                .iter()
                .map(|n| nick_colour(n))
                .collect();
        assert!(used.len() >= 6, "ten nicks share only {} colours", used.len());
        assert!(used.iter().all(|c| *c < NICK_COLOURS));
    }

    #[test]
    fn links_are_http_and_https_only() {
        assert_eq!(
            segments("see https://example.com/a?b=c#d, then"),
            vec![Segment::Text("see "), Segment::Link("https://example.com/a?b=c#d"), Segment::Text(", then")]
        );
        assert_eq!(segments("javascript:alert(1)"), vec![Segment::Text("javascript:alert(1)")]);
        assert_eq!(segments("ftp://x.org"), vec![Segment::Text("ftp://x.org")]);
        assert_eq!(segments("data:text/html,<b>"), vec![Segment::Text("data:text/html,<b>")]);
        assert_eq!(segments("HTTP://X.ORG"), vec![Segment::Link("HTTP://X.ORG")]);
        assert_eq!(segments("http://"), vec![Segment::Text("http://")]);
        assert_eq!(segments("xhttp://a.b"), vec![Segment::Text("xhttp://a.b")]);
        assert_eq!(
            segments("(see http://en.wikipedia.org/wiki/Rust_(language))."),
            vec![
                Segment::Text("(see "),
                Segment::Link("http://en.wikipedia.org/wiki/Rust_(language)"),
                Segment::Text(")."),
            ]
        );
        assert_eq!(
            segments("<a href=\"http://evil.example\">x</a>"),
            vec![Segment::Text("<a href=\""), Segment::Link("http://evil.example"), Segment::Text("\">x</a>")]
        );
        assert_eq!(
            segments("http://a.io http://b.io"),
            vec![Segment::Link("http://a.io"), Segment::Text(" "), Segment::Link("http://b.io")]
        );
        assert_eq!(
            segments("ünï http://ö.de ü"),
            vec![Segment::Text("ünï "), Segment::Link("http://ö.de"), Segment::Text(" ü")]
        );
    }

    /// The segments put back together: must be the text, exactly.
    fn rejoined(text: &str) -> String {
        segments(text)
            .into_iter()
            .map(|s| match s {
                Segment::Text(t) | Segment::Link(t) => t,
            })
            .collect()
    }

    #[test]
    fn hostile_link_text_stays_fast() {
        // Each of these took quadratic time in an earlier version (minutes for 64 KiB); no clock
        // is asserted, a regression shows as a test that does not finish.
        let closes = format!("http://a{}", ")".repeat(64 * 1024));
        let hostless = "http:///".repeat(8 * 1024);
        let glued = "http://a)".repeat(7 * 1024);
        for text in [closes, hostless, glued] {
            assert_eq!(rejoined(&text), text);
        }
    }

    #[test]
    fn segments_rebuild_the_text() {
        for text in ["a http://x.y b", "http://", "x https://a.b/(c)) d", "é://é http://é", ""] {
            assert_eq!(rejoined(text), text);
        }
    }

    #[test]
    fn mentions_are_whole_words() {
        assert!(mentions("hey Ada, look", "ada"));
        assert!(mentions("ada: hi", "Ada"));
        assert!(!mentions("adam is here", "ada"));
        assert!(!mentions("canada", "ada"));
        assert!(!mentions("anything", ""));
        assert!(!mentions("a", "ada"));
        assert!(mentions("ADA", "ada"));
        assert!(mentions("é ada é", "ada"));
        assert!(mentions("hi zoë!", "Zoë"), "non-ASCII nicks too");
        assert!(!mentions("zoëy", "zoë"));
    }

    #[test]
    fn grouping() {
        assert!(continues_group(Some(("ada", 0.0)), "ada", 60_000.0));
        assert!(!continues_group(Some(("ada", 0.0)), "bob", 1.0));
        assert!(!continues_group(Some(("ada", 0.0)), "ada", GROUP_WITHIN_MS));
        assert!(!continues_group(None, "ada", 0.0));
    }
}
