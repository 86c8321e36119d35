//! Human-readable descriptions of binary frames: size plus a hex and ASCII preview.

use std::fmt::Write;

/// How many bytes of a binary frame the preview shows.
pub const PREVIEW_BYTES: usize = 32;

/// `48 65 6c 6c 6f  |Hello|` for the first [`PREVIEW_BYTES`] bytes, with `…` when cut.
pub fn hex_preview(bytes: &[u8]) -> String {
    let shown = &bytes[..bytes.len().min(PREVIEW_BYTES)];
    let mut out = String::with_capacity(shown.len() * 4 + 4);
    for (i, b) in shown.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let _ = write!(out, "{b:02x}");
    }
    if bytes.len() > shown.len() {
        out.push_str(" …");
    }
    out.push_str("  |");
    out.extend(shown.iter().map(|&b| if b.is_ascii_graphic() || b == b' ' { b as char } else { '.' }));
    out.push('|');
    out
}

/// `bytes` as lowercase hex digits, two a byte, nothing between them.
pub fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// The text of a `raw` entry for a binary frame.
pub fn describe_binary(bytes: &[u8]) -> String {
    let unit = if bytes.len() == 1 { "byte" } else { "bytes" };
    if bytes.is_empty() {
        return "binary frame, 0 bytes".to_string();
    }
    format!("binary frame, {} {unit}: {}", bytes.len(), hex_preview(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previews_small_frames_whole() {
        assert_eq!(hex_preview(b"Hello"), "48 65 6c 6c 6f  |Hello|");
        assert_eq!(hex_preview(&[0, 255, b'a']), "00 ff 61  |..a|");
        assert_eq!(describe_binary(b"Hi"), "binary frame, 2 bytes: 48 69  |Hi|");
        assert_eq!(describe_binary(&[7]), "binary frame, 1 byte: 07  |.|");
        assert_eq!(describe_binary(&[]), "binary frame, 0 bytes");
    }

    #[test]
    fn cuts_long_frames() {
        let data = vec![0x41u8; 1000];
        let preview = hex_preview(&data);
        assert!(preview.contains(" …  |"));
        assert_eq!(preview.matches("41").count(), PREVIEW_BYTES);
        assert!(describe_binary(&data).starts_with("binary frame, 1000 bytes: "));
    }
}
