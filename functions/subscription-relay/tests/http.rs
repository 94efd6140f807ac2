//! The relay's statuses through the runtime's one dispatch (`oneshot`, no port). Pub/Sub and the
//! quarantine bucket point at a port nothing listens on, so a status that needs neither proves
//! neither was called; the publish and quarantine paths run in the emulator suite
//! (`tests/tests/relay.rs`).

use std::sync::Arc;

use axum::body::Body;
use http::Request;
use starvit_runtime::{RuntimeConfig, Service};
use subscription_relay::Context;
use subscription_relay::signature::sign;
use tower::ServiceExt as _;

const SECRET: &str = "subscription-secret-0123456789";

async fn status(body: &'static [u8], signature: Option<String>, limit: &str) -> u16 {
    let vars = starvit_runtime::vars::Vars::new([
        ("GOOGLE_CLOUD_PROJECT", "test"),
        ("STORAGE_EMULATOR_HOST", "http://127.0.0.1:9"),
        ("PUBSUB_EMULATOR_HOST", "127.0.0.1:9"),
        ("STARVIT_SUBSCRIPTION_SECRET", SECRET),
        ("STARVIT_DEID_KEY", "00112233445566778899aabbccddeeff"),
        ("STARVIT_DEID_EVENTS_TOPIC", "deid-events"),
        ("STARVIT_QUARANTINE_BUCKET", "phi-quarantine"),
        ("STARVIT_DEID_APPROVAL_BUCKET", "phi-staging"),
    ]);
    let context = Context::build(vars).await.expect("context");
    let runtime = RuntimeConfig::from_vars([("STARVIT_BODY_LIMIT_BYTES", limit)]).expect("rt");
    let mut request = Request::post("/").header("content-type", "application/fhir+json");
    if let Some(signature) = signature {
        request = request.header("x-signature", signature);
    }
    starvit_runtime::app(Arc::new(context), &runtime)
        .oneshot(request.body(Body::from(body)).expect("request"))
        .await
        .expect("call")
        .status()
        .as_u16()
}

#[tokio::test]
async fn unsigned_or_wrongly_signed_is_401() {
    let body = br#"{"resourceType":"Patient","id":"p1"}"#;
    assert_eq!(status(body, None, "4096").await, 401);
    assert_eq!(status(body, Some("00".repeat(32)), "4096").await, 401);
}

#[tokio::test]
async fn oversize_is_413_before_anything_else() {
    let body = br#"{"resourceType":"Patient","id":"p1"}"#;
    assert_eq!(
        status(body, Some(sign(SECRET.as_bytes(), body)), "8").await,
        413
    );
}

#[tokio::test]
async fn a_signed_empty_body_is_200_and_an_unreadable_approval_is_503() {
    assert_eq!(
        status(b" ", Some(sign(SECRET.as_bytes(), b" ")), "4096").await,
        200
    );
    let dropped = br#"{"resourceType":"ClientApplication","id":"ca-1","secret":"s"}"#;
    let sig = sign(SECRET.as_bytes(), dropped);
    // Storage is unreachable here, so the policy's approval cannot be read: Retry, nothing done.
    assert_eq!(status(dropped, Some(sig), "4096").await, 503);
}
