//! The FHIR Bulk Data client (`$export`), written to the spec and to what Medplum does
//! (`../shared/DESIGN.md` section 6):
//! - kick-off `GET {base}/$export?_type=..[&_since=..]` with `Prefer: respond-async` and
//!   `Accept: application/fhir+json` -> 202 + `Content-Location` (the status URL). `_type` and
//!   `_since` go in the query: Medplum ignores them in a POST body.
//! - status: 202 while running (Medplum sends neither `X-Progress` nor `Retry-After`: the caller
//!   backs off itself), 200 + manifest when done, 4xx/5xx with an `OperationOutcome` when failed.
//! - manifest: `transactionTime`, `requiresAccessToken`, `output[{type, url, count?}]`,
//!   `error[...]`. Medplum's `request` field is malformed and is not read. Its file URLs are
//!   presigned (they expire after an hour) and work only on the host of the base URL; a URL on any
//!   other origin is refused (no SSRF, no token sent elsewhere).
//! - files are streamed, never held in memory, from their start or from a byte offset (a `Range`
//!   request, [`crate::download`]: how a redelivery resumes a file).
//!
//! Auth: [`crate::auth`]. A 401 from the FHIR server forgets the token and is Retry (it may have
//! expired). Downloads carry the token only when the manifest says `requiresAccessToken: true`.
//!
//! Errors: connection failures, timeouts, 5xx (other than a failed export), 429 and 408 are
//! [`FhirError::Unavailable`] (Retry); other 4xx are [`FhirError::Rejected`] (Drop). URLs,
//! response bodies and headers are never put into errors or logs: presigned URLs are credentials.

use std::time::Duration;

use tokio::io::AsyncWriteExt as _;
use url::Url;

pub use crate::auth::Auth;
use crate::auth::Tokens;
pub use crate::download::Download;
pub use crate::fhir_error::FhirError;
use crate::fhir_error::{classify, send_error};
pub use crate::wire::{Manifest, OutputFile, Status};

/// The Bulk Data client of one FHIR server.
pub struct FhirClient {
    base: Url,
    tokens: Tokens,
    http: reqwest::Client,
}

impl std::fmt::Debug for FhirClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FhirClient")
            .field("base", &self.base.as_str())
            .finish_non_exhaustive()
    }
}

impl FhirClient {
    /// A client for `base` (e.g. `https://api.medplum.com/fhir/R4`).
    ///
    /// # Errors
    /// When the HTTP client cannot be built.
    pub fn new(base: Url, auth: Auth, timeout: Duration) -> Result<Self, FhirError> {
        let http = reqwest::Client::builder()
            .read_timeout(timeout)
            .connect_timeout(Duration::from_secs(20))
            .build()
            .map_err(|_| FhirError::Rejected {
                operation: "client",
                status: None,
                reason: "http client cannot be built",
            })?;
        Ok(Self {
            base,
            tokens: Tokens::new(auth),
            http,
        })
    }

    /// The current access token ([`Tokens::token`]).
    ///
    /// # Errors
    /// A token endpoint that refuses (Drop) or is unavailable (Retry).
    pub async fn token(&self) -> Result<Option<String>, FhirError> {
        self.tokens.token(&self.http).await
    }

    async fn authorized(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<reqwest::RequestBuilder, FhirError> {
        Ok(match self.token().await? {
            Some(t) => request.bearer_auth(t),
            None => request,
        })
    }

    /// A 401: forget the token (it may have expired) and ask for a redelivery.
    async fn unauthorized(&self, operation: &'static str) -> FhirError {
        self.tokens.forget().await;
        FhirError::Unavailable {
            operation,
            status: Some(401),
        }
    }

    /// Whether `url` is on the FHIR server's origin (scheme, host and port).
    pub fn same_origin(&self, url: &Url) -> bool {
        url.scheme() == self.base.scheme()
            && url.host_str() == self.base.host_str()
            && url.port_or_known_default() == self.base.port_or_known_default()
    }

    /// The kick-off URL for `types` and an optional `_since`.
    pub fn kickoff_url(&self, types: &[String], since: Option<&str>) -> Url {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .map(|mut p| {
                p.pop_if_empty().push("$export");
            })
            .ok();
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("_type", &types.join(","));
            if let Some(since) = since {
                q.append_pair("_since", since);
            }
        }
        url
    }

    /// Kick off an export; returns the status URL.
    ///
    /// # Errors
    /// [`FhirError`]; a 202 without a usable `Content-Location` is Rejected.
    pub async fn kickoff(&self, types: &[String], since: Option<&str>) -> Result<Url, FhirError> {
        const OP: &str = "kickoff";
        let response = self
            .authorized(self.http.get(self.kickoff_url(types, since)))
            .await?
            .header("prefer", "respond-async")
            .header("accept", "application/fhir+json")
            .send()
            .await
            .map_err(|e| send_error(OP, &e))?;
        let status = response.status();
        if status == reqwest::StatusCode::UNAUTHORIZED {
            return Err(self.unauthorized(OP).await);
        }
        if status != reqwest::StatusCode::ACCEPTED {
            return Err(classify(OP, status));
        }
        let location = response
            .headers()
            .get("content-location")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| self.base.join(v).ok())
            .ok_or(FhirError::Rejected {
                operation: OP,
                status: Some(202),
                reason: "no usable Content-Location",
            })?;
        if !self.same_origin(&location) {
            return Err(FhirError::ForeignUrl);
        }
        Ok(location)
    }

    /// Poll the status URL once.
    ///
    /// # Errors
    /// [`FhirError::ExportFailed`] when the server reports failure (a 4xx/500 with an
    /// `OperationOutcome`); [`FhirError::Unavailable`] for 502/503/504/429, timeouts.
    pub async fn status(&self, status_url: &Url) -> Result<Status, FhirError> {
        const OP: &str = "status";
        let response = self
            .authorized(self.http.get(status_url.clone()))
            .await?
            .header("accept", "application/json")
            .send()
            .await
            .map_err(|e| send_error(OP, &e))?;
        let status = response.status();
        match status.as_u16() {
            202 => {
                let retry_after = response
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(Duration::from_secs);
                Ok(Status::Running(retry_after))
            }
            200 => {
                let manifest: Manifest =
                    response.json().await.map_err(|_| FhirError::Rejected {
                        operation: OP,
                        status: Some(200),
                        reason: "manifest does not parse",
                    })?;
                Ok(Status::Complete(manifest))
            }
            401 => Err(self.unauthorized(OP).await),
            429 | 502 | 503 | 504 => Err(classify(OP, status)),
            code => Err(FhirError::ExportFailed { status: code }),
        }
    }

    /// Ask the server to cancel an export (best effort; used when a duplicate kicked off twice).
    pub async fn cancel(&self, status_url: &Url) {
        if let Ok(request) = self.authorized(self.http.delete(status_url.clone())).await {
            let _ = request.send().await;
        }
    }

    /// Open one manifest file for streaming ([`Download::chunk`]) from byte `offset` (0: the
    /// whole file; otherwise a `Range` request, [`crate::download`]).
    ///
    /// # Errors
    /// [`FhirError::ForeignUrl`] for a URL outside the server's origin; others as classified.
    pub async fn open(
        &self,
        file: &OutputFile,
        with_token: bool,
        offset: u64,
    ) -> Result<Download, FhirError> {
        const OP: &str = "download";
        let url = Url::parse(&file.url)
            .or_else(|_| self.base.join(&file.url))
            .map_err(|_| FhirError::Rejected {
                operation: OP,
                status: None,
                reason: "file URL does not parse",
            })?;
        if !self.same_origin(&url) {
            return Err(FhirError::ForeignUrl);
        }
        let mut request = self
            .http
            .get(url)
            .header("accept", "application/fhir+ndjson");
        if offset > 0 {
            request = request.header("range", format!("bytes={offset}-"));
        }
        if with_token {
            request = self.authorized(request).await?;
        }
        let response = request.send().await.map_err(|e| send_error(OP, &e))?;
        if response.status() == reqwest::StatusCode::UNAUTHORIZED {
            return Err(self.unauthorized(OP).await);
        }
        Download::new(response, offset)
    }

    /// Stream one manifest file into `out`; returns the bytes written.
    ///
    /// # Errors
    /// As [`FhirClient::open`]; [`FhirError::Spool`] when writing fails.
    pub async fn download(
        &self,
        file: &OutputFile,
        with_token: bool,
        out: &mut tokio::fs::File,
    ) -> Result<u64, FhirError> {
        let mut download = self.open(file, with_token, 0).await?;
        let mut written = 0_u64;
        while let Some(chunk) = download.chunk().await? {
            out.write_all(&chunk).await.map_err(FhirError::Spool)?;
            written += chunk.len() as u64;
        }
        out.flush().await.map_err(FhirError::Spool)?;
        Ok(written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(base: &str) -> FhirClient {
        FhirClient::new(
            Url::parse(base).unwrap(),
            Auth::None,
            Duration::from_secs(5),
        )
        .unwrap()
    }

    #[test]
    fn kickoff_url_puts_type_and_since_in_the_query() {
        let c = client("https://api.medplum.com/fhir/R4");
        let url = c.kickoff_url(
            &["Patient".into(), "Observation".into()],
            Some("2026-11-24T02:19:27.875Z"),
        );
        assert_eq!(
            url.as_str(),
            "https://api.medplum.com/fhir/R4/$export?_type=Patient%2CObservation&_since=2026-11-24T02%3A19%3A27.875Z"
        );
    }

    #[test]
    fn origin_check() {
        let c = client("http://localhost:8103/fhir/R4");
        assert!(
            c.same_origin(&Url::parse("http://localhost:8103/storage/a/b?Signature=x").unwrap())
        );
        assert!(!c.same_origin(&Url::parse("http://127.0.0.1:8103/storage/a").unwrap()));
        assert!(!c.same_origin(&Url::parse("https://localhost:8103/storage/a").unwrap()));
        assert!(!c.same_origin(&Url::parse("http://localhost:9/storage/a").unwrap()));
    }
}
