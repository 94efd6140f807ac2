//! Throughput check: `cargo run --release -p starvit-synth --example synth_bench -- OUT MB THREADS`.

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = args.next().unwrap_or_else(|| "/tmp/synth-bench".to_owned());
    let mb: u64 = args.next().map_or(Ok(200), |s| s.parse())?;
    let threads: usize = args.next().map_or(Ok(1), |s| s.parse())?;
    let cfg = starvit_synth::SynthConfig {
        target_bytes: Some(mb * 1_000_000),
        threads,
        ..starvit_synth::SynthConfig::new(0, 1)
    };
    let started = Instant::now();
    let s = starvit_synth::generate(&cfg, std::path::Path::new(&out))?;
    let secs = started.elapsed().as_secs_f64();
    let mbytes = s.ndjson_bytes as f64 / 1e6;
    println!(
        "{} patients, {mbytes:.1} MB, {secs:.2} s, {:.1} MB/s, {threads} thread(s)",
        s.patients,
        mbytes / secs
    );
    println!("{:?}", s.counts);
    Ok(())
}
