//! The TigerGraph client against the contract stub: token, 4.x run over `gs://` (served by a
//! tiny fake-GCS JSON API here, JSON lines; the e2e suite runs it over real Parquet), 3.x body
//! push, 503 -> Retry then success, wrong payloads refused, bad records counted as rejected.

use std::time::Duration;

use axum::Router;
use axum::extract::{Path, RawQuery};
use axum::routing::get;
use graph_snapshot::gsql;
use graph_snapshot::model::Model;
use graph_snapshot::tigergraph::{ApiVersion, TgError, TigerGraphClient, TigerGraphConfig};
use starvit_tigergraph_stub::{Stub, StubConfig};

/// Two good patients, one without an id, one line that is not JSON.
const PATIENTS: &str = concat!(
    "{\"id\":\"p1\",\"gender\":\"female\",\"birth_date\":\"1970\",\"graph_version\":\"v1\"}\n",
    "{\"id\":\"p2\",\"gender\":null,\"birth_date\":\"1980\",\"graph_version\":\"v1\"}\n",
    "{\"id\":\"\",\"gender\":\"male\",\"birth_date\":\"1990\",\"graph_version\":\"v1\"}\n",
    "id,gender,birth_date,graph_version\n",
);

async fn fake_gcs() -> String {
    async fn list(
        Path(_bucket): Path<String>,
        RawQuery(q): RawQuery,
    ) -> axum::Json<serde_json::Value> {
        let q = q.unwrap_or_default();
        let items = if q.contains("patient") {
            serde_json::json!([{"name": "graph/v1/patient/000000000000.json"}])
        } else {
            serde_json::json!([])
        };
        axum::Json(serde_json::json!({"items": items}))
    }
    async fn media(Path((_b, _o)): Path<(String, String)>) -> &'static str {
        PATIENTS
    }
    let app = Router::new()
        .route("/storage/v1/b/{bucket}/o", get(list))
        .route("/storage/v1/b/{bucket}/o/{object}", get(media));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    url
}

async fn stub() -> Stub {
    let model = Model::load().unwrap();
    Stub::start(StubConfig {
        schema_gsql: gsql::schema(&model),
        loading_jobs_gsql: gsql::loading_jobs(&model),
        secret: "s3cret".into(),
        storage_base: Some(fake_gcs().await),
    })
    .await
    .unwrap()
}

fn client(url: &str, version: ApiVersion, secret: &str) -> TigerGraphClient {
    TigerGraphClient::new(TigerGraphConfig {
        base_url: url.to_owned(),
        graph: "starvit".into(),
        secret: secret.into(),
        version,
        data_source: "gcs".into(),
        request_timeout: Duration::from_secs(5),
        job_timeout: Duration::from_secs(5),
    })
    .unwrap()
}

#[tokio::test]
async fn v4_token_and_run_over_gs_uris() {
    let stub = stub().await;
    let tg = client(&stub.url, ApiVersion::V4, "s3cret");
    let run = tg
        .run_uri("load_patient", "f", "gs://deid/graph/v1/patient/")
        .await
        .unwrap();
    assert_eq!((run.valid_lines, run.rejected_lines), (2, 2));
    assert!(!run.job_id.is_empty());
    assert_eq!(stub.counts().get("Patient"), Some(&2));
    assert_eq!(stub.received().rejected.get("load_patient"), Some(&2));
    // Keys the job does not find are rejected lines, not loaded objects.
    let run = tg
        .run_uri("load_encounter", "f", "gs://deid/graph/v1/patient/")
        .await
        .unwrap();
    assert_eq!((run.valid_lines, run.rejected_lines), (0, 4));
    assert_eq!(stub.counts().get("Encounter"), None);
}

#[tokio::test]
async fn unavailable_is_retry_then_success() {
    let stub = stub().await;
    let tg = client(&stub.url, ApiVersion::V4, "s3cret");
    stub.fail_next(1);
    let err = tg
        .run_uri("load_patient", "f", "gs://deid/graph/v1/patient/")
        .await
        .unwrap_err();
    assert!(err.is_transient(), "{err}");
    assert!(matches!(
        err,
        TgError::Unavailable {
            status: Some(503),
            ..
        }
    ));
    let run = tg
        .run_uri("load_patient", "f", "gs://deid/graph/v1/patient/")
        .await
        .unwrap();
    assert_eq!(run.valid_lines, 2);
    assert_eq!(stub.received().failed, 1);
}

#[tokio::test]
async fn wrong_payloads_are_refused() {
    let stub = stub().await;
    // Wrong secret: 401 -> permanent.
    let bad = client(&stub.url, ApiVersion::V4, "nope");
    let err = bad.token().await.unwrap_err();
    assert!(!err.is_transient());
    let tg = client(&stub.url, ApiVersion::V4, "s3cret");
    // Unknown job, undefined file variable, a path with no object under it.
    for (job, var, uri) in [
        ("load_nothing", "f", "gs://deid/graph/v1/patient/"),
        ("load_patient", "g", "gs://deid/graph/v1/patient/"),
        ("load_patient", "f", "gs://deid/graph/v1/nothing/"),
    ] {
        let err = tg.run_uri(job, var, uri).await.unwrap_err();
        assert!(
            matches!(
                err,
                TgError::Rejected {
                    status: Some(400),
                    ..
                }
            ),
            "{job} {var}: {err}"
        );
    }
    assert!(stub.counts().is_empty());
    // No token, wrong path, wrong method.
    let http = reqwest::Client::new();
    let r = http
        .post(format!(
            "{}/gsql/v1/loading-jobs/run?graph=starvit",
            stub.url
        ))
        .body("[]")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = http
        .post(format!("{}/gsql/v1/loading-jobs/start", stub.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = http
        .get(format!("{}/gsql/v1/tokens", stub.url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    let r = http
        .post(format!("{}/gsql/v1/tokens", stub.url))
        .body("not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn v3_pushes_file_bodies() {
    let stub = stub().await;
    let tg = client(&stub.url, ApiVersion::V3, "s3cret");
    let run = tg
        .run_body(
            "load_patient",
            "f",
            bytes::Bytes::from_static(PATIENTS.as_bytes()),
        )
        .await
        .unwrap();
    assert_eq!((run.valid_lines, run.rejected_lines), (2, 2));
    assert_eq!(stub.counts().get("Patient"), Some(&2));
    let err = tg
        .run_body(
            "load_nothing",
            "f",
            bytes::Bytes::from_static(PATIENTS.as_bytes()),
        )
        .await
        .unwrap_err();
    assert!(!err.is_transient());
}

#[tokio::test]
async fn https_is_spoken() {
    // Production TigerGraph is https. A closed local port must be a connection failure (Retry),
    // not a request this client cannot build (which is what a build without TLS gives).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let tg = client(
        &format!("https://127.0.0.1:{port}"),
        ApiVersion::V4,
        "s3cret",
    );
    let err = tg.token().await.unwrap_err();
    assert!(
        matches!(err, TgError::Unavailable { status: None, .. }),
        "{err}"
    );
    let tg = client("ftp://127.0.0.1:1", ApiVersion::V4, "s3cret");
    let err = tg.token().await.unwrap_err();
    assert!(!err.is_transient(), "{err}");
}
