//! The one answer shape of every export: `{"ok": <result>}` or
//! `{"error": {"code", "field", "message"}}`.
//!
//! Returning errors as data keeps control flow inside Rust (see the crate docs); the JS wrapper
//! turns an `error` envelope into a thrown `BillingError` carrying the same code and message.

use piapi_billing::Error;
use piapi_billing::json::write::{raw, write_str};
use piapi_billing::json::{JsonWriter, ToJson};

/// Writes a call's outcome as envelope text, into a buffer that starts with `capacity`
/// bytes: an answer that fits is written without regrowing (and copying) its buffer.
pub fn encode<T: ToJson>(outcome: Result<T, Error>, capacity: usize) -> String {
    match outcome {
        Ok(result) => {
            let mut out = JsonWriter::with_capacity(capacity);
            out.raw(r#"{"ok":"#);
            out.write(&result);
            out.raw("}");
            out.into_string()
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

struct Refusal<'a>(&'a Error);

impl ToJson for Refusal<'_> {
    fn write_json(&self, out: &mut Vec<u8>) {
        let err = self.0;
        raw(out, br#"{"error":{"code":"#);
        write_str(out, err.code());
        raw(out, br#","field":"#);
        err.field.as_deref().write_json(out);
        raw(out, br#","message":"#);
        write_str(out, &err.message);
        raw(out, b"}}");
    }
}

fn error(err: Error) -> String {
    let mut out = JsonWriter::with_capacity(64 + err.message.len());
    out.write(&Refusal(&err));
    out.into_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ok_and_error_envelopes_have_the_documented_shape() {
        assert_eq!(encode(Ok("2.00"), 0), r#"{"ok":"2.00"}"#);
        let err = Error::invalid("tasks[0].count", "must be at least 1");
        assert_eq!(
            encode::<bool>(Err(err), 0),
            r#"{"error":{"code":"invalid_arguments","field":"tasks[0].count","message":"tasks[0].count: must be at least 1"}}"#
        );
        let err = Error::invalid("", "a \"quoted\"\nmessage");
        assert_eq!(
            encode::<bool>(Err(err), 0),
            r#"{"error":{"code":"invalid_arguments","field":null,"message":"a \"quoted\"\nmessage"}}"#
        );
    }
}
