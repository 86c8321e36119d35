//! The reference server under abuse, as a separate process whose resident memory is read from
//! /proc: a thousand rooms, and a client that never reads held through a 100,000-message flood.

use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{connect_async, MaybeTlsStream, WebSocketStream};

type Client = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

const ROOMS: usize = 1_000;
const FLOOD: usize = 100_000;
/// Messages the flooding client has on the way before it waits for their echoes.
const WINDOW: usize = 1_000;
/// The server's resident memory must stay under this: a thousand idle connections, one full
/// queue (8 MiB) and the sender's traffic fit with room to spare, the old server (a
/// 65,536-slot buffer per room, never freed, and no bound on a client's queue) did not come close.
const RSS_BOUND_KIB: u64 = 64 * 1024;

/// The server binary, killed when dropped; its log lines are collected as they come.
struct Server {
    child: Child,
    log: Arc<Mutex<Vec<String>>>,
    addr: String,
}

impl Server {
    fn start() -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_wschat-server"))
            .args(["--addr", "127.0.0.1:0"])
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn wschat-server");
        let stderr = child.stderr.take().expect("stderr");
        let log = Arc::new(Mutex::new(Vec::new()));
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let lines = log.clone();
        // Read all along: a full pipe would block the server's logging, and so the server.
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(addr) = line.strip_prefix("[wschat-server] listening on ") {
                    let _ = addr_tx.send(addr.to_string());
                }
                lines.lock().expect("log").push(line);
            }
        });
        let addr = addr_rx.recv_timeout(Duration::from_secs(20)).expect("the server says where it listens");
        Server { child, log, addr }
    }

    /// (VmRSS, VmHWM) in KiB: resident memory now, and its peak so far.
    fn memory(&self) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).expect("status");
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
                .expect("field")
        };
        (field("VmRSS:"), field("VmHWM:"))
    }

    fn logged(&self, needle: &str) -> bool {
        self.log.lock().expect("log").iter().any(|l| l.contains(needle))
    }

    async fn connect(&self, room: &str) -> Client {
        let (client, _) = connect_async(format!("ws://{}/ws?room={room}", self.addr)).await.expect("connect");
        client
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn wait_for_log(server: &Server, needle: &str, within: Duration) {
    let deadline = Instant::now() + within;
    while !server.logged(needle) {
        assert!(Instant::now() < deadline, "the log never said {needle:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_rooms_and_a_reader_that_never_reads_keep_memory_bounded() {
    let server = Server::start();
    let (started, _) = server.memory();

    let mut idle = Vec::with_capacity(ROOMS);
    for i in 0..ROOMS {
        idle.push(server.connect(&format!("room-{i}")).await);
    }
    wait_for_log(&server, &format!("({ROOMS} rooms)"), Duration::from_secs(10)).await;
    let (with_rooms, _) = server.memory();

    // One room more is over the default limit: opened, then closed with 1013.
    let mut over = server.connect("one-too-many").await;
    match over.next().await {
        Some(Ok(Message::Close(Some(frame)))) => assert_eq!(frame.code, CloseCode::Again),
        other => panic!("expected 1013 for room {}, got {other:?}", ROOMS + 1),
    }
    drop(over);
    // Make space for the flood's room.
    drop(idle.pop());
    wait_for_log(&server, &format!("({} rooms)", ROOMS - 1), Duration::from_secs(10)).await;

    let mut slow = server.connect("flood").await;
    let sender = server.connect("flood").await;
    let log = server.log.clone();
    // It reads nothing until the server has given up on it; then it reads what was already on
    // its way, and the close. (Waiting for the whole flood first could outlast the 30 s the
    // server gives a close frame on a machine busy with other builds.)
    let cut_off = tokio::spawn(async move {
        while !log.lock().expect("log").iter().any(|l| l.contains("closing a slow reader with 1013")) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let mut received = 0;
        loop {
            match tokio::time::timeout(Duration::from_secs(30), slow.next()).await.expect("close within 30 s") {
                Some(Ok(Message::Text(_))) => received += 1,
                Some(Ok(Message::Close(Some(frame)))) => return (received, frame.code),
                other => panic!("expected text or a close, got {other:?}"),
            }
        }
    });
    let (mut out, mut echoes) = sender.split();
    let line = "x".repeat(300);
    let started_flood = Instant::now();
    let mut peak_during = 0;
    for window in 0..FLOOD / WINDOW {
        for i in 0..WINDOW {
            out.feed(Message::Text(format!("sender: {} {line}", window * WINDOW + i).into())).await.expect("send");
        }
        out.flush().await.expect("flush");
        // The sender reads its own echoes, so the only slow reader is the one that never reads.
        for _ in 0..WINDOW {
            // Bounded, so that a stall fails with where it was instead of holding the run.
            match tokio::time::timeout(Duration::from_secs(60), echoes.next()).await {
                Ok(Some(Ok(Message::Text(_)))) => {}
                Ok(other) => panic!("sender lost its echo: {other:?}"),
                Err(_) => panic!(
                    "no echo for 60 s in window {window}; server log tail: {:?}",
                    server.log.lock().expect("log").iter().rev().take(5).collect::<Vec<_>>()
                ),
            }
        }
        peak_during = peak_during.max(server.memory().0);
    }
    let flood_time = started_flood.elapsed();
    let (after_flood, peak) = server.memory();
    // A bound, not a pace: on a machine busy with builds the reader's catching up took over 60 s.
    let (received, code) = tokio::time::timeout(Duration::from_secs(240), cut_off)
        .await
        .expect("the server gave up on the reader that never reads")
        .expect("the slow reader's task");
    let slow_line = server.log.lock().expect("log").iter().find(|l| l.contains("slow reader")).cloned();

    drop(idle);
    drop((out, echoes));
    wait_for_log(&server, "(0 rooms)", Duration::from_secs(20)).await;
    let (all_gone, _) = server.memory();

    println!("server resident memory (KiB): at start {started}, with {ROOMS} rooms {with_rooms}");
    println!("  during a {FLOOD}-message flood (~{} MB, {flood_time:?}) with a reader that never reads: highest sample {peak_during}, after {after_flood}, peak (VmHWM) {peak}", FLOOD * 320 / 1_000_000);
    println!("  every client gone, every room freed: {all_gone}; bound {RSS_BOUND_KIB}");
    println!("  the slow reader got {received} messages before its close ({code}); log: {slow_line:?}");
    assert_eq!(code, CloseCode::Again, "the slow reader is closed with 1013");
    assert!(received < FLOOD, "the slow reader was cut off, not served everything");
    assert!(peak < RSS_BOUND_KIB, "peak resident memory {peak} KiB over {RSS_BOUND_KIB} KiB");
}
