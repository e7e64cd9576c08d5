//! The stdio fast path: offline tools answered from the line's own text.
//!
//! rmcp holds a tool's `structuredContent` as a [`serde_json::Value`] tree, and the arguments
//! reach a tool through one too; for a 1,000-line estimate building, printing and freeing those
//! trees is most of the call. On stdio, where the transport owns the bytes, a plain `tools/call`
//! of an offline tool is answered here instead, through the core's own tool table
//! ([`piapi_billing::tools`]): the arguments' text goes to the core's reader, and the result is
//! written once by the core's writer, then copied, escaped, as the text content.
//!
//! Only calls whose answer is fully determined are taken: a session opened with `initialize`,
//! a request holding nothing but `jsonrpc`, `id`, `method` and `params` {`name`, `arguments`
//! (an object), `_meta` without protocol keys}, an offline tool, and a pre-check that does not
//! need the live balance. Everything else goes to rmcp. A test sends the same lines to a server
//! with and without this path and requires the same replies.
//!
//! `tools/list` is answered here too, from `tools.json`: the list as rmcp writes it, generated
//! ahead of time (a freshness test rewrites it). So a session that only calls the offline
//! tools never builds the tools' schemas as rmcp holds them (`serde_json::Value` trees, about
//! 1.3 MB for 20 tools), and the stdio server stays small. A client that renders the estimate
//! card gets its list from rmcp, which declares the card on it.

use std::borrow::Cow;
use std::sync::Arc;

use piapi_billing::json::{JsonWriter, write::write_str};
use piapi_billing::tools::{self, Answer};
use piapi_billing::{Error, PrecheckArgs};
use rmcp::RoleServer;
use rmcp::model::{CallToolResult, ContentBlock, RequestId, ServerResult};
use rmcp::service::TxJsonRpcMessage;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::server::{AppState, BillingServer};

/// The tools of one server's state that the stdio transport may answer itself.
#[derive(Clone)]
pub struct DirectTools {
    state: Arc<AppState>,
}

/// What a session negotiated that changes the shape of a reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Session {
    /// Whether results carry `"resultType": "complete"` (protocol 2026-07-28 and later), and
    /// lists their cache hint.
    pub result_type: bool,
    /// Whether the client announced the MCP Apps extension in its `initialize`.
    pub client_renders_apps: bool,
}

impl Session {
    /// The session whose `initialize` reply named `protocol_version`.
    pub fn negotiated(protocol_version: &str, client_renders_apps: bool) -> Self {
        // ISO dates compare as strings, as rmcp compares them.
        Session {
            result_type: protocol_version >= "2026-07-28",
            client_renders_apps,
        }
    }
}

/// The `tools` array of `tools/list` as rmcp writes it for a client without the card.
pub const TOOLS_JSON: &str = include_str!("tools.json");

/// A request read from its line, its params left as text.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Request<'a> {
    jsonrpc: Cow<'a, str>,
    id: RequestId,
    method: Cow<'a, str>,
    #[serde(borrow, default)]
    params: Option<&'a RawValue>,
}

/// A `tools/call`'s params, arguments left as text.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CallParams<'a> {
    name: Cow<'a, str>,
    #[serde(borrow, default)]
    arguments: Option<&'a RawValue>,
    #[serde(rename = "_meta", default)]
    meta: Option<Meta>,
}

/// A `tools/list`'s params.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListParams {
    #[serde(default)]
    cursor: Option<String>,
    #[serde(rename = "_meta", default)]
    meta: Option<Meta>,
}

type Meta = serde_json::Map<String, serde_json::Value>;

impl DirectTools {
    /// The offline tools of `server`, answered from the same state its rmcp tools use.
    pub fn of(server: &BillingServer) -> Self {
        DirectTools {
            state: server.state.clone(),
        }
    }

    /// The reply line (with its newline) to `line` when it is a request this path answers;
    /// `None` hands the line to rmcp.
    pub fn reply_to(&self, line: &[u8], session: Session) -> Option<Vec<u8>> {
        let request: Request<'_> = serde_json::from_slice(line).ok()?;
        let params = request.params.map_or("{}", RawValue::get);
        match (&*request.jsonrpc, &*request.method) {
            ("2.0", "tools/call") => {
                self.call_reply(&request.id, serde_json::from_str(params).ok()?, session)
            }
            ("2.0", "tools/list") => {
                self.list_reply(&request.id, serde_json::from_str(params).ok()?, session)
            }
            _ => None,
        }
    }

    /// An offline tool's answer, unless the call needs the clock or the live balance.
    fn call_reply(
        &self,
        id: &RequestId,
        call: CallParams<'_>,
        session: Session,
    ) -> Option<Vec<u8>> {
        if protocol_meta(&call.meta) {
            return None;
        }
        let arguments = match call.arguments {
            None => "{}",
            Some(raw) if raw.get().starts_with('{') => raw.get(),
            Some(_) => return None,
        };
        let name = &*call.name;
        tools::find(name)?;
        // The report measures ages from today, which the rmcp tool fills in from the clock.
        if name == "catalog_report" {
            return None;
        }
        if name == "precheck_credits" && self.needs_live_balance(arguments) {
            return None;
        }
        let answer = tools::run(&self.state.billing, name, arguments);
        Some(reply(id, answer, arguments.len(), session))
    }

    /// The tool list, for a first page asked without protocol metadata by a client that is not
    /// offered the card.
    fn list_reply(&self, id: &RequestId, list: ListParams, session: Session) -> Option<Vec<u8>> {
        let offers_card = self.state.app && session.client_renders_apps;
        if list.cursor.is_some() || protocol_meta(&list.meta) || offers_card {
            return None;
        }
        let mut reply = Vec::with_capacity(TOOLS_JSON.len() + 100);
        reply.extend_from_slice(br#"{"jsonrpc":"2.0","id":"#);
        write_id(&mut reply, id);
        reply.extend_from_slice(br#","result":{"#);
        if session.result_type {
            reply.extend_from_slice(br#""resultType":"complete","#);
        }
        reply.extend_from_slice(br#""tools":"#);
        reply.extend_from_slice(TOOLS_JSON.trim_end().as_bytes());
        if session.result_type {
            reply.extend_from_slice(br#","ttlMs":0"#);
        }
        reply.extend_from_slice(b"}}\n");
        Some(reply)
    }

    /// A pre-check without a balance is answered by the rmcp tool, which fetches it.
    fn needs_live_balance(&self, arguments: &str) -> bool {
        piapi_billing::json::from_str::<PrecheckArgs>(arguments)
            .is_ok_and(|args| self.state.needs_live_balance(&args))
    }
}

/// The JSON-RPC reply line, in the shape rmcp gives a structured result or a tool error.
fn reply(
    id: &RequestId,
    answer: Result<Answer, Error>,
    args_len: usize,
    session: Session,
) -> Vec<u8> {
    // An estimate's answer is three to four bytes per byte of its arguments.
    let mut result = JsonWriter::with_capacity(args_len.saturating_mul(4).saturating_add(1024));
    match answer {
        Ok(answer) => result.write(&answer),
        Err(e) => return error_reply(id, e.message, session),
    }
    let result = result.into_string();
    let mut line = Vec::with_capacity(3 * result.len() + 160);
    line.extend_from_slice(br#"{"jsonrpc":"2.0","id":"#);
    write_id(&mut line, id);
    line.extend_from_slice(br#","result":{"#);
    if session.result_type {
        line.extend_from_slice(br#""resultType":"complete","#);
    }
    line.extend_from_slice(br#""content":[{"type":"text","text":"#);
    write_str(&mut line, &result);
    line.extend_from_slice(br#"}],"structuredContent":"#);
    line.extend_from_slice(result.as_bytes());
    line.extend_from_slice(b",\"isError\":false}}\n");
    line
}

/// A tool's refusal, as rmcp writes it: an `isError` result the assistant reads and can act on.
fn error_reply(id: &RequestId, message: String, session: Session) -> Vec<u8> {
    let mut result = CallToolResult::error(vec![ContentBlock::text(message)]);
    if !session.result_type {
        result.result_type = None;
    }
    let reply =
        TxJsonRpcMessage::<RoleServer>::response(ServerResult::CallToolResult(result), id.clone());
    // String keys and no floats: serializing cannot fail; `null` would be a serde_json bug.
    let mut line = serde_json::to_vec(&reply).unwrap_or_else(|_| b"null".to_vec());
    line.push(b'\n');
    line
}

/// Protocol keys in `_meta` make rmcp validate and negotiate per request.
fn protocol_meta(meta: &Option<Meta>) -> bool {
    meta.as_ref().is_some_and(|meta| {
        meta.keys()
            .any(|k| k.starts_with("io.modelcontextprotocol/"))
    })
}

fn write_id(line: &mut Vec<u8>, id: &RequestId) {
    match serde_json::to_writer(&mut *line, id) {
        Ok(()) => {}
        Err(_) => line.extend_from_slice(b"null"),
    }
}
