//! The reference server over TLS (`--tls-cert`, `--tls-key`), met by a client that trusts only
//! a certificate this test makes with the openssl command: rooms and test modes over wss://,
//! the app's files and headers over https://, the limits, handshakes that never finish, a
//! clean stop, and certificate files that are not what they should be.

use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{ClientConfig, RootCertStore};
use tokio_rustls::TlsConnector;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error, Message};
use tokio_tungstenite::WebSocketStream;
use wschat_server::tls::TlsFiles;
use wschat_server::{Options, RunningServer};

type Client = WebSocketStream<TlsStream<TcpStream>>;

/// A directory with `cert.pem` (self-signed, for IP 127.0.0.1, not a CA, a day long) and
/// `key.pem`, made once per run, and an `index.html` to serve.
fn files() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        // Under target/tmp (cargo clean takes it), one per run: runs at once never share a key.
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("wschat-tls-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let made = std::process::Command::new("openssl")
            .args(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"])
            .args(["-keyout", "key.pem", "-out", "cert.pem", "-days", "1", "-subj", "/CN=127.0.0.1"])
            .args(["-addext", "subjectAltName=IP:127.0.0.1", "-addext", "basicConstraints=critical,CA:FALSE"])
            .current_dir(&dir)
            .output()
            .expect("the openssl command (Debian's openssl package; scripts/setup --browsers installs it)");
        assert!(made.status.success(), "openssl: {}", String::from_utf8_lossy(&made.stderr));
        std::fs::write(dir.join("index.html"), "<!doctype html><title>wschat</title>").expect("index.html");
        dir
    })
}

fn tls_files() -> TlsFiles {
    TlsFiles { cert: files().join("cert.pem"), key: files().join("key.pem") }
}

async fn start(options: Options) -> RunningServer {
    wschat_server::start_with("127.0.0.1:0", Options { tls: Some(tls_files()), ..options }).await.expect("start")
}

/// A TLS connection that trusts the test's certificate and nothing else, and checks that it
/// names 127.0.0.1.
async fn tls_connect(server: &RunningServer) -> std::io::Result<TlsStream<TcpStream>> {
    let mut roots = RootCertStore::empty();
    let cert = CertificateDer::from_pem_file(files().join("cert.pem")).expect("cert.pem");
    roots.add(cert).expect("trust the test certificate");
    let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    let tcp = TcpStream::connect(server.addr).await?;
    let name = ServerName::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST).into());
    TlsConnector::from(Arc::new(config)).connect(name, tcp).await
}

async fn connect(server: &RunningServer, path: &str) -> Result<Client, Error> {
    let request = format!("wss://{}{path}", server.addr).into_client_request()?;
    let tls = tls_connect(server).await?;
    tokio_tungstenite::client_async(request, tls).await.map(|(client, _)| client)
}

async fn next_text(client: &mut Client) -> String {
    let next = tokio::time::timeout(Duration::from_secs(5), client.next()).await.expect("a frame within 5 s");
    match next {
        Some(Ok(Message::Text(t))) => t.to_string(),
        other => panic!("expected a text frame, got {other:?}"),
    }
}

fn refused_with(result: Result<Client, Error>) -> u16 {
    match result {
        Err(Error::Http(response)) => response.status().as_u16(),
        Err(other) => panic!("expected an HTTP refusal, got {other}"),
        Ok(_) => panic!("expected an HTTP refusal, got a WebSocket"),
    }
}

#[tokio::test]
async fn rooms_and_test_modes_work_over_wss() {
    let server = start(Options { test_modes: true, ..Options::default() }).await;
    let mut alice = connect(&server, "/ws?room=tls").await.expect("alice over wss");
    let mut bob = connect(&server, "/ws?room=tls").await.expect("bob over wss");
    alice.send(Message::Text("alice: over TLS".into())).await.expect("send");
    assert_eq!(next_text(&mut alice).await, "alice: over TLS", "the sender gets its echo");
    assert_eq!(next_text(&mut bob).await, "alice: over TLS", "the room gets it");
    let mut echo = connect(&server, "/echo").await.expect("echo over wss");
    echo.send(Message::Text("ping".into())).await.expect("send");
    assert_eq!(next_text(&mut echo).await, "ping");
    server.stop().await;
}

#[tokio::test]
async fn the_app_is_served_over_https_with_its_headers() {
    let server = start(Options { static_dir: Some(files().to_path_buf()), ..Options::default() }).await;
    let mut tls = tls_connect(&server).await.expect("https");
    let request = format!("GET /index.html HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", server.addr);
    tls.write_all(request.as_bytes()).await.expect("write");
    let mut response = Vec::new();
    // The end may come without TLS's close_notify; what was read by then is the response.
    let _ = tls.read_to_end(&mut response).await;
    let response = String::from_utf8_lossy(&response).to_ascii_lowercase();
    assert!(response.starts_with("http/1.1 200"), "{response}");
    assert!(response.contains("content-security-policy: default-src 'none'"), "{response}");
    assert!(response.contains("x-content-type-options: nosniff"), "{response}");
    assert!(response.contains("<title>wschat</title>"), "{response}");
    server.stop().await;
}

#[tokio::test]
async fn limits_hold_over_tls() {
    let options = Options {
        max_connections: 1,
        allow_origins: vec!["https://chat.example.org".into()],
        test_modes: true,
        ..Options::default()
    };
    let server = start(options).await;
    let with_origin = |origin: &'static str| {
        let server = &server;
        async move {
            let mut request = format!("wss://{}/ws?room=limits", server.addr).into_client_request()?;
            request.headers_mut().insert("Origin", origin.parse().expect("header"));
            let tls = tls_connect(server).await?;
            tokio_tungstenite::client_async(request, tls).await.map(|(client, _)| client)
        }
    };
    assert_eq!(refused_with(with_origin("https://evil.example.com").await), 403);
    let first = with_origin("https://chat.example.org").await.expect("the one connection allowed");
    assert_eq!(refused_with(with_origin("https://chat.example.org").await), 503);
    drop(first);
    let name = "x".repeat(wschat_server::MAX_ROOM_NAME_BYTES + 1);
    let mut request = format!("wss://{}/ws?room={name}", server.addr).into_client_request().expect("request");
    request.headers_mut().insert("Origin", "https://chat.example.org".parse().expect("header"));
    // The dropped client's slot frees up on the server's own time.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let tls = tls_connect(&server).await.expect("tls");
        match tokio_tungstenite::client_async(request.clone(), tls).await.map(|(c, _)| c) {
            Err(Error::Http(r)) if r.status() == 503 && tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            other => {
                assert_eq!(refused_with(other), 400, "a room name over the limit");
                break;
            }
        }
    }
    server.stop().await;
}

#[tokio::test]
async fn a_client_that_never_says_hello_holds_up_nobody() {
    let server = start(Options::default()).await;
    // Connected, silent: its handshake waits in its own task.
    let silent = TcpStream::connect(server.addr).await.expect("tcp");
    // Plain HTTP on the TLS port: that handshake fails, and the server goes on.
    let mut plain = TcpStream::connect(server.addr).await.expect("tcp");
    plain.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await.expect("write");
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), plain.read_to_end(&mut answer)).await;
    assert!(!String::from_utf8_lossy(&answer).contains("200 OK"), "no HTTP without TLS");
    let mut client = tokio::time::timeout(Duration::from_secs(5), connect(&server, "/ws?room=busy"))
        .await
        .expect("a wss client gets through while another handshake hangs")
        .expect("connect");
    client.send(Message::Text("still here".into())).await.expect("send");
    assert_eq!(next_text(&mut client).await, "still here");
    drop(silent);
    server.stop().await;
}

#[tokio::test]
async fn stopping_closes_wss_clients_with_1001() {
    let server = start(Options::default()).await;
    let mut client = connect(&server, "/ws?room=stop").await.expect("connect");
    let stopping = tokio::spawn(server.stop());
    let code = loop {
        match tokio::time::timeout(Duration::from_secs(5), client.next()).await.expect("a frame within 5 s") {
            Some(Ok(Message::Close(Some(frame)))) => break frame.code,
            Some(Ok(_)) => {}
            other => panic!("expected a close frame, got {other:?}"),
        }
    };
    assert_eq!(code, CloseCode::Away);
    drop(client);
    tokio::time::timeout(Duration::from_secs(10), stopping).await.expect("stopped").expect("stop task");
}

#[tokio::test]
async fn certificate_files_that_are_wrong_are_named() {
    let dir = files();
    let not_pem = dir.join("index.html");
    let cases = [
        (TlsFiles { cert: dir.join("missing.pem"), key: dir.join("key.pem") }, "missing.pem"),
        (TlsFiles { cert: not_pem.clone(), key: dir.join("key.pem") }, "index.html: no certificate"),
        (TlsFiles { cert: dir.join("cert.pem"), key: dir.join("cert.pem") }, "cert.pem: no PEM private key"),
    ];
    for (files, expected) in cases {
        let options = Options { tls: Some(files), ..Options::default() };
        match wschat_server::start_with("127.0.0.1:0", options).await {
            Ok(_) => panic!("started with bad files; expected {expected:?}"),
            Err(e) => assert!(e.to_string().contains(expected), "{e} should name {expected:?}"),
        }
    }
}
