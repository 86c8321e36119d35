//! Messages joined end to end into one UTF-8 buffer, split again by their lengths in bytes: how
//! a batch of socket messages crosses into wasm in one copy.

/// The pieces of `joined`, one per length in bytes, in order. Never panics: a length that runs
/// past the end takes what there is, and one that ends inside a character takes the whole
/// character, so a bad count can only mangle the pieces it covers.
pub fn split_utf8<'a>(joined: &'a str, lengths: &'a [u32]) -> impl Iterator<Item = &'a str> + 'a {
    let mut rest = joined;
    lengths.iter().map(move |&bytes| {
        let mut end = (bytes as usize).min(rest.len());
        while !rest.is_char_boundary(end) {
            end += 1;
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

    fn lengths_of(parts: &[&str]) -> Vec<u32> {
        parts.iter().map(|p| p.len() as u32).collect()
    }

    #[test]
    fn splits_ascii_and_wider_characters() {
        let parts = ["alice: hi", "", "héllo ✓", "🦀🦀", "x"];
        let joined = parts.concat();
        assert_eq!(split_utf8(&joined, &lengths_of(&parts)).collect::<Vec<_>>(), parts);
    }

    #[test]
    fn a_wrong_count_does_not_panic() {
        assert_eq!(split_utf8("abc", &[5, 2]).collect::<Vec<_>>(), ["abc", ""]);
        // One byte into a character of four: the character goes with the piece.
        assert_eq!(split_utf8("🦀b", &[1, 1]).collect::<Vec<_>>(), ["🦀", "b"]);
    }

    proptest! {
        #[test]
        fn any_messages_come_back_as_they_were(parts in proptest::collection::vec(any::<String>(), 0..20)) {
            let lengths: Vec<u32> = parts.iter().map(|p| p.len() as u32).collect();
            let joined = parts.concat();
            let back: Vec<&str> = split_utf8(&joined, &lengths).collect();
            prop_assert_eq!(back, parts.iter().map(String::as_str).collect::<Vec<_>>());
        }

        #[test]
        fn any_counts_never_panic(text in any::<String>(), lengths in proptest::collection::vec(0u32..64, 0..20)) {
            let pieces: Vec<&str> = split_utf8(&text, &lengths).collect();
            prop_assert!(text.starts_with(&pieces.concat()));
        }
    }
}
