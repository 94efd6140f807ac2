//! The stack's FHIR server (sekmet-fhir): seeding it, and requests as the seeding user.

use std::path::Path;

use anyhow::{Context as _, bail};

use super::Chain;

impl Chain {
    /// Loads every resource of the NDJSON files in `dir` into the stack's FHIR server with
    /// transactions of `PUT`s. The server resolves conditional references (`Patient?identifier=`)
    /// only against data it already has, and `urn:uuid:` references only within the transaction,
    /// so the first transaction holds the referenced types and the second everything (the first
    /// ones again: an identical `PUT`). Returns the number of distinct resources.
    ///
    /// # Errors
    /// I/O, HTTP, or an entry the server did not accept.
    pub async fn seed_fhir(&self, dir: &Path) -> anyhow::Result<usize> {
        const FIRST: [&str; 4] = ["Patient", "Practitioner", "Organization", "Location"];
        let mut entries = Vec::new();
        for path in starvit_deid::scan::ndjson_files(dir)? {
            for line in std::fs::read_to_string(&path)?.lines() {
                let resource: serde_json::Value = serde_json::from_str(line)?;
                let ty = resource["resourceType"]
                    .as_str()
                    .context("resourceType")?
                    .to_owned();
                let id = resource["id"].as_str().context("id")?.to_owned();
                entries.push(serde_json::json!({
                    "fullUrl": format!("urn:uuid:{id}"),
                    "resource": resource,
                    "request": {"method": "PUT", "url": format!("{ty}/{id}")},
                }));
            }
        }
        let first_types = |e: &serde_json::Value| {
            FIRST.contains(&e["resource"]["resourceType"].as_str().unwrap_or_default())
        };
        let first: Vec<_> = entries.iter().filter(|e| first_types(e)).cloned().collect();
        entries.sort_by_key(|e| !first_types(e));
        let n = entries.len();
        for batch in [first, entries] {
            let expected = batch.len();
            let bundle = serde_json::json!({"resourceType": "Bundle", "type": "transaction", "entry": batch});
            let response = self
                .fhir_request(reqwest::Method::POST, "")
                .header("content-type", "application/fhir+json")
                .json(&bundle)
                .send()
                .await?;
            let status = response.status();
            let response: serde_json::Value = response.json().await?;
            if !status.is_success() {
                // Synthetic data only: the server's diagnostics are safe to show.
                bail!(
                    "the FHIR server refused the seed transaction ({status}): {}",
                    response["issue"][0]["diagnostics"]
                );
            }
            let accepted = response["entry"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|e| {
                    e["response"]["status"]
                        .as_str()
                        .is_some_and(|s| s.starts_with('2'))
                })
                .count();
            if accepted != expected {
                bail!("the FHIR server accepted {accepted} of {expected} resources");
            }
        }
        Ok(n)
    }

    /// A request to the stack's FHIR server (`path` relative to its base), as the seeding user.
    pub fn fhir_request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let base = self.stack.var("FHIR_BASE_URL");
        let url = if path.is_empty() {
            base.to_owned()
        } else {
            format!("{base}/{path}")
        };
        self.http.request(method, url).basic_auth(
            self.stack.var("FHIR_SEED_USER"),
            Some(self.stack.var("FHIR_SEED_PASSWORD")),
        )
    }
}
