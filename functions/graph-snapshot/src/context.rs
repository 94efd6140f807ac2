//! [`Context`]: what `graph-snapshot` holds between events (settings, the model, clients),
//! built once by [`Service::build`] from the settings.

use starvit_gcp::bigquery::BigQueryClient;
use starvit_gcp::bigquery::spec::TableRef;
use starvit_gcp::storage::StorageClient;
use starvit_gcp::{GcpConfig, GcpError};
use starvit_runtime::vars::Vars;
use starvit_runtime::{Service, Setting};

use crate::config::{Config, SERVICE, SETTINGS};
use crate::model::Model;
use crate::tigergraph::TigerGraphClient;

/// Everything the handler needs, built once per process.
#[derive(Debug)]
pub struct Context {
    pub(crate) config: Config,
    pub(crate) model: Model,
    pub(crate) storage: StorageClient,
    pub(crate) bigquery: BigQueryClient,
    pub(crate) tigergraph: TigerGraphClient,
    /// The datasets exist (checked once per process, not per delivery).
    setup: tokio::sync::OnceCell<()>,
}

/// Building the context failed.
#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    /// A GCP client.
    #[error(transparent)]
    Gcp(#[from] GcpError),
    /// The model.
    #[error(transparent)]
    Model(#[from] crate::model::ModelError),
    /// The TigerGraph client.
    #[error(transparent)]
    TigerGraph(#[from] crate::tigergraph::TgError),
}

impl Context {
    /// Build every client from `config` (production or emulator endpoints, TigerGraph or the
    /// stub's URL).
    ///
    /// # Errors
    /// [`ContextError`].
    pub async fn connect(config: Config) -> Result<Self, ContextError> {
        let gcp: &GcpConfig = &config.gcp;
        let storage = StorageClient::new(gcp).await?;
        let bigquery = BigQueryClient::new(gcp).await?;
        let tigergraph = TigerGraphClient::new(config.tigergraph.clone())?;
        Ok(Self {
            model: Model::load()?,
            config,
            storage,
            bigquery,
            tigergraph,
            setup: tokio::sync::OnceCell::new(),
        })
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.config
    }

    pub(crate) fn table(&self, dataset: &str, table: &str) -> TableRef {
        TableRef {
            project_id: self.config.gcp.project_id.clone(),
            dataset_id: dataset.to_owned(),
            table_id: table.to_owned(),
        }
    }

    pub(crate) fn location(&self) -> Option<&str> {
        self.config.location.as_deref()
    }

    /// Set once per process when the datasets and the provenance table exist.
    pub(crate) fn setup(&self) -> &tokio::sync::OnceCell<()> {
        &self.setup
    }
}

impl Service for Context {
    const NAME: &'static str = SERVICE;
    const SETTINGS: &'static [Setting] = SETTINGS;

    async fn build(vars: Vars) -> Result<Self, Box<dyn std::error::Error>> {
        Ok(Self::connect(Config::from_vars(vars.pairs())?).await?)
    }
}
