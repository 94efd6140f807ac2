//! The pseudonymisation key: loaded from a file or an environment value locally, from
//! Secret Manager in production. Its `Debug` is redacted and it is never logged.

use std::path::Path;

use crate::error::DeidError;

/// Minimum key length in bytes (HMAC-SHA256 keys shorter than this are refused).
pub const MIN_KEY_BYTES: usize = 16;

/// A secret HMAC key. `Debug` prints `Key(<redacted>)`.
#[derive(Clone)]
pub struct Key(Vec<u8>);

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(<redacted>)")
    }
}

impl Key {
    /// Builds a key from raw bytes.
    ///
    /// # Errors
    /// [`DeidError::Key`] when shorter than [`MIN_KEY_BYTES`].
    pub fn from_bytes(bytes: impl Into<Vec<u8>>) -> Result<Self, DeidError> {
        let bytes = bytes.into();
        if bytes.len() < MIN_KEY_BYTES {
            return Err(DeidError::Key("shorter than 16 bytes"));
        }
        Ok(Self(bytes))
    }

    /// Reads a key file; surrounding whitespace (a trailing newline) is trimmed.
    ///
    /// # Errors
    /// [`DeidError::Key`] when unreadable or too short.
    pub fn from_file(path: &Path) -> Result<Self, DeidError> {
        let raw = std::fs::read(path).map_err(|_| DeidError::Key("key file unreadable"))?;
        Self::from_bytes(raw.trim_ascii().to_vec())
    }

    /// The key material (crate-internal: only the pseudonymiser sees it).
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.0
    }
}
