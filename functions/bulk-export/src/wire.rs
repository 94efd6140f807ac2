//! The Bulk Data wire types the client reads: the completed export's [`Manifest`] with its
//! [`OutputFile`]s, and one status poll's [`Status`].

use std::time::Duration;

use serde::Deserialize;

/// One file of the manifest.
#[derive(Debug, Clone, Deserialize)]
pub struct OutputFile {
    /// Resource type.
    #[serde(rename = "type")]
    pub ty: String,
    /// Download URL.
    pub url: String,
    /// Resources in the file, when the server says.
    #[serde(default)]
    pub count: Option<u64>,
}

/// The completed export's manifest.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    /// The export's point in time (the next incremental export's `_since`).
    pub transaction_time: String,
    /// Whether downloads need the bearer token.
    #[serde(default)]
    pub requires_access_token: bool,
    /// NDJSON files.
    #[serde(default)]
    pub output: Vec<OutputFile>,
    /// `OperationOutcome` files.
    #[serde(default)]
    pub error: Vec<OutputFile>,
}

/// One status poll.
#[derive(Debug, Clone)]
pub enum Status {
    /// Still running; the server's `Retry-After`, if it sent one.
    Running(Option<Duration>),
    /// Done.
    Complete(Manifest),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_parses_without_counts_and_ignores_request() {
        let m: Manifest = serde_json::from_str(
            r#"{"transactionTime":"2026-11-24T02:19:30.845Z","request":"http://x$export","requiresAccessToken":false,
                "output":[{"type":"Patient","url":"http://x/storage/1?Signature=s"}],"error":[],"deleted":[]}"#,
        )
        .unwrap();
        assert_eq!(m.output[0].ty, "Patient");
        assert_eq!(m.output[0].count, None);
        assert!(!m.requires_access_token);
    }
}
