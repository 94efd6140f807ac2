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

impl Chain {
    /// Delivers the `finalized` event of `object` (in `bucket`) to the function at `url` again,
    /// by hand, as a redelivering Eventarc would; returns the HTTP status.
    ///
    /// # Errors
    /// HTTP failures.
    pub async fn redeliver_finalize(
        &self,
        url: &str,
        bucket: &str,
        object: &super::ObjectMeta,
        ce_id: &str,
    ) -> anyhow::Result<u16> {
        let body = serde_json::json!({
            "kind": "storage#object", "bucket": bucket, "name": object.name,
            "generation": object.generation, "metageneration": "1", "size": object.size,
            "contentType": "application/x-ndjson", "metadata": object.metadata,
        });
        let resp = reqwest::Client::new()
            .post(url)
            .header("ce-specversion", "1.0")
            .header("ce-id", ce_id)
            .header(
                "ce-source",
                format!("//storage.googleapis.com/projects/_/buckets/{bucket}"),
            )
            .header("ce-type", "google.cloud.storage.object.v1.finalized")
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await?;
        Ok(resp.status().as_u16())
    }
}
