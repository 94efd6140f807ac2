//! The BigQuery jobs of one object: their `configuration` bodies and how they are run.
//!
//! Running a job = `jobs.insert` under a deterministic id; 409 means it was submitted before (a
//! redelivery, or a concurrent duplicate delivery), so it is polled instead. A job that ends
//! `DONE` with an error:
//! - data/SQL reasons (`invalid`, `invalidQuery`, `notFound`, ...) are poison: the same input
//!   fails the same way, so the error is Drop (`bigquery_job_invalid`);
//! - backend reasons (`backendError`, `internalError`, `rateLimitExceeded`, ...) are retried
//!   here under the next attempt id (`<id>_r1`, `_r2`, ...), because a failed id cannot be
//!   reused. Ids being deterministic, a redelivery walks the same chain: it finds the failed
//!   attempts (409 + failed), then the running or succeeded one. After [`MAX_ATTEMPTS`] failed
//!   attempts the object is dropped (`bigquery_attempts_exhausted`), since any redelivery would
//!   only find the same failures.

use google_cloud_bigquery_v2::model::{Job, JobConfiguration};
use starvit_gcp::GcpError;
use starvit_gcp::bigquery::BigQueryClient;
use starvit_gcp::bigquery::spec::{
    Field, LoadSpec, QuerySpec, SourceFormat, TableRef, WriteDisposition,
};
use starvit_gcp::labels::Labels;
use starvit_lineage::{JobLabels, Lineage};

use crate::error::Error;
use crate::naming::attempt_id;

/// Attempts per job before giving up on backend failures.
pub const MAX_ATTEMPTS: u32 = 5;

/// The labels of a job: the five governance labels plus the lineage labels.
pub fn labels(governance: &JobLabels, lineage: &Lineage) -> Labels {
    governance
        .with_lineage(lineage)
        .iter()
        .fold(Labels::new(), |l, (k, v)| l.with(k, v))
}

/// A load of one NDJSON object into `destination`, replacing it (`WRITE_TRUNCATE`), with an
/// explicit schema (so `resource` is `JSON`, not autodetected).
pub fn load(
    source_uri: String,
    destination: TableRef,
    schema: Vec<Field>,
    labels: Labels,
) -> JobConfiguration {
    LoadSpec {
        source_uris: vec![source_uri],
        format: SourceFormat::NewlineDelimitedJson,
        destination,
        schema: Some(schema),
        write: WriteDisposition::Truncate,
        labels,
    }
    .to_configuration()
}

/// A standard-SQL query job.
pub fn query(sql: String, labels: Labels) -> JobConfiguration {
    QuerySpec { sql, labels }.to_configuration()
}

/// Make sure the job `base_id` has run successfully (see the module docs).
///
/// # Errors
/// [`Error::BigQuery`] (Retry for API 5xx/429/timeouts and a job still running after the
/// polling budget; Drop for a rejected body or a job failed for a data reason),
/// [`Error::AttemptsExhausted`] (Drop).
pub async fn run(
    bigquery: &BigQueryClient,
    location: Option<&str>,
    base_id: &str,
    configuration: JobConfiguration,
) -> Result<Job, Error> {
    for attempt in 0..MAX_ATTEMPTS {
        let job_id = attempt_id(base_id, attempt);
        let (submitted, job) = bigquery
            .insert_job(&job_id, location, configuration.clone())
            .await
            .map_err(Error::gcp)?;
        match bigquery.wait_done(job).await {
            Ok(job) => {
                tracing::debug!(job_id, ?submitted, "job done");
                return Ok(job);
            }
            Err(err @ GcpError::JobFailed { .. }) if err.is_transient() => {
                tracing::warn!(job_id, attempt, error = %err, "job failed for a backend reason; next attempt");
            }
            Err(err) => return Err(Error::gcp(err)),
        }
    }
    Err(Error::AttemptsExhausted {
        job_id: base_id.to_owned(),
        attempts: MAX_ATTEMPTS,
    })
}
