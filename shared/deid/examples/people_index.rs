//! `make bench` (scale section): the leak gate's people index of a synthesized export, as
//! `deidentify` builds it: `people_index DIR` reads DIR's people files (Patient,
//! Practitioner, ...) into a `PeopleIndex` and prints one JSON line: people, distinct values,
//! the builder's bytes, the index's bytes (`PeopleIndex::memory_bytes`, what `deidentify`
//! logs as `index_bytes`), bytes per person, build seconds, and this process's peak RSS
//! before and after the build (the automaton's construction is the peak). One process per
//! export, so each peak is that export's.

use std::time::Instant;

use starvit_deid::gate::PeopleIndex;

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

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).ok_or("usage: people_index DIR")?;
    let files = starvit_deid::scan::ndjson_files(std::path::Path::new(&dir))?;
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
    println!(
        r#"{{"people":{people},"values":{},"builder_bytes":{builder_bytes},"index_bytes":{bytes},"bytes_per_person":{:.0},"bytes_per_value":{:.1},"read_s":{read_s:.3},"build_s":{build_s:.3},"peak_rss_kib_before_build":{hwm_before},"peak_rss_kib":{},"rss_kib":{}}}"#,
        index.len(),
        bytes as f64 / people.max(1) as f64,
        bytes as f64 / index.len().max(1) as f64,
        rss_kib("VmHWM:"),
        rss_kib("VmRSS:"),
    );
    Ok(())
}
