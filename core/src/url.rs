//! Validation and normalisation of WebSocket URLs before they reach the browser's constructor,
//! and masking of the credentials they may carry wherever they are shown.

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
                write!(
                    f,
                    "The address contains a character that is not allowed: {}.",
                    crate::json::quote(&c.to_string())
                )
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

/// Whether `url` (as [`normalize_ws_url`] returns it) is unencrypted while `page` was loaded
/// over HTTPS: mixed content, which browsers refuse, so an error in that case is that
/// refusal. Not a prediction: Chromium, for one, exempts the page's own machine (`localhost`,
/// `127.0.0.0/8`, `[::1]` are reached over `ws://` even from an https page), so only the
/// browser's own refusal says the rule applied.
pub fn is_insecure_from_secure_page(url: &str, page: Option<&PageOrigin>) -> bool {
    page.is_some_and(|page| page.scheme.trim_end_matches(':').eq_ignore_ascii_case("https"))
        && url.get(..5).is_some_and(|scheme| scheme.eq_ignore_ascii_case("ws://"))
}

/// The host a password would reach unencrypted at `url` (as [`normalize_ws_url`] returns it):
/// `ws://` to anything but this machine. `None` for `wss://` and for loopback (`localhost`,
/// `*.localhost`, `127.0.0.0/8`, `[::1]`), where nobody on the way can read it.
pub fn cleartext_host(url: &str) -> Option<String> {
    if !url.get(..5).is_some_and(|scheme| scheme.eq_ignore_ascii_case("ws://")) {
        return None;
    }
    let authority = url[5..].split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = crate::unicode::lowercase(split_host_port(host_port).0);
    let loopback = host == "localhost"
        || host.ends_with(".localhost")
        || host == "[::1]"
        || host.strip_prefix("127.").is_some_and(|rest| {
            rest.split('.').count() == 3 && rest.split('.').all(|n| !n.is_empty() && n.parse::<u8>().is_ok())
        });
    (!loopback).then_some(host)
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

/// Query parameters whose values are secrets, by name (case-insensitive, percent-decoded).
/// A name whose last word is one of these counts too: `refresh_token`, `X-Amz-Signature`,
/// `client_secret`, `x-api-key`.
const SECRET_PARAMS: [&str; 13] = [
    "token",
    "access_token",
    "password",
    "passwd",
    "pass",
    "pwd",
    "key",
    "auth",
    "secret",
    "apikey",
    "api_key",
    "sig",
    "signature",
];

/// What stands in for a secret.
const MASK: &str = "***";

/// `url` with its credentials masked, for showing, storing in an export or sharing: the
/// userinfo becomes `***@` (or `user:***@` when it has a password), and the values of secret
/// query (or fragment) parameters `***`. Everything else is kept as written; a relative
/// address (`/ws?token=…`) has its query masked too. Masking twice changes nothing more.
pub fn mask_credentials(url: &str) -> String {
    let (before_fragment, fragment) = url.split_once('#').map_or((url, None), |(b, f)| (b, Some(f)));
    let (before_query, query) = before_fragment.split_once('?').map_or((before_fragment, None), |(b, q)| (b, Some(q)));
    let mut out = String::with_capacity(url.len());
    match authority_start(before_query) {
        Some(start) => {
            let (head, rest) = before_query.split_at(start);
            let authority_end = rest.find('/').unwrap_or(rest.len());
            let (authority, path) = rest.split_at(authority_end);
            out.push_str(head);
            match authority.rsplit_once('@') {
                Some((userinfo, host)) => {
                    if let Some((user, _password)) = userinfo.split_once(':') {
                        out.push_str(user);
                        out.push(':');
                    }
                    out.push_str(MASK);
                    out.push('@');
                    out.push_str(host);
                }
                None => out.push_str(authority),
            }
            out.push_str(path);
        }
        None => out.push_str(before_query),
    }
    if let Some(query) = query {
        out.push('?');
        mask_parameters(&mut out, query);
    }
    if let Some(fragment) = fragment {
        out.push('#');
        mask_parameters(&mut out, fragment);
    }
    out
}

/// Whether `url` has credentials [`mask_credentials`] masked (a stored address or a shared
/// link): connecting with `***` for a password would only be refused, so the person is asked
/// to type them again instead.
pub fn holds_masked_credentials(url: &str) -> bool {
    // Where a credential would be masked, the mask stands already.
    let unmasked = url.replace(MASK, "x");
    mask_credentials(url) == url && mask_credentials(&unmasked) != unmasked
}

/// `text` (a status line, an error, an inspector event) with the credentials of every
/// `scheme://` address in it masked. An address runs to the next whitespace; punctuation
/// closing a sentence around it (`Connected to ws://…/.`) is left outside.
pub fn mask_credentials_in_text(text: &str) -> String {
    if !text.contains("://") {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        let word_end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let (word, after) = rest.split_at(word_end);
        match word.find("://") {
            Some(at) => {
                let scheme_start = word[..at]
                    .char_indices()
                    .rev()
                    .find(|&(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
                    .map_or(0, |(i, c)| i + c.len_utf8());
                let (before, address) = word.split_at(scheme_start);
                let address_end = address.trim_end_matches(|c: char| ".,;:!?)]}>'\"\u{2026}".contains(c)).len();
                let (address, closing) = address.split_at(address_end);
                out.push_str(before);
                out.push_str(&mask_credentials(address));
                out.push_str(closing);
            }
            None => out.push_str(word),
        }
        let space_end = after.find(|c: char| !c.is_whitespace()).unwrap_or(after.len());
        out.push_str(&after[..space_end]);
        rest = &after[space_end..];
    }
    out
}

/// Where the authority starts: after `scheme://`, or after `//` at the start.
fn authority_start(url: &str) -> Option<usize> {
    if url.starts_with("//") {
        return Some(2);
    }
    let at = url.find("://")?;
    let scheme = &url[..at];
    let plausible = scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    plausible.then_some(at + 3)
}

/// `a=1&token=x;b` into `out` with secret values masked; separators and the rest as written.
fn mask_parameters(out: &mut String, parameters: &str) {
    let mut rest = parameters;
    loop {
        let (pair, after) = rest.split_at(rest.find(['&', ';']).unwrap_or(rest.len()));
        match pair.split_once('=') {
            Some((name, value)) if !value.is_empty() && is_secret(name) => {
                out.push_str(name);
                out.push('=');
                out.push_str(MASK);
            }
            _ => out.push_str(pair),
        }
        // The separator is one ASCII byte.
        let Some(separator) = after.get(..1) else { break };
        out.push_str(separator);
        rest = &after[1..];
    }
}

fn is_secret(name: &str) -> bool {
    let name = crate::settings::percent_decode(name).to_ascii_lowercase();
    let last_word = name.rsplit(['_', '-', '.']).next().unwrap_or(&name);
    SECRET_PARAMS.iter().any(|secret| name == *secret || last_word == *secret)
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
    fn ws_from_an_https_page_is_mixed_content() {
        let ws = "ws://chat.example.org/ws";
        assert!(is_insecure_from_secure_page(ws, Some(&page("https:"))));
        assert!(is_insecure_from_secure_page(ws, Some(&page("HTTPS"))));
        assert!(is_insecure_from_secure_page("WS://h/", Some(&page("https:"))));
        assert!(!is_insecure_from_secure_page("wss://chat.example.org/ws", Some(&page("https:"))));
        assert!(!is_insecure_from_secure_page(ws, Some(&page("http:"))));
        assert!(!is_insecure_from_secure_page(ws, Some(&page("file:"))));
        assert!(!is_insecure_from_secure_page(ws, None), "no page, no mixed content");
    }

    #[test]
    fn handles_ipv6_and_credentials() {
        assert_eq!(normalize_ws_url("ws://[::1]:9001/ws", None).as_deref(), Ok("ws://[::1]:9001/ws"));
        assert_eq!(normalize_ws_url("ws://[::1]/ws", None).as_deref(), Ok("ws://[::1]/ws"));
        assert_eq!(normalize_ws_url("ws://u:p@h:5/", None).as_deref(), Ok("ws://u:p@h:5/"));
    }

    #[test]
    fn credentials_are_masked() {
        for (url, masked) in [
            ("ws://user:pass@host:9001/ws", "ws://user:***@host:9001/ws"),
            ("wss://TOKEN@host/", "wss://***@host/"),
            ("ws://u:p:q@h", "ws://u:***@h"),
            ("ws://a@b:c@h/p@q", "ws://a@b:***@h/p@q"),
            ("ws://h/ws?room=1&token=abc&x", "ws://h/ws?room=1&token=***&x"),
            (
                "ws://h/?Access_Token=a&PASSWORD=b;pass=c&key=d",
                "ws://h/?Access_Token=***&PASSWORD=***;pass=***&key=***",
            ),
            (
                "ws://h/?auth=1&secret=2&apikey=3&api_key=4&sig=5&signature=6",
                "ws://h/?auth=***&secret=***&apikey=***&api_key=***&sig=***&signature=***",
            ),
            (
                "ws://h/?refresh_token=a&X-Amz-Signature=b&client.secret=c",
                "ws://h/?refresh_token=***&X-Amz-Signature=***&client.secret=***",
            ),
            ("ws://h/?%74oken=a&to%6Ben=b", "ws://h/?%74oken=***&to%6Ben=***"),
            ("/ws?room=r&token=t", "/ws?room=r&token=***"),
            ("//u:p@h/ws", "//u:***@h/ws"),
            ("https://h/cb#access_token=abc&state=1", "https://h/cb#access_token=***&state=1"),
            ("ws://h:1/x?monkey=1&keyword=2&token=&token", "ws://h:1/x?monkey=1&keyword=2&token=&token"),
            ("ws://h/?token=a=b", "ws://h/?token=***"),
            ("ws://h/?room=***", "ws://h/?room=***"),
            ("ws://host/path", "ws://host/path"),
            ("not a url @ all", "not a url @ all"),
            ("mailto:a@b", "mailto:a@b"),
            ("", ""),
            ("ws://ü:ö@é/ä?tökén=1&token=ü", "ws://ü:***@é/ä?tökén=1&token=***"),
        ] {
            assert_eq!(mask_credentials(url), masked, "{url}");
            assert_eq!(mask_credentials(masked), masked, "masking twice: {url}");
            assert_eq!(holds_masked_credentials(masked), masked != url, "{masked}");
            assert!(!holds_masked_credentials(url) || url == masked, "{url}");
        }
    }

    #[test]
    fn credentials_in_text_are_masked() {
        for (text, masked) in [
            (
                "readyState connecting: ws://u:p@h/ws?token=t, subprotocols [chat]",
                "readyState connecting: ws://u:***@h/ws?token=***, subprotocols [chat]",
            ),
            ("Connecting to wss://h/?key=k…", "Connecting to wss://h/?key=***…"),
            (
                "Connected to ws://t@h/. Then (ws://a:b@c) and\t\"wss://x@y\"",
                "Connected to ws://***@h/. Then (ws://a:***@c) and\t\"wss://***@y\"",
            ),
            ("no address here: a@b?token=1", "no address here: a@b?token=1"),
            ("  spaced  ws://u:p@h  out ", "  spaced  ws://u:***@h  out "),
            ("é://x ://y", "é://x ://y"),
            ("", ""),
        ] {
            assert_eq!(mask_credentials_in_text(text), masked, "{text}");
        }
    }

    #[test]
    fn every_error_reads_as_a_sentence() {
        for e in [UrlError::Empty, UrlError::MissingScheme, UrlError::Fragment, UrlError::MissingHost] {
            let s = e.to_string();
            assert!(s.ends_with('.') && s.len() > 20, "{s}");
        }
    }

    #[test]
    fn passwords_in_clear_only_where_someone_could_read_them() {
        for (url, host) in [
            ("ws://chat.example.test:8080/ws", Some("chat.example.test")),
            ("ws://user:pw@Chat.Example.org/", Some("chat.example.org")),
            ("ws://10.0.0.1:1/", Some("10.0.0.1")),
            ("ws://127.0.0.1:9/ws", None),
            ("ws://127.1.2.3/", None),
            ("ws://127.evil.example/", Some("127.evil.example")),
            ("ws://localhost:1/", None),
            ("ws://app.localhost/", None),
            ("ws://[::1]:9001/", None),
            ("wss://chat.example.org/", None),
            ("WS://chat.example.org/", Some("chat.example.org")),
        ] {
            assert_eq!(cleartext_host(url).as_deref(), host, "{url}");
        }
    }
}
