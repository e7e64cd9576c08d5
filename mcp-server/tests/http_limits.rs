//! The HTTP server under hostile clients, against the real binary: tokens, repeated headers,
//! malformed bodies, each connection limit and timeout, and a flood of slow connections with the
//! server's resident memory watched from `/proc`.

mod common;

use std::time::{Duration, Instant};

use common::{HttpServer, command};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const INIT: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}"#;

/// A stateless 2026-07-28 `estimate_cost` call and its headers.
const TOOL_CALL: &str = r#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"estimate_cost","arguments":{"tasks":[{"model":"kling","task_type":"video_generation","input":{"version":"3.0","duration":10}}]},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}"#;
const TOOL_HEADERS: &str = "Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\nMCP-Protocol-Version: 2026-07-28\r\nMcp-Method: tools/call\r\nMcp-Name: estimate_cost\r\n";

struct Reply {
    status: u16,
    head: String,
    body: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.status, self.body))
    }
}

fn addr(server: &HttpServer) -> String {
    server.base.trim_start_matches("http://").to_owned()
}

/// One request, written as is (`Connection: close` added), and the whole reply.
async fn raw(addr: &str, head: &str, body: &[u8]) -> Reply {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let request = format!(
        "{head}Host: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("head");
    stream.write_all(body).await.expect("body");
    let mut reply = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut reply))
        .await
        .expect("a reply in time")
        .expect("read");
    parse(&reply)
}

fn parse(reply: &[u8]) -> Reply {
    let text = String::from_utf8_lossy(reply);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {text}"));
    Reply {
        status,
        head: head.to_ascii_lowercase(),
        body: body.to_owned(),
    }
}

async fn post(addr: &str, extra_headers: &str, body: &str) -> Reply {
    raw(
        addr,
        &format!(
            "POST /mcp HTTP/1.1\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n{extra_headers}"
        ),
        body.as_bytes(),
    )
    .await
}

async fn tool_call(addr: &str) -> Reply {
    raw(
        addr,
        &format!("POST /mcp HTTP/1.1\r\n{TOOL_HEADERS}"),
        TOOL_CALL.as_bytes(),
    )
    .await
}

async fn healthz(addr: &str) -> Reply {
    raw(addr, "GET /healthz HTTP/1.1\r\n", b"").await
}

/// Waits for the server to close `stream` (EOF or reset) and returns how long that took, or
/// `None` if it stayed open for `within`. Whatever the server sent first is returned too.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> Option<(Duration, Vec<u8>)> {
    let started = Instant::now();
    let mut seen = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match tokio::time::timeout_at((started + within).into(), stream.read(&mut chunk)).await {
            Err(_) => return None,
            Ok(Ok(0) | Err(_)) => return Some((started.elapsed(), seen)),
            Ok(Ok(n)) => seen.extend_from_slice(&chunk[..n]),
        }
    }
}

/// A padded or blank token is refused at start, where it would otherwise lock every client
/// out with 401.
#[tokio::test]
async fn tokens_no_client_could_present_are_refused_at_start() {
    for (token, says) in [
        (" sekrit ", "starts or ends with whitespace"),
        (" ", "is blank"),
        ("", "is blank"),
    ] {
        for bind in ["127.0.0.1:0", "0.0.0.0:0"] {
            let output = command(&[("PIAPI_BILLING_TOKEN", token)])
                .args(["--http", bind])
                .output()
                .await
                .expect("run");
            assert!(!output.status.success(), "{token:?} on {bind} started");
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(stderr.contains(says), "{token:?}: {stderr}");
            assert!(stderr.contains("PIAPI_BILLING_TOKEN"), "{stderr}");
        }
    }
}

/// The Bearer scheme is case-insensitive, and a repeated Authorization is refused.
#[tokio::test]
async fn bearer_in_any_case_and_no_repeated_authorization() {
    let server = HttpServer::start(
        &["--http", "127.0.0.1:0"],
        &[("PIAPI_BILLING_TOKEN", "sekrit")],
    )
    .await;
    let addr = addr(&server);
    for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
        let reply = post(&addr, &format!("Authorization: {scheme} sekrit\r\n"), INIT).await;
        assert_eq!(reply.status, 200, "{scheme}: {}", reply.body);
    }
    let reply = post(&addr, "Authorization: Bearer wrong\r\n", INIT).await;
    assert_eq!(reply.status, 401);
    for pair in [
        "Authorization: Bearer sekrit\r\nAuthorization: Bearer wrong\r\n",
        "Authorization: Bearer wrong\r\nAuthorization: Bearer sekrit\r\n",
    ] {
        let reply = post(&addr, pair, INIT).await;
        assert_eq!(reply.status, 400, "{pair}: {}", reply.body);
        assert!(
            reply
                .body
                .contains("Authorization header is sent more than once"),
            "{}",
            reply.body
        );
    }
}

/// Two Origin headers are refused in either order (the first used to decide alone).
#[tokio::test]
async fn repeated_origin_headers_are_refused() {
    let server = HttpServer::start(&["--http", "127.0.0.1:0"], &[]).await;
    let addr = addr(&server);
    for pair in [
        "Origin: http://localhost:1\r\nOrigin: https://evil.example\r\n",
        "Origin: https://evil.example\r\nOrigin: http://localhost:1\r\n",
    ] {
        let reply = post(&addr, pair, INIT).await;
        assert_eq!(reply.status, 400, "{pair}: {}", reply.body);
        assert!(
            reply.body.contains("Origin header is sent more than once"),
            "{}",
            reply.body
        );
    }
    let reply = post(&addr, "Origin: http://localhost:1\r\n", INIT).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}

/// A body that is not a JSON-RPC message gets 400 with a JSON-RPC error (not 415);
/// `Accept: */*` and no Accept are served like the explicit pair.
#[tokio::test]
async fn malformed_bodies_get_json_rpc_errors_and_any_accept_works() {
    let server = HttpServer::start(&["--http", "127.0.0.1:0"], &[]).await;
    let addr = addr(&server);
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let cases = [
        (
            r#"{"jsonrpc":"2.0","id":5,"method":"#.to_owned(),
            json!(5),
            -32700,
        ),
        (format!("[{INIT}]"), Value::Null, -32600),
        (deep.clone(), Value::Null, -32700),
        (
            format!(r#"{{"jsonrpc":"2.0","id":6,"method":"ping","params":{{"x":{deep}}}}}"#),
            json!(6),
            -32700,
        ),
        (
            r#"{"jsonrpc":"1.0","id":7,"method":"ping"}"#.to_owned(),
            json!(7),
            -32600,
        ),
    ];
    for (body, id, code) in &cases {
        let reply = post(&addr, "", body).await;
        assert_eq!(reply.status, 400, "{}", reply.body);
        let error = reply.json();
        assert_eq!(
            (&error["id"], &error["error"]["code"]),
            (id, &json!(code)),
            "{error}"
        );
    }
    let reply = post(
        &addr,
        "",
        r#"{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"estimate_cost","arguments":[1]}}"#,
    )
    .await;
    assert_eq!(reply.json()["error"]["code"], -32602, "{}", reply.body);

    let gzip = post(&addr, "Content-Encoding: gzip\r\n", INIT).await;
    assert_eq!(
        gzip.status, 415,
        "an unsupported content coding: {}",
        gzip.body
    );
    assert!(
        gzip.head.contains("accept-encoding: identity"),
        "{}",
        gzip.head
    );

    for accept in ["Accept: */*\r\n", ""] {
        let reply = raw(
            &addr,
            &format!("POST /mcp HTTP/1.1\r\nContent-Type: application/json\r\n{accept}"),
            INIT.as_bytes(),
        )
        .await;
        assert_eq!(reply.status, 200, "{accept:?}: {}", reply.body);
        assert!(reply.body.contains("piapi-billing-mcp"), "{}", reply.body);
    }
}

/// An idle connection is closed after --idle-timeout, before the first request and
/// between keep-alive requests.
#[tokio::test]
async fn idle_connections_are_closed() {
    let server = HttpServer::start(&["--http", "127.0.0.1:0", "--idle-timeout", "1s"], &[]).await;
    let addr = addr(&server);
    let mut silent = TcpStream::connect(&addr).await.expect("connect");
    let (after, _) = closed_within(&mut silent, Duration::from_secs(10))
        .await
        .expect("an idle connection is closed");
    assert!(after >= Duration::from_millis(900), "{after:?}");

    let mut kept = TcpStream::connect(&addr).await.expect("connect");
    let request = format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    kept.write_all(request.as_bytes()).await.expect("write");
    let (after, reply) = closed_within(&mut kept, Duration::from_secs(10))
        .await
        .expect("closed after the keep-alive idle time");
    assert!(String::from_utf8_lossy(&reply).starts_with("HTTP/1.1 200"));
    assert!(after >= Duration::from_millis(900), "{after:?}");
}

/// A request head trickled a byte at a time is cut off after --header-timeout, though
/// the connection is never idle.
#[tokio::test]
async fn a_trickled_request_head_is_cut_off() {
    let server = HttpServer::start(
        &[
            "--http",
            "127.0.0.1:0",
            "--header-timeout",
            "1s",
            "--idle-timeout",
            "30s",
        ],
        &[],
    )
    .await;
    let mut stream = TcpStream::connect(addr(&server)).await.expect("connect");
    let started = Instant::now();
    stream
        .write_all(b"POST /mcp HTTP/1.1\r\n")
        .await
        .expect("write");
    let mut closed = false;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if stream.write_all(b"X").await.is_err() {
            closed = true;
            break;
        }
        let mut probe = [0u8; 64];
        if let Ok(Ok(0) | Err(_)) =
            tokio::time::timeout(Duration::from_millis(1), stream.read(&mut probe)).await
        {
            closed = true;
            break;
        }
    }
    assert!(closed, "the trickled head was not cut off");
    let after = started.elapsed();
    eprintln!("the trickled head was cut off after {after:?}");
    assert!(after < Duration::from_secs(5), "{after:?}");
}

/// A body that does not arrive within --body-timeout gets 408 and the connection closes.
#[tokio::test]
async fn a_trickled_body_times_out() {
    let server = HttpServer::start(&["--http", "127.0.0.1:0", "--body-timeout", "1s"], &[]).await;
    let addr = addr(&server);
    let mut stream = TcpStream::connect(&addr).await.expect("connect");
    let head = format!(
        "POST /mcp HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: 100000\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.expect("head");
    let trickle = tokio::spawn(async move {
        for _ in 0..50 {
            if stream.write_all(b" ").await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        stream
    });
    let mut stream = trickle.await.expect("join");
    let (_, reply) = closed_within(&mut stream, Duration::from_secs(5))
        .await
        .expect("closed after the reply");
    let reply = parse(&reply);
    assert_eq!(reply.status, 408, "{}", reply.body);
    assert!(
        reply.body.contains("did not arrive within 1s"),
        "{}",
        reply.body
    );
}

/// A declared body over the limit is refused before it is read, and one the shared body
/// memory cannot hold gets 503 with Retry-After, while a small call still passes.
#[tokio::test]
async fn large_bodies_are_refused_unread_and_shed_when_memory_is_short() {
    let server = HttpServer::start(
        &["--http", "127.0.0.1:0", "--max-body-memory", "100000"],
        &[],
    )
    .await;
    let addr = addr(&server);
    for (length, status) in [(5_000_000, 413), (1_000_000, 503)] {
        let mut stream = TcpStream::connect(&addr).await.expect("connect");
        let head = format!(
            "POST /mcp HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
        );
        stream.write_all(head.as_bytes()).await.expect("head");
        let (_, reply) = closed_within(&mut stream, Duration::from_secs(5))
            .await
            .expect("answered without the body");
        let reply = parse(&reply);
        assert_eq!(reply.status, status, "{}", reply.body);
        if status == 503 {
            assert!(reply.head.contains("retry-after: 2"), "{}", reply.head);
            assert!(reply.body.contains("--max-body-memory"), "{}", reply.body);
        }
    }
    let reply = tool_call(&addr).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}

/// At --max-connections, a further client waits to be accepted until a slot frees.
#[tokio::test]
async fn connections_beyond_the_cap_wait() {
    let server = HttpServer::start(&["--http", "127.0.0.1:0", "--max-connections", "2"], &[]).await;
    let addr = addr(&server);
    let first = TcpStream::connect(&addr).await.expect("connect");
    let _second = TcpStream::connect(&addr).await.expect("connect");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let waiting = tokio::spawn({
        let addr = addr.clone();
        async move { healthz(&addr).await }
    });
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(
        !waiting.is_finished(),
        "a third connection was served at the cap"
    );
    drop(first);
    let reply = tokio::time::timeout(Duration::from_secs(5), waiting)
        .await
        .expect("served once a slot freed")
        .expect("join");
    assert_eq!(reply.status, 200);
}

/// The server's resident memory in KiB, from /proc.
#[cfg(target_os = "linux")]
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

/// 500 slow connections (idle ones, small bodies trickled a byte at a time, and large bodies
/// trickled in chunks): memory stays bounded, /healthz and a tool call are answered throughout,
/// and memory returns near idle once the clients leave. Without the limits the large bodies
/// alone held 300 MB, never returned.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_slow_connections_is_survived() {
    const IDLE: usize = 200;
    const SMALL: usize = 200;
    const LARGE: usize = 100;
    let server = HttpServer::start(&["--http", "127.0.0.1:0"], &[]).await;
    let pid = server.child.id().expect("pid");
    let addr = addr(&server);
    assert_eq!(tool_call(&addr).await.status, 200);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle_rss = rss_kib(pid);

    let stop = tokio_util::sync::CancellationToken::new();
    let mut clients = Vec::new();
    for n in 0..IDLE + SMALL + LARGE {
        let (addr, stop) = (addr.clone(), stop.clone());
        clients.push(tokio::spawn(async move {
            let Ok(mut stream) = TcpStream::connect(&addr).await else {
                return;
            };
            let (length, chunk) = match n {
                n if n < IDLE => (0, 0),
                n if n < IDLE + SMALL => (60_000, 1),
                _ => (4 * 1024 * 1024, 64 * 1024),
            };
            if length > 0 {
                let head = format!(
                    "POST /mcp HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
                );
                let _ = stream.write_all(head.as_bytes()).await;
            }
            let filler = vec![b' '; chunk.max(1)];
            let mut sent = 0;
            while !stop.is_cancelled() {
                if length > 0 && sent + chunk < 3_000_000.min(length) {
                    if stream.write_all(&filler).await.is_err() {
                        return;
                    }
                    sent += chunk;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }));
    }
    let mut peak = idle_rss;
    let (mut healthy, mut answered) = (0, 0);
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(8) {
        assert_eq!(
            healthz(&addr).await.status,
            200,
            "/healthz during the flood"
        );
        healthy += 1;
        let reply = tool_call(&addr).await;
        assert_eq!(
            reply.status, 200,
            "a tool call during the flood: {}",
            reply.body
        );
        assert!(reply.body.contains("total_max_usd"), "{}", reply.body);
        answered += 1;
        peak = peak.max(rss_kib(pid));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop.cancel();
    for client in clients {
        client.abort();
    }
    assert!(
        healthy >= 10 && answered >= 10,
        "{healthy} health checks, {answered} calls"
    );
    assert!(
        peak < idle_rss + 200 * 1024,
        "peak RSS {peak} KiB, idle {idle_rss} KiB: memory is not bounded"
    );
    let left = Instant::now();
    let mut settled = rss_kib(pid);
    while settled > idle_rss + 16 * 1024 && left.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(250)).await;
        settled = rss_kib(pid);
    }
    eprintln!(
        "RSS: idle {idle_rss} KiB, peak {peak} KiB, {settled} KiB {:?} after the clients left",
        left.elapsed()
    );
    assert!(
        settled <= idle_rss + 16 * 1024,
        "RSS {settled} KiB 5 s after the flood, idle {idle_rss} KiB, peak {peak} KiB"
    );
    assert_eq!(healthz(&addr).await.status, 200);
}
