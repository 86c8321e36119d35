//! The outbox as kept in storage: what survives a reload or a crash, each message with the server
//! it was typed for, and the rules for telling which server a stored message belongs to.

/// An own message as kept across reloads.
#[derive(Clone, Debug, PartialEq)]
pub struct PersistedMessage {
    /// The server it was typed for ([`server_id`] of its URL): it is never sent to another.
    pub server: String,
    /// The conversation it was typed in ([`crate::chat::Conversations::key`]); empty for the
    /// connection's first (the only one of formats with one).
    pub conversation: String,
    pub nick: String,
    pub text: String,
    pub time_ms: f64,
}

/// Version line of the outbox format, so a later format can tell old data apart.
const OUTBOX_FORMAT: &str = "wschat-outbox-3";

/// The format before messages carried their conversation.
const OUTBOX_FORMAT_V2: &str = "wschat-outbox-2";

/// The format before messages carried their server (one storage key per server URL).
const OUTBOX_FORMAT_V1: &str = "wschat-outbox-1";

/// A server's name in storage: a hash of its URL, so storage keys and stored values never
/// carry credentials from an address, and one server's messages never go to another.
pub fn server_id(url: &str) -> String {
    // 128 bits of SHA-256: an address crafted to share another server's key (and so receive
    // its pending messages) would need a collision, not a few million tries as with 64-bit FNV.
    crate::protocol::hex(&crate::sha256::sha256(url.as_bytes())[..16])
}

/// The key an earlier version gave the server at `url` (64-bit FNV-1a), so that what it stored
/// is still found and moved to [`server_id`]'s key.
pub fn legacy_server_id(url: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in url.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// The outbox as text for localStorage: a version line, then one line per message,
/// `time<TAB>server<TAB>conversation<TAB>nick<TAB>text` with backslash, tab, CR and LF escaped.
pub fn encode_outbox(messages: &[PersistedMessage]) -> String {
    let mut out = String::from(OUTBOX_FORMAT);
    for m in messages {
        out.push('\n');
        // Whole milliseconds (what Date.now() gives): no float formatting in the module.
        out.push_str(&(m.time_ms as i64).to_string());
        out.push('\t');
        escape_into(&mut out, &m.server);
        out.push('\t');
        escape_into(&mut out, &m.conversation);
        out.push('\t');
        escape_into(&mut out, &m.nick);
        out.push('\t');
        escape_into(&mut out, &m.text);
    }
    out
}

/// Reads what [`encode_outbox`] wrote, or an older format: without conversations (their
/// messages are the first conversation's), or without a server per message (its messages are
/// `legacy_server`'s, the server its key was named after). Anything unreadable
/// (another version, a damaged line) is skipped rather than trusted: storage is shared with
/// whatever else runs on the origin.
pub fn decode_outbox(stored: &str, legacy_server: &str) -> Vec<PersistedMessage> {
    let mut lines = stored.split('\n');
    let (with_server, with_conversation) = match lines.next() {
        Some(OUTBOX_FORMAT) => (true, true),
        Some(OUTBOX_FORMAT_V2) => (true, false),
        Some(OUTBOX_FORMAT_V1) => (false, false),
        _ => return Vec::new(),
    };
    let fields = 3 + usize::from(with_server) + usize::from(with_conversation);
    lines
        .filter_map(|line| {
            let mut fields = line.splitn(fields, '\t');
            let time_ms = whole_ms(fields.next()?)?;
            let server = if with_server { unescape(fields.next()?)? } else { legacy_server.to_string() };
            let conversation = if with_conversation { unescape(fields.next()?)? } else { String::new() };
            let nick = unescape(fields.next()?)?;
            let text = unescape(fields.next()?)?;
            Some(PersistedMessage { server, conversation, nick, text, time_ms })
        })
        .collect()
}

/// Milliseconds as stored: an integer, with a fraction (as older pages wrote) read and dropped.
fn whole_ms(field: &str) -> Option<f64> {
    let (whole, fraction) = field.split_once('.').unwrap_or((field, ""));
    if !fraction.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    whole.parse::<i64>().ok().map(|ms| ms as f64)
}

fn escape_into(out: &mut String, field: &str) {
    for c in field.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

fn unescape(field: &str) -> Option<String> {
    let mut out = String::with_capacity(field.len());
    let mut chars = field.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        out.push(match chars.next()? {
            '\\' => '\\',
            't' => '\t',
            'n' => '\n',
            'r' => '\r',
            _ => return None,
        });
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(server: &str, text: &str, time_ms: f64) -> PersistedMessage {
        PersistedMessage {
            server: server.into(),
            conversation: String::new(),
            nick: "me".into(),
            text: text.into(),
            time_ms,
        }
    }

    #[test]
    fn round_trips_with_the_server_of_each_message() {
        let messages = vec![
            message("a1", "tab\there\nnew line \\ back", 1.5e12),
            PersistedMessage {
                server: "b\t2".into(),
                conversation: "c:#a\tb".into(),
                nick: "zoë".into(),
                text: "".into(),
                time_ms: 0.0,
            },
        ];
        assert_eq!(decode_outbox(&encode_outbox(&messages), "x"), messages);
        assert_eq!(decode_outbox("", "x"), vec![]);
        assert_eq!(decode_outbox("garbage", "x"), vec![]);
        assert_eq!(
            decode_outbox("wschat-outbox-3\nnot a time\ts\t\tme\tx\n1\ts\t\tme\tbad \\q\n2\ts\t\tme\tok", "x"),
            vec![message("s", "ok", 2.0)]
        );
    }

    #[test]
    fn messages_from_before_conversations_are_the_first_conversations() {
        assert_eq!(decode_outbox("wschat-outbox-2\n5\ts\tme\tx", "old"), vec![message("s", "x", 5.0)]);
    }

    #[test]
    fn the_older_format_belongs_to_the_server_its_key_named() {
        assert_eq!(decode_outbox("wschat-outbox-1\n12.75\tme\tx\n1.x\tme\ty", "old"), vec![message("old", "x", 12.0)]);
    }

    #[test]
    fn server_ids_are_stable_and_hide_the_address() {
        let id = server_id("ws://ada:secret@example.org/ws?token=abc");
        assert_eq!(id, server_id("ws://ada:secret@example.org/ws?token=abc"));
        assert_eq!(id.len(), 32);
        assert_eq!(server_id(""), "e3b0c44298fc1c149afbf4c8996fb924");
        assert_eq!(legacy_server_id("ws://example.org/ws").len(), 16);
        assert!(!id.contains("secret") && !id.contains("abc"));
        assert_ne!(id, server_id("ws://example.org/ws"));
    }
}
