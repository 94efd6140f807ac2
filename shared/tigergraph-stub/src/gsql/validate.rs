//! The consistency check of a parsed schema and its loading jobs ([`validate`]).

use std::collections::BTreeSet;

use super::{GsqlError, LoadingJob, Schema, Target, err};

fn identifier_ok(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.len() <= 64
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Checks consistency: identifiers, unique names, edge endpoints and graph members exist, every
/// `LOAD` names a defined `FILENAME` and an existing type of its kind with the right number of
/// `VALUES` (vertex: id + attributes; edge: from + to + attributes), and the only option is
/// `JSON_FILE="true"`.
///
/// # Errors
/// [`GsqlError`] naming the first inconsistency.
pub fn validate(schema: &Schema, jobs: &[LoadingJob]) -> Result<(), GsqlError> {
    let mut names = BTreeSet::new();
    for name in schema
        .vertices
        .iter()
        .map(|v| &v.name)
        .chain(schema.edges.iter().map(|e| &e.name))
    {
        if !identifier_ok(name) || !names.insert(name.clone()) {
            return err(format!("bad or duplicate type name {name}"));
        }
    }
    let vertex = |n: &str| schema.vertices.iter().find(|v| v.name == n);
    for e in &schema.edges {
        if vertex(&e.from).is_none() || vertex(&e.to).is_none() {
            return err(format!("edge {} names an unknown vertex type", e.name));
        }
    }
    for attrs in schema
        .vertices
        .iter()
        .map(|v| &v.attributes)
        .chain(schema.edges.iter().map(|e| &e.attributes))
    {
        let mut seen = BTreeSet::new();
        for (a, _) in attrs {
            if !identifier_ok(a) || !seen.insert(a) || a == "id" {
                return err(format!("bad or duplicate attribute {a}"));
            }
        }
    }
    for g in &schema.graphs {
        for t in &g.types {
            if !names.contains(t) {
                return err(format!("graph {} names unknown type {t}", g.name));
            }
        }
    }
    let mut job_names = BTreeSet::new();
    for job in jobs {
        if !job_names.insert(&job.name) {
            return err(format!("duplicate loading job {}", job.name));
        }
        if !schema.graphs.iter().any(|g| g.name == job.graph) {
            return err(format!(
                "job {} is for unknown graph {}",
                job.name, job.graph
            ));
        }
        for load in &job.loads {
            if !job.filenames.contains(&load.file) {
                return err(format!(
                    "job {} loads undefined file {}",
                    job.name, load.file
                ));
            }
            let expected = match load.target {
                Target::Vertex => vertex(&load.type_name).map(|v| 1 + v.attributes.len()),
                Target::Edge => schema
                    .edges
                    .iter()
                    .find(|e| e.name == load.type_name)
                    .map(|e| 2 + e.attributes.len()),
            };
            match expected {
                None => {
                    return err(format!(
                        "job {} loads unknown type {}",
                        job.name, load.type_name
                    ));
                }
                Some(n) if n != load.columns.len() => {
                    return err(format!(
                        "job {} loads {} with {} values, expected {n}",
                        job.name,
                        load.type_name,
                        load.columns.len()
                    ));
                }
                Some(_) => {}
            }
            let json_file = load
                .options
                .get("json_file")
                .is_some_and(|v| v.eq_ignore_ascii_case("true"));
            if !json_file || load.options.len() != 1 {
                return err(format!(
                    "job {} must use exactly JSON_FILE=\"true\" (Parquet/JSON input)",
                    job.name
                ));
            }
        }
    }
    Ok(())
}
