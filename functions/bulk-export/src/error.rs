//! Errors and their Retry/Drop classification.
//!
//! | variant | disposition | code |
//! |---|---|---|
//! | `Trigger` | Drop | `trigger_invalid` |
//! | `Lineage` | Drop | `lineage_invalid` |
//! | `RunRecord` | Drop | `run_record_invalid` |
//! | `InProgress` | Retry | `export_in_progress` (the redelivery resumes following the export) |
//! | `LandBudget` | Retry | `export_landing` (the redelivery resumes after the last landed part) |
//! | `Fhir` unavailable / spool I/O | Retry | `fhir_unavailable` / `spool_io` |
//! | `Fhir` export failed | Drop | `export_failed` (the next trigger starts a new export) |
//! | `Fhir` foreign URL | Drop | `manifest_foreign_url` |
//! | `Fhir` file changed | Drop | `export_file_changed` (the next trigger starts a new export) |
//! | `Fhir` other | Drop | `fhir_rejected` |
//! | `Storage` | by status | `storage_unavailable` / `storage_rejected` |
//! | `Spool` | Retry | `spool_io` |

use starvit_gcp::GcpError;
use starvit_runtime::{Classify, Disposition};

use crate::fhir::FhirError;

/// Everything that can go wrong handling one trigger.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The trigger message's data is not a valid request.
    #[error("trigger: {0}")]
    Trigger(&'static str),
    /// Lineage values.
    #[error(transparent)]
    Lineage(#[from] starvit_lineage::LineageError),
    /// The run record does not parse.
    #[error("run record does not parse")]
    RunRecord,
    /// The export is still running after this delivery's poll budget.
    #[error("export still running")]
    InProgress,
    /// This delivery's landing budget is spent; files are landed up to a part boundary.
    #[error("landing budget spent; the redelivery resumes after the last landed part")]
    LandBudget,
    /// The FHIR server.
    #[error(transparent)]
    Fhir(#[from] FhirError),
    /// Cloud Storage.
    #[error("storage: {0}")]
    Storage(#[source] GcpError),
    /// Local spool file.
    #[error("spool: {0}")]
    Spool(#[source] std::io::Error),
}

impl Classify for Error {
    fn disposition(&self) -> Disposition {
        match self {
            Error::InProgress | Error::LandBudget | Error::Spool(_) => Disposition::Retry,
            Error::Fhir(e) if e.is_transient() => Disposition::Retry,
            Error::Storage(e) if e.is_transient() => Disposition::Retry,
            Error::Trigger(_)
            | Error::Lineage(_)
            | Error::RunRecord
            | Error::Fhir(_)
            | Error::Storage(_) => Disposition::Drop,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Error::Trigger(_) => "trigger_invalid",
            Error::Lineage(_) => "lineage_invalid",
            Error::RunRecord => "run_record_invalid",
            Error::InProgress => "export_in_progress",
            Error::LandBudget => "export_landing",
            Error::Fhir(FhirError::Spool(_)) | Error::Spool(_) => "spool_io",
            Error::Fhir(FhirError::Unavailable { .. }) => "fhir_unavailable",
            Error::Fhir(FhirError::ExportFailed { .. }) => "export_failed",
            Error::Fhir(FhirError::ForeignUrl) => "manifest_foreign_url",
            Error::Fhir(FhirError::FileChanged) => "export_file_changed",
            Error::Fhir(FhirError::Rejected { .. }) => "fhir_rejected",
            Error::Storage(e) if e.is_transient() => "storage_unavailable",
            Error::Storage(_) => "storage_rejected",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification() {
        let cases = [
            (Error::InProgress, Disposition::Retry, "export_in_progress"),
            (
                Error::Fhir(FhirError::Unavailable {
                    operation: "status",
                    status: Some(503),
                }),
                Disposition::Retry,
                "fhir_unavailable",
            ),
            (
                Error::Fhir(FhirError::ExportFailed { status: 500 }),
                Disposition::Drop,
                "export_failed",
            ),
            (
                Error::Fhir(FhirError::ForeignUrl),
                Disposition::Drop,
                "manifest_foreign_url",
            ),
            (Error::LandBudget, Disposition::Retry, "export_landing"),
            (
                Error::Fhir(FhirError::FileChanged),
                Disposition::Drop,
                "export_file_changed",
            ),
            (
                Error::Trigger("since"),
                Disposition::Drop,
                "trigger_invalid",
            ),
        ];
        for (e, d, c) in cases {
            assert_eq!((e.disposition(), e.code()), (d, c), "{e}");
        }
    }
}
