//! The approval record: what was approved, by whom, when, and under which HIPAA route.
//!
//! ```json
//! {"policy_version":"sha256:<64 hex>","profile":"shifted","approver":"A. Officer (privacy)",
//!  "approved_at":"2026-12-01T13:00:00Z","route":"safe-harbor","reference":"PRIV-42"}
//! ```
//! `route` is `safe-harbor` (§164.514(b)(2)) or `expert-determination` (§164.514(b)(1)), which
//! needs a `reference` (the expert's report). The record is valid only under its own name:
//! a record copied to another version's name is refused.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Prefix of the approval objects in the PHI staging bucket.
pub const PREFIX: &str = "approvals/";

/// Longest approver / reference accepted.
const MAX_TEXT: usize = 300;

/// The HIPAA de-identification route the approval takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Route {
    /// §164.514(b)(2): the 18 identifiers removed, no actual knowledge of re-identification.
    SafeHarbor,
    /// §164.514(b)(1): an expert's documented determination of very small risk.
    ExpertDetermination,
}

impl Route {
    /// `safe-harbor` / `expert-determination`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SafeHarbor => "safe-harbor",
            Self::ExpertDetermination => "expert-determination",
        }
    }

    /// Parses [`Route::as_str`].
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "safe-harbor" => Some(Self::SafeHarbor),
            "expert-determination" => Some(Self::ExpertDetermination),
            _ => None,
        }
    }
}

/// One approval of one policy version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    /// `sha256:<hex>`: the version approved.
    pub policy_version: String,
    /// The policy's profile name, for people reading the record.
    pub profile: String,
    /// Who approved (a person accountable for the release, not a service).
    pub approver: String,
    /// When.
    pub approved_at: DateTime<Utc>,
    /// The HIPAA route.
    pub route: Route,
    /// The route's reference (ticket, expert report); required for Expert Determination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

/// An approval is missing, invalid, or cannot be read or written. Messages carry versions,
/// object names and reasons, never a record's free text.
#[derive(Debug, thiserror::Error)]
pub enum ApprovalError {
    /// No record for the version.
    #[error("policy version {0} is not approved (no {PREFIX}<hex>.json; see `starvit approve`)")]
    NotApproved(String),
    /// A record exists but does not hold.
    #[error("the approval record of policy version {version} is invalid: {reason}")]
    Invalid {
        /// The version whose record it is.
        version: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// `starvit approve` found another record for the version (records are create-only).
    #[error("policy version {0} already has a different approval record")]
    Conflict(String),
    /// Storage or BigQuery.
    #[error(transparent)]
    Gcp(#[from] starvit_gcp::GcpError),
    /// Storage did not answer within the read timeout (seconds).
    #[error("the approval record could not be read within {0} s")]
    Unreachable(u64),
}

/// `approvals/<hex>.json` of a `sha256:<hex>` version.
#[must_use]
pub fn object_name(policy_version: &str) -> String {
    format!(
        "{PREFIX}{}.json",
        policy_version.trim_start_matches("sha256:")
    )
}

fn is_version(v: &str) -> bool {
    v.strip_prefix("sha256:").is_some_and(|hex| {
        hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    })
}

fn is_text(s: &str) -> bool {
    !s.trim().is_empty() && s.chars().count() <= MAX_TEXT && !s.chars().any(char::is_control)
}

impl Approval {
    /// Checks the record's own rules.
    ///
    /// # Errors
    /// [`ApprovalError::Invalid`] naming the first rule broken.
    pub fn validate(&self) -> Result<(), ApprovalError> {
        let invalid = |reason| ApprovalError::Invalid {
            version: self.policy_version.clone(),
            reason,
        };
        if !is_version(&self.policy_version) {
            return Err(invalid("policy_version is not sha256:<64 hex>"));
        }
        if !is_text(&self.approver) {
            return Err(invalid(
                "approver is empty, too long or has control characters",
            ));
        }
        if !is_text(&self.profile) {
            return Err(invalid(
                "profile is empty, too long or has control characters",
            ));
        }
        match (&self.reference, self.route) {
            (Some(r), _) if !is_text(r) => Err(invalid("reference is empty or too long")),
            (None, Route::ExpertDetermination) => {
                Err(invalid("expert determination needs a reference"))
            }
            _ => Ok(()),
        }
    }

    /// Parses the object of `policy_version` and checks it is valid and its own.
    ///
    /// # Errors
    /// [`ApprovalError::Invalid`].
    pub fn parse(bytes: &[u8], policy_version: &str) -> Result<Self, ApprovalError> {
        let approval: Self = serde_json::from_slice(bytes).map_err(|_| ApprovalError::Invalid {
            version: policy_version.to_owned(),
            reason: "not an approval record",
        })?;
        approval.validate()?;
        if approval.policy_version != policy_version {
            return Err(ApprovalError::Invalid {
                version: policy_version.to_owned(),
                reason: "the record approves another version",
            });
        }
        Ok(approval)
    }

    /// The object's bytes (one JSON document and a newline).
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec(self).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn approval() -> Approval {
        Approval {
            policy_version: format!("sha256:{}", "ab".repeat(32)),
            profile: "shifted".into(),
            approver: "A. Officer".into(),
            approved_at: "2026-12-01T13:00:00Z".parse().unwrap(),
            route: Route::SafeHarbor,
            reference: None,
        }
    }

    #[test]
    fn a_record_round_trips_under_its_own_name_only() {
        let a = approval();
        assert_eq!(
            object_name(&a.policy_version),
            format!("approvals/{}.json", "ab".repeat(32))
        );
        let bytes = a.to_bytes();
        assert_eq!(Approval::parse(&bytes, &a.policy_version).unwrap(), a);
        let other = format!("sha256:{}", "cd".repeat(32));
        assert!(matches!(
            Approval::parse(&bytes, &other),
            Err(ApprovalError::Invalid {
                reason: "the record approves another version",
                ..
            })
        ));
        assert!(
            String::from_utf8(bytes)
                .unwrap()
                .contains("\"route\":\"safe-harbor\"")
        );
    }

    #[test]
    fn expert_determination_needs_a_reference_and_fields_are_checked() {
        let mut a = approval();
        a.route = Route::ExpertDetermination;
        assert!(a.validate().is_err());
        a.reference = Some("Expert report 2026-11 (Dr. X)".into());
        assert!(a.validate().is_ok());
        for broken in [
            Approval {
                approver: " ".into(),
                ..approval()
            },
            Approval {
                policy_version: "sha256:00".into(),
                ..approval()
            },
            Approval {
                reference: Some("a\nb".into()),
                ..approval()
            },
        ] {
            assert!(broken.validate().is_err(), "{broken:?}");
        }
        assert!(Approval::parse(b"{\"x\":1}", &approval().policy_version).is_err());
        assert_eq!(
            Route::parse("expert-determination"),
            Some(Route::ExpertDetermination)
        );
        assert_eq!(Route::parse("yes"), None);
    }
}
