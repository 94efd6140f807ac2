//! The TigerGraph REST client: token, run a loading job, line statistics.
//!
//! Request shapes (checked against the stub, `starvit-tigergraph-stub`, which fails on anything
//! else). 4.x, as in TigerGraph's own client pyTigerGraph (`runLoadingJob`, which cites
//! "gsql-endpoints: Run a loading job") and the 4.1 status endpoint:
//! - `POST /gsql/v1/tokens` `{"secret": s}` -> `{"token": t, ...}`
//! - `POST /gsql/v1/loading-jobs/run?graph=G` with `Authorization: Bearer t`, body
//!   `[{"name": job, "dataSources": [{"filename": f, "name": <data source>, "path": uri}]}]`
//!   -> `{"jobIds": [id]}` (the job runs asynchronously)
//! - `GET /gsql/v1/loading-jobs/status/{id}?graph=G` -> `{"results": [{"overall": {"status",
//!   "statistics": {"fileLevel": {"validLine", "rejectLine"}, ...}}}]}`, polled until
//!   `FINISHED` (`FAILED`/`ABORTED` is a failed job).
//!
//! 3.x fallback: `POST /restpp/requesttoken` `{"secret": s}` -> `{"results": {"token": t}}`, and
//! `POST /restpp/ddl/{G}?tag={job}&filename={f}` with a body of JSON lines (one request per body,
//! synchronous) -> `{"results": [{"statistics": {"validLine", "rejectLine", ...}}]}`.
//!
//! Errors: a 5xx, 429, 408, timeout or connection failure is [`TgError::Unavailable`] (Retry);
//! other 4xx and unparseable answers are [`TgError::Rejected`] (Drop). A 401 also forgets the
//! token so the redelivery asks for a new one. Response bodies are never logged or kept.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// Which REST API to speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiVersion {
    /// TigerGraph 4.x: `/gsql/v1/...`, data sources by URI.
    V4,
    /// TigerGraph 3.x: `/restpp/ddl/...`, file bodies pushed.
    V3,
}

/// Connection settings.
#[derive(Clone)]
pub struct TigerGraphConfig {
    /// Base URL, e.g. `https://tg.example:14240` or the stub's URL.
    pub base_url: String,
    /// Graph name.
    pub graph: String,
    /// Secret that buys a token (redacted in `Debug`).
    pub secret: String,
    /// API version.
    pub version: ApiVersion,
    /// The 4.x data source name the loading jobs read `gs://` from.
    pub data_source: String,
    /// Per-request timeout.
    pub request_timeout: Duration,
    /// Budget for a 4.x job to finish.
    pub job_timeout: Duration,
}

impl std::fmt::Debug for TigerGraphConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TigerGraphConfig")
            .field("base_url", &self.base_url)
            .field("graph", &self.graph)
            .field("secret", &"<redacted>")
            .field("version", &self.version)
            .field("data_source", &self.data_source)
            .finish_non_exhaustive()
    }
}

/// A TigerGraph call failed.
#[derive(Debug, thiserror::Error)]
pub enum TgError {
    /// Transient: 5xx, 429, 408, timeout, connection (Retry).
    #[error("tigergraph {operation} unavailable (status {status:?})")]
    Unavailable {
        /// Operation.
        operation: &'static str,
        /// HTTP status when there was one.
        status: Option<u16>,
    },
    /// Permanent: other 4xx, malformed answer, failed job (Drop).
    #[error("tigergraph {operation} rejected (status {status:?}): {reason}")]
    Rejected {
        /// Operation.
        operation: &'static str,
        /// HTTP status when there was one.
        status: Option<u16>,
        /// Static reason.
        reason: &'static str,
    },
}

impl TgError {
    /// Whether redelivery may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, TgError::Unavailable { .. })
    }
}

/// Outcome of one loading-job run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobRun {
    /// TigerGraph's job id (3.x: `<job>@<n>`, synthesized; the 3.x API has none).
    pub job_id: String,
    /// Accepted lines.
    pub valid_lines: u64,
    /// Rejected lines.
    pub rejected_lines: u64,
}

/// The client. Build once per process.
#[derive(Debug)]
pub struct TigerGraphClient {
    config: TigerGraphConfig,
    http: reqwest::Client,
    token: tokio::sync::Mutex<Option<String>>,
}

fn classify(operation: &'static str, status: reqwest::StatusCode) -> TgError {
    let code = status.as_u16();
    if status.is_server_error() || code == 429 || code == 408 {
        TgError::Unavailable {
            operation,
            status: Some(code),
        }
    } else {
        TgError::Rejected {
            operation,
            status: Some(code),
            reason: "request refused",
        }
    }
}

fn malformed(operation: &'static str) -> TgError {
    TgError::Rejected {
        operation,
        status: None,
        reason: "unexpected response shape",
    }
}

fn u(v: &Value) -> u64 {
    v.as_u64().unwrap_or(0)
}

impl TigerGraphClient {
    /// A client for `config`.
    ///
    /// # Errors
    /// When the HTTP client cannot be built.
    pub fn new(config: TigerGraphConfig) -> Result<Self, TgError> {
        let http = reqwest::Client::builder()
            .timeout(config.request_timeout)
            .build()
            .map_err(|_| TgError::Rejected {
                operation: "client",
                status: None,
                reason: "http client cannot be built",
            })?;
        Ok(Self {
            config,
            http,
            token: tokio::sync::Mutex::new(None),
        })
    }

    /// The settings.
    pub fn config(&self) -> &TigerGraphConfig {
        &self.config
    }

    async fn send(
        &self,
        operation: &'static str,
        request: reqwest::RequestBuilder,
    ) -> Result<Value, TgError> {
        let response = request.send().await.map_err(|e| {
            if e.is_builder() {
                // Not transient: a URL this client cannot speak (e.g. https without TLS).
                TgError::Rejected {
                    operation,
                    status: None,
                    reason: "request cannot be built for this URL",
                }
            } else {
                TgError::Unavailable {
                    operation,
                    status: None,
                }
            }
        })?;
        let status = response.status();
        if status == reqwest::StatusCode::UNAUTHORIZED {
            *self.token.lock().await = None;
        }
        if !status.is_success() {
            return Err(classify(operation, status));
        }
        let body: Value = response.json().await.map_err(|_| malformed(operation))?;
        if body["error"].as_bool() == Some(true) {
            return Err(TgError::Rejected {
                operation,
                status: Some(status.as_u16()),
                reason: "error flag set in response",
            });
        }
        Ok(body)
    }

    /// A token (cached until a 401).
    ///
    /// # Errors
    /// [`TgError`].
    pub async fn token(&self) -> Result<String, TgError> {
        if let Some(t) = self.token.lock().await.as_ref() {
            return Ok(t.clone());
        }
        let (path, pointer) = match self.config.version {
            ApiVersion::V4 => ("/gsql/v1/tokens", "/token"),
            ApiVersion::V3 => ("/restpp/requesttoken", "/results/token"),
        };
        let body = self
            .send(
                "token",
                self.http
                    .post(format!("{}{path}", self.config.base_url))
                    .json(&json!({"secret": self.config.secret})),
            )
            .await?;
        let token = body
            .pointer(pointer)
            .and_then(Value::as_str)
            .ok_or_else(|| malformed("token"))?
            .to_owned();
        *self.token.lock().await = Some(token.clone());
        Ok(token)
    }

    /// 4.x: run `job` over the objects under `uri` (a `gs://` prefix), wait for it, return the
    /// line statistics.
    ///
    /// # Errors
    /// [`TgError`]; a job that ends `FAILED`/`ABORTED` is Rejected, one still running after
    /// `job_timeout` is Unavailable.
    pub async fn run_uri(&self, job: &str, file_var: &str, uri: &str) -> Result<JobRun, TgError> {
        let token = self.token().await?;
        let graph =
            url::form_urlencoded::byte_serialize(self.config.graph.as_bytes()).collect::<String>();
        let body = json!([{
            "name": job,
            "dataSources": [{"filename": file_var, "name": self.config.data_source, "path": uri}],
        }]);
        let answer = self
            .send(
                "loading_job_run",
                self.http
                    .post(format!(
                        "{}/gsql/v1/loading-jobs/run?graph={graph}",
                        self.config.base_url
                    ))
                    .bearer_auth(&token)
                    .json(&body),
            )
            .await?;
        let job_id = answer
            .pointer("/jobIds/0")
            .and_then(Value::as_str)
            .ok_or_else(|| malformed("loading_job_run"))?
            .to_owned();
        self.wait_for_job(&token, &graph, job_id).await
    }

    /// 4.x: polls a started loading job until it finishes, fails or runs out of time.
    async fn wait_for_job(
        &self,
        token: &str,
        graph: &str,
        job_id: String,
    ) -> Result<JobRun, TgError> {
        let started = Instant::now();
        let mut delay = Duration::from_millis(200);
        loop {
            let id = url::form_urlencoded::byte_serialize(job_id.as_bytes()).collect::<String>();
            let status = self
                .send(
                    "loading_job_status",
                    self.http
                        .get(format!(
                            "{}/gsql/v1/loading-jobs/status/{id}?graph={graph}",
                            self.config.base_url
                        ))
                        .bearer_auth(token),
                )
                .await?;
            let overall = status
                .pointer("/results/0/overall")
                .ok_or_else(|| malformed("loading_job_status"))?;
            match overall["status"].as_str() {
                Some("FINISHED") => {
                    let files = &overall["statistics"]["fileLevel"];
                    return Ok(JobRun {
                        job_id,
                        valid_lines: u(&files["validLine"]),
                        rejected_lines: u(&files["rejectLine"]),
                    });
                }
                Some("FAILED" | "ABORTED" | "ABORT") => {
                    return Err(TgError::Rejected {
                        operation: "loading_job_status",
                        status: None,
                        reason: "loading job failed",
                    });
                }
                _ if started.elapsed() > self.config.job_timeout => {
                    return Err(TgError::Unavailable {
                        operation: "loading_job_status",
                        status: None,
                    });
                }
                _ => {
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(5));
                }
            }
        }
    }

    /// 3.x: push one body (JSON lines for the `JSON_FILE` jobs) to `job`'s file variable
    /// (synchronous), return its statistics.
    ///
    /// # Errors
    /// [`TgError`].
    pub async fn run_body(
        &self,
        job: &str,
        file_var: &str,
        body: bytes::Bytes,
    ) -> Result<JobRun, TgError> {
        let token = self.token().await?;
        let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let answer = self
            .send(
                "ddl_post",
                self.http
                    .post(format!(
                        "{}/restpp/ddl/{}?tag={}&filename={}",
                        self.config.base_url,
                        enc(&self.config.graph),
                        enc(job),
                        enc(file_var)
                    ))
                    .bearer_auth(&token)
                    .body(body),
            )
            .await?;
        let stats = answer
            .pointer("/results/0/statistics")
            .ok_or_else(|| malformed("ddl_post"))?;
        Ok(JobRun {
            job_id: format!("{job}@restpp"),
            valid_lines: u(&stats["validLine"]),
            rejected_lines: u(&stats["rejectLine"]),
        })
    }
}
