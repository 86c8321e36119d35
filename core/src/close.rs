//! The WebSocket close rules a browser enforces, and what each close code means (RFC 6455 §7.4).

use std::fmt;

/// The longest close reason the browser accepts, in UTF-8 bytes (RFC 6455 §5.5: 125 - 2).
pub const MAX_CLOSE_REASON_BYTES: usize = 123;

/// Why a `close(code, reason)` call would be refused by the browser.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CloseError {
    /// Scripts may only send 1000 or 3000-4999; the browser throws InvalidAccessError otherwise.
    InvalidCode(u16),
    /// The reason is longer than 123 bytes of UTF-8; the browser throws SyntaxError.
    ReasonTooLong { bytes: usize },
}

impl fmt::Display for CloseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CloseError::InvalidCode(code) => write!(
                f,
                "Close code {code} cannot be sent from a browser; use 1000 (normal) or a code from 3000 to 4999."
            ),
            CloseError::ReasonTooLong { bytes } => write!(
                f,
                "The close reason is {bytes} bytes long; it may be at most {MAX_CLOSE_REASON_BYTES} bytes of UTF-8."
            ),
        }
    }
}

impl std::error::Error for CloseError {}

/// Checks a close request the way the browser will, so the person gets a reason instead of an exception.
pub fn validate_close(code: Option<u16>, reason: &str) -> Result<(), CloseError> {
    if let Some(code) = code {
        if code != 1000 && !(3000..=4999).contains(&code) {
            return Err(CloseError::InvalidCode(code));
        }
    }
    if reason.len() > MAX_CLOSE_REASON_BYTES {
        return Err(CloseError::ReasonTooLong { bytes: reason.len() });
    }
    Ok(())
}

/// A close code in words, per RFC 6455 §7.4 and the IANA WebSocket close code registry.
pub fn describe_close_code(code: u16) -> &'static str {
    match code {
        1000 => "normal closure",
        1001 => "going away (server shutting down or page left)",
        1002 => "protocol error",
        1003 => "unsupported data",
        1004 => "reserved",
        1005 => "no status code was given",
        1006 => "abnormal closure (the connection dropped without a close frame)",
        1007 => "invalid frame payload data",
        1008 => "policy violation",
        1009 => "message too big",
        1010 => "a required extension was not negotiated",
        1011 => "internal server error",
        1012 => "service restart",
        1013 => "try again later",
        1014 => "bad gateway",
        1015 => "TLS handshake failure",
        1016..=2999 => "reserved for the WebSocket protocol",
        3000..=3999 => "registered for libraries and frameworks",
        4000..=4999 => "application-defined",
        _ => "not a valid close code",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_what_browsers_allow() {
        assert_eq!(validate_close(None, ""), Ok(()));
        assert_eq!(validate_close(Some(1000), "bye"), Ok(()));
        assert_eq!(validate_close(Some(3000), ""), Ok(()));
        assert_eq!(validate_close(Some(4999), ""), Ok(()));
        assert_eq!(validate_close(Some(4000), &"é".repeat(61)), Ok(())); // 122 bytes
    }

    #[test]
    fn refuses_reserved_codes_and_long_reasons() {
        for code in [0, 999, 1001, 1005, 1006, 1011, 2999, 5000, u16::MAX] {
            assert_eq!(validate_close(Some(code), ""), Err(CloseError::InvalidCode(code)));
        }
        assert_eq!(validate_close(Some(1000), &"a".repeat(124)), Err(CloseError::ReasonTooLong { bytes: 124 }));
        // Counted in bytes, not characters: 62 two-byte characters are 124 bytes.
        assert_eq!(validate_close(None, &"é".repeat(62)), Err(CloseError::ReasonTooLong { bytes: 124 }));
    }

    #[test]
    fn describes_codes() {
        assert_eq!(describe_close_code(1000), "normal closure");
        assert!(describe_close_code(1006).starts_with("abnormal"));
        assert_eq!(describe_close_code(1008), "policy violation");
        assert_eq!(describe_close_code(1011), "internal server error");
        assert_eq!(describe_close_code(4001), "application-defined");
        assert_eq!(describe_close_code(3500), "registered for libraries and frameworks");
        assert_eq!(describe_close_code(5000), "not a valid close code");
    }
}
