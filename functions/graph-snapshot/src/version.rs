//! The graph version and the rule that says when a snapshot is due (pure).
//!
//! **Scope.** A snapshot is the whole de-identified plane as loaded so far: every `bq-load`
//! lineage row (all exports) at the time of the decision. Incremental `$export`s therefore
//! produce complete graphs, and an edge never misses an endpoint that an earlier export loaded.
//!
//! **graph_version** = first 24 hex digits of SHA-256 over
//! `"starvit-graph-v1\n" + model_hash + "\n" + sorted distinct load_job_ids joined by "\n"`.
//! The same loads and the same model always give the same version (and so the same table
//! names, job ids and object paths); a new load or a model change gives a new one.
//! (`load_job_id` is bq-load's deterministic id of one de-ID object generation, so it stands
//! for `(source_object, generation, policy)`.)
//!
//! **Due rule**, for a `load-complete` event naming load `L`:
//! 1. `L` not yet in the lineage table: Retry (bq-load records lineage before publishing, so
//!    this is read-after-write lag only).
//! 2. A load newer than `L` exists (by `recorded_at`, then load id): skip, `superseded` — the
//!    newer load's own event makes the snapshot that includes `L`. Out-of-order delivery lands
//!    here.
//! 3. `L` is the newest but younger than the quiet period (`STARVIT_SNAPSHOT_QUIET_SECS`,
//!    default 0): Retry (Eventarc's backoff is the debounce), so a burst of loads of one export
//!    makes one snapshot.
//! 4. Otherwise due. A duplicate event meets the same loads, the same version, and the
//!    version's create-only `_SUCCESS` marker: skip `already_snapshotted`.

use sha2::{Digest, Sha256};

/// One `bq-load` lineage row, as read from `governance.lineage`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadRef {
    /// bq-load's load job id.
    pub load_job_id: String,
    /// Source object of the de-ID run.
    pub source_object: Option<String>,
    /// Its generation.
    pub source_generation: Option<i64>,
    /// Export job id.
    pub export_job_id: Option<String>,
    /// `project.dataset.Type` the load went to.
    pub destination_table: Option<String>,
    /// When the lineage row was recorded (micros since the epoch).
    pub recorded_micros: i64,
}

impl LoadRef {
    /// The resource type (raw table id) the load went to.
    pub fn resource_type(&self) -> Option<&str> {
        self.destination_table.as_deref()?.rsplit('.').next()
    }
}

/// The graph version of `model_hash` over `loads`.
pub fn graph_version(model_hash: &str, loads: &[LoadRef]) -> String {
    let mut ids: Vec<&str> = loads.iter().map(|l| l.load_job_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut h = Sha256::new();
    h.update(b"starvit-graph-v1\n");
    h.update(model_hash.as_bytes());
    h.update(b"\n");
    h.update(ids.join("\n").as_bytes());
    hex::encode(h.finalize())[..24].to_owned()
}

/// What to do with a `load-complete` event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Make the snapshot of all loads.
    Due,
    /// A newer load exists; its event makes the snapshot.
    Superseded,
    /// The event's load is not visible in the lineage table yet (Retry).
    NotVisible,
    /// The newest load is younger than the quiet period (Retry).
    Settling,
}

/// Apply the due rule (see the module docs).
pub fn decide(loads: &[LoadRef], event_load: &str, now_micros: i64, quiet_micros: i64) -> Decision {
    if !loads.iter().any(|l| l.load_job_id == event_load) {
        return Decision::NotVisible;
    }
    let newest = loads
        .iter()
        .max_by(|a, b| {
            (a.recorded_micros, &a.load_job_id).cmp(&(b.recorded_micros, &b.load_job_id))
        })
        .map(|l| l.load_job_id.as_str());
    if newest != Some(event_load) {
        return Decision::Superseded;
    }
    let newest_at = loads.iter().map(|l| l.recorded_micros).max().unwrap_or(0);
    if now_micros.saturating_sub(newest_at) < quiet_micros {
        return Decision::Settling;
    }
    Decision::Due
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(id: &str, at: i64) -> LoadRef {
        LoadRef {
            load_job_id: id.into(),
            source_object: None,
            source_generation: None,
            export_job_id: None,
            destination_table: Some("p.deid_raw.Patient".into()),
            recorded_micros: at,
        }
    }

    #[test]
    fn version_is_deterministic_and_order_free() {
        let a = [load("a", 1), load("b", 2)];
        let b = [load("b", 2), load("a", 1), load("a", 1)];
        assert_eq!(graph_version("m", &a), graph_version("m", &b));
        assert_ne!(graph_version("m", &a), graph_version("m2", &a));
        assert_ne!(graph_version("m", &a), graph_version("m", &a[..1]));
        assert_eq!(graph_version("m", &a).len(), 24);
        assert_eq!(a[0].resource_type(), Some("Patient"));
    }

    #[test]
    fn due_rule() {
        let loads = [load("a", 10), load("b", 20)];
        assert_eq!(decide(&loads, "b", 30, 0), Decision::Due);
        assert_eq!(decide(&loads, "a", 30, 0), Decision::Superseded);
        assert_eq!(decide(&loads, "c", 30, 0), Decision::NotVisible);
        assert_eq!(decide(&loads, "b", 25, 10), Decision::Settling);
        assert_eq!(decide(&loads, "b", 30, 10), Decision::Due);
        // Same timestamp: the load id breaks the tie, so exactly one event is due.
        let tie = [load("a", 10), load("b", 10)];
        assert_eq!(decide(&tie, "b", 10, 0), Decision::Due);
        assert_eq!(decide(&tie, "a", 10, 0), Decision::Superseded);
    }
}
