//! The one BigQuery job runner: deterministic job ids, retries under attempt ids.
//!
//! Running a job = `jobs.insert` under a deterministic id; 409 means it was submitted before (a
//! redelivery, or a concurrent duplicate delivery), so it is polled instead. A job that ends
//! `DONE` with an error:
//! - data/SQL reasons (`invalid`, `invalidQuery`, `notFound`, ...) are poison: the same input
//!   fails the same way, so the error is [`GcpError::JobFailed`], permanent;
//! - backend reasons (`backendError`, `internalError`, `rateLimitExceeded`, ...) are retried
//!   here under the next attempt id (`<id>_r1`, `_r2`, ...), because a failed id cannot be
//!   reused. Ids being deterministic, a redelivery walks the same chain: it finds the failed
//!   attempts (409 + failed), then the running or succeeded one. After [`MAX_ATTEMPTS`] failed
//!   attempts the result is [`GcpError::AttemptsExhausted`] (permanent), since any redelivery
//!   would only find the same failures.

use google_cloud_bigquery_v2::model::{Job, JobConfiguration};

use super::BigQueryClient;
use crate::error::GcpError;

/// Attempts per job before giving up on backend failures (`<id>`, `<id>_r1` .. `<id>_r4`).
pub const MAX_ATTEMPTS: u32 = 5;

/// Longest job id this crate builds (BigQuery allows 1024; room is left for `_r<n>`).
const MAX_JOB_ID: usize = 1000;

/// A deterministic job id from parts: joined with `_`, every character outside `[A-Za-z0-9_-]`
/// replaced by `_`, cut to 1000 characters. Build the parts from what the event names (object +
/// generation, message id, graph version), so a redelivery names the same job.
pub fn job_id(parts: &[&str]) -> String {
    parts
        .join("_")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(MAX_JOB_ID)
        .collect()
}

/// The id of attempt `attempt` (0-based) of a job: the base id, then `_r1`, `_r2`, ...
///
/// A BigQuery job id is final once used: a job that failed for a transient reason can only be
/// retried under a new id, and deriving the next id deterministically keeps concurrent
/// deliveries of the same event on the same jobs.
pub fn attempt_id(base: &str, attempt: u32) -> String {
    if attempt == 0 {
        base.to_owned()
    } else {
        format!("{base}_r{attempt}")
    }
}

/// A job that ran successfully: the attempt id it ran under (read query results from it).
#[derive(Clone, Debug)]
pub struct Ran {
    /// The id of the attempt that succeeded (`base` or `base_r<n>`).
    pub job_id: String,
    /// The finished job.
    pub job: Job,
}

impl BigQueryClient {
    /// Make sure the job `base_id` has run successfully (see the module docs).
    ///
    /// # Errors
    /// [`GcpError::Call`] (transient for API 5xx/429/timeouts), [`GcpError::JobTimeout`]
    /// (transient), [`GcpError::JobFailed`] for a data reason (permanent),
    /// [`GcpError::AttemptsExhausted`] (permanent).
    pub async fn run_attempts(
        &self,
        base_id: &str,
        location: Option<&str>,
        configuration: JobConfiguration,
    ) -> Result<Ran, GcpError> {
        for attempt in 0..MAX_ATTEMPTS {
            let job_id = attempt_id(base_id, attempt);
            let (submitted, job) =
                Box::pin(self.insert_job(&job_id, location, configuration.clone())).await?;
            match Box::pin(self.wait_done(job)).await {
                Ok(job) => {
                    tracing::debug!(job_id, ?submitted, "job done");
                    return Ok(Ran { job_id, job });
                }
                Err(err @ GcpError::JobFailed { .. }) if err.is_transient() => {
                    tracing::warn!(job_id, attempt, error = %err, "job failed for a backend reason; next attempt");
                }
                Err(err) => return Err(err),
            }
        }
        Err(GcpError::AttemptsExhausted {
            job_id: base_id.to_owned(),
            attempts: MAX_ATTEMPTS,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_sanitized_and_attempts_numbered() {
        assert_eq!(job_id(&["a", "b.c/d"]), "a_b_c_d");
        assert_eq!(job_id(&["x"; 2000]).len(), MAX_JOB_ID);
        assert_eq!(attempt_id("x_load", 0), "x_load");
        assert_eq!(attempt_id("x_load", 2), "x_load_r2");
    }
}
