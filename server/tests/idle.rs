//! The idle timeout, met over loopback: a raw TCP client that completes the handshake, then
//! reads but never answers a ping, is pinged and then closed with 1001 once the timeout has
//! passed; a real client, which answers pings by itself, stays open well past it.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{timeout, timeout_at, Instant};
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::Message;
use wschat_server::{Options, RunningServer};

/// Short, so the tests are quick; the server pings after half of it.
const IDLE: Duration = Duration::from_secs(1);

/// Room for a busy machine between the deadline and the close frame's arrival.
const SLACK: Duration = Duration::from_secs(3);

async fn start() -> RunningServer {
    wschat_server::start_with("127.0.0.1:0", Options { idle_timeout: IDLE, ..Options::default() }).await.expect("start")
}

/// Opens a WebSocket by hand: the server's frames can then be read without any being answered.
async fn raw_upgrade(server: &RunningServer, path: &str) -> TcpStream {
    let mut tcp = TcpStream::connect(server.addr).await.expect("tcp");
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
        server.addr
    );
    tcp.write_all(request.as_bytes()).await.expect("write");
    // A byte at a time, so that no frame after the head is read with it.
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        head.push(tcp.read_u8().await.expect("response head"));
    }
    let head = String::from_utf8_lossy(&head);
    assert!(head.starts_with("HTTP/1.1 101"), "{head}");
    tcp
}

/// One frame from the server (never masked): its opcode and payload.
async fn read_frame(tcp: &mut TcpStream) -> (u8, Vec<u8>) {
    let first = tcp.read_u8().await.expect("frame");
    let len = match tcp.read_u8().await.expect("length") & 0x7f {
        126 => u64::from(tcp.read_u16().await.expect("length")),
        127 => tcp.read_u64().await.expect("length"),
        n => u64::from(n),
    };
    let mut payload = vec![0; usize::try_from(len).expect("a length that fits")];
    tcp.read_exact(&mut payload).await.expect("payload");
    (first & 0x0f, payload)
}

#[tokio::test]
async fn a_client_that_never_answers_pings_is_closed_with_1001() {
    let server = start().await;
    let mut tcp = raw_upgrade(&server, "/ws?room=idle").await;
    let opened = Instant::now();
    let limit = IDLE + SLACK;
    let (opcode, _) = timeout(limit, read_frame(&mut tcp)).await.expect("a ping before the timeout");
    assert_eq!(opcode, 0x9, "a ping first");
    let pinged = opened.elapsed();
    assert!(pinged < IDLE, "pinged after {pinged:?}: a live peer would have had no time to answer");
    let (opcode, payload) = timeout(limit, read_frame(&mut tcp)).await.expect("a close within the timeout and slack");
    let closed = opened.elapsed();
    assert_eq!(opcode, 0x8, "then a close frame");
    let code = payload.get(..2).map(|c| u16::from_be_bytes([c[0], c[1]]));
    assert_eq!(code, Some(1001), "going away");
    let reason = String::from_utf8_lossy(payload.get(2..).unwrap_or_default());
    assert!(reason.contains("idle"), "{reason}");
    // The server counts from just before our "101" arrived; a little less is its head start.
    assert!(closed >= IDLE - Duration::from_millis(100), "closed after {closed:?}, before the timeout");
    assert!(closed <= IDLE + SLACK, "closed after {closed:?}");
    drop(tcp);
    server.stop().await;
}

#[tokio::test]
async fn a_client_that_answers_pings_stays_open_past_the_timeout() {
    let server = start().await;
    let (mut client, _) = connect_async(format!("ws://{}/ws?room=alive", server.addr)).await.expect("connect");
    // Sends nothing of its own: only its answers to the server's pings keep it open.
    let until = Instant::now() + 3 * IDLE;
    let mut pings = 0;
    loop {
        match timeout_at(until, client.next()).await {
            Err(_) => break,
            // Reading on is what sends the pong tungstenite queued for this ping.
            Ok(Some(Ok(Message::Ping(_)))) => pings += 1,
            Ok(other) => panic!("after {pings} pings, expected only pings, got {other:?}"),
        }
    }
    assert!(pings >= 2, "the server pinged {pings} times in {:?}", 3 * IDLE);
    client.send(Message::Text("still here".into())).await.expect("send");
    let echoed = loop {
        match timeout(SLACK, client.next()).await.expect("the room answers") {
            Some(Ok(Message::Text(text))) => break text,
            Some(Ok(Message::Ping(_))) => {}
            other => panic!("expected our message back, got {other:?}"),
        }
    };
    assert_eq!(echoed.as_str(), "still here");
    drop(client);
    server.stop().await;
}
