//! Pattern B on the emulators: Medplum-signed rest-hook notifications (Medplum cannot run here, so
//! the test signs bodies exactly as Medplum documents: hex HMAC-SHA256 of the raw body in
//! `X-Signature`) reach `subscription-relay`, and de-identified events land on Pub/Sub. The events
//! equal what the batch path makes of the same resources (same engine, policy and key), carry no
//! planted identifier, and bad notifications are refused or quarantined.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use base64::Engine as _;
use starvit_e2e::chain::{
    Binaries, Chain, ChainOptions, DEID_EVENTS_TAP, LOCAL_KEY_HEX, QUARANTINE_BUCKET, RELAY_SECRET,
};
use starvit_e2e::stack::Stack;
use starvit_local_eventarc::pubsub::{Emulator, ReceivedMessage};

fn binaries() -> Binaries {
    starvit_e2e::test_binaries!()
}

async fn post(chain: &Chain, body: &[u8], signature: Option<String>) -> u16 {
    let url = chain.relay.as_ref().expect("relay").url();
    let mut request = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/fhir+json")
        .body(body.to_vec());
    if let Some(sig) = signature {
        request = request.header("x-signature", sig);
    }
    request.send().await.expect("post").status().as_u16()
}

/// Pulls (and acks) every message on the tap until `want` arrived or the timeout.
async fn pull(emulator: &Emulator, want: usize, timeout: Duration) -> Vec<ReceivedMessage> {
    let deadline = std::time::Instant::now() + timeout;
    let mut all = Vec::new();
    while all.len() < want && std::time::Instant::now() < deadline {
        let batch = emulator.pull(DEID_EVENTS_TAP, 100).await.expect("pull");
        if batch.is_empty() {
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        }
        let ids: Vec<String> = batch.iter().map(|m| m.ack_id.clone()).collect();
        emulator.ack(DEID_EVENTS_TAP, &ids).await.expect("ack");
        all.extend(batch);
    }
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signed_notifications_become_deidentified_events() {
    let Some(stack) = Stack::start_or_skip("chain-relay") else {
        return;
    };
    let chain = Chain::start(
        stack,
        &binaries(),
        &ChainOptions {
            relay: true,
            ..ChainOptions::default()
        },
    )
    .await
    .expect("chain");
    let emulator = Emulator::new(
        reqwest::Client::new(),
        chain.stack.var("PUBSUB_ENDPOINT"),
        chain.stack.project(),
    );
    let phi = tempfile::tempdir().expect("tempdir");
    starvit_synth::generate(&starvit_synth::SynthConfig::new(2, 61), phi.path()).expect("synth");

    // What the batch path makes of each resource, with the same policy and key.
    let engine = starvit_deid::Engine::new(
        starvit_deid::Policy::resolve("shifted").expect("policy"),
        &starvit_deid::Key::from_bytes(hex::decode(LOCAL_KEY_HEX).expect("hex")).expect("key"),
    );
    let mut bodies = Vec::new();
    let mut kept = Vec::new();
    let mut expected = BTreeMap::new();
    for path in starvit_deid::scan::ndjson_files(phi.path()).expect("list") {
        for line in std::fs::read_to_string(&path).expect("read").lines() {
            let resource: serde_json::Value = serde_json::from_str(line).expect("json");
            if let Some(deid) = engine.deid_resource(resource).expect("deid") {
                expected.insert(deid["id"].as_str().expect("id").to_owned(), deid);
                kept.push(line.as_bytes().to_vec());
            }
            bodies.push(line.as_bytes().to_vec());
        }
    }
    // A type the policy does not keep (and that holds a secret): acknowledged, never published.
    let dropped = br#"{"resourceType":"ClientApplication","id":"ca-1","secret":"s3cr3t-client"}"#;
    assert!(
        engine
            .deid_resource(serde_json::from_slice(dropped).expect("json"))
            .expect("deid")
            .is_none()
    );
    bodies.push(dropped.to_vec());
    assert!(!expected.is_empty() && expected.len() < bodies.len());

    let secret = RELAY_SECRET.as_bytes();
    for body in &bodies {
        let sig = subscription_relay::signature::sign(secret, body);
        assert_eq!(post(&chain, body, Some(sig)).await, 200);
    }
    let messages = pull(&emulator, expected.len(), Duration::from_secs(60)).await;
    assert_eq!(
        messages.len(),
        expected.len(),
        "one event per kept resource"
    );
    let out = tempfile::tempdir().expect("tempdir");
    let mut lines = String::new();
    let mut event_ids = BTreeSet::new();
    for m in &messages {
        let data = base64::engine::general_purpose::STANDARD
            .decode(&m.message.data)
            .expect("base64");
        let event: serde_json::Value = serde_json::from_slice(&data).expect("event");
        let id = event["id"].as_str().expect("id");
        let batch = expected
            .get(id)
            .expect("the event names a resource the batch path writes");
        let ty = event["resource_type"].as_str().expect("type");
        // The envelope says what the batch row says, from the same picks, and no more.
        assert!(
            event.get("resource").is_none(),
            "a minimal envelope, not the resource"
        );
        assert_eq!(
            event["patient_id"].as_str(),
            starvit_fhir::pick::patient_id(batch, ty)
        );
        assert_eq!(
            event["event_time"].as_str().map(str::to_owned),
            starvit_fhir::pick::event_time(batch, ty)
                .as_ref()
                .map(starvit_fhir::time::timestamp)
        );
        assert_eq!(
            event["code"].as_str().map(str::to_owned),
            starvit_fhir::pick::code(batch, ty)
        );
        assert_eq!(event["version_id"], batch["meta"]["versionId"]);
        assert_eq!(m.message.attributes["starvit_stage"], "subscription-relay");
        assert_eq!(
            m.message.attributes["resource_type"],
            event["resource_type"].as_str().expect("type")
        );
        event_ids.insert(event["event_id"].as_str().expect("event id").to_owned());
        lines.push_str(&event.to_string());
        lines.push('\n');
        // Attributes are part of what crosses the boundary too.
        lines.push_str(&serde_json::to_string(&m.message.attributes).expect("attrs"));
        lines.push('\n');
    }
    std::fs::write(out.path().join("events.ndjson"), lines).expect("write");
    let scan = starvit_deid::leakscan(phi.path(), out.path()).expect("leakscan");
    assert!(scan.values > 0, "the planted identifiers were read");
    assert!(
        scan.hits.is_empty(),
        "{} planted values leaked",
        scan.hits.len()
    );

    // A redelivered notification publishes the same event id again (consumers dedupe on it).
    let first = &kept[0];
    assert_eq!(
        post(
            &chain,
            first,
            Some(subscription_relay::signature::sign(secret, first))
        )
        .await,
        200
    );
    let again = pull(&emulator, 1, Duration::from_secs(30)).await;
    assert_eq!(again.len(), 1, "the redelivery is published");
    let data = base64::engine::general_purpose::STANDARD
        .decode(&again[0].message.data)
        .expect("base64");
    let event: serde_json::Value = serde_json::from_slice(&data).expect("event");
    assert!(
        event_ids.contains(event["event_id"].as_str().expect("id")),
        "same version, same event id"
    );

    // Unsigned or wrongly signed: 401, nothing published.
    assert_eq!(post(&chain, first, None).await, 401);
    assert_eq!(post(&chain, first, Some("00".repeat(32))).await, 401);
    // Signed but not a resource: acknowledged (no retry loop), quarantined on the PHI side.
    let poison = b"{\"resourceType\": \"Patient\", \"name\": [";
    assert_eq!(
        post(
            &chain,
            poison,
            Some(subscription_relay::signature::sign(secret, poison))
        )
        .await,
        200
    );
    let quarantined = chain.list(QUARANTINE_BUCKET).await.expect("list");
    assert_eq!(
        quarantined
            .iter()
            .filter(|o| o.name.starts_with("relay/"))
            .count(),
        1
    );
    assert!(
        pull(&emulator, 1, Duration::from_secs(5)).await.is_empty(),
        "nothing published for refused or poison notifications"
    );
}
