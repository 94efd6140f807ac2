//! [`Context`]: what `bulk-export` holds between deliveries (settings, the storage and FHIR
//! clients), built once by [`Service::build`] from the settings.

use starvit_gcp::GcpConfig;
use starvit_gcp::storage::StorageClient;
use starvit_runtime::vars::Vars;
use starvit_runtime::{Service, Setting};

use crate::config::{Config, SERVICE, SETTINGS};
use crate::fhir::FhirClient;

/// Everything the handler needs, built once per process.
#[derive(Debug)]
pub struct Context {
    pub(crate) config: Config,
    pub(crate) storage: StorageClient,
    pub(crate) fhir: FhirClient,
}

impl Context {
    /// Build the clients from `config`.
    ///
    /// # Errors
    /// A client that cannot be built.
    pub async fn connect(config: Config) -> Result<Self, Box<dyn std::error::Error>> {
        let gcp: &GcpConfig = &config.gcp;
        let storage = StorageClient::new(gcp).await?;
        let fhir = FhirClient::new(
            config.fhir_base_url.clone(),
            config.auth.clone(),
            config.request_timeout,
        )?;
        Ok(Self {
            config,
            storage,
            fhir,
        })
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.config
    }
}

impl Service for Context {
    const NAME: &'static str = SERVICE;
    const SETTINGS: &'static [Setting] = SETTINGS;

    async fn build(vars: Vars) -> Result<Self, Box<dyn std::error::Error>> {
        Self::connect(Config::from_vars(vars.pairs())?).await
    }
}
