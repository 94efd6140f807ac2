//! Throughput check:
//! `cargo run --release -p starvit-synth --example synth_bench -- [OUT] [MB] [ROUNDS]`.
//!
//! Writes an export of about `MB` megabytes (default 200) into `OUT` (default `/tmp/synth-bench`)
//! with 1 and with 2 threads, and prints NDJSON MB/s for each. As a baseline it then takes the same
//! resources in memory (as `serde_json::Value`s, not timed) and times a plain
//! `serde_json::to_writer` of them into per-type NDJSON files in the same directory, and prints
//! the generator's speed as a ratio of that. `ROUNDS` (default 1) repeats the three measurements,
//! interleaved, and reports the best of each (the machine may be noisy).

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::Instant;

use starvit_synth::{SynthConfig, generate};

const SEED: u64 = 1;

/// Generates into `out` with `threads` threads; returns (patients, bytes, seconds).
fn run(out: &Path, mb: u64, threads: usize) -> Result<(u64, u64, f64), Box<dyn std::error::Error>> {
    let _ = std::fs::remove_dir_all(out);
    let cfg = SynthConfig {
        target_bytes: Some(mb * 1_000_000),
        threads,
        ..SynthConfig::new(0, SEED)
    };
    let started = Instant::now();
    let s = generate(&cfg, out)?;
    Ok((s.patients, s.ndjson_bytes, started.elapsed().as_secs_f64()))
}

/// Serializes `resources` with `serde_json::to_writer` into `<Type>.ndjson` files under `out`;
/// returns (bytes, seconds).
fn baseline(
    resources: &[serde_json::Value],
    out: &Path,
) -> Result<(u64, f64), Box<dyn std::error::Error>> {
    let _ = std::fs::remove_dir_all(out);
    std::fs::create_dir_all(out)?;
    let started = Instant::now();
    let mut files: BTreeMap<&str, BufWriter<File>> = BTreeMap::new();
    let mut bytes = 0u64;
    let mut line = Vec::with_capacity(1 << 16);
    for r in resources {
        let t = r["resourceType"].as_str().unwrap_or("Unknown");
        if !files.contains_key(t) {
            let f = File::create(out.join(format!("{t}.ndjson")))?;
            files.insert(t, BufWriter::with_capacity(1 << 20, f));
        }
        line.clear();
        serde_json::to_writer(&mut line, r)?;
        line.push(b'\n');
        bytes += line.len() as u64;
        if let Some(f) = files.get_mut(t) {
            f.write_all(&line)?;
        }
    }
    for f in files.values_mut() {
        f.flush()?;
    }
    Ok((bytes, started.elapsed().as_secs_f64()))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = args.next().unwrap_or_else(|| "/tmp/synth-bench".to_owned());
    let mb: u64 = args.next().map_or(Ok(200), |s| s.parse())?;
    let rounds: usize = args.next().map_or(Ok(1), |s| s.parse())?;
    let out = Path::new(&out);
    let mbs = |bytes: u64, secs: f64| bytes as f64 / 1e6 / secs.max(1e-9);

    let (patients, bytes, _) = run(&out.join("warmup"), mb.min(20), 1)?;
    println!("warm-up: {patients} patients, {:.1} MB", bytes as f64 / 1e6);

    let mut best = [0f64; 3];
    let mut resources = Vec::new();
    let mut sizes = (0u64, 0u64);
    for round in 0..rounds.max(1) {
        let (p1, b1, s1) = run(&out.join("t1"), mb, 1)?;
        let (p2, b2, s2) = run(&out.join("t2"), mb, 2)?;
        assert_eq!((p1, b1), (p2, b2), "thread count changed the export");
        if round == 0 {
            // The same resources in memory (not timed): pool then patients 0..p1.
            resources = starvit_synth::export_in_memory(SEED, p1).0;
            sizes = (p1, b1);
        }
        let (bb, sb) = baseline(&resources, &out.join("baseline"))?;
        assert_eq!(bb, b1, "baseline bytes differ from the export");
        let now = [mbs(b1, s1), mbs(b2, s2), mbs(bb, sb)];
        println!(
            "round {}: 1 thread {:.1} MB/s, 2 threads {:.1} MB/s, serde_json::to_writer of Values {:.1} MB/s",
            round + 1,
            now[0],
            now[1],
            now[2]
        );
        for (b, n) in best.iter_mut().zip(now) {
            *b = b.max(n);
        }
    }
    println!(
        "{} patients, {:.1} MB of NDJSON (best of {} round(s)):",
        sizes.0,
        sizes.1 as f64 / 1e6,
        rounds.max(1)
    );
    println!(
        "  generate, 1 thread : {:7.1} MB/s ({:.2}x the to_writer baseline)",
        best[0],
        best[0] / best[2]
    );
    println!(
        "  generate, 2 threads: {:7.1} MB/s ({:.2}x the to_writer baseline)",
        best[1],
        best[1] / best[2]
    );
    println!(
        "  baseline: serde_json::to_writer of the same in-memory Values, 1 thread: {:7.1} MB/s",
        best[2]
    );
    Ok(())
}
