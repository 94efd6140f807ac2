//! `env-probe`: parses environments with the functions' own settings parsers, for the Terraform
//! env contract (`infra/checks/env_contract.py`). Reads `[{"function": F, "env": {NAME: VALUE}}]`
//! on stdin and prints, per case, whether `Config::from_vars` (plus the runtime's and GCP's
//! parsers) accepts it, a rendering of the parsed settings (to tell which names are read), and
//! the resources the settings name (`[kind, setting, value]`: each function's `SETTINGS` marks
//! them with `Setting::infra`). Values may be secrets: only the
//! rendering (which the configs redact) and resource names are printed.

use std::collections::BTreeMap;
use std::io::Read;

use serde_json::{Value, json};
use starvit_runtime::Setting;

type Env = Vec<(String, String)>;
type Refs = Vec<(&'static str, &'static str, String)>;

/// A function's settings list and a rendering of its parsed `Config`.
fn parsed_config(function: &str, env: &Env) -> Result<(&'static [Setting], String), String> {
    let vars = || env.iter().map(|(k, v)| (k.as_str(), v.clone()));
    let e = |e: &dyn std::fmt::Display| e.to_string();
    Ok(match function {
        "bulk-export" => (
            bulk_export::config::SETTINGS,
            format!(
                "{:?}",
                bulk_export::Config::from_vars(vars()).map_err(|x| e(&x))?
            ),
        ),
        "deidentify" => {
            let c = deidentify::Config::from_vars(vars()).map_err(|x| e(&x))?;
            let state = format!(
                "{:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?}",
                c.phi_bucket,
                c.deid_bucket,
                c.quarantine_bucket,
                c.policy.name(),
                c.key,
                c.dlp,
                c.pipeline,
                c.spool_dir
            );
            (deidentify::config::SETTINGS, state)
        }
        "bq-load" => (
            bq_load::config::SETTINGS,
            format!(
                "{:?}",
                bq_load::Config::from_vars(vars()).map_err(|x| e(&x))?
            ),
        ),
        "graph-snapshot" => (
            graph_snapshot::config::SETTINGS,
            format!(
                "{:?}",
                graph_snapshot::Config::from_vars(vars()).map_err(|x| e(&x))?
            ),
        ),
        "subscription-relay" => (
            subscription_relay::config::SETTINGS,
            format!(
                "{:?}",
                subscription_relay::Config::from_vars(vars()).map_err(|x| e(&x))?
            ),
        ),
        other => return Err(format!("unknown function {other}")),
    })
}

fn parsed(function: &str, env: &Env) -> Result<(String, Refs), String> {
    let e = |e: &dyn std::fmt::Display| e.to_string();
    let runtime = starvit_runtime::RuntimeConfig::from_vars(env.iter().map(|(k, v)| (k, v)))
        .map_err(|x| e(&x))?;
    let gcp = starvit_gcp::GcpConfig::from_vars(env.iter().map(|(k, v)| (k.as_str(), v.clone())))
        .map_err(|x| e(&x))?;
    let (settings, state) = parsed_config(function, env)?;
    // The resources and limits the settings name, as the function's own list declares them,
    // with the value the function reads (set, else its default).
    let vars = starvit_runtime::vars::Vars::new(env.iter().map(|(k, v)| (k, v.clone())));
    let refs = settings
        .iter()
        .filter_map(|s| Some((s.infra?.kind(), s.name, vars.setting(s).ok()??)))
        .collect();
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
