//! [`Context`]: what `bq-load` holds between events (settings, clients, per-process caches),
//! built once by [`Service::build`] from the settings.

use std::collections::HashSet;
use std::sync::Mutex;

use starvit_gcp::bigquery::BigQueryClient;
use starvit_gcp::bigquery::spec::TableRef;
use starvit_gcp::pubsub::{PubSubClient, TopicPublisher};
use starvit_gcp::storage::StorageClient;
use starvit_gcp::{GcpConfig, GcpError};
use starvit_runtime::vars::Vars;
use starvit_runtime::{Service, Setting};

use crate::config::{Config, SERVICE, SETTINGS};
use crate::policy::PolicyRegistry;

pub(crate) const NDJSON: &str = "application/x-ndjson";

/// Everything the handler needs, built once per process.
#[derive(Debug)]
pub struct Context {
    pub(crate) config: Config,
    pub(crate) storage: StorageClient,
    pub(crate) bigquery: BigQueryClient,
    pub(crate) publisher: TopicPublisher,
    pub(crate) policies: PolicyRegistry,
    /// Datasets, tables and policy versions already ensured by this process (an optimisation
    /// only: every ensure is idempotent by itself).
    pub(crate) ensured: Mutex<HashSet<String>>,
    /// Bounds the events of this process that run BigQuery work at once.
    pub(crate) bq_gate: tokio::sync::Semaphore,
}

/// Building the context failed (at start-up).
#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    /// A client could not be built.
    #[error(transparent)]
    Gcp(#[from] GcpError),
    /// A configured policy does not resolve.
    #[error(transparent)]
    Policy(#[from] starvit_deid::DeidError),
}

impl Context {
    /// Build the clients from `config.gcp` (production or emulator endpoints) and resolve the
    /// known policies.
    ///
    /// # Errors
    /// [`ContextError`] when a client cannot be built or a policy does not resolve.
    pub async fn connect(config: Config) -> Result<Self, ContextError> {
        let gcp: &GcpConfig = &config.gcp;
        let storage = StorageClient::new(gcp).await?;
        let bigquery = BigQueryClient::new(gcp).await?;
        let pubsub = PubSubClient::new(gcp).await?;
        Self::with_clients(config, storage, bigquery, &pubsub)
    }

    /// Build from ready clients (e.g. a `BigQueryClient` with a shorter poll policy in tests).
    ///
    /// # Errors
    /// [`ContextError::Policy`] when a configured policy does not resolve.
    pub fn with_clients(
        config: Config,
        storage: StorageClient,
        bigquery: BigQueryClient,
        pubsub: &PubSubClient,
    ) -> Result<Self, ContextError> {
        let policies = PolicyRegistry::resolve(&config.policies)?;
        let publisher = pubsub.publisher(&config.load_complete_topic);
        let bq_gate = tokio::sync::Semaphore::new(config.bq_concurrency);
        Ok(Self {
            config,
            storage,
            bigquery,
            publisher,
            policies,
            ensured: Mutex::new(HashSet::new()),
            bq_gate,
        })
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.config
    }

    pub(crate) fn table(&self, dataset: &str, table: &str) -> TableRef {
        self.config.table(dataset, table)
    }

    pub(crate) fn raw_table(&self, resource_type: &str) -> TableRef {
        self.config.table(&self.config.raw_dataset, resource_type)
    }

    pub(crate) fn is_ensured(&self, key: &str) -> bool {
        self.ensured
            .lock()
            .map(|set| set.contains(key))
            .unwrap_or(false)
    }

    pub(crate) fn mark_ensured(&self, key: String) {
        if let Ok(mut set) = self.ensured.lock() {
            set.insert(key);
        }
    }

    pub(crate) fn location(&self) -> Option<&str> {
        self.config.location.as_deref()
    }
}

impl Service for Context {
    const NAME: &'static str = SERVICE;
    const SETTINGS: &'static [Setting] = SETTINGS;

    async fn build(vars: Vars) -> Result<Self, Box<dyn std::error::Error>> {
        Ok(Self::connect(Config::from_vars(vars.pairs())?).await?)
    }
}
