//! The chain end to end on the local cloud.

use std::time::Duration;

use starvit_e2e::chain::{
    Binaries, Chain, ChainOptions, DEID_BUCKET, PHI_BUCKET, QUARANTINE_BUCKET,
};
use starvit_e2e::stack::Stack;

fn binaries() -> Binaries {
    starvit_e2e::test_binaries!()
}

/// Starts a stack and the chain on it, or `None` (after saying why) where emulators cannot run.
async fn started(name: &str, options: &ChainOptions) -> Option<Chain> {
    let stack = Stack::start_or_skip(name)?;
    Some(
        Chain::start(stack, &binaries(), options)
            .await
            .expect("chain"),
    )
}

/// Asserts that every raw table holds exactly the resources of the de-ID bucket; returns the
/// counts per type.
async fn assert_tables_equal_deid_bucket(
    chain: &Chain,
    when: &str,
) -> std::collections::BTreeMap<String, u64> {
    let deid_dir = tempfile::tempdir().expect("tempdir");
    chain
        .download(DEID_BUCKET, "exports/", ".ndjson", deid_dir.path())
        .await
        .expect("download");
    let expected = deid_counts(deid_dir.path());
    for (ty, n) in &expected {
        let table = chain.table(starvit_e2e::chain::RAW_DATASET, ty);
        let rows = chain
            .count(&format!("SELECT COUNT(*) FROM {table}"))
            .await
            .expect("count");
        assert_eq!(rows, *n, "rows in {ty} {when}");
    }
    expected
}

fn synth(patients: u64, seed: u64) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    starvit_synth::generate(&starvit_synth::SynthConfig::new(patients, seed), dir.path())
        .expect("synth");
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_is_deidentified_into_the_deid_bucket() {
    let Some(chain) = started("chain-deid", &ChainOptions::default()).await else {
        return;
    };
    let export = synth(8, 11);
    let uploaded = chain
        .upload_export(export.path(), "job-1")
        .await
        .expect("upload");
    assert!(uploaded.len() >= 10, "synth writes one file per type");
    assert!(
        chain.wait_idle(Duration::from_secs(120)).await,
        "chain did not go idle"
    );

    let out = chain.list_exports(DEID_BUCKET).await.expect("list");
    assert_eq!(
        out.len(),
        uploaded.len(),
        "one de-identified object per PHI file: {out:?}"
    );
    for object in &out {
        assert_eq!(
            object
                .metadata
                .get("starvit-export-job-id")
                .map(String::as_str),
            Some("job-1")
        );
        assert!(
            object.metadata.contains_key("starvit-deid-policy-version"),
            "{:?}",
            object.metadata
        );
    }
    let deid_dir = tempfile::tempdir().expect("tempdir");
    chain
        .download(DEID_BUCKET, "exports/", ".ndjson", deid_dir.path())
        .await
        .expect("download");
    let report = starvit_deid::leakscan(export.path(), deid_dir.path()).expect("leakscan");
    assert!(
        report.hits.is_empty(),
        "identifiers leaked into the de-ID bucket: {:?}",
        report.hits
    );
    assert!(chain.list(PHI_BUCKET).await.expect("list").len() >= uploaded.len());
    assert!(
        chain
            .list(QUARANTINE_BUCKET)
            .await
            .expect("list")
            .is_empty()
    );
}

/// De-identifies `file` locally with the chain's key and policy, the leak gate knowing the people
/// of `export` (the files `deidentify` reads from the export's manifest): what the de-ID bucket
/// must hold.
fn expected_output(file: &std::path::Path, export: &[std::path::PathBuf]) -> Vec<u8> {
    let key =
        starvit_deid::Key::from_bytes(hex::decode(starvit_e2e::chain::LOCAL_KEY_HEX).expect("hex"))
            .expect("key");
    let engine = starvit_deid::Engine::new(
        starvit_deid::Policy::builtin("shifted").expect("policy"),
        &key,
    );
    let people = starvit_deid::export::people_index(export).expect("people");
    let mut out = Vec::new();
    let input = std::io::BufReader::new(std::fs::File::open(file).expect("open"));
    engine
        .deid_stream(
            input,
            &mut out,
            &mut starvit_deid::MemoryQuarantine::default(),
            Some(&people),
        )
        .expect("deid");
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_delivered_three_times_ends_in_the_same_objects() {
    let options = ChainOptions {
        duplicate: 3,
        ..ChainOptions::default()
    };
    let Some(chain) = started("chain-dup", &options).await else {
        return;
    };
    let export = synth(5, 21);
    let uploaded = chain
        .upload_export(export.path(), "job-dup")
        .await
        .expect("upload");
    assert!(
        chain
            .wait_loaded("job-dup", uploaded.len(), Duration::from_secs(300))
            .await,
        "chain did not go idle"
    );
    let stats = chain.router_stats();
    // PHI finalizes, de-ID finalizes and bq-load's own staging finalizes are all events.
    assert!(stats.delivered >= 2 * uploaded.len() as u64, "{stats:?}");
    assert!(
        stats.posts >= 3 * stats.delivered,
        "each event posted three times: {stats:?}"
    );
    assert_eq!(stats.given_up, 0);

    // The tables hold each resource version once.
    assert_tables_equal_deid_bucket(&chain, "after triple delivery").await;
    let lineage = chain.table(starvit_e2e::chain::GOVERNANCE_DATASET, "lineage");
    let lineage_rows = chain
        .count(&format!(
            "SELECT COUNT(*) FROM {lineage} WHERE stage = 'bq-load'"
        ))
        .await
        .expect("lineage");
    assert_eq!(
        lineage_rows,
        uploaded.len() as u64,
        "one lineage row per loaded object"
    );

    let out = chain.list_exports(DEID_BUCKET).await.expect("list");
    assert_eq!(
        out.len(),
        uploaded.len(),
        "duplicates must not add objects: {out:?}"
    );
    for object in &out {
        assert_eq!(object.generation.len(), out[0].generation.len());
        let file = object.name.rsplit('/').next().expect("name");
        let ty = file.split('.').next().expect("type");
        let bytes = chain.read(DEID_BUCKET, &object.name).await.expect("read");
        assert_eq!(
            bytes,
            expected_output(
                &export.path().join(format!("{ty}.ndjson")),
                &starvit_deid::scan::ndjson_files(export.path()).expect("files"),
            ),
            "{} differs from a single clean run",
            object.name
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poison_lines_and_files_are_quarantined_and_the_rest_lands() {
    let Some(chain) = started("chain-poison", &ChainOptions::default()).await else {
        return;
    };
    let good = r#"{"resourceType":"Observation","id":"o1","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},"valueQuantity":{"value":72,"unit":"/min"}}"#;
    let mixed = format!(
        "{good}\nnot json at all\n{{\"resourceType\":\"Observation\"}}\n[1,2]\n\u{0}\u{1}\n{good}\n"
    );
    chain
        .upload_bytes("exports/job-p/Observation.ndjson", mixed.into_bytes())
        .await
        .expect("upload");
    chain
        .upload_bytes(
            "exports/job-p/Garbage.ndjson",
            vec![0xff, 0xfe, b'\n', b'{', b'\n'],
        )
        .await
        .expect("upload");
    chain.seal_export("job-p").await.expect("seal");
    let export = synth(2, 5);
    let uploaded = chain
        .upload_export(export.path(), "job-ok")
        .await
        .expect("upload");
    assert!(
        chain.wait_idle(Duration::from_secs(120)).await,
        "chain did not go idle"
    );
    assert_eq!(
        chain.router_stats().given_up,
        0,
        "poison must not be retried forever"
    );

    let deid = chain.list_exports(DEID_BUCKET).await.expect("list");
    assert_eq!(
        deid.iter()
            .filter(|o| o.name.starts_with("exports/job-ok/"))
            .count(),
        uploaded.len()
    );
    let obs: Vec<_> = deid
        .iter()
        .filter(|o| o.name.starts_with("exports/job-p/Observation."))
        .collect();
    assert_eq!(obs.len(), 1, "the good lines of the mixed file land");
    let text = String::from_utf8(chain.read(DEID_BUCKET, &obs[0].name).await.expect("read"))
        .expect("utf8");
    assert_eq!(text.lines().count(), 2);
    assert!(
        !deid
            .iter()
            .any(|o| o.name.starts_with("exports/job-p/Garbage.")),
        "a file with no good line writes nothing"
    );

    let quarantine = chain.list(QUARANTINE_BUCKET).await.expect("list");
    let q_obs = quarantine
        .iter()
        .find(|o| {
            o.name.starts_with("exports/job-p/Observation.")
                && o.name.ends_with(".quarantine.ndjson")
        })
        .expect("quarantine object for the mixed file");
    let records = String::from_utf8(
        chain
            .read(QUARANTINE_BUCKET, &q_obs.name)
            .await
            .expect("read"),
    )
    .expect("utf8");
    let reasons: Vec<(u64, String)> = records
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("record");
            (
                v["line"].as_u64().expect("line"),
                v["reason"].as_str().expect("reason").to_owned(),
            )
        })
        .collect();
    assert_eq!(reasons.len(), 4, "{reasons:?}");
    assert_eq!(reasons[0], (2, "invalid_json".to_owned()));
    assert_eq!(reasons[1].0, 3);
    assert_eq!(reasons[2], (4, "not_an_object".to_owned()));
    assert!(
        quarantine
            .iter()
            .any(|o| o.name.starts_with("exports/job-p/Garbage.")),
        "garbage quarantined"
    );
}

/// The MRN (`MRN` + digits) of each patient of an export directory, and its patients' ids.
fn mrns_and_ids(dir: &std::path::Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(dir.join("Patient.ndjson")).expect("patients");
    text.lines()
        .map(|l| {
            let p: serde_json::Value = serde_json::from_str(l).expect("patient");
            let mrn = p["identifier"]
                .as_array()
                .expect("identifiers")
                .iter()
                .filter_map(|i| i["value"].as_str())
                .find(|v| v.starts_with("MRN"))
                .expect("an MRN")
                .to_owned();
            (mrn, p["id"].as_str().expect("id").to_owned())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_patients_mrn_in_another_file_of_the_export_quarantines_that_line_only() {
    let Some(chain) = started("chain-people", &ChainOptions::default()).await else {
        return;
    };
    let export = synth(3, 41);
    let people = mrns_and_ids(export.path());
    // A patient whose MRN digits have no leading zero (as a number, `0585…` reads `585…`: the
    // gate does not match that form yet), planted in another patient's Observation.
    let owner = people
        .iter()
        .position(|(mrn, _)| !mrn.starts_with("MRN0"))
        .expect("an MRN without a leading zero");
    let (mrn, _) = &people[owner];
    let (_, other) = &people[(owner + 1) % people.len()];
    let digits = mrn.trim_start_matches("MRN");
    let number: u64 = digits.parse().expect("digits");
    // The MRN digits as the value of the other patient's heart rate, in the Observation file.
    let planted = serde_json::json!({
        "resourceType": "Observation", "id": "planted-1", "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
        "subject": {"reference": format!("Patient/{other}")},
        "valueQuantity": {"value": number, "unit": "/min", "system": "http://unitsofmeasure.org", "code": "/min"},
    });
    let obs_file = export.path().join("Observation.ndjson");
    let mut obs = std::fs::read_to_string(&obs_file).expect("observations");
    obs.push_str(&format!("{planted}\n"));
    std::fs::write(&obs_file, &obs).expect("write");
    let obs_lines = obs.lines().count();

    let uploaded = chain
        .upload_export(export.path(), "job-people")
        .await
        .expect("upload");
    assert!(
        chain.wait_idle(Duration::from_secs(180)).await,
        "chain did not go idle"
    );
    assert_eq!(chain.router_stats().given_up, 0);

    // The planted line, and only it, is quarantined on the PHI side with the gate's reason.
    let quarantine = chain.list(QUARANTINE_BUCKET).await.expect("list");
    assert_eq!(quarantine.len(), 1, "one quarantine object: {quarantine:?}");
    assert!(
        quarantine[0]
            .name
            .starts_with("exports/job-people/Observation."),
        "{}",
        quarantine[0].name
    );
    let records = String::from_utf8(
        chain
            .read(QUARANTINE_BUCKET, &quarantine[0].name)
            .await
            .expect("read"),
    )
    .expect("utf8");
    let records: Vec<serde_json::Value> = records
        .lines()
        .map(|l| serde_json::from_str(l).expect("record"))
        .collect();
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0]["reason"], "leak_gate:identifier");
    assert_eq!(records[0]["line"], obs_lines as u64);

    // Every other line lands; nothing of the MRN reaches the de-ID bucket.
    let deid = chain.list_exports(DEID_BUCKET).await.expect("list");
    assert_eq!(deid.len(), uploaded.len());
    for object in &deid {
        let text = String::from_utf8(chain.read(DEID_BUCKET, &object.name).await.expect("read"))
            .expect("utf8");
        assert!(
            !text.contains(digits),
            "MRN digits reached the de-ID bucket"
        );
        let file = object.name.rsplit('/').next().expect("name");
        let ty = file.split('.').next().expect("type");
        let input = std::fs::read_to_string(export.path().join(format!("{ty}.ndjson")))
            .expect("input")
            .lines()
            .count();
        let planted = usize::from(ty == "Observation");
        assert_eq!(
            text.lines().count(),
            input - planted,
            "lines of {ty} that land"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_function_killed_mid_file_converges_after_restart() {
    let Some(mut chain) = started("chain-kill", &ChainOptions::default()).await else {
        return;
    };
    let export = tempfile::tempdir().expect("tempdir");
    let mut config = starvit_synth::SynthConfig::new(1_000_000, 3);
    config.target_bytes = Some(40 << 20);
    starvit_synth::generate(&config, export.path()).expect("synth");
    let big = export.path().join("Observation.ndjson");
    let size = std::fs::metadata(&big).expect("meta").len();
    assert!(
        size > 20 << 20,
        "need a file big enough to kill mid-way ({size} bytes)"
    );

    chain
        .upload_bytes(
            "exports/job-k/Observation.ndjson",
            std::fs::read(&big).expect("read"),
        )
        .await
        .expect("upload");
    chain.seal_export("job-k").await.expect("seal");
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while chain.router_stats().in_flight == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "event never delivered"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    chain.deidentify.kill();
    assert!(
        chain
            .list_exports(DEID_BUCKET)
            .await
            .expect("list")
            .is_empty(),
        "killed before the upload: nothing landed"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    chain.deidentify.restart().await.expect("restart");
    assert!(
        chain.wait_idle(Duration::from_secs(300)).await,
        "chain did not converge"
    );

    let stats = chain.router_stats();
    assert!(
        stats.failed_attempts >= 1,
        "the killed delivery failed and was redelivered: {stats:?}"
    );
    let out = chain.list_exports(DEID_BUCKET).await.expect("list");
    assert_eq!(out.len(), 1, "{out:?}");
    let bytes = chain.read(DEID_BUCKET, &out[0].name).await.expect("read");
    assert!(
        bytes == expected_output(&big, &[]),
        "output after the crash equals one clean run"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_http_event_writes_nothing_new() {
    let Some(chain) = started("chain-http", &ChainOptions::default()).await else {
        return;
    };
    let export = synth(2, 9);
    chain
        .upload_export(export.path(), "job-h")
        .await
        .expect("upload");
    assert!(chain.wait_idle(Duration::from_secs(120)).await);
    let before = chain.list_exports(DEID_BUCKET).await.expect("list");
    let phi = chain.list(PHI_BUCKET).await.expect("list");
    let patient = phi
        .iter()
        .find(|o| o.name.ends_with("/Patient.ndjson"))
        .expect("patient file");

    let client = reqwest::Client::new();
    let body = serde_json::json!({
        "kind": "storage#object", "bucket": PHI_BUCKET, "name": patient.name,
        "generation": patient.generation, "metageneration": "1", "size": patient.size,
        "contentType": "application/x-ndjson", "metadata": patient.metadata,
    });
    for attempt in 0..2 {
        let resp = client
            .post(chain.deidentify.url())
            .header("ce-specversion", "1.0")
            .header("ce-id", format!("dup-{attempt}"))
            .header(
                "ce-source",
                format!("//storage.googleapis.com/projects/_/buckets/{PHI_BUCKET}"),
            )
            .header("ce-type", "google.cloud.storage.object.v1.finalized")
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .expect("post");
        assert_eq!(
            resp.status().as_u16(),
            200,
            "a duplicate is acknowledged, not retried"
        );
    }
    let after = chain.list_exports(DEID_BUCKET).await.expect("list");
    assert_eq!(
        before
            .iter()
            .map(|o| (&o.name, &o.generation))
            .collect::<Vec<_>>(),
        after
            .iter()
            .map(|o| (&o.name, &o.generation))
            .collect::<Vec<_>>(),
        "nothing was rewritten"
    );
}

/// Resource counts per type in a de-identified dir (what must be in BigQuery).
fn deid_counts(dir: &std::path::Path) -> std::collections::BTreeMap<String, u64> {
    // Distinct resource versions per type: what the raw tables must hold once each, however many
    // times (or in however many exports) a version was delivered.
    let mut versions = std::collections::BTreeSet::new();
    for path in starvit_deid::scan::ndjson_files(dir).expect("list") {
        for line in std::fs::read_to_string(&path).expect("read").lines() {
            let v: serde_json::Value = serde_json::from_str(line).expect("json");
            versions.insert((
                v["resourceType"].as_str().expect("type").to_owned(),
                v["id"].as_str().expect("id").to_owned(),
                v["meta"]["versionId"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            ));
        }
    }
    let mut counts = std::collections::BTreeMap::new();
    for (ty, _, _) in versions {
        *counts.entry(ty).or_insert(0) += 1;
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_lands_in_bigquery_with_lineage_labels_and_no_duplicates_on_replay() {
    use starvit_e2e::chain::{GOVERNANCE_DATASET, RAW_DATASET};
    let Some(chain) = started("chain-bq", &ChainOptions::default()).await else {
        return;
    };
    let export = synth(6, 17);
    let uploaded = chain
        .upload_export(export.path(), "job-bq")
        .await
        .expect("upload");
    assert!(
        chain
            .wait_loaded("job-bq", uploaded.len(), Duration::from_secs(300))
            .await,
        "chain did not go idle"
    );
    let expected = assert_tables_equal_deid_bucket(&chain, "after the load").await;
    assert!(expected.len() >= 10, "{expected:?}");

    // Lineage joins from every loaded row back to its export.
    for ty in expected.keys() {
        let orphans = chain
            .count(&format!(
                "SELECT COUNT(*) FROM {raw} r LEFT JOIN {lin} l ON l.stage = 'bq-load' AND l.source_object = r.source_object \
                 AND l.deid_run_id = r.deid_run_id WHERE l.export_job_id IS NULL OR l.export_job_id != 'job-bq'",
                raw = chain.table(RAW_DATASET, ty),
                lin = chain.table(GOVERNANCE_DATASET, "lineage"),
            ))
            .await
            .expect("join");
        assert_eq!(orphans, 0, "rows of {ty} without lineage to the export");
    }
    let policies = chain
        .count(&format!(
            "SELECT COUNT(*) FROM {}",
            chain.table(GOVERNANCE_DATASET, "deid_policy_versions")
        ))
        .await
        .expect("policies");
    assert_eq!(policies, 1, "the policy version is written once");
    // One lineage row per stage per object: deidentify (from the object metadata) and bq-load.
    for stage in ["deidentify", "bq-load"] {
        let rows = chain
            .count(&format!(
                "SELECT COUNT(*) FROM {} WHERE stage = '{stage}' AND export_job_id = 'job-bq'",
                chain.table(GOVERNANCE_DATASET, "lineage")
            ))
            .await
            .expect("lineage rows");
        assert_eq!(rows, uploaded.len() as u64, "lineage rows of stage {stage}");
    }

    // Every job carries the five governance labels.
    let jobs = chain.jobs().await.expect("jobs");
    assert!(jobs.len() >= uploaded.len(), "jobs: {}", jobs.len());
    for job in &jobs {
        let labels = job["configuration"]["labels"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        for key in ["service", "owner", "env", "pipeline", "purpose"] {
            assert!(
                labels.contains_key(key),
                "job {} lacks label {key}: {labels:?}",
                job["id"]
            );
        }
    }

    // Replaying the whole export (a second export of the same resource versions) adds no rows.
    chain
        .upload_export(export.path(), "job-bq-replay")
        .await
        .expect("replay");
    assert!(
        chain
            .wait_loaded("job-bq-replay", uploaded.len(), Duration::from_secs(300))
            .await,
        "replay did not go idle"
    );
    assert_tables_equal_deid_bucket(&chain, "after replay").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bigquery_down_then_back_the_retried_events_complete() {
    let Some(chain) = started("chain-bqdown", &ChainOptions::default()).await else {
        return;
    };
    chain.stack.stop_service("bigquery").expect("stop bigquery");
    let export = synth(4, 31);
    let uploaded = chain
        .upload_export(export.path(), "job-down")
        .await
        .expect("upload");

    // deidentify is unaffected (its only redeliveries wait for the export's manifest).
    let deadline = std::time::Instant::now() + Duration::from_secs(180);
    while chain.list_exports(DEID_BUCKET).await.expect("list").len() < uploaded.len() {
        assert!(
            std::time::Instant::now() < deadline,
            "deidentify did not de-identify the export while BigQuery was down"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Then bq-load fails (the router keeps redelivering its events).
    let before = chain.router_stats().failed_attempts;
    while chain.router_stats().failed_attempts == before {
        assert!(
            std::time::Instant::now() < deadline,
            "no delivery failed while BigQuery was down"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    chain
        .stack
        .start_service("bigquery")
        .expect("start bigquery");
    assert!(
        chain
            .wait_loaded("job-down", uploaded.len(), Duration::from_secs(400))
            .await,
        "the retried events did not complete"
    );

    let stats = chain.router_stats();
    assert_eq!(stats.given_up, 0, "{stats:?}");
    assert_tables_equal_deid_bucket(&chain, "after the outage").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_loaded_export_becomes_one_graph_snapshot_in_tigergraph() {
    use starvit_e2e::chain::GOVERNANCE_DATASET;
    let Some(chain) = started(
        "chain-graph",
        &ChainOptions {
            graph: true,
            ..ChainOptions::default()
        },
    )
    .await
    else {
        return;
    };
    let tigergraph = &chain.graph.as_ref().expect("graph stage").tigergraph;
    // TigerGraph answers the first requests with 503: the snapshot is retried, never given up.
    tigergraph.fail_next(3);
    let export = synth(4, 41);
    let uploaded = chain
        .upload_export(export.path(), "job-graph")
        .await
        .expect("upload");
    assert!(
        chain
            .wait_loaded("job-graph", uploaded.len(), Duration::from_secs(600))
            .await
    );
    let provenance = chain.table(GOVERNANCE_DATASET, "graph_provenance");
    let deadline = std::time::Instant::now() + Duration::from_secs(600);
    loop {
        let done = chain
            .count(&format!(
                "SELECT COUNT(*) FROM {provenance} WHERE tigergraph_job_id IS NOT NULL"
            ))
            .await
            .unwrap_or(0);
        if done > 0 && chain.wait_idle(Duration::from_secs(60)).await {
            break;
        }
        if std::time::Instant::now() >= deadline {
            chain.diagnose("no snapshot reached TigerGraph");
            panic!("no snapshot was loaded into TigerGraph");
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let provenance_sql = format!(
        "SELECT graph_version, element_type, bq_rows, tigergraph_valid_lines, tigergraph_rejected_lines \
         FROM {provenance} ORDER BY element_type"
    );
    let rows = chain.query(&provenance_sql).await.expect("provenance");
    let versions: std::collections::BTreeSet<String> = rows
        .iter()
        .map(|r| r[0].as_str().expect("version").to_owned())
        .collect();
    assert_eq!(
        versions.len(),
        1,
        "one export, one graph version: {versions:?}"
    );
    let version = versions.first().expect("version").clone();
    let received = tigergraph.received();
    assert_eq!(received.failed, 3, "the injected 503s were answered");
    assert_eq!(chain.router_stats().given_up, 0);
    assert!(!received.counts.is_empty(), "TigerGraph received nothing");
    // Condition.encounter is a `urn:uuid:` reference in the synthesized data: it must make edges.
    assert!(
        received
            .counts
            .get("encounter_condition")
            .copied()
            .unwrap_or(0)
            > 0,
        "{:?}",
        received.counts
    );
    // Every edge TigerGraph holds points at vertices it was given (none implicitly created).
    assert!(
        tigergraph.dangling_edges().is_empty(),
        "edges without their vertices: {:?}",
        tigergraph.dangling_edges()
    );
    let snapshot = chain
        .objects_under(DEID_BUCKET, &format!("graph/{version}/"))
        .await
        .expect("snapshot objects");
    for row in &rows {
        let ty = row[1].as_str().expect("type");
        let bq: u64 = row[2]
            .as_str()
            .and_then(|v| v.parse().ok())
            .expect("bq_rows");
        let tg: u64 = row[3]
            .as_str()
            .and_then(|v| v.parse().ok())
            .expect("valid lines");
        assert_eq!(bq, tg, "{ty}: BigQuery rows vs lines TigerGraph accepted");
        assert_eq!(
            received.counts.get(ty).copied().unwrap_or(0),
            bq,
            "{ty}: rows the stub counted"
        );
        assert_eq!(row[4].as_str(), Some("0"), "{ty}: rejected lines");
        let prefix = format!("graph/{version}/{}/", graph_snapshot::model::slug(ty));
        let files: Vec<_> = snapshot
            .iter()
            .filter(|(name, _)| name.starts_with(&prefix))
            .collect();
        assert!(
            !files.is_empty() && files.iter().all(|(n, _)| n.ends_with(".parquet")),
            "{ty}: Parquet objects under {prefix}"
        );
        let parquet_rows: i64 = files
            .iter()
            .map(|(_, data)| {
                use parquet::file::reader::FileReader as _;
                parquet::file::reader::SerializedFileReader::new(data.clone())
                    .expect("parquet")
                    .metadata()
                    .file_metadata()
                    .num_rows()
            })
            .sum();
        assert_eq!(
            u64::try_from(parquet_rows).expect("rows"),
            bq,
            "{ty}: Parquet rows vs BigQuery rows"
        );
        if let Some(ids) = received.vertices.get(ty) {
            assert_eq!(ids.len() as u64, bq, "{ty}: one row per vertex");
        }
    }
    assert!(
        rows.iter()
            .any(|r| r[1].as_str() == Some("Patient") && r[2].as_str() == Some("4"))
    );

    // Duplicates: every load-complete event again, as Eventarc would redeliver it. The version is
    // done, so nothing new is loaded, exported or recorded.
    let statuses = chain.redeliver_load_complete().await.expect("redeliver");
    assert!(statuses.len() >= uploaded.len(), "a load-complete per file");
    assert!(
        statuses.iter().all(|s| (200..300).contains(s)),
        "{statuses:?}"
    );
    let again = tigergraph.received();
    assert_eq!(again.runs, received.runs, "a duplicate ran a loading job");
    assert_eq!(again.counts, received.counts);
    assert_eq!(
        chain.query(&provenance_sql).await.expect("provenance"),
        rows,
        "a duplicate changed the provenance"
    );

    // Provenance joins to lineage: every source load of the snapshot is a loaded object.
    let lineage = chain.table(GOVERNANCE_DATASET, "lineage");
    let sources = chain
        .count(&format!(
            "SELECT COUNT(*) FROM {provenance} p, UNNEST(p.source_load_job_ids) AS j"
        ))
        .await
        .expect("sources");
    assert!(sources > 0, "provenance names its source loads");
    let dangling = chain
        .count(&format!(
            "SELECT COUNT(*) FROM {provenance} p, UNNEST(p.source_load_job_ids) AS j \
             WHERE j NOT IN (SELECT load_job_id FROM {lineage} WHERE stage = 'bq-load')"
        ))
        .await
        .expect("join");
    assert_eq!(
        dangling, 0,
        "provenance names loads the lineage does not know"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tigergraph_3x_gets_the_same_snapshot_as_pushed_json_lines() {
    use starvit_e2e::chain::GOVERNANCE_DATASET;
    let env = |k: &str, v: &str| (k.to_owned(), v.to_owned());
    let Some(chain) = started(
        "chain-graph-3x",
        &ChainOptions {
            graph: true,
            // Small pages and bodies, so the paging and the body splitting are exercised.
            graph_env: vec![
                env("STARVIT_TIGERGRAPH_API", "3"),
                env("STARVIT_TIGERGRAPH_V3_PAGE_ROWS", "7"),
                env("STARVIT_TIGERGRAPH_V3_MAX_BODY_BYTES", "2048"),
            ],
            ..ChainOptions::default()
        },
    )
    .await
    else {
        return;
    };
    let tigergraph = &chain.graph.as_ref().expect("graph stage").tigergraph;
    // Two records TigerGraph refuses: they must be recorded and logged, not lost silently.
    tigergraph.reject_next(2);
    let export = synth(2, 43);
    let uploaded = chain
        .upload_export(export.path(), "job-graph-3x")
        .await
        .expect("upload");
    assert!(
        chain
            .wait_loaded("job-graph-3x", uploaded.len(), Duration::from_secs(600))
            .await
    );
    let provenance = chain.table(GOVERNANCE_DATASET, "graph_provenance");
    let deadline = std::time::Instant::now() + Duration::from_secs(600);
    let rows = loop {
        let rows = chain
            .query(&format!(
                "SELECT element_type, bq_rows, tigergraph_valid_lines, tigergraph_rejected_lines, \
                 tigergraph_job_id FROM {provenance} WHERE tigergraph_job_id IS NOT NULL"
            ))
            .await
            .unwrap_or_default();
        if !rows.is_empty() && chain.wait_idle(Duration::from_secs(60)).await {
            break rows;
        }
        if std::time::Instant::now() >= deadline {
            chain.diagnose("no 3.x snapshot reached TigerGraph");
            panic!("no snapshot was loaded into TigerGraph 3.x");
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    };
    let received = tigergraph.received();
    let number =
        |v: &serde_json::Value| -> u64 { v.as_str().and_then(|v| v.parse().ok()).expect("number") };
    let (mut total, mut rejected) = (0, 0);
    for row in &rows {
        let ty = row[0].as_str().expect("type");
        let (bq, valid, refused) = (number(&row[1]), number(&row[2]), number(&row[3]));
        total += bq;
        rejected += refused;
        assert_eq!(
            valid + refused,
            bq,
            "{ty}: every row is accepted or rejected"
        );
        assert_eq!(received.counts.get(ty).copied().unwrap_or(0), valid, "{ty}");
        let job = row[4].as_str().expect("job id");
        assert!(job.contains("@restpp#"), "{ty}: {job}");
    }
    assert!(total > 0);
    assert_eq!(rejected, 2, "the rejected lines are in the provenance");
    let log = std::fs::read_to_string(chain.graph.as_ref().expect("graph").service.log_path())
        .expect("log");
    assert!(
        log.contains("tigergraph rejected lines"),
        "the rejection is surfaced in the log"
    );
    // More requests than types: pages of 7 rows in bodies of 2 KiB were split.
    assert!(
        received.runs > rows.len() as u64,
        "{} posts for {} types",
        received.runs,
        rows.len()
    );
    // Vertices load first, so the two rejected records are the two patients: every patient edge
    // now points at a vertex TigerGraph never got, and the stub's graph check sees exactly that.
    let dangling = tigergraph.dangling_edges();
    assert!(
        !dangling.is_empty(),
        "the dangling-edge check found nothing"
    );
    assert!(
        dangling.keys().all(|t| t.starts_with("patient_")),
        "{dangling:?}"
    );
}
