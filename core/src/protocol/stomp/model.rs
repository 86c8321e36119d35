//! The round-trip property's broker, its frames read and written here from the STOMP 1.2 text
//! (frames, header escapes, `content-length`), apart from the client's codec: a mistake made
//! alike in both would pass unseen.

/// A header value as STOMP 1.2 escapes it.
fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('\n', "\\n").replace('\r', "\\r").replace(':', "\\c")
}

/// A header value read back; an escape STOMP 1.2 does not define makes the frame unreadable.
fn unescape(value: &str) -> Option<String> {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        out.push(match chars.next()? {
            '\\' => '\\',
            'n' => '\n',
            'r' => '\r',
            'c' => ':',
            _ => return None,
        });
    }
    Some(out)
}

/// The MESSAGE a broker sends subscribers for the first SEND frame in `text`: the same
/// destination and body.
pub(super) fn relay(text: &str) -> Option<String> {
    // Frames may be preceded by heart-beat EOLs.
    let frame = text.trim_start_matches(['\r', '\n']);
    let (command, rest) = frame.split_once('\n')?;
    if command.trim_end_matches('\r') != "SEND" {
        return None;
    }
    let (head, after) = rest.split_once("\n\n")?;
    let header = |name: &str| {
        // The first occurrence of a repeated header is the one that counts.
        head.lines().find_map(|line| line.trim_end_matches('\r').strip_prefix(name)?.strip_prefix(':'))
    };
    let destination = unescape(header("destination")?)?;
    let body = match header("content-length") {
        Some(length) => after.get(..length.parse::<usize>().ok()?)?,
        None => after.split('\0').next()?,
    };
    Some(format!(
        "MESSAGE\ndestination:{}\nmessage-id:1\nsubscription:sub-1\ncontent-length:{}\n\n{body}\0",
        escape(&destination),
        body.len()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_escaped_as_stomp_1_2_says() {
        assert_eq!(escape("a:b\\c\nd\re"), "a\\cb\\\\c\\nd\\re");
        assert_eq!(unescape("a\\cb\\\\c\\nd\\re").as_deref(), Some("a:b\\c\nd\re"));
        assert_eq!(unescape("\\t"), None, "undefined escapes are an error");
        let sent = "SEND\ndestination:/topic/a\\cb\ncontent-length:4\n\nhi\0!\0";
        assert_eq!(
            relay(sent).as_deref(),
            Some("MESSAGE\ndestination:/topic/a\\cb\nmessage-id:1\nsubscription:sub-1\ncontent-length:4\n\nhi\0!\0")
        );
    }
}
