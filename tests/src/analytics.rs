//! The analytics layer (`analytics/`, dbt) on a chain's stack: `analytics/run.sh build` against
//! local-bigquery through localcloud's dbt shim (a stack started with `LOCALCLOUD_DBT=1`), then
//! what it built read back: cohorts, feature rows, splits, dbt test results, dataset versions.
//! Used by `make demo` and the analytics test; [`expected`] computes the t2dm example
//! independently from the de-identified NDJSON.
//!
//! The SQL-on-FHIR views must exist first ([`crate::views::create_and_count`]).

pub mod expected;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde::{Deserialize, Serialize};

use crate::chain::Chain;

/// The dataset dbt builds into (`STARVIT_ANALYTICS_DATASET`'s default in the profile).
pub const ANALYTICS_DATASET: &str = "analytics";
/// The t2dm example's ML dataset model.
pub const T2DM_DATASET: &str = "t2dm_dataset";

/// One cohort as built: id, version, members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cohort {
    /// The cohort id (its model's name).
    pub id: String,
    /// Content hash of its definition and what it reads.
    pub version: String,
    /// Members.
    pub members: u64,
}

/// dbt data test results of one invocation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TestCounts {
    /// Tests that passed.
    pub passed: u64,
    /// Tests that failed, warned or errored.
    pub failed: u64,
}

/// What one `dbt build` produced (the demo's `analytics` section).
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Every cohort model's id, version and members.
    pub cohorts: Vec<Cohort>,
    /// Rows of the t2dm dataset (one per member).
    pub features_rows: u64,
    /// Patients per split (every patient has one).
    pub splits: BTreeMap<String, u64>,
    /// dbt's data tests.
    pub dbt_tests: TestCounts,
    /// The t2dm dataset's version(s) (one when the build is consistent).
    pub dataset_versions: Vec<String>,
    /// Models dbt built, and models that failed or were skipped.
    pub models_built: u64,
    /// Models that errored or were skipped.
    pub models_not_built: u64,
    /// dbt's invocation id (the `dbt_invocation_id` label of its jobs).
    pub invocation_id: String,
}

/// One row of the t2dm example (`t2dm_features.ndjson`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureRow {
    /// Pseudonymous patient id.
    pub patient_id: String,
    /// Date of the earliest T2DM condition (UTC).
    pub index_date: String,
    /// Encounters started in (index_date - 365 days, index_date].
    pub encounters_365d: u64,
    /// Latest HbA1c at or before index_date.
    pub last_hba1c: Option<f64>,
    /// Whole years at index_date, 90 for 90 and over.
    pub age_at_index: u32,
    /// train, validation or test.
    pub split: String,
}

/// Runs `analytics/run.sh build` on the chain's stack (output under the stack's dir, log in
/// `dbt.log` there) and reads back what it built. A failing dbt test is in
/// [`Summary::dbt_tests`], not an error.
///
/// # Errors
/// dbt could not run (install, no shim in the stack) or left no results; BigQuery reads failed.
pub async fn build(chain: &Chain) -> anyhow::Result<Summary> {
    let out = chain.stack.dir().join("dbt");
    run_dbt(chain, &out).await?;
    let results = read_results(&out.join("target/run_results.json"))?;
    let cohorts = cohorts(chain, &out.join("target/manifest.json")).await?;
    let dataset = chain.table(ANALYTICS_DATASET, T2DM_DATASET);
    let features_rows = chain
        .count(&format!("SELECT COUNT(*) FROM {dataset}"))
        .await?;
    let mut splits = BTreeMap::new();
    let splits_table = chain.table(ANALYTICS_DATASET, "ml_splits");
    for row in chain
        .query(&format!(
            "SELECT split, COUNT(*) FROM {splits_table} GROUP BY split ORDER BY split"
        ))
        .await?
    {
        splits.insert(text(&row[0]), number(&row[1])?);
    }
    let dataset_versions = chain
        .query(&format!(
            "SELECT DISTINCT dataset_version FROM {dataset} ORDER BY 1"
        ))
        .await?
        .iter()
        .map(|r| text(&r[0]))
        .collect();
    Ok(Summary {
        cohorts,
        features_rows,
        splits,
        dataset_versions,
        ..results
    })
}

/// The t2dm example's rows as dbt built them, ordered by patient.
///
/// # Errors
/// BigQuery reads failed or a row does not have the expected shape.
pub async fn feature_rows(chain: &Chain) -> anyhow::Result<Vec<FeatureRow>> {
    let dataset = chain.table(ANALYTICS_DATASET, T2DM_DATASET);
    let rows = chain
        .query(&format!(
            "SELECT patient_id, CAST(index_date AS STRING), encounters_365d, last_hba1c, \
             age_at_index, split FROM {dataset} ORDER BY patient_id"
        ))
        .await?;
    rows.iter()
        .map(|r| {
            Ok(FeatureRow {
                patient_id: text(&r[0]),
                index_date: text(&r[1]),
                encounters_365d: number(&r[2])?,
                last_hba1c: r[3].as_str().map(str::parse).transpose()?,
                age_at_index: u32::try_from(number(&r[4])?)?,
                split: text(&r[5]),
            })
        })
        .collect()
}

/// Writes rows as NDJSON (`target/demo/analytics/t2dm_features.ndjson`).
///
/// # Errors
/// File failures.
pub fn write_ndjson(rows: &[FeatureRow], path: &Path) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut text = String::new();
    for row in rows {
        text.push_str(&serde_json::to_string(row)?);
        text.push('\n');
    }
    std::fs::write(path, text)?;
    Ok(())
}

async fn run_dbt(chain: &Chain, out: &Path) -> anyhow::Result<()> {
    let endpoint = chain
        .stack
        .env
        .get("BIGQUERY_DBT_ENDPOINT")
        .context("the stack has no dbt shim: start it with LOCALCLOUD_DBT=1")?;
    std::fs::create_dir_all(out)?;
    let log = std::fs::File::create(out.join("dbt.log"))?;
    let script: PathBuf = crate::repo_root().join("analytics/run.sh");
    let status = tokio::process::Command::new(script)
        .arg("build")
        .env("GOOGLE_CLOUD_PROJECT", chain.stack.project())
        .env("STARVIT_DBT_TARGET", "local")
        .env("STARVIT_DBT_BIGQUERY_ENDPOINT", endpoint)
        .env("STARVIT_ENV", "local")
        .env("STARVIT_OWNER", "data-platform")
        .env("STARVIT_DBT_OUT", out)
        .stdout(log.try_clone()?)
        .stderr(log)
        .kill_on_drop(true)
        .status()
        .await
        .context("running analytics/run.sh")?;
    // Exit 1 = a model or test failed (counted from run_results.json); anything else is dbt
    // itself failing.
    anyhow::ensure!(
        status.success() || status.code() == Some(1),
        "dbt build failed ({status}); log: {}",
        out.join("dbt.log").display()
    );
    Ok(())
}

/// Test and model counts of `run_results.json`.
fn read_results(path: &Path) -> anyhow::Result<Summary> {
    #[derive(Deserialize)]
    struct Results {
        metadata: Metadata,
        results: Vec<Outcome>,
    }
    #[derive(Deserialize)]
    struct Metadata {
        invocation_id: String,
    }
    #[derive(Deserialize)]
    struct Outcome {
        unique_id: String,
        status: String,
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("dbt left no {}", path.display()))?;
    let parsed: Results = serde_json::from_str(&text)?;
    let mut summary = Summary {
        cohorts: Vec::new(),
        features_rows: 0,
        splits: BTreeMap::new(),
        dbt_tests: TestCounts::default(),
        dataset_versions: Vec::new(),
        models_built: 0,
        models_not_built: 0,
        invocation_id: parsed.metadata.invocation_id,
    };
    for r in &parsed.results {
        match (r.unique_id.split('.').next(), r.status.as_str()) {
            (Some("test"), "pass") => summary.dbt_tests.passed += 1,
            (Some("test"), _) => summary.dbt_tests.failed += 1,
            (Some("model"), "success") => summary.models_built += 1,
            (Some("model"), _) => summary.models_not_built += 1,
            _ => {}
        }
    }
    Ok(summary)
}

/// Every cohort model (`models/cohorts/`, from dbt's manifest) with its version and members.
async fn cohorts(chain: &Chain, manifest: &Path) -> anyhow::Result<Vec<Cohort>> {
    let manifest: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(manifest)?)?;
    let mut names: Vec<String> = manifest["nodes"]
        .as_object()
        .context("manifest without nodes")?
        .values()
        .filter(|n| n["resource_type"] == "model" && n["fqn"][1] == "cohorts")
        .filter_map(|n| n["name"].as_str().map(str::to_owned))
        .collect();
    names.sort();
    let mut out = Vec::new();
    for name in names {
        let table = chain.table(ANALYTICS_DATASET, &name);
        for row in chain
            .query(&format!(
                "SELECT cohort_id, cohort_version, COUNT(*) FROM {table} GROUP BY 1, 2"
            ))
            .await?
        {
            out.push(Cohort {
                id: text(&row[0]),
                version: text(&row[1]),
                members: number(&row[2])?,
            });
        }
    }
    Ok(out)
}

fn text(v: &serde_json::Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

fn number(v: &serde_json::Value) -> anyhow::Result<u64> {
    v.as_str()
        .and_then(|s| s.parse().ok())
        .or_else(|| v.as_u64())
        .with_context(|| format!("not a count: {v}"))
}

/// The demo's `analytics` section: what [`build`] produced, and whether the t2dm rows equal
/// the independent computation.
#[derive(Debug, Clone, Serialize)]
pub struct DemoPart {
    /// The build.
    #[serde(flatten)]
    pub summary: Summary,
    /// The rows equal [`expected::t2dm_rows`] over the de-identified NDJSON.
    pub features_equal_independent_computation: bool,
}

impl DemoPart {
    /// Every dbt test passed, every model built, the rows equal the independent computation.
    #[must_use]
    pub fn ok(&self) -> bool {
        self.features_equal_independent_computation
            && self.summary.dbt_tests.failed == 0
            && self.summary.models_not_built == 0
    }

    /// The summary table.
    #[must_use]
    pub fn table(&self) -> crate::demo::table::Table {
        let s = &self.summary;
        let mut t =
            crate::demo::table::Table::new("Analytics (dbt build of analytics/)", &["", ""]);
        for c in &s.cohorts {
            t.row(vec![
                format!("cohort {} ({})", c.id, c.version).into(),
                c.members.into(),
            ]);
        }
        t.row(vec!["t2dm feature rows".into(), s.features_rows.into()]);
        for (split, n) in &s.splits {
            t.row(vec![format!("patients in {split}").into(), (*n).into()]);
        }
        let tests = format!(
            "{} passed, {} failed",
            s.dbt_tests.passed, s.dbt_tests.failed
        );
        t.row(vec!["dbt tests".into(), tests.into()]);
        t.row(vec![
            "rows = Rust computation".into(),
            self.features_equal_independent_computation.into(),
        ]);
        t
    }
}

/// The demo's analytics step: [`build`], the t2dm rows written to
/// `out/analytics/t2dm_features.ndjson` and compared with [`expected::t2dm_rows`] over the
/// de-identified NDJSON in `deid_dir`.
///
/// # Errors
/// As [`build`] and [`feature_rows`]; files.
pub async fn demo(chain: &Chain, deid_dir: &Path, out: &Path) -> anyhow::Result<DemoPart> {
    let summary = build(chain).await?;
    let rows = feature_rows(chain).await?;
    write_ndjson(&rows, &out.join("analytics/t2dm_features.ndjson"))?;
    let equal = same_rows(&rows, &expected::t2dm_rows(deid_dir)?);
    Ok(DemoPart {
        summary,
        features_equal_independent_computation: equal,
    })
}

/// Rows equal, HbA1c values within 1e-9.
#[must_use]
pub fn same_rows(got: &[FeatureRow], want: &[FeatureRow]) -> bool {
    got.len() == want.len()
        && got.iter().zip(want).all(|(g, w)| {
            let hba1c = match (g.last_hba1c, w.last_hba1c) {
                (Some(a), Some(b)) => (a - b).abs() < 1e-9,
                (a, b) => a == b,
            };
            hba1c
                && FeatureRow {
                    last_hba1c: None,
                    ..g.clone()
                } == FeatureRow {
                    last_hba1c: None,
                    ..w.clone()
                }
        })
}
