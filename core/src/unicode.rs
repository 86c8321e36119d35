//! Unicode's case mapping and letter classes, with the platform's tables.
//!
//! Rust's `str::to_lowercase` and `char::is_alphanumeric` and JavaScript's `toLowerCase` and
//! `/[\p{Alphabetic}\p{N}]/u` answer from the same Unicode properties. In the browser the
//! JavaScript ones are used, so that the wasm module does not carry a second copy of those
//! tables (9.4 KB brotli); ASCII is answered here and never leaves the wasm.

/// `text` in lower case (Unicode's default mapping), for matching without case.
pub fn lowercase(text: &str) -> String {
    if text.is_ascii() {
        text.to_ascii_lowercase()
    } else {
        platform::lowercase(text)
    }
}

/// Whether `c` is a letter or digit of any script (Unicode's Alphabetic or Numeric).
pub fn is_alphanumeric(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else {
        platform::is_alphanumeric(c)
    }
}

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
mod platform {
    use js_sys::{JsString, RegExp};

    pub fn lowercase(text: &str) -> String {
        JsString::from(text).to_lower_case().into()
    }

    pub fn is_alphanumeric(c: char) -> bool {
        RegExp::new(r"^[\p{Alphabetic}\p{N}]$", "u").test(c.encode_utf8(&mut [0; 4]))
    }
}

#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
mod platform {
    pub fn lowercase(text: &str) -> String {
        text.to_lowercase()
    }

    pub fn is_alphanumeric(c: char) -> bool {
        c.is_alphanumeric()
    }
}

#[cfg(test)]
mod tests {
    use super::{is_alphanumeric, lowercase};

    #[test]
    fn folds_ascii_and_beyond() {
        assert_eq!(lowercase("Ada LOVELACE 42"), "ada lovelace 42");
        assert_eq!(lowercase("ÄRGER Łódź ΟΔΥΣΣΕΥΣ Ёж"), "ärger łódź οδυσσευς ёж");
        assert_eq!(lowercase(""), "");
    }

    #[test]
    fn letters_and_digits_of_any_script() {
        for c in ['a', 'Z', '7', 'é', 'ж', '中', '٣'] {
            assert!(is_alphanumeric(c), "{c}");
        }
        for c in [' ', '-', '’', '!', '\u{a0}', '😀'] {
            assert!(!is_alphanumeric(c), "{c}");
        }
    }
}
