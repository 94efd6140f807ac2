//! Leak-gate benchmark (`make bench`): one measurement per process, printed as one JSON
//! line, so the peak RSS (`VmHWM`) belongs to that size alone.
//!
//! - `gate_bench line N`: one resource of N identifying values (identifiers, phones, names,
//!   address lines); fill its `LineValues`, then `check_value` an output of N clean strings.
//! - `gate_bench people N`: a `PeopleIndex` of N values (Patients of 10 values each), then
//!   `check` 100,000 clean open values against it (time per value must not grow with N).
//! - `gate_bench engine`: one 7.9 MB Observation line of 180,000 identifiers through
//!   `Engine::deid_ndjson`, gate on and off.
//! - `gate_bench share P`: a synthesized export of P patients through the engine, gate on and
//!   off: the gate's share of the engine's time on ordinary data.

use std::time::Instant;

use serde_json::{Value, json};
use starvit_deid::gate::{self, LineValues, OpenValues, PeopleIndex};
use starvit_deid::{Engine, EngineOptions, Key, MemoryQuarantine, Policy};

/// A pronounceable word from `i` (distinct for distinct `i`).
fn word(mut i: usize) -> String {
    const C: &[u8] = b"bcdfghklmnprstvz";
    const V: &[u8] = b"aeiou";
    let mut s = String::new();
    loop {
        s.push(char::from(C[i % C.len()]));
        i /= C.len();
        s.push(char::from(V[i % V.len()]));
        i /= V.len();
        if i == 0 {
            return s;
        }
    }
}

/// Value `i` of a resource: identifier, phone, given name or address line.
fn person_values(i: usize, n: usize) -> Value {
    let q = n.div_ceil(4);
    let pick = |k: usize| (0..q).map(move |j| j * 4 + k).take_while(move |&x| x < n);
    json!({"resourceType":"Patient","id": format!("{:032x}", i),
        "identifier": pick(0).map(|j| json!({"value": format!("MRN{j:09}")})).collect::<Vec<_>>(),
        "telecom": pick(1).map(|j| json!({"value": format!("555-{:03}-{:04}", j / 10_000 % 1000, j % 10_000)})).collect::<Vec<_>>(),
        "name": [{"family": format!("Fam{}", word(i)), "given": pick(2).map(|j| format!("G{}", word(j))).collect::<Vec<_>>()}],
        "address": [{"line": pick(3).map(|j| format!("{j} {} Street", word(j))).collect::<Vec<_>>()}]})
}

/// N output values that hit nothing, shaped like an engine's output: pseudonyms (UUIDs),
/// codes with units, and small numbers.
fn clean_output(n: usize) -> Value {
    Value::Array(
        (0..n)
            .map(|j| match j % 3 {
                0 => json!(format!(
                    "Patient/{:08x}-0000-4000-8000-{:012x}",
                    j,
                    (j * 2_654_435_761) & 0xffff_ffff_ffff
                )),
                1 => json!({"code": format!("{}-{}", j % 99_999, j % 7), "unit": "mg/dL"}),
                _ => json!(j % 1000),
            })
            .collect(),
    )
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn secs(t: Instant) -> f64 {
    t.elapsed().as_secs_f64()
}

/// On-CPU seconds of this thread (`/proc/thread-self/schedstat`): the machine is shared by
/// several builds, so wall time measures the neighbours; falls back to wall time.
fn cpu_now() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns / 1e9)
}

/// On-CPU seconds per run of `runs` runs of `f` (in batches of a third, the fastest batch:
/// the machine is shared), with the last result.
fn best<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let batch = (runs / 3).max(1);
    let mut best = f64::INFINITY;
    let mut out = None;
    for _ in 0..runs.div_ceil(batch) {
        let (t, c) = (Instant::now(), cpu_now());
        for _ in 0..batch {
            out = Some(f());
        }
        let took = match (c, cpu_now()) {
            (Some(a), Some(b)) => b - a,
            _ => secs(t),
        };
        best = best.min(took / batch as f64);
    }
    (best, out.unwrap_or_else(|| unreachable!()))
}

/// Repetitions of an operation on `n` values: about 3 million values in all, so even the
/// smallest size runs long enough for the scheduler's CPU clock; at least 3.
fn runs(n: usize) -> usize {
    (3_000_000 / n.max(1)).max(3)
}

fn line(n: usize) {
    let input = person_values(0, n);
    let output = clean_output(n);
    let (fill, line) = best(runs(n), || LineValues::of(&input));
    let (check, hit) = best(runs(n), || gate::check_value(&line, None, &output));
    assert!(hit.is_none(), "the clean output must not hit");
    println!(
        r#"{{"mode":"line","values":{n},"needles":{},"fill_s":{fill:.6},"check_s":{check:.6},"gate_bytes":{},"peak_rss_kib":{}}}"#,
        line.len(),
        line.memory_bytes(),
        peak_rss_kib()
    );
}

fn people(n: usize) {
    let persons: Vec<Value> = (0..n.div_ceil(10))
        .map(|p| {
            let mut v = person_values(p, 10);
            // Distinct values per person: prefix with the person's number.
            if let Some(ids) = v["identifier"].as_array_mut() {
                for (k, id) in ids.iter_mut().enumerate() {
                    id["value"] = json!(format!("MRN{p:08}{k}"));
                }
            }
            v
        })
        .collect();
    let (build, index) = best(runs(n), || {
        let mut b = PeopleIndex::builder();
        persons.iter().for_each(|p| b.add(p));
        b.build()
    });
    let mut open = OpenValues::new();
    let probes = 100_000;
    for v in clean_output(probes).as_array().into_iter().flatten() {
        open.push_value(v);
    }
    let empty = LineValues::new();
    let (check, hit) = best(30, || gate::check(&empty, Some(&index), &open));
    assert!(hit.is_none(), "the clean probes must not hit");
    println!(
        r#"{{"mode":"people","values":{n},"needles":{},"build_s":{build:.6},"check_s":{check:.6},"probes":{probes},"gate_bytes":{},"peak_rss_kib":{}}}"#,
        index.len(),
        index.memory_bytes(),
        peak_rss_kib()
    );
}

fn engine() -> Result<(), Box<dyn std::error::Error>> {
    let ids: Vec<Value> = (0..180_000)
        .map(|i| json!({"system":"urn:oid:1.2","value": format!("I{i:07}")}))
        .collect();
    let line = json!({"resourceType":"Observation","id":"big-line","status":"final",
        "code":{"coding":[{"system":"http://loinc.org","code":"8302-2"}]},"identifier": ids})
    .to_string();
    let key = Key::from_bytes(b"bench-key-not-a-secret-0123456789".to_vec())?;
    let mut times = Vec::new();
    for gate_on in [true, false] {
        let options = EngineOptions {
            leak_gate: gate_on,
            ..EngineOptions::default()
        };
        let engine = Engine::with_options(Policy::builtin("shifted")?, &key, options);
        let (took, summary) = best(1, || {
            let mut out = Vec::new();
            engine.deid_ndjson(line.as_bytes(), &mut out, &mut MemoryQuarantine::default())
        });
        let summary = summary?;
        times.push(took);
        assert_eq!(
            summary.totals().output,
            1,
            "the line must come out: {summary:?}"
        );
    }
    println!(
        r#"{{"mode":"engine","line_bytes":{},"values":180000,"gate_on_s":{:.3},"gate_off_s":{:.3},"peak_rss_kib":{}}}"#,
        line.len(),
        times[0],
        times[1],
        peak_rss_kib()
    );
    Ok(())
}

fn share(patients: usize) -> Result<(), Box<dyn std::error::Error>> {
    let (resources, _) = starvit_synth::export_in_memory(1, patients as u64);
    let mut input = Vec::new();
    for r in &resources {
        serde_json::to_writer(&mut input, r)?;
        input.push(b'\n');
    }
    let key = Key::from_bytes(b"bench-key-not-a-secret-0123456789".to_vec())?;
    let mut times = Vec::new();
    for gate_on in [true, false] {
        let options = EngineOptions {
            leak_gate: gate_on,
            ..EngineOptions::default()
        };
        let engine = Engine::with_options(Policy::builtin("shifted")?, &key, options);
        let (took, summary) = best(3, || {
            engine.deid_ndjson(
                &input[..],
                std::io::sink(),
                &mut MemoryQuarantine::default(),
            )
        });
        summary?;
        times.push(took);
    }
    println!(
        r#"{{"mode":"share","bytes":{},"lines":{},"gate_on_mb_s":{:.1},"gate_off_mb_s":{:.1}}}"#,
        input.len(),
        resources.len(),
        input.len() as f64 / 1e6 / times[0],
        input.len() as f64 / 1e6 / times[1],
    );
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let n = || args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1000);
    match args.get(1).map(String::as_str) {
        Some("line") => line(n()),
        Some("people") => people(n()),
        Some("engine") => engine()?,
        Some("share") => share(n())?,
        Some("open") => {
            let (resources, _) = starvit_synth::export_in_memory(1, n() as u64);
            let mut open = OpenValues::new();
            let (t_open, _) = best(30, || {
                for r in &resources {
                    open.clear();
                    open.push_value(r);
                }
            });
            println!("open {t_open:.3}");
        }
        Some("fill") => {
            let (resources, _) = starvit_synth::export_in_memory(1, n() as u64);
            let mut line = LineValues::new();
            let (t, _) = best(30, || {
                for r in &resources {
                    line.fill(r);
                }
            });
            println!("fill {t:.3}");
        }
        _ => return Err("usage: gate_bench line N | people N | engine | share P".into()),
    }
    Ok(())
}
