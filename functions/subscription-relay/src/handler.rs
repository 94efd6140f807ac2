//! The handler: one signed rest-hook notification -> at most one de-identified event.
//!
//! 1. The signature is checked over the raw bytes before anything is parsed.
//! 2. An empty body (an id-only Subscription) is skipped: Pattern A's incremental export brings it.
//!    Then the policy version's approval (`starvit-approval`): without one, Retry (503), nothing
//!    parsed, written or published.
//! 3. The body must be one FHIR resource (object, `resourceType`, `id`); otherwise it is written
//!    create-only to the PHI quarantine bucket as `relay/<sha256>.json` and dropped.
//! 4. The resource is de-identified by the same engine, policy and key as `deidentify` (so the
//!    pseudonyms equal the batch path's), leak gate included; a type the policy does not keep is
//!    skipped, a leak is quarantined.
//! 5. The event ([`crate::event`]) is published with the lineage in its attributes. Redelivery
//!    republishes the same `event_id`; consumers dedupe on it.

use std::collections::BTreeMap;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use serde_json::Value;
use sha2::{Digest, Sha256};
use starvit_approval::ApprovalCheck;
use starvit_deid::{DeidError, Engine};
use starvit_gcp::pubsub::{OutgoingMessage, PubSubClient, TopicPublisher};
use starvit_gcp::storage::{StorageClient, WriteAttrs};
use starvit_lineage::{Lineage, PipelineName, PolicyVersion, StageName};
use starvit_runtime::disposition::Counts;
use starvit_runtime::input::Malformed;
use starvit_runtime::vars::Vars;
use starvit_runtime::{Function, Input, Outcome, Service, Setting, TraceContext};

use crate::config::{Config, SERVICE, SETTINGS};
use crate::error::Error;
use crate::{event, signature};

/// One notification as received: a webhook [`Input`] of the runtime's one dispatch, which
/// answers 413 for a body over the limit, 200 for a skip, 401 for a refused signature
/// ([`crate::error`]), 503 for Retry, 200 for Drop (after quarantine), 500 for a panic.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// `X-Signature`.
    pub signature: Option<String>,
    /// The raw body.
    pub body: Bytes,
    /// The HTTP `traceparent` (Cloud Run sends one), for the request's span.
    pub traceparent: Option<TraceContext>,
}

impl Input for Delivery {
    /// Medplum gives up on a 4xx, and a body over the limit will not get smaller.
    const TOO_LARGE: StatusCode = StatusCode::PAYLOAD_TOO_LARGE;
    const SKIPPED: StatusCode = StatusCode::OK;

    fn decode(headers: &HeaderMap, body: Bytes) -> Result<Self, Malformed> {
        Ok(Self {
            signature: headers
                .get("x-signature")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            body,
            traceparent: starvit_runtime::input::traceparent(headers),
        })
    }

    fn span(&self) -> tracing::Span {
        starvit_runtime::input::request_span(self.body.len(), self.traceparent.as_ref())
    }
}

/// Everything the handler needs, built once per process.
pub struct Context {
    pub(crate) config: Config,
    pub(crate) engine: Engine,
    pub(crate) publisher: TopicPublisher,
    pub(crate) storage: StorageClient,
    pub(crate) approval: ApprovalCheck,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Context {
    /// Build the engine and the clients.
    ///
    /// # Errors
    /// A client that cannot be built.
    pub async fn connect(config: Config) -> Result<Self, Box<dyn std::error::Error>> {
        let storage = StorageClient::new(&config.gcp).await?;
        let pubsub = PubSubClient::new(&config.gcp).await?;
        let publisher = pubsub.publisher(&config.topic);
        let engine = Engine::new(starvit_deid::Policy::resolve(&config.policy)?, &config.key);
        let approval =
            ApprovalCheck::new(config.approval_bucket.clone(), engine.policy().version());
        Ok(Self {
            config,
            engine,
            publisher,
            storage,
            approval,
        })
    }
}

impl Service for Context {
    const NAME: &'static str = SERVICE;
    const SETTINGS: &'static [Setting] = SETTINGS;

    async fn build(vars: Vars) -> Result<Self, Box<dyn std::error::Error>> {
        Self::connect(Config::from_vars(vars.pairs())?).await
    }
}

impl Function for Context {
    type Input = Delivery;
    type Error = Error;

    async fn handle(&self, delivery: Delivery) -> Result<Outcome, Error> {
        handle(self, delivery).await
    }
}

/// Relay one notification.
///
/// # Errors
/// [`Error`], classified in [`crate::error`].
pub async fn handle(ctx: &Context, delivery: Delivery) -> Result<Outcome, Error> {
    if !signature::verify(
        &ctx.config.secret,
        &delivery.body,
        delivery.signature.as_deref(),
    ) {
        return Err(Error::Signature);
    }
    if delivery.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Outcome::skipped("no_payload"));
    }
    // Nothing is parsed, written or published under an unapproved policy version.
    ctx.approval.require(&ctx.storage).await?;
    let resource = match serde_json::from_slice::<Value>(&delivery.body) {
        Ok(v) if v.is_object() => v,
        _ => return Err(quarantine(ctx, &delivery.body, "invalid_json").await?),
    };
    let is_resource = resource["resourceType"]
        .as_str()
        .is_some_and(|t| !t.is_empty())
        && resource["id"].as_str().is_some_and(|i| !i.is_empty());
    if !is_resource {
        return Err(quarantine(ctx, &delivery.body, "not_a_resource").await?);
    }
    let deid = match ctx.engine.deid_resource(resource) {
        Ok(Some(deid)) => deid,
        Ok(None) => return Ok(Outcome::skipped("type_not_kept")),
        Err(DeidError::Leak { .. }) => {
            return Err(quarantine(ctx, &delivery.body, "leak_gate").await?);
        }
        Err(_) => return Err(quarantine(ctx, &delivery.body, "not_a_resource").await?),
    };
    let policy_version = ctx.engine.policy().version();
    let event = event::build(&deid, policy_version).map_err(|_| Error::Poison("not_a_resource"))?;
    let mut lineage = Lineage::new(stage());
    lineage.pipeline = PipelineName::new(ctx.config.pipeline.as_str()).ok();
    lineage.deid_policy_version = PolicyVersion::new(policy_version).ok();
    let mut attributes: BTreeMap<String, String> = lineage.to_pubsub_attributes();
    attributes.insert("resource_type".to_owned(), event.resource_type.clone());
    let data = serde_json::to_vec(&event).map_err(|_| Error::Poison("not_a_resource"))?;
    ctx.publisher
        .publish(OutgoingMessage {
            data: Bytes::from(data),
            attributes,
            ordering_key: None,
        })
        .await
        .map_err(Error::Publish)?;
    tracing::info!(resource_type = event.resource_type, "relayed");
    Ok(Outcome::done_with(Counts::new().with("published", 1)))
}

fn stage() -> StageName {
    #[allow(clippy::expect_used)]
    StageName::new(SERVICE).expect("the service name is a valid stage")
}

/// Keep the body on the PHI side (create-only, named by its hash: a redelivery writes nothing
/// new) and return the Drop error.
async fn quarantine(ctx: &Context, body: &[u8], reason: &'static str) -> Result<Error, Error> {
    let name = format!("relay/{}.json", &hex::encode(Sha256::digest(body))[..32]);
    let mut metadata = BTreeMap::new();
    metadata.insert("starvit-quarantine-reason".to_owned(), reason.to_owned());
    ctx.storage
        .write_bytes_create_only(
            &ctx.config.quarantine_bucket,
            &name,
            Bytes::copy_from_slice(body),
            &WriteAttrs {
                content_type: Some("application/octet-stream".to_owned()),
                metadata,
            },
        )
        .await
        .map_err(Error::Storage)?;
    Ok(Error::Poison(reason))
}
