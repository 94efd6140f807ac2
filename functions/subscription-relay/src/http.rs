//! The webhook endpoint: `POST /` with Medplum's rest-hook body, `GET /healthz`. The only place
//! results become HTTP statuses (see [`crate::error`]).

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use starvit_runtime::{Classify, Disposition, Outcome};

use crate::error::Error;
use crate::handler::{Context, Delivery, handle};

/// The service's routes.
pub fn router(context: Arc<Context>, body_limit: usize) -> Router {
    Router::new()
        .route("/", post(receive))
        .route("/healthz", get(|| async { StatusCode::OK }))
        .layer(DefaultBodyLimit::max(body_limit))
        .with_state(context)
}

async fn receive(State(ctx): State<Arc<Context>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let delivery = Delivery {
        signature: headers
            .get("x-signature")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        body,
    };
    status(handle(&ctx, delivery).await)
}

/// The status for a result (logged here, once).
pub fn status(result: Result<Outcome, Error>) -> StatusCode {
    match result {
        Ok(Outcome::Done { .. }) => StatusCode::OK,
        Ok(Outcome::Skipped { reason }) => {
            tracing::info!(reason, "skipped");
            StatusCode::OK
        }
        Err(Error::Signature) => {
            tracing::warn!(code = "signature_invalid", "notification refused");
            StatusCode::UNAUTHORIZED
        }
        Err(e) => match e.disposition() {
            Disposition::Retry => {
                tracing::warn!(code = e.code(), "retry");
                StatusCode::SERVICE_UNAVAILABLE
            }
            Disposition::Drop => {
                tracing::error!(code = e.code(), "dropped");
                StatusCode::OK
            }
        },
    }
}
