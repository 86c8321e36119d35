//! Typed errors of the socket layer, each with a sentence a person can act on.

use std::fmt;
use wschat_core::close::CloseError;
use wschat_core::url::{is_insecure_from_secure_page, mask_credentials, PageOrigin, UrlError};

/// Why a socket action did not happen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SocketError {
    /// The address was rejected before reaching the browser.
    InvalidUrl(UrlError),
    /// The browser's constructor threw (SyntaxError for a bad URL or subprotocol,
    /// SecurityError for ws:// from an https page or a blocked port).
    Rejected { name: String, message: String },
    /// The browser refused a `ws://` address because the page came over https (mixed
    /// content); `url` is that address, its credentials masked.
    InsecureFromSecurePage { url: String },
    /// The close code or reason breaks the browser's rules.
    InvalidClose(CloseError),
    /// A send or close was asked of a socket that is not open.
    NotOpen,
    /// The browser refused to send (the socket closed meanwhile).
    SendFailed(String),
    /// The browser reported an error event; it never says more than that.
    ConnectionFailed { url: String },
}

impl fmt::Display for SocketError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SocketError::InvalidUrl(e) => e.fmt(f),
            SocketError::InsecureFromSecurePage { url } => {
                let secure = url.get(5..).map(|rest| format!("wss://{rest}")).unwrap_or_default();
                write!(
                    f,
                    "This page was loaded over HTTPS, so the browser refuses the unencrypted connection to {url} (mixed content). Connect to {secure} instead if the server offers TLS, or open this app over http://."
                )
            }
            SocketError::Rejected { name, message } if name == "SecurityError" => write!(
                f,
                "The browser refused this address for security reasons ({message}): browsers block some ports, and a page's content security policy can forbid addresses."
            ),
            SocketError::Rejected { name, message } if name == "SyntaxError" => write!(
                f,
                "The browser rejected the address or the subprotocol list as malformed ({message})."
            ),
            SocketError::Rejected { name, message } => write!(f, "The browser refused to connect: {name}: {message}"),
            SocketError::InvalidClose(e) => e.fmt(f),
            SocketError::NotOpen => write!(f, "The connection is not open."),
            SocketError::SendFailed(message) => write!(f, "The browser could not send the message: {message}"),
            SocketError::ConnectionFailed { url } => write!(
                f,
                "The connection to {url} failed. The server may be down or unreachable, the address may be wrong, or it refused the offered subprotocols."
            ),
        }
    }
}

impl std::error::Error for SocketError {}

impl SocketError {
    /// The constructor's exception read with what the page knows: a SecurityError for a
    /// `ws://` address from an https page is the browsers' mixed-content rule, and is said so.
    pub(crate) fn explained(self, url: &str, page: Option<&PageOrigin>) -> SocketError {
        match self {
            SocketError::Rejected { name, .. }
                if name == "SecurityError" && is_insecure_from_secure_page(url, page) =>
            {
                SocketError::InsecureFromSecurePage { url: mask_credentials(url) }
            }
            other => other,
        }
    }
}

impl From<UrlError> for SocketError {
    fn from(e: UrlError) -> Self {
        SocketError::InvalidUrl(e)
    }
}

impl From<CloseError> for SocketError {
    fn from(e: CloseError) -> Self {
        SocketError::InvalidClose(e)
    }
}
