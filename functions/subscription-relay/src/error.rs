//! Errors and their classification. The runtime's one dispatch turns them into statuses:
//! Refuse -> 401; Retry -> 503 (Medplum redelivers); Drop -> 200 with the code logged at ERROR
//! (the body is quarantined on the PHI side first, so it never retries forever).
//!
//! | variant | disposition | code |
//! |---|---|---|
//! | `Signature` | Refuse (401) | `signature_invalid` |
//! | `Poison` | Drop | `invalid_json` / `not_a_resource` / `leak_gate` |
//! | `Publish` | by status | `pubsub_unavailable` / `pubsub_rejected` |
//! | `Storage` (quarantine write) | by status | `storage_unavailable` / `storage_rejected` |
//! | `Approval` (no approval of the policy version) | Retry (503, nothing written) | `policy_not_approved` / `bad_policy_approval` / `approval_unreadable` |

use starvit_gcp::GcpError;
use starvit_runtime::{Classify, Disposition};

/// Everything that can go wrong relaying one notification.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Missing or wrong `X-Signature`.
    #[error("signature missing or invalid")]
    Signature,
    /// The body cannot be relayed; it was quarantined.
    #[error("poison notification ({0}); quarantined")]
    Poison(&'static str),
    /// Publishing the event.
    #[error("publish: {0}")]
    Publish(#[source] GcpError),
    /// Writing the quarantine object.
    #[error("storage: {0}")]
    Storage(#[source] GcpError),
    /// The policy version is not approved: nothing is written or published, Medplum
    /// redelivers, and the notification goes through once `starvit approve` ran.
    #[error(transparent)]
    Approval(#[from] starvit_approval::ApprovalError),
}

impl Classify for Error {
    fn disposition(&self) -> Disposition {
        match self {
            Error::Signature => Disposition::Refuse,
            Error::Approval(_) => Disposition::Retry,
            Error::Publish(e) | Error::Storage(e) if e.is_transient() => Disposition::Retry,
            _ => Disposition::Drop,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Error::Signature => "signature_invalid",
            Error::Poison(reason) => reason,
            Error::Publish(e) | Error::Storage(e) => e.code(),
            Error::Approval(e) => starvit_approval::store::code(e),
        }
    }
}
