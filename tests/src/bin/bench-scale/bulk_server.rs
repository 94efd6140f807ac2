//! A static FHIR Bulk Data server for the scale benchmark: `GET /fhir/$export` answers 202 with a
//! status URL, the status URL answers 200 with a manifest naming every NDJSON file of a directory
//! (one per type), and each file is streamed from disk. Only what `bulk-export` calls, on
//! 127.0.0.1, no auth (the bench sets no FHIR credentials).

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// A running server.
pub struct Server {
    /// The FHIR base URL (`http://127.0.0.1:P/fhir`).
    pub base: String,
}

struct Files {
    dir: PathBuf,
    origin: String,
    export_id: String,
}

/// Serves `dir` as one completed export whose status URL ends in `export_id`.
pub async fn serve(dir: PathBuf, export_id: &str) -> anyhow::Result<Server> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let origin = format!("http://{}", listener.local_addr()?);
    let state = Arc::new(Files {
        dir,
        origin: origin.clone(),
        export_id: export_id.to_owned(),
    });
    let app = Router::new()
        .route("/fhir/{op}", get(kickoff))
        .route("/status/{id}", get(status))
        .route("/files/{name}", get(file))
        .with_state(state);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(Server {
        base: format!("{origin}/fhir"),
    })
}

async fn kickoff(State(s): State<Arc<Files>>, Path(op): Path<String>) -> Response {
    if op != "$export" {
        return StatusCode::NOT_FOUND.into_response();
    }
    (
        StatusCode::ACCEPTED,
        [(
            header::CONTENT_LOCATION,
            format!("{}/status/{}", s.origin, s.export_id),
        )],
    )
        .into_response()
}

async fn status(State(s): State<Arc<Files>>, Path(_id): Path<String>) -> Response {
    let Ok(files) = starvit_deid::scan::ndjson_files(&s.dir) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let output: Vec<serde_json::Value> = files
        .iter()
        .filter_map(|f| {
            let name = f.file_name()?.to_str()?;
            let ty = name.split('.').next()?;
            Some(serde_json::json!({"type": ty, "url": format!("{}/files/{name}", s.origin)}))
        })
        .collect();
    axum::Json(serde_json::json!({
        "transactionTime": "2026-12-01T00:00:00Z",
        "requiresAccessToken": false,
        "output": output,
        "error": [],
    }))
    .into_response()
}

async fn file(State(s): State<Arc<Files>>, Path(name): Path<String>) -> Response {
    if name.contains('/') || name.starts_with('.') {
        return StatusCode::NOT_FOUND.into_response();
    }
    match tokio::fs::File::open(s.dir.join(&name)).await {
        Ok(f) => Body::from_stream(tokio_util::io::ReaderStream::with_capacity(f, 256 << 10))
            .into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}
