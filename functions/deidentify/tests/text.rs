//! A `[text]` policy through the function's DLP route against the DLP contract stub: the
//! synthesized notes with their planted identifiers (issue 13's figures), a gate hit that
//! drops a text and keeps its resource, and DLP outages that write nothing (Retry).

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use base64::Engine as _;
use deidentify::people::ExportPeople;
use deidentify::text::deidentify_with_dlp;
use serde_json::{Value, json};
use starvit_deid::gate::PeopleIndex;
use starvit_deid::{Engine, Key, Policy};
use starvit_dlp::{DlpClient, DlpConfig, PeopleWords};
use starvit_dlp_stub::Stub;
use starvit_runtime::{Classify, Disposition};
use starvit_synth::{PlantedKind, PlantedList, SynthConfig, WordSet};

fn engine() -> Arc<Engine> {
    let key = Key::from_bytes(b"a-local-test-key-0001".to_vec()).expect("key");
    Arc::new(Engine::new(
        Policy::builtin("shifted-text").expect("policy"),
        &key,
    ))
}

fn client(stub: &Stub) -> DlpClient {
    let mut config = DlpConfig::new(&stub.url, "projects/local/locations/global");
    config.requests_per_minute = 60_000;
    DlpClient::new(config)
}

fn people(resources: &[Value]) -> Arc<ExportPeople> {
    let mut builder = PeopleIndex::builder();
    let mut words = PeopleWords::new();
    for r in resources {
        builder.add(r);
        words.add(r);
    }
    Arc::new(ExportPeople {
        index: builder.build(),
        words: Some(words),
    })
}

fn read_lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect()
}

/// The note texts of a de-identified DocumentReference file.
fn notes(out: &Path) -> Vec<String> {
    read_lines(out)
        .iter()
        .flat_map(|d| d["content"].as_array().cloned().unwrap_or_default())
        .filter_map(|c| c["attachment"]["data"].as_str().map(str::to_owned))
        .map(|b| {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(b)
                .expect("b64");
            String::from_utf8(bytes).expect("utf8")
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn synthesized_notes_keep_their_text_and_lose_every_planted_value() {
    let dir = tempfile::tempdir().expect("tempdir");
    starvit_synth::generate(&SynthConfig::new(40, 13), dir.path()).expect("synth");
    let planted = PlantedList::read(&dir.path().join("planted-identifiers.json")).expect("planted");
    let mut persons = Vec::new();
    for file in ["Patient", "Practitioner", "RelatedPerson"] {
        persons.extend(read_lines(&dir.path().join(format!("{file}.ndjson"))));
    }
    let stub = Stub::start().await.expect("stub");
    let source = std::fs::File::open(dir.path().join("DocumentReference.ndjson")).expect("notes");
    let spooled = deidentify_with_dlp(engine(), people(&persons), &client(&stub), source, None)
        .await
        .expect("run");
    let texts = spooled.summary.texts;
    let kept = notes(spooled.output.path());
    let values: BTreeSet<&str> = planted
        .identifiers
        .iter()
        .filter(|p| p.kind == PlantedKind::NoteFragment && p.resource_type == "DocumentReference")
        .map(|p| p.value.as_str())
        .collect();
    let words = WordSet::new(values.iter().copied());
    let surviving = kept
        .iter()
        .flat_map(|t| words.found_in(t))
        .collect::<BTreeSet<usize>>()
        .len();
    let totals = spooled.summary.totals();
    println!(
        "notes in {}, out {}, quarantined {}; texts kept {}, dropped {} (gate {}, too large {}, \
         refused {}); planted note values {}, surviving {surviving}; DLP requests {}",
        totals.input,
        totals.output,
        totals.quarantined,
        texts.kept,
        texts.dropped(),
        texts.dropped_leak,
        texts.dropped_too_large,
        texts.dropped_rejected,
        values.len(),
        stub.stats().requests,
    );
    assert!(values.len() > 100, "the notes have planted values");
    assert_eq!(surviving, 0, "no planted value survives into a kept note");
    assert_eq!(kept.len() as u64, texts.kept);
    assert!(
        texts.kept * 10 >= totals.input * 9,
        "most notes are kept: {texts:?}"
    );
}

fn note(id: &str, patient: &str, text: &str) -> Value {
    json!({"resourceType": "DocumentReference", "id": id, "status": "current",
        "subject": {"reference": format!("Patient/{patient}")},
        "content": [{"attachment": {"contentType": "text/plain",
            "data": base64::engine::general_purpose::STANDARD.encode(text)}}]})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gate_hit_drops_the_text_not_the_resource_and_dlp_outages_write_nothing() {
    let persons = [
        json!({"resourceType": "Patient", "id": "p1", "name": [{"given": ["Ada"], "family": "Quillfeather"}]}),
        json!({"resourceType": "Patient", "id": "p2", "name": [{"given": ["Bo"], "family": "Zanzibarro"}]}),
    ];
    // The second note names another patient: not in its dictionary, caught by the gate.
    let input = [
        note("d1", "p1", "Ada Quillfeather is doing well."),
        note("d2", "p1", "Ada met Bo Zanzibarro in the waiting room."),
    ]
    .iter()
    .map(|v| format!("{v}\n"))
    .collect::<String>();
    let stub = Stub::start().await.expect("stub");
    let dlp = client(&stub);
    let run = |input: String| {
        deidentify_with_dlp(
            engine(),
            people(&persons),
            &dlp,
            std::io::Cursor::new(input),
            None,
        )
    };
    let spooled = run(input.clone()).await.expect("run");
    assert_eq!(spooled.summary.texts.kept, 1);
    assert_eq!(spooled.summary.texts.dropped_leak, 1);
    let out = std::fs::read_to_string(spooled.output.path()).expect("out");
    assert_eq!(out.lines().count(), 2, "both resources are written");
    assert!(!out.contains("starvit-text"));
    let texts = notes(spooled.output.path());
    assert_eq!(texts.len(), 1);
    assert!(
        texts[0].ends_with("is doing well.") && !texts[0].contains("Ada"),
        "{texts:?}"
    );

    stub.fail_next(503, 100);
    let err = run(input).await.expect_err("DLP unavailable");
    assert_eq!(err.disposition(), Disposition::Retry);
    assert_eq!(err.code(), "dlp_unavailable");
}
