//! `starvit deid`: de-identify NDJSON files with a policy (fail-closed allowlist).
//!
//! Outputs go to `--output DIR/<name>.ndjson` through a `.partial` staging file; a file whose
//! leak gate trips is removed and the command exits 1. Prints a per-type summary, the policy
//! version and the leak-check result; never a value from the input.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use starvit_deid::{DeidError, Engine, FileJob, Key, Policy, Summary};

/// Arguments of `starvit deid`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Builtin policy name (`shifted`, `safe-harbor`) or a profile file path.
    #[arg(long, default_value = "shifted")]
    pub policy: String,
    /// An NDJSON file or a directory of `*.ndjson` (PHI side).
    #[arg(long)]
    pub input: PathBuf,
    /// Output directory (de-ID side).
    #[arg(long)]
    pub output: PathBuf,
    /// Key file; otherwise the `STARVIT_DEID_KEY` environment variable.
    #[arg(long)]
    pub key_file: Option<PathBuf>,
    /// Directory for quarantined lines (PHI side).
    #[arg(long)]
    pub quarantine: Option<PathBuf>,
    /// Worker threads (files in parallel).
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
}

fn load_key(args: &Args) -> anyhow::Result<Key> {
    match &args.key_file {
        Some(p) => Ok(Key::from_file(p)?),
        None => {
            let v = std::env::var("STARVIT_DEID_KEY")
                .context("no --key-file and STARVIT_DEID_KEY is not set")?;
            Ok(Key::from_bytes(v.into_bytes())?)
        }
    }
}

/// Runs the subcommand.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let policy = Policy::resolve(&args.policy)?;
    let key = load_key(args)?;
    let engine = Engine::new(policy, &key);
    std::fs::create_dir_all(&args.output).context("cannot create the output directory")?;
    if let Some(q) = &args.quarantine {
        std::fs::create_dir_all(q).context("cannot create the quarantine directory")?;
    }
    let inputs = starvit_deid::scan::ndjson_files(&args.input).context("cannot list the input")?;
    let jobs: Vec<FileJob> = inputs
        .iter()
        .map(|input| {
            let name = input
                .file_name()
                .map(std::ffi::OsStr::to_os_string)
                .unwrap_or_default();
            FileJob {
                input: input.clone(),
                output: args.output.join(&name),
                quarantine: args.quarantine.as_ref().map(|q| q.join(&name)),
            }
        })
        .collect();
    let started = std::time::Instant::now();
    let reports = engine.deid_files(&jobs, args.threads);
    let mut total = Summary {
        policy_version: engine.policy().version().to_owned(),
        ..Summary::default()
    };
    let mut leaks = 0;
    let mut failures = 0;
    for r in &reports {
        match &r.result {
            Ok(s) => total.merge(s),
            Err(DeidError::Leak { line, kind }) => {
                leaks += 1;
                eprintln!(
                    "LEAK {}: line {line}: {kind} value survived; output discarded",
                    r.input.display()
                );
            }
            Err(e) => {
                failures += 1;
                eprintln!("FAILED {}: {e}", r.input.display());
            }
        }
    }
    print_summary(&total, engine.policy(), jobs.len(), started.elapsed());
    if leaks > 0 {
        println!("leak check: FAILED in {leaks} file(s)");
        return Ok(ExitCode::from(1));
    }
    println!(
        "leak check: passed ({} resources checked)",
        total.leak_checked
    );
    Ok(if failures > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

fn print_summary(s: &Summary, policy: &Policy, files: usize, elapsed: std::time::Duration) {
    println!("policy: {} {}", policy.name(), policy.version());
    println!(
        "{:<28} {:>10} {:>10} {:>10} {:>12}",
        "resource type", "in", "out", "dropped", "quarantined"
    );
    for (t, c) in &s.by_type {
        println!(
            "{t:<28} {:>10} {:>10} {:>10} {:>12}",
            c.input, c.output, c.dropped, c.quarantined
        );
    }
    let t = s.totals();
    println!(
        "{:<28} {:>10} {:>10} {:>10} {:>12}",
        "TOTAL", t.input, t.output, t.dropped, t.quarantined
    );
    for (reason, n) in &s.quarantine_reasons {
        println!("quarantined {reason}: {n}");
    }
    println!("files: {files}, elapsed: {:.2}s", elapsed.as_secs_f64());
}
