//! The stdio transport: newline-delimited JSON-RPC on stdin and stdout.
//!
//! rmcp's own stdio transport is correct but slow for this server's largest messages: it decodes
//! a message through several untagged enums (the message kind, then one of ~20 request types),
//! each buffering and re-walking the whole message, so the arguments of a 1,000-task
//! `estimate_cost` (170 KB, nearly all of the message) were walked a dozen times: 20 million
//! instructions per call under callgrind. `decode` parses the line once into a [`Value`],
//! lifts the arguments of a `tools/call` out before rmcp sees the envelope, and puts them back
//! into the typed request untouched: 8 million.
//!
//! Every request gets an answer, as JSON-RPC 2.0 requires, even when rmcp could not read it:
//! a line that is not readable JSON (invalid UTF-8, nesting deeper than 128 levels, broken
//! syntax) gets `-32700`, an invalid request `-32600`, a `tools/call` without an arguments
//! object `-32602`, each with the request's `id` (or `null` when none can be read), written by
//! the transport itself ([`crate::jsonrpc`]). A line longer than [`MAX_LINE_BYTES`] is answered
//! from its first bytes and the rest is read past without being kept. A notification that does
//! not parse is skipped, since it expects no reply.
//!
//! In a legacy session, a `tools/call` of an offline tool does not reach rmcp at all:
//! [`crate::direct`] answers it from the line's own text and the transport writes the reply.
//!
//! The pipes themselves are driven by the reactor where the OS allows it: tokio's `stdin()` and
//! `stdout()` run blocking reads and writes on helper threads, so every message would cross
//! threads twice. When stdin and stdout are pipes, as they are under every MCP client, they are
//! registered with the reactor instead; anything else (a terminal, a file, a socket) keeps
//! tokio's portable path.

use std::sync::Arc;

use rmcp::RoleServer;
use rmcp::model::{
    ClientNotification, ClientRequest, JsonObject, JsonRpcMessage, JsonRpcNotification,
    JsonRpcRequest, JsonRpcResponse, ServerResult,
};
use rmcp::service::{RxJsonRpcMessage, TxJsonRpcMessage};
use rmcp::transport::Transport;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::Mutex;
use tokio::task::JoinHandle;

use crate::direct::{DirectTools, Session};
use crate::jsonrpc::{self, Refusal};

pub type Reader = Box<dyn AsyncRead + Send + Unpin>;
pub type Writer = Box<dyn AsyncWrite + Send + Unpin>;

/// The longest message accepted, as in rmcp's transport (and its HTTP client): a peer that
/// never sends a newline must not grow the buffer without bound.
pub const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;

/// A line buffer grown past this by a large message is given back once the message is
/// decoded, so one large call does not keep its buffer for the rest of the session.
const KEPT_LINE_CAPACITY: usize = 1024 * 1024;

/// stdin and stdout as an MCP transport. Must be called inside the tokio runtime.
pub fn transport() -> StdioTransport<Reader, Writer> {
    StdioTransport::new(reader(), writer())
}

/// A newline-delimited JSON-RPC transport over any byte stream pair (stdin and stdout in
/// production, in-memory pipes in tests).
pub struct StdioTransport<R, W> {
    input: BufReader<R>,
    /// The line read so far. It lives here, not in [`Transport::receive`]'s future, because
    /// rmcp polls `receive` inside a `select!` and drops it whenever a reply is ready to send;
    /// a partial line must survive that.
    line: Vec<u8>,
    /// Set after an oversized line was answered, until its end is seen.
    discarding: bool,
    /// The writing half; behind a mutex because rmcp sends replies concurrently, and `None`
    /// once closed.
    output: Arc<Mutex<Option<W>>>,
    /// The tools answered without rmcp, if enabled.
    direct: Option<DirectTools>,
    /// The session's protocol as the `initialize` reply gave it; `None` before that reply
    /// and in 2026-07-28 sessions, which do without `initialize`.
    negotiated: Option<Session>,
    /// Whether `notifications/initialized` has arrived: the direct lane opens with it.
    initialized: bool,
    /// Whether the client's `initialize` announced the MCP Apps extension (the estimate card).
    client_renders_apps: bool,
    /// Replies of the direct lane being written. They are written by tasks of their own, since
    /// rmcp drops `receive` whenever it has something to send, and a reply cut off half-way
    /// would break the stream; `close` waits for them.
    writes: Vec<JoinHandle<()>>,
}

impl<R, W> StdioTransport<R, W>
where
    R: AsyncRead + Send + Unpin,
    W: AsyncWrite + Send + Unpin + 'static,
{
    pub fn new(input: R, output: W) -> Self {
        StdioTransport {
            input: BufReader::new(input),
            line: Vec::new(),
            discarding: false,
            output: Arc::new(Mutex::new(Some(output))),
            direct: None,
            negotiated: None,
            initialized: false,
            client_renders_apps: false,
            writes: Vec::new(),
        }
    }

    /// Lets the transport answer the offline tools itself once the session is initialized.
    pub fn with_direct_tools(mut self, tools: DirectTools) -> Self {
        self.direct = Some(tools);
        self
    }

    /// The direct lane's reply to the line just read, if it takes it.
    fn direct_reply(&self) -> Option<Vec<u8>> {
        match (&self.direct, self.negotiated) {
            (Some(direct), Some(session)) if self.initialized => {
                direct.reply_to(trim(&self.line), session)
            }
            _ => None,
        }
    }

    fn spawn_write(&mut self, line: Vec<u8>) {
        self.writes.retain(|write| !write.is_finished());
        let output = self.output.clone();
        self.writes.push(tokio::spawn(async move {
            if let Err(e) = write_line(&output, &line).await {
                tracing::error!("cannot write a reply to stdout: {e}");
            }
        }));
    }

    /// Notes the `initialize` handshake among the messages handed to rmcp: what the client
    /// announced, and its end.
    fn observe(&mut self, message: &RxJsonRpcMessage<RoleServer>) {
        match message {
            JsonRpcMessage::Request(JsonRpcRequest {
                request: ClientRequest::InitializeRequest(request),
                ..
            }) => {
                self.client_renders_apps = crate::app::announces(&request.params.capabilities);
            }
            JsonRpcMessage::Notification(JsonRpcNotification {
                notification: ClientNotification::InitializedNotification(_),
                ..
            }) => self.initialized = self.negotiated.is_some(),
            _ => {}
        }
    }

    /// Reads up to the next newline into `self.line`. Cancel-safe: bytes are moved from the
    /// reader's buffer into `self.line` with no await in between.
    ///
    /// A line that grows past [`MAX_LINE_BYTES`] is answered from what was read of it (its
    /// `id` comes first in every client seen), and the rest of it is consumed without being
    /// kept.
    async fn read_line(&mut self) -> Read {
        loop {
            let available = match self.input.fill_buf().await {
                Ok([]) => return Read::End,
                Ok(available) => available,
                Err(e) => {
                    tracing::error!("cannot read stdin: {e}");
                    return Read::End;
                }
            };
            let newline = available.iter().position(|&b| b == b'\n');
            let take = newline.map_or(available.len(), |at| at + 1);
            let mut refusal = None;
            if self.discarding {
                self.discarding = newline.is_none();
            } else if self.line.len() + take > MAX_LINE_BYTES {
                let room = MAX_LINE_BYTES - self.line.len();
                self.line.extend_from_slice(&available[..room.min(take)]);
                refusal = Some(jsonrpc::oversized(&self.line, MAX_LINE_BYTES));
                self.line = Vec::new();
                self.discarding = newline.is_none();
            } else {
                self.line.extend_from_slice(&available[..take]);
            }
            self.input.consume(take);
            if let Some(refusal) = refusal {
                tracing::warn!(
                    max_bytes = MAX_LINE_BYTES,
                    "an incoming message is longer than the limit; answered and discarded"
                );
                return Read::Oversized(refusal);
            }
            if newline.is_some() && !self.line.is_empty() {
                return Read::Line;
            }
        }
    }

    /// Empties the line buffer for the next line, giving back a large one's memory.
    fn clear_line(&mut self) {
        self.line.clear();
        if self.line.capacity() > KEPT_LINE_CAPACITY {
            self.line = Vec::new();
        }
    }
}

/// What [`StdioTransport::read_line`] found.
enum Read {
    /// A whole line is in the buffer.
    Line,
    /// A line over the limit, answered with this reply.
    Oversized(Refusal),
    /// The end of input.
    End,
}

impl<R, W> Transport<RoleServer> for StdioTransport<R, W>
where
    R: AsyncRead + Send + Unpin,
    W: AsyncWrite + Send + Unpin + 'static,
{
    type Error = std::io::Error;

    fn send(
        &mut self,
        item: TxJsonRpcMessage<RoleServer>,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        if let JsonRpcMessage::Response(JsonRpcResponse {
            result: ServerResult::InitializeResult(initialized),
            ..
        }) = &item
        {
            self.negotiated = Some(Session::negotiated(
                initialized.protocol_version.as_str(),
                self.client_renders_apps,
            ));
        }
        let output = self.output.clone();
        async move { write_message(&output, &item).await }
    }

    async fn receive(&mut self) -> Option<RxJsonRpcMessage<RoleServer>> {
        loop {
            match self.read_line().await {
                Read::Line => {}
                Read::Oversized(refusal) => {
                    self.spawn_write(refusal.to_line());
                    continue;
                }
                Read::End => return None,
            }
            if let Some(reply) = self.direct_reply() {
                self.clear_line();
                self.spawn_write(reply);
                continue;
            }
            let decoded = decode(&self.line);
            self.clear_line();
            match decoded {
                Decoded::Message(message) => {
                    self.observe(&message);
                    return Some(message);
                }
                Decoded::Skip => {}
                // Written by a task of its own, like the direct lane's replies: rmcp drops
                // this future whenever it has something to send.
                Decoded::Reply(refusal) => self.spawn_write(refusal.to_line()),
            }
        }
    }

    async fn close(&mut self) -> Result<(), Self::Error> {
        for write in self.writes.drain(..) {
            // A write that failed has logged why; the others must land before the shutdown.
            let _ = write.await;
        }
        if let Some(mut output) = self.output.lock().await.take() {
            output.shutdown().await?;
        }
        Ok(())
    }
}

/// Serializes one message and writes it as one line.
async fn write_message<W: AsyncWrite + Unpin>(
    output: &Mutex<Option<W>>,
    message: &TxJsonRpcMessage<RoleServer>,
) -> Result<(), std::io::Error> {
    let mut line = serde_json::to_vec(message)?;
    line.push(b'\n');
    write_line(output, &line).await
}

/// Writes one whole line (newline included) and flushes it.
async fn write_line<W: AsyncWrite + Unpin>(
    output: &Mutex<Option<W>>,
    line: &[u8],
) -> Result<(), std::io::Error> {
    let mut guard = output.lock().await;
    let Some(sink) = guard.as_mut() else {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotConnected,
            "the stdio transport is closed",
        ));
    };
    sink.write_all(line).await?;
    sink.flush().await
}

/// What one input line turned out to be.
#[expect(
    clippy::large_enum_variant,
    reason = "lives only from decode to receive's return; boxing would add an allocation per message"
)]
enum Decoded {
    Message(RxJsonRpcMessage<RoleServer>),
    /// Blank, or a notification that does not parse: nothing to answer.
    Skip,
    /// Not something rmcp can take: answered by the transport with this error.
    Reply(Refusal),
}

/// A line without its trailing newline or carriage return, or a leading byte order mark.
fn trim(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line)
}

/// Decodes one line (without a trailing newline, carriage return or byte order mark mattering).
fn decode(line: &[u8]) -> Decoded {
    let line = trim(line);
    if line.iter().all(u8::is_ascii_whitespace) {
        return Decoded::Skip;
    }
    let mut value: Value = match serde_json::from_slice(line) {
        Ok(value) => value,
        Err(e) => {
            let refusal = jsonrpc::unreadable(line, &e);
            tracing::debug!("an incoming line is not readable JSON: {e}");
            return if refusal.notification {
                Decoded::Skip
            } else {
                Decoded::Reply(refusal)
            };
        }
    };
    if let Some(refusal) = jsonrpc::check(&value) {
        return Decoded::Reply(refusal);
    }
    let is_notification =
        value.get("id").is_none() && value.get("method").is_some_and(Value::is_string);
    let arguments = take_tool_arguments(&mut value);
    match serde_json::from_value::<RxJsonRpcMessage<RoleServer>>(value) {
        Ok(mut message) => {
            let restored = arguments.is_none_or(|a| restore_tool_arguments(&mut message, a));
            if restored {
                Decoded::Message(message)
            } else {
                // Not a well-formed call after all (rmcp took it for a custom request): decode
                // the whole line the ordinary way, so nothing of it is lost.
                serde_json::from_slice(line)
                    .map_or_else(|e| invalid_request(line, &e), Decoded::Message)
            }
        }
        Err(e) if is_notification => {
            tracing::debug!("ignoring a notification that does not parse: {e}");
            Decoded::Skip
        }
        Err(e) => invalid_request(line, &e),
    }
}

/// The Invalid Request reply to a message rmcp cannot decode, with its `id` (the rare path,
/// so the id is read again from the line rather than kept for every message).
fn invalid_request(line: &[u8], error: &serde_json::Error) -> Decoded {
    tracing::debug!("protocol error on an incoming message: {error}");
    Decoded::Reply(Refusal {
        id: jsonrpc::read_id(line),
        code: jsonrpc::INVALID_REQUEST,
        message: "Invalid Request: not a valid MCP request, notification or response".to_owned(),
        notification: false,
    })
}

/// Takes the arguments object out of a `tools/call` request, leaving a small envelope.
fn take_tool_arguments(message: &mut Value) -> Option<JsonObject> {
    if message.get("method").and_then(Value::as_str) != Some("tools/call") {
        return None;
    }
    let params = message.get_mut("params")?.as_object_mut()?;
    if !params.get("arguments").is_some_and(Value::is_object) {
        return None;
    }
    match params.remove("arguments") {
        Some(Value::Object(arguments)) => Some(arguments),
        _ => None,
    }
}

/// Puts arguments taken by [`take_tool_arguments`] back into the decoded request; `false` if
/// the message did not decode as a tool call.
fn restore_tool_arguments(
    message: &mut RxJsonRpcMessage<RoleServer>,
    arguments: JsonObject,
) -> bool {
    match message {
        JsonRpcMessage::Request(JsonRpcRequest {
            request: ClientRequest::CallToolRequest(call),
            ..
        }) => {
            call.params.arguments = Some(arguments);
            true
        }
        _ => false,
    }
}

#[cfg(unix)]
fn reader() -> Reader {
    use std::os::fd::AsFd;
    match std::io::stdin()
        .as_fd()
        .try_clone_to_owned()
        .and_then(tokio::net::unix::pipe::Receiver::from_owned_fd)
    {
        Ok(pipe) => {
            grow_pipe(std::io::stdin().as_fd());
            Box::new(pipe)
        }
        Err(_) => Box::new(tokio::io::stdin()),
    }
}

#[cfg(unix)]
fn writer() -> Writer {
    use std::os::fd::AsFd;
    // A pipe in non-blocking mode is non-blocking for every descriptor sharing it. When stderr
    // is the same pipe (`2>&1`), a log line written while the pipe is full would fail with
    // EAGAIN instead of waiting, so that case keeps tokio's blocking writer.
    if same_file(std::io::stdout().as_fd(), std::io::stderr().as_fd()) {
        return Box::new(tokio::io::stdout());
    }
    match std::io::stdout()
        .as_fd()
        .try_clone_to_owned()
        .and_then(tokio::net::unix::pipe::Sender::from_owned_fd)
    {
        Ok(pipe) => {
            grow_pipe(std::io::stdout().as_fd());
            Box::new(pipe)
        }
        Err(_) => Box::new(tokio::io::stdout()),
    }
}

/// Asks for a 1 MiB pipe buffer (Linux's default ceiling for unprivileged processes) instead of
/// 64 KiB, so that a large message (a 1,000-line estimate's reply is about 1 MB) crosses in one
/// write instead of a dozen alternations between the writer and the reader. Best effort: the
/// pipe works the same at its old size.
#[cfg(target_os = "linux")]
fn grow_pipe(pipe: std::os::fd::BorrowedFd<'_>) {
    const BYTES: usize = 1 << 20;
    if let Err(e) = rustix::pipe::fcntl_setpipe_size(pipe, BYTES) {
        tracing::debug!("cannot grow the pipe buffer to {BYTES} bytes: {e}");
    }
}

#[cfg(all(unix, not(target_os = "linux")))]
fn grow_pipe(_: std::os::fd::BorrowedFd<'_>) {}

/// Whether two descriptors refer to the same file (device and inode); `true` when unsure.
#[cfg(unix)]
fn same_file(a: std::os::fd::BorrowedFd<'_>, b: std::os::fd::BorrowedFd<'_>) -> bool {
    use std::os::unix::fs::MetadataExt;
    let id = |fd: std::os::fd::BorrowedFd<'_>| {
        let file = std::fs::File::from(fd.try_clone_to_owned()?);
        file.metadata().map(|m| (m.dev(), m.ino()))
    };
    match (id(a), id(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => true,
    }
}

#[cfg(not(unix))]
fn reader() -> Reader {
    Box::new(tokio::io::stdin())
}

#[cfg(not(unix))]
fn writer() -> Writer {
    Box::new(tokio::io::stdout())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn decode_json(message: Value) -> Decoded {
        decode(message.to_string().as_bytes())
    }

    /// What rmcp's own transport makes of a line: the reference [`decode`] must match.
    fn rmcp_decode(line: &str) -> Option<String> {
        serde_json::from_str::<RxJsonRpcMessage<RoleServer>>(line)
            .ok()
            .map(|message| format!("{message:?}"))
    }

    #[test]
    fn decodes_exactly_as_rmcp_does() {
        let lines = [
            r#"{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"estimate_cost","arguments":{"tasks":[{"model":"kling","n":1.50,"big":12345678901234567890123}]},"_meta":{"progressToken":1}}}"#,
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x"}}"#,
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x","arguments":null}}"#,
            r#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#,
            r#"{"jsonrpc":"2.0","id":3,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#,
            r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
            r#"{"jsonrpc":"2.0","method":"vendor/notice","params":{"x":1}}"#,
            r#"{"jsonrpc":"2.0","id":4,"result":{}}"#,
            r#"{"jsonrpc":"2.0","id":5,"error":{"code":-1,"message":"m"}}"#,
            r#"{"jsonrpc":"2.0","method":"notifications/cancelled","params":"bad"}"#,
        ];
        for line in lines {
            let ours = match decode(line.as_bytes()) {
                Decoded::Message(message) => Some(format!("{message:?}")),
                Decoded::Skip => None,
                Decoded::Reply(refusal) => panic!("{line}: answered by the transport: {refusal:?}"),
            };
            assert_eq!(ours, rmcp_decode(line), "{line}");
        }
    }

    /// The lines rmcp would drop, answer without an `id`, or take for an unknown method are
    /// answered by the transport, with the line's `id`.
    #[test]
    fn lines_rmcp_cannot_take_are_answered_with_their_id() {
        let cases: [(&[u8], Value, i32); 8] = [
            (b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"a\":\"\xff\"}}", json!(1), -32700),
            (b"{not json", Value::Null, -32700),
            (br#"{"jsonrpc":"1.0","id":7,"method":"ping"}"#, json!(7), -32600),
            (br#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#, Value::Null, -32600),
            (br#"{"jsonrpc":"2.0","id":1.5,"method":"ping"}"#, json!(1.5), -32600),
            (br#"{"jsonrpc":"2.0","id":"a","method":"tools/call","params":{"name":"x","arguments":[1,2]}}"#, json!("a"), -32602),
            (br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"arguments":{"a":1}}}"#, json!(1), -32602),
            (br#"{"jsonrpc":"2.0","id":1,"result":1,"error":{}}"#, json!(1), -32600),
        ];
        for (line, id, code) in cases {
            let Decoded::Reply(refusal) = decode(line) else {
                panic!("{}: not answered", String::from_utf8_lossy(line));
            };
            assert_eq!(
                (refusal.id, refusal.code),
                (id, code),
                "{}",
                String::from_utf8_lossy(line)
            );
        }
    }

    #[test]
    fn tool_arguments_survive_the_lifted_decode() {
        // Numbers keep their digits (`arbitrary_precision`), however long.
        let arguments: Value = serde_json::from_str(
            r#"{"tasks": [{"model": "kling", "n": 1.50, "big": 12345678901234567890123}]}"#,
        )
        .expect("JSON");
        let Decoded::Message(message) = decode_json(json!({
            "jsonrpc": "2.0", "id": 7, "method": "tools/call",
            "params": {"name": "estimate_cost", "arguments": arguments}
        })) else {
            panic!("a valid tools/call decodes");
        };
        let JsonRpcMessage::Request(JsonRpcRequest {
            request: ClientRequest::CallToolRequest(call),
            ..
        }) = message
        else {
            panic!("decoded as a tools/call request");
        };
        assert_eq!(call.params.name, "estimate_cost");
        assert_eq!(call.params.arguments.map(Value::Object), Some(arguments));
    }

    #[test]
    fn blank_lines_and_bad_notifications_are_skipped() {
        assert!(matches!(decode(b"  \r\n"), Decoded::Skip));
        assert!(matches!(
            decode_json(json!({"jsonrpc": "1.0", "method": "notifications/initialized"})),
            Decoded::Skip
        ));
        assert!(matches!(
            decode(b"{\"jsonrpc\":\"2.0\",\"method\":\"notifications/x\",\"params\":\"\xff\"}"),
            Decoded::Skip
        ));
    }

    #[test]
    fn a_byte_order_mark_and_crlf_are_accepted() {
        let line = b"\xEF\xBB\xBF{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\r\n";
        assert!(matches!(decode(line), Decoded::Message(_)));
    }

    #[tokio::test]
    async fn oversized_lines_are_answered_and_the_next_line_read() {
        let ping = br#"{"jsonrpc":"2.0","id":2,"method":"ping"}"#;
        let mut input =
            br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"arguments":{"x":""#
                .to_vec();
        input.resize(MAX_LINE_BYTES + 10, b'a');
        input.extend_from_slice(b"\"}}}\n");
        input.extend_from_slice(ping);
        input.push(b'\n');
        let (client, server) = tokio::io::duplex(1 << 16);
        let (_, server_out) = tokio::io::split(server);
        let mut transport = StdioTransport::new(&input[..], server_out);
        let message = transport
            .receive()
            .await
            .expect("the ping after the oversized line");
        assert!(matches!(message, JsonRpcMessage::Request(_)));
        assert!(transport.receive().await.is_none(), "end of input");
        assert!(
            transport.line.capacity() <= KEPT_LINE_CAPACITY,
            "the large buffer was given back"
        );
        transport.close().await.expect("closed");
        let mut text = String::new();
        tokio::io::AsyncReadExt::read_to_string(&mut tokio::io::BufReader::new(client), &mut text)
            .await
            .expect("read");
        let reply: Value = serde_json::from_str(text.trim()).expect("one reply line");
        assert_eq!(reply["id"], 1, "{reply}");
        assert_eq!(reply["error"]["code"], -32600, "{reply}");
    }

    #[tokio::test]
    async fn replies_are_one_line_each() {
        let (client, server) = tokio::io::duplex(1 << 20);
        let (_, server_out) = tokio::io::split(server);
        let mut transport = StdioTransport::new(tokio::io::empty(), server_out);
        for id in 1..=2 {
            let reply = TxJsonRpcMessage::<RoleServer>::response(
                rmcp::model::ServerResult::empty(()),
                rmcp::model::NumberOrString::Number(id),
            );
            transport.send(reply).await.expect("sent");
        }
        transport.close().await.expect("closed");
        let mut text = String::new();
        tokio::io::AsyncReadExt::read_to_string(&mut tokio::io::BufReader::new(client), &mut text)
            .await
            .expect("read");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        for line in lines {
            let value: Value = serde_json::from_str(line).expect("each line is JSON");
            assert_eq!(value["jsonrpc"], "2.0");
        }
    }
}
