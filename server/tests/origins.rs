//! Which browser origins may open WebSockets: the policy as a function of the address bound and
//! the flags, then servers that apply it to real upgrades over loopback (one bound to 0.0.0.0,
//! reached through 127.0.0.1, for the non-loopback default), and the binary's flags.

use std::io::BufRead;
use std::net::IpAddr;
use std::process::{Command, Stdio};

use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Error;
use wschat_server::{parse_allow_origin, Options, OriginPolicy, RunningServer};

fn ip(text: &str) -> IpAddr {
    text.parse().expect("an address")
}

fn only(origins: &[&str], same_origin: bool) -> OriginPolicy {
    OriginPolicy::Only { origins: origins.iter().map(|o| o.to_string()).collect(), same_origin }
}

#[test]
fn on_loopback_any_origin_unless_a_list_is_given() {
    for bound in ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"] {
        let policy = OriginPolicy::decide(ip(bound), &Options::default());
        assert_eq!(policy, OriginPolicy::Any { asked: false }, "{bound}");
        let with_app = Options { static_dir: Some("dist".into()), ..Options::default() };
        assert_eq!(OriginPolicy::decide(ip(bound), &with_app), OriginPolicy::Any { asked: false }, "{bound}");
        let listed = Options { allow_origins: vec!["https://Chat.example.org/".into()], ..Options::default() };
        assert_eq!(OriginPolicy::decide(ip(bound), &listed), only(&["https://chat.example.org"], false), "{bound}");
    }
}

#[test]
fn elsewhere_only_the_served_app_unless_told_otherwise() {
    for bound in ["0.0.0.0", "::", "192.168.1.10", "10.0.0.1", "2001:db8::1", "::ffff:192.168.1.10"] {
        assert_eq!(OriginPolicy::decide(ip(bound), &Options::default()), only(&[], false), "{bound}");
        let with_app = Options { static_dir: Some("dist".into()), ..Options::default() };
        assert_eq!(OriginPolicy::decide(ip(bound), &with_app), only(&[], true), "{bound}");
        let listed = Options {
            allow_origins: vec!["https://a.example".into(), "http://b.example:8080".into()],
            static_dir: Some("dist".into()),
            ..Options::default()
        };
        let expected = only(&["https://a.example", "http://b.example:8080"], true);
        assert_eq!(OriginPolicy::decide(ip(bound), &listed), expected, "{bound}");
        let any = Options { any_origin: true, ..Options::default() };
        assert_eq!(OriginPolicy::decide(ip(bound), &any), OriginPolicy::Any { asked: true }, "{bound}");
    }
}

#[test]
fn allow_origin_values_are_lists_of_origins() {
    assert_eq!(parse_allow_origin("https://a.example").as_deref(), Ok(&["https://a.example".to_string()][..]));
    let two = parse_allow_origin(" https://a.example/ ,http://b.example:8080,").expect("two origins");
    assert_eq!(two, ["https://a.example", "http://b.example:8080"]);
    for bad in
        ["", ",", "chat.example.org", "https://", "https://a.example/app", "ftp://a.example", "https://u@a.example"]
    {
        assert!(parse_allow_origin(bad).is_err(), "{bad:?} is not an origin");
    }
}

/// Asks for a WebSocket at `server` (reached through 127.0.0.1) with this `Origin`, if any;
/// returns the HTTP status: 101 if it opened.
async fn status(server: &RunningServer, origin: Option<&str>) -> u16 {
    let url = format!("ws://127.0.0.1:{}/ws?room=origins", server.addr.port());
    let mut request = url.into_client_request().expect("request");
    if let Some(origin) = origin {
        request.headers_mut().insert("Origin", origin.parse().expect("header"));
    }
    match connect_async(request).await {
        Ok((_, response)) => response.status().as_u16(),
        Err(Error::Http(response)) => response.status().as_u16(),
        Err(other) => panic!("neither a WebSocket nor an HTTP refusal: {other}"),
    }
}

fn app_dir(name: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("index.html"), "<!doctype html>").expect("index.html");
    dir
}

#[tokio::test]
async fn an_allow_list_refuses_other_origins_and_lets_the_app_in() {
    let options = Options {
        allow_origins: vec!["https://chat.example.org".into()],
        static_dir: Some(app_dir("wschat-origins-list")),
        ..Options::default()
    };
    let server = wschat_server::start_with("127.0.0.1:0", options).await.expect("start");
    let port = server.addr.port();
    assert_eq!(status(&server, Some("https://chat.example.org")).await, 101, "listed");
    assert_eq!(status(&server, Some("HTTPS://CHAT.example.org")).await, 101, "origins ignore case");
    assert_eq!(status(&server, Some(&format!("http://127.0.0.1:{port}"))).await, 101, "the app it serves");
    assert_eq!(status(&server, None).await, 101, "not a browser");
    assert_eq!(status(&server, Some("https://evil.example.com")).await, 403, "foreign");
    assert_eq!(status(&server, Some("null")).await, 403, "a sandboxed page or a file");
    assert_eq!(status(&server, Some(&format!("https://127.0.0.1:{port}"))).await, 403, "not the scheme it serves");
    assert_eq!(status(&server, Some(&format!("http://127.0.0.1:{}", port ^ 1))).await, 403, "another port");
    server.stop().await;
}

/// 0.0.0.0 is not loopback, yet reachable through 127.0.0.1: the default off loopback, for real.
#[tokio::test]
async fn bound_to_every_address_browsers_need_the_flags() {
    let server = wschat_server::start_with("0.0.0.0:0", Options::default()).await.expect("start");
    assert_eq!(server.origins, only(&[], false));
    let port = server.addr.port();
    assert_eq!(status(&server, None).await, 101, "not a browser");
    assert_eq!(status(&server, Some("https://evil.example.com")).await, 403, "foreign");
    assert_eq!(status(&server, Some(&format!("http://127.0.0.1:{port}"))).await, 403, "no app is served here");
    server.stop().await;

    let options = Options { static_dir: Some(app_dir("wschat-origins-app")), ..Options::default() };
    let server = wschat_server::start_with("0.0.0.0:0", options).await.expect("start");
    let port = server.addr.port();
    assert_eq!(status(&server, Some(&format!("http://127.0.0.1:{port}"))).await, 101, "the app it serves");
    assert_eq!(status(&server, Some(&format!("http://localhost:{port}"))).await, 403, "another host");
    assert_eq!(status(&server, Some("https://evil.example.com")).await, 403, "foreign");
    server.stop().await;

    let server = wschat_server::start_with("0.0.0.0:0", Options { any_origin: true, ..Options::default() })
        .await
        .expect("start");
    assert_eq!(status(&server, Some("https://evil.example.com")).await, 101, "--any-origin");
    server.stop().await;
}

#[tokio::test]
async fn localhost_is_loopback() {
    let server = wschat_server::start_with("localhost:0", Options::default()).await.expect("start");
    assert_eq!(server.origins, OriginPolicy::Any { asked: false }, "bound to {}", server.addr);
    server.stop().await;
}

/// Runs the binary with these flags; returns its `origins:` line once it listens, or its exit
/// code and output if it stops first.
fn binary_says(flags: &[&str]) -> Result<String, (Option<i32>, String)> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wschat-server"))
        .args(flags)
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn wschat-server");
    let stderr = child.stderr.take().expect("stderr");
    let mut said = String::new();
    let mut origins = None;
    // The server prints its policy, then "listening on": read up to there, or to the end.
    for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
        said.push_str(&line);
        said.push('\n');
        if let Some(policy) = line.strip_prefix("[wschat-server] origins: ") {
            origins = Some(policy.to_string());
        }
        if line.starts_with("[wschat-server] listening on ") {
            break;
        }
    }
    match origins {
        Some(origins) => {
            let _ = child.kill();
            let _ = child.wait();
            Ok(origins)
        }
        None => {
            let code = child.wait().expect("wait").code();
            Err((code, said))
        }
    }
}

#[test]
fn the_binary_prints_its_policy_and_refuses_contradictions() {
    let listed = binary_says(&[
        "--addr",
        "127.0.0.1:0",
        "--allow-origin",
        "https://a.example,https://b.example/",
        "--allow-origin",
        "https://c.example",
    ]);
    let listed = listed.expect("starts");
    assert!(listed.starts_with("only https://a.example, https://b.example, https://c.example;"), "{listed}");
    let loopback = binary_says(&["--addr", "127.0.0.1:0"]).expect("starts");
    assert!(loopback.starts_with("any (listening on loopback"), "{loopback}");
    for flags in [
        &["--addr", "127.0.0.1:0", "--any-origin", "--allow-origin", "https://a.example"][..],
        &["--addr", "127.0.0.1:0", "--allow-origin", "chat.example.org"][..],
        &["--addr", "127.0.0.1:0", "--idle-timeout", "0"][..],
    ] {
        match binary_says(flags) {
            Err((code, _)) => assert_eq!(code, Some(2), "{flags:?}"),
            Ok(policy) => panic!("{flags:?} started, with origins: {policy}"),
        }
    }
}
