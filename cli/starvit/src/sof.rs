//! `starvit sof`: SQL-on-FHIR ViewDefinitions on BigQuery.
//! - `compile VIEW.json [--table T]` prints the SQL of one view.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;

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
            let compiled = starvit_sof::compile(&json, &table)?;
            println!("{}", compiled.sql);
            Ok(ExitCode::SUCCESS)
        }
    }
}
