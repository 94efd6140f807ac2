//! Log contract: codes are logged, bodies and panic payloads never; Cloud Logging JSON shape.
//! Every test installs its capturing subscriber before doing anything (see `http.rs`).

mod common;

use axum::body::Body;
use common::{binary, router, send_logged};
use http::{Request, StatusCode};
use serde_json::json;

#[tokio::test]
async fn malformed_log_never_contains_the_body() {
    let marker = "Jane Q. Planted-Marker 1970-01-01";
    let request = Request::post("/")
        .header("content-type", "application/cloudevents+json")
        .body(Body::from(format!("{{\"id\": \"{marker}\"")))
        .unwrap();
    let (status, logs) = send_logged(router(), request).await;
    assert_eq!(status, StatusCode::OK);
    let text = logs.text();
    assert!(text.contains("\"code\":\"malformed_event\""), "{text}");
    assert!(!text.contains("Planted-Marker"), "{text}");
}

#[tokio::test]
async fn drop_log_has_the_code_and_not_the_payload() {
    let marker = "PLANTED-MARKER-7f3a";
    let request = binary(&json!({"action": "drop", "note": marker}));
    let (status, logs) = send_logged(router(), request).await;
    assert_eq!(status, StatusCode::OK);
    let text = logs.text();
    assert!(!text.contains(marker), "{text}");
    let lines = logs.json_lines();
    let line = lines
        .iter()
        .find(|l| l["code"] == "poison_input")
        .unwrap_or_else(|| panic!("{text}"));
    assert_eq!(line["severity"], "ERROR");
    assert_eq!(line["message"], "event dropped");
    assert_eq!(line["error"], "poison input");
    assert_eq!(line["ce_id"], "evt-1");
    assert_eq!(line["ce_type"], "com.example.test");
}

#[tokio::test]
async fn log_lines_have_the_cloud_logging_shape_and_trace() {
    let mut request = binary(&json!({"action": "retry"}));
    request.headers_mut().insert(
        "ce-traceparent",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
            .parse()
            .unwrap(),
    );
    let (status, logs) = send_logged(router(), request).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let lines = logs.json_lines();
    let line = lines
        .iter()
        .find(|l| l["code"] == "dependency_unavailable")
        .unwrap();
    assert_eq!(line["severity"], "ERROR");
    assert!(line["time"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        line["logging.googleapis.com/trace"],
        "projects/starvit-dev/traces/4bf92f3577b34da6a3ce929d0e0e4736"
    );
    assert_eq!(line["logging.googleapis.com/spanId"], "00f067aa0ba902b7");
    assert_eq!(line["logging.googleapis.com/trace_sampled"], true);
    let keys: Vec<&String> = line.as_object().unwrap().keys().collect();
    assert_eq!(
        keys.last().unwrap().as_str(),
        "message",
        "message is written last"
    );
}

#[tokio::test]
async fn panic_and_done_are_logged_with_stable_messages() {
    let (_, logs) = send_logged(router(), binary(&json!({"action": "panic"}))).await;
    let lines = logs.json_lines();
    let line = lines.iter().find(|l| l["code"] == "handler_panic").unwrap();
    assert_eq!(line["severity"], "ERROR");
    assert!(
        !logs.text().contains("handler exploded"),
        "panic payload is never logged"
    );

    let (_, logs) = send_logged(router(), binary(&json!({"action": "skip"}))).await;
    let lines = logs.json_lines();
    let line = lines
        .iter()
        .find(|l| l["message"] == "event skipped")
        .unwrap_or_else(|| panic!("{}", logs.text()));
    assert_eq!(line["severity"], "INFO");
    assert_eq!(line["reason"], "not_ours");
}
