//! [`StorageObjectData`]: the `data` of `google.cloud.storage.object.v1.*` events (Eventarc).
//!
//! Schema: `google.events.cloud.storage.v1.StorageObjectData`. Keys are camelCase; unknown keys
//! are ignored so new Google fields never turn an event into `malformed_event`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::int64;

/// The CloudEvent type of a finalized (created or overwritten) object.
pub const FINALIZED: &str = "google.cloud.storage.object.v1.finalized";

/// A Cloud Storage object as described by a storage event.
///
/// Idempotency key: `(bucket, name, generation)`. The object name comes from here, never from
/// `ce-subject`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StorageObjectData {
    /// Bucket name.
    pub bucket: String,
    /// Object name (not percent-encoded).
    pub name: String,
    /// Object generation (int64, string or number on the wire).
    #[serde(deserialize_with = "int64::de_i64", serialize_with = "int64::ser")]
    pub generation: i64,
    /// Metadata generation (int64).
    #[serde(
        default,
        deserialize_with = "int64::de_opt_i64",
        serialize_with = "int64::ser_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub metageneration: Option<i64>,
    /// Content length in bytes (uint64).
    #[serde(
        default,
        deserialize_with = "int64::de_opt_u64",
        serialize_with = "int64::ser_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub size: Option<u64>,
    /// `Content-Type` of the object data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// `Content-Encoding`, e.g. `gzip`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_encoding: Option<String>,
    /// Storage class, e.g. `STANDARD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_class: Option<String>,
    /// Creation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_created: Option<DateTime<Utc>>,
    /// Last metadata update time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated: Option<DateTime<Utc>>,
    /// Base64 MD5 of the data (absent for composite objects).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub md5_hash: Option<String>,
    /// Base64 big-endian CRC32C of the data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crc32c: Option<String>,
    /// HTTP 1.1 entity tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// `bucket/name/generation`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Resource kind, `storage#object`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// JSON API link to the object resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_link: Option<String>,
    /// JSON API link to the object data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_link: Option<String>,
    /// Number of components for composite objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component_count: Option<i32>,
    /// Cloud KMS key used to encrypt the object, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_name: Option<String>,
    /// Customer-supplied encryption key metadata, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_encryption: Option<CustomerEncryption>,
    /// User-provided metadata (`x-goog-meta-*`). Starvit lineage travels here.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, String>,
}

/// Customer-supplied encryption key metadata.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerEncryption {
    /// Encryption algorithm, e.g. `AES256`.
    pub encryption_algorithm: String,
    /// Base64 SHA-256 of the key.
    pub key_sha256: String,
}
