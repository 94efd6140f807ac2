//! Policy approvals on the local chain: what `starvit approve` does in production, through the
//! same code (`starvit_approval::store::record`): the record in the PHI bucket and its row in
//! `governance.deid_policy_approvals`.

use starvit_approval::store::{Mirror, Recorded};
use starvit_approval::{Approval, Route};
use starvit_gcp::GcpConfig;
use starvit_gcp::bigquery::BigQueryClient;
use starvit_gcp::bigquery::spec::TableRef;
use starvit_gcp::labels::Labels;
use starvit_warehouse::tables::POLICY_APPROVALS;

use super::{Chain, GOVERNANCE_DATASET, HARNESS_LABELS};
use crate::stack::Stack;

/// Who approves on the local stack.
pub const LOCAL_APPROVER: &str = "local harness (starvit-e2e)";

/// The approvals' bucket of the local chain (the functions' setting).
pub const APPROVAL_BUCKET: &str =
    starvit_runtime::settings::common::DEID_APPROVAL_BUCKET.local_value();

/// Approves `policy` (a builtin name or a profile file) on `stack`: the Safe Harbor route when
/// the profile may claim it ([`starvit_deid::Policy::safe_harbor_eligible`]), else Expert
/// Determination.
///
/// # Errors
/// An unknown policy, storage or BigQuery errors, a conflicting record.
pub async fn approve(stack: &Stack, policy: &str) -> anyhow::Result<(Approval, Recorded)> {
    let policy = starvit_deid::Policy::resolve(policy)?;
    let approval = Approval {
        policy_version: policy.version().to_owned(),
        profile: policy.name().to_owned(),
        approver: LOCAL_APPROVER.to_owned(),
        approved_at: chrono::Utc::now(),
        route: if policy.safe_harbor_eligible() {
            Route::SafeHarbor
        } else {
            Route::ExpertDetermination
        },
        reference: Some("local run: synthetic data only".to_owned()),
    };
    let gcp = GcpConfig::from_vars(stack.gcp_vars())?;
    let storage = starvit_gcp::storage::StorageClient::new(&gcp).await?;
    let bigquery = BigQueryClient::new(&gcp).await?;
    let labels: Labels = HARNESS_LABELS
        .iter()
        .map(|(k, v)| {
            if *k == "purpose" {
                (*k, "approval")
            } else {
                (*k, *v)
            }
        })
        .collect();
    let mirror = Mirror {
        bigquery: &bigquery,
        table: TableRef {
            project_id: gcp.project_id.clone(),
            dataset_id: GOVERNANCE_DATASET.to_owned(),
            table_id: POLICY_APPROVALS.name.to_owned(),
        },
        labels,
    };
    let recorded =
        starvit_approval::store::record(&storage, APPROVAL_BUCKET, &approval, &mirror).await?;
    Ok((approval, recorded))
}

impl Chain {
    /// Approves `policy` on this chain's stack (see [`approve`]).
    ///
    /// # Errors
    /// As [`approve`].
    pub async fn approve(&self, policy: &str) -> anyhow::Result<Approval> {
        Ok(approve(&self.stack, policy).await?.0)
    }
}

impl Chain {
    /// The approval of `policy_version` as `governance.deid_policy_approvals` mirrors it:
    /// "route by approver", or `None`.
    ///
    /// # Errors
    /// The query fails.
    pub async fn approval_of(&self, policy_version: &str) -> anyhow::Result<Option<String>> {
        let hex = policy_version.strip_prefix("sha256:").unwrap_or_default();
        if hex.is_empty() || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(None);
        }
        let table = self.table(GOVERNANCE_DATASET, POLICY_APPROVALS.name);
        let sql =
            format!("SELECT route, approver FROM {table} WHERE policy_version = 'sha256:{hex}'");
        let rows = self.query(&sql).await?;
        Ok(rows.first().and_then(|row| match row.as_slice() {
            [route, approver] => Some(format!(
                "{} by {}",
                route.as_str().unwrap_or("?"),
                approver.as_str().unwrap_or("?")
            )),
            _ => None,
        }))
    }
}
