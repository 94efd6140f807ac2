//! `env-probe`: parses environments with the functions' own settings parsers, for the Terraform
//! env contract (`infra/checks/env_contract.py`). Reads `[{"function": F, "env": {NAME: VALUE}}]`
//! on stdin and prints, per case, whether `Config::from_vars` (plus the runtime's and GCP's
//! parsers) accepts it, a rendering of the parsed settings (to tell which names are read), and
//! the resources the settings name (`[kind, setting, value]`). Values may be secrets: only the
//! rendering (which the configs redact) and resource names are printed.

use std::collections::BTreeMap;
use std::io::Read;

use serde_json::{Value, json};

type Env = Vec<(String, String)>;
type Refs = Vec<(&'static str, &'static str, String)>;

fn parsed(function: &str, env: &Env) -> Result<(String, Refs), String> {
    let vars = || env.iter().map(|(k, v)| (k.as_str(), v.clone()));
    let e = |e: &dyn std::fmt::Display| e.to_string();
    let runtime = starvit_runtime::RuntimeConfig::from_vars(env.iter().map(|(k, v)| (k, v)))
        .map_err(|x| e(&x))?;
    let gcp = starvit_gcp::GcpConfig::from_vars(vars()).map_err(|x| e(&x))?;
    let (state, refs) = match function {
        "bulk-export" => {
            let c = bulk_export::Config::from_vars(vars()).map_err(|x| e(&x))?;
            let budget = c.poll_budget.as_secs().to_string();
            let refs = vec![
                ("bucket", "STARVIT_PHI_BUCKET", c.phi_bucket.clone()),
                ("pipeline", "STARVIT_PIPELINE", c.pipeline.clone()),
                ("seconds", "STARVIT_EXPORT_POLL_BUDGET_SECS", budget),
            ];
            (format!("{c:?}"), refs)
        }
        "deidentify" => {
            let c = deidentify::Config::from_vars(vars()).map_err(|x| e(&x))?;
            let state = format!(
                "{:?} {:?} {:?} {:?} {:?} {:?} {:?}",
                c.phi_bucket,
                c.deid_bucket,
                c.quarantine_bucket,
                c.policy.name(),
                c.key,
                c.pipeline,
                c.spool_dir
            );
            let refs = vec![
                ("bucket", "STARVIT_PHI_BUCKET", c.phi_bucket),
                ("bucket", "STARVIT_DEID_BUCKET", c.deid_bucket),
                ("bucket", "STARVIT_QUARANTINE_BUCKET", c.quarantine_bucket),
                ("pipeline", "STARVIT_PIPELINE", c.pipeline),
            ];
            (state, refs)
        }
        "bq-load" => {
            let c = bq_load::Config::from_vars(vars()).map_err(|x| e(&x))?;
            let refs = vec![
                ("bucket", "STARVIT_DEID_BUCKET", c.deid_bucket.clone()),
                ("dataset", "STARVIT_RAW_DATASET", c.raw_dataset.clone()),
                (
                    "dataset",
                    "STARVIT_GOVERNANCE_DATASET",
                    c.governance_dataset.clone(),
                ),
                (
                    "dataset",
                    "STARVIT_STAGING_DATASET",
                    c.staging_dataset.clone(),
                ),
                (
                    "topic",
                    "STARVIT_LOAD_COMPLETE_TOPIC",
                    c.load_complete_topic.clone(),
                ),
                ("pipeline", "STARVIT_PIPELINE", c.pipeline.clone()),
                (
                    "concurrency",
                    "STARVIT_BQ_CONCURRENCY",
                    c.bq_concurrency.to_string(),
                ),
            ];
            (format!("{c:?}"), refs)
        }
        "graph-snapshot" => {
            let c = graph_snapshot::Config::from_vars(vars()).map_err(|x| e(&x))?;
            let refs = vec![
                ("bucket", "STARVIT_DEID_BUCKET", c.deid_bucket.clone()),
                ("dataset", "STARVIT_RAW_DATASET", c.raw_dataset.clone()),
                (
                    "dataset",
                    "STARVIT_GOVERNANCE_DATASET",
                    c.governance_dataset.clone(),
                ),
                ("dataset", "STARVIT_GRAPH_DATASET", c.graph_dataset.clone()),
                ("pipeline", "STARVIT_PIPELINE", c.pipeline.clone()),
            ];
            (format!("{c:?}"), refs)
        }
        "subscription-relay" => {
            let c = subscription_relay::Config::from_vars(vars()).map_err(|x| e(&x))?;
            let refs = vec![
                (
                    "bucket",
                    "STARVIT_QUARANTINE_BUCKET",
                    c.quarantine_bucket.clone(),
                ),
                ("topic", "STARVIT_DEID_EVENTS_TOPIC", c.topic.clone()),
                ("pipeline", "STARVIT_PIPELINE", c.pipeline.clone()),
            ];
            (format!("{c:?}"), refs)
        }
        other => return Err(format!("unknown function {other}")),
    };
    Ok((format!("{runtime:?} {gcp:?} {state}"), refs))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input)?;
    let cases: Vec<Value> = serde_json::from_str(&input)?;
    let mut out = Vec::with_capacity(cases.len());
    for case in cases {
        let function = case["function"].as_str().unwrap_or_default();
        let env: BTreeMap<String, String> = serde_json::from_value(case["env"].clone())?;
        let env: Env = env.into_iter().collect();
        out.push(match parsed(function, &env) {
            Ok((state, refs)) => json!({"ok": true, "state": state, "refs": refs}),
            Err(error) => json!({"ok": false, "error": error}),
        });
    }
    println!("{}", serde_json::to_string(&out)?);
    Ok(())
}
