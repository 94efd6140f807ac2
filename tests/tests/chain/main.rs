//! The chain end to end on the local cloud (one test binary, `chain`).
//!
//! Module map:
//! - `support`: a started chain, synthesized exports and the expected de-ID output and counts.
//! - `deid`: exports reach the de-ID bucket; duplicate deliveries write nothing new.
//! - `quarantine`: poison lines and leaking lines are quarantined one at a time.
//! - `recovery`: a function killed mid-file, BigQuery down then back.
//! - `load`: BigQuery rows, lineage, labels, replays.
//! - `graph`: graph snapshots in TigerGraph 4.x and 3.x.
//! - `notes`: notes through the DLP stub under `shifted-text`, no planted value lands.

mod deid;
mod graph;
mod load;
mod notes;
mod quarantine;
mod recovery;
mod support;
