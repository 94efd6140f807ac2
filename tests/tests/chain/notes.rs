//! Notes through Cloud DLP (issue 13): under `shifted-text`, one synthesized export's notes
//! land in BigQuery de-identified, with none of the export's planted values in any landed text
//! (bucket objects and rows, decoded) and the leak scan clean over both.

use std::time::Duration;

use starvit_e2e::chain::{ChainOptions, DEID_BUCKET};

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notes_land_in_bigquery_without_planted_values_under_shifted_text() {
    let options = ChainOptions {
        policy: "shifted-text".into(),
        ..ChainOptions::default()
    };
    let Some(chain) = started("chain-notes", &options).await else {
        return;
    };
    let started_at = std::time::Instant::now();
    let export = synth(8, 13);
    let uploaded = chain
        .upload_export(export.path(), "job-notes")
        .await
        .expect("upload");
    assert!(
        chain
            .wait_loaded("job-notes", uploaded.len(), Duration::from_secs(300))
            .await,
        "chain did not load the export"
    );
    let deid_dir = tempfile::tempdir().expect("tempdir");
    chain
        .download(DEID_BUCKET, "exports/", ".ndjson", deid_dir.path())
        .await
        .expect("download");
    let part = starvit_e2e::notes::landed(&chain, "shifted-text", export.path(), deid_dir.path())
        .await
        .expect("notes");
    println!(
        "shifted-text in {:.0} s: notes {} in, {} kept, {} texts dropped; {:.1}% of {} characters \
         kept; planted values in the notes {:?}; {} distinct planted values searched, {} found; \
         leak scan hits {}",
        started_at.elapsed().as_secs_f64(),
        part.notes_in,
        part.notes_kept,
        part.texts_dropped,
        part.percent_kept,
        part.chars_in,
        part.planted_in_notes,
        part.planted_checked,
        part.surviving(),
        part.leak_scan_hits,
    );
    assert!(part.notes_in > 8, "the export has notes");
    assert_eq!(
        part.planted_surviving,
        Default::default(),
        "planted values (by kind) found in landed notes"
    );
    assert_eq!(part.leak_scan_hits, 0, "the leak scan over what landed");
    assert!(
        part.notes_kept * 2 >= part.notes_in && part.percent_kept > 50.0,
        "most note text is kept: {part:?}"
    );
    assert_eq!(
        part.notes_in_bucket, part.notes_kept,
        "bucket and BigQuery agree"
    );
    let stats = chain.dlp.as_ref().expect("the DLP stub runs").stats();
    assert!(stats.requests > 0, "{stats:?}");
    assert_eq!(stats.invalid, 0, "every DLP request met the contract");
}
