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

    /// Decodes a hex key (surrounding whitespace trimmed): the one text form of a key.
    ///
    /// # Errors
    /// [`DeidError::Key`] when not hex or shorter than [`MIN_KEY_BYTES`].
    pub fn from_hex(hex: &str) -> Result<Self, DeidError> {
        let bytes =
            hex::decode(hex.trim()).map_err(|_| DeidError::Key("expected hexadecimal digits"))?;
        Self::from_bytes(bytes)
    }

    /// Reads a key file holding the key in hex (a trailing newline is fine).
    ///
    /// # Errors
    /// [`DeidError::Key`] when unreadable, not hex or too short.
    pub fn from_file(path: &Path) -> Result<Self, DeidError> {
        let raw =
            std::fs::read_to_string(path).map_err(|_| DeidError::Key("key file unreadable"))?;
        Self::from_hex(&raw)
    }

    /// The key material (crate-internal: only the pseudonymiser sees it).
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.0
    }
}
