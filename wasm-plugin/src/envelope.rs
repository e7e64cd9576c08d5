//! The one answer shape of every export: `{"ok": <result>}` or
//! `{"error": {"code", "field", "message"}}`.
//!
//! Returning errors as data keeps control flow inside Rust (see the crate docs); the JS wrapper
//! turns an `error` envelope into a thrown `BillingError` carrying the same code and message.

use piapi_billing::Error;
use serde::Serialize;

use crate::json_writer::JsonWriter;

/// Serializes a call's outcome as envelope text.
pub fn encode<T: Serialize>(outcome: Result<T, Error>) -> String {
    match outcome {
        Ok(result) => {
            // Most answers fit: one allocation instead of a dozen doublings.
            let mut out = JsonWriter::with_capacity(4096);
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
        assert_eq!(encode(Ok("2.00")), r#"{"ok":"2.00"}"#);
        let err = Error::invalid("tasks[0].count", "must be at least 1");
        assert_eq!(
            encode::<()>(Err(err)),
            r#"{"error":{"code":"invalid_arguments","field":"tasks[0].count","message":"tasks[0].count: must be at least 1"}}"#
        );
    }

    #[test]
    fn a_result_without_json_text_is_a_refusal_not_a_trap() {
        let out = encode(Ok(0.5f64));
        assert!(
            out.starts_with(r#"{"error":{"code":"invalid_arguments""#),
            "{out}"
        );
        assert!(out.contains("binary float"), "{out}");
    }
}
