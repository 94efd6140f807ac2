//! The Bulk Data export manifest (`manifest.json`).

use serde::{Deserialize, Serialize};

/// One output file of the export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestOutput {
    /// Resource type held by the file.
    #[serde(rename = "type")]
    pub resource_type: String,
    /// Location of the file: its file name relative to the manifest.
    pub url: String,
    /// Number of resources (lines) in the file.
    pub count: u64,
}

/// A FHIR Bulk Data manifest as written by a complete `$export`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    /// Instant the export reflects (derived from the seed, never the wall clock).
    pub transaction_time: String,
    /// The kickoff request URL.
    pub request: String,
    /// Always `false`: files are local.
    pub requires_access_token: bool,
    /// One entry per non-empty resource type, sorted by type.
    pub output: Vec<ManifestOutput>,
    /// Always empty.
    pub error: Vec<ManifestOutput>,
}

impl Manifest {
    /// Reads a `manifest.json` file.
    ///
    /// # Errors
    /// I/O errors and JSON that does not match the schema.
    pub fn read(path: &std::path::Path) -> std::io::Result<Self> {
        let bytes = std::fs::read(path)?;
        serde_json::from_slice(&bytes).map_err(std::io::Error::other)
    }
}
