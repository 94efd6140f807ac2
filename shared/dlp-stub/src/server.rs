//! The axum server behind [`Stub`].

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::apply::{self, Invalid};
use crate::{BUILT_IN, MAX_REQUEST_BYTES};

/// What the stub has seen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// `content:deidentify` requests answered 200.
    pub requests: u64,
    /// Strings de-identified (table cells or values).
    pub strings: u64,
    /// The largest request body received.
    pub max_request_bytes: usize,
    /// Requests answered with an injected failure.
    pub failed: u64,
    /// Requests refused with 400.
    pub invalid: u64,
}

#[derive(Default)]
struct Inner {
    stats: Stats,
    fail: Option<(u16, u64)>,
}

/// A running stub on `127.0.0.1:0`; stops on [`Stub::stop`] or with the runtime that started it.
#[derive(Clone)]
pub struct Stub {
    /// Base URL, e.g. `http://127.0.0.1:PORT` (the client's endpoint).
    pub url: String,
    inner: Arc<Mutex<Inner>>,
    task: tokio::task::AbortHandle,
}

impl std::fmt::Debug for Stub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stub")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl Stub {
    /// Starts the stub.
    ///
    /// # Errors
    /// When the port cannot be bound.
    pub async fn start() -> std::io::Result<Self> {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let app = Router::new()
            .fallback(handle)
            .with_state(Arc::clone(&inner));
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        let url = format!("http://{}", listener.local_addr()?);
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        })
        .abort_handle();
        Ok(Self { url, inner, task })
    }

    /// Stops serving (every clone); the port is released.
    pub fn stop(&self) {
        self.task.abort();
    }

    /// Answers the next `n` requests with `status` (429 or 5xx) and DLP's error body.
    pub fn fail_next(&self, status: u16, n: u64) {
        self.lock().fail = Some((status, n));
    }

    /// The counters.
    #[must_use]
    pub fn stats(&self) -> Stats {
        self.lock().stats.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn error(status: StatusCode, message: &str) -> Response {
    let name = match status.as_u16() {
        400 => "INVALID_ARGUMENT",
        404 => "NOT_FOUND",
        429 => "RESOURCE_EXHAUSTED",
        _ => "UNAVAILABLE",
    };
    let body = json!({"error": {"code": status.as_u16(), "message": message, "status": name}});
    (status, axum::Json(body)).into_response()
}

/// `/v2/projects/{p}[/locations/{l}]/content:deidentify`.
fn is_deidentify_path(path: &str) -> bool {
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    matches!(
        parts.as_slice(),
        ["v2", "projects", p, "content:deidentify"] if !p.is_empty()
    ) || matches!(
        parts.as_slice(),
        ["v2", "projects", p, "locations", l, "content:deidentify"] if !p.is_empty() && !l.is_empty()
    )
}

async fn handle(
    State(inner): State<Arc<Mutex<Inner>>>,
    method: axum::http::Method,
    uri: Uri,
    body: Bytes,
) -> Response {
    if method != axum::http::Method::POST || !is_deidentify_path(uri.path()) {
        return error(
            StatusCode::NOT_FOUND,
            "only POST content:deidentify is implemented",
        );
    }
    let mut guard = inner
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    guard.stats.max_request_bytes = guard.stats.max_request_bytes.max(body.len());
    if let Some((status, n)) = guard.fail.take() {
        if n > 1 {
            guard.fail = Some((status, n - 1));
        }
        guard.stats.failed += 1;
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
        return error(status, "injected failure");
    }
    match deidentify(&body) {
        Ok((answer, strings)) => {
            guard.stats.requests += 1;
            guard.stats.strings += strings;
            (StatusCode::OK, axum::Json(answer)).into_response()
        }
        Err(message) => {
            guard.stats.invalid += 1;
            error(StatusCode::BAD_REQUEST, &message)
        }
    }
}

/// Checks the request against the contract and answers it; returns the strings it handled.
fn deidentify(body: &[u8]) -> Result<(Value, u64), Invalid> {
    if body.len() > MAX_REQUEST_BYTES {
        return Err(format!(
            "Request payload size exceeds the limit: {MAX_REQUEST_BYTES} bytes."
        ));
    }
    let request: Value = serde_json::from_slice(body).map_err(|_| "invalid JSON payload")?;
    let obj = request.as_object().ok_or("the body must be an object")?;
    for key in obj.keys() {
        if !matches!(key.as_str(), "item" | "inspectConfig" | "deidentifyConfig") {
            return Err(format!("unsupported field {key}"));
        }
    }
    let inspect = &request["inspectConfig"];
    for key in inspect.as_object().into_iter().flat_map(|o| o.keys()) {
        if !matches!(
            key.as_str(),
            "infoTypes" | "customInfoTypes" | "minLikelihood"
        ) {
            return Err(format!("inspectConfig: unsupported field {key}"));
        }
    }
    for t in inspect["infoTypes"].as_array().into_iter().flatten() {
        let name = t["name"].as_str().unwrap_or_default();
        if !BUILT_IN.contains(&name) {
            return Err(format!("unknown infoType {name:?}"));
        }
    }
    let custom = inspect["customInfoTypes"]
        .as_array()
        .map_or(&[][..], Vec::as_slice);
    let detectors = apply::detectors(custom)?;
    let replace = json!({"infoTypeTransformations": {"transformations": [
        {"primitiveTransformation": {"replaceWithInfoTypeConfig": {}}}
    ]}});
    if request["deidentifyConfig"] != replace {
        return Err(
            "deidentifyConfig: only one replaceWithInfoTypeConfig transformation is supported"
                .into(),
        );
    }
    let mut summary = BTreeMap::new();
    let mut strings = 0;
    let item = &request["item"];
    let out_item = match (item.get("value"), item.get("table")) {
        (Some(Value::String(v)), None) if item.as_object().is_some_and(|o| o.len() == 1) => {
            strings += 1;
            json!({"value": apply::apply(&detectors, v, &mut summary)})
        }
        (None, Some(table)) => {
            let rows = table["rows"].as_array().ok_or("table.rows is required")?;
            let mut out_rows = Vec::with_capacity(rows.len());
            for row in rows {
                let mut values = Vec::new();
                for v in row["values"]
                    .as_array()
                    .ok_or("rows[].values is required")?
                {
                    let s = v["stringValue"]
                        .as_str()
                        .ok_or("only stringValue cells are supported")?;
                    strings += 1;
                    values.push(json!({"stringValue": apply::apply(&detectors, s, &mut summary)}));
                }
                out_rows.push(json!({"values": values}));
            }
            json!({"table": {"headers": table["headers"].clone(), "rows": out_rows}})
        }
        _ => return Err("item must hold exactly one of value or table".into()),
    };
    let transformed: u64 = summary.values().map(|(_, b)| b).sum();
    let summaries: Vec<Value> = summary
        .iter()
        .map(|(name, (count, bytes))| {
            json!({"infoType": {"name": name},
                   "transformation": {"replaceWithInfoTypeConfig": {}},
                   "results": [{"count": count.to_string(), "code": "SUCCESS"}],
                   "transformedBytes": bytes.to_string()})
        })
        .collect();
    let answer = json!({"item": out_item, "overview": {
        "transformedBytes": transformed.to_string(), "transformationSummaries": summaries}});
    Ok((answer, strings))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_contract() {
        assert!(is_deidentify_path(
            "/v2/projects/p/locations/global/content:deidentify"
        ));
        assert!(is_deidentify_path("/v2/projects/p/content:deidentify"));
        assert!(!is_deidentify_path("/v2/projects/p/content:inspect"));
        let ok = json!({"item": {"value": "Call Ann"},
            "inspectConfig": {"infoTypes": [{"name": "PERSON_NAME"}],
                "customInfoTypes": [{"infoType": {"name": "PERSON"}, "dictionary": {"wordList": {"words": ["ann"]}}}]},
            "deidentifyConfig": {"infoTypeTransformations": {"transformations": [
                {"primitiveTransformation": {"replaceWithInfoTypeConfig": {}}}]}}});
        let (answer, n) = deidentify(ok.to_string().as_bytes()).unwrap();
        assert_eq!(answer["item"]["value"], "Call [PERSON]");
        assert_eq!(n, 1);
        let mut unknown = ok.clone();
        unknown["inspectConfig"]["infoTypes"] = json!([{"name": "NOT_A_DETECTOR"}]);
        assert!(deidentify(unknown.to_string().as_bytes()).is_err());
        let mut other = ok;
        other["deidentifyConfig"] = json!({"recordTransformations": {}});
        assert!(deidentify(other.to_string().as_bytes()).is_err());
        let big = json!({"item": {"value": "x".repeat(MAX_REQUEST_BYTES)}});
        assert!(
            deidentify(big.to_string().as_bytes())
                .unwrap_err()
                .contains("exceeds")
        );
    }
}
