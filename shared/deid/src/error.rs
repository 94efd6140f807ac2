//! Errors of the de-identification engine. No variant ever carries a resource body,
//! an identifier or any other input value: only kinds, counts, line numbers and paths
//! of policy/key files (which are configuration, not PHI).

use std::path::PathBuf;

/// Everything that can go wrong while loading a policy or key, or running the engine.
#[derive(Debug, thiserror::Error)]
pub enum DeidError {
    /// A policy file could not be read.
    #[error("cannot read policy file {path}: {source}")]
    PolicyIo {
        /// The file that failed.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// A policy file is not valid TOML or does not match the policy schema.
    #[error("invalid policy {name}: {message}")]
    PolicyInvalid {
        /// Policy or file name.
        name: String,
        /// What is wrong (schema-level, no data).
        message: String,
    },
    /// `Policy::builtin` was asked for a name that is not shipped.
    #[error("unknown builtin policy {0:?} (known: shifted, safe-harbor)")]
    UnknownPolicy(String),
    /// The pseudonymisation key is missing, unreadable or too short.
    #[error("invalid de-identification key: {0}")]
    Key(&'static str),
    /// Reading the input or writing the output failed.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    /// Serialising a de-identified resource failed.
    #[error("cannot serialise output resource at line {line}")]
    Serialize {
        /// 1-based input line number.
        line: u64,
    },
    /// The leak gate found an input identifier in the output of a single resource
    /// ([`crate::Engine::deid_resource`]; in a stream the line is quarantined instead).
    #[error("leak gate tripped at line {line}: a {kind} value from the input survived")]
    Leak {
        /// 1-based input line number.
        line: u64,
        /// Kind of identifying value (name, identifier, telecom, ...), never the value.
        kind: crate::gate::kind::ValueKind,
    },
    /// The counts of a stream do not add up (a bug: fail closed rather than lose a line).
    #[error("accounting error: {0}")]
    Accounting(String),
}
