//! `starvit leakscan`: scan a de-ID directory for identifying values found in a PHI
//! directory. Reports (file, line, kind) per hit, never the value; exits 1 on any hit.

use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `starvit leakscan`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// PHI directory (or file) the identifying values are collected from.
    #[arg(long)]
    pub phi: PathBuf,
    /// De-identified directory (or file) to scan.
    #[arg(long)]
    pub deid: PathBuf,
}

/// Runs the subcommand.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let report = starvit_deid::leakscan(&args.phi, &args.deid)?;
    for hit in &report.hits {
        println!("HIT {}:{} {}", hit.file.display(), hit.line, hit.kind);
    }
    println!(
        "phi files: {}, identifying values: {}, deid files: {}, lines: {}, hits: {}",
        report.phi_files,
        report.values,
        report.deid_files,
        report.deid_lines,
        report.hits.len()
    );
    Ok(if report.hits.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
