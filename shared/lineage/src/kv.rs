//! Lossless key/value encodings: GCS object custom metadata and Pub/Sub message attributes.
//!
//! - GCS metadata keys are `starvit-<field-with-dashes>` (they travel as `x-goog-meta-*` headers
//!   and arrive in the next CloudEvent's `data.metadata`).
//! - Pub/Sub attribute keys are `starvit_<field>` (valid identifiers in subscription filters).
//!
//! Keys without the prefix are other people's and are ignored on decode; unknown prefixed keys
//! are ignored too (forward compatibility). Values are the fields' canonical strings, all within
//! both services' limits (GCS 8 KiB total metadata, Pub/Sub 1024-byte values).

use std::collections::BTreeMap;

use crate::{Lineage, LineageError};

/// Prefix of lineage keys in GCS object custom metadata.
pub const METADATA_PREFIX: &str = "starvit-";
/// Prefix of lineage keys in Pub/Sub message attributes.
pub const ATTRIBUTE_PREFIX: &str = "starvit_";

fn metadata_key(field: &str) -> String {
    format!("{METADATA_PREFIX}{}", field.replace('_', "-"))
}

impl Lineage {
    /// Encode as GCS object custom metadata (`starvit-export-job-id`, ...).
    pub fn to_object_metadata(&self) -> BTreeMap<String, String> {
        self.fields()
            .into_iter()
            .map(|(f, v)| (metadata_key(f), v))
            .collect()
    }

    /// Decode from GCS object custom metadata, e.g. a storage event's `data.metadata`.
    ///
    /// # Errors
    /// [`LineageError`] naming the first invalid field, or `stage` when it is missing.
    pub fn from_object_metadata(metadata: &BTreeMap<String, String>) -> Result<Self, LineageError> {
        let fields = metadata.iter().filter_map(|(k, v)| {
            let name = k.strip_prefix(METADATA_PREFIX)?;
            let field = crate::FIELDS.iter().find(|f| f.replace('_', "-") == name)?;
            Some((*field, v.as_str()))
        });
        Lineage::from_fields(fields)
    }

    /// Encode as Pub/Sub message attributes (`starvit_export_job_id`, ...).
    pub fn to_pubsub_attributes(&self) -> BTreeMap<String, String> {
        self.fields()
            .into_iter()
            .map(|(f, v)| (format!("{ATTRIBUTE_PREFIX}{f}"), v))
            .collect()
    }

    /// Decode from Pub/Sub message attributes.
    ///
    /// # Errors
    /// [`LineageError`] naming the first invalid field, or `stage` when it is missing.
    pub fn from_pubsub_attributes(
        attributes: &BTreeMap<String, String>,
    ) -> Result<Self, LineageError> {
        let fields = attributes
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix(ATTRIBUTE_PREFIX)?, v.as_str())));
        Lineage::from_fields(fields)
    }
}
