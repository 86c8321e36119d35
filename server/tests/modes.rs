//! The reference server's modes (with `--test-modes`), exercised by a real WebSocket client over loopback.

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{connect_async, MaybeTlsStream, WebSocketStream};

type Client = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

/// A server on a free loopback port with the test modes on.
async fn start() -> wschat_server::RunningServer {
    let options = wschat_server::Options { test_modes: true, ..wschat_server::Options::default() };
    wschat_server::start_with("127.0.0.1:0", options).await.expect("start")
}

async fn connect(server: &wschat_server::RunningServer, path: &str) -> Client {
    let (client, _) = connect_async(format!("ws://{}{path}", server.addr)).await.expect("connect");
    client
}

async fn next_text(client: &mut Client) -> String {
    loop {
        match client.next().await.expect("stream open").expect("frame") {
            Message::Text(t) => return t.to_string(),
            Message::Ping(_) | Message::Pong(_) => {}
            other => panic!("expected text, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn broadcast_reaches_everyone_in_the_room_sender_included() {
    let server = start().await;
    let mut a = connect(&server, "/ws?room=t1").await;
    let mut b = connect(&server, "/ws?room=t1").await;
    let mut other_room = connect(&server, "/ws?room=t2").await;
    a.send(Message::Text("alice: hi".into())).await.expect("send");
    assert_eq!(next_text(&mut a).await, "alice: hi");
    assert_eq!(next_text(&mut b).await, "alice: hi");
    other_room.send(Message::Text("carol: elsewhere".into())).await.expect("send");
    assert_eq!(next_text(&mut other_room).await, "carol: elsewhere");
    // b must see the next message of its own room, not carol's.
    b.send(Message::Text("bob: back".into())).await.expect("send");
    assert_eq!(next_text(&mut b).await, "bob: back");
    assert_eq!(next_text(&mut a).await, "bob: back");
    drop((a, b, other_room));
    server.stop().await;
}

#[tokio::test]
async fn binary_is_answered_in_kind_to_the_sender() {
    let server = start().await;
    let mut a = connect(&server, "/ws?room=bin").await;
    a.send(Message::Binary(vec![0, 1, 254, 255].into())).await.expect("send");
    match a.next().await.expect("open").expect("frame") {
        Message::Binary(b) => assert_eq!(&b[..], &[0, 1, 254, 255]),
        other => panic!("expected binary, got {other:?}"),
    }
    drop(a);
    server.stop().await;
}

#[tokio::test]
async fn echo_mode_answers_only_the_sender() {
    let server = start().await;
    let mut a = connect(&server, "/echo").await;
    a.send(Message::Text("ping".into())).await.expect("send");
    assert_eq!(next_text(&mut a).await, "ping");
    drop(a);
    server.stop().await;
}

#[tokio::test]
async fn close_mode_sends_the_requested_code_and_reason() {
    let server = start().await;
    let mut a = connect(&server, "/close?code=4001&reason=bye").await;
    match a.next().await.expect("open").expect("frame") {
        Message::Close(Some(frame)) => {
            assert_eq!(frame.code, CloseCode::from(4001));
            assert_eq!(frame.reason.as_str(), "bye");
        }
        other => panic!("expected close, got {other:?}"),
    }
    drop(a);
    server.stop().await;
}

#[tokio::test]
async fn flood_mode_sends_n_messages_in_order() {
    let server = start().await;
    let mut a = connect(&server, "/flood?n=5000").await;
    for i in 1..=5000 {
        assert_eq!(next_text(&mut a).await, format!("flood: {i}"));
    }
    drop(a);
    server.stop().await;
}

#[tokio::test]
async fn accepts_the_first_offered_subprotocol_it_knows() {
    let server = start().await;
    let mut request =
        format!("ws://{}/echo?protocols=superchat,chat", server.addr).into_client_request().expect("request");
    request.headers_mut().insert("Sec-WebSocket-Protocol", "chat, superchat".parse().expect("header"));
    let (client, response) = connect_async(request).await.expect("connect");
    let chosen = response.headers().get("Sec-WebSocket-Protocol").and_then(|v| v.to_str().ok());
    assert_eq!(chosen, Some("superchat"), "the server's order of preference decides");
    drop(client);
    server.stop().await;
}

#[tokio::test]
async fn stopping_closes_clients_with_going_away() {
    let server = start().await;
    let mut a = connect(&server, "/ws?room=stop").await;
    let stopped = tokio::spawn(server.stop());
    match a.next().await.expect("open").expect("frame") {
        Message::Close(Some(frame)) => assert_eq!(frame.code, CloseCode::Away),
        other => panic!("expected close, got {other:?}"),
    }
    drop(a);
    stopped.await.expect("stop finishes once clients are gone");
}

#[tokio::test]
async fn binary_goes_to_the_room_when_asked() {
    let server = start().await;
    let mut listener = connect(&server, "/ws?room=b2").await;
    let mut sender = connect(&server, "/ws?room=b2&binary=room").await;
    sender.send(Message::Binary(vec![9, 8].into())).await.expect("send");
    for client in [&mut listener, &mut sender] {
        match client.next().await.expect("open").expect("frame") {
            Message::Binary(b) => assert_eq!(&b[..], &[9, 8]),
            other => panic!("expected binary, got {other:?}"),
        }
    }
    drop((listener, sender));
    server.stop().await;
}

#[tokio::test]
async fn records_what_rooms_receive() {
    let path = std::env::temp_dir().join(format!("wschat-record-{}.txt", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let options = wschat_server::Options { record: Some(path.clone()), ..wschat_server::Options::default() };
    let server = wschat_server::start_with("127.0.0.1:0", options).await.expect("start");
    let mut a = connect(&server, "/ws?room=rec").await;
    a.send(Message::Text("me: one\ntwo".into())).await.expect("send");
    assert_eq!(next_text(&mut a).await, "me: one\ntwo");
    drop(a);
    server.stop().await;
    let recorded = std::fs::read_to_string(&path).expect("record file");
    assert_eq!(recorded, "rec\tme: one\\ntwo\n");
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn stall_mode_says_nothing() {
    let server = start().await;
    let mut a = connect(&server, "/stall").await;
    a.send(Message::Text("anyone?".into())).await.expect("send");
    let quiet = tokio::time::timeout(std::time::Duration::from_millis(300), a.next()).await;
    assert!(quiet.is_err(), "a stalled server must not answer");
    drop(a);
    server.stop().await;
}

#[tokio::test]
async fn flood_batches_paces_and_stamps() {
    let server = start().await;
    let mut a = connect(&server, "/flood?n=250&per_frame=100&ts=1").await;
    let frames = [next_text(&mut a).await, next_text(&mut a).await, next_text(&mut a).await];
    assert_eq!(frames.iter().map(|f| f.lines().count()).collect::<Vec<_>>(), vec![100, 100, 50]);
    let last = frames[2].lines().last().expect("a line");
    assert!(last.starts_with("flood: 250 t=1"), "{last}");
    drop(a);
    let started = std::time::Instant::now();
    let mut paced = connect(&server, "/flood?n=300&rate=1000").await;
    for i in 1..=300 {
        assert_eq!(next_text(&mut paced).await, format!("flood: {i}"));
    }
    assert!(started.elapsed() >= std::time::Duration::from_millis(250), "300 at 1000/s take about 0.3 s");
    drop(paced);
    server.stop().await;
}

#[tokio::test]
async fn flaky_mode_echoes_some_and_fails_on_the_rest() {
    let server = start().await;
    let mut a = connect(&server, "/flaky").await;
    a.send(Message::Text("me: echo this".into())).await.expect("send");
    assert_eq!(next_text(&mut a).await, "me: echo this");
    a.send(Message::Text("me: doomed".into())).await.expect("send");
    match a.next().await.expect("open").expect("frame") {
        Message::Close(Some(frame)) => assert_eq!(frame.code, CloseCode::Error),
        other => panic!("expected close, got {other:?}"),
    }
    drop(a);
    server.stop().await;
}
