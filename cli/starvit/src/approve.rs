//! `starvit approve`: approve a de-ID policy version (`starvit-approval`).
//!
//! Resolves the policy (a builtin name or a profile file) to its version, writes the record
//! create-only to `gs://BUCKET/approvals/<hex>.json` on the PHI side and mirrors it into
//! `governance.deid_policy_approvals` of the de-ID project. Run by the person accountable for
//! the release, with their own credentials (Terraform's `policy_approvers`). Repeating the same
//! command changes nothing; another record for an approved version is refused.
//!
//! Storage and BigQuery are the ones named by `GOOGLE_CLOUD_PROJECT`, `STORAGE_EMULATOR_HOST`,
//! `BIGQUERY_EMULATOR_HOST` (unset: Google Cloud with Application Default Credentials).

use std::process::ExitCode;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use starvit_approval::store::{Mirror, Recorded};
use starvit_approval::{Approval, Route};
use starvit_gcp::bigquery::BigQueryClient;
use starvit_gcp::bigquery::spec::TableRef;
use starvit_gcp::storage::StorageClient;
use starvit_gcp::{GcpConfig, Labels};

/// Arguments of `starvit approve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The policy: `shifted`, `safe-harbor`, `shifted-text` or a profile file.
    #[arg(long)]
    policy: String,
    /// Who approves (a person accountable for the release).
    #[arg(long)]
    approver: String,
    /// `safe-harbor` or `expert-determination`.
    #[arg(long)]
    route: String,
    /// The route's reference (ticket, the expert's report); required for expert-determination.
    #[arg(long)]
    reference: Option<String>,
    /// When it was approved (RFC 3339; default now).
    #[arg(long)]
    date: Option<DateTime<Utc>>,
    /// The PHI-side bucket of the approvals (the PHI staging bucket; default
    /// `STARVIT_DEID_APPROVAL_BUCKET`, the functions' setting).
    #[arg(long)]
    bucket: Option<String>,
    /// The de-ID project of the governance dataset (default `GOOGLE_CLOUD_PROJECT`).
    #[arg(long)]
    deid_project: Option<String>,
    /// The governance dataset.
    #[arg(long, default_value = "governance")]
    governance_dataset: String,
}

/// Runs the command.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let policy = starvit_deid::Policy::resolve(&args.policy)?;
    let route =
        Route::parse(&args.route).context("--route must be safe-harbor or expert-determination")?;
    anyhow::ensure!(
        route != Route::SafeHarbor || policy.safe_harbor_eligible(),
        "--route safe-harbor: profile {} keeps shifted dates or free text; approve it by \
         expert-determination",
        policy.name()
    );
    let approval = Approval {
        policy_version: policy.version().to_owned(),
        profile: policy.name().to_owned(),
        approver: args.approver.clone(),
        approved_at: args.date.unwrap_or_else(Utc::now),
        route,
        reference: args.reference.clone(),
    };
    approval.validate()?;
    let bucket = match &args.bucket {
        Some(b) => b.clone(),
        None => std::env::var("STARVIT_DEID_APPROVAL_BUCKET")
            .context("--bucket or STARVIT_DEID_APPROVAL_BUCKET is required")?,
    };
    let recorded = crate::sof::block_on(record(args, &bucket, approval.clone()))?;
    println!(
        "{} {} ({}) {}: gs://{}/{}",
        match recorded {
            Recorded::Created => "approved",
            Recorded::AlreadyThere => "already approved",
        },
        approval.policy_version,
        approval.profile,
        approval.route.as_str(),
        bucket,
        starvit_approval::record::object_name(&approval.policy_version),
    );
    Ok(ExitCode::SUCCESS)
}

async fn record(args: &Args, bucket: &str, approval: Approval) -> anyhow::Result<Recorded> {
    let config = GcpConfig::from_vars(std::env::vars())?;
    let storage = StorageClient::new(&config).await?;
    let bigquery = BigQueryClient::new(&config).await?;
    let local = config.bigquery_endpoint.is_some();
    let mirror = Mirror {
        bigquery: &bigquery,
        table: TableRef {
            project_id: args
                .deid_project
                .clone()
                .unwrap_or_else(|| config.project_id.clone()),
            dataset_id: args.governance_dataset.clone(),
            table_id: starvit_warehouse::tables::POLICY_APPROVALS.name.to_owned(),
        },
        labels: Labels::new()
            .with("service", "starvit-cli")
            .with("owner", "data-platform")
            .with("env", if local { "local" } else { "prod" })
            .with("pipeline", "governance")
            .with("purpose", "approval"),
    };
    Ok(starvit_approval::store::record(&storage, bucket, &approval, &mirror).await?)
}
