//! Pub/Sub around the chain: `load-complete` drained or redelivered by hand, export triggers
//! published as Cloud Scheduler would.

use super::{Chain, EXPORT_TRIGGER_TOPIC, LOAD_COMPLETE_TAP, LOAD_COMPLETE_TOPIC};

impl Chain {
    /// Pulls and acknowledges every `load-complete` message published so far; returns how many.
    ///
    /// # Errors
    /// Emulator failures.
    pub async fn drain_load_complete(&self) -> anyhow::Result<usize> {
        let emulator = starvit_local_eventarc::pubsub::Emulator::new(
            self.http.clone(),
            self.stack.var("PUBSUB_ENDPOINT"),
            self.stack.project(),
        );
        let mut total = 0;
        loop {
            let batch = emulator.pull(LOAD_COMPLETE_TAP, 100).await?;
            if batch.is_empty() {
                return Ok(total);
            }
            total += batch.len();
            let ids: Vec<String> = batch.into_iter().map(|m| m.ack_id).collect();
            emulator.ack(LOAD_COMPLETE_TAP, &ids).await?;
        }
    }

    /// Pulls (and acknowledges) every `load-complete` message published so far and POSTs each
    /// again to `graph-snapshot`, exactly as Eventarc delivers it: a duplicate of every event the
    /// graph stage has seen. Returns the HTTP statuses.
    ///
    /// # Errors
    /// Emulator or HTTP failures; no graph stage.
    pub async fn redeliver_load_complete(&self) -> anyhow::Result<Vec<u16>> {
        let graph = self
            .graph
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("no graph stage"))?;
        let emulator = starvit_local_eventarc::pubsub::Emulator::new(
            self.http.clone(),
            self.stack.var("PUBSUB_ENDPOINT"),
            self.stack.project(),
        );
        let mut statuses = Vec::new();
        loop {
            let batch = emulator.pull(LOAD_COMPLETE_TAP, 100).await?;
            if batch.is_empty() {
                return Ok(statuses);
            }
            for received in &batch {
                let event = starvit_local_eventarc::cloudevent::pubsub_published(
                    &received.message,
                    self.stack.project(),
                    LOAD_COMPLETE_TOPIC,
                    "graph-snapshot",
                );
                let mut request = self.http.post(graph.service.url()).body(event.body.clone());
                for (name, value) in &event.headers {
                    request = request.header(*name, value);
                }
                statuses.push(request.send().await?.status().as_u16());
            }
            let ids: Vec<String> = batch.into_iter().map(|m| m.ack_id).collect();
            emulator.ack(LOAD_COMPLETE_TAP, &ids).await?;
        }
    }

    /// Publishes an export trigger (as Cloud Scheduler would) with the official Pub/Sub client;
    /// returns the message id.
    ///
    /// # Errors
    /// Publish failures.
    pub async fn trigger_export(&self, data: &[u8]) -> anyhow::Result<String> {
        let client = starvit_gcp::pubsub::PubSubClient::new(&starvit_gcp::GcpConfig::from_vars(
            self.stack.gcp_vars(),
        )?)
        .await?;
        let id = client
            .publisher(EXPORT_TRIGGER_TOPIC)
            .publish(starvit_gcp::pubsub::OutgoingMessage {
                data: bytes::Bytes::copy_from_slice(data),
                attributes: std::collections::BTreeMap::new(),
                ordering_key: None,
            })
            .await?;
        Ok(id)
    }
}
