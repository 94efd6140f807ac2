//! A loaded export becomes one graph snapshot in TigerGraph (3.x and 4.x).

use std::time::Duration;

use starvit_e2e::chain::{ChainOptions, DEID_BUCKET};

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_loaded_export_becomes_one_graph_snapshot_in_tigergraph() {
    use starvit_e2e::chain::GOVERNANCE_DATASET;
    let Some(chain) = started(
        "chain-graph",
        &ChainOptions {
            graph: true,
            ..ChainOptions::default()
        },
    )
    .await
    else {
        return;
    };
    let tigergraph = &chain.graph.as_ref().expect("graph stage").tigergraph;
    // TigerGraph answers the first requests with 503: the snapshot is retried, never given up.
    tigergraph.fail_next(3);
    let export = synth(4, 41);
    let uploaded = chain
        .upload_export(export.path(), "job-graph")
        .await
        .expect("upload");
    assert!(
        chain
            .wait_loaded("job-graph", uploaded.len(), Duration::from_secs(600))
            .await
    );
    let provenance = chain.table(GOVERNANCE_DATASET, "graph_provenance");
    let deadline = std::time::Instant::now() + Duration::from_secs(600);
    loop {
        let done = chain
            .count(&format!(
                "SELECT COUNT(*) FROM {provenance} WHERE tigergraph_job_id IS NOT NULL"
            ))
            .await
            .unwrap_or(0);
        if done > 0 && chain.wait_idle(Duration::from_secs(60)).await {
            break;
        }
        if std::time::Instant::now() >= deadline {
            chain.diagnose("no snapshot reached TigerGraph");
            panic!("no snapshot was loaded into TigerGraph");
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let provenance_sql = format!(
        "SELECT graph_version, element_type, bq_rows, tigergraph_valid_lines, tigergraph_rejected_lines \
         FROM {provenance} ORDER BY element_type"
    );
    let rows = chain.query(&provenance_sql).await.expect("provenance");
    let versions: std::collections::BTreeSet<String> = rows
        .iter()
        .map(|r| r[0].as_str().expect("version").to_owned())
        .collect();
    assert_eq!(
        versions.len(),
        1,
        "one export, one graph version: {versions:?}"
    );
    let version = versions.first().expect("version").clone();
    let received = tigergraph.received();
    assert_eq!(received.failed, 3, "the injected 503s were answered");
    assert_eq!(chain.router_stats().given_up, 0);
    assert!(!received.counts.is_empty(), "TigerGraph received nothing");
    // Condition.encounter is a `urn:uuid:` reference in the synthesized data: it must make edges.
    assert!(
        received
            .counts
            .get("encounter_condition")
            .copied()
            .unwrap_or(0)
            > 0,
        "{:?}",
        received.counts
    );
    // Every edge TigerGraph holds points at vertices it was given (none implicitly created).
    assert!(
        tigergraph.dangling_edges().is_empty(),
        "edges without their vertices: {:?}",
        tigergraph.dangling_edges()
    );
    let snapshot = chain
        .objects_under(DEID_BUCKET, &format!("graph/{version}/"))
        .await
        .expect("snapshot objects");
    for row in &rows {
        let ty = row[1].as_str().expect("type");
        let bq: u64 = row[2]
            .as_str()
            .and_then(|v| v.parse().ok())
            .expect("bq_rows");
        let tg: u64 = row[3]
            .as_str()
            .and_then(|v| v.parse().ok())
            .expect("valid lines");
        assert_eq!(bq, tg, "{ty}: BigQuery rows vs lines TigerGraph accepted");
        assert_eq!(
            received.counts.get(ty).copied().unwrap_or(0),
            bq,
            "{ty}: rows the stub counted"
        );
        assert_eq!(row[4].as_str(), Some("0"), "{ty}: rejected lines");
        let prefix = format!("graph/{version}/{}/", graph_snapshot::model::slug(ty));
        let files: Vec<_> = snapshot
            .iter()
            .filter(|(name, _)| name.starts_with(&prefix))
            .collect();
        assert!(
            !files.is_empty() && files.iter().all(|(n, _)| n.ends_with(".parquet")),
            "{ty}: Parquet objects under {prefix}"
        );
        let parquet_rows: i64 = files
            .iter()
            .map(|(_, data)| {
                use parquet::file::reader::FileReader as _;
                parquet::file::reader::SerializedFileReader::new(data.clone())
                    .expect("parquet")
                    .metadata()
                    .file_metadata()
                    .num_rows()
            })
            .sum();
        assert_eq!(
            u64::try_from(parquet_rows).expect("rows"),
            bq,
            "{ty}: Parquet rows vs BigQuery rows"
        );
        if let Some(ids) = received.vertices.get(ty) {
            assert_eq!(ids.len() as u64, bq, "{ty}: one row per vertex");
        }
    }
    assert!(
        rows.iter()
            .any(|r| r[1].as_str() == Some("Patient") && r[2].as_str() == Some("4"))
    );

    // Duplicates: every load-complete event again, as Eventarc would redeliver it. The version is
    // done, so nothing new is loaded, exported or recorded.
    let statuses = chain.redeliver_load_complete().await.expect("redeliver");
    assert!(statuses.len() >= uploaded.len(), "a load-complete per file");
    assert!(
        statuses.iter().all(|s| (200..300).contains(s)),
        "{statuses:?}"
    );
    let again = tigergraph.received();
    assert_eq!(again.runs, received.runs, "a duplicate ran a loading job");
    assert_eq!(again.counts, received.counts);
    assert_eq!(
        chain.query(&provenance_sql).await.expect("provenance"),
        rows,
        "a duplicate changed the provenance"
    );

    // Provenance joins to lineage: every source load of the snapshot is a loaded object.
    let lineage = chain.table(GOVERNANCE_DATASET, "lineage");
    let sources = chain
        .count(&format!(
            "SELECT COUNT(*) FROM {provenance} p, UNNEST(p.source_load_job_ids) AS j"
        ))
        .await
        .expect("sources");
    assert!(sources > 0, "provenance names its source loads");
    let dangling = chain
        .count(&format!(
            "SELECT COUNT(*) FROM {provenance} p, UNNEST(p.source_load_job_ids) AS j \
             WHERE j NOT IN (SELECT load_job_id FROM {lineage} WHERE stage = 'bq-load')"
        ))
        .await
        .expect("join");
    assert_eq!(
        dangling, 0,
        "provenance names loads the lineage does not know"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tigergraph_3x_gets_the_same_snapshot_as_pushed_json_lines() {
    use starvit_e2e::chain::GOVERNANCE_DATASET;
    let env = |k: &str, v: &str| (k.to_owned(), v.to_owned());
    let Some(chain) = started(
        "chain-graph-3x",
        &ChainOptions {
            graph: true,
            // Small pages and bodies, so the paging and the body splitting are exercised.
            graph_env: vec![
                env("STARVIT_TIGERGRAPH_API", "3"),
                env("STARVIT_TIGERGRAPH_V3_PAGE_ROWS", "7"),
                env("STARVIT_TIGERGRAPH_V3_MAX_BODY_BYTES", "2048"),
            ],
            ..ChainOptions::default()
        },
    )
    .await
    else {
        return;
    };
    let tigergraph = &chain.graph.as_ref().expect("graph stage").tigergraph;
    // Two records TigerGraph refuses: they must be recorded and logged, not lost silently.
    tigergraph.reject_next(2);
    let export = synth(2, 43);
    let uploaded = chain
        .upload_export(export.path(), "job-graph-3x")
        .await
        .expect("upload");
    assert!(
        chain
            .wait_loaded("job-graph-3x", uploaded.len(), Duration::from_secs(600))
            .await
    );
    let provenance = chain.table(GOVERNANCE_DATASET, "graph_provenance");
    let deadline = std::time::Instant::now() + Duration::from_secs(600);
    let rows = loop {
        let rows = chain
            .query(&format!(
                "SELECT element_type, bq_rows, tigergraph_valid_lines, tigergraph_rejected_lines, \
                 tigergraph_job_id FROM {provenance} WHERE tigergraph_job_id IS NOT NULL"
            ))
            .await
            .unwrap_or_default();
        if !rows.is_empty() && chain.wait_idle(Duration::from_secs(60)).await {
            break rows;
        }
        if std::time::Instant::now() >= deadline {
            chain.diagnose("no 3.x snapshot reached TigerGraph");
            panic!("no snapshot was loaded into TigerGraph 3.x");
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    };
    let received = tigergraph.received();
    let number =
        |v: &serde_json::Value| -> u64 { v.as_str().and_then(|v| v.parse().ok()).expect("number") };
    let (mut total, mut rejected) = (0, 0);
    for row in &rows {
        let ty = row[0].as_str().expect("type");
        let (bq, valid, refused) = (number(&row[1]), number(&row[2]), number(&row[3]));
        total += bq;
        rejected += refused;
        assert_eq!(
            valid + refused,
            bq,
            "{ty}: every row is accepted or rejected"
        );
        assert_eq!(received.counts.get(ty).copied().unwrap_or(0), valid, "{ty}");
        let job = row[4].as_str().expect("job id");
        assert!(job.contains("@restpp#"), "{ty}: {job}");
    }
    assert!(total > 0);
    assert_eq!(rejected, 2, "the rejected lines are in the provenance");
    let log = std::fs::read_to_string(chain.graph.as_ref().expect("graph").service.log_path())
        .expect("log");
    assert!(
        log.contains("tigergraph rejected lines"),
        "the rejection is surfaced in the log"
    );
    // More requests than types: pages of 7 rows in bodies of 2 KiB were split.
    assert!(
        received.runs > rows.len() as u64,
        "{} posts for {} types",
        received.runs,
        rows.len()
    );
    // Vertices load first, so the two rejected records are the two patients: every patient edge
    // now points at a vertex TigerGraph never got, and the stub's graph check sees exactly that.
    let dangling = tigergraph.dangling_edges();
    assert!(
        !dangling.is_empty(),
        "the dangling-edge check found nothing"
    );
    assert!(
        dangling.keys().all(|t| t.starts_with("patient_")),
        "{dangling:?}"
    );
}
