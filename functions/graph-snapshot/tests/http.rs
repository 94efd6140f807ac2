//! HTTP contract through `starvit_runtime::app` + `oneshot`: what is decided before any
//! network call. Clients point at a closed port, so reaching the network would be a 503.

use std::sync::Arc;

use axum::body::Body;
use base64::Engine as _;
use graph_snapshot::{Config, Context};
use http::{Request, StatusCode};
use http_body_util::BodyExt as _;
use serde_json::json;
use starvit_runtime::{RuntimeConfig, app};
use tower::ServiceExt as _;

async fn context() -> Arc<Context> {
    let config = Config::from_vars([
        ("GOOGLE_CLOUD_PROJECT", "starvit-test"),
        ("STARVIT_DEID_BUCKET", "starvit-deid"),
        ("STARVIT_ENV", "test"),
        ("STARVIT_OWNER", "data-platform"),
        ("STARVIT_TIGERGRAPH_URL", "http://127.0.0.1:9"),
        ("STARVIT_TIGERGRAPH_SECRET", "s"),
        ("STORAGE_EMULATOR_HOST", "http://127.0.0.1:9"),
        ("PUBSUB_EMULATOR_HOST", "127.0.0.1:9"),
        ("BIGQUERY_EMULATOR_HOST", "http://127.0.0.1:9"),
    ])
    .unwrap();
    Arc::new(Context::connect(config).await.unwrap())
}

fn event(ty: &str, attributes: &serde_json::Value) -> Request<Body> {
    let data = json!({
        "message": {
            "data": base64::engine::general_purpose::STANDARD.encode("{}"),
            "attributes": attributes,
            "messageId": "42",
            "publishTime": "2026-11-02T10:00:00Z"
        },
        "subscription": "projects/p/subscriptions/graph-snapshot"
    });
    Request::post("/")
        .header("ce-specversion", "1.0")
        .header("ce-id", "42")
        .header("ce-type", ty)
        .header(
            "ce-source",
            "//pubsub.googleapis.com/projects/p/topics/load-complete",
        )
        .header("content-type", "application/json")
        .body(Body::from(data.to_string()))
        .unwrap()
}

async fn send(request: Request<Body>) -> (StatusCode, String) {
    let response = app(context().await, &RuntimeConfig::default())
        .oneshot(request)
        .await
        .unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

const PUBLISHED: &str = "google.cloud.pubsub.topic.v1.messagePublished";

#[tokio::test]
async fn other_event_types_are_skipped() {
    let (status, _) = send(event(
        "google.cloud.storage.object.v1.finalized",
        &json!({}),
    ))
    .await;
    // The payload does not fit StorageObjectData-free Pub/Sub typing either way: never a 4xx.
    assert!(
        status == StatusCode::NO_CONTENT || status == StatusCode::OK,
        "{status}"
    );
}

#[tokio::test]
async fn poison_lineage_is_acked_with_its_code() {
    assert_eq!(
        send(event(PUBLISHED, &json!({"starvit_stage": "bq-load"}))).await,
        (StatusCode::OK, "lineage_incomplete".to_owned())
    );
    assert_eq!(
        send(event(
            PUBLISHED,
            &json!({"starvit_stage": "bq-load", "starvit_source_object": "John Smith"})
        ))
        .await,
        (StatusCode::OK, "lineage_invalid".to_owned())
    );
    let (status, body) = send(event(PUBLISHED, &json!({}))).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "lineage_invalid"));
}

#[tokio::test]
async fn unreachable_bigquery_is_retry() {
    let (status, body) = send(event(
        PUBLISHED,
        &json!({"starvit_stage": "bq-load", "starvit_load_job_id": "bqload_x"}),
    ))
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
}

#[tokio::test]
async fn malformed_data_is_acked() {
    let request = Request::post("/")
        .header("ce-specversion", "1.0")
        .header("ce-id", "1")
        .header("ce-type", PUBLISHED)
        .header("ce-source", "//pubsub")
        .header("content-type", "application/json")
        .body(Body::from("{\"message\": 1}"))
        .unwrap();
    let (status, body) = send(request).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "malformed_event"));
}
