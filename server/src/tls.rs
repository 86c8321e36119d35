//! HTTPS and WSS: a listener that hands axum connections whose TLS handshake is done, so the
//! same router, limits and shutdown serve both `http://` and `https://`.
//!
//! Handshakes run beside the accept loop, not in it: a client that opens a connection and
//! never says hello must not hold up everyone after it. Each has [`HANDSHAKE_TIMEOUT`], and at
//! most [`MAX_HANDSHAKES`] run at once; beyond that new connections wait in the kernel's
//! backlog until one finishes.

use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

use crate::log;

/// How long a client may take to finish its TLS handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Most TLS handshakes under way at once.
pub const MAX_HANDSHAKES: usize = 256;

/// The certificate chain and private key files (PEM) the server proves itself with.
#[derive(Clone, Debug)]
pub struct TlsFiles {
    /// One or more certificates, the server's own first.
    pub cert: std::path::PathBuf,
    /// Its private key (PKCS#8, PKCS#1 or SEC1).
    pub key: std::path::PathBuf,
}

impl TlsFiles {
    /// Reads both files into a server configuration (HTTP/1.1 only, as the server speaks no
    /// other); the error names the file and what is wrong with it.
    pub fn load(&self) -> io::Result<ServerConfig> {
        let invalid = |file: &Path, what: String| {
            io::Error::new(io::ErrorKind::InvalidInput, format!("{}: {what}", file.display()))
        };
        let read = |file: &Path| std::fs::read(file).map_err(|e| invalid(file, e.to_string()));
        let cert_pem = read(&self.cert)?;
        let chain = CertificateDer::pem_slice_iter(&cert_pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| invalid(&self.cert, format!("not a PEM certificate: {e}")))?;
        if chain.is_empty() {
            return Err(invalid(&self.cert, "no certificate (-----BEGIN CERTIFICATE-----) in it".into()));
        }
        let key = PrivateKeyDer::from_pem_slice(&read(&self.key)?)
            .map_err(|e| invalid(&self.key, format!("no PEM private key in it: {e}")))?;
        // The provider is named rather than taken from the process default, so that another
        // crate turning on a second provider cannot make this ambiguous.
        let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| io::Error::other(e.to_string()))?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(|e| invalid(&self.key, format!("does not fit the certificate: {e}")))?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(config)
    }
}

/// Accepts TCP connections and yields them once their TLS handshake is done.
pub struct TlsListener {
    addr: SocketAddr,
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    /// The accept loop; it owns the handshakes under way, so aborting it ends them too.
    accepting: JoinHandle<()>,
}

impl TlsListener {
    pub fn new(listener: TcpListener, config: ServerConfig) -> io::Result<TlsListener> {
        let addr = listener.local_addr()?;
        let (done, ready) = mpsc::channel(1);
        let accepting = tokio::spawn(accept_loop(listener, TlsAcceptor::from(Arc::new(config)), done));
        Ok(TlsListener { addr, ready, accepting })
    }
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        // axum drops the listener when the server stops: stop accepting and handshaking.
        self.accepting.abort();
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(connection) => connection,
            // The accept loop only ends when this listener is dropped.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(self.addr)
    }
}

async fn accept_loop(
    mut listener: TcpListener,
    acceptor: TlsAcceptor,
    done: mpsc::Sender<(TlsStream<TcpStream>, SocketAddr)>,
) {
    let mut handshakes = JoinSet::new();
    loop {
        while handshakes.try_join_next().is_some() {}
        if handshakes.len() >= MAX_HANDSHAKES {
            handshakes.join_next().await;
            continue;
        }
        // axum's accept for TCP retries errors the way hyper did (and waits out EMFILE).
        let (tcp, peer) = axum::serve::Listener::accept(&mut listener).await;
        let acceptor = acceptor.clone();
        let done = done.clone();
        handshakes.spawn(async move {
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                Ok(Ok(tls)) => {
                    let _ = done.send((tls, peer)).await;
                }
                Ok(Err(e)) => log!("TLS handshake with {peer} failed: {e}"),
                Err(_) => log!("TLS handshake with {peer} not done within {HANDSHAKE_TIMEOUT:?}; dropped"),
            }
        });
    }
}
