//! Helpers shared by the integration tests: they all drive the real binary.
#![allow(dead_code)]

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::service::RunningService;
use rmcp::transport::TokioChildProcess;
use rmcp::{RoleClient, ServiceExt};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, Command};

pub type Client = RunningService<RoleClient, ()>;

pub const BIN: &str = env!("CARGO_BIN_EXE_piapi-billing-mcp");

/// The binary with a clean environment: no key, token, catalog, overlay or ledger from the
/// caller.
pub fn command(envs: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(BIN);
    for var in [
        "PIAPI_API_KEY",
        "PIAPI_BASE_URL",
        "PIAPI_BILLING_TOKEN",
        "PIAPI_BILLING_CATALOG",
        "PIAPI_BILLING_OVERLAY",
        "RUST_LOG",
        "PIAPI_TIMEOUT_MS",
        "PIAPI_BILLING_LEDGER",
    ] {
        cmd.env_remove(var);
    }
    // No ledger unless a test asks for one: nothing is written outside the test, and without a
    // PiAPI key the live tools answer with their "no key" errors.
    cmd.env("PIAPI_BILLING_LEDGER", "off");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.kill_on_drop(true);
    cmd
}

/// Everything a child wrote to stderr, collected in the background.
#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<String>>);

impl Captured {
    pub fn text(&self) -> String {
        self.0.lock().expect("stderr buffer").clone()
    }

    /// Adds text read before the reader started.
    pub fn push(&self, text: &str) {
        self.0.lock().expect("stderr buffer").push_str(text);
    }

    pub fn spawn_reader<R: tokio::io::AsyncRead + Unpin + Send + 'static>(&self, mut reader: R) {
        let buffer = self.0.clone();
        tokio::spawn(async move {
            let mut chunk = [0u8; 4096];
            while let Ok(n) = reader.read(&mut chunk).await {
                if n == 0 {
                    break;
                }
                buffer
                    .lock()
                    .expect("stderr buffer")
                    .push_str(&String::from_utf8_lossy(&chunk[..n]));
            }
        });
    }
}

/// An rmcp client talking to the binary over stdio, with the binary's stderr captured.
pub async fn stdio_client(envs: &[(&str, &str)]) -> (Client, Captured) {
    let (transport, stderr) = TokioChildProcess::builder(command(envs))
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the server");
    let captured = Captured::default();
    if let Some(stderr) = stderr {
        captured.spawn_reader(stderr);
    }
    let client = ().serve(transport).await.expect("MCP handshake over stdio");
    (client, captured)
}

/// The binary serving HTTP on a free loopback port (unless `args` says otherwise).
pub struct HttpServer {
    pub child: Child,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    pub stderr: Captured,
}

impl HttpServer {
    pub async fn start(args: &[&str], envs: &[(&str, &str)]) -> HttpServer {
        let mut cmd = command(envs);
        cmd.args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn the HTTP server");
        let stderr = child.stderr.take().expect("stderr");
        let mut lines = BufReader::new(stderr).lines();
        let mut seen = String::new();
        let addr = tokio::time::timeout(Duration::from_secs(20), async {
            while let Some(line) = lines.next_line().await.expect("read stderr") {
                seen.push_str(&line);
                seen.push('\n');
                if let Some(rest) = line.split("listening on http://").nth(1) {
                    return rest.trim_end_matches("/mcp").to_owned();
                }
            }
            panic!("server exited before listening; stderr:\n{seen}");
        })
        .await
        .expect("server did not announce its address in time");
        let captured = Captured::default();
        captured.0.lock().expect("buffer").push_str(&seen);
        captured.spawn_reader(lines.into_inner().into_inner());
        HttpServer {
            child,
            base: format!("http://{addr}"),
            stderr: captured,
        }
    }

    pub fn mcp_url(&self) -> String {
        format!("{}/mcp", self.base)
    }
}

pub async fn call(client: &Client, tool: &str, args: Value) -> CallToolResult {
    let Value::Object(args) = args else {
        panic!("tool arguments must be an object")
    };
    client
        .call_tool(CallToolRequestParams::new(tool.to_owned()).with_arguments(args))
        .await
        .unwrap_or_else(|e| panic!("tools/call {tool} failed at the protocol level: {e}"))
}

/// The structured result of a successful call, after checking its text copy matches.
pub fn structured(result: &CallToolResult) -> Value {
    assert_ne!(
        result.is_error,
        Some(true),
        "unexpected tool error: {}",
        texts(result)
    );
    let value = result
        .structured_content
        .clone()
        .expect("structuredContent");
    let text = texts(result);
    let copy: Value = serde_json::from_str(&text).expect("the text block is the JSON copy");
    assert_eq!(copy, value, "text copy differs from structuredContent");
    value
}

/// The message of a tool error (isError, text only, no structured content).
pub fn error_text(result: &CallToolResult) -> String {
    assert_eq!(
        result.is_error,
        Some(true),
        "expected a tool error, got {:?}",
        result.structured_content
    );
    assert!(
        result.structured_content.is_none(),
        "an error result must not carry structuredContent"
    );
    texts(result)
}

pub fn texts(result: &CallToolResult) -> String {
    result
        .content
        .iter()
        .filter_map(|c| c.as_text())
        .map(|t| t.text.as_str())
        .collect::<Vec<_>>()
        .join("")
}

/// The Kling example of the contract: 3.0, pro, 10 s, audio on.
pub fn kling_task() -> Value {
    json!({
        "model": "kling",
        "task_type": "video_generation",
        "input": {"version": "3.0", "mode": "pro", "duration": 10, "enable_audio": true, "prompt": "a cat surfing"},
        "config": {"service_mode": "public"}
    })
}

/// reqwest is built without a default TLS crypto provider (the server's PiAPI client brings
/// its own), so test clients install ring's before building a `reqwest::Client`.
pub fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A plain HTTP client for raw requests against the server.
pub fn http_client() -> reqwest::Client {
    install_crypto();
    reqwest::Client::new()
}
