//! The Bulk Data client against Medplum's behaviour, replayed from the responses captured on
//! Medplum 5.0.10 (`../shared/data/medplum-export-sample/`): the kick-off answer (headers and
//! body), a status endpoint that answers 202 without `Retry-After` or `X-Progress` for a while,
//! the system manifest (presigned URLs on the base URL's host, `requiresAccessToken: false`, a
//! malformed `request`, and a `ClientApplication` entry), and the NDJSON files. The replay server
//! refuses what Medplum would not serve: a kick-off without `_type` in the query or without
//! `Prefer: respond-async`, and a file URL whose signature query was dropped.
//!
//! Skipped when `../shared/data` is missing, failing under `CI=true`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use bulk_export::fhir::{Auth, FhirClient, FhirError, Manifest, Status};
use bulk_export::record::{self, RunRecord};
use url::Url;

const CAPTURED_ORIGIN: &str = "http://localhost:8103";

fn sample() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/medplum-export-sample");
    if p.is_dir() {
        return Some(p);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI=true but {} is missing",
        p.display()
    );
    eprintln!("skipping: {} not found", p.display());
    None
}

#[derive(Default)]
struct Seen {
    kickoff_queries: Vec<String>,
    polls: usize,
    downloads: Vec<String>,
    authorization_on_download: bool,
}

struct Replay {
    dir: PathBuf,
    origin: String,
    /// Captured file path+query -> resource type.
    files: BTreeMap<String, String>,
    status_path: String,
    seen: Mutex<Seen>,
}

fn rewrite(text: &str, origin: &str) -> String {
    text.replace(CAPTURED_ORIGIN, origin)
}

async fn serve(
    State(r): State<Arc<Replay>>,
    uri: Uri,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    let path = uri.path().to_owned();
    if path == "/fhir/R4/$export" {
        let query = q.unwrap_or_default();
        let prefer = headers
            .get("prefer")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        r.seen.lock().unwrap().kickoff_queries.push(query.clone());
        if !query.contains("_type=") || !prefer.contains("respond-async") {
            return (
                StatusCode::BAD_REQUEST,
                "replay: _type and Prefer are required",
            )
                .into_response();
        }
        let body = std::fs::read_to_string(r.dir.join("kickoff-response-body.json")).unwrap();
        return (
            StatusCode::ACCEPTED,
            [
                ("content-location", format!("{}{}", r.origin, r.status_path)),
                (
                    "content-type",
                    "application/fhir+json; charset=utf-8".to_owned(),
                ),
            ],
            rewrite(&body, &r.origin),
        )
            .into_response();
    }
    if path == r.status_path {
        let polls = {
            let mut seen = r.seen.lock().unwrap();
            seen.polls += 1;
            seen.polls
        };
        if polls <= 2 {
            // Medplum while running: 202, no Retry-After, no X-Progress.
            return StatusCode::ACCEPTED.into_response();
        }
        let manifest = std::fs::read_to_string(r.dir.join("manifest-system.json")).unwrap();
        return (
            [("content-type", "application/json")],
            rewrite(&manifest, &r.origin),
        )
            .into_response();
    }
    let key = format!("{path}?{}", q.unwrap_or_default());
    if let Some(ty) = r.files.get(&key) {
        let mut seen = r.seen.lock().unwrap();
        seen.downloads.push(ty.clone());
        seen.authorization_on_download |= headers.contains_key("authorization");
        return match std::fs::read(r.dir.join("ndjson").join(format!("{ty}.ndjson"))) {
            Ok(bytes) => bytes.into_response(),
            Err(_) => StatusCode::NOT_FOUND.into_response(),
        };
    }
    // A presigned path without its exact signature query, or anything else.
    StatusCode::FORBIDDEN.into_response()
}

async fn start(dir: PathBuf) -> Arc<Replay> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let headers = std::fs::read_to_string(dir.join("kickoff-response-headers.txt")).unwrap();
    let location = headers
        .lines()
        .find_map(|l| l.strip_prefix("Content-Location: "))
        .unwrap()
        .trim();
    let status_path = Url::parse(location).unwrap().path().to_owned();
    let manifest: Manifest =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest-system.json")).unwrap())
            .unwrap();
    let files = manifest
        .output
        .iter()
        .map(|f| {
            let u = Url::parse(&f.url).unwrap();
            (
                format!("{}?{}", u.path(), u.query().unwrap_or_default()),
                f.ty.clone(),
            )
        })
        .collect();
    let replay = Arc::new(Replay {
        dir,
        origin,
        files,
        status_path,
        seen: Mutex::new(Seen::default()),
    });
    let app = Router::new().fallback(serve).with_state(replay.clone());
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    replay
}

#[tokio::test]
async fn the_client_follows_a_medplum_export_and_copies_only_what_was_asked() {
    let Some(dir) = sample() else {
        return;
    };
    let replay = start(dir.clone()).await;
    let base = Url::parse(&format!("{}/fhir/R4", replay.origin)).unwrap();
    let fhir = FhirClient::new(base, Auth::None, Duration::from_secs(10)).unwrap();
    let types: Vec<String> = std::fs::read_dir(dir.join("ndjson"))
        .unwrap()
        .map(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .trim_end_matches(".ndjson")
                .to_owned()
        })
        .collect();

    let status_url = fhir.kickoff(&types, None).await.unwrap();
    assert_eq!(status_url.path(), replay.status_path);
    let manifest = loop {
        match fhir.status(&status_url).await.unwrap() {
            Status::Complete(m) => break m,
            Status::Running(retry_after) => {
                assert_eq!(retry_after, None, "Medplum sends no Retry-After");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    };
    assert!(!manifest.requires_access_token);
    let run = RunRecord {
        status_url: status_url.to_string(),
        export_id: record::export_id(&status_url),
        types: types.clone(),
        since: None,
    };
    assert_eq!(run.export_id, "8adf6b98-9e33-4f3c-be50-d2ce9754321f");
    let (planned, skipped) = record::plan(&manifest, &run);
    assert_eq!(
        skipped,
        ["ClientApplication"],
        "a type nobody asked for is not copied"
    );
    assert_eq!(planned.len(), types.len());
    let out = tempfile::tempdir().unwrap();
    for (source_file, file) in &planned {
        assert_eq!(*source_file, format!("{}.000", file.ty));
        assert!(
            record::part_name(&run.export_id, source_file, 0)
                .starts_with("exports/8adf6b98-9e33-4f3c-be50-d2ce9754321f/")
        );
        let path = out.path().join(&file.ty);
        let mut spool = tokio::fs::File::create(&path).await.unwrap();
        let n = fhir
            .download(file, manifest.requires_access_token, &mut spool)
            .await
            .unwrap();
        let original =
            std::fs::read(dir.join("ndjson").join(format!("{}.ndjson", file.ty))).unwrap();
        assert_eq!(n, original.len() as u64, "{}", file.ty);
        assert_eq!(std::fs::read(&path).unwrap(), original, "{}", file.ty);
    }
    let seen = replay.seen.lock().unwrap();
    assert_eq!(seen.kickoff_queries.len(), 1);
    assert!(seen.kickoff_queries[0].starts_with("_type="));
    assert_eq!(seen.polls, 3, "two 202s, then the manifest");
    assert!(!seen.downloads.contains(&"ClientApplication".to_owned()));
    assert!(
        !seen.authorization_on_download,
        "no token on presigned URLs"
    );
}

#[tokio::test]
async fn a_manifest_url_off_the_servers_origin_is_refused() {
    let Some(dir) = sample() else {
        return;
    };
    let replay = start(dir).await;
    let base = Url::parse(&format!("{}/fhir/R4", replay.origin)).unwrap();
    let fhir = FhirClient::new(base, Auth::None, Duration::from_secs(10)).unwrap();
    let manifest: Manifest = serde_json::from_str(
        &std::fs::read_to_string(
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../../shared/data/medplum-export-sample/manifest-system.json"),
        )
        .unwrap(),
    )
    .unwrap();
    // As captured: the presigned URLs name localhost:8103, not the server we talk to.
    let out = tempfile::tempdir().unwrap();
    let mut spool = tokio::fs::File::create(out.path().join("x")).await.unwrap();
    let err = fhir
        .download(&manifest.output[0], false, &mut spool)
        .await
        .unwrap_err();
    assert!(matches!(err, FhirError::ForeignUrl), "{err}");
    assert!(replay.seen.lock().unwrap().downloads.is_empty());
    // The presigned path without its signature is refused by the server (403, Drop).
    let mut unsigned = manifest.output[0].clone();
    let u = Url::parse(&unsigned.url).unwrap();
    unsigned.url = format!("{}{}", replay.origin, u.path());
    let err = fhir
        .download(&unsigned, false, &mut spool)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            FhirError::Rejected {
                status: Some(403),
                ..
            }
        ),
        "{err}"
    );
}
