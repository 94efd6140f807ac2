//! Test support: JSON API reads the official clients do not offer (object metadata, raw query
//! rows). The stack itself is `starvit_localcloud::Stack`, the one guard of the local cloud.

use starvit_localcloud::Stack;

/// Object metadata through the JSON API (metadata reads are gRPC-only in the Rust client).
pub async fn object_metadata(stack: &Stack, bucket: &str, name: &str) -> serde_json::Value {
    let name = name.replace('/', "%2F");
    let url = format!(
        "{}/storage/v1/b/{bucket}/o/{name}",
        stack.var("GCS_ENDPOINT")
    );
    reqwest::get(url)
        .await
        .expect("get object")
        .json()
        .await
        .expect("json")
}

/// Rows of a finished query job (`jobs.getQueryResults`), as the REST API returns them.
pub async fn query_rows(stack: &Stack, job_id: &str) -> serde_json::Value {
    let url = format!(
        "{}/bigquery/v2/projects/{}/queries/{job_id}",
        stack.var("BIGQUERY_ENDPOINT"),
        stack.var("LOCALCLOUD_PROJECT")
    );
    let body: serde_json::Value = reqwest::get(url)
        .await
        .expect("query results")
        .json()
        .await
        .expect("json");
    body["rows"].clone()
}
