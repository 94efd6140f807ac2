//! The wrappers against real emulators (fake-gcs-server, the Pub/Sub emulator,
//! local-bigquery), started by `localcloud/up.sh` and always stopped by `localcloud/down.sh`.
//!
//! One stack for the whole suite: each scenario is a step of one test, so the stack starts once
//! (a few seconds) and the guard's `Drop` stops it even when a step panics. Skipped with a
//! message when the stack cannot be installed, unless `CI=true`.

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use starvit_gcp::GcpConfig;
use starvit_gcp::bigquery::spec::{
    Field, LoadSpec, QuerySpec, SourceFormat, TableRef, WriteDisposition,
};
use starvit_gcp::bigquery::{BigQueryClient, PollPolicy, Submitted};
use starvit_gcp::pubsub::{OutgoingMessage, PubSubClient};
use starvit_gcp::storage::{StorageClient, WriteAttrs, WriteOutcome};
use starvit_gcp::{GcpError, Labels};
use starvit_localcloud::Stack;
use tokio::io::AsyncReadExt;

const BUCKET: &str = "deid-local";
const NDJSON: &str = "{\"id\":\"p1\",\"resource\":{\"resourceType\":\"Patient\",\"gender\":\"female\"}}\n\
                      {\"id\":\"p2\",\"resource\":{\"resourceType\":\"Patient\",\"gender\":\"male\",\"x\":[1,2]}}\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrappers_against_emulators() {
    let Some(stack) = Stack::start_or_skip("gcp-emulators") else {
        return;
    };
    let config = GcpConfig::from_vars(stack.gcp_vars()).expect("config");
    let storage = StorageClient::new(&config).await.expect("storage client");
    let pubsub = PubSubClient::new(&config).await.expect("pubsub client");
    let bigquery = BigQueryClient::new(&config)
        .await
        .expect("bigquery client")
        .with_poll_policy(PollPolicy {
            initial_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
            timeout: Duration::from_secs(60),
        });

    stack
        .create_bucket(&reqwest::Client::new(), BUCKET)
        .await
        .expect("create bucket");
    // Subscribe to fake-gcs' finalize topic before any write, so the events are retained.
    pubsub
        .ensure_subscription("gcs-finalize-test", stack.var("LOCALCLOUD_GCS_TOPIC"))
        .await
        .expect("subscription on the finalize topic");

    let generation = storage_create_only_and_read(&stack, &storage).await;
    finalize_event_arrives(&pubsub, generation).await;
    large_file_streams(&storage).await;
    publish_and_pull(&pubsub).await;
    Box::pin(bigquery_load_and_query(&stack, &storage, &bigquery)).await;
    drop(stack);
}

async fn storage_create_only_and_read(stack: &Stack, storage: &StorageClient) -> i64 {
    let attrs = WriteAttrs {
        content_type: Some("application/x-ndjson".into()),
        metadata: BTreeMap::from([("deid_run_id".into(), "run-1".into())]),
    };
    let name = "Patient/part-0001.ndjson";
    let outcome = storage
        .write_bytes_create_only(BUCKET, name, Bytes::from_static(NDJSON.as_bytes()), &attrs)
        .await
        .expect("first write");
    let WriteOutcome::Created(info) = outcome else {
        panic!("first write must create, got {outcome:?}");
    };
    assert_eq!(info.size, NDJSON.len() as i64);

    let again = storage
        .write_bytes_create_only(BUCKET, name, Bytes::from_static(b"other"), &attrs)
        .await
        .expect("second write is not an error");
    assert_eq!(again, WriteOutcome::AlreadyExists);

    let meta = support::object_metadata(stack, BUCKET, name).await;
    // fake-gcs takes contentType from the media part's header, which the Rust client leaves
    // unset, and ignores the metadata part's contentType; real GCS honours the latter.
    assert!(
        meta["contentType"] == "application/x-ndjson" || meta["contentType"].is_null(),
        "{meta}"
    );
    assert_eq!(meta["metadata"]["deid_run_id"], "run-1");
    assert_eq!(meta["generation"], info.generation.to_string());

    let reader = storage
        .read_at_generation(BUCKET, name, info.generation)
        .await
        .expect("read at generation");
    assert_eq!(reader.generation(), info.generation);
    let mut text = String::new();
    reader
        .into_async_read()
        .read_to_string(&mut text)
        .await
        .expect("read all");
    assert_eq!(text, NDJSON);

    let missing = storage
        .read_at_generation(BUCKET, name, info.generation + 1)
        .await
        .expect_err("no such generation");
    assert!(missing.is_not_found(), "{missing}");
    assert!(!missing.is_transient());
    info.generation
}

async fn finalize_event_arrives(pubsub: &PubSubClient, generation: i64) {
    let messages = pubsub
        .pull("gcs-finalize-test", 1, Duration::from_secs(20))
        .await
        .expect("pull finalize");
    let message = messages.first().expect("a finalize event from fake-gcs");
    let attrs = &message.attributes;
    assert_eq!(attrs["bucketId"], BUCKET);
    assert_eq!(attrs["objectId"], "Patient/part-0001.ndjson");
    assert_eq!(attrs["objectGeneration"], generation.to_string());
    assert_eq!(attrs["eventType"], "OBJECT_FINALIZE");
    let body: serde_json::Value = serde_json::from_slice(&message.data).expect("JSON body");
    assert_eq!(body["metadata"]["deid_run_id"], "run-1");
}

async fn large_file_streams(storage: &StorageClient) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("big.ndjson");
    let line = "{\"id\":\"x\",\"resource\":{\"v\":\"0123456789abcdef\"}}\n";
    let content = line.repeat(200_000); // ~9 MB
    std::fs::write(&path, &content).expect("write temp file");
    let outcome = storage
        .write_file_create_only(BUCKET, "big.ndjson", &path, &WriteAttrs::default())
        .await
        .expect("file upload");
    let WriteOutcome::Created(info) = outcome else {
        panic!("expected Created, got {outcome:?}");
    };
    assert_eq!(info.size, content.len() as i64);
    let mut stream = storage
        .read_at_generation(BUCKET, "big.ndjson", info.generation)
        .await
        .expect("open")
        .into_stream();
    let (mut total, mut chunks) = (0usize, 0usize);
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.expect("chunk");
        assert_eq!(&content.as_bytes()[total..total + chunk.len()], &chunk[..]);
        total += chunk.len();
        chunks += 1;
    }
    assert_eq!(total, content.len());
    assert!(
        chunks > 1,
        "expected a streamed read, got {chunks} chunk(s)"
    );
}

async fn publish_and_pull(pubsub: &PubSubClient) {
    pubsub.ensure_topic("load-complete").await.expect("topic");
    pubsub
        .ensure_topic("load-complete")
        .await
        .expect("topic again (idempotent)");
    pubsub
        .ensure_subscription("load-complete-test", "load-complete")
        .await
        .expect("subscription");
    let publisher = pubsub.publisher("load-complete");
    let id = publisher
        .publish(OutgoingMessage {
            data: Bytes::from_static(b"{\"rows\":2}"),
            attributes: BTreeMap::from([
                ("load_job_id".into(), "load_abc".into()),
                ("table".into(), "raw.patient".into()),
            ]),
            ordering_key: Some("patient".into()),
        })
        .await
        .expect("publish");
    assert!(!id.is_empty());
    let messages = pubsub
        .pull("load-complete-test", 1, Duration::from_secs(20))
        .await
        .expect("pull");
    let message = messages.first().expect("the published message");
    assert_eq!(message.message_id, id);
    assert_eq!(message.attributes["load_job_id"], "load_abc");
    assert_eq!(message.attributes["table"], "raw.patient");
    assert_eq!(&message.data[..], b"{\"rows\":2}");
    assert_eq!(message.ordering_key, "patient");

    let missing = pubsub
        .publisher("no-such-topic")
        .publish(OutgoingMessage::default())
        .await
        .expect_err("publishing to a missing topic fails");
    eprintln!(
        "publish to a missing topic: {missing} ({:?})",
        missing.disposition()
    );
}

async fn bigquery_load_and_query(
    stack: &Stack,
    storage: &StorageClient,
    bigquery: &BigQueryClient,
) {
    let project = stack.var("LOCALCLOUD_PROJECT").to_owned();
    bigquery.ensure_dataset("raw").await.expect("dataset");
    bigquery
        .ensure_dataset("raw")
        .await
        .expect("dataset again (idempotent)");

    let name = "load/patient-0001.ndjson";
    let outcome = storage
        .write_bytes_create_only(
            BUCKET,
            name,
            Bytes::from_static(NDJSON.as_bytes()),
            &WriteAttrs::default(),
        )
        .await
        .expect("write load input");
    let WriteOutcome::Created(info) = outcome else {
        panic!("expected Created, got {outcome:?}");
    };
    let labels = Labels::new()
        .with("service", "bq-load")
        .with("owner", "data-platform")
        .with("env", "local")
        .with("pipeline", "fhir-batch")
        .with("purpose", "raw-load");
    let load = LoadSpec {
        source_uris: vec![format!("gs://{BUCKET}/{name}")],
        format: SourceFormat::NewlineDelimitedJson,
        destination: TableRef {
            project_id: project.clone(),
            dataset_id: "raw".into(),
            table_id: "patient".into(),
        },
        schema: Some(vec![
            Field::required("id", "STRING"),
            Field::nullable("resource", "JSON"),
        ]),
        write: WriteDisposition::Append,
        labels: labels.clone(),
    };
    let job_id = format!("load_{}", info.generation);
    let (submitted, job) = bigquery
        .run_job(&job_id, None, load.to_configuration())
        .await
        .expect("load job");
    assert_eq!(submitted, Submitted::Created);
    let rows = job
        .statistics
        .as_ref()
        .and_then(|s| s.load.as_ref())
        .map(|l| l.output_rows);
    eprintln!("load statistics outputRows: {rows:?}");

    // Same id again: 409, reported as AlreadyExists with the same finished job; nothing reloaded.
    let (submitted, again) = bigquery
        .run_job(&job_id, None, load.to_configuration())
        .await
        .expect("same job id again");
    assert_eq!(submitted, Submitted::AlreadyExists);
    assert_eq!(
        again.job_reference.as_ref().map(|r| r.job_id.as_str()),
        Some(job_id.as_str())
    );

    let query = QuerySpec {
        sql: "SELECT COUNT(*) AS n, COUNTIF(JSON_VALUE(resource, '$.gender') = 'female') AS f \
              FROM raw.patient"
            .into(),
        labels: labels.clone().with("purpose", "check"),
    };
    let query_id = format!("check_{}", info.generation);
    let (_, done) = bigquery
        .run_job(&query_id, None, query.to_configuration())
        .await
        .expect("query job");
    let fetched = bigquery.get_job(&query_id, None).await.expect("jobs.get");
    let job_labels = &fetched
        .configuration
        .as_ref()
        .expect("configuration")
        .labels;
    assert_eq!(
        job_labels.get("service").map(String::as_str),
        Some("bq-load")
    );
    assert_eq!(job_labels.get("purpose").map(String::as_str), Some("check"));
    assert_eq!(done.status.as_ref().map(|s| s.state.as_str()), Some("DONE"));
    let rows = support::query_rows(stack, &query_id).await;
    assert_eq!(
        rows[0]["f"][0]["v"], "2",
        "one load only, despite two submissions: {rows}"
    );
    assert_eq!(
        rows[0]["f"][1]["v"], "1",
        "JSON column queried with JSON_VALUE: {rows}"
    );

    // Parquet: export with a query (EXPORT DATA), load the files back with a Parquet LoadSpec.
    let export = QuerySpec {
        sql: format!(
            "EXPORT DATA OPTIONS(uri='gs://{BUCKET}/export/nodes-*.parquet', format='PARQUET', \
             overwrite=true) AS SELECT id, [1, 2] AS xs, TIMESTAMP '2026-01-01 00:00:00' AS t \
             FROM raw.patient"
        ),
        labels: labels.clone().with("purpose", "export"),
    };
    bigquery
        .run_job(
            &format!("export_{}", info.generation),
            None,
            export.to_configuration(),
        )
        .await
        .expect("export to parquet");
    let parquet = LoadSpec {
        source_uris: vec![format!("gs://{BUCKET}/export/nodes-*.parquet")],
        format: SourceFormat::Parquet,
        destination: TableRef {
            project_id: project.clone(),
            dataset_id: "raw".into(),
            table_id: "nodes".into(),
        },
        schema: None,
        write: WriteDisposition::Truncate,
        labels: labels.clone(),
    };
    bigquery
        .run_job(
            &format!("load_nodes_{}", info.generation),
            None,
            parquet.to_configuration(),
        )
        .await
        .expect("parquet load");
    let check = QuerySpec {
        sql: "SELECT COUNT(*) AS n, SUM(ARRAY_LENGTH(xs)) AS xs FROM raw.nodes".into(),
        labels: labels.clone(),
    };
    let check_id = format!("check_nodes_{}", info.generation);
    bigquery
        .run_job(&check_id, None, check.to_configuration())
        .await
        .expect("query parquet table");
    let rows = support::query_rows(stack, &check_id).await;
    assert_eq!(rows[0]["f"][0]["v"], "2", "{rows}");
    assert_eq!(
        rows[0]["f"][1]["v"], "4",
        "arrays survive the Parquet round trip: {rows}"
    );
    // The runner and the results reader: a finished job id is found (409) and read back.
    let ran = Box::pin(bigquery.run_attempts(&check_id, None, check.to_configuration()))
        .await
        .expect("run_attempts on a finished job");
    assert_eq!(ran.job_id, check_id);
    let cells = Box::pin(bigquery.query_rows(&ran.job_id, None))
        .await
        .expect("rows");
    assert_eq!(cells[0][..2], [Some("2".to_owned()), Some("4".to_owned())]);

    // A load from a missing object fails with a reason, and no row content.
    let mut bad = load.clone();
    bad.source_uris = vec![format!("gs://{BUCKET}/does-not-exist.ndjson")];
    let err = bigquery
        .run_job("load_missing_1", None, bad.to_configuration())
        .await
        .expect_err("missing source");
    eprintln!(
        "load from a missing object: {err} ({:?})",
        err.disposition()
    );
    assert!(
        matches!(err, GcpError::JobFailed { .. } | GcpError::Call { .. }),
        "{err}"
    );
}
