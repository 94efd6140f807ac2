//! SQL golden files (`tests/golden/*.sql`): a change to the generated SQL is a visible diff.
//! `STARVIT_BLESS=1 cargo test -p graph-snapshot --test golden` rewrites them.

use std::path::PathBuf;

use graph_snapshot::model::{Kind, Model};
use graph_snapshot::sql::{self, ProvenanceRow, Scope};
use starvit_gcp::bigquery::spec::TableRef;

fn check(name: &str, text: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("STARVIT_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
    }
    let golden = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        golden, text,
        "{name} differs: rerun with STARVIT_BLESS=1 and review"
    );
}

#[test]
fn snapshot_sql_is_golden() {
    let model = Model::load().unwrap();
    let loads = vec!["bqload_a".to_owned(), "bqload_b".to_owned()];
    let tables = vec![
        "Condition".to_owned(),
        "Encounter".to_owned(),
        "Patient".to_owned(),
    ];
    let scope = Scope {
        project: "p",
        raw_dataset: "deid_raw",
        graph_dataset: "graph",
        version: "0123456789abcdef01234567",
        load_job_ids: &loads,
        raw_tables: &tables,
    };
    let mut all = String::new();
    for (_, _, statement) in sql::materialize(&scope, &model) {
        all.push_str(&statement);
        all.push_str(";\n\n");
    }
    check("materialize.sql", &all);
    let uri = sql::snapshot_uri("deid", scope.version, "Patient");
    assert_eq!(
        uri,
        "gs://deid/graph/0123456789abcdef01234567/patient/*.parquet"
    );
    let mut other = sql::export(&scope, Kind::Vertex, "Patient", &uri);
    other.push_str(";\n\n");
    other.push_str(&sql::counts(&scope, &model));
    other.push_str(";\n\n");
    let t = |d: &str, n: &str| TableRef {
        project_id: "p".into(),
        dataset_id: d.into(),
        table_id: n.into(),
    };
    other.push_str(&sql::loaded(&t("governance", "lineage")));
    other.push_str(";\n\n");
    other.push_str(&starvit_warehouse::sql::create_table(
        &t("governance", "graph_provenance"),
        &starvit_warehouse::tables::GRAPH_PROVENANCE,
    ));
    other.push_str(";\n\n");
    other.push_str(&sql::merge_provenance(
        &t("governance", "graph_provenance"),
        scope.version,
        "modelhash",
        &loads,
        &[ProvenanceRow {
            kind: Kind::Vertex,
            element_type: "Patient".into(),
            bq_table: "p.graph.v_patient_0123456789abcdef01234567".into(),
            bq_rows: 3,
            snapshot_uri: uri,
            tigergraph_job_id: Some("load_patient.x.1".into()),
            valid_lines: 3,
            rejected_lines: 0,
        }],
    ));
    other.push('\n');
    check("export_counts_provenance.sql", &other);
    // Types without loads become empty typed tables (no reference to a raw table that may not exist).
    assert!(all.contains(
        "`p.graph.v_practitioner_0123456789abcdef01234567` AS\nSELECT CAST(NULL AS STRING) AS id"
    ));
    assert!(!all.contains("deid_raw.Practitioner"));
}
