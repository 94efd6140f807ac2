//! A file download from a byte offset ([`FhirClient::open`] with `offset > 0`) against file
//! servers that answer a `Range` request the ways RFC 9110 allows and a few they must not: 206
//! with a matching `Content-Range` (the client receives only the rest), 200 (the server ignores
//! `Range`, as sekmet-fhir does: the client skips the head itself), 206 for another range
//! (refused, Drop), 416 and a body shorter than the offset (the file changed: Drop).
//!
//! The servers count the body bytes they send, so the test shows what a resume costs on the
//! wire. The Range-honouring server's `Range` handling is written here (the spec's
//! `bytes=N-` form only); the e2e test `resume.rs` runs the 200 case against sekmet-fhir.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use bulk_export::fhir::{Auth, FhirClient, FhirError, OutputFile};
use url::Url;

/// How the file server answers a ranged request.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Honour,
    Ignore,
    WrongRange,
    Unsatisfiable,
    Truncated,
}

struct Server {
    mode: Mode,
    file: Vec<u8>,
    sent: AtomicU64,
}

async fn serve(State(s): State<Arc<Server>>, headers: HeaderMap) -> Response {
    let from = headers
        .get("range")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("bytes="))
        .and_then(|v| v.strip_suffix('-'))
        .and_then(|v| v.parse::<usize>().ok());
    let len = s.file.len();
    let (status, body, range) = match (s.mode, from) {
        (_, None) | (Mode::Ignore, _) => (StatusCode::OK, s.file.clone(), None),
        (Mode::Unsatisfiable, Some(_)) => (StatusCode::RANGE_NOT_SATISFIABLE, Vec::new(), None),
        (Mode::Truncated, Some(n)) => (StatusCode::OK, s.file[..n / 2].to_vec(), None),
        (Mode::Honour | Mode::WrongRange, Some(n)) => {
            let start = if s.mode == Mode::WrongRange { 0 } else { n };
            let range = format!("bytes {start}-{}/{len}", len - 1);
            (
                StatusCode::PARTIAL_CONTENT,
                s.file[start..].to_vec(),
                Some(range),
            )
        }
    };
    s.sent.fetch_add(body.len() as u64, Ordering::SeqCst);
    let mut response = (status, body).into_response();
    if let Some(range) = range {
        response
            .headers_mut()
            .insert("content-range", range.parse().unwrap());
    }
    response
}

async fn start(mode: Mode, file: Vec<u8>) -> (FhirClient, OutputFile, Arc<Server>) {
    let server = Arc::new(Server {
        mode,
        file,
        sent: AtomicU64::new(0),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let app = Router::new()
        .route("/files/{name}", axum::routing::get(serve))
        .with_state(server.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let client = FhirClient::new(
        Url::parse(&format!("{origin}/fhir")).unwrap(),
        Auth::None,
        Duration::from_secs(5),
    )
    .unwrap();
    let file = OutputFile {
        ty: "Observation".into(),
        url: format!("{origin}/files/Observation.ndjson"),
        count: None,
    };
    (client, file, server)
}

fn file() -> Vec<u8> {
    (0..5_000)
        .flat_map(|i| {
            format!("{{\"resourceType\":\"Observation\",\"id\":\"o{i}\"}}\n").into_bytes()
        })
        .collect()
}

/// The file from `offset` as the client yields it, and the bytes it received.
async fn read_from(mode: Mode, offset: u64) -> Result<(Vec<u8>, u64, bool, u64), FhirError> {
    let (client, output, server) = start(mode, file()).await;
    let mut download = client.open(&output, false, offset).await?;
    let mut out = Vec::new();
    while let Some(chunk) = download.chunk().await? {
        out.extend_from_slice(&chunk);
    }
    let sent = server.sent.load(Ordering::SeqCst);
    Ok((out, download.received(), download.ranged(), sent))
}

#[tokio::test]
async fn a_honoured_range_sends_only_the_rest_and_an_ignored_one_is_skipped_locally() {
    let whole = file();
    let offset = (whole.len() * 3 / 4) as u64;
    let rest = &whole[offset as usize..];

    let (got, received, ranged, sent) = read_from(Mode::Honour, offset).await.unwrap();
    assert_eq!(got, rest);
    assert!(ranged);
    assert_eq!((received, sent), (rest.len() as u64, rest.len() as u64));
    eprintln!(
        "206: {sent} of {} bytes on the wire for a resume at {offset}",
        whole.len()
    );

    let (got, received, ranged, sent) = read_from(Mode::Ignore, offset).await.unwrap();
    assert_eq!(got, rest);
    assert!(!ranged);
    assert_eq!((received, sent), (whole.len() as u64, whole.len() as u64));

    let (got, _, ranged, _) = read_from(Mode::Honour, 0).await.unwrap();
    assert_eq!(
        (got, ranged),
        (whole.clone(), false),
        "offset 0 sends no Range"
    );
}

#[tokio::test]
async fn a_wrong_range_is_refused_and_a_shorter_file_is_a_changed_file() {
    let offset = 1_000;
    let wrong = read_from(Mode::WrongRange, offset).await.unwrap_err();
    assert!(
        matches!(
            wrong,
            FhirError::Rejected {
                status: Some(206),
                ..
            }
        ),
        "{wrong}"
    );
    assert!(!wrong.is_transient());
    for mode in [Mode::Unsatisfiable, Mode::Truncated] {
        let e = read_from(mode, offset).await.unwrap_err();
        assert!(matches!(e, FhirError::FileChanged), "{e}");
        assert!(!e.is_transient());
    }
}
