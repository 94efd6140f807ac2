//! `starvit synth`: write a deterministic synthetic FHIR R4 bulk export (PHI side).
//!
//! Writes `<Type>.ndjson`, `manifest.json` and `planted-identifiers.json` into `--out`, then prints
//! resources per type, bytes and throughput. The same `--patients`/`--seed` (or `--target-mb`/
//! `--seed`, or all three) always gives byte-identical files, whatever `--threads`.
//! `--target-mb` alone adds patients until the size is reached; with `--patients` it keeps that
//! population and grows each patient's history instead ([`starvit_synth::Growth`]).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context as _;
use starvit_synth::{Growth, SynthConfig};

/// Arguments of `starvit synth`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Number of patients to generate [default: 100]. With --target-mb: the fixed population,
    /// whose histories grow (more encounters, further back) until the size is reached.
    #[arg(long)]
    pub patients: Option<u64>,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output directory (created if missing).
    #[arg(long)]
    pub out: PathBuf,
    /// Grow the export until its NDJSON reaches this many megabytes (10^6 bytes): by adding
    /// patients, or with --patients by adding history to each of that many people.
    #[arg(long)]
    pub target_mb: Option<u64>,
    /// Worker threads; 0 = all available cores. Does not change the output.
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
}

/// Runs the subcommand.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let threads = match args.threads {
        0 => std::thread::available_parallelism().map_or(1, usize::from),
        n => n,
    };
    let cfg = SynthConfig {
        patients: args.patients.unwrap_or(100),
        seed: args.seed,
        target_bytes: args.target_mb.map(|mb| mb * 1_000_000),
        growth: match args.patients {
            Some(_) => Growth::History,
            None => Growth::People,
        },
        threads,
    };
    let started = Instant::now();
    let summary = starvit_synth::generate(&cfg, &args.out)
        .with_context(|| format!("generating into {}", args.out.display()))?;
    let secs = started.elapsed().as_secs_f64().max(1e-9);
    println!(
        "wrote {} patients to {} (seed {}, transactionTime {})",
        summary.patients,
        args.out.display(),
        args.seed,
        summary.transaction_time
    );
    for (resource_type, count) in &summary.counts {
        println!("  {resource_type:<20} {count:>10}");
    }
    let mb = summary.ndjson_bytes as f64 / 1e6;
    println!("  {:<20} {:>10}", "planted identifiers", summary.planted);
    println!(
        "{mb:.1} MB of NDJSON in {secs:.2} s = {:.1} MB/s on {threads} thread(s)",
        mb / secs
    );
    Ok(ExitCode::SUCCESS)
}
