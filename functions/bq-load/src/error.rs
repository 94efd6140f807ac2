//! The function's errors and their Retry/Drop classification, in one place.
//!
//! | variant | disposition | code |
//! |---|---|---|
//! | `Lineage` | Drop | `lineage_invalid` |
//! | `LineageIncomplete` | Drop | `lineage_incomplete` |
//! | `ObjectName` | Drop | `object_name_unrecognized` |
//! | `NotFhir` | Drop | `not_fhir` |
//! | `LineTooLong` | Drop | `line_too_long` |
//! | `ObjectGone` | Drop | `object_generation_gone` |
//! | `Storage` / `BigQuery` / `PubSub` | as [`GcpError::disposition`] | [`GcpError::code`] |
//! | `Spool` | Retry | `spool_io` |
//! | `RawTableSchema` | Retry (an operator mends the table; the redelivery then lands) | `raw_table_schema` |
//!
//! BigQuery job failures (conflicts, backend or data reasons, time-outs, exhausted attempts)
//! are classified once in `starvit-gcp` ([`starvit_gcp::bigquery::runner`] retries backend
//! failures under attempt ids before giving up).

use starvit_gcp::{GcpError, Service};
use starvit_lineage::LineageError;
use starvit_runtime::{Classify, Disposition};

use crate::extract::Reject;

/// Everything that can go wrong handling one de-ID object. Messages carry static text, field
/// names, line numbers and job ids only.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The object metadata does not hold a valid lineage.
    #[error(transparent)]
    Lineage(#[from] LineageError),
    /// The lineage lacks a field this stage needs.
    #[error("lineage field {0} is required by bq-load")]
    LineageIncomplete(&'static str),
    /// The object name does not name a FHIR resource type.
    #[error("object name does not match <dir>/<Type>.*.ndjson")]
    ObjectName,
    /// A line is not a FHIR resource of the object's type.
    #[error("line {line} is not usable: {reason:?}")]
    NotFhir {
        /// 1-based line number.
        line: u64,
        /// Why.
        reason: Reject,
    },
    /// A line is longer than the limit.
    #[error("line {line} exceeds {limit} bytes")]
    LineTooLong {
        /// 1-based line number.
        line: u64,
        /// The limit in bytes.
        limit: usize,
    },
    /// The event's generation no longer exists.
    #[error("the object generation no longer exists")]
    ObjectGone,
    /// A Cloud Storage call failed.
    #[error("storage: {0}")]
    Storage(#[source] GcpError),
    /// A BigQuery call failed.
    #[error("bigquery: {0}")]
    BigQuery(#[source] GcpError),
    /// A Pub/Sub publish failed.
    #[error("pubsub: {0}")]
    PubSub(#[source] GcpError),
    /// The raw table exists but lacks a REQUIRED column: it was not created by this function
    /// (only NULLABLE columns are added to an existing table).
    #[error("the raw table lacks required columns {0:?}")]
    RawTableSchema(Vec<String>),
    /// Local spool file I/O failed.
    #[error("spool file: {0}")]
    Spool(#[source] std::io::Error),
}

impl Error {
    /// Wrap a client error by the service it came from.
    pub fn gcp(err: GcpError) -> Self {
        match err.service() {
            Service::Storage if err.is_not_found() => Error::ObjectGone,
            Service::Storage => Error::Storage(err),
            Service::PubSub => Error::PubSub(err),
            Service::BigQuery => Error::BigQuery(err),
        }
    }
}

fn by(err: &GcpError) -> Disposition {
    match err.disposition() {
        starvit_gcp::Disposition::Retry => Disposition::Retry,
        starvit_gcp::Disposition::Drop => Disposition::Drop,
    }
}

impl Classify for Error {
    fn disposition(&self) -> Disposition {
        match self {
            Error::Storage(e) | Error::BigQuery(e) | Error::PubSub(e) => by(e),
            Error::Spool(_) | Error::RawTableSchema(_) => Disposition::Retry,
            Error::Lineage(_)
            | Error::LineageIncomplete(_)
            | Error::ObjectName
            | Error::NotFhir { .. }
            | Error::LineTooLong { .. }
            | Error::ObjectGone => Disposition::Drop,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Error::Lineage(_) => "lineage_invalid",
            Error::LineageIncomplete(_) => "lineage_incomplete",
            Error::ObjectName => "object_name_unrecognized",
            Error::NotFhir { .. } => "not_fhir",
            Error::LineTooLong { .. } => "line_too_long",
            Error::ObjectGone => "object_generation_gone",
            Error::Storage(e) | Error::BigQuery(e) | Error::PubSub(e) => e.code(),
            Error::Spool(_) => "spool_io",
            Error::RawTableSchema(_) => "raw_table_schema",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(service: Service, status: u16, d: starvit_gcp::Disposition) -> GcpError {
        GcpError::Call {
            service,
            operation: "op",
            status: Some(status),
            disposition: d,
            detail: String::new(),
        }
    }

    #[test]
    fn classification() {
        use starvit_gcp::Disposition as G;
        let cases = [
            (
                Error::gcp(call(Service::Storage, 503, G::Retry)),
                Disposition::Retry,
                "storage_unavailable",
            ),
            (
                Error::gcp(call(Service::Storage, 404, G::Drop)),
                Disposition::Drop,
                "object_generation_gone",
            ),
            (
                Error::gcp(call(Service::BigQuery, 429, G::Retry)),
                Disposition::Retry,
                "bigquery_unavailable",
            ),
            (
                Error::gcp(call(Service::BigQuery, 400, G::Drop)),
                Disposition::Drop,
                "bigquery_rejected",
            ),
            (
                Error::gcp(call(Service::PubSub, 503, G::Retry)),
                Disposition::Retry,
                "pubsub_unavailable",
            ),
            (
                Error::gcp(GcpError::JobFailed {
                    job_id: "j".into(),
                    reason: "invalid".into(),
                    location: None,
                    message: String::new(),
                }),
                Disposition::Drop,
                "bigquery_job_invalid",
            ),
            (
                Error::gcp(GcpError::JobTimeout {
                    job_id: "j".into(),
                    state: "RUNNING".into(),
                    waited_secs: 1,
                }),
                Disposition::Retry,
                "bigquery_job_timeout",
            ),
            (
                Error::NotFhir {
                    line: 3,
                    reason: Reject::NotFhir,
                },
                Disposition::Drop,
                "not_fhir",
            ),
            (
                Error::Spool(std::io::Error::other("disk")),
                Disposition::Retry,
                "spool_io",
            ),
            (
                Error::RawTableSchema(vec!["id".into()]),
                Disposition::Retry,
                "raw_table_schema",
            ),
        ];
        for (err, disposition, code) in cases {
            assert_eq!(err.disposition(), disposition, "{err}");
            assert_eq!(err.code(), code, "{err}");
        }
    }
}
