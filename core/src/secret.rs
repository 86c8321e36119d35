//! Secrets: a password that no `Debug` or `Display` shows, and the ones people type to network
//! services (`/msg NickServ IDENTIFY hunter2`), found so they are never shown or kept.

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

/// Network services that take passwords in private messages: Anope's and Atheme's, QuakeNet's
/// Q, Undernet's X, GameSurge's AuthServ. Compared without case and without an `@server` part.
const SERVICES: &[&str] =
    &["nickserv", "chanserv", "operserv", "hostserv", "botserv", "memoserv", "authserv", "userserv", "q", "x"];

/// Service commands whose arguments hold a password (and, with it, an account or an address).
const SECRET_COMMANDS: &[&str] = &[
    "identify",
    "id",
    "login",
    "auth",
    "register",
    "ghost",
    "recover",
    "release",
    "regain",
    "group",
    "drop",
    "setpass",
    "resetpass",
    "newpass",
    "verify",
    "confirm",
];

/// Commands that set something, a password among them (`SET PASSWORD x`, `SET #chan PASSWORD x`).
const SETTING_COMMANDS: &[&str] = &["set", "saset", "sset"];

/// What a password is shown as: always as long, so its length stays unknown too.
pub const SECRET_MASK: &str = "********";

/// Whether `name` (a nick, perhaps `Nick@server`) is a network service that takes passwords.
pub fn is_service(name: &str) -> bool {
    let nick = name.split('@').next().unwrap_or(name);
    SERVICES.iter().any(|s| s.eq_ignore_ascii_case(nick))
}

/// Where the secret part of `text`, a private message to `to`, starts: past the command word
/// of `IDENTIFY hunter2` or `REGISTER hunter2 me@example.org` sent to NickServ, past
/// `PASSWORD` in `SET PASSWORD hunter2`. `None` when the message holds no password.
pub fn service_secret_at(to: &str, text: &str) -> Option<usize> {
    if !is_service(to) {
        return None;
    }
    let mut words = words_at(text);
    let (_, command) = words.next()?;
    if SECRET_COMMANDS.iter().any(|c| c.eq_ignore_ascii_case(command)) {
        return words.next().map(|(at, _)| at);
    }
    if SETTING_COMMANDS.iter().any(|c| c.eq_ignore_ascii_case(command)) {
        // `SET PASSWORD x`, `SET #chan PASSWORD x`, `SASET nick PASSWORD x`.
        let mut words = words.take(3);
        words.find(|(_, w)| ["password", "pass", "passwd"].iter().any(|p| p.eq_ignore_ascii_case(w)))?;
        return words.next().map(|(at, _)| at);
    }
    None
}

/// `text`, a private message to `to`, as it may be shown or kept: its password masked.
pub fn mask_service_secret(to: &str, text: &str) -> Option<String> {
    service_secret_at(to, text).map(|at| format!("{}{SECRET_MASK}", &text[..at]))
}

/// The words of `text` with their byte offsets.
fn words_at(text: &str) -> impl Iterator<Item = (usize, &str)> {
    // Each word is a slice of `text`: its offset is where it starts in `text`'s bytes.
    text.split_whitespace().map(move |word| (word.as_ptr() as usize - text.as_ptr() as usize, word))
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

    #[test]
    fn passwords_to_services_are_found() {
        for (to, text, masked) in [
            ("NickServ", "IDENTIFY hunter2", Some("IDENTIFY ********")),
            ("nickserv", "identify ada hunter2", Some("identify ********")),
            ("NickServ@services.libera.chat", "id hunter2", Some("id ********")),
            ("NickServ", "REGISTER hunter2 ada@example.org", Some("REGISTER ********")),
            ("NickServ", "  GHOST ada hunter2", Some("  GHOST ********")),
            ("NickServ", "SET PASSWORD hunter2", Some("SET PASSWORD ********")),
            ("ChanServ", "SET #chan PASSWORD hunter2", Some("SET #chan PASSWORD ********")),
            ("NickServ", "SASET ada PASSWORD hunter2", Some("SASET ada PASSWORD ********")),
            ("Q@CServe.quakenet.org", "AUTH ada hunter2", Some("AUTH ********")),
            ("X", "login ada hunter2", Some("login ********")),
            ("NickServ", "IDENTIFY\thunter2", Some("IDENTIFY\t********")),
            // No password: shown as typed.
            ("NickServ", "IDENTIFY", None),
            ("NickServ", "HELP IDENTIFY", None),
            ("NickServ", "SET EMAIL ada@example.org", None),
            ("NickServ", "INFO ada", None),
            ("ada", "IDENTIFY hunter2", None),
            ("#chan", "identify hunter2", None),
            ("NickServ", "", None),
            ("NickServ", "IDENTIFY\u{3000}hunter2", Some("IDENTIFY\u{3000}********")),
        ] {
            assert_eq!(mask_service_secret(to, text).as_deref(), masked, "{to}: {text}");
        }
    }
}
