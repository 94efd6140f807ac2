//! [`TraceContext`]: the W3C `traceparent` that links an event's logs to its Cloud Trace.

use std::fmt;
use std::str::FromStr;

/// A parsed W3C `traceparent` (`00-<32 hex trace id>-<16 hex span id>-<2 hex flags>`).
///
/// Eventarc sends it as the `traceparent` CloudEvent extension (and as an HTTP header). Cloud
/// Logging correlates a log line with a trace through `projects/{project}/traces/{trace_id}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceContext {
    trace_id: String,
    span_id: String,
    flags: u8,
}

/// The `traceparent` value is not a valid version-00 W3C trace context.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid traceparent")]
pub struct InvalidTraceparent;

impl TraceContext {
    /// The 32 lowercase hex digits of the trace id.
    pub fn trace_id(&self) -> &str {
        &self.trace_id
    }

    /// The 16 lowercase hex digits of the parent span id.
    pub fn span_id(&self) -> &str {
        &self.span_id
    }

    /// Whether the caller sampled this trace (flag bit 0).
    pub fn sampled(&self) -> bool {
        self.flags & 1 == 1
    }
}

fn is_hex_id(s: &str, len: usize) -> bool {
    s.len() == len
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && s.bytes().any(|b| b != b'0')
}

impl FromStr for TraceContext {
    type Err = InvalidTraceparent;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut parts = s.trim().split('-');
        let (Some(version), Some(trace_id), Some(span_id), Some(flags), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(InvalidTraceparent);
        };
        if version != "00" || !is_hex_id(trace_id, 32) || !is_hex_id(span_id, 16) {
            return Err(InvalidTraceparent);
        }
        if flags.len() != 2 {
            return Err(InvalidTraceparent);
        }
        let flags = u8::from_str_radix(flags, 16).map_err(|_| InvalidTraceparent)?;
        Ok(Self {
            trace_id: trace_id.to_owned(),
            span_id: span_id.to_owned(),
            flags,
        })
    }
}

/// Renders the W3C header value, ready to propagate.
impl fmt::Display for TraceContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "00-{}-{}-{:02x}",
            self.trace_id, self.span_id, self.flags
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_renders() {
        let raw = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let t: TraceContext = raw.parse().unwrap();
        assert_eq!(t.trace_id(), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(t.span_id(), "00f067aa0ba902b7");
        assert!(t.sampled());
        assert_eq!(t.to_string(), raw);
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "garbage",
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-zz",
        ] {
            assert_eq!(
                bad.parse::<TraceContext>(),
                Err(InvalidTraceparent),
                "{bad}"
            );
        }
    }
}
