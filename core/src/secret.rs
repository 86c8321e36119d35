//! A secret (password, passcode) that no `Debug` or `Display` shows.

use std::fmt;

/// A password or passcode: read with [`Secret::expose`] where it goes on the wire, and shown
/// as `***` by `Debug` (empty as `""`, since "no password" is not a secret).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(secret: impl Into<String>) -> Self {
        Secret(secret.into())
    }

    /// The secret itself, for the frame that carries it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_empty() { "\"\"" } else { "\"***\"" })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_it() {
        assert_eq!(format!("{:?}", Secret::new("hunter2")), "\"***\"");
        assert_eq!(format!("{:?}", Some(("ann", Secret::new("hunter2")))), "Some((\"ann\", \"***\"))");
        assert_eq!(format!("{:?}", Secret::default()), "\"\"");
        assert_eq!(Secret::new("x").expose(), "x");
    }
}
