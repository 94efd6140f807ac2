//! BigQuery jobs with caller-chosen ids: submit once, poll until done.
//!
//! Contracts:
//! - The caller derives the job id from what the event names (e.g. object + generation), so a
//!   redelivered event submits the same id. `jobs.insert` answering 409 means "already
//!   submitted": [`BigQueryClient::insert_job`] returns [`Submitted::AlreadyExists`] with the
//!   existing job (from `jobs.get`), never an error.
//! - [`BigQueryClient::wait_done`] polls `jobs.get` with bounded exponential backoff (our own
//!   loop: the client's job poller cannot resume a job by a fixed id). A job still running when
//!   the budget is spent is [`GcpError::JobTimeout`] (transient: the redelivery polls again).
//! - A job finished with an `errorResult` is [`GcpError::JobFailed`] with its reason and
//!   location; the message is kept only for reasons that do not quote input rows. A failed
//!   job keeps its id forever: retrying a *transient* job failure needs a new id (e.g. append
//!   an attempt number); replaying the same id returns the same failure.
//! - Load and query job bodies are built by [`spec`]; every job carries [`crate::Labels`].
//! - [`runner`] is the one place that runs a job to success: deterministic ids, retries of
//!   backend failures under attempt ids (`_r1`..), [`MAX_ATTEMPTS`] once. [`results`] reads
//!   the rows of a finished query job. [`catalog`] creates datasets and reads a table's columns.

pub mod catalog;
pub mod results;
pub mod runner;
pub mod spec;

pub use results::Page;
pub use runner::{MAX_ATTEMPTS, Ran, attempt_id, job_id};

use futures::FutureExt;
use std::time::{Duration, Instant};

use google_cloud_bigquery_v2::client::{DatasetService, JobService, TableService};
use google_cloud_bigquery_v2::model::{ErrorProto, Job, JobConfiguration, JobReference};

use crate::config::{GcpConfig, credentials_for};
use crate::error::{GcpError, Service};

/// How [`BigQueryClient::wait_done`] polls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PollPolicy {
    /// First delay between `jobs.get` calls.
    pub initial_delay: Duration,
    /// Cap on the delay (the delay doubles until it).
    pub max_delay: Duration,
    /// Total polling budget before [`GcpError::JobTimeout`].
    pub timeout: Duration,
}

impl Default for PollPolicy {
    /// 250 ms doubling to 5 s, for at most 8 minutes (inside Cloud Run's 10 minute budget per
    /// delivery).
    fn default() -> Self {
        Self {
            initial_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(5),
            timeout: Duration::from_secs(480),
        }
    }
}

/// How a job id was submitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Submitted {
    /// `jobs.insert` created the job.
    Created,
    /// The id already existed (409); the job returned is the existing one.
    AlreadyExists,
}

/// BigQuery client for one project. Build once per process; cheap to clone.
#[derive(Clone, Debug)]
pub struct BigQueryClient {
    project_id: String,
    jobs: JobService,
    datasets: DatasetService,
    tables: TableService,
    poll: PollPolicy,
}

macro_rules! configure {
    ($builder:expr, $endpoint:expr) => {{
        let mut builder = $builder;
        if let Some(endpoint) = $endpoint {
            builder = builder.with_endpoint(endpoint.clone());
        }
        if let Some(credentials) = credentials_for($endpoint) {
            builder = builder.with_credentials(credentials);
        }
        builder
    }};
}

fn setup_error(e: &impl std::fmt::Display) -> GcpError {
    GcpError::Setup {
        service: Service::BigQuery,
        detail: e.to_string(),
    }
}

impl BigQueryClient {
    /// Builds the client: production with ADC, or `config.bigquery_endpoint` (REST, e.g.
    /// `http://127.0.0.1:9050`) with anonymous credentials.
    ///
    /// # Errors
    /// [`GcpError::Setup`] when the client cannot be built.
    pub async fn new(config: &GcpConfig) -> Result<Self, GcpError> {
        let endpoint = config.bigquery_endpoint.as_ref();
        let jobs = configure!(JobService::builder(), endpoint)
            .build()
            .boxed()
            .await
            .map_err(|e| setup_error(&e))?;
        let datasets = configure!(DatasetService::builder(), endpoint)
            .build()
            .boxed()
            .await
            .map_err(|e| setup_error(&e))?;
        let tables = configure!(TableService::builder(), endpoint)
            .build()
            .boxed()
            .await
            .map_err(|e| setup_error(&e))?;
        Ok(Self {
            project_id: config.project_id.clone(),
            jobs,
            datasets,
            tables,
            poll: PollPolicy::default(),
        })
    }

    /// Replaces the polling policy.
    #[must_use]
    pub fn with_poll_policy(mut self, poll: PollPolicy) -> Self {
        self.poll = poll;
        self
    }

    /// The project jobs run in.
    pub fn project_id(&self) -> &str {
        &self.project_id
    }

    /// `jobs.insert` with the caller's `job_id`; 409 fetches and returns the existing job.
    ///
    /// # Errors
    /// [`GcpError::Call`] (transient for 5xx/429/I-O, permanent for an invalid job body).
    pub async fn insert_job(
        &self,
        job_id: &str,
        location: Option<&str>,
        configuration: JobConfiguration,
    ) -> Result<(Submitted, Job), GcpError> {
        let mut reference = JobReference::new()
            .set_project_id(self.project_id.clone())
            .set_job_id(job_id);
        if let Some(location) = location {
            reference = reference.set_location(location);
        }
        let job = Job::new()
            .set_job_reference(reference)
            .set_configuration(configuration);
        let request = self
            .jobs
            .insert_job()
            .set_project_id(self.project_id.clone())
            .set_job(job);
        let result = Box::pin(request.send()).await;
        match result {
            Ok(job) => Ok((Submitted::Created, job)),
            Err(e) => {
                let err = GcpError::from_client(Service::BigQuery, "jobs.insert", &e);
                if err.status() == Some(409) {
                    let existing = Box::pin(self.get_job(job_id, location)).await?;
                    Ok((Submitted::AlreadyExists, existing))
                } else {
                    Err(err)
                }
            }
        }
    }

    /// `jobs.get`.
    ///
    /// # Errors
    /// [`GcpError::Call`]; 404 when no job has that id.
    pub async fn get_job(&self, job_id: &str, location: Option<&str>) -> Result<Job, GcpError> {
        let request = self
            .jobs
            .get_job()
            .set_project_id(self.project_id.clone())
            .set_job_id(job_id)
            .set_location(location.unwrap_or_default());
        Box::pin(request.send())
            .await
            .map_err(|e| GcpError::from_client(Service::BigQuery, "jobs.get", &e))
    }

    /// Polls `jobs.get` until the job is `DONE`, with the client's [`PollPolicy`].
    /// `job` is the last known state (e.g. what `jobs.insert` returned); no call is made if it
    /// is already done.
    ///
    /// # Errors
    /// [`GcpError::JobFailed`] when the job finished with an `errorResult`;
    /// [`GcpError::JobTimeout`] when the budget ran out; [`GcpError::Call`] from `jobs.get`.
    pub async fn wait_done(&self, job: Job) -> Result<Job, GcpError> {
        let (job_id, location) = job_id_and_location(&job);
        let started = Instant::now();
        let mut delay = self.poll.initial_delay;
        let mut job = job;
        loop {
            let state = job
                .status
                .as_ref()
                .map(|s| s.state.as_str())
                .unwrap_or_default();
            if state == "DONE" {
                return check_job_result(&job_id, job);
            }
            if started.elapsed() + delay > self.poll.timeout {
                return Err(GcpError::JobTimeout {
                    job_id,
                    state: state.to_owned(),
                    waited_secs: started.elapsed().as_secs(),
                });
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(self.poll.max_delay);
            job = Box::pin(self.get_job(&job_id, location.as_deref())).await?;
        }
    }

    /// [`insert_job`](Self::insert_job) then [`wait_done`](Self::wait_done): the usual
    /// idempotent "make sure this job has run" call.
    ///
    /// # Errors
    /// As the two calls.
    pub async fn run_job(
        &self,
        job_id: &str,
        location: Option<&str>,
        configuration: JobConfiguration,
    ) -> Result<(Submitted, Job), GcpError> {
        let (submitted, job) = Box::pin(self.insert_job(job_id, location, configuration)).await?;
        let job = Box::pin(self.wait_done(job)).await?;
        Ok((submitted, job))
    }
}

fn job_id_and_location(job: &Job) -> (String, Option<String>) {
    job.job_reference.as_ref().map_or_else(
        || (String::new(), None),
        |r| {
            (
                r.job_id.clone(),
                r.location.clone().filter(|l| !l.is_empty()),
            )
        },
    )
}

/// Reasons whose `message` does not quote input data; other messages are withheld.
const SAFE_MESSAGE_REASONS: &[&str] = &[
    "notFound",
    "duplicate",
    "accessDenied",
    "backendError",
    "internalError",
    "jobBackendError",
    "jobInternalError",
    "rateLimitExceeded",
    "quotaExceeded",
    "resourcesExceeded",
    "responseTooLarge",
    "tableUnavailable",
    "stopped",
    "timeout",
    "billingNotEnabled",
];

fn check_job_result(job_id: &str, job: Job) -> Result<Job, GcpError> {
    let error = job.status.as_ref().and_then(|s| s.error_result.as_ref());
    match error {
        Some(error) => Err(job_failed(job_id, error)),
        None => Ok(job),
    }
}

fn job_failed(job_id: &str, error: &ErrorProto) -> GcpError {
    let message = if SAFE_MESSAGE_REASONS.contains(&error.reason.as_str()) {
        crate::error::truncate(&error.message)
    } else {
        "(message withheld: it may quote input rows)".to_owned()
    };
    GcpError::JobFailed {
        job_id: job_id.to_owned(),
        reason: error.reason.clone(),
        location: Some(error.location.clone()).filter(|l| !l.is_empty()),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use google_cloud_bigquery_v2::model::JobStatus;

    fn done_with(reason: &str, message: &str) -> Job {
        Job::new().set_status(
            JobStatus::new().set_state("DONE").set_error_result(
                ErrorProto::new()
                    .set_reason(reason)
                    .set_message(message)
                    .set_location("gs://b/o"),
            ),
        )
    }

    #[test]
    fn withholds_messages_that_may_quote_rows() {
        let err = check_job_result("j", done_with("invalid", "bad row: {\"name\":\"Alice\"}"))
            .unwrap_err();
        let text = err.to_string();
        assert!(!text.contains("Alice"), "{text}");
        assert!(text.contains("invalid"));
        assert!(!err.is_transient());
    }

    #[test]
    fn keeps_safe_messages() {
        let err =
            check_job_result("j", done_with("notFound", "Not found: Table p:d.t")).unwrap_err();
        assert!(err.to_string().contains("Not found: Table"));
    }
}
