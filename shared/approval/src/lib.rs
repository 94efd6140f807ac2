//! `starvit-approval`: the explicit approval of a de-identification policy version.
//!
//! A policy version (the content hash of its files, `starvit_deid::Policy::version`) may be
//! used by `deidentify` and `subscription-relay` only once someone accountable approved it,
//! naming the HIPAA route (Safe Harbor, or Expert Determination with the expert's report).
//!
//! Where the record lives: one JSON object per version in the PHI staging bucket under a
//! fixed prefix, `approvals/<hex>.json` ([`record::object_name`]), written create-only by
//! `starvit approve`. The functions read it at run time, so an approval takes effect without a
//! redeploy and the events refused before it (Retry) go through on their next delivery. It is
//! on the PHI side because it gates what crosses the boundary: only the PHI project's
//! identities can write it. `governance.deid_policy_approvals` mirrors it for the de-ID zone.
//!
//! Module map:
//! - [`record`] the record ([`Approval`], [`Route`]), its object name and its validation.
//! - [`store`]  the check ([`ApprovalCheck`], cached once approved), the create-only write and
//!   the governance mirror ([`store::record`]).

pub mod record;
pub mod store;

pub use record::{Approval, ApprovalError, Route};
pub use store::ApprovalCheck;
