//! Bad lines and leaking lines are quarantined one at a time; the rest lands.

use std::time::Duration;

use starvit_e2e::chain::{ChainOptions, DEID_BUCKET, QUARANTINE_BUCKET};

use crate::support::*;

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
