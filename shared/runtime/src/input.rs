//! [`Input`]: what a request becomes before the handler sees it. One dispatch
//! ([`crate::dispatch`]) serves every kind of input; an input says only how it is decoded, what
//! its span records, and the two statuses that differ between an event and a webhook.
//!
//! - [`Event<T>`]: a CloudEvent (Eventarc, Pub/Sub push). Every answer is a 2xx or a 5xx: a 4xx
//!   would be redelivered for a day.
//! - A webhook (the relay's signed notification) implements it in its crate: a body over the
//!   limit is 413 and a refused signature 401 (its sender does not redeliver a 4xx), a skip is
//!   200.

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use serde::de::DeserializeOwned;
use tracing::{Span, field, info_span};

use crate::TraceContext;
use crate::event::{self, Event};

/// The request is not a usable input: answered [`crate::dispatch::ACK_STATUS`] and logged as
/// `malformed_event` with this static reason (never the body or a parser message).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Malformed(pub &'static str);

/// A kind of request a [`crate::Function`] handles.
pub trait Input: Sized + Send + 'static {
    /// Status when the body exceeds the limit (logged `body_too_large`).
    const TOO_LARGE: StatusCode;
    /// Status of [`crate::Outcome::Skipped`].
    const SKIPPED: StatusCode;

    /// Decode the request.
    ///
    /// # Errors
    /// [`Malformed`] with a static reason.
    fn decode(headers: &HeaderMap, body: Bytes) -> Result<Self, Malformed>;

    /// The one span of this request: ids of the operation and the trace, never data.
    fn span(&self) -> Span;
}

impl<T: DeserializeOwned + Send + 'static> Input for Event<T> {
    const TOO_LARGE: StatusCode = StatusCode::OK;
    const SKIPPED: StatusCode = StatusCode::NO_CONTENT;

    fn decode(headers: &HeaderMap, body: Bytes) -> Result<Self, Malformed> {
        event::decode(headers, body.into()).map_err(|e| Malformed(e.reason()))
    }

    /// CloudEvent id/type/source and the trace ids. Not the subject (it may be a
    /// percent-encoded object name; handlers log the name they take from `data` when needed).
    fn span(&self) -> Span {
        let span = info_span!(
            "event",
            ce_id = %self.id,
            ce_type = %self.ty,
            ce_source = %self.source,
            trace_id = field::Empty,
            span_id = field::Empty,
            trace_sampled = field::Empty,
        );
        record_trace(&span, self.traceparent.as_ref());
        span
    }
}

/// The span of a request that is not a CloudEvent (a webhook): its size and trace ids.
pub fn request_span(body_bytes: usize, trace: Option<&TraceContext>) -> Span {
    let span = info_span!(
        "request",
        body_bytes,
        trace_id = field::Empty,
        span_id = field::Empty,
        trace_sampled = field::Empty,
    );
    record_trace(&span, trace);
    span
}

/// The HTTP `traceparent` header, when it parses.
pub fn traceparent(headers: &HeaderMap) -> Option<TraceContext> {
    headers
        .get("traceparent")
        .and_then(|v| v.to_str().ok())
        .and_then(|s| s.parse().ok())
}

fn record_trace(span: &Span, trace: Option<&TraceContext>) {
    if let Some(trace) = trace {
        span.record("trace_id", trace.trace_id());
        span.record("span_id", trace.span_id());
        span.record("trace_sampled", trace.sampled());
    }
}
