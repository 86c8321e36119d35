//! Command line of the reference chat server:
//! `wschat-server [--addr HOST:PORT] [--static DIR] [--record FILE]`.

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: wschat-server [--addr 127.0.0.1:9001] [--static DIR] [--record FILE]";

#[tokio::main]
async fn main() -> ExitCode {
    let mut addr = "127.0.0.1:9001".to_string();
    let mut options = wschat_server::Options::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--addr", Some(value)) => addr = value,
            ("--static", Some(value)) => options.static_dir = Some(PathBuf::from(value)),
            ("--record", Some(value)) => options.record = Some(PathBuf::from(value)),
            _ => {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let server = match wschat_server::start_with(&addr, options).await {
        Ok(server) => server,
        Err(e) => {
            wschat_server::log!("cannot listen on {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Tests and scripts read this line to learn the port when given :0.
    wschat_server::log!("listening on {}", server.addr);
    wait_for_stop_signal().await;
    wschat_server::log!("stopping: closing every connection with 1001");
    server.stop().await;
    wschat_server::log!("stopped");
    ExitCode::SUCCESS
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
