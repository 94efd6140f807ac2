//! What the scale bench prints and keeps: each run, and per growth series (same population
//! with more history; more people) how each function's peak RSS and time grow from the smallest
//! to the largest size, with a verdict per function by [`FLAT_RULE`].

use serde_json::{Value, json};

/// When a function's peak RSS counts as flat.
pub const FLAT_RULE: &str = "flat: peak RSS at the largest size at most max(10% of the smallest \
                             size's, 4 MiB) above it; else grows";

/// `"flat"` or `"grows"` for a peak of `from` MiB at the smallest size and `to` at the largest.
fn verdict(from: f64, to: f64) -> &'static str {
    if to - from <= (0.10 * from).max(4.0) {
        "flat"
    } else {
        "grows"
    }
}

const STAGES: [(&str, &str); 3] = [
    ("bulk_export", "bulk-export"),
    ("deidentify", "deidentify"),
    ("bq_load", "bq-load"),
];

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

/// The runs of `growth`, smallest to largest, compared and printed; `None` with fewer than two.
pub fn series(runs: &[Value], growth: &str) -> Option<Value> {
    let mine: Vec<&Value> = runs.iter().filter(|r| r["growth"] == growth).collect();
    let (a, b) = (*mine.first()?, *mine.last()?);
    if mine.len() < 2 {
        return None;
    }
    let mut functions = serde_json::Map::new();
    for (key, _) in STAGES {
        let (from, to) = (f(&a["peak_rss_mib"][key]), f(&b["peak_rss_mib"][key]));
        functions.insert(
            key.to_owned(),
            json!({
                "peak_rss_mib": [from, to],
                "rss_ratio": to / from,
                "time_ratio": f(&b["stage_end_seconds"][key]) / f(&a["stage_end_seconds"][key]),
                "verdict": verdict(from, to),
            }),
        );
    }
    let (pa, pb) = (&a["people_index"], &b["people_index"]);
    let added = f(&pb["people"]) - f(&pa["people"]);
    let deid_added = f(&b["peak_rss_mib"]["deidentify"]) - f(&a["peak_rss_mib"]["deidentify"]);
    let out = json!({
        "growth": growth,
        "export_mb": [f(&a["export_mb"]), f(&b["export_mb"])],
        "patients": [a["patients"], b["patients"]],
        "index_people": [pa["people"], pb["people"]],
        "index_bytes": [pa["index_bytes"], pb["index_bytes"]],
        "index_bytes_per_person": [pa["bytes_per_person"], pb["bytes_per_person"]],
        "deidentify_peak_bytes_per_added_person":
            if added > 0.0 { json!(deid_added * 1048576.0 / added) } else { Value::Null },
        "functions": functions,
    });
    print_series(&out);
    Some(out)
}

fn print_series(s: &Value) {
    let mb = &s["export_mb"];
    let title = if s["growth"] == "history" {
        format!(
            "same population ({} people), more history",
            s["patients"][0]
        )
    } else {
        format!(
            "more people ({} -> {} patients)",
            s["patients"][0], s["patients"][1]
        )
    };
    println!(
        "scale growth, {title}: {:.0} -> {:.0} MB (x{:.1})",
        f(&mb[0]),
        f(&mb[1]),
        f(&mb[1]) / f(&mb[0])
    );
    for (key, name) in STAGES {
        let g = &s["functions"][key];
        println!(
            "  {name:<12} peak RSS {:.0} -> {:.0} MiB (x{:.2}): {:<5}  time to stage end x{:.2}",
            f(&g["peak_rss_mib"][0]),
            f(&g["peak_rss_mib"][1]),
            f(&g["rss_ratio"]),
            g["verdict"].as_str().unwrap_or("?"),
            f(&g["time_ratio"]),
        );
    }
    let (people, bytes, per) = (
        &s["index_people"],
        &s["index_bytes"],
        &s["index_bytes_per_person"],
    );
    print!(
        "  deidentify's people index: {} -> {} people, {:.1} -> {:.1} MiB ({:.0} -> {:.0} B/person)",
        people[0],
        people[1],
        f(&bytes[0]) / 1048576.0,
        f(&bytes[1]) / 1048576.0,
        f(&per[0]),
        f(&per[1]),
    );
    match s["deidentify_peak_bytes_per_added_person"].as_f64() {
        Some(b) => println!("; deidentify peak +{b:.0} B per added person"),
        None => println!(),
    }
    println!("  ({FLAT_RULE})");
}

/// One run: stage ends, peak RSS, handler time, the people index and the MERGE scans.
pub fn print_run(run: &Value) {
    let t = &run["stage_end_seconds"];
    let r = &run["peak_rss_mib"];
    let s = &run["merge_scan"];
    println!(
        "scale: {:.0} MB export, {} patients (grown by {}), {} parts",
        f(&run["export_mb"]),
        run["patients"],
        run["growth"].as_str().unwrap_or("?"),
        run["parts"]
    );
    println!(
        "  stage ends (s from trigger): bulk-export {:.1}, deidentify {:.1}, bq-load {:.1}",
        f(&t["bulk_export"]),
        f(&t["deidentify"]),
        f(&t["bq_load"])
    );
    println!(
        "  peak RSS (MiB): bulk-export {:.0}, deidentify {:.0}, bq-load {:.0}",
        f(&r["bulk_export"]),
        f(&r["deidentify"]),
        f(&r["bq_load"])
    );
    let h = &run["handlers"];
    println!(
        "  handler seconds (sum / longest delivery): bulk-export {:.1} / {:.1}, deidentify \
         {:.1} / {:.1}, bq-load {:.1} / {:.1}",
        f(&h["bulk_export"]["handler_seconds"]),
        f(&h["bulk_export"]["longest_event_seconds"]),
        f(&h["deidentify"]["handler_seconds"]),
        f(&h["deidentify"]["longest_event_seconds"]),
        f(&h["bq_load"]["handler_seconds"]),
        f(&h["bq_load"]["longest_event_seconds"]),
    );
    let p = &run["people_index"];
    println!(
        "  deidentify people index: {} people, {} values, {:.1} MiB ({:.0} bytes/person, \
         built in {} ms); deidentify peak RSS minus the index {:.0} MiB",
        p["people"],
        p["values"],
        f(&p["index_bytes"]) / 1048576.0,
        f(&p["bytes_per_person"]),
        p["build_ms"],
        f(&r["deidentify"]) - f(&p["index_bytes"]) / 1048576.0,
    );
    println!(
        "  raw tables {:.1} MB ({} rows); MERGE reads per object: as built max {:.2} MB, \
         median {:.2} MB; unpruned (before) {:.2} MB; hourly incremental {:.2} MB",
        f(&s["raw_table_bytes"]) / 1e6,
        s["raw_rows"],
        f(&s["pruned_max_bytes"]) / 1e6,
        f(&s["pruned_median_bytes"]) / 1e6,
        f(&s["unpruned_max_bytes"]) / 1e6,
        f(&s["incremental_bytes"]) / 1e6,
    );
}
