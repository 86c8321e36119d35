//! Reference chat server for wschat: WebSocket broadcast rooms, plus the modes the tests need.
//!
//! Paths (WebSocket upgrades; each takes `?protocols=a,b` to accept the first of the client's
//! offered subprotocols that is in that list):
//! - `/ws?room=NAME`: every text frame is broadcast to everyone in the room, sender included;
//!   binary frames are answered in kind to the sender (with `binary=room`, broadcast too).
//!
//! Test modes, routed only with [`Options::test_modes`] (`--test-modes`); without it they are 404:
//! - `/echo`: every text and binary frame is sent back to the sender only.
//! - `/sink`: frames are read and dropped (for filling the client's send buffer).
//! - `/close?code=4001&reason=bye`: the connection is closed at once with that code and reason.
//! - `/flood?n=10000`: sends `flood: 1` … `flood: N` as fast as it can, then echoes;
//!   `per_frame=100` puts 100 messages (newline-separated) in each frame, `rate=5000` paces
//!   them per second, `ts=1` stamps each with ` t=<ms since the epoch>` when sent, and
//!   `delay_ms=500` waits that long after the handshake first. `n` is capped at
//!   [`FLOOD_MAX_MESSAGES`], `per_frame` at [`FLOOD_MAX_PER_FRAME`], `delay_ms` at a minute.
//! - `/stall`: accepts, then neither reads nor writes (a frozen server, for dead-link tests;
//!   it neither pings nor times out).
//! - `/flaky`: echoes text frames that contain "echo"; any other frame makes it close with
//!   1011 without answering (a server that keeps failing on one message).
//!
//! Limits, so that no client can make the server's memory grow without bound:
//! - at most [`Options::max_connections`] WebSockets at once; more are refused with 503;
//! - at most [`Options::max_rooms`] rooms; a room is freed when its last client leaves, and a
//!   client asking for a new room beyond the limit is closed with 1013;
//! - messages and frames of at most [`MAX_MESSAGE_BYTES`]; a bigger one is closed with 1009;
//! - each client has a bounded queue (see [`rooms`]); a client that falls behind its room, or
//!   takes no frame for [`SEND_TIMEOUT`], is closed with 1013 and the log says so;
//! - a browser's upgrade is refused with 403 unless [`OriginPolicy`] allows its `Origin`: by
//!   default any origin on a loopback address, and none but the served app's own elsewhere;
//! - a WebSocket from which nothing (no frame, no pong) came for [`Options::idle_timeout`] is
//!   closed with 1001; the server pings it after half that, so a live peer always answers in time;
//! - with TLS, at most [`tls::MAX_HANDSHAKES`] handshakes at once, each done within
//!   [`tls::HANDSHAKE_TIMEOUT`] or dropped.
//!
//! With [`Options::tls`] (`--tls-cert`, `--tls-key`) everything above is served over HTTPS and
//! WSS instead, on the same address, with the same limits.
//!
//! With a record file, every text frame a room receives is appended to it as
//! `room<TAB>text` (newlines in the text escaped as `\n`), so tests can check what arrived
//! across restarts of the server.
//!
//! Any other path is served from the static directory, if one was given, and every response
//! then carries [`CONTENT_SECURITY_POLICY`] and `X-Content-Type-Options: nosniff`.

pub mod rooms;
pub mod tls;

use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, MethodRouter};
use axum::Router;
use serde::Deserialize;
use tokio::sync::{mpsc, watch, Semaphore};
use tokio::time::Instant;

use rooms::{Membership, Rooms};
use tls::{TlsFiles, TlsListener};

/// Largest message (and frame) a client may send: a common server limit, and the client's own.
pub const MAX_MESSAGE_BYTES: usize = 16 * 1024 * 1024;

/// A client that takes no frame for this long is closed as too slow.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(30);

/// Rooms at once unless told otherwise.
pub const DEFAULT_MAX_ROOMS: usize = 1_000;

/// WebSockets at once unless told otherwise.
pub const DEFAULT_MAX_CONNECTIONS: usize = 1_024;

/// A WebSocket that sends nothing (no frame, no pong) for this long is closed, unless told otherwise.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(120);

/// The longest idle timeout used: far beyond any use, and short enough that adding it to a
/// time never overflows.
pub const MAX_IDLE_TIMEOUT: Duration = Duration::from_secs(365 * 24 * 3600);

/// Longest room name: names are kept in memory for as long as the room lives.
pub const MAX_ROOM_NAME_BYTES: usize = 256;

/// Most messages one `/flood` sends.
pub const FLOOD_MAX_MESSAGES: u64 = 10_000_000;

/// Most messages in one `/flood` frame: about 400 KB with time stamps.
pub const FLOOD_MAX_PER_FRAME: u64 = 10_000;

/// Longest `/flood` wait before the first message.
const FLOOD_MAX_DELAY_MS: u64 = 60_000;

/// The policy sent with every response when the server serves the app: the app's own files
/// only, wasm compiled from them, WebSockets anywhere, no inline script or style, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self' ws: wss:; worker-src 'self'; \
     manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Code sent to a client that reads too slowly, or asks for a room beyond the limit
/// (IANA: "try again later").
const CLOSE_TRY_LATER: u16 = 1013;

/// Code sent to a client whose message is over [`MAX_MESSAGE_BYTES`] (RFC 6455: "message too big").
const CLOSE_TOO_BIG: u16 = 1009;

/// Code sent to every client when the server stops, and to one gone quiet past the idle
/// timeout (RFC 6455: "going away"; clients reconnect after it).
const CLOSE_GOING_AWAY: u16 = 1001;

/// Each connection's read buffer. tungstenite zero-fills the whole buffer before each read, so
/// its default (128 KiB) made every idle connection cost 128 KiB of resident memory; bigger
/// messages still arrive whole, in reads of this size.
const READ_BUFFER_BYTES: usize = 8 * 1024;

/// How long a closing handshake may take before the connection is dropped.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

/// One log line to stderr, written in a single call so that readers never see half of it.
#[macro_export]
macro_rules! log {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let line = format!("[wschat-server] {}\n", format_args!($($arg)*));
        let _ = std::io::stderr().write_all(line.as_bytes());
    }};
}

/// How a server runs: what it serves besides `/ws`, and its limits.
#[derive(Clone, Debug)]
pub struct Options {
    /// Files served on paths that are not a mode.
    pub static_dir: Option<PathBuf>,
    /// Appends every text frame a room receives to this file.
    pub record: Option<PathBuf>,
    /// Routes the test modes (`/echo`, `/sink`, `/close`, `/flood`, `/stall`, `/flaky`).
    pub test_modes: bool,
    /// Most rooms at once.
    pub max_rooms: usize,
    /// Most WebSockets at once.
    pub max_connections: usize,
    /// Origins (`scheme://host[:port]`, as browsers send them) allowed to open WebSockets.
    /// Empty: any on a loopback address, none but the app's own elsewhere (see [`OriginPolicy`]).
    pub allow_origins: Vec<String>,
    /// Any origin, wherever the server listens (`--any-origin`); wins over `allow_origins`.
    pub any_origin: bool,
    /// A WebSocket that sends nothing, not even a pong, for this long is closed with 1001
    /// (at most [`MAX_IDLE_TIMEOUT`] is used).
    pub idle_timeout: Duration,
    /// Serve HTTPS and WSS with this certificate and key instead of HTTP and WS.
    pub tls: Option<TlsFiles>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            static_dir: None,
            record: None,
            test_modes: false,
            max_rooms: DEFAULT_MAX_ROOMS,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            allow_origins: Vec::new(),
            any_origin: false,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            tls: None,
        }
    }
}

/// Shared by every connection: the rooms, the limits, and the signal that the server is stopping.
#[derive(Clone)]
struct ServerState {
    rooms: Arc<Rooms>,
    shutdown: watch::Receiver<bool>,
    /// Held by every live connection; when all are dropped, every connection has finished.
    alive: mpsc::Sender<()>,
    /// Where received room messages are appended, if anywhere.
    record: Option<Arc<Mutex<std::fs::File>>>,
    /// One permit per WebSocket.
    connections: Arc<Semaphore>,
    max_connections: usize,
    origins: Arc<OriginPolicy>,
    /// `https` with TLS, else `http`: the scheme of the app's own origin.
    scheme: &'static str,
    idle_timeout: Duration,
}

impl ServerState {
    fn record(&self, room: &str, text: &str) {
        if let Some(file) = &self.record {
            use std::io::Write;
            let line = format!("{room}\t{}\n", text.replace('\\', "\\\\").replace('\n', "\\n"));
            // A poisoned lock only means another connection panicked mid-write; the file is still usable.
            let mut file = file.lock().unwrap_or_else(|e| e.into_inner());
            if let Err(e) = file.write_all(line.as_bytes()) {
                log!("cannot record a message: {e}");
            }
        }
    }
}

/// Which browser origins may open WebSockets. Browsers always send `Origin` with an upgrade, so
/// this keeps other sites' pages from using a visitor's browser to reach the server; a request
/// without one is not from a browser (which could send any `Origin` it liked) and is accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OriginPolicy {
    /// Any origin: on a loopback address without `--allow-origin` (`asked` false), or with
    /// `--any-origin` (`asked` true).
    Any { asked: bool },
    /// These origins, and with `same_origin` the origin the request was sent to (its scheme
    /// and `Host`: the app this server serves); any other is refused with 403.
    Only { origins: Vec<String>, same_origin: bool },
}

impl OriginPolicy {
    /// The policy for a server bound to `bound` with these options. On loopback only this
    /// machine can connect (the tests and `trunk serve`'s proxy do), so no check unless asked;
    /// anywhere else the check is on unless `--any-origin` turns it off.
    pub fn decide(bound: IpAddr, options: &Options) -> OriginPolicy {
        if options.any_origin {
            return OriginPolicy::Any { asked: true };
        }
        // `to_canonical`: ::ffff:127.0.0.1 is loopback too.
        if options.allow_origins.is_empty() && bound.to_canonical().is_loopback() {
            return OriginPolicy::Any { asked: false };
        }
        // Browsers send an origin without a trailing slash; people often write one.
        let origins = options.allow_origins.iter().map(|o| o.trim_end_matches('/').to_ascii_lowercase()).collect();
        OriginPolicy::Only { origins, same_origin: options.static_dir.is_some() }
    }

    /// Whether an upgrade with these headers, sent over `scheme`, may go ahead.
    fn allows(&self, headers: &HeaderMap, scheme: &str) -> bool {
        let OriginPolicy::Only { origins, same_origin } = self else {
            return true;
        };
        let Some(origin) = headers.get(header::ORIGIN) else {
            return true;
        };
        // An origin that is not visible ASCII matches nothing.
        let Ok(origin) = origin.to_str() else {
            return false;
        };
        if origins.iter().any(|allowed| allowed.eq_ignore_ascii_case(origin)) {
            return true;
        }
        // The app's own origin is the name the browser reached us by, which the bound address
        // cannot tell (0.0.0.0 has many): the `Host` it sent says it.
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
        *same_origin
            && host.is_some_and(|host| {
                origin
                    .split_once("://")
                    .is_some_and(|(s, rest)| s.eq_ignore_ascii_case(scheme) && rest.eq_ignore_ascii_case(host))
            })
    }
}

impl fmt::Display for OriginPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OriginPolicy::Any { asked: true } => write!(f, "any (--any-origin)"),
            OriginPolicy::Any { asked: false } => write!(f, "any (listening on loopback; --allow-origin to limit)"),
            OriginPolicy::Only { origins, same_origin } => {
                let mut listed: Vec<&str> = origins.iter().map(String::as_str).collect();
                if *same_origin {
                    listed.push("the served app's own");
                }
                if listed.is_empty() {
                    write!(
                        f,
                        "none from browsers (not on loopback: --allow-origin ORIGIN or --any-origin to let them in)"
                    )?;
                } else {
                    write!(f, "only {}", listed.join(", "))?;
                }
                write!(f, "; others 403, clients that send no Origin accepted")
            }
        }
    }
}

/// The origins in one `--allow-origin` value: comma-separated, each `http://` or `https://`,
/// a host and perhaps a port, as browsers send them (a trailing slash is dropped).
pub fn parse_allow_origin(value: &str) -> Result<Vec<String>, String> {
    let mut origins = Vec::new();
    for origin in value.split(',').map(str::trim).filter(|o| !o.is_empty()) {
        let origin = origin.trim_end_matches('/');
        let host = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://"));
        // Browsers never send a path, query, user or fragment: such an entry would match nothing.
        match host {
            Some(host) if !host.is_empty() && !host.contains(['/', '?', '#', '@', ' ']) => {
                origins.push(origin.to_string())
            }
            _ => {
                return Err(format!(
                    "--allow-origin wants http(s)://host[:port], like https://chat.example.org, not {origin:?}"
                ))
            }
        }
    }
    if origins.is_empty() {
        return Err("--allow-origin wants at least one origin".to_string());
    }
    Ok(origins)
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
    /// Who may open WebSockets, decided from the address bound and the options.
    pub origins: OriginPolicy,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
    rooms: Arc<Rooms>,
}

impl RunningServer {
    /// Closes every connection with 1001 and waits until all have finished.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }

    /// How many rooms exist now (each has at least one client).
    pub fn rooms(&self) -> usize {
        self.rooms.count()
    }
}

/// Binds `addr` and serves `/ws` with the default limits until [`RunningServer::stop`];
/// `static_dir` is served on other paths.
pub async fn start(addr: &str, static_dir: Option<PathBuf>) -> std::io::Result<RunningServer> {
    start_with(addr, Options { static_dir, ..Options::default() }).await
}

/// Like [`start`], with every option.
pub async fn start_with(addr: &str, options: Options) -> std::io::Result<RunningServer> {
    let record = match &options.record {
        Some(path) => Some(Arc::new(Mutex::new(std::fs::OpenOptions::new().create(true).append(true).open(path)?))),
        None => None,
    };
    // A bad certificate or key is told before anything listens.
    let tls = options.tls.as_ref().map(TlsFiles::load).transpose()?;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let listener = match tls {
        Some(config) => Listening::Tls(TlsListener::new(listener, config)?),
        None => Listening::Plain(listener),
    };
    let (stop, shutdown) = watch::channel(false);
    let (alive, mut all_done) = mpsc::channel::<()>(1);
    let rooms = Rooms::new(options.max_rooms);
    let max_connections = options.max_connections.min(Semaphore::MAX_PERMITS);
    let origins = OriginPolicy::decide(addr.ip(), &options);
    let state = ServerState {
        rooms: rooms.clone(),
        shutdown: shutdown.clone(),
        alive,
        record,
        connections: Arc::new(Semaphore::new(max_connections)),
        max_connections,
        origins: Arc::new(origins.clone()),
        scheme: if options.tls.is_some() { "https" } else { "http" },
        idle_timeout: options.idle_timeout.min(MAX_IDLE_TIMEOUT),
    };
    let app = router(state, &options);
    let mut http_shutdown = shutdown;
    let task = tokio::spawn(async move {
        let stopped = async move { stopping(&mut http_shutdown).await };
        // The same router, limits and shutdown over either; only the bytes on the wire differ.
        let served = match listener {
            Listening::Plain(listener) => axum::serve(listener, app).with_graceful_shutdown(stopped).await,
            Listening::Tls(listener) => axum::serve(listener, app).with_graceful_shutdown(stopped).await,
        };
        if let Err(e) = served {
            log!("server error: {e}");
        }
        // The router (and its state's sender) is gone; this returns once every connection is.
        let _ = all_done.recv().await;
    });
    Ok(RunningServer { addr, origins, stop, task, rooms })
}

/// Where connections come from: TCP as it is, or TCP with TLS done first.
enum Listening {
    Plain(tokio::net::TcpListener),
    Tls(TlsListener),
}

fn router(state: ServerState, options: &Options) -> Router {
    let mut router = Router::new().route("/ws", mode_route(Mode::Broadcast));
    if options.test_modes {
        let modes = [
            ("/echo", Mode::Echo),
            ("/sink", Mode::Sink),
            ("/close", Mode::Close),
            ("/flood", Mode::Flood),
            ("/stall", Mode::Stall),
            ("/flaky", Mode::Flaky),
        ];
        for (path, mode) in modes {
            router = router.route(path, mode_route(mode));
        }
    }
    let router = match &options.static_dir {
        Some(dir) => router
            .fallback_service(tower_http::services::ServeDir::new(dir))
            .layer(axum::middleware::map_response(security_headers)),
        None => router,
    };
    router.with_state(state)
}

/// Adds the app's content security policy and `nosniff` to a response.
async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

fn mode_route(mode: Mode) -> MethodRouter<ServerState> {
    get(move |ws: WebSocketUpgrade, headers: HeaderMap, query: Query<ModeParams>, state: State<ServerState>| {
        upgrade(mode, ws, headers, query, state)
    })
}

async fn upgrade(
    mode: Mode,
    ws: WebSocketUpgrade,
    headers: HeaderMap,
    Query(params): Query<ModeParams>,
    State(state): State<ServerState>,
) -> Response {
    if !state.origins.allows(&headers, state.scheme) {
        let origin = headers.get(header::ORIGIN).map(|o| String::from_utf8_lossy(o.as_bytes()).into_owned());
        log!("refused an upgrade from origin {origin:?}: origins allowed are {}", state.origins);
        return (StatusCode::FORBIDDEN, "origin not allowed\n").into_response();
    }
    let Ok(permit) = state.connections.clone().try_acquire_owned() else {
        log!("refused an upgrade: {} WebSockets open, the most allowed", state.max_connections);
        return (StatusCode::SERVICE_UNAVAILABLE, "too many connections\n").into_response();
    };
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
    let membership = match mode {
        Mode::Broadcast => {
            let name = params.room.as_deref().unwrap_or("lobby");
            if name.len() > MAX_ROOM_NAME_BYTES {
                return (StatusCode::BAD_REQUEST, "room name too long\n").into_response();
            }
            let joined = state.rooms.join(name);
            if joined.is_none() {
                log!("refused room {name:?}: the most rooms allowed are open; closing with 1013");
            }
            Some(joined)
        }
        _ => None,
    };
    ws.protocols(offered)
        .read_buffer_size(READ_BUFFER_BYTES)
        .max_message_size(MAX_MESSAGE_BYTES)
        .max_frame_size(MAX_MESSAGE_BYTES)
        .on_upgrade(move |socket| async move {
            let _permit = permit;
            let _alive = state.alive.clone();
            let protocol = socket.protocol().and_then(|p| p.to_str().ok()).unwrap_or("").to_string();
            log!("open {mode:?} protocol={protocol:?}");
            let (member, queue) = match membership {
                Some(Some((member, queue))) => (Some(member), Some(queue)),
                Some(None) => {
                    let mut connection =
                        Connection { socket, shutdown: state.shutdown.clone(), member: None, queue: None };
                    connection.finish(mode, End::Close(CLOSE_TRY_LATER, "too many rooms on this server".into())).await;
                    return;
                }
                None => (None, None),
            };
            let mut connection = Connection { socket, shutdown: state.shutdown.clone(), member, queue };
            let end = connection.serve(mode, params, &state).await;
            connection.finish(mode, end).await;
            log!("done {mode:?}");
        })
}

/// One WebSocket and, for `/ws`, its place in a room and its queue.
struct Connection {
    socket: WebSocket,
    shutdown: watch::Receiver<bool>,
    member: Option<Membership>,
    queue: Option<mpsc::Receiver<Message>>,
}

/// Why a connection ends, which says how it is closed.
enum End {
    /// The connection broke or the peer is gone: nothing more can be sent.
    Gone,
    /// The peer sent its close frame (tungstenite answers it).
    PeerClosed,
    /// The peer reads too slowly: its room gave up on it, or a frame waited [`SEND_TIMEOUT`].
    TooSlow,
    /// The peer sent a message over [`MAX_MESSAGE_BYTES`].
    TooBig,
    /// The server is stopping.
    Stopping,
    /// Nothing came from the peer, not even a pong to our ping, for this long.
    Idle(Duration),
    /// Close with this code and reason (the test modes ask for that).
    Close(u16, String),
}

/// What woke the connection's loop.
enum Event {
    Incoming(Option<Result<Message, axum::Error>>),
    Queued(Option<Message>),
    Kicked,
    Stopping,
    /// The idle timer went off: time to ping, to close, or to look again.
    Quiet,
}

impl Connection {
    /// Runs the mode until the connection should end.
    async fn serve(&mut self, mode: Mode, params: ModeParams, state: &ServerState) -> End {
        match mode {
            Mode::Close => {
                let mut reason = params.reason.unwrap_or_default();
                // A close frame carries at most 123 bytes of reason.
                while reason.len() > 123 {
                    reason.pop();
                }
                return End::Close(params.code.unwrap_or(1000), reason);
            }
            Mode::Flood => match self.flood(&params).await {
                Ok(n) => log!("flooded {n} messages"),
                Err(end) => return end,
            },
            Mode::Stall => {
                // Hold the connection and do nothing with it until the server stops: not even
                // pings, so the idle timeout does not apply (a frozen server is the point).
                stopping(&mut self.shutdown).await;
                return End::Stopping;
            }
            Mode::Broadcast | Mode::Echo | Mode::Sink | Mode::Flaky => {}
        }
        let binary_to_room = params.binary.as_deref() == Some("room");
        // When something last came from the peer. The timer is not reset on every frame: when
        // it goes off, `heard` says whether the peer was quiet for long enough to ping or close.
        let idle_timeout = state.idle_timeout;
        let mut heard = Instant::now();
        let idle = tokio::time::sleep(idle_timeout / 2);
        tokio::pin!(idle);
        loop {
            let Connection { socket, shutdown, member, queue } = self;
            let mut event = tokio::select! {
                () = stopping(shutdown) => Event::Stopping,
                () = kicked(member.as_ref()) => Event::Kicked,
                incoming = socket.recv() => Event::Incoming(incoming),
                queued = next_queued(queue) => Event::Queued(queued),
                () = &mut idle => Event::Quiet,
            };
            if let Event::Quiet = event {
                let quiet = heard.elapsed();
                if quiet < idle_timeout / 2 {
                    idle.as_mut().reset(heard + idle_timeout / 2);
                    continue;
                }
                if quiet < idle_timeout {
                    // Browsers answer pings by themselves, so a live page is never cut.
                    idle.as_mut().reset(heard + idle_timeout);
                    if let Err(end) = self.send(Message::Ping(Default::default())).await {
                        return end;
                    }
                    continue;
                }
                // The select may have picked the timer over a frame that is already here
                // (say, after a long send): read that first, without waiting.
                match tokio::time::timeout(Duration::ZERO, self.socket.recv()).await {
                    Ok(incoming) => event = Event::Incoming(incoming),
                    Err(_) => return End::Idle(idle_timeout),
                }
            }
            if let Event::Incoming(Some(Ok(_))) = event {
                heard = Instant::now();
            }
            let message = match event {
                Event::Quiet => continue,
                Event::Stopping => return End::Stopping,
                Event::Kicked => return End::TooSlow,
                Event::Queued(None) | Event::Incoming(None) => return End::Gone,
                Event::Queued(Some(message)) => {
                    if let Some(member) = &self.member {
                        member.taken(&message);
                    }
                    if let Err(end) = self.send(message).await {
                        return end;
                    }
                    continue;
                }
                Event::Incoming(Some(Err(e))) => return if is_too_big(e) { End::TooBig } else { End::Gone },
                Event::Incoming(Some(Ok(message))) => message,
            };
            let reply = match (mode, message, &self.member) {
                (_, Message::Close(_), _) => return End::PeerClosed,
                (Mode::Broadcast, Message::Text(text), Some(member)) => {
                    state.record(member.room_name(), &text);
                    member.broadcast(&Message::Text(text));
                    None
                }
                (Mode::Broadcast, m @ Message::Binary(_), Some(member)) if binary_to_room => {
                    member.broadcast(&m);
                    None
                }
                (Mode::Sink, _, _) => None,
                (Mode::Flaky, Message::Text(text), _) if !text.contains("echo") => {
                    return End::Close(1011, "flaky".into());
                }
                (_, m @ (Message::Text(_) | Message::Binary(_)), _) => Some(m),
                (_, Message::Ping(_) | Message::Pong(_), _) => None,
            };
            if let Some(reply) = reply {
                if let Err(end) = self.send(reply).await {
                    return end;
                }
            }
        }
    }

    /// Sends one frame. A peer that takes none for [`SEND_TIMEOUT`], or that its room gave up
    /// on meanwhile, is too slow.
    async fn send(&mut self, message: Message) -> Result<(), End> {
        let Connection { socket, shutdown, member, .. } = self;
        tokio::select! {
            () = stopping(shutdown) => Err(End::Stopping),
            () = kicked(member.as_ref()) => Err(End::TooSlow),
            sent = tokio::time::timeout(SEND_TIMEOUT, socket.send(message)) => match sent {
                Ok(Ok(())) => Ok(()),
                Ok(Err(_)) => Err(End::Gone),
                Err(_) => Err(End::TooSlow),
            },
        }
    }

    /// Closes the connection as `end` says, and logs what the operator should know.
    async fn finish(&mut self, mode: Mode, end: End) {
        match end {
            End::Gone => {}
            End::PeerClosed => self.drain_until_closed().await,
            End::TooSlow => {
                let waiting = self.queue.as_ref().map_or(0, |q| q.len());
                let bytes = self.member.as_ref().map_or(0, Membership::queued_bytes);
                match &self.member {
                    Some(member) => log!(
                        "closing a slow reader with 1013: it fell behind room {:?} ({waiting} messages, {bytes} bytes waiting)",
                        member.room_name()
                    ),
                    None => log!("closing a slow reader with 1013: {mode:?} waited {SEND_TIMEOUT:?} to send a frame"),
                }
                // What waited for it is freed now, not when the close is done.
                self.queue = None;
                // It may take a while to read what is already on its way: give the close as long as a frame.
                if self.close(CLOSE_TRY_LATER, "too slow: not reading", SEND_TIMEOUT).await {
                    self.drain_until_closed().await;
                }
            }
            End::TooBig => {
                log!("closing a client with 1009: it sent a message over {MAX_MESSAGE_BYTES} bytes");
                // The rest of that message is never read (tungstenite would buffer it whole);
                // a moment lets the close frame reach the peer before the connection drops.
                if self.close(CLOSE_TOO_BIG, "message over 16 MiB", CLOSE_TIMEOUT).await {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
            End::Stopping => {
                if self.close(CLOSE_GOING_AWAY, "server shutting down", CLOSE_TIMEOUT).await {
                    self.drain_until_closed().await;
                }
            }
            End::Idle(timeout) => {
                log!("closing an idle client with 1001: {mode:?} heard nothing, not even a pong, for {timeout:?}");
                let reason = format!("idle: nothing received for {timeout:?}");
                if self.close(CLOSE_GOING_AWAY, &reason, CLOSE_TIMEOUT).await {
                    self.drain_until_closed().await;
                }
            }
            End::Close(code, reason) => {
                if self.close(code, &reason, CLOSE_TIMEOUT).await {
                    self.drain_until_closed().await;
                }
            }
        }
    }

    /// Sends a close frame; false if it could not be sent within `within`.
    async fn close(&mut self, code: u16, reason: &str, within: Duration) -> bool {
        let frame = Message::Close(Some(CloseFrame { code, reason: reason.into() }));
        matches!(tokio::time::timeout(within, self.socket.send(frame)).await, Ok(Ok(())))
    }

    /// Reads until the peer's close frame arrives or the connection ends, so the close is clean.
    async fn drain_until_closed(&mut self) {
        let deadline = tokio::time::sleep(CLOSE_TIMEOUT);
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                next = self.socket.recv() => match next {
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                    Some(Ok(_)) => {}
                },
                _ = &mut deadline => return,
            }
        }
    }

    /// Sends `flood: 1` … `flood: n`, batched and paced as the parameters say; returns n.
    async fn flood(&mut self, params: &ModeParams) -> Result<u64, End> {
        use std::fmt::Write as _;
        let n = params.n.unwrap_or(1000).min(FLOOD_MAX_MESSAGES);
        let per_frame = params.per_frame.unwrap_or(1).clamp(1, FLOOD_MAX_PER_FRAME);
        let stamp = params.ts == Some(1);
        // Paced floods go out in 10 ms slices of rate/100 messages.
        let slice = params.rate.map(|rate| (rate / 100).max(1));
        if let Some(delay) = params.delay_ms {
            let delay = tokio::time::sleep(Duration::from_millis(delay.min(FLOOD_MAX_DELAY_MS)));
            tokio::select! {
                () = delay => {}
                () = stopping(&mut self.shutdown) => return Err(End::Stopping),
            }
        }
        let mut ticker = tokio::time::interval(Duration::from_millis(10));
        let mut next = 1;
        while next <= n {
            let burst_end = match slice {
                Some(slice) => {
                    ticker.tick().await;
                    next.saturating_add(slice - 1).min(n)
                }
                None => n,
            };
            while next <= burst_end {
                let last = next.saturating_add(per_frame - 1).min(burst_end);
                let mut frame = String::new();
                for i in next..=last {
                    if i > next {
                        frame.push('\n');
                    }
                    let _ = write!(frame, "flood: {i}");
                    if stamp {
                        let _ = write!(frame, " t={}", epoch_ms());
                    }
                }
                self.send(Message::Text(frame.into())).await?;
                next = last + 1;
            }
        }
        Ok(n)
    }
}

/// Whether a read failed because the peer's message or frame is over the limit.
fn is_too_big(error: axum::Error) -> bool {
    let error = error.into_inner();
    matches!(error.downcast_ref::<tungstenite::Error>(), Some(tungstenite::Error::Capacity(_)))
}

fn epoch_ms() -> f64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// Resolves once the server is asked to stop (or the stop handle is gone).
async fn stopping(shutdown: &mut watch::Receiver<bool>) {
    // The guard `wait_for` returns is not Send; drop it here, before any later await.
    let _ = shutdown.wait_for(|stop| *stop).await.map(|_| ());
}

/// Resolves once the room gives up on this member; never for a connection in no room.
async fn kicked(member: Option<&Membership>) {
    match member {
        Some(member) => member.kicked().await,
        None => std::future::pending().await,
    }
}

/// The next message queued for this connection, or never for a connection that is in no room.
async fn next_queued(queue: &mut Option<mpsc::Receiver<Message>>) -> Option<Message> {
    match queue {
        Some(queue) => queue.recv().await,
        None => std::future::pending().await,
    }
}
