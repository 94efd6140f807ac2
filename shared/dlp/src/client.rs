//! [`DlpClient`]: `content:deidentify` over REST, the production path (the local stub speaks
//! the same API).
//!
//! - **Batching**: the texts of a call are packed into as few requests as fit under
//!   [`DlpConfig::max_request_bytes`] (default 500,000 bytes, under DLP's 0.5 MB limit, counted
//!   on the serialized body with its dictionary). A text that cannot fit alone is not sent: its
//!   result is `None` (the caller drops it).
//! - **Quota**: requests are spaced to stay under [`DlpConfig::requests_per_minute`] (DLP's
//!   default quota is 600 a minute per project).
//! - **Errors**: 429, 5xx and transport errors are retried in-process with backoff
//!   ([`DlpConfig::attempts`]), then [`DlpError::Unavailable`], which a function classifies
//!   Retry (redelivery). Any other status, or a response that is not the documented shape, is
//!   [`DlpError::Rejected`]: nothing of that call is used (fail closed).
//! - **Auth**: a bearer token from the Cloud Run metadata server when
//!   [`DlpConfig::metadata_token`] is set; none for the local stub.

use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::Mutex;

use crate::request;

/// Google's endpoint.
pub const DLP_ENDPOINT: &str = "https://dlp.googleapis.com";

/// Client settings.
#[derive(Debug, Clone)]
pub struct DlpConfig {
    /// Base URL (`https://dlp.googleapis.com`, or the stub's).
    pub endpoint: String,
    /// `projects/P/locations/L`.
    pub parent: String,
    /// Largest request body sent.
    pub max_request_bytes: usize,
    /// Requests per minute at most.
    pub requests_per_minute: u32,
    /// Attempts per request on 429/5xx.
    pub attempts: u32,
    /// Take a token from the metadata server (Cloud Run).
    pub metadata_token: bool,
}

impl DlpConfig {
    /// Defaults for `endpoint` and `parent`.
    #[must_use]
    pub fn new(endpoint: impl Into<String>, parent: impl Into<String>) -> Self {
        Self {
            endpoint: endpoint.into(),
            parent: parent.into(),
            max_request_bytes: 500_000,
            requests_per_minute: 600,
            attempts: 4,
            metadata_token: false,
        }
    }
}

/// A DLP call failed. Never carries text.
#[derive(Debug, thiserror::Error)]
pub enum DlpError {
    /// 429, 5xx or transport errors after every attempt: Retry.
    #[error("DLP unavailable (status {status:?}) after {attempts} attempts")]
    Unavailable {
        /// Last HTTP status, if any.
        status: Option<u16>,
        /// Attempts made.
        attempts: u32,
    },
    /// Another status, or an answer that is not the documented shape: fail closed.
    #[error("DLP rejected the request (status {0:?})")]
    Rejected(Option<u16>),
}

/// The client. Build once per process.
#[derive(Debug)]
pub struct DlpClient {
    http: reqwest::Client,
    config: DlpConfig,
    next_slot: Mutex<Instant>,
}

impl DlpClient {
    /// A client for `config`.
    #[must_use]
    pub fn new(config: DlpConfig) -> Self {
        Self {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .unwrap_or_default(),
            config,
            next_slot: Mutex::new(Instant::now()),
        }
    }

    /// De-identifies `texts` with the dictionary `words`; one result per text, `None` for a
    /// text too large for one request.
    ///
    /// # Errors
    /// [`DlpError`]: then no result of the call may be used.
    pub async fn deidentify(
        &self,
        texts: &[&str],
        words: &[String],
    ) -> Result<Vec<Option<String>>, DlpError> {
        let base = request::body(&[], words).to_string().len();
        let budget = self.config.max_request_bytes.saturating_sub(base);
        let mut out: Vec<Option<String>> = vec![None; texts.len()];
        let mut batch: Vec<usize> = Vec::new();
        let mut size = 0;
        for (i, text) in texts.iter().enumerate() {
            let bytes = request::row_bytes(text);
            if bytes > budget {
                continue;
            }
            if size + bytes > budget {
                self.send(texts, &batch, words, &mut out).await?;
                batch.clear();
                size = 0;
            }
            batch.push(i);
            size += bytes;
        }
        if !batch.is_empty() {
            self.send(texts, &batch, words, &mut out).await?;
        }
        Ok(out)
    }

    async fn send(
        &self,
        texts: &[&str],
        batch: &[usize],
        words: &[String],
        out: &mut [Option<String>],
    ) -> Result<(), DlpError> {
        let picked: Vec<&str> = batch.iter().map(|&i| texts[i]).collect();
        let body = request::body(&picked, words);
        let answer = self.post(&body).await?;
        let results = request::texts(&answer, picked.len()).ok_or(DlpError::Rejected(Some(200)))?;
        for (&i, text) in batch.iter().zip(results) {
            out[i] = Some(text);
        }
        Ok(())
    }

    async fn post(&self, body: &Value) -> Result<Value, DlpError> {
        let url = format!(
            "{}/v2/{}/content:deidentify",
            self.config.endpoint, self.config.parent
        );
        let mut status = None;
        for attempt in 0..self.config.attempts {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(200 << attempt.min(6))).await;
            }
            self.pace().await;
            let mut request = self.http.post(&url).json(body);
            if self.config.metadata_token {
                request = request.bearer_auth(metadata_token(&self.http).await?);
            }
            match request.send().await {
                Ok(r) if r.status().is_success() => {
                    return r.json().await.map_err(|_| DlpError::Rejected(Some(200)));
                }
                Ok(r) if r.status().as_u16() == 429 || r.status().is_server_error() => {
                    status = Some(r.status().as_u16());
                    tracing::warn!(status, attempt, "DLP busy; retrying");
                }
                Ok(r) => return Err(DlpError::Rejected(Some(r.status().as_u16()))),
                Err(_) => status = None,
            }
        }
        Err(DlpError::Unavailable {
            status,
            attempts: self.config.attempts,
        })
    }

    /// Waits for the next request slot under the per-minute quota.
    async fn pace(&self) {
        let gap = Duration::from_secs(60) / self.config.requests_per_minute.max(1);
        let mut next = self.next_slot.lock().await;
        let now = Instant::now();
        if *next > now {
            tokio::time::sleep(*next - now).await;
        }
        *next = Instant::now().max(*next) + gap;
    }
}

/// An access token of the service's identity from the metadata server.
async fn metadata_token(http: &reqwest::Client) -> Result<String, DlpError> {
    let url = "http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token";
    let unavailable = DlpError::Unavailable {
        status: None,
        attempts: 1,
    };
    let answer: Value = http
        .get(url)
        .header("Metadata-Flavor", "Google")
        .send()
        .await
        .map_err(|_| DlpError::Unavailable {
            status: None,
            attempts: 1,
        })?
        .json()
        .await
        .map_err(|_| DlpError::Unavailable {
            status: None,
            attempts: 1,
        })?;
    answer["access_token"]
        .as_str()
        .map(str::to_owned)
        .ok_or(unavailable)
}
