//! The axum server behind [`Stub`].

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::Value;

use crate::gsql::{self, Load, LoadingJob, Schema, Target};
use crate::records::{self, Record};
use crate::{Received, RunStats, StubConfig};
use routes::{ddl_v3, error, parse_token_request, run_v4, status_v4, token_v3, token_v4};

struct Inner {
    config: StubConfig,
    schema: Schema,
    jobs: Vec<LoadingJob>,
    http: reqwest::Client,
    state: Mutex<State_>,
}

#[derive(Default)]
struct State_ {
    tokens: BTreeSet<String>,
    fail_next: u64,
    reject_next: u64,
    received: Received,
    job_stats: BTreeMap<String, RunStats>,
}

/// A running stub. Dropping it stops the server.
#[derive(Debug)]
pub struct Stub {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    inner: Arc<Inner>,
    task: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inner").finish_non_exhaustive()
    }
}

impl Drop for Stub {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Stub {
    /// Parses and validates the GSQL, then serves on `127.0.0.1:0`.
    ///
    /// # Errors
    /// Invalid GSQL, or no port to bind.
    pub async fn start(config: StubConfig) -> Result<Self, Box<dyn std::error::Error>> {
        let schema = gsql::parse_schema(&config.schema_gsql)?;
        let jobs = gsql::parse_loading_jobs(&config.loading_jobs_gsql)?;
        gsql::validate(&schema, &jobs)?;
        let inner = Arc::new(Inner {
            config,
            schema,
            jobs,
            http: reqwest::Client::new(),
            state: Mutex::new(State_::default()),
        });
        let app = Router::new()
            .route("/gsql/v1/tokens", post(token_v4))
            .route("/gsql/v1/loading-jobs/run", post(run_v4))
            .route("/gsql/v1/loading-jobs/status/{job_id}", get(status_v4))
            .route("/restpp/requesttoken", post(token_v3))
            .route("/restpp/ddl/{graph}", post(ddl_v3))
            .fallback(|| async { error(StatusCode::NOT_FOUND, "unknown endpoint") })
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        let url = format!("http://{}", listener.local_addr()?);
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { url, inner, task })
    }

    /// Answer the next `n` requests (any endpoint) with 503.
    pub fn fail_next(&self, n: u64) {
        self.inner.lock().fail_next = n;
    }

    /// Reject the next `n` records that would have been accepted, as TigerGraph rejects a line
    /// it cannot load (they are counted in `rejectLine`, not loaded).
    pub fn reject_next(&self, n: u64) {
        self.inner.lock().reject_next = n;
    }

    /// What has been received so far.
    pub fn received(&self) -> Received {
        self.inner.lock().received.clone()
    }

    /// Accepted objects per vertex/edge type.
    pub fn counts(&self) -> BTreeMap<String, u64> {
        self.received().counts
    }

    /// Edges per edge type whose source or target vertex was never loaded. Real TigerGraph
    /// would create such endpoints as empty vertices; a snapshot must have none.
    pub fn dangling_edges(&self) -> BTreeMap<String, u64> {
        let s = self.inner.lock();
        let mut out = BTreeMap::new();
        for def in &self.inner.schema.edges {
            let has = |ty: &str, id: &str| {
                s.received
                    .vertices
                    .get(ty)
                    .is_some_and(|ids| ids.contains(id))
            };
            let n = s
                .received
                .edges
                .get(&def.name)
                .into_iter()
                .flatten()
                .filter(|(from, to)| !has(&def.from, from) || !has(&def.to, to))
                .count() as u64;
            if n > 0 {
                out.insert(def.name.clone(), n);
            }
        }
        out
    }
}

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, State_> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether an injected rejection is pending (and use it).
    fn take_rejection(&self) -> bool {
        let mut s = self.lock();
        if s.reject_next > 0 {
            s.reject_next -= 1;
            return true;
        }
        false
    }

    /// 503 if a failure is pending.
    fn injected_failure(&self) -> Option<Response> {
        let mut s = self.lock();
        if s.fail_next > 0 {
            s.fail_next -= 1;
            s.received.failed += 1;
            return Some(error(StatusCode::SERVICE_UNAVAILABLE, "injected failure"));
        }
        None
    }

    /// What every authenticated endpoint checks first: an injected failure, then the token.
    fn admit(&self, headers: &HeaderMap) -> Option<Response> {
        if let Some(r) = self.injected_failure() {
            return Some(r);
        }
        (!self.authorized(headers))
            .then(|| error(StatusCode::UNAUTHORIZED, "missing or unknown token"))
    }

    /// What both token endpoints do: an injected failure, the secret check, a new token.
    fn grant(&self, body: &Bytes) -> Result<String, Box<Response>> {
        if let Some(r) = self.injected_failure() {
            return Err(Box::new(r));
        }
        parse_token_request(self, body)?;
        Ok(self.issue())
    }

    fn authorized(&self, headers: &HeaderMap) -> bool {
        let token = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        token.is_some_and(|t| self.lock().tokens.contains(t))
    }

    fn issue(&self) -> String {
        let mut s = self.lock();
        let token = format!("stub-token-{}", s.tokens.len() + 1);
        s.tokens.insert(token.clone());
        token
    }

    fn job(&self, graph: &str, name: &str) -> Option<&LoadingJob> {
        self.jobs
            .iter()
            .find(|j| j.graph == graph && j.name == name)
    }

    /// Load the records of one input of `file` of `job`: every `LOAD` of the file must find
    /// its `VALUES` keys, non-empty ids and values of the attribute types, or the line is
    /// rejected (as TigerGraph counts it). Accepted vertices/edges are upserted into the graph.
    fn load_records(
        &self,
        job: &LoadingJob,
        file: &str,
        records: Vec<Record>,
        stats: &mut RunStats,
    ) -> Result<(), String> {
        let loads: Vec<_> = job.loads.iter().filter(|l| l.file == file).collect();
        if loads.is_empty() {
            return Err(format!("job {} defines no LOAD for {file}", job.name));
        }
        let types: Vec<Vec<&str>> = loads.iter().map(|l| self.value_types(l)).collect();
        let mut accepted: Vec<(&Load, Vec<String>)> = Vec::new();
        for record in records {
            let Some(object) = record else {
                stats.reject_lines += 1;
                continue;
            };
            let mut row = Vec::with_capacity(loads.len());
            let ok = loads.iter().zip(&types).all(|(load, types)| {
                let keys = if load.target == Target::Vertex { 1 } else { 2 };
                let Some(values) = load
                    .columns
                    .iter()
                    .map(|c| object.get(c).map(records::token))
                    .collect::<Option<Vec<String>>>()
                else {
                    return false;
                };
                let fine = values.iter().take(keys).all(|v| !v.is_empty())
                    && values.iter().zip(types).all(|(v, t)| records::fits(t, v));
                row.push((*load, values));
                fine
            });
            if !ok || self.take_rejection() {
                stats.reject_lines += 1;
                continue;
            }
            stats.valid_lines += 1;
            accepted.extend(row);
        }
        let mut s = self.lock();
        for (load, values) in accepted {
            let graph = &mut s.received;
            match load.target {
                Target::Vertex => {
                    *stats.vertex.entry(load.type_name.clone()).or_default() += 1;
                    graph
                        .vertices
                        .entry(load.type_name.clone())
                        .or_default()
                        .insert(values[0].clone());
                }
                Target::Edge => {
                    *stats.edge.entry(load.type_name.clone()).or_default() += 1;
                    graph
                        .edges
                        .entry(load.type_name.clone())
                        .or_default()
                        .insert((values[0].clone(), values[1].clone()));
                }
            }
        }
        Ok(())
    }

    /// The GSQL type of each `VALUES` position of a load (ids are STRING).
    fn value_types<'a>(&'a self, load: &Load) -> Vec<&'a str> {
        let (keys, attributes) = match load.target {
            Target::Vertex => (
                1,
                self.schema
                    .vertices
                    .iter()
                    .find(|v| v.name == load.type_name)
                    .map(|v| &v.attributes),
            ),
            Target::Edge => (
                2,
                self.schema
                    .edges
                    .iter()
                    .find(|e| e.name == load.type_name)
                    .map(|e| &e.attributes),
            ),
        };
        std::iter::repeat_n("STRING", keys)
            .chain(attributes.into_iter().flatten().map(|(_, t)| t.as_str()))
            .collect()
    }

    fn record(&self, job: &str, stats: &RunStats) -> String {
        let mut s = self.lock();
        s.received.runs += 1;
        for (t, n) in stats.vertex.iter().chain(stats.edge.iter()) {
            *s.received.counts.entry(t.clone()).or_default() += n;
        }
        *s.received.rejected.entry(job.to_owned()).or_default() += stats.reject_lines;
        let id = format!("{job}.stub.m1.{}", s.received.runs);
        s.job_stats.insert(id.clone(), stats.clone());
        id
    }

    /// Read every object under `gs://bucket/prefix` from the fake-gcs JSON API: `.parquet`
    /// objects as Parquet, anything else as JSON lines. No object at all is an error (a wrong
    /// path must fail the run, not load nothing).
    async fn fetch(&self, uri: &str) -> Result<Vec<Record>, String> {
        let base = self
            .config
            .storage_base
            .as_deref()
            .ok_or("no storage configured for gs:// data sources")?;
        let rest = uri
            .strip_prefix("gs://")
            .ok_or("path must be a gs:// URI")?;
        let (bucket, prefix) = rest.split_once('/').ok_or("gs:// URI without object")?;
        let list: Value = self
            .http
            .get(format!(
                "{base}/storage/v1/b/{bucket}/o?prefix={}",
                url::form_urlencoded::byte_serialize(prefix.as_bytes()).collect::<String>()
            ))
            .send()
            .await
            .map_err(|e| e.to_string())?
            .json()
            .await
            .map_err(|e| e.to_string())?;
        let mut names: Vec<String> = list["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|o| o["name"].as_str())
            .map(str::to_owned)
            .collect();
        if names.is_empty() {
            return Err("no file found under the data source path".to_owned());
        }
        names.sort();
        let mut records = Vec::new();
        for name in names {
            let url = format!(
                "{base}/storage/v1/b/{bucket}/o/{}?alt=media",
                url::form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>()
            );
            let response = self.http.get(url).send().await.map_err(|e| e.to_string())?;
            if !response.status().is_success() {
                return Err(format!("object read answered {}", response.status()));
            }
            let data = response.bytes().await.map_err(|e| e.to_string())?;
            if name.ends_with(".parquet") {
                records.extend(records::parquet(data)?);
            } else {
                let text = std::str::from_utf8(&data).map_err(|_| "object is not UTF-8")?;
                records.extend(records::json_lines(text));
            }
        }
        Ok(records)
    }
}

mod routes;
