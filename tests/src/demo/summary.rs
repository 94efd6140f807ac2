//! The demo's closing summary: one typed record, written as `target/demo/summary.json` (the
//! machine-readable form) and printed as aligned tables for a person.

use std::collections::BTreeMap;

use serde::Serialize;

use super::table::{Cell, Table};
use crate::views::ViewCount;

/// Everything the demo found, part by part of the chain.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// The export that ran through the chain.
    pub export: ExportPart,
    /// What `deidentify` wrote.
    pub deidentify: DeidPart,
    /// What BigQuery holds, read back.
    pub bigquery: BigQueryPart,
    /// The SQL-on-FHIR views.
    pub views: Vec<ViewCount>,
    /// The analytics layer (dbt).
    pub analytics: crate::analytics::DemoPart,
    /// The graph snapshot.
    pub graph: GraphPart,
    /// The clinical notes: kept, dropped, planted values in what landed.
    pub notes: crate::notes::NotesPart,
    /// The leak check of the de-ID bucket (notes decoded) against the PHI export.
    pub leak_check: LeakPart,
    /// The local Eventarc's counters.
    pub eventarc: EventarcPart,
    /// Seconds per stage of the demo.
    pub stages: Vec<StageTime>,
}

/// The export.
#[derive(Debug, Clone, Serialize)]
pub struct ExportPart {
    /// The FHIR server's export job id.
    pub id: String,
    /// Synthesized patients.
    pub patients: u64,
    /// Synthesis seed.
    pub seed: u64,
    /// Resources per type synthesized (the PHI).
    pub resources_in: BTreeMap<String, u64>,
    /// NDJSON bytes synthesized.
    pub bytes: u64,
    /// Resources the FHIR server accepted.
    pub loaded_into_fhir_server: usize,
    /// Pub/Sub message id of the export trigger.
    pub trigger: String,
    /// The export's transaction time.
    pub transaction_time: String,
    /// Files the export landed in the PHI bucket.
    pub files: usize,
}

/// `deidentify`'s output.
#[derive(Debug, Clone, Serialize)]
pub struct DeidPart {
    /// De-ID objects.
    pub objects: usize,
    /// De-identified resources per type.
    pub resources_out: BTreeMap<String, u64>,
    /// Objects in the PHI quarantine bucket.
    pub quarantine_objects: usize,
    /// The policy version stamped on the objects.
    pub policy_version: String,
    /// Its approval as `governance.deid_policy_approvals` mirrors it ("route by approver").
    pub approval: Option<String>,
}

/// BigQuery, read back.
#[derive(Debug, Clone, Serialize)]
pub struct BigQueryPart {
    /// Rows per raw table.
    pub rows_per_table: BTreeMap<String, u64>,
    /// Whether every raw table holds exactly the de-identified resources of its type.
    pub rows_equal_deid_resources: bool,
    /// Rows of `governance.lineage` per stage.
    pub lineage_rows_by_stage: BTreeMap<String, u64>,
    /// Rows of `governance.deid_policy_versions`.
    pub policy_version_rows: u64,
    /// Jobs BigQuery ran.
    pub jobs: usize,
    /// Jobs carrying the five governance labels.
    pub jobs_with_five_labels: usize,
    /// `load-complete` messages published.
    pub load_complete_messages: usize,
}

/// One graph version.
#[derive(Debug, Clone, Serialize)]
pub struct Snapshot {
    /// The version.
    pub graph_version: String,
    /// Node/edge types in it.
    pub elements: u64,
    /// Rows of its node/edge tables.
    pub bigquery_rows: u64,
    /// Lines TigerGraph accepted.
    pub tigergraph_lines: u64,
    /// Lines TigerGraph rejected.
    pub rejected_lines: u64,
}

/// The graph stage.
#[derive(Debug, Clone, Serialize)]
pub struct GraphPart {
    /// Graph versions (from `governance.graph_provenance`).
    pub snapshots: Vec<Snapshot>,
    /// Vertices and edges per type the TigerGraph stub received.
    pub tigergraph_received: BTreeMap<String, u64>,
}

/// The leak check.
#[derive(Debug, Clone, Serialize)]
pub struct LeakPart {
    /// Identifying values collected from the PHI export.
    pub phi_values: usize,
    /// De-ID lines scanned.
    pub deid_lines: u64,
    /// Values found in the de-ID bucket.
    pub hits: usize,
    /// No hit.
    pub passed: bool,
}

/// The local Eventarc.
#[derive(Debug, Clone, Serialize)]
pub struct EventarcPart {
    /// Events delivered (2xx).
    pub delivered: u64,
    /// POSTs made.
    pub posts: u64,
    /// Deliveries answered 5xx and retried.
    pub redelivered: u64,
    /// Events given up on.
    pub given_up: u64,
}

/// One stage's time.
#[derive(Debug, Clone, Serialize)]
pub struct StageTime {
    /// Stage.
    pub stage: String,
    /// Seconds, one decimal.
    pub seconds: f64,
}

impl StageTime {
    /// From the progress' timings.
    #[must_use]
    pub fn list(timings: &[(String, f64)]) -> Vec<Self> {
        timings
            .iter()
            .map(|(stage, secs)| Self {
                stage: stage.clone(),
                seconds: (secs * 10.0).round() / 10.0,
            })
            .collect()
    }
}

impl Summary {
    /// The summary as tables, in the order of the chain.
    #[must_use]
    pub fn tables(&self) -> Vec<Table> {
        vec![
            self.export_table(),
            self.rows_table(),
            self.views_table(),
            self.analytics.table(),
            self.governance_table(),
            self.graph_table(),
            self.tigergraph_table(),
            self.leak_table(),
            self.notes.table(),
            self.time_table(),
        ]
    }

    /// The tables as text, each followed by a blank line.
    #[must_use]
    pub fn render(&self) -> String {
        let mut out = String::new();
        for table in self.tables().iter().filter(|t| !t.is_empty()) {
            out.push_str(&table.render());
            out.push('\n');
        }
        out
    }

    fn export_table(&self) -> Table {
        let e = &self.export;
        let mut t = Table::new(
            "Export (Pattern A: Cloud Scheduler -> bulk-export -> $export)",
            &["", ""],
        );
        t.row(vec!["export id".into(), e.id.clone().into()]);
        t.row(vec![
            "patients (seed)".into(),
            format!("{} (seed {})", e.patients, e.seed).into(),
        ]);
        t.row(vec![
            "resources in the FHIR server".into(),
            e.loaded_into_fhir_server.into(),
        ]);
        t.row(vec![
            "files landed in the PHI bucket".into(),
            e.files.into(),
        ]);
        t.row(vec![
            "de-ID objects written".into(),
            self.deidentify.objects.into(),
        ]);
        t.row(vec![
            "quarantine objects".into(),
            self.deidentify.quarantine_objects.into(),
        ]);
        t.row(vec![
            "policy version".into(),
            self.deidentify.policy_version.clone().into(),
        ]);
        t.row(vec![
            "policy approval".into(),
            self.deidentify
                .approval
                .clone()
                .unwrap_or_else(|| "none found".to_owned())
                .into(),
        ]);
        t
    }

    fn rows_table(&self) -> Table {
        let mut t = Table::new(
            "Rows per table (BigQuery deid_raw against the de-identified resources)",
            &[
                "resource type",
                "PHI resources",
                "de-identified",
                "BigQuery rows",
                "equal",
            ],
        );
        let mut types: Vec<&String> = self.export.resources_in.keys().collect();
        types.extend(self.deidentify.resources_out.keys());
        types.extend(self.bigquery.rows_per_table.keys());
        types.sort();
        types.dedup();
        for ty in types {
            let get = |m: &BTreeMap<String, u64>| m.get(ty).copied();
            let out = get(&self.deidentify.resources_out);
            let rows = get(&self.bigquery.rows_per_table);
            t.row(vec![
                ty.clone().into(),
                opt(get(&self.export.resources_in)),
                opt(out),
                opt(rows),
                (out == rows).into(),
            ]);
        }
        let sum = |m: &BTreeMap<String, u64>| m.values().sum::<u64>();
        t.row(vec![
            "total".into(),
            sum(&self.export.resources_in).into(),
            sum(&self.deidentify.resources_out).into(),
            sum(&self.bigquery.rows_per_table).into(),
            self.bigquery.rows_equal_deid_resources.into(),
        ]);
        t
    }

    fn views_table(&self) -> Table {
        let mut t = Table::new(
            "SQL-on-FHIR views (deid_views)",
            &["view", "rows", "raw table", "raw rows"],
        );
        for v in &self.views {
            t.row(vec![
                v.view.clone().into(),
                v.rows.into(),
                v.resource.clone().into(),
                v.raw_rows.into(),
            ]);
        }
        t
    }

    fn governance_table(&self) -> Table {
        let b = &self.bigquery;
        let mut t = Table::new(
            "Lineage and governance (BigQuery governance dataset)",
            &["", ""],
        );
        for (stage, n) in &b.lineage_rows_by_stage {
            t.row(vec![
                format!("lineage rows, stage {stage}").into(),
                (*n).into(),
            ]);
        }
        t.row(vec![
            "policy version rows".into(),
            b.policy_version_rows.into(),
        ]);
        t.row(vec![
            "jobs with the five governance labels".into(),
            format!("{} of {}", b.jobs_with_five_labels, b.jobs).into(),
        ]);
        t.row(vec![
            "load-complete messages".into(),
            b.load_complete_messages.into(),
        ]);
        let e = &self.eventarc;
        t.row(vec![
            "Eventarc deliveries (retried, given up)".into(),
            format!("{} ({}, {})", e.delivered, e.redelivered, e.given_up).into(),
        ]);
        t
    }

    fn graph_table(&self) -> Table {
        let mut t = Table::new(
            "Graph snapshot (governance.graph_provenance)",
            &[
                "graph version",
                "node/edge types",
                "BigQuery rows",
                "TigerGraph lines",
                "rejected",
            ],
        );
        for s in &self.graph.snapshots {
            t.row(vec![
                s.graph_version.clone().into(),
                s.elements.into(),
                s.bigquery_rows.into(),
                s.tigergraph_lines.into(),
                s.rejected_lines.into(),
            ]);
        }
        t
    }

    fn tigergraph_table(&self) -> Table {
        let mut t = Table::new(
            "TigerGraph (contract stub) received",
            &["vertex/edge type", "count"],
        );
        for (ty, n) in &self.graph.tigergraph_received {
            t.row(vec![ty.clone().into(), (*n).into()]);
        }
        t
    }

    fn leak_table(&self) -> Table {
        let l = &self.leak_check;
        let mut t = Table::new(
            "Leak check (de-ID bucket, notes decoded, against the PHI export)",
            &["", ""],
        );
        t.row(vec![
            "identifying values of the PHI export".into(),
            l.phi_values.into(),
        ]);
        t.row(vec![
            "de-identified lines scanned".into(),
            l.deid_lines.into(),
        ]);
        t.row(vec!["values found".into(), l.hits.into()]);
        t.row(vec![
            "result".into(),
            if l.passed { "passed" } else { "FAILED" }.into(),
        ]);
        t
    }

    fn time_table(&self) -> Table {
        let mut t = Table::new("Time per stage", &["stage", "time"]);
        for s in &self.stages {
            t.row(vec![s.stage.clone().into(), Cell::Secs(s.seconds)]);
        }
        let total: f64 = self.stages.iter().map(|s| s.seconds).sum();
        t.row(vec!["total".into(), Cell::Secs(total)]);
        t
    }
}

fn opt(n: Option<u64>) -> Cell {
    n.map_or_else(|| Cell::Text("-".into()), Cell::Int)
}
