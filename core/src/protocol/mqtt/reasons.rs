//! MQTT's refusal and reason codes (3.1.1 return codes, MQTT 5 reason codes) in words.

use super::packet::Properties;

/// A CONNACK's refusal in words, with the broker's own reason when it gave one.
pub(super) fn refusal(
    code: u8,
    login: Option<&(String, crate::secret::Secret)>,
    properties: &Properties<'_>,
) -> String {
    let login_refused = || match login {
        Some((user, _)) => format!("The broker refused the login as {user}: check the login and the password."),
        None => "The broker wants a login: give one (login) and its password.".to_string(),
    };
    let words = match code {
        1 | 0x84 => "The broker does not speak this MQTT version.".to_string(),
        2 | 0x85 => "The broker refused the client id.".to_string(),
        3 | 0x88 => "The broker is unavailable.".to_string(),
        4 | 5 | 0x86 | 0x87 => login_refused(),
        0x89 => "The broker is busy: try again later.".to_string(),
        0x8a => "The broker has banned this client.".to_string(),
        0x8c => "The broker wants an authentication method this client does not have.".to_string(),
        0x97 => "The broker's quota for this client is spent.".to_string(),
        0x9c | 0x9d => match properties.server_reference {
            Some(other) => format!("The broker sends clients to another server: {other}."),
            None => "The broker sends clients to another server.".to_string(),
        },
        0x9f => "The broker refuses connections this often: wait a little.".to_string(),
        other => format!("The broker refused the connection ({}).", reason_words(other)),
    };
    with_reason(words, properties)
}

/// `words`, and the broker's reason string after them.
pub(super) fn with_reason(words: String, properties: &Properties<'_>) -> String {
    match properties.reason.filter(|r| !r.trim().is_empty()) {
        Some(reason) => format!("{words} The broker said: {reason}"),
        None => words,
    }
}

/// An MQTT 5 reason code (PUBACK, SUBACK, DISCONNECT) in words.
pub(super) fn reason_words(code: u8) -> String {
    let words = match code {
        0x80 => "unspecified error",
        0x81 => "malformed packet",
        0x82 => "protocol error",
        0x83 => "refused by the broker's rules",
        0x87 => "not authorized",
        0x89 => "broker busy",
        0x8b => "the broker is shutting down",
        0x8d => "keep-alive timeout",
        0x8e => "the session was taken over by another connection",
        0x8f => "topic filter invalid",
        0x90 => "topic name invalid",
        0x93 => "receive maximum exceeded",
        0x95 => "packet too large",
        0x96 => "message rate too high",
        0x97 => "quota exceeded",
        0x98 => "administrative action",
        0x99 => "payload format invalid",
        0x9a => "retain not supported",
        0x9b => "QoS not supported",
        0x9c | 0x9d => "use another server",
        0x9e => "shared subscriptions not supported",
        0x9f => "connection rate exceeded",
        0xa0 => "maximum connect time",
        0xa1 => "subscription identifiers not supported",
        0xa2 => "wildcard subscriptions not supported",
        _ => return format!("code 0x{code:02x}"),
    };
    words.to_string()
}
