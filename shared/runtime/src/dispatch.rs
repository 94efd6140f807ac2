//! The one place where a request becomes an HTTP status and a log line.
//!
//! Pipeline per request: read the body (bounded) -> decode the function's [`Input`] (a
//! CloudEvent into `Event<T>`, or a webhook) -> open its span -> run the handler under
//! `catch_unwind` -> map the result to a status.
//! The body, serde's messages and panic payloads are never logged (they can quote input).

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use futures::FutureExt as _;
use http::StatusCode;
use http_body_util::{BodyExt as _, LengthLimitError, Limited};
use tracing::{Instrument as _, error, info, warn};

use crate::input::{Input, Malformed};
use crate::{Classify, Disposition, Function, Outcome};

/// Stable code logged (and answered 2xx) when a request is not a usable CloudEvent.
pub const MALFORMED_EVENT: &str = "malformed_event";
/// Stable code logged (and answered 2xx) when the body exceeds the configured limit.
pub const BODY_TOO_LARGE: &str = "body_too_large";
/// Stable code logged (and answered 500) when the handler panicked.
pub const HANDLER_PANIC: &str = "handler_panic";
/// Stable code logged (and answered 500) when the body could not be read (client went away).
pub const BODY_READ_FAILED: &str = "body_read_failed";

/// HTTP status for [`Disposition::Retry`] errors.
pub const RETRY_STATUS: StatusCode = StatusCode::SERVICE_UNAVAILABLE;
/// HTTP status for [`Outcome::Done`].
pub const DONE_STATUS: StatusCode = StatusCode::OK;
/// HTTP status for [`Outcome::Skipped`] of an event (a webhook's [`Input::SKIPPED`] may differ).
pub const SKIPPED_STATUS: StatusCode = StatusCode::NO_CONTENT;
/// HTTP status for acknowledged failures (Drop, malformed, too large): a 2xx, so no redelivery.
pub const ACK_STATUS: StatusCode = StatusCode::OK;

/// Answer with a status and, for failures, the static code as a plain-text body.
fn reply(status: StatusCode, code: Option<&'static str>) -> Response {
    match code {
        Some(code) => (status, code).into_response(),
        None => status.into_response(),
    }
}

/// HTTP status for [`Disposition::Refuse`] (a webhook's unauthenticated request).
pub const REFUSE_STATUS: StatusCode = StatusCode::UNAUTHORIZED;

/// Handle one POST: read the body (bounded), decode the function's [`Input`], run the handler
/// in the input's span under `catch_unwind`, map the result. See the crate docs for the table.
pub async fn receive<F: Function>(
    function: Arc<F>,
    body_limit: usize,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = match Limited::new(body, body_limit).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => {
            error!(
                code = BODY_TOO_LARGE,
                limit_bytes = body_limit,
                "event dropped"
            );
            return reply(<F::Input as Input>::TOO_LARGE, Some(BODY_TOO_LARGE));
        }
        Err(_) => {
            error!(
                code = BODY_READ_FAILED,
                "event not read, will be redelivered"
            );
            return reply(StatusCode::INTERNAL_SERVER_ERROR, Some(BODY_READ_FAILED));
        }
    };
    let input = match F::Input::decode(&parts.headers, bytes) {
        Ok(input) => input,
        Err(Malformed(reason)) => {
            error!(code = MALFORMED_EVENT, reason, "event dropped");
            return reply(ACK_STATUS, Some(MALFORMED_EVENT));
        }
    };
    let span = input.span();
    let started = Instant::now();
    let result = AssertUnwindSafe(function.handle(input))
        .catch_unwind()
        .instrument(span.clone())
        .await;
    let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    span.in_scope(|| match result {
        Ok(Ok(outcome)) => respond_outcome(&outcome, <F::Input as Input>::SKIPPED, elapsed_ms),
        Ok(Err(e)) => respond_error(&e, elapsed_ms),
        Err(_panic_payload_never_logged) => {
            error!(
                code = HANDLER_PANIC,
                elapsed_ms, "handler panicked, will be redelivered"
            );
            reply(StatusCode::INTERNAL_SERVER_ERROR, Some(HANDLER_PANIC))
        }
    })
}

fn respond_outcome(outcome: &Outcome, skipped: StatusCode, elapsed_ms: u64) -> Response {
    match outcome {
        Outcome::Done { detail } => {
            info!(counts = %detail, elapsed_ms, "event done");
            reply(DONE_STATUS, None)
        }
        Outcome::Skipped { reason } => {
            info!(reason, elapsed_ms, "event skipped");
            reply(skipped, None)
        }
    }
}

/// Errors are logged once, here, with their stable code and their PHI-free `Display`
/// (see [`Classify`]).
fn respond_error<E: std::error::Error + Classify>(e: &E, elapsed_ms: u64) -> Response {
    let code = e.code();
    match e.disposition() {
        Disposition::Drop => {
            error!(code, error = %e, elapsed_ms, "event dropped");
            reply(ACK_STATUS, Some(code))
        }
        Disposition::Retry => {
            error!(code, error = %e, elapsed_ms, "event failed, will be redelivered");
            reply(RETRY_STATUS, Some(code))
        }
        Disposition::Refuse => {
            warn!(code, elapsed_ms, "request refused");
            reply(REFUSE_STATUS, Some(code))
        }
    }
}
