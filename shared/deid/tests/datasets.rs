//! The shared real-data sets de-identified with zero leaks while clinical content survives.
//! Skipped when `../shared/data` is missing, failing under `CI=true`.

mod common;

use std::path::Path;

use serde_json::Value;
use starvit_deid::FileJob;

fn count_codings(v: &Value) -> usize {
    match v {
        Value::Object(o) => {
            usize::from(
                o.contains_key("system") && o.contains_key("code") && !o.contains_key("value"),
            ) + o.values().map(count_codings).sum::<usize>()
        }
        Value::Array(a) => a.iter().map(count_codings).sum(),
        _ => 0,
    }
}

fn lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

fn check_dataset(input: &Path, profile: &str) {
    let engine = common::engine(profile);
    let out = tempfile::tempdir().unwrap();
    let jobs: Vec<FileJob> = starvit_deid::scan::ndjson_files(input)
        .unwrap()
        .into_iter()
        .map(|f| FileJob {
            output: out.path().join(f.file_name().unwrap()),
            input: f,
            quarantine: None,
        })
        .collect();
    for r in engine.deid_files(&jobs, 2, None) {
        r.result
            .unwrap_or_else(|e| panic!("{}: {e}", r.input.display()));
    }
    let report = starvit_deid::leakscan(input, out.path()).unwrap();
    assert!(
        report.values > 50,
        "too few identifying values collected: {}",
        report.values
    );
    assert!(
        report.hits.is_empty(),
        "{profile} {}: leaks {:?}",
        input.display(),
        report.hits
    );

    let (mut codings_in, mut codings_out, mut vq_in, mut vq_out) = (0, 0, 0, 0);
    for job in &jobs {
        let ins = lines(&job.input);
        let outs = lines(&job.output);
        let kept: Vec<&Value> = ins
            .iter()
            .filter(|v| {
                engine
                    .policy()
                    .keeps_type(v["resourceType"].as_str().unwrap_or(""))
            })
            .collect();
        codings_in += kept.iter().map(|v| count_codings(v)).sum::<usize>();
        codings_out += outs.iter().map(count_codings).sum::<usize>();
        vq_in += kept
            .iter()
            .filter(|v| {
                v["valueQuantity"]["value"].is_number() && v["valueQuantity"]["unit"].is_string()
            })
            .count();
        vq_out += outs
            .iter()
            .filter(|v| {
                v["valueQuantity"]["value"].is_number() && v["valueQuantity"]["unit"].is_string()
            })
            .count();
    }
    // Output codings also include 2 tags + security labels per resource: compare clinical ones loosely.
    assert!(
        codings_out >= codings_in * 9 / 10,
        "codings kept: {codings_out} of {codings_in}"
    );
    assert_eq!(
        vq_out, vq_in,
        "every Observation valueQuantity keeps value and unit"
    );
}

#[test]
fn synthea_bulk_export_no_leaks_content_kept() {
    let Some(d) = common::shared_data() else {
        return;
    };
    for p in ["shifted", "safe-harbor"] {
        check_dataset(&d.join("synthea-bulk-data-server-6"), p);
    }
}

#[test]
fn medplum_export_no_leaks_content_kept() {
    let Some(d) = common::shared_data() else {
        return;
    };
    for p in ["shifted", "safe-harbor"] {
        check_dataset(&d.join("medplum-export-sample/ndjson"), p);
    }
}

#[test]
fn fhir_r4_examples_no_leaks() {
    let Some(d) = common::shared_data() else {
        return;
    };
    let engine = common::engine("shifted");
    let out = tempfile::tempdir().unwrap();
    let input = d.join("fhir-r4-examples-all.ndjson");
    let job = FileJob {
        input: input.clone(),
        output: out.path().join("all.ndjson"),
        quarantine: None,
    };
    let summary = engine.deid_file(&job, None).unwrap();
    for t in ["Subscription", "Binary", "AuditEvent"] {
        assert_eq!(summary.by_type[t].output, 0, "{t}");
    }
    assert!(summary.totals().output >= 15);
    let report = starvit_deid::leakscan(&input, out.path()).unwrap();
    assert!(report.hits.is_empty(), "leaks {:?}", report.hits);
}
