//! The run as a graph, built from the governance rows BigQuery holds (not from the demo's
//! memory): `governance.lineage` (decoded by `starvit_lineage`'s one row format) gives
//! export -> PHI object -> de-ID object (named as `deidentify` names it) -> load job -> table;
//! `governance.graph_provenance` gives table -> graph version (through its source load jobs);
//! `governance.dataset_versions` (dbt, when the analytics step ran) table -> dataset version.

use std::collections::{BTreeMap, BTreeSet};

use starvit_lineage::Lineage;

use crate::chain::{Chain, GOVERNANCE_DATASET};

/// Kinds of node, in the order the report draws their columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// A FHIR `$export` job.
    Export,
    /// An object of the PHI staging bucket.
    PhiObject,
    /// An object of the de-ID bucket.
    DeidObject,
    /// A BigQuery load job of `bq-load`.
    LoadJob,
    /// A raw BigQuery table.
    Table,
    /// A graph snapshot version.
    GraphVersion,
    /// An ML dataset version dbt built (`analytics/`).
    DatasetVersion,
}

impl Kind {
    /// Every kind, in column order.
    pub const ALL: [Self; 7] = [
        Self::Export,
        Self::PhiObject,
        Self::DeidObject,
        Self::LoadJob,
        Self::Table,
        Self::GraphVersion,
        Self::DatasetVersion,
    ];

    /// Column title.
    #[must_use]
    pub fn title(self) -> &'static str {
        match self {
            Self::Export => "export",
            Self::PhiObject => "PHI objects",
            Self::DeidObject => "de-ID objects",
            Self::LoadJob => "load jobs",
            Self::Table => "tables",
            Self::GraphVersion => "graph versions",
            Self::DatasetVersion => "dataset versions",
        }
    }

    /// Short name used in node keys (`table:starvit-local.deid_raw.Patient`).
    #[must_use]
    pub fn key(self) -> &'static str {
        match self {
            Self::Export => "export",
            Self::PhiObject => "phi",
            Self::DeidObject => "deid",
            Self::LoadJob => "load",
            Self::Table => "table",
            Self::GraphVersion => "graph",
            Self::DatasetVersion => "dataset",
        }
    }
}

/// A node: its kind, full id, and a line of detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// Kind.
    pub kind: Kind,
    /// Full id (object name, job id, table, version).
    pub id: String,
    /// What else is known (a type, rows).
    pub detail: String,
}

impl Node {
    /// `kind:id`, unique in a graph.
    #[must_use]
    pub fn key(&self) -> String {
        format!("{}:{}", self.kind.key(), self.id)
    }
}

/// One row of `governance.graph_provenance` that the graph needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    /// Graph version.
    pub graph_version: String,
    /// Node/edge type.
    pub element_type: String,
    /// Rows of its BigQuery table.
    pub bq_rows: u64,
    /// The load jobs whose data the version holds.
    pub source_load_job_ids: Vec<String>,
}

/// One row of `governance.dataset_versions` (dbt's ML datasets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetVersion {
    /// Dataset version.
    pub version: String,
    /// Dataset name.
    pub dataset: String,
    /// Rows.
    pub rows: u64,
    /// The load jobs whose data it was built from.
    pub load_job_ids: Vec<String>,
}

/// The run as nodes and edges (by node key).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunGraph {
    /// Nodes by key.
    pub nodes: BTreeMap<String, Node>,
    /// Edges (from key, to key).
    pub edges: BTreeSet<(String, String)>,
    /// Policy versions of the lineage rows.
    pub policy_versions: BTreeSet<String>,
}

impl RunGraph {
    /// The graph of `lineage` rows, `provenance` rows and dataset versions.
    #[must_use]
    pub fn build(
        lineage: &[Lineage],
        provenance: &[Provenance],
        datasets: &[DatasetVersion],
    ) -> Self {
        let mut g = Self::default();
        let mut table_of_load = BTreeMap::new();
        for row in lineage {
            let export = row
                .export_job_id
                .as_ref()
                .map(|e| g.add(Kind::Export, e.as_str(), ""));
            let Some(source) = &row.source_object else {
                continue;
            };
            let ty = resource_type(source.as_str());
            let phi = g.add(Kind::PhiObject, source.as_str(), ty);
            g.link(export.as_ref(), &phi);
            if let Some(version) = &row.deid_policy_version {
                g.policy_versions.insert(version.to_string());
            }
            let (Some(generation), Some(version)) =
                (row.source_generation, &row.deid_policy_version)
            else {
                continue;
            };
            let name = deidentify::naming::output_name(
                source.as_str(),
                generation.get(),
                &version.to_string(),
            );
            let deid = g.add(Kind::DeidObject, &name, ty);
            g.link(Some(&phi), &deid);
            let Some(load) = &row.load_job_id else {
                continue;
            };
            let load_key = g.add(Kind::LoadJob, load.as_str(), ty);
            g.link(Some(&deid), &load_key);
            if let Some(table) = &row.destination_table {
                let table = g.add(Kind::Table, table.as_str(), "");
                g.link(Some(&load_key), &table);
                table_of_load.insert(load.as_str().to_owned(), table);
            }
        }
        let mut versions: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
        for p in provenance {
            let entry = versions.entry(&p.graph_version).or_default();
            entry.0 += 1;
            entry.1 += p.bq_rows;
            let version = g.add(Kind::GraphVersion, &p.graph_version, "");
            for job in &p.source_load_job_ids {
                if let Some(table) = table_of_load.get(job) {
                    g.link(Some(&table.clone()), &version);
                }
            }
        }
        for d in datasets {
            let detail = format!("{}, {} rows", d.dataset, super::table::thousands(d.rows));
            let version = g.add(Kind::DatasetVersion, &d.version, &detail);
            for job in &d.load_job_ids {
                if let Some(table) = table_of_load.get(job) {
                    g.link(Some(&table.clone()), &version);
                }
            }
        }
        for (version, (types, rows)) in versions {
            let key = format!("{}:{version}", Kind::GraphVersion.key());
            if let Some(node) = g.nodes.get_mut(&key) {
                node.detail = format!(
                    "{types} node/edge types, {} rows",
                    super::table::thousands(rows)
                );
            }
        }
        g
    }

    fn add(&mut self, kind: Kind, id: &str, detail: &str) -> String {
        let node = Node {
            kind,
            id: id.to_owned(),
            detail: detail.to_owned(),
        };
        let key = node.key();
        self.nodes.entry(key.clone()).or_insert(node);
        key
    }

    fn link(&mut self, from: Option<&String>, to: &str) {
        if let Some(from) = from {
            self.edges.insert((from.clone(), to.to_owned()));
        }
    }

    /// Nodes of one kind, in key order.
    pub fn of(&self, kind: Kind) -> impl Iterator<Item = &Node> {
        self.nodes.values().filter(move |n| n.kind == kind)
    }
}

/// The resource type of an export object's name (`exports/<id>/Patient.000.ndjson` -> `Patient`).
fn resource_type(object: &str) -> &str {
    let base = object.rsplit('/').next().unwrap_or(object);
    base.split('.').next().unwrap_or(base)
}

/// Reads the governance rows of the run from BigQuery.
///
/// # Errors
/// BigQuery failures, or a lineage row `starvit_lineage` does not accept.
pub async fn query(
    chain: &Chain,
) -> anyhow::Result<(Vec<Lineage>, Vec<Provenance>, Vec<DatasetVersion>)> {
    let columns = starvit_lineage::FIELDS.join(", ");
    let lineage_table = chain.table(GOVERNANCE_DATASET, "lineage");
    let rows = chain
        .query(&format!(
            "SELECT {columns} FROM {lineage_table} ORDER BY recorded_at"
        ))
        .await?;
    let mut lineage = Vec::new();
    for row in rows {
        let object: serde_json::Map<String, serde_json::Value> = starvit_lineage::FIELDS
            .iter()
            .zip(row)
            .map(|(k, v)| ((*k).to_owned(), v))
            .collect();
        lineage.push(Lineage::from_row(&serde_json::Value::Object(object))?);
    }
    let provenance_table = chain.table(GOVERNANCE_DATASET, "graph_provenance");
    let rows = chain
        .query(&format!(
            "SELECT graph_version, element_type, bq_rows, source_load_job_ids FROM {provenance_table}"
        ))
        .await?;
    let provenance = rows
        .iter()
        .filter(|r| r.len() == 4)
        .map(|r| Provenance {
            graph_version: r[0].as_str().unwrap_or_default().to_owned(),
            element_type: r[1].as_str().unwrap_or_default().to_owned(),
            bq_rows: r[2].as_str().and_then(|s| s.parse().ok()).unwrap_or(0),
            // A REPEATED column comes back as [{"v": value}, ...].
            source_load_job_ids: r[3]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|c| c["v"].as_str().or_else(|| c.as_str()).map(str::to_owned))
                .collect(),
        })
        .collect();
    Ok((lineage, provenance, datasets(chain).await))
}

/// dbt's dataset versions, when the analytics step ran (none otherwise).
async fn datasets(chain: &Chain) -> Vec<DatasetVersion> {
    let table = chain.table(GOVERNANCE_DATASET, "dataset_versions");
    let sql = format!("SELECT dataset_version, dataset, row_count, load_job_ids FROM {table}");
    let Ok(rows) = chain.query(&sql).await else {
        return Vec::new();
    };
    rows.iter()
        .filter(|r| r.len() == 4)
        .map(|r| DatasetVersion {
            version: r[0].as_str().unwrap_or_default().to_owned(),
            dataset: r[1].as_str().unwrap_or_default().to_owned(),
            rows: r[2].as_str().and_then(|s| s.parse().ok()).unwrap_or(0),
            load_job_ids: r[3]
                .as_str()
                .unwrap_or_default()
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        })
        .collect()
}
