//! The report test: a small run's governance rows (made with `starvit_lineage`'s types and
//! passed through its table row format, as the demo reads them from BigQuery), rendered,
//! loaded in headless Chromium, and every node of the run checked as drawn: a box of non-zero
//! size inside the drawing, its label inside the box, no two boxes overlapping.

use std::collections::BTreeSet;

use starvit_lineage::{
    DeidRunId, DestinationTable, ExportJobId, Generation, Lineage, LoadJobId, PipelineName,
    PolicyVersion, SourceBucket, SourceObject, StageName,
};

use super::lineage_graph::{DatasetVersion, Provenance, RunGraph};
use super::report::{Facts, render};
use super::summary::{LeakPart, StageTime};

/// What the page's check script finds for each `g.node`: key, drawn, box (x, y, w, h).
const CHECK: &str = r"<script>
const svg = document.getElementById('run').getBoundingClientRect();
const out = [];
for (const g of document.querySelectorAll('g.node')) {
  const rect = g.querySelector('rect'), r = rect.getBoundingClientRect();
  const t = g.querySelector('text').getBoundingClientRect();
  const inside = (a, b) => a.left >= b.left - 0.5 && a.right <= b.right + 0.5 && a.top >= b.top - 0.5 && a.bottom <= b.bottom + 0.5;
  const drawn = r.width > 0 && r.height > 0 && inside(r, svg) && t.width > 0 && inside(t, r)
    && getComputedStyle(g).visibility !== 'hidden' && getComputedStyle(rect).fill !== 'none';
  out.push([g.dataset.node, drawn, [r.left, r.top, r.width, r.height]]);
}
const pre = document.createElement('pre');
pre.id = 'starvit-check';
pre.textContent = JSON.stringify(out);
document.body.appendChild(pre);
</script>";

/// Lineage rows of a run of `types` (one file each) as `deidentify` and `bq-load` record them.
fn run_rows(export: &str, types: &[&str]) -> anyhow::Result<Vec<Lineage>> {
    let policy = PolicyVersion::new(format!("sha256:{}", "ab".repeat(32)))?;
    let mut rows = Vec::new();
    for (i, ty) in types.iter().enumerate() {
        let mut deid = Lineage::new(StageName::new("deidentify")?);
        deid.pipeline = Some(PipelineName::new("fhir-batch")?);
        deid.export_job_id = Some(ExportJobId::new(export)?);
        deid.source_bucket = Some(SourceBucket::new("starvit-phi")?);
        deid.source_object = Some(SourceObject::new(format!("exports/{export}/{ty}.ndjson"))?);
        deid.source_generation = Some(Generation::new(1_700_000_000_000_000 + i as i64)?);
        deid.deid_policy_version = Some(policy.clone());
        deid.deid_run_id = Some(DeidRunId::new(format!("deid-{i:024}"))?);
        let mut load = deid.clone().at_stage(StageName::new("bq-load")?);
        load.load_job_id = Some(LoadJobId::new(format!("bqload_{ty}_{i:020}_load"))?);
        load.destination_table = Some(DestinationTable::new(format!(
            "starvit-local.deid_raw.{ty}"
        ))?);
        rows.extend([deid, load]);
    }
    // Through the lineage table's row format, as BigQuery hands them back.
    rows.iter()
        .map(|r| Ok(Lineage::from_row(&r.to_row())?))
        .collect()
}

#[test]
fn every_node_of_the_run_is_drawn() -> anyhow::Result<()> {
    let Some(chromium) = super::browser::chromium_or_skip("every_node_of_the_run_is_drawn") else {
        return Ok(());
    };
    let types = [
        "Patient",
        "Encounter",
        "Observation",
        "Condition",
        "Procedure",
        "MedicationRequest",
    ];
    let lineage = run_rows("6cb043bcb95d76b4", &types)?;
    let loads: Vec<String> = lineage
        .iter()
        .filter_map(|l| l.load_job_id.as_ref().map(ToString::to_string))
        .collect();
    let provenance = vec![
        Provenance {
            graph_version: "3b0140b18952e86aa8ce98f4".into(),
            element_type: "Patient".into(),
            bq_rows: 100,
            source_load_job_ids: loads[..3].to_vec(),
        },
        Provenance {
            graph_version: "49a9a0b9097d2a271d6565f7".into(),
            element_type: "patient_encounter".into(),
            bq_rows: 741,
            source_load_job_ids: loads.clone(),
        },
    ];
    let datasets = vec![DatasetVersion {
        version: "t2dm-5f1f88c1b522".into(),
        dataset: "t2dm_features".into(),
        rows: 42,
        load_job_ids: loads[..2].to_vec(),
    }];
    let graph = RunGraph::build(&lineage, &provenance, &datasets);
    // 1 export, 6 PHI objects, 6 de-ID objects, 6 load jobs, 6 tables, 2 graph versions,
    // 1 dataset version.
    assert_eq!(
        graph.nodes.len(),
        1 + 6 * 4 + 2 + 1,
        "{:?}",
        graph.nodes.keys()
    );
    assert_eq!(graph.edges.len(), 6 * 4 + 3 + 6 + 2);
    let facts = Facts {
        jobs: (493, 493),
        leak: Some(LeakPart {
            phi_values: 15_717,
            deid_lines: 10_826,
            hits: 0,
            passed: true,
        }),
        stages: vec![StageTime {
            stage: "bq-load: de-ID bucket -> BigQuery".into(),
            seconds: 86.5,
        }],
    };
    let html = render(&graph, &facts);
    // Self-contained: nothing to run, nothing to fetch.
    for outside in ["<script", " src=", " href=", "url(", "@import", "://"] {
        assert!(!html.contains(outside), "the page holds {outside}");
    }
    let dir = tempfile::tempdir()?;
    let page = dir.path().join("report.html");
    std::fs::write(&page, html.replace("</body>", &format!("{CHECK}</body>")))?;
    let dom = super::browser::dump_dom(&chromium, &page)?;
    let json = dom
        .split("<pre id=\"starvit-check\">")
        .nth(1)
        .and_then(|s| s.split("</pre>").next())
        .ok_or_else(|| anyhow::anyhow!("the check script did not run"))?
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">");
    let found: Vec<(String, bool, [f64; 4])> = serde_json::from_str(&json)?;
    let drawn: BTreeSet<&str> = found.iter().filter(|f| f.1).map(|f| f.0.as_str()).collect();
    let expected: BTreeSet<&str> = graph.nodes.keys().map(String::as_str).collect();
    assert_eq!(drawn, expected, "nodes not drawn: {found:?}");
    for (i, a) in found.iter().enumerate() {
        for b in &found[i + 1..] {
            let (p, q) = (a.2, b.2);
            let apart = p[0] + p[2] <= q[0]
                || q[0] + q[2] <= p[0]
                || p[1] + p[3] <= q[1]
                || q[1] + q[3] <= p[1];
            assert!(apart, "{} overlaps {}", a.0, b.0);
        }
    }
    Ok(())
}
