//! The endpoints' handlers: tokens, the 4.x loading-job run and status, the 3.x DDL load.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::Inner;
use crate::RunStats;
use crate::records;

pub(super) fn error(status: StatusCode, message: &str) -> Response {
    (
        status,
        axum::Json(json!({"error": true, "message": message})),
    )
        .into_response()
}

#[derive(Deserialize)]
struct TokenRequest {
    secret: String,
    #[serde(default)]
    #[allow(dead_code)]
    lifetime: Option<Value>,
}

pub(super) fn parse_token_request(inner: &Inner, body: &Bytes) -> Result<(), Box<Response>> {
    let request: TokenRequest = serde_json::from_slice(body)
        .map_err(|_| Box::new(error(StatusCode::BAD_REQUEST, "malformed token request")))?;
    if request.secret != inner.config.secret {
        return Err(Box::new(error(StatusCode::UNAUTHORIZED, "unknown secret")));
    }
    Ok(())
}

pub(super) async fn token_v4(State(inner): State<Arc<Inner>>, body: Bytes) -> Response {
    let token = match inner.grant(&body) {
        Ok(token) => token,
        Err(r) => return *r,
    };
    axum::Json(json!({"error": false, "message": "Generate new token successfully.", "token": token, "expiration": 4_102_444_800_u64})).into_response()
}

pub(super) async fn token_v3(State(inner): State<Arc<Inner>>, body: Bytes) -> Response {
    let token = match inner.grant(&body) {
        Ok(token) => token,
        Err(r) => return *r,
    };
    axum::Json(json!({"code": "REST-0000", "error": false, "message": "Generate new token successfully.", "results": {"token": token}, "expiration": 4_102_444_800_u64})).into_response()
}

pub(super) fn params(raw: Option<&str>) -> BTreeMap<String, String> {
    url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RunEntry {
    name: String,
    #[serde(rename = "dataSources")]
    data_sources: Vec<DataSource>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DataSource {
    filename: String,
    #[allow(dead_code)]
    name: String,
    path: String,
}

pub(super) async fn run_v4(
    State(inner): State<Arc<Inner>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(r) = inner.admit(&headers) {
        return r;
    }
    let Some(graph) = params(query.as_deref()).remove("graph") else {
        return error(StatusCode::BAD_REQUEST, "graph parameter is required");
    };
    let Ok(entries) = serde_json::from_slice::<Vec<RunEntry>>(&body) else {
        return error(StatusCode::BAD_REQUEST, "malformed run request");
    };
    if entries.is_empty() {
        return error(StatusCode::BAD_REQUEST, "no loading job to run");
    }
    let mut job_ids = Vec::new();
    for entry in entries {
        let Some(job) = inner.job(&graph, &entry.name).cloned() else {
            return error(StatusCode::BAD_REQUEST, "unknown loading job");
        };
        let mut stats = RunStats::default();
        for source in &entry.data_sources {
            if !job.filenames.contains(&source.filename) {
                return error(
                    StatusCode::BAD_REQUEST,
                    "filename is not defined by the job",
                );
            }
            let records = match inner.fetch(&source.path).await {
                Ok(r) => r,
                Err(e) => return error(StatusCode::BAD_REQUEST, &e),
            };
            if let Err(e) = inner.load_records(&job, &source.filename, records, &mut stats) {
                return error(StatusCode::BAD_REQUEST, &e);
            }
        }
        job_ids.push(inner.record(&job.name, &stats));
    }
    axum::Json(
        json!({"error": false, "message": "Successfully ran loading job(s).", "jobIds": job_ids}),
    )
    .into_response()
}

pub(super) fn objects(map: &BTreeMap<String, u64>) -> Value {
    Value::Array(
        map.iter()
            .map(|(t, n)| json!({"typeName": t, "validObject": n}))
            .collect(),
    )
}

pub(super) async fn status_v4(
    State(inner): State<Arc<Inner>>,
    Path(job_id): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = inner.admit(&headers) {
        return r;
    }
    let Some(graph) = params(query.as_deref()).remove("graph") else {
        return error(StatusCode::BAD_REQUEST, "graph parameter is required");
    };
    let Some(stats) = inner.lock().job_stats.get(&job_id).cloned() else {
        return error(StatusCode::NOT_FOUND, "unknown job id");
    };
    axum::Json(json!({
        "error": false,
        "message": "",
        "results": [{
            "jobId": job_id,
            "graphName": graph,
            "overall": {
                "status": "FINISHED",
                "statistics": {
                    "fileLevel": {"validLine": stats.valid_lines, "rejectLine": stats.reject_lines},
                    "objectLevel": {"vertex": objects(&stats.vertex), "edge": objects(&stats.edge)}
                }
            }
        }]
    }))
    .into_response()
}

pub(super) async fn ddl_v3(
    State(inner): State<Arc<Inner>>,
    Path(graph): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(r) = inner.admit(&headers) {
        return r;
    }
    let mut q = params(query.as_deref());
    let (Some(tag), Some(filename)) = (q.remove("tag"), q.remove("filename")) else {
        return error(StatusCode::BAD_REQUEST, "tag and filename are required");
    };
    let Some(job) = inner.job(&graph, &tag).cloned() else {
        return error(StatusCode::BAD_REQUEST, "unknown loading job");
    };
    if !job.filenames.contains(&filename) {
        return error(
            StatusCode::BAD_REQUEST,
            "filename is not defined by the job",
        );
    }
    let Ok(text) = std::str::from_utf8(&body) else {
        return error(StatusCode::BAD_REQUEST, "body is not UTF-8");
    };
    let mut stats = RunStats::default();
    if let Err(e) = inner.load_records(&job, &filename, records::json_lines(text), &mut stats) {
        return error(StatusCode::BAD_REQUEST, &e);
    }
    inner.record(&job.name, &stats);
    axum::Json(json!({
        "version": {"edition": "enterprise", "api": "v2", "schema": 0},
        "error": false,
        "message": "",
        "results": [{
            "sourceFileName": "Online_POST",
            "statistics": {
                "validLine": stats.valid_lines,
                "rejectLine": stats.reject_lines,
                "failedConditionLine": 0,
                "notEnoughToken": 0,
                "invalidJson": 0,
                "oversizeToken": 0,
                "vertex": objects(&stats.vertex),
                "edge": objects(&stats.edge),
                "deleteVertex": [],
                "deleteEdge": []
            }
        }]
    }))
    .into_response()
}
