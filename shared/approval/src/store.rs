//! Reading, writing and mirroring approval records.
//!
//! - [`ApprovalCheck`]: what `deidentify` and the relay hold: the bucket and their policy
//!   version; [`ApprovalCheck::require`] reads `approvals/<hex>.json` until it finds a valid
//!   one and then keeps it for the life of the process (records are create-only; withdrawing
//!   an approval = deploying another policy version).
//! - [`record`]: what `starvit approve` (and the local harness) runs: the create-only object,
//!   then a MERGE of the row into `governance.deid_policy_approvals` (idempotent: the same
//!   record again changes nothing; a different record for an approved version is a conflict).

use starvit_gcp::GcpError;
use starvit_gcp::bigquery::spec::{QuerySpec, TableRef};
use starvit_gcp::bigquery::{BigQueryClient, job_id};
use starvit_gcp::labels::Labels;
use starvit_gcp::storage::{ObjectReader, StorageClient, WriteAttrs, WriteOutcome};
use starvit_warehouse::{sql, tables};
use tokio::sync::OnceCell;

use crate::record::{Approval, ApprovalError, object_name};

/// Largest approval object read.
const MAX_RECORD_BYTES: usize = 64 << 10;

/// How long one attempt to read the record may take. The storage client retries an
/// unreachable endpoint for minutes; the relay answers a webhook and deidentify an event
/// within their deadlines, so an outage becomes a prompt Retry instead.
pub const READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);

/// The approval a function needs before it writes anything.
#[derive(Debug)]
pub struct ApprovalCheck {
    bucket: String,
    policy_version: String,
    approved: OnceCell<Approval>,
}

impl ApprovalCheck {
    /// The check of `policy_version` against the records in `bucket`.
    #[must_use]
    pub fn new(bucket: impl Into<String>, policy_version: impl Into<String>) -> Self {
        Self {
            bucket: bucket.into(),
            policy_version: policy_version.into(),
            approved: OnceCell::new(),
        }
    }

    /// The approval of the policy version: cached once found, read otherwise.
    ///
    /// # Errors
    /// [`ApprovalError::NotApproved`] without a record, [`ApprovalError::Invalid`] for a record
    /// that does not hold, [`ApprovalError::Gcp`] when it cannot be read,
    /// [`ApprovalError::Unreachable`] when storage does not answer within [`READ_TIMEOUT`].
    pub async fn require(&self, storage: &StorageClient) -> Result<&Approval, ApprovalError> {
        self.approved
            .get_or_try_init(|| async {
                let approval = tokio::time::timeout(
                    READ_TIMEOUT,
                    read(storage, &self.bucket, &self.policy_version),
                )
                .await
                .map_err(|_| ApprovalError::Unreachable(READ_TIMEOUT.as_secs()))??
                .ok_or_else(|| ApprovalError::NotApproved(self.policy_version.clone()))?;
                tracing::info!(
                    policy_version = %approval.policy_version,
                    route = approval.route.as_str(),
                    approved_at = %approval.approved_at,
                    "policy version approved"
                );
                Ok(approval)
            })
            .await
    }
}

/// The log code of a refusal (the functions' error codes): `policy_not_approved`,
/// `bad_policy_approval`, `approval_unreadable`.
#[must_use]
pub fn code(err: &ApprovalError) -> &'static str {
    match err {
        ApprovalError::NotApproved(_) => "policy_not_approved",
        ApprovalError::Invalid { .. } | ApprovalError::Conflict(_) => "bad_policy_approval",
        ApprovalError::Gcp(_) | ApprovalError::Unreachable(_) => "approval_unreadable",
    }
}

/// The record of `policy_version` in `bucket`, if there is one.
///
/// # Errors
/// [`ApprovalError::Invalid`] for a record that does not hold; storage errors.
pub async fn read(
    storage: &StorageClient,
    bucket: &str,
    policy_version: &str,
) -> Result<Option<Approval>, ApprovalError> {
    let name = object_name(policy_version);
    let reader = match storage.read_live(bucket, &name).await {
        Ok(r) => r,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let bytes =
        read_all(reader, MAX_RECORD_BYTES)
            .await?
            .ok_or_else(|| ApprovalError::Invalid {
                version: policy_version.to_owned(),
                reason: "record too large",
            })?;
    Approval::parse(&bytes, policy_version).map(Some)
}

/// Where [`record`] mirrors the approval.
#[derive(Debug, Clone)]
pub struct Mirror<'a> {
    /// BigQuery of the de-ID project.
    pub bigquery: &'a BigQueryClient,
    /// `governance.deid_policy_approvals` in that project.
    pub table: TableRef,
    /// Labels of the MERGE job (`service`, `owner`, `env`, `pipeline`, `purpose`).
    pub labels: Labels,
}

/// What [`record`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// The object was created now.
    Created,
    /// The same record was already there (a repeated command).
    AlreadyThere,
}

/// Writes `approval` create-only to `bucket` and mirrors it to the governance table.
///
/// # Errors
/// [`ApprovalError::Invalid`] before anything is written, [`ApprovalError::Conflict`] when the
/// version has another record, storage and BigQuery errors.
pub async fn record(
    storage: &StorageClient,
    bucket: &str,
    approval: &Approval,
    mirror: &Mirror<'_>,
) -> Result<Recorded, ApprovalError> {
    approval.validate()?;
    let name = object_name(&approval.policy_version);
    let attrs = WriteAttrs {
        content_type: Some("application/json".into()),
        ..WriteAttrs::default()
    };
    let written = storage
        .write_bytes_create_only(bucket, &name, approval.to_bytes().into(), &attrs)
        .await?;
    let recorded = match written {
        WriteOutcome::Created(_) => Recorded::Created,
        WriteOutcome::AlreadyExists => {
            let existing = read(storage, bucket, &approval.policy_version).await?;
            if existing.as_ref() != Some(approval) {
                return Err(ApprovalError::Conflict(approval.policy_version.clone()));
            }
            Recorded::AlreadyThere
        }
    };
    let spec = QuerySpec {
        sql: merge_sql(&mirror.table, approval, &format!("gs://{bucket}/{name}")),
        labels: mirror.labels.clone(),
    };
    let id = job_id(&[
        "starvit_approval",
        approval.policy_version.trim_start_matches("sha256:"),
        &approval.approved_at.timestamp().to_string(),
    ]);
    mirror
        .bigquery
        .run_attempts(&id, None, spec.to_configuration())
        .await?;
    Ok(recorded)
}

/// The MERGE of one approval row (inserted once per version).
fn merge_sql(table: &TableRef, a: &Approval, object: &str) -> String {
    let t = &tables::POLICY_APPROVALS;
    let opt = |v: Option<&str>| v.map_or_else(|| "CAST(NULL AS STRING)".to_owned(), sql::literal);
    format!(
        "MERGE {target} T USING (SELECT {version} AS policy_version, {profile} AS profile, \
         {approver} AS approver, TIMESTAMP({at}) AS approved_at, {route} AS route, \
         {reference} AS reference, {object} AS record_object, CURRENT_TIMESTAMP() AS recorded_at) S \
         ON T.policy_version = S.policy_version \
         WHEN NOT MATCHED THEN INSERT ({cols}) VALUES ({values})",
        target = sql::table(table),
        version = sql::literal(&a.policy_version),
        profile = sql::literal(&a.profile),
        approver = sql::literal(&a.approver),
        at = sql::literal(&a.approved_at.to_rfc3339()),
        route = sql::literal(a.route.as_str()),
        reference = opt(a.reference.as_deref()),
        object = sql::literal(object),
        cols = sql::names(t, ""),
        values = sql::names(t, "S."),
    )
}

/// The whole object, or `None` when it is over `max` bytes.
async fn read_all(mut reader: ObjectReader, max: usize) -> Result<Option<Vec<u8>>, GcpError> {
    let mut body = Vec::new();
    while let Some(chunk) = reader.next_chunk().await {
        body.extend_from_slice(&chunk?);
        if body.len() > max {
            return Ok(None);
        }
    }
    Ok(Some(body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Route;

    #[test]
    fn the_merge_names_every_column_and_escapes_the_text() {
        let a = Approval {
            policy_version: format!("sha256:{}", "0f".repeat(32)),
            profile: "shifted".into(),
            approver: "O'Neil".into(),
            approved_at: "2026-12-01T13:00:00Z".parse().unwrap(),
            route: Route::ExpertDetermination,
            reference: Some("report 7".into()),
        };
        let table = TableRef {
            project_id: "p".into(),
            dataset_id: "governance".into(),
            table_id: "deid_policy_approvals".into(),
        };
        let sql = merge_sql(&table, &a, "gs://b/approvals/x.json");
        assert!(sql.starts_with("MERGE `p.governance.deid_policy_approvals` T"));
        assert!(sql.contains("'O\\'Neil' AS approver"), "{sql}");
        for col in tables::POLICY_APPROVALS.column_names() {
            assert!(sql.contains(&format!(" AS {col}")), "{col}");
        }
    }
}
