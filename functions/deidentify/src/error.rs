//! Everything that can go wrong in `deidentify`, and whether Eventarc should redeliver it.
//!
//! The classification lives here and only here. Messages carry codes, counts, line numbers and
//! names of objects, never content.

use starvit_gcp::GcpError;
use starvit_runtime::{Classify, Disposition};

/// Errors of the handler.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading the source or writing an output failed at the storage service.
    #[error("storage: {0}")]
    Storage(#[from] GcpError),
    /// Local I/O (spool file) or a broken read of the source mid-stream.
    #[error("i/o while de-identifying (line {line})")]
    Io {
        /// Lines read when it happened.
        line: u64,
    },
    /// The leak gate found an input identifier in the output: nothing was published.
    #[error("leak gate tripped at line {line} ({kind})")]
    LeakGate {
        /// 1-based input line.
        line: u64,
        /// Kind of value, never the value.
        kind: String,
    },
    /// The engine could not serialise a resource (a bug or a poison line).
    #[error("cannot serialise output at line {line}")]
    Serialize {
        /// 1-based input line.
        line: u64,
    },
    /// The source object's lineage metadata is malformed.
    #[error("source lineage metadata is malformed: {0}")]
    SourceLineage(#[from] starvit_lineage::LineageError),
    /// The object's export has no `_manifest.json` yet: its files are still landing, and the
    /// leak gate cannot know the export's people before they all have.
    #[error("the export has not landed yet (no manifest)")]
    ExportNotLanded,
    /// The export's `_manifest.json` is too big, does not parse or names another export.
    #[error("the export manifest is malformed")]
    ExportManifest,
    /// The policy version has no valid approval (or it cannot be read): nothing is written,
    /// and the object goes through on a delivery after `starvit approve`.
    #[error(transparent)]
    Approval(#[from] starvit_approval::ApprovalError),
    /// Cloud DLP could not de-identify the free text of a `[text]` policy: unavailable (429,
    /// 5xx, transport, after the client's own retries) or refused for want of permission
    /// (401, 403, 404: a deployment to fix). Nothing is written; redelivery retries.
    #[error("DLP: {0}")]
    Dlp(starvit_dlp::DlpError),
    /// The blocking de-identification task panicked or was cancelled.
    #[error("de-identification task failed")]
    Task,
}

impl Classify for Error {
    fn disposition(&self) -> Disposition {
        match self {
            Self::Storage(e) if e.is_transient() => Disposition::Retry,
            Self::Io { .. }
            | Self::Task
            | Self::ExportNotLanded
            | Self::Approval(_)
            | Self::Dlp(_) => Disposition::Retry,
            Self::Storage(_)
            | Self::ExportManifest
            | Self::LeakGate { .. }
            | Self::Serialize { .. }
            | Self::SourceLineage(_) => Disposition::Drop,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::Storage(e) if e.is_not_found() => "source_generation_gone",
            Self::Storage(e) if e.is_transient() => "storage_unavailable",
            Self::Storage(_) => "storage_rejected",
            Self::Io { .. } => "io_error",
            Self::LeakGate { .. } => "leak_gate",
            Self::Serialize { .. } => "serialize_failed",
            Self::SourceLineage(_) => "bad_source_lineage",
            Self::ExportNotLanded => "export_not_landed",
            Self::ExportManifest => "bad_export_manifest",
            Self::Approval(e) => starvit_approval::store::code(e),
            Self::Dlp(starvit_dlp::DlpError::Unavailable { .. }) => "dlp_unavailable",
            Self::Dlp(_) => "dlp_refused",
            Self::Task => "task_failed",
        }
    }
}

impl Error {
    /// Maps an engine error. I/O is transient (a broken source stream or the local spool).
    pub(crate) fn from_deid(err: &starvit_deid::DeidError, lines: u64) -> Self {
        use starvit_deid::DeidError;
        match err {
            DeidError::Leak { line, kind } => Self::LeakGate {
                line: *line,
                kind: format!("{kind:?}"),
            },
            DeidError::Serialize { line } => Self::Serialize { line: *line },
            _ => Self::Io { line: lines },
        }
    }
}

#[cfg(test)]
mod tests {
    use starvit_gcp::{Disposition as GcpDisposition, Service};

    use super::*;

    fn storage(status: u16, disposition: GcpDisposition) -> Error {
        Error::Storage(GcpError::Call {
            service: Service::Storage,
            operation: "read_object",
            status: Some(status),
            disposition,
            detail: String::new(),
        })
    }

    #[test]
    fn dependency_outages_are_retried_and_poison_is_dropped() {
        let unavailable = storage(503, GcpDisposition::Retry);
        assert_eq!(unavailable.disposition(), Disposition::Retry);
        assert_eq!(unavailable.code(), "storage_unavailable");
        let gone = storage(404, GcpDisposition::Drop);
        assert_eq!(gone.disposition(), Disposition::Drop);
        assert_eq!(gone.code(), "source_generation_gone");
        assert_eq!(Error::Io { line: 3 }.disposition(), Disposition::Retry);
        let leak = Error::LeakGate {
            line: 7,
            kind: "Name".into(),
        };
        assert_eq!(leak.disposition(), Disposition::Drop);
        assert_eq!(leak.code(), "leak_gate");
        assert!(
            !leak.to_string().contains('@'),
            "messages carry kinds and lines only"
        );
        assert_eq!(Error::Task.disposition(), Disposition::Retry);
        assert_eq!(Error::ExportNotLanded.disposition(), Disposition::Retry);
        assert_eq!(Error::ExportNotLanded.code(), "export_not_landed");
        assert_eq!(Error::ExportManifest.disposition(), Disposition::Drop);
        let unapproved = Error::Approval(starvit_approval::ApprovalError::NotApproved(
            "sha256:00".into(),
        ));
        assert_eq!(unapproved.disposition(), Disposition::Retry);
        assert_eq!(unapproved.code(), "policy_not_approved");
    }
}
