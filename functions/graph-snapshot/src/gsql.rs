//! GSQL generated from the [`Model`]: `infra/tigergraph/schema.gsql` and
//! `infra/tigergraph/loading_jobs.gsql`. A test asserts the checked-in files equal this output
//! (`STARVIT_BLESS=1 cargo test -p graph-snapshot --test gsql` rewrites them), and checks them
//! against the grammar of `starvit_tigergraph_stub::gsql`.
//!
//! One loading job per vertex/edge type, `load_<type>`, with one file variable `f`, reading the
//! Parquet snapshot with `USING JSON_FILE="true"` (TigerGraph's documented mode for Parquet and
//! JSON: `$"key"` names a Parquet column or JSON key). The keys are the node/edge table columns:
//! vertex `id, <attrs>, graph_version`; edge `from_id, to_id, <attrs>, graph_version`. The same
//! jobs read the JSON lines the 3.x fallback pushes.

use crate::model::{Attribute, Kind, Model, slug};

const HEADER: &str =
    "// Generated from graph/model.toml by graph-snapshot (src/gsql.rs). Do not edit.\n";

/// The file variable of every loading job.
pub const FILE_VAR: &str = "f";

/// The loading job of a vertex/edge type.
pub fn job_name(type_name: &str) -> String {
    format!("load_{}", slug(type_name))
}

/// The columns (Parquet columns, JSON keys) of a vertex/edge type, in table order.
pub fn columns(model: &Model, kind: Kind, type_name: &str) -> Vec<String> {
    let (keys, attrs): (&[&str], &[Attribute]) = match kind {
        Kind::Vertex => (
            &["id"],
            model
                .vertex(type_name)
                .map(|v| v.attributes.as_slice())
                .unwrap_or_default(),
        ),
        Kind::Edge => (
            &["from_id", "to_id"],
            model
                .edges
                .iter()
                .find(|e| e.name == type_name)
                .map(|e| e.attributes.as_slice())
                .unwrap_or_default(),
        ),
    };
    keys.iter()
        .map(|k| (*k).to_owned())
        .chain(attrs.iter().map(|a| a.name.clone()))
        .chain(["graph_version".to_owned()])
        .collect()
}

fn attr_defs(attrs: &[Attribute]) -> String {
    attrs
        .iter()
        .map(|a| format!(", {} {}", a.name, a.ty))
        .chain([", graph_version STRING".to_owned()])
        .collect()
}

/// `schema.gsql`.
pub fn schema(model: &Model) -> String {
    let mut out = String::from(HEADER);
    for v in &model.vertices {
        out.push_str(&format!(
            "CREATE VERTEX {} (PRIMARY_ID id STRING{}) WITH PRIMARY_ID_AS_ATTRIBUTE=\"true\"\n",
            v.name,
            attr_defs(&v.attributes)
        ));
    }
    for e in &model.edges {
        out.push_str(&format!(
            "CREATE DIRECTED EDGE {} (FROM {}, TO {}{})\n",
            e.name,
            e.from.vertex,
            e.to.vertex,
            attr_defs(&e.attributes)
        ));
    }
    let types: Vec<&str> = model.elements().into_iter().map(|(_, n)| n).collect();
    out.push_str(&format!(
        "CREATE GRAPH {} ({})\n",
        model.graph,
        types.join(", ")
    ));
    out
}

/// `loading_jobs.gsql`.
pub fn loading_jobs(model: &Model) -> String {
    let mut out = String::from(HEADER);
    for (kind, name) in model.elements() {
        let values = columns(model, kind, name)
            .iter()
            .map(|c| format!("$\"{c}\""))
            .collect::<Vec<_>>()
            .join(", ");
        out.push_str(&format!(
            "CREATE LOADING JOB {job} FOR GRAPH {graph} {{\n  DEFINE FILENAME {FILE_VAR};\n  \
             LOAD {FILE_VAR} TO {kind} {name} VALUES ({values}) USING JSON_FILE=\"true\";\n}}\n",
            job = job_name(name),
            graph = model.graph,
            kind = kind.as_str().to_ascii_uppercase(),
        ));
    }
    out
}
