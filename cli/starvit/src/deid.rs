//! `starvit deid`: de-identify NDJSON files with a policy (fail-closed allowlist).
//!
//! Outputs go to `--output DIR/<Type>.<id>.ndjson` through a `.partial` staging file: the
//! resource type (when the input name starts with a FHIR resource type) and a deterministic
//! id derived from the input name, nothing else of it (an input name may carry anything).
//! A line the leak gate stops is quarantined; the rest of its file goes on. Prints a
//! per-type summary, the line accounting, the policy version and the leak-gate result;
//! never a value from the input, nor an input path.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use sha2::{Digest, Sha256};
use starvit_deid::settings::DeidSettings;
use starvit_deid::{Engine, FileJob, Key, Policy, QuarantineReason, Summary};

/// Arguments of `starvit deid`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Builtin policy name (`shifted`, `safe-harbor`, `shifted-text`: its free text is dropped here, no DLP) or a profile file path.
    #[arg(long, default_value = "shifted")]
    pub policy: String,
    /// An NDJSON file or a directory of `*.ndjson` (PHI side).
    #[arg(long)]
    pub input: PathBuf,
    /// Output directory (de-ID side).
    #[arg(long)]
    pub output: PathBuf,
    /// Key file (hex); otherwise `STARVIT_DEID_KEY` (hex) or `STARVIT_DEID_KEY_FILE`, as the
    /// functions read them: the same key gives the same pseudonyms everywhere.
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
    let file = args
        .key_file
        .as_ref()
        .map(|p| p.to_string_lossy().into_owned());
    let get = |name: &str| match name {
        "STARVIT_DEID_KEY_FILE" if file.is_some() => file.clone(),
        "STARVIT_DEID_KEY" if file.is_some() => None,
        "STARVIT_DEID_POLICY" => Some(args.policy.clone()),
        other => std::env::var(other).ok(),
    };
    Ok(DeidSettings::from_lookup(get)?.key)
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
            let name = output_name(input);
            FileJob {
                input: input.clone(),
                output: args.output.join(&name),
                quarantine: args.quarantine.as_ref().map(|q| q.join(&name)),
            }
        })
        .collect();
    let started = std::time::Instant::now();
    // The gate checks every line against the people of the whole export, not only its own.
    let people =
        starvit_deid::export::people_index(&inputs).context("cannot read the people files")?;
    let reports = engine.deid_files(&jobs, args.threads, Some(&people));
    let mut total = Summary {
        policy_version: engine.policy().version().to_owned(),
        ..Summary::default()
    };
    let mut failures = 0;
    for (job, r) in jobs.iter().zip(&reports) {
        match &r.result {
            Ok(s) => total.merge(s),
            Err(e) => {
                failures += 1;
                let out = job.output.file_name().unwrap_or_default().to_string_lossy();
                eprintln!("FAILED (output {out}): {e}");
            }
        }
    }
    print_summary(&total, engine.policy(), jobs.len(), started.elapsed());
    let stopped: u64 = total
        .quarantine_reasons
        .iter()
        .filter(|(r, _)| matches!(r, QuarantineReason::LeakGate(_)))
        .map(|(_, n)| n)
        .sum();
    println!(
        "leak gate: {} resources checked, {stopped} line(s) stopped and quarantined",
        total.leak_checked
    );
    if engine.policy().has_text() {
        println!(
            "free text: {} element(s) dropped (this command has no DLP; deidentify sends them)",
            total.texts.dropped()
        );
    }
    Ok(if failures > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

/// `<Type>.<12 hex of SHA-256 of the input file name>.ndjson`: deterministic, and nothing
/// of the input name but its resource type (`Unknown` when it does not start with one).
fn output_name(input: &std::path::Path) -> String {
    let name = input.file_name().unwrap_or_default().to_string_lossy();
    let first = name.split('.').next().unwrap_or_default();
    let ty = if starvit_deid::summary::is_fhir_type(first) {
        first
    } else {
        "Unknown"
    };
    let digest = Sha256::digest(name.as_bytes());
    format!("{ty}.{}.ndjson", hex::encode(&digest[..6]))
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
    println!(
        "lines: read {} = written {} + dropped by policy {} + quarantined {} ({})",
        s.lines,
        t.output,
        t.dropped,
        t.quarantined,
        if s.check_accounting().is_ok() {
            "accounted"
        } else {
            "NOT ACCOUNTED"
        }
    );
    for (reason, n) in &s.quarantine_reasons {
        println!("quarantined {reason}: {n}");
    }
    println!("files: {files}, elapsed: {:.2}s", elapsed.as_secs_f64());
}
