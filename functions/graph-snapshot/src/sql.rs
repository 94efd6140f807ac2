//! The BigQuery SQL of a snapshot, generated from the [`Model`].
//!
//! Tables: one per type and version in dataset `graph`, `v_<type>_<version>` and
//! `e_<type>_<version>` (`CREATE OR REPLACE TABLE`: rerunning a version rewrites identical
//! content), every row stamped with `graph_version`. Rows come from the raw de-ID tables,
//! restricted to the loads of the snapshot (`load_job_id IN (...)`), latest version per
//! resource (`QUALIFY ROW_NUMBER() ... = 1`, ordered by
//! [`starvit_warehouse::tables::current_version_order`]: the latest export's version, the one
//! rule the flat views use too; `meta.lastUpdated` is dropped by de-identification). Edges keep
//! only endpoints present in the vertex tables of the same version, so every edge endpoint
//! exists as a vertex. Only ids of operations, object names and model paths enter SQL text, all
//! as escaped literals; data never does.

use starvit_gcp::bigquery::spec::TableRef;
use starvit_warehouse::sql::names as column_list;
use starvit_warehouse::tables::{GRAPH_PROVENANCE, VERSION_ORDER, current_version_order};

use crate::model::{Attribute, Edge, Kind, Model, Source, Vertex, slug};

pub use starvit_warehouse::sql::{literal, table};

/// The node/edge table of a type and version.
pub fn element_table_id(kind: Kind, type_name: &str, version: &str) -> String {
    let prefix = match kind {
        Kind::Vertex => "v",
        Kind::Edge => "e",
    };
    format!("{prefix}_{}_{version}", slug(type_name))
}

/// What a snapshot is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope<'a> {
    /// Project of every table.
    pub project: &'a str,
    /// Raw de-ID dataset.
    pub raw_dataset: &'a str,
    /// Graph dataset.
    pub graph_dataset: &'a str,
    /// The graph version.
    pub version: &'a str,
    /// Load job ids of the snapshot, sorted.
    pub load_job_ids: &'a [String],
    /// Raw tables (resource types) that have loads in the snapshot.
    pub raw_tables: &'a [String],
}

impl Scope<'_> {
    fn graph_table(&self, kind: Kind, type_name: &str) -> String {
        table(&TableRef {
            project_id: self.project.to_owned(),
            dataset_id: self.graph_dataset.to_owned(),
            table_id: element_table_id(kind, type_name, self.version),
        })
    }

    fn raw_table(&self, resource_type: &str) -> String {
        table(&TableRef {
            project_id: self.project.to_owned(),
            dataset_id: self.raw_dataset.to_owned(),
            table_id: resource_type.to_owned(),
        })
    }

    fn loads(&self) -> String {
        self.load_job_ids
            .iter()
            .map(|id| literal(id))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn has_rows(&self, resource_type: &str) -> bool {
        !self.load_job_ids.is_empty() && self.raw_tables.iter().any(|t| t == resource_type)
    }
}

fn json(path: &str) -> String {
    format!("JSON_VALUE(resource, {})", literal(path))
}

/// The SQL expression of a source, and a filter it needs (references of the right type).
fn expr(source: &Source, ref_type: Option<&str>) -> (String, Option<String>) {
    if let Some(c) = &source.column {
        return (c.clone(), None);
    }
    if let Some(p) = &source.json {
        return (json(p), None);
    }
    if let Some(p) = &source.concept {
        return (
            format!(
                "{} || '|' || {}",
                json(&format!("{p}.system")),
                json(&format!("{p}.code"))
            ),
            None,
        );
    }
    // A de-identified reference is `Type/<pseudo>` or `urn:uuid:<pseudo>` (the engine keeps the
    // form; pseudo ids are unique across types). A `urn:uuid:` target of another type finds no
    // vertex of this type, and edges keep only endpoints that exist, so it is dropped there.
    let path = source.reference.as_deref().unwrap_or("$");
    let prefix = format!("{}/", ref_type.unwrap_or_default());
    let value = json(path);
    (
        format!(
            "CASE WHEN STARTS_WITH({value}, 'urn:uuid:') THEN SUBSTR({value}, 10) \
             ELSE SUBSTR({value}, {}) END",
            prefix.len() + 1
        ),
        Some(format!(
            "(STARTS_WITH({value}, {}) OR STARTS_WITH({value}, 'urn:uuid:'))",
            literal(&prefix)
        )),
    )
}

fn attribute(a: &Attribute) -> String {
    let (e, _) = expr(&a.source, None);
    let typed = match (a.ty.as_str(), a.source.column.is_some()) {
        ("INT", _) => format!("SAFE_CAST({e} AS INT64)"),
        ("DOUBLE", _) => format!("SAFE_CAST({e} AS FLOAT64)"),
        ("DATETIME", true) => format!("FORMAT_TIMESTAMP('%Y-%m-%d %H:%M:%S', {e})"),
        _ => e,
    };
    format!("{typed} AS {}", a.name)
}

fn bq_type(ty: &str) -> &'static str {
    match ty {
        "INT" => "INT64",
        "DOUBLE" => "FLOAT64",
        _ => "STRING",
    }
}

fn empty(keys: &[&str], attrs: &[Attribute], version: &str) -> String {
    let cols: Vec<String> = keys
        .iter()
        .map(|k| format!("CAST(NULL AS STRING) AS {k}"))
        .chain(
            attrs
                .iter()
                .map(|a| format!("CAST(NULL AS {}) AS {}", bq_type(&a.ty), a.name)),
        )
        .chain([format!("{} AS graph_version", literal(version))])
        .collect();
    format!("SELECT {}\nLIMIT 0", cols.join(", "))
}

fn names(attrs: &[Attribute]) -> String {
    attrs.iter().map(|a| format!(", {}", a.name)).collect()
}

fn inner_attrs(attrs: &[Attribute]) -> String {
    attrs
        .iter()
        .map(|a| format!(",\n    {}", attribute(a)))
        .collect()
}

/// `export_time AS _export_time,\n    ...`: the version-order columns under `_` names.
fn order_columns() -> String {
    VERSION_ORDER
        .iter()
        .map(|c| format!("{c} AS _{c}"))
        .collect::<Vec<_>>()
        .join(",\n    ")
}

/// `CREATE OR REPLACE TABLE` of a vertex type.
pub fn create_vertex_table(scope: &Scope<'_>, v: &Vertex) -> String {
    let target = scope.graph_table(Kind::Vertex, &v.name);
    if !scope.has_rows(&v.table) {
        return format!(
            "CREATE OR REPLACE TABLE {target} AS\n{}",
            empty(&["id"], &v.attributes, scope.version)
        );
    }
    let (id, _) = expr(&v.id, None);
    format!(
        "CREATE OR REPLACE TABLE {target} AS\n\
         SELECT id{attrs}, {version} AS graph_version\n\
         FROM (\n  SELECT\n    {id} AS id{inner},\n    {order_columns}\n  \
         FROM {raw}\n  WHERE load_job_id IN ({loads})\n)\n\
         WHERE id IS NOT NULL\n\
         QUALIFY ROW_NUMBER() OVER (PARTITION BY id ORDER BY {order}) = 1",
        order_columns = order_columns(),
        order = current_version_order("_"),
        attrs = names(&v.attributes),
        version = literal(scope.version),
        inner = inner_attrs(&v.attributes),
        raw = scope.raw_table(&v.table),
        loads = scope.loads(),
    )
}

/// `CREATE OR REPLACE TABLE` of an edge type (after its vertex tables).
pub fn create_edge_table(scope: &Scope<'_>, e: &Edge) -> String {
    let target = scope.graph_table(Kind::Edge, &e.name);
    if !scope.has_rows(&e.table) {
        return format!(
            "CREATE OR REPLACE TABLE {target} AS\n{}",
            empty(&["from_id", "to_id"], &e.attributes, scope.version)
        );
    }
    let (from, from_filter) = expr(&e.from.source, Some(&e.from.vertex));
    let (to, to_filter) = expr(&e.to.source, Some(&e.to.vertex));
    let filters: String = [from_filter, to_filter]
        .into_iter()
        .flatten()
        .map(|f| format!(" AND {f}"))
        .collect();
    format!(
        "CREATE OR REPLACE TABLE {target} AS\n\
         SELECT from_id, to_id{attrs}, {version} AS graph_version\n\
         FROM (\n  SELECT\n    {from} AS from_id,\n    {to} AS to_id{inner},\n    id AS _resource_id,\n    \
         {order_columns}\n  \
         FROM {raw}\n  WHERE load_job_id IN ({loads}){filters}\n)\n\
         WHERE from_id IN (SELECT id FROM {from_table}) AND to_id IN (SELECT id FROM {to_table})\n\
         QUALIFY ROW_NUMBER() OVER (PARTITION BY _resource_id ORDER BY {order}) = 1",
        order_columns = order_columns(),
        order = current_version_order("_"),
        attrs = names(&e.attributes),
        version = literal(scope.version),
        inner = inner_attrs(&e.attributes),
        raw = scope.raw_table(&e.table),
        loads = scope.loads(),
        from_table = scope.graph_table(Kind::Vertex, &e.from.vertex),
        to_table = scope.graph_table(Kind::Vertex, &e.to.vertex),
    )
}

/// Every materialization statement, vertices first, with its element.
pub fn materialize(scope: &Scope<'_>, model: &Model) -> Vec<(Kind, String, String)> {
    model
        .vertices
        .iter()
        .map(|v| (Kind::Vertex, v.name.clone(), create_vertex_table(scope, v)))
        .chain(
            model
                .edges
                .iter()
                .map(|e| (Kind::Edge, e.name.clone(), create_edge_table(scope, e))),
        )
        .collect()
}

/// The snapshot URI pattern of a type: `gs://<bucket>/graph/<version>/<type>/*.parquet`.
pub fn snapshot_uri(bucket: &str, version: &str, type_name: &str) -> String {
    format!(
        "gs://{bucket}/graph/{version}/{}/*.parquet",
        slug(type_name)
    )
}

/// `EXPORT DATA` of one node/edge table to its Parquet snapshot URI (snappy, BigQuery's
/// default; rewriting identical files on a rerun).
pub fn export(scope: &Scope<'_>, kind: Kind, type_name: &str, uri: &str) -> String {
    format!(
        "EXPORT DATA OPTIONS(uri={}, format='PARQUET', overwrite=true) AS\nSELECT * FROM {}",
        literal(uri),
        scope.graph_table(kind, type_name)
    )
}

/// Row counts of every node/edge table of the version: `(element_type, n)` rows.
pub fn counts(scope: &Scope<'_>, model: &Model) -> String {
    model
        .elements()
        .into_iter()
        .map(|(kind, name)| {
            format!(
                "SELECT {} AS element_type, COUNT(*) AS n FROM {}",
                literal(name),
                scope.graph_table(kind, name)
            )
        })
        .collect::<Vec<_>>()
        .join("\nUNION ALL\n")
}

/// The loads a snapshot may include: every `bq-load` lineage row, oldest first.
pub fn loaded(lineage: &TableRef) -> String {
    format!(
        "SELECT load_job_id, source_object, source_generation, export_job_id, destination_table, \
         UNIX_MICROS(recorded_at) AS recorded_micros\n\
         FROM {}\nWHERE stage = 'bq-load' AND load_job_id IS NOT NULL\n\
         ORDER BY recorded_micros, load_job_id",
        table(lineage)
    )
}

/// One provenance row: graph_version -> element -> table/rows -> snapshot URI -> TigerGraph job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvenanceRow {
    /// Element kind.
    pub kind: Kind,
    /// Element type.
    pub element_type: String,
    /// `project.dataset.table` of the node/edge table.
    pub bq_table: String,
    /// Rows in it.
    pub bq_rows: u64,
    /// Snapshot URI pattern.
    pub snapshot_uri: String,
    /// TigerGraph loading job id.
    pub tigergraph_job_id: Option<String>,
    /// Accepted lines.
    pub valid_lines: u64,
    /// Rejected lines.
    pub rejected_lines: u64,
}

/// `MERGE` of the provenance rows of a version (keyed on version + element type; a rerun
/// updates the TigerGraph columns).
pub fn merge_provenance(
    t: &TableRef,
    version: &str,
    model_hash: &str,
    load_job_ids: &[String],
    rows: &[ProvenanceRow],
) -> String {
    let loads = format!(
        "[{}]",
        load_job_ids
            .iter()
            .map(|l| literal(l))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let select = rows
        .iter()
        .map(|r| {
            format!(
                "  SELECT {v} AS graph_version, {m} AS model_hash, {k} AS element_kind, {ty} AS element_type, \
                 {bt} AS bq_table, {n} AS bq_rows, {uri} AS snapshot_uri, {job} AS tigergraph_job_id, \
                 {ok} AS tigergraph_valid_lines, {bad} AS tigergraph_rejected_lines, \
                 CAST({loads} AS ARRAY<STRING>) AS source_load_job_ids, CURRENT_TIMESTAMP() AS recorded_at",
                v = literal(version),
                m = literal(model_hash),
                k = literal(r.kind.as_str()),
                ty = literal(&r.element_type),
                bt = literal(&r.bq_table),
                n = r.bq_rows,
                uri = literal(&r.snapshot_uri),
                job = r
                    .tigergraph_job_id
                    .as_deref()
                    .map_or_else(|| "CAST(NULL AS STRING)".to_owned(), literal),
                ok = r.valid_lines,
                bad = r.rejected_lines,
            )
        })
        .collect::<Vec<_>>()
        .join("\n  UNION ALL\n");
    format!(
        "MERGE {t} AS T\nUSING (\n{select}\n) AS S\n\
         ON T.graph_version = S.graph_version AND T.element_type = S.element_type\n\
         WHEN MATCHED THEN\n  UPDATE SET tigergraph_job_id = S.tigergraph_job_id, \
         tigergraph_valid_lines = S.tigergraph_valid_lines, tigergraph_rejected_lines = S.tigergraph_rejected_lines, \
         recorded_at = S.recorded_at\n\
         WHEN NOT MATCHED THEN\n  INSERT ({})\n  VALUES ({})",
        column_list(&GRAPH_PROVENANCE, ""),
        column_list(&GRAPH_PROVENANCE, "S."),
        t = table(t),
    )
}
