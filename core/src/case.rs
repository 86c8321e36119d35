//! Lower case for matching without case, with the platform's Unicode tables.
//!
//! Unicode's default lower-case mapping is what both Rust's `str::to_lowercase` and
//! JavaScript's `toLowerCase` implement. In the browser the JavaScript one is used, so that
//! the wasm module does not carry a second copy of Unicode's case tables (7.2 KB brotli).

/// `text` in lower case (Unicode's default mapping); ASCII text never leaves the wasm.
pub fn lowercase(text: &str) -> String {
    if text.is_ascii() {
        text.to_ascii_lowercase()
    } else {
        unicode_lowercase(text)
    }
}

#[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
fn unicode_lowercase(text: &str) -> String {
    js_sys::JsString::from(text).to_lower_case().into()
}

#[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
fn unicode_lowercase(text: &str) -> String {
    text.to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::lowercase;

    #[test]
    fn folds_ascii_and_beyond() {
        assert_eq!(lowercase("Ada LOVELACE 42"), "ada lovelace 42");
        assert_eq!(lowercase("ÄRGER Łódź ΟΔΥΣΣΕΥΣ Ёж"), "ärger łódź οδυσσευς ёж");
        assert_eq!(lowercase(""), "");
    }
}
