//! HTTP tests of `deidentify` through the runtime's axum app (no port, no network): the paths that
//! never touch storage. Duplicate events and the storage paths are covered by the emulator suite
//! (`tests/tests/chain/`).

use std::sync::Arc;

use axum::body::Body;
use deidentify::{Config, Context};
use http::Request;
use starvit_gcp::GcpConfig;
use starvit_runtime::RuntimeConfig;
use tower::ServiceExt as _;

async fn app() -> axum::Router {
    let config = Config::from_vars([
        ("STARVIT_PHI_BUCKET", "phi"),
        ("STARVIT_DEID_BUCKET", "deid"),
        ("STARVIT_QUARANTINE_BUCKET", "quarantine"),
        ("STARVIT_DEID_KEY", "00112233445566778899aabbccddeeff"),
        ("STARVIT_DEID_APPROVAL_BUCKET", "phi"),
    ])
    .expect("config");
    // An endpoint nothing listens on: any storage call would fail, so a 2xx proves none was made.
    let gcp = GcpConfig {
        project_id: "test".into(),
        storage_endpoint: Some("http://127.0.0.1:9".into()),
        ..GcpConfig::default()
    };
    let context = Context::new(config, &gcp).await.expect("context");
    let runtime = RuntimeConfig::from_vars([("PORT", "0")]).expect("runtime");
    starvit_runtime::app(Arc::new(context), &runtime)
}

fn finalized(bucket: &str, name: &str) -> Request<Body> {
    let body = serde_json::json!({
        "bucket": bucket, "name": name, "generation": "1700000000000001",
        "metageneration": "1", "size": "10", "contentType": "application/x-ndjson",
    });
    Request::post("/")
        .header("ce-specversion", "1.0")
        .header("ce-id", "1")
        .header(
            "ce-source",
            format!("//storage.googleapis.com/projects/_/buckets/{bucket}"),
        )
        .header("ce-type", "google.cloud.storage.object.v1.finalized")
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .expect("request")
}

#[tokio::test]
async fn a_non_ndjson_object_is_skipped_with_2xx() {
    let resp = app()
        .await
        .oneshot(finalized("phi", "exports/j/manifest.json"))
        .await
        .expect("call");
    assert_eq!(resp.status().as_u16(), 204);
}

#[tokio::test]
async fn an_object_of_another_bucket_is_skipped_with_2xx() {
    let resp = app()
        .await
        .oneshot(finalized("deid", "exports/j/Patient.ndjson"))
        .await
        .expect("call");
    assert_eq!(resp.status().as_u16(), 204);
}

#[tokio::test]
async fn a_malformed_event_is_acknowledged_not_retried() {
    let request = Request::post("/")
        .header("ce-specversion", "1.0")
        .header("ce-id", "1")
        .header(
            "ce-source",
            "//storage.googleapis.com/projects/_/buckets/phi",
        )
        .header("ce-type", "google.cloud.storage.object.v1.finalized")
        .header("content-type", "application/json")
        .body(Body::from(r#"{"bucket":"phi"}"#))
        .expect("request");
    let resp = app().await.oneshot(request).await.expect("call");
    assert_eq!(
        resp.status().as_u16(),
        200,
        "malformed events are dropped with 2xx, never retried"
    );
}
