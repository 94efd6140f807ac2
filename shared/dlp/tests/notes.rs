//! Issue 13's figures: synthesized clinical notes with planted identifiers (the patient's name,
//! MRN, date of birth, phone and home address, a relative's name and phone, the clinician's
//! name, visit dates, ages over 89) through the real client, the local DLP stub and the leak
//! gate. Prints how many planted values survive DLP alone and after the gate (by what they
//! are), and how much note text is kept; asserts none survive.
//! Also: retries on 429/5xx, batching under the request limit, oversize texts dropped.

use std::collections::BTreeMap;
use std::path::Path;

use base64::Engine as _;
use serde_json::Value;
use starvit_deid::gate::PeopleIndex;
use starvit_dlp::text::{TextResult, deidentify_texts, kept_chars};
use starvit_dlp::{DlpClient, DlpConfig, DlpError, PeopleWords};
use starvit_dlp_stub::{MAX_REQUEST_BYTES, Stub};
use starvit_synth::{Planted, PlantedKind, PlantedList, SynthConfig, WordSet};

fn lines(dir: &Path, file: &str) -> Vec<Value> {
    std::fs::read_to_string(dir.join(file))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect()
}

fn client(stub: &Stub) -> DlpClient {
    let mut config = DlpConfig::new(&stub.url, "projects/local/locations/global");
    config.requests_per_minute = 60_000;
    DlpClient::new(config)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn planted_values_in_synthesized_notes_do_not_survive() {
    let dir = tempfile::tempdir().expect("tempdir");
    starvit_synth::generate(&SynthConfig::new(40, 13), dir.path()).expect("synth");
    let planted = PlantedList::read(&dir.path().join("planted-identifiers.json")).expect("planted");
    let mut words = PeopleWords::new();
    let mut builder = PeopleIndex::builder();
    for file in [
        "Patient.ndjson",
        "Practitioner.ndjson",
        "RelatedPerson.ndjson",
    ] {
        for person in lines(dir.path(), file) {
            words.add(&person);
            builder.add(&person);
        }
    }
    let people = builder.build();
    let mut fragments: BTreeMap<String, Vec<&Planted>> = BTreeMap::new();
    for p in planted
        .identifiers
        .iter()
        .filter(|p| p.kind == PlantedKind::NoteFragment && p.resource_type == "DocumentReference")
    {
        fragments.entry(p.id.clone()).or_default().push(p);
    }
    let mut by_part: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let stub = Stub::start().await.expect("stub");
    let dlp = client(&stub);
    let (mut notes, mut kept, mut leaks, mut planted_n, mut after_dlp, mut after_gate) =
        (0, 0, 0, 0, 0, 0);
    let (mut chars_in, mut chars_kept) = (0, 0);
    for record in lines(dir.path(), "DocumentReference.ndjson") {
        let data = record["content"][0]["attachment"]["data"]
            .as_str()
            .expect("note");
        let text = String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(data)
                .expect("b64"),
        )
        .expect("utf8");
        let id = record["id"].as_str().expect("id");
        let values = fragments.get(id).cloned().unwrap_or_default();
        notes += 1;
        planted_n += values.len();
        chars_in += text.chars().count();
        let results = deidentify_texts(&dlp, &words, Some(&people), &record, &[text.as_str()])
            .await
            .expect("dlp");
        let output = match &results[0] {
            TextResult::Kept(t) => t.clone(),
            TextResult::Leak(_) => {
                leaks += 1;
                // What DLP alone returned, for the figure: ask again without the gate.
                dlp.deidentify(&[text.as_str()], &words.for_record(&record))
                    .await
                    .expect("dlp")[0]
                    .clone()
                    .unwrap_or_default()
            }
            TextResult::TooLarge => String::new(),
        };
        let found = WordSet::new(values.iter().map(|p| p.value.as_str())).found_in(&output);
        let surviving = found.len();
        for (i, p) in values.iter().enumerate() {
            let part = by_part
                .entry(format!("{:?}", p.part.unwrap_or(p.kind)))
                .or_default();
            part.0 += 1;
            part.1 += usize::from(found.contains(&i));
        }
        after_dlp += surviving;
        if let TextResult::Kept(t) = &results[0] {
            kept += 1;
            chars_kept += kept_chars(t);
            after_gate += surviving;
        }
    }
    let stats = stub.stats();
    println!("planted values in the notes by part (planted, surviving DLP): {by_part:?}");
    println!(
        "notes {notes}, planted values {planted_n}; surviving DLP (stub) {after_dlp}, after the gate {after_gate}; \
         notes kept {kept}, dropped by the gate {leaks}; note text kept {:.1}% of {chars_in} characters \
         ({:.1}% of the kept notes' characters); DLP requests {}, largest {} bytes",
        100.0 * chars_kept as f64 / chars_in.max(1) as f64,
        100.0 * chars_kept as f64 / chars_in.max(1) as f64 * notes as f64 / kept.max(1) as f64,
        stats.requests,
        stats.max_request_bytes,
    );
    assert!(
        notes > 40 && planted_n > notes * 5,
        "the export has notes with planted values"
    );
    assert_eq!(after_gate, 0, "no planted value survives into a kept note");
    assert!(
        kept * 10 >= notes * 9,
        "most notes are kept: {kept} of {notes}"
    );
    assert_eq!(stats.invalid, 0, "every request met the contract");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_are_batched_under_the_limit_and_retried_on_429_and_5xx() {
    let stub = Stub::start().await.expect("stub");
    let dlp = client(&stub);
    let words = vec!["Ann Lee".to_owned()];
    let texts: Vec<String> = (0..20)
        .map(|i| format!("Note {i}: Ann Lee. {}", "fine ".repeat(12_000)))
        .collect();
    let huge = "x".repeat(MAX_REQUEST_BYTES);
    let mut all: Vec<&str> = texts.iter().map(String::as_str).collect();
    all.push(&huge);
    let out = dlp.deidentify(&all, &words).await.expect("dlp");
    assert!(out[..20].iter().all(|t| {
        t.as_deref()
            .is_some_and(|t| t.contains("[STARVIT_PERSON]") && !t.contains("Ann"))
    }));
    assert_eq!(out[20], None, "a text over the limit is not sent");
    let stats = stub.stats();
    assert!(stats.requests >= 3, "{stats:?}");
    assert!(stats.max_request_bytes <= 500_000, "{stats:?}");

    stub.fail_next(429, 2);
    assert!(dlp.deidentify(&["Ann Lee"], &words).await.is_ok());
    stub.fail_next(503, 10);
    assert!(matches!(
        dlp.deidentify(&["Ann Lee"], &words).await,
        Err(DlpError::Unavailable {
            status: Some(503),
            ..
        })
    ));
    assert_eq!(stub.stats().failed, 2 + 4);
}
