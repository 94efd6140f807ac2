//! Starting the chain: what Terraform provisions (buckets, topics, taps, the warehouse tables it
//! owns), the function processes with their own settings' local values, and the local Eventarc.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use anyhow::Context as _;
use starvit_gcp::GcpConfig;
use starvit_gcp::storage::StorageClient;
use starvit_local_eventarc::pubsub::Emulator;
use starvit_local_eventarc::{Route, Router, RouterConfig, Source};
use starvit_runtime::settings::{Setting, local_env};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::*;
use crate::procs::FunctionProcess;
use crate::stack::Stack;

impl Chain {
    /// Creates the buckets, starts the functions and the local Eventarc.
    ///
    /// # Errors
    /// When a piece fails to start.
    pub async fn start(
        stack: Stack,
        binaries: &Binaries,
        options: &ChainOptions,
    ) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()?;
        provision(&stack, &http).await?;
        if options.approve {
            approval::approve(&stack, &options.policy).await?;
        }
        let policy = [("STARVIT_DEID_POLICY", options.policy.as_str())];
        let (dlp, dlp_env) = dlp::start_for(&stack, &options.policy).await?.unzip();
        let mut deid_env = policy.to_vec();
        deid_env.extend(dlp_env.iter().flatten().map(|(k, v)| (*k, v.as_str())));
        let deidentify =
            start::<deidentify::Context>(&stack, &binaries.deidentify, &deid_env).await?;
        let bq_load = start::<bq_load::Context>(&stack, &binaries.bq_load, &[]).await?;
        let graph = if options.graph {
            Some(start_graph(&stack, binaries, &options.graph_env).await?)
        } else {
            None
        };
        let bulk_export = if options.bulk_export {
            let overrides: Vec<(&str, &str)> = options
                .bulk_export_env
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            Some(start::<bulk_export::Context>(&stack, &binaries.bulk_export, &overrides).await?)
        } else {
            None
        };
        let relay = if options.relay {
            Some(start::<subscription_relay::Context>(&stack, &binaries.relay, &policy).await?)
        } else {
            None
        };
        let mut routes = vec![
            (Source::Bucket(PHI_BUCKET.into()), deidentify.url()),
            (Source::Bucket(DEID_BUCKET.into()), bq_load.url()),
        ];
        if let Some(graph) = &graph {
            routes.push((
                Source::Topic(LOAD_COMPLETE_TOPIC.into()),
                graph.service.url(),
            ));
        }
        if let Some(bulk_export) = &bulk_export {
            routes.push((
                Source::Topic(EXPORT_TRIGGER_TOPIC.into()),
                bulk_export.url(),
            ));
        }
        let (router, router_stop, router_task) = start_router(&stack, routes, options).await?;
        let storage = StorageClient::new(&GcpConfig::from_vars(stack.gcp_vars())?).await?;
        Ok(Self {
            deidentify,
            bq_load,
            graph,
            bulk_export,
            relay,
            dlp,
            router,
            router_stop: Some(router_stop),
            router_task: Some(router_task),
            storage,
            http,
            gcs_endpoint: stack.var("GCS_ENDPOINT").to_owned(),
            stack,
        })
    }
}

/// What Terraform provisions, on the local stack: buckets, topics (and the taps the suite
/// reads), the warehouse tables Terraform owns.
async fn provision(stack: &Stack, http: &reqwest::Client) -> anyhow::Result<()> {
    for bucket in [PHI_BUCKET, DEID_BUCKET, QUARANTINE_BUCKET] {
        stack.create_bucket(http, bucket).await?;
    }
    let emulator = Emulator::new(http.clone(), stack.var("PUBSUB_ENDPOINT"), stack.project());
    for topic in [LOAD_COMPLETE_TOPIC, EXPORT_TRIGGER_TOPIC, DEID_EVENTS_TOPIC] {
        emulator.ensure_topic(topic).await?;
    }
    emulator
        .ensure_subscription(DEID_EVENTS_TAP, DEID_EVENTS_TOPIC, 60)
        .await?;
    emulator
        .ensure_subscription(LOAD_COMPLETE_TAP, LOAD_COMPLETE_TOPIC, 60)
        .await?;
    warehouse::create_terraform_tables(stack).await
}

/// The environment of function `S` on this stack: its settings' local values, stack variables
/// (and `extra` ones, e.g. the TigerGraph stub's URL) filled in, then `overrides`.
///
/// # Errors
/// A local value names a variable the stack does not have, or a required setting has none.
pub fn function_env<S: starvit_runtime::Service>(
    stack: &Stack,
    extra: &[(&str, &str)],
    overrides: &[(&str, &str)],
) -> anyhow::Result<Vec<(String, String)>> {
    let mut vars: BTreeMap<String, String> = stack.env.clone().into_iter().collect();
    vars.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    let mut env =
        local_env(S::SETTINGS, &vars).with_context(|| format!("settings of {}", S::NAME))?;
    let declared: BTreeSet<&str> = S::SETTINGS.iter().map(|s: &Setting| s.name).collect();
    for (k, v) in overrides {
        anyhow::ensure!(declared.contains(k), "{k} is not a setting of {}", S::NAME);
        env.push(((*k).to_owned(), (*v).to_owned()));
    }
    Ok(env)
}

/// Starts function `S` as a process with [`function_env`].
async fn start<S: starvit_runtime::Service>(
    stack: &Stack,
    binary: &Path,
    overrides: &[(&str, &str)],
) -> anyhow::Result<FunctionProcess> {
    let env = function_env::<S>(stack, &[], overrides)?;
    FunctionProcess::start(S::NAME, binary, env, stack.dir()).await
}

/// Starts the TigerGraph stub and the `graph-snapshot` service for a chain.
async fn start_graph(
    stack: &Stack,
    binaries: &Binaries,
    overrides: &[(String, String)],
) -> anyhow::Result<GraphStage> {
    let infra = crate::repo_root().join("infra/tigergraph");
    let tigergraph = starvit_tigergraph_stub::Stub::start(starvit_tigergraph_stub::StubConfig {
        schema_gsql: std::fs::read_to_string(infra.join("schema.gsql"))?,
        loading_jobs_gsql: std::fs::read_to_string(infra.join("loading_jobs.gsql"))?,
        secret: TIGERGRAPH_SECRET.to_owned(),
        storage_base: Some(stack.var("GCS_ENDPOINT").to_owned()),
    })
    .await
    .map_err(|e| anyhow::anyhow!("starting the TigerGraph stub: {e}"))?;
    let overrides: Vec<(&str, &str)> = overrides
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let env = function_env::<graph_snapshot::Context>(
        stack,
        &[("TIGERGRAPH_URL", tigergraph.url.as_str())],
        &overrides,
    )?;
    let service =
        FunctionProcess::start("graph-snapshot", &binaries.graph_snapshot, env, stack.dir())
            .await?;
    Ok(GraphStage {
        tigergraph,
        service,
    })
}

/// Starts the local Eventarc on `routes` (source, target URL) in this process.
async fn start_router(
    stack: &Stack,
    routes: Vec<(Source, String)>,
    options: &ChainOptions,
) -> anyhow::Result<(Router, oneshot::Sender<()>, JoinHandle<()>)> {
    let config = RouterConfig {
        pubsub_endpoint: stack.var("PUBSUB_ENDPOINT").to_owned(),
        project: stack.project().to_owned(),
        gcs_notification_topic: stack.var("LOCALCLOUD_GCS_TOPIC").to_owned(),
        routes: routes
            .into_iter()
            .map(|(source, target)| Route { source, target })
            .collect(),
        backoff_min: Duration::from_millis(200),
        backoff_max: Duration::from_secs(3),
        duplicate: options.duplicate,
        max_in_flight: options
            .max_in_flight
            .unwrap_or(RouterConfig::default().max_in_flight),
        ..RouterConfig::default()
    };
    let router = Router::new(config)?;
    router.prepare().await?;
    let (stop, stopped) = oneshot::channel::<()>();
    let runner = router.clone();
    let task = tokio::spawn(async move {
        runner
            .run(async {
                let _ = stopped.await;
            })
            .await;
    });
    Ok((router, stop, task))
}
