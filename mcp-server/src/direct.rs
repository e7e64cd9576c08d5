//! The offline tools answered on stdio without going through rmcp's result types.
//!
//! rmcp holds a tool's `structuredContent` as a [`serde_json::Value`]. For a 1,000-line
//! estimate that tree is the bulk of the call: building it, printing it and freeing it cost 45
//! of the call's 83 million instructions under callgrind, and the arguments took a similar
//! detour (line → `Value` → text → the core's reader). On stdio, where the transport owns the
//! bytes, a `tools/call` of an offline tool is answered here instead: the arguments' own text
//! goes to the core's reader, and the result is serialized once, then written twice into the
//! reply (as `structuredContent` and, escaped, as its text copy).
//!
//! Only the calls whose answer is fully determined are taken: a legacy session (opened with
//! `initialize`), a well-formed request with nothing in it but `jsonrpc`, `id`, `method` and
//! `params` {`name`, `arguments` (an object), `_meta` without protocol keys}, one of the offline
//! tools, and a pre-check that does not need the live balance. Everything else (2026-07-28
//! per-request metadata, the live and ledger tools, anything unusual) goes to rmcp as before.
//! The replies are the ones rmcp writes: a test compares them on every golden vector.

use std::borrow::Cow;
use std::sync::Arc;

use piapi_billing::json::FromJson;
use piapi_billing::{Billing, EstimateArgs, ListPricesArgs, NoArgs, PrecheckArgs, QuoteTopUpArgs};
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
    /// Whether results carry `"resultType": "complete"`, which rmcp strips for peers on
    /// protocols before 2026-07-28.
    pub result_type: bool,
}

impl Session {
    /// The session whose `initialize` reply named `protocol_version`.
    pub fn negotiated(protocol_version: &str) -> Self {
        // ISO dates compare as strings, as rmcp compares them.
        Session {
            result_type: protocol_version >= "2026-07-28",
        }
    }
}

/// A `tools/call` request as read straight from its line, arguments untouched.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Call<'a> {
    jsonrpc: Cow<'a, str>,
    id: RequestId,
    method: Cow<'a, str>,
    #[serde(borrow)]
    params: Params<'a>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Params<'a> {
    name: Cow<'a, str>,
    #[serde(borrow, default)]
    arguments: Option<&'a RawValue>,
    #[serde(rename = "_meta", default)]
    meta: Option<serde_json::Map<String, serde_json::Value>>,
}

/// The outcome of a tool: the result's JSON text (serde_json writes UTF-8 only), or the message
/// of a refusal (an `isError` result, which the assistant reads and can act on).
type Outcome = Result<Vec<u8>, String>;

impl DirectTools {
    /// The offline tools of `server`, answered from the same state its rmcp tools use.
    pub fn of(server: &BillingServer) -> Self {
        DirectTools {
            state: server.state.clone(),
        }
    }

    /// The reply line (with its newline) to `line` when it is a call this lane answers;
    /// `None` hands the line to rmcp.
    pub fn reply_to(&self, line: &[u8], session: Session) -> Option<Vec<u8>> {
        let call: Call<'_> = serde_json::from_slice(line).ok()?;
        let is_plain_call = call.jsonrpc == "2.0"
            && call.method == "tools/call"
            && call.params.meta.as_ref().is_none_or(|meta| {
                // Protocol keys (version, client info, capabilities, log level) make rmcp
                // validate and negotiate per request; leave those to it.
                !meta
                    .keys()
                    .any(|k| k.starts_with("io.modelcontextprotocol/"))
            });
        if !is_plain_call {
            return None;
        }
        let arguments = match call.params.arguments {
            None => "{}",
            Some(raw) if raw.get().starts_with('{') => raw.get(),
            // Not an object: rmcp's own decoding decides what that is.
            Some(_) => return None,
        };
        let outcome = self.answer(&call.params.name, arguments)?;
        Some(reply(&call.id, outcome, session))
    }

    /// Runs an offline tool on its arguments' text, as the tool of the same name in
    /// [`crate::tools`] does; `None` when this lane does not take the call.
    fn answer(&self, tool: &str, arguments: &str) -> Option<Outcome> {
        let billing: &Billing = &self.state.billing;
        Some(match tool {
            "estimate_cost" => run(arguments, |args: EstimateArgs| billing.estimate_cost(&args)),
            "precheck_credits" => {
                let args: PrecheckArgs = match parse(arguments) {
                    Ok(args) => args,
                    Err(message) => return Some(Err(message)),
                };
                if self.state.needs_live_balance(&args) {
                    // The live balance is fetched by the rmcp tool.
                    return None;
                }
                to_json(billing.precheck_credits(&args), arguments)
            }
            "list_plans" => run(arguments, |NoArgs {}| Ok(billing.list_plans())),
            "list_prices" => run(arguments, |args: ListPricesArgs| billing.list_prices(&args)),
            "quote_top_up" => run(arguments, |args: QuoteTopUpArgs| {
                billing.quote_top_up(&args)
            }),
            _ => return None,
        })
    }
}

fn parse<A: FromJson>(arguments: &str) -> Result<A, String> {
    piapi_billing::json::from_str(arguments).map_err(|e| e.message)
}

fn run<A: FromJson, R: serde::Serialize>(
    arguments: &str,
    tool: impl FnOnce(A) -> Result<R, piapi_billing::Error>,
) -> Outcome {
    to_json(tool(parse(arguments)?), arguments)
}

/// The result's JSON text, written into a buffer sized from the arguments: an estimate's
/// answer is three to four bytes per byte of its arguments, and growing a 500 KB answer from
/// empty would copy it about twice over.
fn to_json<R: serde::Serialize>(
    result: Result<R, piapi_billing::Error>,
    arguments: &str,
) -> Outcome {
    let result = result.map_err(|e| e.message)?;
    let mut text = Vec::with_capacity(arguments.len().saturating_mul(4).saturating_add(1024));
    serde_json::to_writer(&mut text, &result)
        .map_err(|e| format!("cannot serialize the tool result: {e}"))?;
    Ok(text)
}

/// The JSON-RPC reply line to a call, in the shape rmcp gives a `Structured` result or a tool
/// error.
fn reply(id: &RequestId, outcome: Outcome, session: Session) -> Vec<u8> {
    match outcome {
        Ok(result) => {
            let mut line = Vec::with_capacity(3 * result.len() + 160);
            line.extend_from_slice(br#"{"jsonrpc":"2.0","id":"#);
            write_json(&mut line, id);
            line.extend_from_slice(br#","result":{"#);
            if session.result_type {
                line.extend_from_slice(br#""resultType":"complete","#);
            }
            line.extend_from_slice(br#""content":[{"type":"text","text":"#);
            write_json_string(&mut line, &result);
            line.extend_from_slice(br#"}],"structuredContent":"#);
            line.extend_from_slice(&result);
            line.extend_from_slice(b",\"isError\":false}}\n");
            line
        }
        Err(message) => {
            let mut result = CallToolResult::error(vec![ContentBlock::text(message)]);
            if !session.result_type {
                result.result_type = None;
            }
            let reply = TxJsonRpcMessage::<RoleServer>::response(
                ServerResult::CallToolResult(result),
                id.clone(),
            );
            let mut line = Vec::new();
            write_json(&mut line, &reply);
            line.push(b'\n');
            line
        }
    }
}

/// Appends `value` as JSON. The values written here (ids, strings, rmcp's own messages) have
/// string keys and no floats, so serialization cannot fail; a failure would be a bug in
/// serde_json, and leaves `null` rather than a broken line.
fn write_json<T: serde::Serialize + ?Sized>(line: &mut Vec<u8>, value: &T) {
    let start = line.len();
    if serde_json::to_writer(&mut *line, value).is_err() {
        line.truncate(start);
        line.extend_from_slice(b"null");
    }
}

/// Appends `text` as a JSON string, escaped as serde_json escapes it.
///
/// The text copy is the result's own JSON, so one byte in six is a quote to escape. serde_json's
/// string writer copies the run before each one through its formatter: 7.4 million
/// instructions for a 1,000-line estimate under callgrind. Text without control characters
/// (which serde_json's compact output never leaves raw) needs only `"` and `\\` escaped; this
/// finds them eight bytes at a time and copies a whole word per step. Text with a control
/// character is left to serde_json.
fn write_json_string(line: &mut Vec<u8>, text: &[u8]) {
    let start = line.len();
    if !write_escaped(line, text) {
        line.truncate(start);
        write_json(line, String::from_utf8_lossy(text).as_ref());
    }
}

/// [`write_json_string`] for text without control characters; `false` (with `line` holding
/// scratch past its old length) at the first control character.
fn write_escaped(line: &mut Vec<u8>, text: &[u8]) -> bool {
    // Room for every byte escaped and the quotes: nothing below reallocates.
    line.reserve(2 * text.len() + 2);
    line.push(b'"');
    let mut i = 0;
    while let Some(chunk) = text.get(i..i + 8) {
        let Ok(word) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        let bits = u64::from_le_bytes(word);
        if has_control(bits) {
            return false;
        }
        // The whole word is copied (one eight-byte store); at a quote or backslash, only the
        // part before it is kept, the escape is written, and the next word starts after it.
        let end = line.len();
        line.extend_from_slice(&word);
        match escapes(bits) {
            0 => i += 8,
            mask => {
                let k = (mask.trailing_zeros() / 8) as usize;
                line.truncate(end + k);
                line.extend_from_slice(&[b'\\', word[k]]);
                i += k + 1;
            }
        }
    }
    for &byte in &text[i..] {
        match byte {
            0..0x20 => return false,
            b'"' | b'\\' => line.extend_from_slice(&[b'\\', byte]),
            _ => line.push(byte),
        }
    }
    line.push(b'"');
    true
}

const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);

/// 0x80 in each byte of `word` that is `"` or `\\`, and 0 elsewhere: the exact form of the
/// zero-byte test (no false positives after a match), so the lowest set bit is the first one.
fn escapes(word: u64) -> u64 {
    let zero_bytes = |x: u64| !((x & !HIGHS).wrapping_add(!HIGHS) | x | !HIGHS);
    zero_bytes(word ^ (ONES * u64::from(b'"'))) | zero_bytes(word ^ (ONES * u64::from(b'\\')))
}

/// Whether any byte of `word` is below 0x20 (the test is exact for whether, not where).
fn has_control(word: u64) -> bool {
    word.wrapping_sub(ONES * 0x20) & !word & HIGHS != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_exactly_as_serde_json_escapes_them() {
        let samples = [
            String::new(),
            r#"{"a":"b\"c","d":"\\n"}"#.to_owned(),
            "quote \" backslash \\ slash / é 日本 🦀".to_owned(),
            (0u8..0x80).map(char::from).collect::<String>(),
            (0x20u8..0x80)
                .map(char::from)
                .cycle()
                .take(1000)
                .collect::<String>(),
            "\\\"".repeat(9),
            // A quote or backslash at every offset within a word, and runs of plain bytes.
            (0..64)
                .map(|k| {
                    format!(
                        "{}{}",
                        "x".repeat(k % 11),
                        if k % 2 == 0 { '"' } else { '\\' }
                    )
                })
                .collect(),
            "é\"日本\\🦀".repeat(5),
            // A control character in a word, in the tail, and after escapes.
            "0123456789\n0123456789".to_owned(),
            "01234567\"\u{1f}".to_owned(),
            "ab\"cd\\ef\tgh".repeat(3),
        ];
        for text in samples {
            let mut ours = Vec::new();
            write_json_string(&mut ours, text.as_bytes());
            let theirs = serde_json::to_vec(&text).expect("a string serializes");
            assert_eq!(
                String::from_utf8_lossy(&ours),
                String::from_utf8_lossy(&theirs),
                "{text:?}"
            );
        }
    }
}
