//! Throughput baseline for the benchmark: plain serde_json parse + serialize of each
//! NDJSON line (what the engine is compared against). `serde_baseline IN OUT`.

use std::io::{BufRead, BufWriter, Write};

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let input = std::io::BufReader::with_capacity(256 << 10, std::fs::File::open(&args[1])?);
    let mut out = BufWriter::with_capacity(256 << 10, std::fs::File::create(&args[2])?);
    for line in input.split(b'\n') {
        let line = line?;
        if let Ok(v) = serde_json::from_slice::<serde_json::Value>(&line) {
            serde_json::to_writer(&mut out, &v)?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()
}
