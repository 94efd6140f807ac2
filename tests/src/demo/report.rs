//! `target/demo/report.html`: the run drawn as a graph, one self-contained page (inline CSS and
//! SVG, no script, nothing fetched), with the policy version, label coverage, leak check and
//! time per stage. The graph comes from [`RunGraph`] (the governance rows in BigQuery).
//!
//! Every node is a `<g class="node" data-node="kind:id">` with a `<rect>`, a `<text>` and a
//! `<title>` holding the full id; the browser test checks each is drawn.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::lineage_graph::{Kind, RunGraph};
use super::summary::{LeakPart, StageTime};
use super::table::thousands;

/// Column width, node box and row pitch (px).
const COLUMN: u32 = 240;
const BOX_W: u32 = 210;
const BOX_H: u32 = 34;
const PITCH: u32 = 42;
const TOP: u32 = 40;
/// Characters of a label that fit a box at the page's font size.
const LABEL_CHARS: usize = 30;

/// What the page says beside the graph.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// BigQuery jobs, and those with the five governance labels.
    pub jobs: (usize, usize),
    /// The leak check, when it ran.
    pub leak: Option<LeakPart>,
    /// Time per stage.
    pub stages: Vec<StageTime>,
}

/// The page.
#[must_use]
pub fn render(graph: &RunGraph, facts: &Facts) -> String {
    let mut html = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>Starvit demo: lineage of the run</title>\n<style>",
    );
    html.push_str(CSS);
    html.push_str("</style></head><body>\n<h1>Starvit demo: lineage of the run</h1>\n");
    html.push_str(
        "<p class=\"note\">Drawn from the rows of <code>governance.lineage</code> and \
        <code>governance.graph_provenance</code> in BigQuery. Hover a box for its full id.</p>\n",
    );
    html.push_str(&facts_html(graph, facts));
    html.push_str(&svg(graph));
    html.push_str("</body></html>\n");
    html
}

fn facts_html(graph: &RunGraph, facts: &Facts) -> String {
    let mut s = String::from("<div class=\"facts\">");
    let policies: Vec<String> = graph.policy_versions.iter().map(|p| esc(p)).collect();
    let _ = write!(
        s,
        "<div class=\"card\"><h2>policy version</h2><p><code>{}</code></p></div>",
        if policies.is_empty() {
            "none recorded".to_owned()
        } else {
            policies.join("<br>")
        }
    );
    let (jobs, labelled) = facts.jobs;
    let _ = write!(
        s,
        "<div class=\"card\"><h2>label coverage</h2><p class=\"{}\">{} of {} BigQuery jobs carry the five governance labels</p></div>",
        if jobs == labelled { "ok" } else { "bad" },
        thousands(labelled as u64),
        thousands(jobs as u64)
    );
    let leak = facts.leak.as_ref().map_or_else(
        || "<p>not run</p>".to_owned(),
        |l| {
            format!(
                "<p class=\"{}\">{}: {} identifying values of the PHI export searched in {} de-identified lines, {} found</p>",
                if l.passed { "ok" } else { "bad" },
                if l.passed { "passed" } else { "FAILED" },
                thousands(l.phi_values as u64),
                thousands(l.deid_lines),
                l.hits
            )
        },
    );
    let _ = write!(s, "<div class=\"card\"><h2>leak check</h2>{leak}</div>");
    let mut counts = String::new();
    for kind in Kind::ALL {
        let _ = write!(
            counts,
            "<tr><td>{}</td><td class=\"n\">{}</td></tr>",
            kind.title(),
            graph.of(kind).count()
        );
    }
    let _ = write!(
        s,
        "<div class=\"card\"><h2>nodes</h2><table>{counts}</table></div>"
    );
    let mut times = String::new();
    for st in &facts.stages {
        let _ = write!(
            times,
            "<tr><td>{}</td><td class=\"n\">{:.1} s</td></tr>",
            esc(&st.stage),
            st.seconds
        );
    }
    let _ = write!(
        s,
        "<div class=\"card wide\"><h2>time per stage</h2><table>{times}</table></div>"
    );
    s.push_str("</div>\n");
    s
}

/// The graph: one column per kind, nodes stacked, edges as curves behind them.
fn svg(graph: &RunGraph) -> String {
    let columns: Vec<Vec<&super::lineage_graph::Node>> =
        Kind::ALL.iter().map(|k| graph.of(*k).collect()).collect();
    let tallest = columns.iter().map(Vec::len).max().unwrap_or(0).max(1) as u32;
    let height = TOP + tallest * PITCH + 10;
    let width = COLUMN * Kind::ALL.len() as u32 + 20;
    let mut place: BTreeMap<String, (u32, u32)> = BTreeMap::new();
    for (i, nodes) in columns.iter().enumerate() {
        let offset = (tallest - nodes.len() as u32) * PITCH / 2;
        for (j, node) in nodes.iter().enumerate() {
            place.insert(
                node.key(),
                (10 + i as u32 * COLUMN, TOP + offset + j as u32 * PITCH),
            );
        }
    }
    let mut s = format!(
        "<svg id=\"run\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\">\n"
    );
    for (i, kind) in Kind::ALL.iter().enumerate() {
        let _ = writeln!(
            s,
            "<text class=\"col\" x=\"{}\" y=\"20\">{} ({})</text>",
            10 + i as u32 * COLUMN,
            kind.title(),
            columns[i].len()
        );
    }
    for (from, to) in &graph.edges {
        if let (Some((x1, y1)), Some((x2, y2))) = (place.get(from), place.get(to)) {
            let (x1, y1, x2, y2) = (x1 + BOX_W, y1 + BOX_H / 2, *x2, y2 + BOX_H / 2);
            let mid = (x1 + x2) / 2;
            let _ = writeln!(
                s,
                "<path class=\"edge\" d=\"M{x1},{y1} C{mid},{y1} {mid},{y2} {x2},{y2}\"/>"
            );
        }
    }
    for nodes in &columns {
        for node in nodes {
            let (x, y) = place[&node.key()];
            let _ = writeln!(
                s,
                "<g class=\"node {kind}\" data-node=\"{key}\"><title>{id}</title>\
                 <rect x=\"{x}\" y=\"{y}\" width=\"{BOX_W}\" height=\"{BOX_H}\" rx=\"5\"/>\
                 <text x=\"{tx}\" y=\"{ty}\">{label}</text><text class=\"detail\" x=\"{tx}\" y=\"{dy}\">{detail}</text></g>",
                kind = node.kind.key(),
                key = esc(&node.key()),
                id = esc(&node.id),
                tx = x + 6,
                ty = y + 14,
                dy = y + 28,
                label = esc(&short(label_of(node.kind, &node.id))),
                detail = esc(&short(&node.detail)),
            );
        }
    }
    s.push_str("</svg>\n");
    s
}

/// What a box shows of an id: the last path part of an object, the table without its project.
fn label_of(kind: Kind, id: &str) -> &str {
    match kind {
        Kind::PhiObject | Kind::DeidObject => id.rsplit('/').next().unwrap_or(id),
        Kind::Table => id.split_once('.').map_or(id, |(_, rest)| rest),
        _ => id,
    }
}

/// Cut to what fits a box (the full id is in the node's `<title>`).
fn short(text: &str) -> String {
    if text.chars().count() <= LABEL_CHARS {
        return text.to_owned();
    }
    let keep: String = text.chars().take(LABEL_CHARS - 1).collect();
    format!("{keep}…")
}

/// HTML/XML text escape.
#[must_use]
pub fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const CSS: &str = "
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1d2733;background:#fbfcfd}
h1{font-size:20px;margin:0 0 4px} h2{font-size:13px;margin:0 0 6px;text-transform:uppercase;color:#55606e}
.note{color:#55606e;margin:0 0 16px} code{font:12px ui-monospace,monospace;word-break:break-all}
.facts{display:flex;flex-wrap:wrap;gap:12px;margin-bottom:20px}
.card{background:#fff;border:1px solid #d8dee6;border-radius:6px;padding:10px 14px;max-width:360px}
.card.wide{max-width:520px} .card p{margin:0} table{border-collapse:collapse}
td{padding:1px 10px 1px 0} td.n{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:#17653a} .bad{color:#a11d1d;font-weight:bold}
svg{background:#fff;border:1px solid #d8dee6;border-radius:6px}
.col{font:bold 12px system-ui,sans-serif;fill:#55606e}
.edge{fill:none;stroke:#9aa7b5;stroke-width:1;opacity:.7}
.node rect{stroke:#46627f;stroke-width:1;fill:#e8f0f8}
.node text{font:11px ui-monospace,monospace;fill:#1d2733} .node text.detail{fill:#55606e;font-size:10px}
.node.export rect{fill:#fde9c8} .node.phi rect{fill:#f9d9d9;stroke:#9b3b3b}
.node.deid rect{fill:#dcefdc;stroke:#3b7a3b} .node.load rect{fill:#e4e2f5}
.node.table rect{fill:#dbeaf7} .node.graph rect{fill:#efe0f3}
";
