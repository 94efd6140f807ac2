//! HTTP contract through `starvit_runtime::app` + `oneshot`: the cases decided before any
//! network call. The clients point at a closed local port, so a test that reached the network
//! would fail as Retry (503), not pass by accident.

use std::sync::Arc;

use axum::body::Body;
use bq_load::{Config, Context};
use http::{Request, StatusCode};
use http_body_util::BodyExt as _;
use serde_json::{Value, json};
use starvit_runtime::{RuntimeConfig, app};
use tower::ServiceExt as _;

async fn context() -> Arc<Context> {
    let config = Config::from_vars([
        ("GOOGLE_CLOUD_PROJECT", "starvit-test"),
        ("STARVIT_DEID_BUCKET", "starvit-deid"),
        ("STARVIT_LOAD_COMPLETE_TOPIC", "load-complete"),
        ("STARVIT_ENV", "test"),
        ("STARVIT_OWNER", "data-platform"),
        ("STORAGE_EMULATOR_HOST", "http://127.0.0.1:9"),
        ("PUBSUB_EMULATOR_HOST", "127.0.0.1:9"),
        ("BIGQUERY_EMULATOR_HOST", "http://127.0.0.1:9"),
    ])
    .unwrap();
    Arc::new(Context::connect(config).await.unwrap())
}

fn event(ty: &str, data: &Value) -> Request<Body> {
    Request::post("/")
        .header("ce-specversion", "1.0")
        .header("ce-id", "1234")
        .header("ce-type", ty)
        .header(
            "ce-source",
            "//storage.googleapis.com/projects/_/buckets/starvit-deid",
        )
        .header("content-type", "application/json")
        .body(Body::from(data.to_string()))
        .unwrap()
}

fn object(bucket: &str, name: &str) -> Value {
    json!({
        "bucket": bucket,
        "name": name,
        "generation": "1762078600000001",
        "metageneration": "1",
        "metadata": {"starvit-stage": "deidentify"},
    })
}

async fn send(request: Request<Body>) -> (StatusCode, String) {
    let router = app(context().await, &RuntimeConfig::default());
    let response = router.oneshot(request).await.unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

const FINALIZED: &str = "google.cloud.storage.object.v1.finalized";

#[tokio::test]
async fn skips_are_204() {
    for data in [
        object("starvit-deid", "exports/j/manifest.json"),
        object("starvit-phi-staging", "exports/j/Patient.ndjson"),
        object("starvit-deid", "_bqload/0123456789abcdef01234567.ndjson"),
        object("starvit-deid", "_bqload/policies/ab.ndjson"),
    ] {
        let (status, _) = send(event(FINALIZED, &data)).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{data}");
    }
    let data = object("starvit-deid", "exports/j/Patient.g1.pab.ndjson");
    let (status, _) = send(event("google.cloud.storage.object.v1.deleted", &data)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn poison_objects_are_acked_with_their_code() {
    let data = object("starvit-deid", "exports/j/not-a-type.ndjson");
    assert_eq!(
        send(event(FINALIZED, &data)).await,
        (StatusCode::OK, "object_name_unrecognized".to_owned())
    );
    // Only a stage: the lineage lacks what the raw rows need.
    let data = object("starvit-deid", "exports/j/Patient.g1.pab.ndjson");
    assert_eq!(
        send(event(FINALIZED, &data)).await,
        (StatusCode::OK, "lineage_incomplete".to_owned())
    );
    let mut data = object("starvit-deid", "exports/j/Patient.g1.pab.ndjson");
    data["metadata"] =
        json!({"starvit-stage": "deidentify", "starvit-source-object": "John Smith"});
    assert_eq!(
        send(event(FINALIZED, &data)).await,
        (StatusCode::OK, "lineage_invalid".to_owned())
    );
}

#[tokio::test]
async fn malformed_data_is_acked() {
    let (status, body) = send(event(FINALIZED, &json!({"bucket": 1}))).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "malformed_event"));
}
