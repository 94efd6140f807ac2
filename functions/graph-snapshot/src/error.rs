//! Errors and their Retry/Drop classification.
//!
//! | variant | disposition | code |
//! |---|---|---|
//! | `Lineage` | Drop | `lineage_invalid` |
//! | `LineageIncomplete` | Drop | `lineage_incomplete` |
//! | `NotVisible` | Retry | `lineage_not_visible` |
//! | `Settling` | Retry | `snapshot_settling` |
//! | `Storage` / `BigQuery` | as [`GcpError::disposition`] | [`GcpError::code`] (`storage_*` / `bigquery_*`) |
//! | `TigerGraph` 5xx/429/timeout | Retry | `tigergraph_unavailable` |
//! | `TigerGraph` other | Drop | `tigergraph_rejected` |

use starvit_gcp::{GcpError, Service};
use starvit_runtime::{Classify, Disposition};

use crate::tigergraph::TgError;

/// Everything that can go wrong handling one `load-complete`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Attributes do not hold a valid lineage.
    #[error(transparent)]
    Lineage(#[from] starvit_lineage::LineageError),
    /// A lineage field this stage needs is missing.
    #[error("lineage field {0} is required by graph-snapshot")]
    LineageIncomplete(&'static str),
    /// The event's load is not in the lineage table yet.
    #[error("load not yet visible in the lineage table")]
    NotVisible,
    /// The newest load is inside the quiet period.
    #[error("snapshot settling: newest load is inside the quiet period")]
    Settling,
    /// Cloud Storage.
    #[error("storage: {0}")]
    Storage(#[source] GcpError),
    /// BigQuery.
    #[error("bigquery: {0}")]
    BigQuery(#[source] GcpError),
    /// TigerGraph.
    #[error(transparent)]
    TigerGraph(#[from] TgError),
}

impl Error {
    /// Wrap a client error by its service.
    pub fn gcp(err: GcpError) -> Self {
        match err.service() {
            Service::Storage => Error::Storage(err),
            _ => Error::BigQuery(err),
        }
    }
}

fn by(e: &GcpError) -> Disposition {
    if e.is_transient() {
        Disposition::Retry
    } else {
        Disposition::Drop
    }
}

impl Classify for Error {
    fn disposition(&self) -> Disposition {
        match self {
            Error::Storage(e) | Error::BigQuery(e) => by(e),
            Error::NotVisible | Error::Settling => Disposition::Retry,
            Error::TigerGraph(e) if e.is_transient() => Disposition::Retry,
            Error::Lineage(_) | Error::LineageIncomplete(_) | Error::TigerGraph(_) => {
                Disposition::Drop
            }
        }
    }

    fn code(&self) -> &'static str {
        let retry = self.disposition() == Disposition::Retry;
        match self {
            Error::Lineage(_) => "lineage_invalid",
            Error::LineageIncomplete(_) => "lineage_incomplete",
            Error::NotVisible => "lineage_not_visible",
            Error::Settling => "snapshot_settling",
            Error::Storage(e) | Error::BigQuery(e) => e.code(),
            Error::TigerGraph(_) if retry => "tigergraph_unavailable",
            Error::TigerGraph(_) => "tigergraph_rejected",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification() {
        let tg = |status| {
            Error::TigerGraph(TgError::Unavailable {
                operation: "x",
                status,
            })
        };
        assert_eq!(tg(Some(503)).disposition(), Disposition::Retry);
        assert_eq!(tg(None).code(), "tigergraph_unavailable");
        let rejected = Error::TigerGraph(TgError::Rejected {
            operation: "x",
            status: Some(400),
            reason: "r",
        });
        assert_eq!(
            (rejected.disposition(), rejected.code()),
            (Disposition::Drop, "tigergraph_rejected")
        );
        assert_eq!(Error::Settling.disposition(), Disposition::Retry);
        assert_eq!(Error::NotVisible.code(), "lineage_not_visible");
    }
}
