//! One error type for every wrapper, classified once as transient or permanent.
//!
//! Function crates map [`Disposition::Retry`] to a 5xx (the event is redelivered) and
//! [`Disposition::Drop`] to record + 2xx. Messages never carry object contents or row data:
//! server messages are truncated, and BigQuery job errors keep only reasons known to be safe.

use google_cloud_gax::error::Error as ClientError;
use google_cloud_gax::error::rpc::Code;

/// Which service an error came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    /// Cloud Storage.
    Storage,
    /// Pub/Sub.
    PubSub,
    /// BigQuery.
    BigQuery,
}

/// What the caller should do with the event that led to the error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Disposition {
    /// Transient (5xx, 429, 408, timeouts, I/O, credentials): let the event be redelivered.
    Retry,
    /// Permanent (other 4xx, malformed request, failed job with a data reason): record and
    /// acknowledge; redelivery would fail the same way.
    Drop,
}

/// An error from a Starvit GCP wrapper.
#[derive(Debug, thiserror::Error)]
pub enum GcpError {
    /// A call to the service failed.
    #[error("{service:?} {operation} failed ({}, status {status:?}): {detail}", disposition_name(*.disposition))]
    Call {
        /// Service called.
        service: Service,
        /// Operation, e.g. `write_object`.
        operation: &'static str,
        /// HTTP status (or the HTTP equivalent of the gRPC code) when the service answered.
        status: Option<u16>,
        /// Retry or drop.
        disposition: Disposition,
        /// Short, truncated description.
        detail: String,
    },
    /// A BigQuery job finished with an `errorResult`.
    #[error("BigQuery job {job_id} failed: reason {reason}, location {location:?}: {message}")]
    JobFailed {
        /// The job id (deterministic, chosen by the caller).
        job_id: String,
        /// `errorResult.reason`, e.g. `invalid`, `notFound`, `backendError`.
        reason: String,
        /// `errorResult.location` (a source URI or a field), when given.
        location: Option<String>,
        /// `errorResult.message` for reasons whose messages do not quote input data,
        /// otherwise a placeholder.
        message: String,
    },
    /// A BigQuery job did not reach `DONE` within the polling budget. Transient: the redelivered
    /// event re-submits the same job id, gets 409 and polls again.
    #[error("BigQuery job {job_id} still {state} after {waited_secs} s")]
    JobTimeout {
        /// The job id.
        job_id: String,
        /// Last observed state.
        state: String,
        /// Seconds spent polling.
        waited_secs: u64,
    },
    /// Every attempt of a job failed for a backend reason (see `bigquery::runner`). Permanent:
    /// a redelivery would only find the same failed attempts.
    #[error("BigQuery job {job_id}: {attempts} attempts failed")]
    AttemptsExhausted {
        /// The base job id.
        job_id: String,
        /// Attempts made.
        attempts: u32,
    },
    /// A client could not be built (bad endpoint, no credentials available).
    #[error("{service:?} client set-up failed: {detail}")]
    Setup {
        /// Service whose client failed.
        service: Service,
        /// Description.
        detail: String,
    },
}

fn disposition_name(d: Disposition) -> &'static str {
    match d {
        Disposition::Retry => "transient",
        Disposition::Drop => "permanent",
    }
}

const MAX_DETAIL: usize = 300;

impl GcpError {
    /// Retry or drop, see [`Disposition`]. A BigQuery write conflict
    /// ([`is_concurrent_update`](Self::is_concurrent_update)) is Retry even when it came as a 400.
    pub fn disposition(&self) -> Disposition {
        if self.service() == Service::BigQuery && self.is_concurrent_update() {
            return Disposition::Retry;
        }
        match self {
            Self::Call { disposition, .. } => *disposition,
            Self::JobFailed { reason, .. } if is_transient_job_reason(reason) => Disposition::Retry,
            Self::JobFailed { .. } | Self::AttemptsExhausted { .. } => Disposition::Drop,
            Self::JobTimeout { .. } | Self::Setup { .. } => Disposition::Retry,
        }
    }

    /// The service the error came from (job errors are BigQuery's).
    pub fn service(&self) -> Service {
        match self {
            Self::Call { service, .. } | Self::Setup { service, .. } => *service,
            Self::JobFailed { .. } | Self::JobTimeout { .. } | Self::AttemptsExhausted { .. } => {
                Service::BigQuery
            }
        }
    }

    /// The stable snake_case code functions log for this error (used by log-based metrics:
    /// never rename one): `<service>_unavailable` (Retry) or `<service>_rejected` (Drop) for
    /// calls, and for BigQuery jobs `bigquery_conflict`, `bigquery_job_backend`,
    /// `bigquery_job_invalid`, `bigquery_job_timeout`, `bigquery_attempts_exhausted`.
    pub fn code(&self) -> &'static str {
        let retry = self.is_transient();
        match (self.service(), self) {
            (Service::BigQuery, _) if self.is_concurrent_update() => "bigquery_conflict",
            (_, Self::JobFailed { .. }) if retry => "bigquery_job_backend",
            (_, Self::JobFailed { .. }) => "bigquery_job_invalid",
            (_, Self::JobTimeout { .. }) => "bigquery_job_timeout",
            (_, Self::AttemptsExhausted { .. }) => "bigquery_attempts_exhausted",
            (Service::BigQuery, _) if retry => "bigquery_unavailable",
            (Service::BigQuery, _) => "bigquery_rejected",
            (Service::Storage, _) if retry => "storage_unavailable",
            (Service::Storage, _) => "storage_rejected",
            (Service::PubSub, _) if retry => "pubsub_unavailable",
            (Service::PubSub, _) => "pubsub_rejected",
        }
    }

    /// True when [`disposition`](Self::disposition) is [`Disposition::Retry`].
    pub fn is_transient(&self) -> bool {
        self.disposition() == Disposition::Retry
    }

    /// The HTTP status the service answered with, if any.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Call { status, .. } => *status,
            _ => None,
        }
    }

    /// Concurrent writes to one BigQuery table or dataset: real BigQuery answers "Could not
    /// serialize access to table ... due to concurrent update"; local-bigquery (DuckLake) answers
    /// "Failed to commit". Both succeed when retried, though they come as 400s: callers treat
    /// them as Retry.
    pub fn is_concurrent_update(&self) -> bool {
        let text = self.to_string();
        text.contains("concurrent update") || text.contains("Failed to commit")
    }

    /// True for 404 / `NOT_FOUND` (e.g. reading a generation that was replaced or deleted).
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// Classifies an error of the official clients.
    pub(crate) fn from_client(
        service: Service,
        operation: &'static str,
        err: &ClientError,
    ) -> Self {
        let status = err
            .http_status_code()
            .or_else(|| err.status().map(|s| http_equivalent(s.code)));
        // A status, when the service (or a proxy) answered, decides. Without one: failures to
        // reach the service, time-outs and credential problems are transient; local
        // serialization / request-binding problems are not.
        let transient = match status {
            Some(s) => s == 408 || s == 429 || s >= 500,
            None => {
                err.is_timeout()
                    || err.is_io()
                    || err.is_connect()
                    || err.is_transport()
                    || err.is_exhausted()
                    || err.is_authentication()
            }
        };
        let disposition = if transient {
            Disposition::Retry
        } else {
            Disposition::Drop
        };
        let detail = match err.status() {
            Some(s) if !s.message.is_empty() => truncate(&s.message),
            _ => truncate(&err.to_string()),
        };
        Self::Call {
            service,
            operation,
            status,
            disposition,
            detail,
        }
    }
}

/// HTTP equivalent of a gRPC code (as documented in google/rpc/code.proto).
fn http_equivalent(code: Code) -> u16 {
    match code {
        Code::Ok => 200,
        Code::Cancelled => 499,
        Code::InvalidArgument | Code::FailedPrecondition | Code::OutOfRange => 400,
        Code::DeadlineExceeded => 504,
        Code::NotFound => 404,
        Code::AlreadyExists | Code::Aborted => 409,
        Code::PermissionDenied => 403,
        Code::Unauthenticated => 401,
        Code::ResourceExhausted => 429,
        Code::Unimplemented => 501,
        Code::Unavailable => 503,
        _ => 500,
    }
}

pub(crate) fn truncate(s: &str) -> String {
    if s.len() <= MAX_DETAIL {
        return s.to_owned();
    }
    let mut end = MAX_DETAIL;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// BigQuery `errorResult.reason` values worth a retry (with a new job id, see
/// [`crate::bigquery`]).
pub(crate) fn is_transient_job_reason(reason: &str) -> bool {
    matches!(
        reason,
        "backendError"
            | "internalError"
            | "jobBackendError"
            | "jobInternalError"
            | "rateLimitExceeded"
            | "tableUnavailable"
            | "quotaExceeded"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_statuses_are_classified() {
        for (code, want) in [
            (503, Disposition::Retry),
            (429, Disposition::Retry),
            (408, Disposition::Retry),
            (412, Disposition::Drop),
            (404, Disposition::Drop),
            (400, Disposition::Drop),
        ] {
            let err = ClientError::http(code, http::HeaderMap::new(), bytes::Bytes::new());
            let ours = GcpError::from_client(Service::Storage, "op", &err);
            assert_eq!(ours.disposition(), want, "status {code}");
            assert_eq!(ours.status(), Some(code));
        }
    }

    #[test]
    fn job_reasons_are_classified() {
        let failed = |reason: &str| GcpError::JobFailed {
            job_id: "j".into(),
            reason: reason.into(),
            location: None,
            message: String::new(),
        };
        assert!(failed("backendError").is_transient());
        assert!(!failed("invalid").is_transient());
    }

    #[test]
    fn truncates_on_char_boundary() {
        let long = "é".repeat(400);
        assert!(truncate(&long).len() <= MAX_DETAIL + '…'.len_utf8());
    }
}
