//! `make demo` as a person sees it.
//!
//! Module map:
//! - [`progress`]      one line per stage while it runs (live on a terminal, plain otherwise).
//! - [`watch`]         following the chain for those lines; diagnosis only when a stage fails.
//! - [`summary`]       the closing summary: `summary.json` and aligned tables.
//! - [`table`]         the aligned text tables.
//! - [`lineage_graph`] the run as a graph, from the governance rows in BigQuery.
//! - [`report`]        `target/demo/report.html`: that graph drawn (inline SVG and CSS).
//! - [`browser`]       headless Chromium (pinned Debian package) for the report test.
//! - [`keep`]          `make demo KEEP=1`: the stack left running, commands against it.

pub mod browser;
pub mod keep;
pub mod lineage_graph;
pub mod progress;
pub mod report;
#[cfg(test)]
mod report_check;
pub mod summary;
pub mod table;
pub mod watch;

pub use progress::{Line, Progress};
pub use summary::Summary;
