//! Messages joined end to end into one string, split again by their lengths in UTF-16 units
//! (the browser's count): how a batch of socket messages crosses into wasm in one copy.

/// The pieces of `joined`, one per length, in order. Never panics: a length that runs past
/// the end (or ends inside a character) takes what there is, so a bad count can only mangle
/// the pieces it covers.
pub fn split_utf16<'a>(joined: &'a str, lengths: &'a [u32]) -> impl Iterator<Item = &'a str> + 'a {
    let mut rest = joined;
    lengths.iter().map(move |&units| {
        let mut counted = 0usize;
        let mut end = rest.len();
        for (at, c) in rest.char_indices() {
            if counted >= units as usize {
                end = at;
                break;
            }
            counted += c.len_utf16();
        }
        let (piece, tail) = rest.split_at(end);
        rest = tail;
        piece
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn utf16_len(s: &str) -> u32 {
        s.encode_utf16().count() as u32
    }

    #[test]
    fn splits_ascii_and_wider_characters() {
        let parts = ["alice: hi", "", "héllo ✓", "🦀🦀", "x"];
        let lengths: Vec<u32> = parts.iter().map(|p| utf16_len(p)).collect();
        let joined = parts.concat();
        assert_eq!(split_utf16(&joined, &lengths).collect::<Vec<_>>(), parts);
    }

    #[test]
    fn a_wrong_count_does_not_panic() {
        assert_eq!(split_utf16("abc", &[5, 2]).collect::<Vec<_>>(), ["abc", ""]);
        // One unit into a character that takes two: the character goes with the piece.
        assert_eq!(split_utf16("🦀b", &[1, 1]).collect::<Vec<_>>(), ["🦀", "b"]);
    }

    proptest! {
        #[test]
        fn any_messages_come_back_as_they_were(parts in proptest::collection::vec(any::<String>(), 0..20)) {
            let lengths: Vec<u32> = parts.iter().map(|p| utf16_len(p)).collect();
            let joined = parts.concat();
            let back: Vec<&str> = split_utf16(&joined, &lengths).collect();
            prop_assert_eq!(back, parts.iter().map(String::as_str).collect::<Vec<_>>());
        }
    }
}
