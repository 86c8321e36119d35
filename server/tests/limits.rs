//! The reference server's limits, each met by a real client over loopback: test modes off by
//! default, the origin allow-list, the connection and room limits, rooms freed when empty, the
//! 16 MiB message limit, the flood clamp, and the headers sent with the app's files.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error, Message};
use tokio_tungstenite::{connect_async, MaybeTlsStream, WebSocketStream};
use wschat_server::{Options, RunningServer};

type Client = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

async fn start(options: Options) -> RunningServer {
    wschat_server::start_with("127.0.0.1:0", options).await.expect("start")
}

async fn connect(server: &RunningServer, path: &str) -> Result<Client, Error> {
    connect_async(format!("ws://{}{path}", server.addr)).await.map(|(client, _)| client)
}

/// The HTTP status an upgrade was refused with.
fn refused_with(result: Result<Client, Error>) -> u16 {
    match result {
        Err(Error::Http(response)) => response.status().as_u16(),
        Err(other) => panic!("expected an HTTP refusal, got {other}"),
        Ok(_) => panic!("expected an HTTP refusal, got a WebSocket"),
    }
}

/// The close frame's code, skipping any data frames before it.
async fn close_code(client: &mut Client) -> CloseCode {
    loop {
        match client.next().await {
            Some(Ok(Message::Close(Some(frame)))) => return frame.code,
            Some(Ok(Message::Close(None))) => panic!("close without a code"),
            Some(Ok(_)) => {}
            Some(Err(e)) => panic!("connection failed before a close frame: {e}"),
            None => panic!("connection ended before a close frame"),
        }
    }
}

/// Waits up to 5 s for `check` to hold.
async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !check() {
        assert!(tokio::time::Instant::now() < deadline, "{what}: not within 5 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn test_modes_are_404_without_the_flag() {
    let server = start(Options::default()).await;
    for path in ["/echo", "/sink", "/close?code=4001", "/flood?n=10", "/stall", "/flaky"] {
        assert_eq!(refused_with(connect(&server, path).await), 404, "{path}");
    }
    let chat = connect(&server, "/ws?room=still-here").await.expect("/ws is always served");
    drop(chat);
    server.stop().await;
}

#[tokio::test]
async fn origins_outside_the_allow_list_are_refused() {
    let options = Options { allow_origins: vec!["https://chat.example.org/".into()], ..Options::default() };
    let server = start(options).await;
    let with_origin = |origin: Option<&str>| {
        let mut request = format!("ws://{}/ws?room=origins", server.addr).into_client_request().expect("request");
        if let Some(origin) = origin {
            request.headers_mut().insert("Origin", origin.parse().expect("header"));
        }
        connect_async(request)
    };
    let allowed =
        with_origin(Some("https://chat.example.org")).await.expect("listed origin (the flag's slash ignored)");
    let other = with_origin(Some("https://evil.example.com")).await.map(|(c, _)| c);
    assert_eq!(refused_with(other), 403);
    // Not a browser: it could send any Origin it liked, so refusing it would protect no one.
    let none = with_origin(None).await.expect("no Origin at all is accepted");
    drop((allowed, none));
    server.stop().await;
}

#[tokio::test]
async fn connections_over_the_limit_are_refused_until_one_leaves() {
    let server = start(Options { max_connections: 2, ..Options::default() }).await;
    let a = connect(&server, "/ws?room=full").await.expect("first");
    let b = connect(&server, "/ws?room=full").await.expect("second");
    assert_eq!(refused_with(connect(&server, "/ws?room=full").await), 503);
    drop(a);
    // The server notices the drop on its own time; a slot frees up then.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    let c = loop {
        match connect(&server, "/ws?room=full").await {
            Ok(c) => break c,
            Err(_) if tokio::time::Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(20)).await,
            Err(e) => panic!("no slot after a client left: {e}"),
        }
    };
    drop((b, c));
    server.stop().await;
}

#[tokio::test]
async fn an_empty_room_is_freed_and_new_rooms_stop_at_the_limit() {
    let server = start(Options { max_rooms: 2, ..Options::default() }).await;
    let a1 = connect(&server, "/ws?room=one").await.expect("one");
    let a2 = connect(&server, "/ws?room=one").await.expect("one again");
    let b = connect(&server, "/ws?room=two").await.expect("two");
    assert_eq!(server.rooms(), 2);
    let mut refused = connect(&server, "/ws?room=three").await.expect("upgraded, then closed");
    assert_eq!(close_code(&mut refused).await, CloseCode::Again, "1013: try again later");
    drop(refused);
    assert_eq!(server.rooms(), 2, "the refused room was never made");
    drop(a1);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(server.rooms(), 2, "room one still has a client");
    drop(a2);
    eventually("room one freed", || server.rooms() == 1).await;
    let mut three = connect(&server, "/ws?room=three").await.expect("room three, now that there is space");
    three.send(Message::Text("c: hi".into())).await.expect("send");
    match three.next().await {
        Some(Ok(Message::Text(t))) => assert_eq!(t.as_str(), "c: hi"),
        other => panic!("expected the echo, got {other:?}"),
    }
    drop((b, three));
    eventually("every room freed", || server.rooms() == 0).await;
    server.stop().await;
}

#[tokio::test]
async fn a_long_room_name_is_refused() {
    let server = start(Options::default()).await;
    let name = "x".repeat(wschat_server::MAX_ROOM_NAME_BYTES + 1);
    assert_eq!(refused_with(connect(&server, &format!("/ws?room={name}")).await), 400);
    server.stop().await;
}

#[tokio::test]
async fn a_message_over_16_mib_is_closed_with_1009_and_16_mib_is_not() {
    let server = start(Options { test_modes: true, ..Options::default() }).await;
    let mut echo = connect(&server, "/echo").await.expect("echo");
    let limit = wschat_server::MAX_MESSAGE_BYTES;
    echo.send(Message::Binary(vec![7u8; limit].into())).await.expect("send 16 MiB");
    match echo.next().await {
        Some(Ok(Message::Binary(b))) => assert_eq!(b.len(), limit),
        other => panic!("expected 16 MiB back, got {:?}", other.map(|m| m.map(|m| m.len()))),
    }
    drop(echo);
    let client = connect(&server, "/ws?room=big").await.expect("connect");
    let (mut sink, mut stream) = client.split();
    // Sent from its own task: the server stops reading at the frame's header, so this may never finish.
    let sending = tokio::spawn(async move {
        let _ = sink.send(Message::Binary(vec![0u8; limit + 1].into())).await;
        sink
    });
    let code = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match stream.next().await {
                Some(Ok(Message::Close(Some(frame)))) => return Some(frame.code),
                Some(Ok(_)) => {}
                _ => return None,
            }
        }
    })
    .await
    .expect("closed within 10 s");
    assert_eq!(code, Some(CloseCode::Size), "1009: message too big");
    sending.abort();
    eventually("the room of the refused client freed", || server.rooms() == 0).await;
    server.stop().await;
}

#[tokio::test]
async fn flood_sizes_are_clamped() {
    let server = start(Options { test_modes: true, ..Options::default() }).await;
    let mut flood = connect(&server, "/flood?n=1000000000&per_frame=1000000000&ts=1").await.expect("flood");
    let first = loop {
        match flood.next().await {
            Some(Ok(Message::Text(t))) => break t,
            Some(Ok(_)) => {}
            other => panic!("expected a frame, got {other:?}"),
        }
    };
    let lines = first.lines().count();
    assert_eq!(lines as u64, wschat_server::FLOOD_MAX_PER_FRAME, "one frame holds at most the clamp");
    assert!(first.len() < 1 << 20, "first frame {} bytes", first.len());
    drop(flood);
    server.stop().await;
}

/// One plain HTTP GET; returns the response head (status line and headers), lower-cased.
async fn http_head(server: &RunningServer, path: &str) -> String {
    let mut tcp = tokio::net::TcpStream::connect(server.addr).await.expect("tcp");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", server.addr);
    tcp.write_all(request.as_bytes()).await.expect("write");
    let mut response = Vec::new();
    tcp.read_to_end(&mut response).await.expect("read");
    let text = String::from_utf8_lossy(&response).to_string();
    text.split("\r\n\r\n").next().unwrap_or_default().to_ascii_lowercase()
}

#[tokio::test]
async fn the_app_files_carry_the_content_security_policy() {
    let dir = std::env::temp_dir().join(format!("wschat-static-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    for (name, body) in [("index.html", "<!doctype html>"), ("app.js", "export {}"), ("app_bg.wasm", "\0asm")] {
        std::fs::write(dir.join(name), body).expect("file");
    }
    let server = start(Options { static_dir: Some(dir.clone()), ..Options::default() }).await;
    let policy = format!("content-security-policy: {}", wschat_server::CONTENT_SECURITY_POLICY).to_ascii_lowercase();
    for (path, status) in
        [("/", "200"), ("/index.html", "200"), ("/app.js", "200"), ("/app_bg.wasm", "200"), ("/nope", "404")]
    {
        let head = http_head(&server, path).await;
        assert!(head.starts_with(&format!("http/1.1 {status}")), "{path}: {head}");
        assert!(head.lines().any(|l| l == policy), "{path} has the policy: {head}");
        assert!(head.lines().any(|l| l == "x-content-type-options: nosniff"), "{path}: {head}");
    }
    assert!(http_head(&server, "/app_bg.wasm").await.contains("content-type: application/wasm"));
    server.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}
