//! Issue 12: a file larger than one delivery can move lands over several, each resuming where
//! the last one stopped. `bulk-export` runs with a landing budget of 0 (every delivery stops
//! after one part and answers Retry) and small parts, against sekmet-fhir, so one Observation
//! file lands over several redeliveries by the local Eventarc router. Shows:
//! - every redelivery asked for the file from the last landed part's boundary (its tail
//!   [`TAIL_BYTES`] before the resume offset: `Range: bytes=N-`), and what the server sent:
//!   sekmet-fhir ignores `Range` (200, the whole file; `bulk-export` skips the head itself), so
//!   its bytes on the wire are the file's size each time, while a server that honours `Range`
//!   sends only the rest (`functions/bulk-export/tests/range.rs`);
//! - the end state is one clean run's: the file fetched from the server and cut by the same
//!   [`Splitter`] gives the same objects, the same bytes and the same part lineage, and the parts
//!   hold every line once;
//! - a file that changes under a resumed export (the function killed after its first part, the
//!   server's file cut short, the function restarted) fails closed: the trigger is dropped,
//!   nothing more lands, no manifest.

use std::time::Duration;

use bulk_export::parts::Splitter;
use bulk_export::resume::{TAIL_BYTES, tail_sha256};
use starvit_e2e::chain::{Binaries, Chain, ChainOptions, PHI_BUCKET};
use starvit_e2e::stack::Stack;
use starvit_lineage::manifest::PartOf;

fn binaries() -> Binaries {
    starvit_e2e::test_binaries!()
}

/// GET a URL of the stack's FHIR server (status, files) as the seeding user.
async fn fhir_get(chain: &Chain, url: &str) -> reqwest::Response {
    let base = format!("{}/", chain.stack.var("FHIR_BASE_URL"));
    let path = url.strip_prefix(&base).expect("a URL on the FHIR base");
    let response = chain
        .fhir_request(reqwest::Method::GET, path)
        .send()
        .await
        .expect("get");
    assert!(response.status().is_success(), "{}", response.status());
    response
}

/// The integer after `"key":` on a JSON log line.
fn field(line: &str, key: &str) -> Option<u64> {
    let at = line.find(&format!("\"{key}\":"))? + key.len() + 3;
    let digits: String = line[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// `(from_byte, resumed_parts, received, ranged)` of every "file download ended" log line.
fn downloads(log: &str) -> Vec<(u64, u64, u64, bool)> {
    log.lines()
        .filter(|l| l.contains("file download ended"))
        .map(|l| {
            let f = |k| field(l, k).unwrap_or_else(|| panic!("{k} in {l}"));
            (
                f("from_byte"),
                f("resumed_parts"),
                f("received"),
                l.contains("\"ranged\":true"),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_resumes_after_its_landed_parts_and_ends_as_one_clean_run() {
    let Some(stack) = Stack::start_or_skip_with("resume", &[("LOCALCLOUD_FHIR", "1")]) else {
        return;
    };
    let synth = tempfile::tempdir().expect("tempdir");
    starvit_synth::generate(&starvit_synth::SynthConfig::new(2, 71), synth.path()).expect("synth");
    let observations = std::fs::metadata(synth.path().join("Observation.ndjson"))
        .expect("synth writes Observation.ndjson")
        .len();
    // About four parts (the server's serialization differs a little from synth's).
    let part_bytes = (observations / 4).max(4096);
    let env = [
        ("STARVIT_EXPORT_TYPES", "Observation".to_owned()),
        ("STARVIT_EXPORT_PART_BYTES", part_bytes.to_string()),
        ("STARVIT_EXPORT_LAND_BUDGET_SECS", "0".to_owned()),
    ];
    let options = ChainOptions {
        bulk_export: true,
        bulk_export_env: env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect(),
        ..ChainOptions::default()
    };
    let mut chain = Chain::start(stack, &binaries(), &options)
        .await
        .expect("chain");
    chain.seed_fhir(synth.path()).await.expect("seed");

    let wait = Duration::from_secs(120);
    let (record, export_id) = chain.start_export(b"{}", wait).await;
    let manifest = chain
        .wait_json(&format!("exports/{export_id}/_manifest.json"), wait)
        .await;

    // One clean run: the server's file, cut by the same splitter.
    let status = record["status_url"].as_str().expect("status url");
    let server: serde_json::Value = fhir_get(&chain, status).await.json().await.expect("json");
    let url = server["output"][0]["url"].as_str().expect("file url");
    let file = fhir_get(&chain, url).await.bytes().await.expect("file");
    let spool = tempfile::tempdir().expect("tempdir");
    let mut splitter = Splitter::new(part_bytes, Some(spool.path()));
    let mut clean = splitter.push(&file).expect("split");
    clean.extend(splitter.finish().expect("split"));
    assert!(clean.len() >= 3, "{} parts", clean.len());

    // The same objects, bytes and lineage; every line once.
    let prefix = format!("exports/{export_id}/");
    let mut landed = chain.list(PHI_BUCKET).await.expect("list");
    landed.retain(|o| o.name.starts_with(&prefix) && o.name.ends_with(".ndjson"));
    assert_eq!(landed.len(), clean.len(), "objects");
    let entries = manifest["files"].as_array().expect("files");
    assert_eq!(entries.len(), clean.len(), "manifest entries");
    let mut joined = Vec::new();
    for ((object, entry), part) in landed.iter().zip(entries).zip(&clean) {
        let name = format!("{prefix}Observation.000.{:04}.ndjson", part.index);
        assert_eq!(
            (&object.name, entry["object"].as_str()),
            (&name, Some(name.as_str()))
        );
        let bytes = chain.read(PHI_BUCKET, &name).await.expect("read");
        assert_eq!(
            bytes,
            std::fs::read(part.spool.path()).expect("spool"),
            "{name}"
        );
        joined.extend_from_slice(&bytes);
        let metadata: std::collections::HashMap<_, _> =
            object.metadata.clone().into_iter().collect();
        let lineage = PartOf::from_object_metadata(&metadata).expect("part lineage");
        let from_manifest: PartOf = serde_json::from_value(entry["part"].clone()).expect("part");
        assert_eq!(lineage, from_manifest, "{name}: metadata and manifest");
        let b = lineage.bytes.expect("byte lineage");
        assert_eq!(
            (lineage.index, lineage.first_line, lineage.last_line),
            (part.index, part.first_line, part.last_line)
        );
        assert_eq!(
            (b.first, b.last, b.end_of_file),
            (
                part.first_byte,
                part.first_byte + part.bytes - 1,
                part.end_of_file
            )
        );
        let tail = tail_sha256(part.spool.path(), part.bytes).expect("tail");
        assert_eq!(b.tail_sha256, tail);
    }
    assert_eq!(joined, file, "the parts hold the file, every line once");

    // One delivery per part; each after the first asked from the last landed part's boundary.
    let log = std::fs::read_to_string(chain.bulk_export.as_ref().expect("bulk-export").log_path())
        .expect("log");
    let seen = downloads(&log);
    assert_eq!(
        seen.len(),
        clean.len(),
        "one download per delivery: {seen:?}"
    );
    let file_len = file.len() as u64;
    for (k, &(from, resumed, received, ranged)) in seen.iter().enumerate() {
        let offset = clean[k].first_byte;
        let tail = if k == 0 {
            0
        } else {
            clean[k - 1].bytes.min(TAIL_BYTES)
        };
        assert_eq!((from, resumed), (offset - tail, k as u64), "delivery {k}");
        // What the server sent: from `from` (206) or from 0 (200); at least through the part
        // this delivery landed, all of it on the last delivery.
        let start = if ranged { from } else { 0 };
        let end = clean[k].first_byte + clean[k].bytes;
        if k + 1 == seen.len() {
            assert_eq!(received, file_len - start, "delivery {k}");
        } else {
            assert!(
                received >= end - start && received <= file_len - start,
                "delivery {k}"
            );
        }
        eprintln!(
            "delivery {k}: part {k} (bytes {offset}..{end} of {file_len}), asked from byte \
             {from}: {}, {received} bytes received",
            match (k, ranged) {
                (0, _) => "no Range, 200",
                (_, true) => "206",
                (_, false) => "200, head skipped",
            },
        );
    }
    assert!(
        log.contains("export_landing"),
        "the budget stopped deliveries"
    );

    changed_file_fails_closed(&mut chain, &file, clean.len()).await;
}

/// A second export: `bulk-export` is killed once its first part landed, the server's file is
/// cut short, and the restarted function's resume finds the file changed: the trigger is
/// dropped (`export_file_changed`), nothing more lands and no manifest says the export landed.
async fn changed_file_fails_closed(chain: &mut Chain, file: &[u8], parts: usize) {
    let wait = Duration::from_secs(120);
    let (_, export_id) = chain.start_export(b"{}", wait).await;
    let prefix = format!("exports/{export_id}/");
    let first = format!("{prefix}Observation.000.0000.ndjson");
    let deadline = std::time::Instant::now() + wait;
    while chain.read(PHI_BUCKET, &first).await.is_err() {
        assert!(std::time::Instant::now() < deadline, "{first} never landed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let service = chain.bulk_export.as_mut().expect("bulk-export");
    service.kill();
    let landed = |objects: Vec<starvit_e2e::chain::ObjectMeta>| -> Vec<String> {
        objects
            .into_iter()
            .map(|o| o.name)
            .filter(|n| n.starts_with(&prefix))
            .collect()
    };
    let before = landed(chain.list(PHI_BUCKET).await.expect("list"));
    assert!(!before.is_empty() && before.len() < parts, "{before:?}");
    let on_server = chain
        .stack
        .dir()
        .join(format!("fhir/data/bulk/{export_id}/Observation.ndjson"));
    assert_eq!(std::fs::read(&on_server).expect("server file"), file);
    std::fs::write(&on_server, &file[..100]).expect("cut the server's file short");
    let service = chain.bulk_export.as_mut().expect("bulk-export");
    service.restart().await.expect("restart");
    let log_path = service.log_path().to_owned();
    let deadline = std::time::Instant::now() + wait;
    while !std::fs::read_to_string(&log_path)
        .expect("log")
        .contains("export_file_changed")
    {
        assert!(
            std::time::Instant::now() < deadline,
            "no export_file_changed"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        landed(chain.list(PHI_BUCKET).await.expect("list")),
        before,
        "nothing lands from the changed file, and no manifest"
    );
}
