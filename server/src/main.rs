//! Command line of the reference chat server: parses the flags, starts it, stops it on a signal.

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: wschat-server [--addr 127.0.0.1:9001] [--static DIR] [--record FILE] [--test-modes]
                     [--max-rooms 1000] [--max-connections 1024] [--idle-timeout 120]
                     [--allow-origin ORIGIN[,ORIGIN]... | --any-origin] [--tls-cert FILE --tls-key FILE]
  --static DIR          serve the app's files from DIR (with a content security policy)
  --record FILE         append every text frame a room receives to FILE
  --test-modes          also serve /echo, /sink, /close, /flood, /stall and /flaky (for tests)
  --max-rooms N         rooms at once; a client asking for one more is closed with 1013
  --max-connections N   WebSockets at once; more are refused with 503
  --idle-timeout SECS   close a WebSocket that sent nothing, not even a pong, for this long
                        (with 1001); it is pinged after half of it
  --allow-origin ORIGIN accept browsers' WebSockets only from these origins (repeatable or
                        comma-separated; e.g. https://chat.example.org) and the served app's own;
                        without it: any origin on a loopback --addr, only the app's own elsewhere
  --any-origin          accept WebSockets from any origin, wherever the server listens
  --tls-cert FILE       serve HTTPS and WSS (not HTTP and WS) with this certificate chain (PEM,
                        the server's own first) ...
  --tls-key FILE        ... and its private key (PEM); both or neither";

#[tokio::main]
async fn main() -> ExitCode {
    let mut addr = "127.0.0.1:9001".to_string();
    let mut options = wschat_server::Options::default();
    // --tls-cert and --tls-key, checked together once all flags are read.
    let mut tls = (None, None);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let parsed = match arg.as_str() {
            "--test-modes" => {
                options.test_modes = true;
                Ok(())
            }
            "--any-origin" => {
                options.any_origin = true;
                Ok(())
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            _ => match args.next() {
                Some(value) => set(&mut addr, &mut options, &mut tls, &arg, value),
                None => Err(format!("{arg}: unknown, or missing its value")),
            },
        };
        if let Err(e) = parsed {
            eprintln!("wschat-server: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    }
    options.tls = match tls {
        (Some(cert), Some(key)) => Some(wschat_server::tls::TlsFiles { cert, key }),
        (None, None) => None,
        _ => {
            eprintln!("wschat-server: --tls-cert and --tls-key go together\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    if options.any_origin && !options.allow_origins.is_empty() {
        eprintln!("wschat-server: --any-origin and --allow-origin contradict each other\n{USAGE}");
        return ExitCode::from(2);
    }
    let summary = format!(
        "limits: {} rooms, {} connections, {} MiB messages, idle timeout {} s; test modes {}; {}",
        options.max_rooms,
        options.max_connections,
        wschat_server::MAX_MESSAGE_BYTES >> 20,
        options.idle_timeout.as_secs(),
        if options.test_modes { "on" } else { "off" },
        match &options.tls {
            Some(files) => format!("https and wss with {}", files.cert.display()),
            None => "http and ws".to_string(),
        },
    );
    let server = match wschat_server::start_with(&addr, options).await {
        Ok(server) => server,
        Err(e) => {
            wschat_server::log!("cannot start on {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    wschat_server::log!("{summary}");
    wschat_server::log!("origins: {}", server.origins);
    // Tests and scripts read this line to learn the port when given :0.
    wschat_server::log!("listening on {}", server.addr);
    wait_for_stop_signal().await;
    wschat_server::log!("stopping: closing every connection with 1001");
    server.stop().await;
    wschat_server::log!("stopped");
    ExitCode::SUCCESS
}

/// Applies one flag that takes a value.
fn set(
    addr: &mut String,
    options: &mut wschat_server::Options,
    tls: &mut (Option<PathBuf>, Option<PathBuf>),
    flag: &str,
    value: String,
) -> Result<(), String> {
    match flag {
        "--addr" => *addr = value,
        "--static" => options.static_dir = Some(PathBuf::from(value)),
        "--record" => options.record = Some(PathBuf::from(value)),
        "--max-rooms" => options.max_rooms = count(flag, &value)?,
        "--max-connections" => options.max_connections = count(flag, &value)?,
        "--allow-origin" => options.allow_origins.extend(wschat_server::parse_allow_origin(&value)?),
        "--idle-timeout" => options.idle_timeout = std::time::Duration::from_secs(count(flag, &value)? as u64),
        "--tls-cert" => tls.0 = Some(PathBuf::from(value)),
        "--tls-key" => tls.1 = Some(PathBuf::from(value)),
        _ => return Err(format!("{flag}: unknown")),
    }
    Ok(())
}

/// A limit: a whole number of at least 1.
fn count(flag: &str, value: &str) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("{flag} wants a whole number of at least 1, not {value:?}")),
    }
}

/// Ctrl-C, or SIGTERM from a script that started us.
async fn wait_for_stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
