//! Validation and normalisation of WebSocket URLs before they reach the browser's constructor.

use std::fmt;

/// Where the page itself was loaded from; used to resolve a path such as `/ws`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageOrigin {
    /// `http:` or `https:` (with or without the colon).
    pub scheme: String,
    /// Host and optional port, as in `location.host`.
    pub host: String,
}

/// Why a string is not a usable WebSocket URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UrlError {
    Empty,
    /// No `scheme://` and not a path we could resolve against the page.
    MissingScheme,
    UnsupportedScheme(String),
    MissingHost,
    /// WebSocket URLs may not carry a `#fragment` (the constructor throws a SyntaxError).
    Fragment,
    InvalidPort(String),
    /// Spaces or control characters inside the URL.
    InvalidCharacter(char),
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UrlError::Empty => write!(f, "Enter a server address, such as ws://localhost:9001/ws."),
            UrlError::MissingScheme => write!(
                f,
                "The address needs a scheme: start it with ws:// or wss:// (http:// and https:// are converted)."
            ),
            UrlError::UnsupportedScheme(s) => write!(
                f,
                "\"{s}:\" is not a WebSocket scheme; use ws:// or wss:// (http:// and https:// are converted)."
            ),
            UrlError::MissingHost => write!(f, "The address has no host name after the scheme."),
            UrlError::Fragment => {
                write!(f, "WebSocket addresses cannot contain a #fragment; remove the part from # on.")
            }
            UrlError::InvalidPort(p) => write!(f, "\"{p}\" is not a valid port number (1-65535)."),
            UrlError::InvalidCharacter(c) => {
                write!(f, "The address contains a character that is not allowed: {c:?}.")
            }
        }
    }
}

impl std::error::Error for UrlError {}

/// Turns user input into a `ws://` or `wss://` URL.
///
/// `http(s)://` becomes `ws(s)://`; a path starting with `/` is resolved against `page`
/// (the same-origin default `/ws` relies on this). Everything else is rejected with a reason.
pub fn normalize_ws_url(input: &str, page: Option<&PageOrigin>) -> Result<String, UrlError> {
    let input = input.trim();
    if input.is_empty() {
        return Err(UrlError::Empty);
    }
    if let Some(c) = input.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Err(UrlError::InvalidCharacter(c));
    }
    if input.contains('#') {
        return Err(UrlError::Fragment);
    }
    if input.starts_with('/') && !input.starts_with("//") {
        let page = page.ok_or(UrlError::MissingScheme)?;
        let scheme = if page.scheme.trim_end_matches(':') == "https" { "wss" } else { "ws" };
        return Ok(format!("{scheme}://{}{input}", page.host));
    }
    let (scheme, rest) = input.split_once("://").ok_or_else(|| {
        // "http:foo" or "mailto:x" name a scheme without the slashes; say which.
        match input.split_once(':') {
            Some((s, _))
                if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphabetic()) && !looks_like_host_port(input) =>
            {
                UrlError::UnsupportedScheme(s.to_ascii_lowercase())
            }
            _ => UrlError::MissingScheme,
        }
    })?;
    let ws_scheme = match scheme.to_ascii_lowercase().as_str() {
        "ws" | "http" => "ws",
        "wss" | "https" => "wss",
        "" => return Err(UrlError::MissingScheme),
        other => return Err(UrlError::UnsupportedScheme(other.to_string())),
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path_and_query) = rest.split_at(authority_end);
    // Credentials (user:pass@) are allowed by the constructor; validate only host and port.
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    let (host, port) = split_host_port(host_port);
    if host.is_empty() {
        return Err(UrlError::MissingHost);
    }
    if let Some(port) = port {
        match port.parse::<u32>() {
            Ok(1..=65535) => {}
            _ => return Err(UrlError::InvalidPort(port.to_string())),
        }
    }
    let path_and_query = if path_and_query.is_empty() { "/" } else { path_and_query };
    let path_and_query =
        if path_and_query.starts_with('?') { format!("/{path_and_query}") } else { path_and_query.to_string() };
    Ok(format!("{ws_scheme}://{authority}{path_and_query}"))
}

/// `localhost:9001` has a colon but names a host and port, not a scheme.
fn looks_like_host_port(input: &str) -> bool {
    input.split_once(':').map(|(_, rest)| rest.chars().next().is_some_and(|c| c.is_ascii_digit())).unwrap_or(false)
}

fn split_host_port(host_port: &str) -> (&str, Option<&str>) {
    if host_port.starts_with('[') {
        // IPv6 literal such as [::1]:9001: the port follows the closing bracket.
        return match host_port.find(']') {
            Some(end) => {
                let (host, after) = host_port.split_at(end + 1);
                (host, after.strip_prefix(':'))
            }
            None => ("", None),
        };
    }
    match host_port.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (host_port, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(scheme: &str) -> PageOrigin {
        PageOrigin { scheme: scheme.into(), host: "chat.example:8080".into() }
    }

    #[test]
    fn accepts_ws_and_wss() {
        assert_eq!(normalize_ws_url("ws://localhost:9001/ws", None).as_deref(), Ok("ws://localhost:9001/ws"));
        assert_eq!(normalize_ws_url("  wss://example.org ", None).as_deref(), Ok("wss://example.org/"));
        assert_eq!(normalize_ws_url("WS://Example.org/a?b=c", None).as_deref(), Ok("ws://Example.org/a?b=c"));
        assert_eq!(normalize_ws_url("ws://h?x=1", None).as_deref(), Ok("ws://h/?x=1"));
    }

    #[test]
    fn converts_http_schemes() {
        assert_eq!(normalize_ws_url("http://a:1/x", None).as_deref(), Ok("ws://a:1/x"));
        assert_eq!(normalize_ws_url("https://a/x", None).as_deref(), Ok("wss://a/x"));
    }

    #[test]
    fn resolves_paths_against_the_page() {
        assert_eq!(normalize_ws_url("/ws", Some(&page("http:"))).as_deref(), Ok("ws://chat.example:8080/ws"));
        assert_eq!(normalize_ws_url("/ws", Some(&page("https"))).as_deref(), Ok("wss://chat.example:8080/ws"));
        assert_eq!(normalize_ws_url("/ws", None), Err(UrlError::MissingScheme));
    }

    #[test]
    fn rejects_bad_input_with_reasons() {
        assert_eq!(normalize_ws_url("", None), Err(UrlError::Empty));
        assert_eq!(normalize_ws_url("   ", None), Err(UrlError::Empty));
        assert_eq!(normalize_ws_url("localhost:9001", None), Err(UrlError::MissingScheme));
        assert_eq!(normalize_ws_url("example.org/ws", None), Err(UrlError::MissingScheme));
        assert_eq!(normalize_ws_url("ftp://x", None), Err(UrlError::UnsupportedScheme("ftp".into())));
        assert_eq!(
            normalize_ws_url("javascript:alert(1)", None),
            Err(UrlError::UnsupportedScheme("javascript".into()))
        );
        assert_eq!(normalize_ws_url("ws://", None), Err(UrlError::MissingHost));
        assert_eq!(normalize_ws_url("ws:///path", None), Err(UrlError::MissingHost));
        assert_eq!(normalize_ws_url("ws://h/#frag", None), Err(UrlError::Fragment));
        assert_eq!(normalize_ws_url("ws://h:99999/", None), Err(UrlError::InvalidPort("99999".into())));
        assert_eq!(normalize_ws_url("ws://h:abc/", None), Err(UrlError::InvalidPort("abc".into())));
        assert_eq!(normalize_ws_url("ws://h:0/", None), Err(UrlError::InvalidPort("0".into())));
        assert_eq!(normalize_ws_url("ws://a b/", None), Err(UrlError::InvalidCharacter(' ')));
    }

    #[test]
    fn handles_ipv6_and_credentials() {
        assert_eq!(normalize_ws_url("ws://[::1]:9001/ws", None).as_deref(), Ok("ws://[::1]:9001/ws"));
        assert_eq!(normalize_ws_url("ws://[::1]/ws", None).as_deref(), Ok("ws://[::1]/ws"));
        assert_eq!(normalize_ws_url("ws://u:p@h:5/", None).as_deref(), Ok("ws://u:p@h:5/"));
    }

    #[test]
    fn every_error_reads_as_a_sentence() {
        for e in [UrlError::Empty, UrlError::MissingScheme, UrlError::Fragment, UrlError::MissingHost] {
            let s = e.to_string();
            assert!(s.ends_with('.') && s.len() > 20, "{s}");
        }
    }
}
