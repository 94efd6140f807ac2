//! `make bench` (scale section): the leak gate's people index of a synthesized export, as
//! `deidentify` builds it: `people_index DIR` reads DIR's people files (Patient,
//! Practitioner, ...) into a `PeopleIndex` and prints one JSON line: people, distinct values,
//! the builder's bytes, the index's bytes (`PeopleIndex::memory_bytes`, what `deidentify`
//! logs as `index_bytes`), bytes per person, build seconds, and this process's peak RSS
//! before and after the build (the index's construction is the peak). One process per
//! export, so each peak is that export's.
//!
//! `people_index DIR search`: then also checks every string and number of DIR's other
//! files (up to [`SEARCH_BYTES`] of them, read before the index is built) against the index
//! alone, one value at a time, and adds the search's on-CPU time, values, hits and MB/s.

use std::time::Instant;

use serde_json::Value;
use starvit_deid::gate::{self, LineValues, OpenValues, PeopleIndex};

/// Bytes of NDJSON read for the search (the peaks then include them).
const SEARCH_BYTES: u64 = 64 << 20;

fn rss_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// On-CPU seconds of this thread (the machine is shared); wall time when unknown.
fn cpu_s(since: Instant) -> impl Fn() -> f64 {
    let read = || -> Option<f64> {
        let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
        Some(s.split_whitespace().next()?.parse::<f64>().ok()? / 1e9)
    };
    let start = read();
    move || match (start, read()) {
        (Some(a), Some(b)) => b - a,
        _ => since.elapsed().as_secs_f64(),
    }
}

/// Every string and number of `v`.
fn leaves(v: &Value, f: &mut impl FnMut(&Value)) {
    match v {
        Value::Array(a) => a.iter().for_each(|x| leaves(x, f)),
        Value::Object(o) => o.values().for_each(|x| leaves(x, f)),
        Value::String(_) | Value::Number(_) => f(v),
        _ => {}
    }
}

/// The values of DIR's other files, up to [`SEARCH_BYTES`].
fn hays(files: &[std::path::PathBuf]) -> Result<Vec<Value>, Box<dyn std::error::Error>> {
    let mut out = Vec::new();
    let mut buf = Vec::new();
    for path in files
        .iter()
        .filter(|p| !starvit_deid::export::is_people_file(p))
    {
        let file = std::fs::File::open(path)?;
        let mut input = std::io::BufReader::new(std::io::Read::take(file, SEARCH_BYTES / 16));
        starvit_deid::export::each_resource(&mut input, &mut buf, |v| {
            leaves(v, &mut |l| out.push(l.clone()));
        })?;
    }
    Ok(out)
}

/// `"search_s":...` fields: every value of `values` checked against `index` alone.
fn search(index: &PeopleIndex, values: &[Value]) -> String {
    let (empty, mut open) = (LineValues::new(), OpenValues::new());
    let (mut hits, mut bytes) = (0_usize, 0_usize);
    let cpu = cpu_s(Instant::now());
    for v in values {
        open.clear();
        open.push_value(v);
        bytes += v.as_str().map_or(0, str::len);
        hits += usize::from(gate::check(&empty, Some(index), &open).is_some());
    }
    let took = cpu();
    format!(
        r#","search_values":{},"search_string_bytes":{bytes},"search_hits":{hits},"search_s":{took:.3},"search_mb_s":{:.1}"#,
        values.len(),
        bytes as f64 / 1e6 / took
    )
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .ok_or("usage: people_index DIR [search]")?;
    let files = starvit_deid::scan::ndjson_files(std::path::Path::new(&dir))?;
    let searched = match std::env::args().nth(2).as_deref() {
        Some("search") => hays(&files)?,
        Some(_) => return Err("usage: people_index DIR [search]".into()),
        None => Vec::new(),
    };
    let mut builder = PeopleIndex::builder();
    let mut buf = Vec::new();
    let started = Instant::now();
    for path in files
        .iter()
        .filter(|p| starvit_deid::export::is_people_file(p))
    {
        let mut input = std::io::BufReader::new(std::fs::File::open(path)?);
        starvit_deid::export::add_stream(&mut input, &mut builder, &mut buf)?;
    }
    let (people, builder_bytes) = (builder.people(), builder.memory_bytes());
    let read_s = started.elapsed().as_secs_f64();
    let hwm_before = rss_kib("VmHWM:");
    let started = Instant::now();
    let index = builder.build();
    let build_s = started.elapsed().as_secs_f64();
    let bytes = index.memory_bytes();
    let (peak, rss) = (rss_kib("VmHWM:"), rss_kib("VmRSS:"));
    let search = if searched.is_empty() {
        String::new()
    } else {
        search(&index, &searched)
    };
    println!(
        r#"{{"people":{people},"values":{},"builder_bytes":{builder_bytes},"index_bytes":{bytes},"bytes_per_person":{:.0},"bytes_per_value":{:.1},"read_s":{read_s:.3},"build_s":{build_s:.3},"peak_rss_kib_before_build":{hwm_before},"peak_rss_kib":{peak},"rss_kib":{rss}{search}}}"#,
        index.len(),
        bytes as f64 / people.max(1) as f64,
        bytes as f64 / index.len().max(1) as f64,
    );
    Ok(())
}
