//! Reference chat server for wschat: a WebSocket broadcast room, plus the modes the tests need.
//!
//! Paths (all WebSocket upgrades; any of them takes `?protocols=a,b` to accept the first
//! of the client's offered subprotocols that is in that list):
//! - `/ws?room=NAME`: every text frame is broadcast to everyone in the room, sender included;
//!   binary frames are answered in kind to the sender (with `binary=room`, broadcast too).
//! - `/echo`: every text and binary frame is sent back to the sender only.
//! - `/sink`: frames are read and dropped (for filling the client's send buffer).
//! - `/close?code=4001&reason=bye`: the connection is closed at once with that code and reason.
//! - `/flood?n=10000`: sends `flood: 1` … `flood: N` as fast as it can, then echoes;
//!   `per_frame=100` puts 100 messages (newline-separated) in each frame, `rate=5000` paces
//!   them per second, `ts=1` stamps each with ` t=<ms since the epoch>` when sent, and
//!   `delay_ms=500` waits that long after the handshake first.
//! - `/stall`: accepts, then neither reads nor writes (a frozen server, for dead-link tests).
//! - `/flaky`: echoes text frames that contain "echo"; any other frame makes it close with
//!   1011 without answering (a server that keeps failing on one message).
//!
//! With a record file, every text frame a room receives is appended to it as
//! `room<TAB>text` (newlines in the text escaped as `\n`), so tests can check what arrived
//! across restarts of the server.
//!
//! Any other path is served from the static directory, if one was given.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::{get, MethodRouter};
use axum::Router;
use serde::Deserialize;
use tokio::sync::{broadcast, mpsc, watch};

/// How many broadcast messages a slow client may fall behind before it is disconnected.
const ROOM_BACKLOG: usize = 65_536;

/// Code sent to a client that fell too far behind the room (IANA: "try again later").
const CLOSE_TOO_SLOW: u16 = 1013;

/// Code sent to every client when the server stops (RFC 6455: "going away").
const CLOSE_GOING_AWAY: u16 = 1001;

/// One log line to stderr, written in a single call so that readers never see half of it.
#[macro_export]
macro_rules! log {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let line = format!("[wschat-server] {}\n", format_args!($($arg)*));
        let _ = std::io::stderr().write_all(line.as_bytes());
    }};
}

/// Shared by every connection: the rooms, and the signal that the server is stopping.
#[derive(Clone)]
pub struct ServerState {
    rooms: Arc<Mutex<HashMap<String, broadcast::Sender<Message>>>>,
    shutdown: watch::Receiver<bool>,
    /// Held by every live connection; when all are dropped, every connection has finished.
    alive: mpsc::Sender<()>,
    /// Where received room messages are appended, if anywhere.
    record: Option<Arc<Mutex<std::fs::File>>>,
}

impl ServerState {
    fn room(&self, name: &str) -> broadcast::Sender<Message> {
        // A poisoned lock only means another connection panicked mid-insert; the map is still usable.
        let mut rooms = self.rooms.lock().unwrap_or_else(|e| e.into_inner());
        rooms.entry(name.to_string()).or_insert_with(|| broadcast::channel(ROOM_BACKLOG).0).clone()
    }

    fn record(&self, room: &str, text: &str) {
        if let Some(file) = &self.record {
            use std::io::Write;
            let line = format!("{room}\t{}\n", text.replace('\\', "\\\\").replace('\n', "\\n"));
            let mut file = file.lock().unwrap_or_else(|e| e.into_inner());
            if let Err(e) = file.write_all(line.as_bytes()) {
                log!("cannot record a message: {e}");
            }
        }
    }
}

/// The query parameters every mode understands; each mode reads the ones it needs.
#[derive(Debug, Default, Deserialize)]
pub struct ModeParams {
    protocols: Option<String>,
    room: Option<String>,
    code: Option<u16>,
    reason: Option<String>,
    n: Option<u64>,
    /// Flood: messages per WebSocket frame, joined by newlines (default 1).
    per_frame: Option<u64>,
    /// Flood: messages per second instead of as fast as possible.
    rate: Option<u64>,
    /// Flood: wait this long after the handshake before the first message.
    delay_ms: Option<u64>,
    /// Flood: `ts=1` appends ` t=<ms since the epoch>` to each message, for lag measurements.
    ts: Option<u8>,
    /// `binary=room` broadcasts this client's binary frames to the room instead of echoing them.
    binary: Option<String>,
}

#[derive(Clone, Copy, Debug)]
enum Mode {
    Broadcast,
    Echo,
    Sink,
    Close,
    Flood,
    Stall,
    Flaky,
}

/// A running server; dropping it does not stop it, [`RunningServer::stop`] does.
pub struct RunningServer {
    pub addr: std::net::SocketAddr,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl RunningServer {
    /// Closes every connection with 1001 and waits until all have finished.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// Binds `addr` and serves until [`RunningServer::stop`]; `static_dir` is served on other paths.
pub async fn start(addr: &str, static_dir: Option<PathBuf>) -> std::io::Result<RunningServer> {
    start_with(addr, Options { static_dir, record: None }).await
}

/// What a server serves besides its WebSocket modes.
#[derive(Debug, Default)]
pub struct Options {
    /// Files served on paths that are not a mode.
    pub static_dir: Option<PathBuf>,
    /// Appends every text frame a room receives to this file.
    pub record: Option<PathBuf>,
}

/// Like [`start`], with every option.
pub async fn start_with(addr: &str, options: Options) -> std::io::Result<RunningServer> {
    let record = match &options.record {
        Some(path) => Some(Arc::new(Mutex::new(std::fs::OpenOptions::new().create(true).append(true).open(path)?))),
        None => None,
    };
    let static_dir = options.static_dir;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let (stop, shutdown) = watch::channel(false);
    let (alive, mut all_done) = mpsc::channel::<()>(1);
    let state = ServerState { rooms: Arc::default(), shutdown: shutdown.clone(), alive, record };
    let app = router(state, static_dir);
    let mut http_shutdown = shutdown;
    let task = tokio::spawn(async move {
        let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
            stopping(&mut http_shutdown).await;
        });
        if let Err(e) = serve.await {
            log!("server error: {e}");
        }
        // The router (and its state's sender) is gone; this returns once every connection is.
        let _ = all_done.recv().await;
    });
    Ok(RunningServer { addr, stop, task })
}

fn router(state: ServerState, static_dir: Option<PathBuf>) -> Router {
    let router = Router::new()
        .route("/ws", mode_route(Mode::Broadcast))
        .route("/echo", mode_route(Mode::Echo))
        .route("/sink", mode_route(Mode::Sink))
        .route("/close", mode_route(Mode::Close))
        .route("/flood", mode_route(Mode::Flood))
        .route("/stall", mode_route(Mode::Stall))
        .route("/flaky", mode_route(Mode::Flaky));
    let router = match static_dir {
        Some(dir) => router.fallback_service(tower_http::services::ServeDir::new(dir)),
        None => router,
    };
    router.with_state(state)
}

fn mode_route(mode: Mode) -> MethodRouter<ServerState> {
    get(move |ws: WebSocketUpgrade, query: Query<ModeParams>, state: State<ServerState>| {
        upgrade(mode, ws, query, state)
    })
}

async fn upgrade(
    mode: Mode,
    ws: WebSocketUpgrade,
    Query(params): Query<ModeParams>,
    State(state): State<ServerState>,
) -> Response {
    let offered: Vec<String> = params
        .protocols
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect();
    // Join the room before the handshake completes: once the client sees "open", it must
    // receive everything sent to the room after that.
    let room_name = params.room.clone().unwrap_or_else(|| "lobby".to_string());
    let room = matches!(mode, Mode::Broadcast).then(|| {
        let sender = state.room(&room_name);
        let receiver = sender.subscribe();
        Room { name: room_name, sender, receiver }
    });
    ws.protocols(offered).on_upgrade(move |socket| async move {
        let _alive = state.alive.clone();
        let protocol = socket.protocol().and_then(|p| p.to_str().ok()).unwrap_or("").to_string();
        log!("open {mode:?} protocol={protocol:?}");
        serve_connection(mode, socket, params, room, state).await;
        log!("done {mode:?}");
    })
}

/// A broadcast connection's membership of its room.
struct Room {
    name: String,
    sender: broadcast::Sender<Message>,
    receiver: broadcast::Receiver<Message>,
}

async fn serve_connection(
    mode: Mode,
    mut socket: WebSocket,
    params: ModeParams,
    room: Option<Room>,
    state: ServerState,
) {
    let mut shutdown = state.shutdown.clone();
    match mode {
        Mode::Close => {
            let code = params.code.unwrap_or(1000);
            let reason = params.reason.unwrap_or_default();
            let _ = close(&mut socket, code, &reason).await;
            drain_until_closed(&mut socket).await;
            return;
        }
        Mode::Flood => {
            let n = params.n.unwrap_or(1000);
            if flood(&mut socket, n, &params).await.is_err() {
                return;
            }
            log!("flooded {n} messages");
        }
        Mode::Stall => {
            // Hold the connection and do nothing with it until the server stops.
            stopping(&mut shutdown).await;
            return;
        }
        Mode::Broadcast | Mode::Echo | Mode::Sink | Mode::Flaky => {}
    }
    let binary_to_room = params.binary.as_deref() == Some("room");
    let room_name = room.as_ref().map(|r| r.name.clone()).unwrap_or_default();
    let (room, mut from_room) = match room {
        Some(Room { sender, receiver, .. }) => (Some(sender), Some(receiver)),
        None => (None, None),
    };
    loop {
        tokio::select! {
            incoming = socket.recv() => {
                let Some(Ok(message)) = incoming else { return };
                match (mode, message) {
                    (Mode::Broadcast, Message::Text(text)) => {
                        state.record(&room_name, &text);
                        if let Some(room) = &room {
                            let _ = room.send(Message::Text(text));
                        }
                    }
                    (Mode::Broadcast, m @ Message::Binary(_)) if binary_to_room => {
                        if let Some(room) = &room {
                            let _ = room.send(m);
                        }
                    }
                    (Mode::Sink, _) => {}
                    (Mode::Flaky, Message::Text(text)) if !text.contains("echo") => {
                        let _ = close(&mut socket, 1011, "flaky").await;
                        drain_until_closed(&mut socket).await;
                        return;
                    }
                    (_, Message::Close(_)) => {
                        drain_until_closed(&mut socket).await;
                        return;
                    }
                    (_, m @ (Message::Text(_) | Message::Binary(_))) => {
                        if socket.send(m).await.is_err() {
                            return;
                        }
                    }
                    (_, Message::Ping(_) | Message::Pong(_)) => {}
                }
            }
            broadcast = recv_room(&mut from_room) => match broadcast {
                Ok(message) => {
                    if socket.send(message).await.is_err() {
                        return;
                    }
                }
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    log!("client fell {missed} messages behind room {room_name:?}; closing it");
                    let _ = close(&mut socket, CLOSE_TOO_SLOW, "too slow for this room").await;
                    drain_until_closed(&mut socket).await;
                    return;
                }
                Err(broadcast::error::RecvError::Closed) => return,
            },
            () = stopping(&mut shutdown) => {
                let _ = close(&mut socket, CLOSE_GOING_AWAY, "server shutting down").await;
                drain_until_closed(&mut socket).await;
                return;
            }
        }
    }
}

/// Sends `flood: 1` … `flood: n`, batched and paced as the parameters say.
async fn flood(socket: &mut WebSocket, n: u64, params: &ModeParams) -> Result<(), axum::Error> {
    let per_frame = params.per_frame.unwrap_or(1).max(1);
    let stamp = params.ts == Some(1);
    // Paced floods go out in 10 ms slices of rate/100 messages.
    let slice = params.rate.map(|rate| (rate / 100).max(1));
    if let Some(delay) = params.delay_ms {
        tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
    }
    let mut ticker = tokio::time::interval(std::time::Duration::from_millis(10));
    let mut next = 1;
    while next <= n {
        let burst_end = match slice {
            Some(slice) => {
                ticker.tick().await;
                (next + slice - 1).min(n)
            }
            None => n,
        };
        while next <= burst_end {
            let last = (next + per_frame - 1).min(burst_end);
            let mut frame = String::new();
            for i in next..=last {
                if i > next {
                    frame.push('\n');
                }
                frame.push_str(&format!("flood: {i}"));
                if stamp {
                    frame.push_str(&format!(" t={}", epoch_ms()));
                }
            }
            socket.send(Message::Text(frame.into())).await?;
            next = last + 1;
        }
    }
    Ok(())
}

fn epoch_ms() -> f64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// Resolves once the server is asked to stop (or the stop handle is gone).
async fn stopping(shutdown: &mut watch::Receiver<bool>) {
    // The guard `wait_for` returns is not Send; drop it here, before any later await.
    let _ = shutdown.wait_for(|stop| *stop).await.map(|_| ());
}

/// The next room message, or never for a connection that is in no room.
async fn recv_room(rx: &mut Option<broadcast::Receiver<Message>>) -> Result<Message, broadcast::error::RecvError> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

async fn close(socket: &mut WebSocket, code: u16, reason: &str) -> Result<(), axum::Error> {
    socket.send(Message::Close(Some(CloseFrame { code, reason: reason.into() }))).await
}

/// Reads until the peer's close frame arrives or the connection ends, so the close is clean.
async fn drain_until_closed(socket: &mut WebSocket) {
    let deadline = tokio::time::sleep(std::time::Duration::from_secs(5));
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            next = socket.recv() => match next {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
            _ = &mut deadline => return,
        }
    }
}
