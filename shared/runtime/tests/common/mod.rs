//! Shared by the HTTP and log tests: scripted functions, request builders, a log sink.
#![allow(dead_code, unreachable_pub)]

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use http::{Request, StatusCode};
use http_body_util::BodyExt as _;
use serde::Deserialize;
use serde_json::{Value, json};
use starvit_runtime::payload::StorageObjectData;
use starvit_runtime::{
    Classify, Disposition, Event, Function, LogFormat, Outcome, RuntimeConfig, app, telemetry,
};
use tower::ServiceExt as _;

// ---------------------------------------------------------------- test functions

#[derive(Debug, Deserialize)]
pub struct Script {
    pub action: String,
    #[serde(default)]
    #[allow(dead_code)]
    pub note: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ScriptError {
    #[error("poison input")]
    Poison,
    #[error("dependency unavailable")]
    Unavailable,
}

impl Classify for ScriptError {
    fn disposition(&self) -> Disposition {
        match self {
            ScriptError::Poison => Disposition::Drop,
            ScriptError::Unavailable => Disposition::Retry,
        }
    }
    fn code(&self) -> &'static str {
        match self {
            ScriptError::Poison => "poison_input",
            ScriptError::Unavailable => "dependency_unavailable",
        }
    }
}

/// Does what the event's `data.action` says.
#[derive(Debug)]
pub struct Scripted;

impl Function for Scripted {
    type Input = Event<Script>;
    type Error = ScriptError;
    async fn handle(&self, event: Event<Script>) -> Result<Outcome, ScriptError> {
        match event.data.action.as_str() {
            "done" => Ok(Outcome::done()),
            "skip" => Ok(Outcome::skipped("not_ours")),
            "drop" => Err(ScriptError::Poison),
            "retry" => Err(ScriptError::Unavailable),
            "panic" => panic!("handler exploded"),
            _ => unreachable!(),
        }
    }
}

/// Records the storage events it receives.
#[derive(Debug, Default)]
pub struct Recorder(pub Mutex<Vec<Event<StorageObjectData>>>);

impl Function for Recorder {
    type Input = Event<StorageObjectData>;
    type Error = ScriptError;
    async fn handle(&self, event: Event<StorageObjectData>) -> Result<Outcome, ScriptError> {
        self.0.lock().unwrap().push(event);
        Ok(Outcome::done())
    }
}

// ---------------------------------------------------------------- helpers

pub fn router() -> Router {
    app(Arc::new(Scripted), &RuntimeConfig::default())
}

pub fn binary(data: &Value) -> Request<Body> {
    Request::post("/")
        .header("ce-specversion", "1.0")
        .header("ce-id", "evt-1")
        .header("ce-type", "com.example.test")
        .header("ce-source", "//test")
        .header("content-type", "application/json")
        .body(Body::from(data.to_string()))
        .unwrap()
}

pub fn structured(data: &Value) -> Request<Body> {
    let event = json!({
        "specversion": "1.0", "id": "evt-2", "type": "com.example.test", "source": "//test",
        "datacontenttype": "application/json", "data": data
    });
    Request::post("/")
        .header("content-type", "application/cloudevents+json")
        .body(Body::from(event.to_string()))
        .unwrap()
}

pub async fn send(router: Router, request: Request<Body>) -> (StatusCode, String) {
    let response = router.oneshot(request).await.unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

pub fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

pub fn fixture_request(name: &str) -> Request<Body> {
    let f = fixture(name);
    let mut builder = Request::post("/");
    for (k, v) in f["headers"].as_object().unwrap() {
        builder = builder.header(k.as_str(), v.as_str().unwrap());
    }
    builder.body(Body::from(f["body"].to_string())).unwrap()
}

/// In-memory log sink for `telemetry::subscriber`.
#[derive(Clone, Default)]
pub struct Logs(pub Arc<Mutex<Vec<u8>>>);

impl Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Logs {
    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
    pub fn json_lines(&self) -> Vec<Value> {
        self.text()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

/// Run `request` with JSON logs captured (current-thread runtime: the thread-local default
/// subscriber sees everything).
pub async fn send_logged(router: Router, request: Request<Body>) -> (StatusCode, Logs) {
    let logs = Logs::default();
    let config = RuntimeConfig {
        log_format: LogFormat::Json,
        project_id: Some("starvit-dev".into()),
        ..RuntimeConfig::default()
    };
    let sink = logs.clone();
    let subscriber = telemetry::subscriber(&config, move || sink.clone()).unwrap();
    let _guard = tracing::subscriber::set_default(subscriber);
    let (status, _) = send(router, request).await;
    (status, logs)
}
