//! The checked-in GSQL equals the generator's output and fits the grammar the stub enforces.
//! `STARVIT_BLESS=1 cargo test -p graph-snapshot --test gsql` rewrites the files.

use std::path::PathBuf;

use graph_snapshot::gsql;
use graph_snapshot::model::Model;
use starvit_tigergraph_stub::gsql as grammar;

fn infra() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../infra/tigergraph")
}

#[test]
fn checked_in_gsql_is_generated() {
    let model = Model::load().unwrap();
    for (file, text) in [
        ("schema.gsql", gsql::schema(&model)),
        ("loading_jobs.gsql", gsql::loading_jobs(&model)),
    ] {
        let path = infra().join(file);
        if std::env::var_os("STARVIT_BLESS").is_some() {
            std::fs::write(&path, &text).unwrap();
        }
        let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(
            checked_in, text,
            "{file} is stale: rerun with STARVIT_BLESS=1"
        );
    }
}

#[test]
fn generated_gsql_fits_the_grammar() {
    let model = Model::load().unwrap();
    let schema = grammar::parse_schema(&gsql::schema(&model)).unwrap();
    let jobs = grammar::parse_loading_jobs(&gsql::loading_jobs(&model)).unwrap();
    grammar::validate(&schema, &jobs).unwrap();
    assert_eq!(schema.vertices.len(), model.vertices.len());
    assert_eq!(schema.edges.len(), model.edges.len());
    assert_eq!(jobs.len(), model.vertices.len() + model.edges.len());
    for job in &jobs {
        let load = &job.loads[0];
        assert_eq!(
            load.columns.last().map(String::as_str),
            Some("graph_version")
        );
    }
    let patient = schema
        .vertices
        .iter()
        .find(|v| v.name == "Patient")
        .unwrap();
    assert!(
        patient
            .attributes
            .iter()
            .any(|(n, t)| n == "graph_version" && t == "STRING")
    );
}
