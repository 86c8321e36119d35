//! SASL PLAIN for IRC: the account and password, kept out of Debug output, and the
//! `AUTHENTICATE` payload in base64.

/// An account and its password for SASL PLAIN.
#[derive(Clone, PartialEq, Eq)]
pub struct SaslLogin {
    pub account: String,
    pub password: String,
}

impl std::fmt::Debug for SaslLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SaslLogin").field("account", &self.account).field("password", &"***").finish()
    }
}

impl SaslLogin {
    /// `AUTHENTICATE` lines carrying `authzid NUL authcid NUL password` in base64, 400 bytes a
    /// line, with a closing `+` when the last line was full (IRCv3 SASL).
    pub(super) fn authenticate_lines(&self) -> Vec<String> {
        let payload = base64(format!("{0}\0{0}\0{1}", self.account, self.password).as_bytes());
        let mut lines: Vec<String> =
            payload.as_bytes().chunks(400).map(|c| format!("AUTHENTICATE {}", String::from_utf8_lossy(c))).collect();
        if payload.len().is_multiple_of(400) {
            lines.push("AUTHENTICATE +".to_string());
        }
        lines
    }
}

pub(super) use crate::protocol::base64;

/// Where logging in with SASL stands during registration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum SaslStep {
    /// Not asked for, not offered, or over.
    Off,
    /// `sasl` requested in CAP REQ; AUTHENTICATE PLAIN follows the ACK.
    Requested,
    /// AUTHENTICATE PLAIN sent; the server's `+` asks for the payload.
    Authenticating,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sasl_payloads_are_base64_in_lines_of_400() {
        for (plain, encoded) in [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foobar", "Zm9vYmFy")] {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
        // 3 * 100 bytes of payload encode to exactly 400 characters: a closing `+` follows.
        let login = SaslLogin { account: "a".repeat(49), password: "p".repeat(200) };
        let lines = login.authenticate_lines();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].len(), "AUTHENTICATE ".len() + 400);
        assert_eq!(lines[1], "AUTHENTICATE +");
        assert!(!format!("{login:?}").contains("ppp"), "Debug never shows the password");
    }
}
