//! The one answer shape of every export: `{"ok": <result>}` or
//! `{"error": {"code", "field", "message"}}`.
//!
//! Returning errors as data keeps control flow inside Rust (see the crate docs); the JS wrapper
//! turns an `error` envelope into a thrown `BillingError` carrying the same code and message.

use piapi_billing::Error;
use serde::Serialize;

use piapi_billing::json::JsonWriter;

/// Serializes a call's outcome as envelope text, into a buffer that starts with `capacity`
/// bytes: an answer that fits is written without regrowing (and copying) its buffer.
pub fn encode<T: Serialize>(outcome: Result<T, Error>, capacity: usize) -> String {
    match outcome {
        Ok(result) => {
            let mut out = JsonWriter::with_capacity(capacity);
            out.raw(r#"{"ok":"#);
            match out.write(&result) {
                Ok(()) => {
                    out.raw("}");
                    out.into_string()
                }
                // Contract types have string keys and no floats, so this is not expected; it
                // is still an answer, not a trap.
                Err(e) => error(Error::invalid(
                    "",
                    format!("the result could not be serialized: {e}"),
                )),
            }
        }
        Err(err) => error(err),
    }
}

/// Room for a tool's answer to `args_json`: an estimate answers about four bytes per byte of
/// its arguments (1,000 golden lines: 118,865 B in, 478,603 B out), and the other tools'
/// answers, but the whole price list, fit in 4 KiB. Sized up front, a 1,000-line answer is
/// written without regrowing (and copying) its buffer seven times.
pub fn answer_capacity(args_json: &str) -> usize {
    args_json
        .len()
        .saturating_mul(4)
        .saturating_add(1024)
        .max(4096)
}

fn error(err: Error) -> String {
    #[derive(Serialize)]
    struct Refusal<'a> {
        code: &'a str,
        field: Option<&'a str>,
        message: &'a str,
    }
    #[derive(Serialize)]
    struct Envelope<'a> {
        error: Refusal<'a>,
    }
    let envelope = Envelope {
        error: Refusal {
            code: err.code(),
            field: err.field.as_deref(),
            message: &err.message,
        },
    };
    let mut out = JsonWriter::with_capacity(64 + err.message.len());
    // Three strings and a null: always writable.
    match out.write(&envelope) {
        Ok(()) => out.into_string(),
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ok_and_error_envelopes_have_the_documented_shape() {
        assert_eq!(encode(Ok("2.00"), 0), r#"{"ok":"2.00"}"#);
        let err = Error::invalid("tasks[0].count", "must be at least 1");
        assert_eq!(
            encode::<()>(Err(err), 0),
            r#"{"error":{"code":"invalid_arguments","field":"tasks[0].count","message":"tasks[0].count: must be at least 1"}}"#
        );
    }

    #[test]
    fn a_result_without_json_text_is_a_refusal_not_a_trap() {
        let out = encode(Ok(0.5f64), 0);
        assert!(
            out.starts_with(r#"{"error":{"code":"invalid_arguments""#),
            "{out}"
        );
        assert!(out.contains("binary float"), "{out}");
    }
}
