//! `starvit`: the developer CLI of the Starvit de-identified analytics plane.
//!
//! Module map (one file per subcommand):
//! - [`approve`]  `starvit approve`  — approve a de-ID policy version (record on the PHI side, governance mirror).
//! - [`synth`]    `starvit synth`    — write a synthetic FHIR R4 bulk export (PHI side) plus the planted-identifier list.
//! - [`deid`]     `starvit deid`     — run the de-identification engine over a file or directory.
//! - [`leakscan`] `starvit leakscan` — scan a de-ID directory for identifying values found in a PHI directory.
//! - [`sof`]      `starvit sof`      — SQL-on-FHIR ViewDefinitions on BigQuery (compile, conformance test, apply).

mod approve;
mod deid;
mod leakscan;
mod sof;
mod synth;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "starvit",
    version,
    about = "Starvit de-identified analytics plane: developer CLI"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write a deterministic synthetic FHIR R4 bulk export (NDJSON + manifest).
    Synth(synth::Args),
    /// De-identify NDJSON with a policy (fail-closed allowlist).
    Deid(deid::Args),
    /// Scan de-identified output for identifying values found in the PHI input.
    Leakscan(leakscan::Args),
    /// SQL-on-FHIR ViewDefinitions on BigQuery.
    Sof(sof::Args),
    /// Approve a de-ID policy version (deidentify and the relay refuse an unapproved one).
    Approve(approve::Args),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Synth(args) => synth::run(&args),
        Command::Deid(args) => deid::run(&args),
        Command::Leakscan(args) => leakscan::run(&args),
        Command::Sof(args) => sof::run(&args),
        Command::Approve(args) => approve::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::from(2)
        }
    }
}
