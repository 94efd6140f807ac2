//! HTTP contract tests through the axum Router (`oneshot`, no port), and a real `serve` on
//! port 0. Log assertions live in `logs.rs` (their own binary: thread-local subscribers and
//! tests without one must not share tracing's global callsite cache).

mod common;

use std::sync::Arc;

use axum::body::Body;
use common::{Recorder, Scripted, binary, fixture, fixture_request, router, send, structured};
use http::{Request, StatusCode};
use serde_json::json;
use starvit_runtime::{RuntimeConfig, app, serve_with_shutdown};

// ---------------------------------------------------------------- dispositions, both modes

async fn assert_disposition(action: &str, expected: StatusCode, expected_body: &str) {
    let data = json!({"action": action});
    for (mode, request) in [("binary", binary(&data)), ("structured", structured(&data))] {
        let (status, body) = send(router(), request).await;
        assert_eq!(status, expected, "{action} in {mode} mode");
        assert_eq!(body, expected_body, "{action} in {mode} mode");
    }
}

#[tokio::test]
async fn done_is_200() {
    assert_disposition("done", StatusCode::OK, "").await;
}

#[tokio::test]
async fn skipped_is_204() {
    assert_disposition("skip", StatusCode::NO_CONTENT, "").await;
}

#[tokio::test]
async fn drop_is_acked_with_2xx() {
    assert_disposition("drop", StatusCode::OK, "poison_input").await;
}

#[tokio::test]
async fn retry_is_503() {
    assert_disposition(
        "retry",
        StatusCode::SERVICE_UNAVAILABLE,
        "dependency_unavailable",
    )
    .await;
}

#[tokio::test]
async fn panic_is_500_and_the_server_keeps_serving() {
    assert_disposition("panic", StatusCode::INTERNAL_SERVER_ERROR, "handler_panic").await;
    let router = router();
    let (status, _) = send(router.clone(), binary(&json!({"action": "panic"}))).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    let (status, _) = send(router, binary(&json!({"action": "done"}))).await;
    assert_eq!(status, StatusCode::OK);
}

// ---------------------------------------------------------------- malformed events

async fn assert_malformed(request: Request<Body>, what: &str) {
    let (status, body) = send(router(), request).await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::OK, "malformed_event"),
        "{what}"
    );
}

#[tokio::test]
async fn malformed_events_are_acked() {
    let post = || Request::post("/");
    assert_malformed(
        post()
            .header("content-type", "application/cloudevents+json")
            .body(Body::from("{nope"))
            .unwrap(),
        "structured bad json",
    )
    .await;
    assert_malformed(
        post()
            .header("content-type", "application/cloudevents+json")
            .body(Body::from(
                json!({"specversion":"1.0","type":"t","source":"//s","data":{"action":"done"}})
                    .to_string(),
            ))
            .unwrap(),
        "structured without id",
    )
    .await;
    let mut no_id = binary(&json!({"action": "done"}));
    no_id.headers_mut().remove("ce-id");
    assert_malformed(no_id, "binary without ce-id").await;
    let mut no_type = binary(&json!({"action": "done"}));
    no_type.headers_mut().remove("ce-type");
    assert_malformed(no_type, "binary without ce-type").await;
    let mut bad_version = binary(&json!({"action": "done"}));
    bad_version
        .headers_mut()
        .insert("ce-specversion", "9.9".parse().unwrap());
    assert_malformed(bad_version, "unknown spec version").await;
    assert_malformed(
        binary(&json!({"unexpected": true})),
        "binary data not matching T",
    )
    .await;
    assert_malformed(
        structured(&json!([1, 2, 3])),
        "structured data not matching T",
    )
    .await;
    let mut bad_json = binary(&json!({}));
    *bad_json.body_mut() = Body::from("{\"action\": ");
    assert_malformed(bad_json, "binary bad json").await;
    assert_malformed(
        post()
            .header("content-type", "text/plain")
            .body(Body::from("hello"))
            .unwrap(),
        "wrong content type, no ce headers",
    )
    .await;
    let mut xml = binary(&json!({}));
    xml.headers_mut()
        .insert("content-type", "application/xml".parse().unwrap());
    *xml.body_mut() = Body::from("<action>done</action>");
    assert_malformed(xml, "binary xml data").await;
    assert_malformed(post().body(Body::empty()).unwrap(), "empty request").await;
}

// ---------------------------------------------------------------- body limit, healthz, routes

#[tokio::test]
async fn oversize_body_is_acked_as_body_too_large() {
    let config = RuntimeConfig {
        body_limit: 64,
        ..RuntimeConfig::default()
    };
    let big = json!({"action": "done", "note": "x".repeat(200)});
    for request in [binary(&big), structured(&big)] {
        let (status, body) = send(app(Arc::new(Scripted), &config), request).await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "body_too_large"));
    }
    // Just under the limit passes.
    let small = json!({"action": "done"});
    let (status, _) = send(app(Arc::new(Scripted), &config), binary(&small)).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn default_limit_is_10_mib() {
    let big = json!({"action": "done", "note": "x".repeat(10 * 1024 * 1024)});
    let (status, body) = send(router(), binary(&big)).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "body_too_large"));
    let fits = json!({"action": "done", "note": "x".repeat(9 * 1024 * 1024)});
    let (status, body) = send(router(), binary(&fits)).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, ""));
}

#[tokio::test]
async fn healthz_is_200_and_other_routes_are_not_events() {
    let (status, _) = send(
        router(),
        Request::get("/healthz").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = send(router(), Request::get("/").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
}

// ---------------------------------------------------------------- fixtures through HTTP

#[tokio::test]
async fn gcs_binary_fixture_reaches_the_handler_typed() {
    let recorder = Arc::new(Recorder::default());
    let router = app(Arc::clone(&recorder), &RuntimeConfig::default());
    let (status, _) = send(router, fixture_request("gcs_finalized_binary.json")).await;
    assert_eq!(status, StatusCode::OK);
    let events = recorder.0.lock().unwrap();
    let event = &events[0];
    assert_eq!(event.id, "7891234567890123");
    assert_eq!(event.ty, "google.cloud.storage.object.v1.finalized");
    assert_eq!(
        event.source,
        "//storage.googleapis.com/projects/_/buckets/starvit-phi-staging"
    );
    assert_eq!(
        event.subject.as_deref(),
        Some("objects/exports%2Fjob-42%2FPatient.ndjson")
    );
    assert_eq!(
        event.time.unwrap().to_rfc3339(),
        "2026-11-02T10:15:30.123456+00:00"
    );
    assert_eq!(
        event.traceparent.as_ref().unwrap().trace_id(),
        "4bf92f3577b34da6a3ce929d0e0e4736"
    );
    assert_eq!(event.data.name, "exports/job-42/Patient.ndjson");
    assert_eq!(event.data.generation, 1_762_078_530_123_456);
}

#[tokio::test]
async fn gcs_structured_fixture_reaches_the_handler_typed() {
    let recorder = Arc::new(Recorder::default());
    let router = app(Arc::clone(&recorder), &RuntimeConfig::default());
    let request = Request::post("/")
        .header(
            "content-type",
            "application/cloudevents+json; charset=utf-8",
        )
        .body(Body::from(
            fixture("gcs_finalized_structured.json").to_string(),
        ))
        .unwrap();
    let (status, _) = send(router, request).await;
    assert_eq!(status, StatusCode::OK);
    let events = recorder.0.lock().unwrap();
    assert_eq!(events[0].id, "7891234567890124");
    assert_eq!(events[0].data.bucket, "starvit-deid");
    assert_eq!(events[0].data.size, Some(1_048_576));
    assert!(!events[0].traceparent.as_ref().unwrap().sampled());
}

#[tokio::test]
async fn pubsub_fixture_is_malformed_for_a_storage_function() {
    let router = app(Arc::new(Recorder::default()), &RuntimeConfig::default());
    let (status, body) = send(router, fixture_request("pubsub_message_published.json")).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "malformed_event"));
}

// ---------------------------------------------------------------- serve

#[tokio::test]
async fn serve_on_port_0_shuts_down_gracefully() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve_with_shutdown(listener, router(), async {
        let _ = stopped.await;
    }));

    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");

    stop.send(()).unwrap();
    let result = tokio::time::timeout(std::time::Duration::from_secs(5), server).await;
    result.expect("server did not stop").unwrap().unwrap();
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "port still open"
    );
}
