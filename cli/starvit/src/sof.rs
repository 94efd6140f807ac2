//! `starvit sof`: SQL-on-FHIR ViewDefinitions on BigQuery.
//! - `compile VIEW.json [--table T]` prints the SQL of one view.
//! - `test SUITE_DIR` runs the official conformance suite; the last line is `N passed, M failed`.
//! - `apply --views views/` creates every view of the folder over the raw tables (a setup step
//!   after the raw tables exist).
//!
//! BigQuery is the one named by `GOOGLE_CLOUD_PROJECT` and, for an emulator,
//! `BIGQUERY_EMULATOR_HOST`; without it, real BigQuery with Application Default Credentials.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use starvit_gcp::{GcpConfig, Labels};
use starvit_sof::run::Runner;

/// Arguments of `starvit sof`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Print the BigQuery SQL of a ViewDefinition.
    Compile {
        /// The ViewDefinition JSON file.
        view: PathBuf,
        /// The table to read (default: `deid_raw.<resource>`, the raw de-ID table).
        #[arg(long)]
        table: Option<String>,
    },
    /// Run the SQL-on-FHIR conformance suite (a folder of test JSON files) on BigQuery.
    Test {
        /// The suite folder (`sql-on-fhir-tests` or its `tests/`).
        suite: PathBuf,
        /// Dataset for the suite's tables (created if missing).
        #[arg(long, default_value = "sof_conformance")]
        dataset: String,
    },
    /// Create (or replace) the views of a folder of ViewDefinitions over the raw tables.
    Apply {
        /// The folder of ViewDefinition files (`<view name>.json`).
        #[arg(long, default_value = "views")]
        views: PathBuf,
        /// Dataset of the raw de-ID tables.
        #[arg(long, default_value = "deid_raw")]
        raw_dataset: String,
        /// Dataset the views are created in (created if missing).
        #[arg(long, default_value = "deid_views")]
        views_dataset: String,
    },
}

/// Runs the subcommand.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    match &args.command {
        Command::Compile { view, table } => {
            let text = std::fs::read_to_string(view)
                .with_context(|| format!("reading {}", view.display()))?;
            let json: serde_json::Value = serde_json::from_str(&text)
                .with_context(|| format!("parsing {}", view.display()))?;
            let table = match table {
                Some(t) => t.clone(),
                None => format!("deid_raw.{}", starvit_sof::resource_of(&json)?),
            };
            println!("{}", starvit_sof::compile(&json, &table)?.sql);
            Ok(ExitCode::SUCCESS)
        }
        Command::Test { suite, dataset } => block_on(test(suite.clone(), dataset.clone())),
        Command::Apply {
            views,
            raw_dataset,
            views_dataset,
        } => block_on(apply(
            views.clone(),
            raw_dataset.clone(),
            views_dataset.clone(),
        )),
    }
}

pub(crate) fn block_on<T, F: Future<Output = anyhow::Result<T>>>(f: F) -> anyhow::Result<T> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_stack_size(16 * 1024 * 1024)
        .enable_all()
        .build()?
        .block_on(Box::pin(f))
}

async fn runner(purpose: &str) -> anyhow::Result<Runner> {
    let config = GcpConfig::from_vars(std::env::vars())?;
    let client = starvit_gcp::bigquery::BigQueryClient::new(&config).await?;
    let labels = Labels::new()
        .with("service", "starvit-cli")
        .with("owner", "data-platform")
        .with(
            "env",
            if config.bigquery_endpoint.is_some() {
                "local"
            } else {
                "prod"
            },
        )
        .with("pipeline", "sql-on-fhir")
        .with("purpose", purpose);
    Ok(Runner::new(
        client,
        labels,
        &format!("starvit_sof_{purpose}"),
    ))
}

async fn test(suite: PathBuf, dataset: String) -> anyhow::Result<ExitCode> {
    let runner = runner("conformance").await?;
    runner.client().ensure_dataset(&dataset).await?;
    let columns: Vec<(&str, &str)> = bq_load::columns::RAW
        .columns()
        .iter()
        .map(|c| (c.name.as_str(), c.field_type.as_str()))
        .collect();
    let outcomes = starvit_sof::conformance::run_suite(&runner, &suite, &dataset, &columns).await?;
    let failed: Vec<_> = outcomes.iter().filter(|o| !o.passed).collect();
    for o in &failed {
        println!("FAILED {} / {}: {}", o.file, o.title, o.detail);
    }
    println!(
        "{} passed, {} failed",
        outcomes.len() - failed.len(),
        failed.len()
    );
    Ok(if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

async fn apply(views: PathBuf, raw: String, views_dataset: String) -> anyhow::Result<ExitCode> {
    let runner = runner("views").await?;
    runner.client().ensure_dataset(&views_dataset).await?;
    for (name, resource) in starvit_sof::apply::apply(&runner, &views, &raw, &views_dataset).await?
    {
        println!("{views_dataset}.{name} over {raw}.{resource}");
    }
    Ok(ExitCode::SUCCESS)
}
