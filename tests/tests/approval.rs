//! Issue 13: an unapproved policy version is refused end to end, and goes through once
//! approved. `deidentify` answers Retry (`policy_not_approved`) and writes nothing, the relay
//! answers 503 and publishes nothing; after `starvit approve`'s code path (record in the PHI
//! bucket, row in `governance.deid_policy_approvals`) the same events land.

use std::time::Duration;

use starvit_e2e::chain::approval::LOCAL_APPROVER;
use starvit_e2e::chain::{
    Chain, ChainOptions, DEID_BUCKET, DEID_EVENTS_TAP, GOVERNANCE_DATASET, QUARANTINE_BUCKET,
    RELAY_SECRET,
};
use starvit_e2e::stack::Stack;
use starvit_local_eventarc::pubsub::Emulator;

async fn post_signed(chain: &Chain, body: &[u8]) -> u16 {
    let sig = subscription_relay::signature::sign(RELAY_SECRET.as_bytes(), body);
    reqwest::Client::new()
        .post(chain.relay.as_ref().expect("relay").url())
        .header("content-type", "application/fhir+json")
        .header("x-signature", sig)
        .body(body.to_vec())
        .send()
        .await
        .expect("post")
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unapproved_policy_version_is_refused_until_approved() {
    let Some(stack) = Stack::start_or_skip("chain-approval") else {
        return;
    };
    let options = ChainOptions {
        relay: true,
        approve: false,
        ..ChainOptions::default()
    };
    let chain = Chain::start(stack, &starvit_e2e::test_binaries!(), &options)
        .await
        .expect("chain");
    let export = tempfile::tempdir().expect("tempdir");
    starvit_synth::generate(&starvit_synth::SynthConfig::new(3, 13), export.path()).expect("synth");
    let uploaded = chain
        .upload_export(export.path(), "job-unapproved")
        .await
        .expect("upload");
    let patient = std::fs::read_to_string(export.path().join("Patient.ndjson")).expect("patients");
    let body = patient
        .lines()
        .next()
        .expect("a patient")
        .as_bytes()
        .to_vec();

    // Unapproved: every delivery is retried, nothing is written on either side.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while chain.router_stats().failed_attempts < uploaded.len() as u64 {
        assert!(
            std::time::Instant::now() < deadline,
            "{:?}",
            chain.router_stats()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert_eq!(
        post_signed(&chain, &body).await,
        503,
        "the relay refuses with Retry"
    );
    assert!(chain.list(DEID_BUCKET).await.expect("list").is_empty());
    assert!(
        chain
            .list(QUARANTINE_BUCKET)
            .await
            .expect("list")
            .is_empty()
    );
    let emulator = Emulator::new(
        reqwest::Client::new(),
        chain.stack.var("PUBSUB_ENDPOINT"),
        chain.stack.project(),
    );
    assert!(
        emulator
            .pull(DEID_EVENTS_TAP, 10)
            .await
            .expect("pull")
            .is_empty()
    );
    let log = std::fs::read_to_string(chain.deidentify.log_path()).expect("log");
    assert!(
        log.contains("policy_not_approved"),
        "the refusal is logged with its code"
    );

    // Approved: the retried events go through, the relay publishes.
    let approval = chain.approve("shifted").await.expect("approve");
    assert!(
        chain
            .wait_loaded("job-unapproved", uploaded.len(), Duration::from_secs(240))
            .await,
        "the export lands once approved"
    );
    assert_eq!(
        chain.list_exports(DEID_BUCKET).await.expect("list").len(),
        uploaded.len()
    );
    assert_eq!(post_signed(&chain, &body).await, 200);
    let mut events = Vec::new();
    for _ in 0..50 {
        events = emulator.pull(DEID_EVENTS_TAP, 10).await.expect("pull");
        if !events.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(events.len(), 1, "one event for the patient");

    // The governance mirror holds the approval of exactly that version.
    let table = chain.table(GOVERNANCE_DATASET, "deid_policy_approvals");
    let rows = chain
        .query(&format!(
            "SELECT policy_version, route, approver, record_object FROM {table}"
        ))
        .await
        .expect("query");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0][0], approval.policy_version.as_str());
    assert_eq!(
        rows[0][1], "expert-determination",
        "shifted dates are not Safe Harbor"
    );
    assert_eq!(rows[0][2], LOCAL_APPROVER);
    assert!(
        rows[0][3]
            .as_str()
            .is_some_and(|o| o.ends_with(&starvit_approval::record::object_name(
                &approval.policy_version
            ))),
        "{rows:?}"
    );
    // Records are create-only: another approval of the same version (a new date) is refused.
    let again = chain.approve("shifted").await.expect_err("a second record");
    assert!(
        format!("{again:#}").contains("already has a different approval record"),
        "{again:#}"
    );
}
