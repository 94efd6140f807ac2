//! Waiting for the chain to go idle or an export to load, and what a timed-out wait prints.

use std::time::Duration;

use starvit_local_eventarc::Stats;

use super::{Chain, GOVERNANCE_DATASET};

impl Chain {
    /// Waits until the Eventarc router has nothing in flight for a while.
    pub async fn wait_idle(&self, timeout: Duration) -> bool {
        self.router
            .wait_idle(Duration::from_millis(1500), timeout)
            .await
    }

    /// Waits until `files` objects of export `export_id` have their `bq-load` lineage row (rows
    /// queryable), then until the router is idle. Stronger than [`Chain::wait_idle`] alone, which a
    /// finalize published late on a loaded machine could outrun.
    pub async fn wait_loaded(&self, export_id: &str, files: usize, timeout: Duration) -> bool {
        let deadline = std::time::Instant::now() + timeout;
        let lineage = self.table(GOVERNANCE_DATASET, "lineage");
        let sql = format!(
            "SELECT COUNT(*) FROM {lineage} WHERE stage = 'bq-load' AND export_job_id = '{export_id}'"
        );
        loop {
            let loaded = self.count(&sql).await.ok();
            if loaded.is_some_and(|n| n >= files as u64) {
                let left = deadline.saturating_duration_since(std::time::Instant::now());
                if self.wait_idle(left).await {
                    return true;
                }
                self.diagnose(&format!(
                    "{export_id}: loaded, but the router never went idle"
                ));
                return false;
            }
            if std::time::Instant::now() >= deadline {
                self.diagnose(&format!(
                    "{export_id}: {loaded:?} of {files} files loaded after {timeout:?}"
                ));
                return false;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    /// Waits for the JSON object `name` of the PHI bucket (a run record, a landed manifest) and
    /// parses it; panics, after a diagnosis, when it does not appear within `timeout`.
    pub async fn wait_json(&self, name: &str, timeout: Duration) -> serde_json::Value {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            if let Ok(bytes) = self.read(super::PHI_BUCKET, name).await {
                return serde_json::from_slice(&bytes).expect("json");
            }
            if std::time::Instant::now() >= deadline {
                self.diagnose(&format!("{name} never appeared"));
                panic!("{name} did not appear within {timeout:?}");
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Publishes an export trigger with `data` and waits for its run record; returns the record
    /// and the export id it names.
    pub async fn start_export(
        &self,
        data: &[u8],
        timeout: Duration,
    ) -> (serde_json::Value, String) {
        let trigger = self.trigger_export(data).await.expect("trigger");
        let record = self
            .wait_json(&format!("exports/_runs/{trigger}.json"), timeout)
            .await;
        let export_id = record["export_id"].as_str().expect("export id").to_owned();
        (record, export_id)
    }

    /// Prints what a timed-out wait needs to be understood from CI output alone: the router's
    /// counters and the last lines of every function's log (the functions log no PHI).
    pub fn diagnose(&self, what: &str) {
        eprintln!("--- chain diagnosis: {what}");
        let s = self.router.stats();
        eprintln!(
            "local Eventarc: {} events delivered, {} in flight, {} deliveries retried, {} given up, {} malformed ({} POSTs)",
            s.delivered, s.in_flight, s.failed_attempts, s.given_up, s.malformed, s.posts
        );
        let mut services = vec![&self.deidentify, &self.bq_load];
        if let Some(graph) = &self.graph {
            services.push(&graph.service);
            eprintln!(
                "tigergraph stub: runs={} failed={}",
                graph.tigergraph.received().runs,
                graph.tigergraph.received().failed
            );
        }
        for service in services {
            let text = std::fs::read_to_string(service.log_path()).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            eprintln!("--- last lines of {}", service.log_path().display());
            for line in &lines[lines.len().saturating_sub(15)..] {
                eprintln!("{line}");
            }
        }
    }

    /// The router's counters.
    #[must_use]
    pub fn router_stats(&self) -> Stats {
        self.router.stats()
    }
}
