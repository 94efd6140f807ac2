//! [`app`]: the axum `Router`; [`serve`]: listen on `$PORT` until SIGTERM.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::response::Response;
use axum::routing::{get, post};
use http::StatusCode;
use tokio::net::TcpListener;

use crate::{Function, RuntimeConfig, dispatch};

#[derive(Debug)]
struct AppState<F> {
    function: Arc<F>,
    body_limit: usize,
}

impl<F> Clone for AppState<F> {
    fn clone(&self) -> Self {
        Self {
            function: Arc::clone(&self.function),
            body_limit: self.body_limit,
        }
    }
}

/// The HTTP surface of a function:
/// - `POST /`: one CloudEvent, binary or structured mode (statuses: see the crate docs);
/// - `GET /healthz`: 200 while the process serves.
///
/// Only `config.body_limit` is used here. Test it with `tower::ServiceExt::oneshot`, no port.
pub fn app<F: Function>(function: Arc<F>, config: &RuntimeConfig) -> Router {
    let state = AppState {
        function,
        body_limit: config.body_limit,
    };
    Router::new()
        .route("/", post(receive::<F>))
        .route("/healthz", get(|| async { StatusCode::OK }))
        .with_state(state)
}

async fn receive<F: Function>(State(state): State<AppState<F>>, request: Request) -> Response {
    dispatch::receive(state.function, state.body_limit, request).await
}

/// Listen on `$STARVIT_LISTEN_ADDR:$PORT` (default `0.0.0.0:8080`) and serve [`app`] until SIGTERM or Ctrl-C, then drain in-flight
/// requests (Cloud Run allows 10 s after SIGTERM) and return.
///
/// # Errors
/// When the port cannot be bound or the server fails.
pub async fn serve<F: Function>(function: Arc<F>, config: &RuntimeConfig) -> io::Result<()> {
    let listener = TcpListener::bind(SocketAddr::from((config.listen, config.port))).await?;
    serve_with_shutdown(listener, app(function, config), shutdown_signal()).await
}

/// Serve `router` on an already bound listener until `shutdown` completes, then finish the
/// in-flight requests and return. Tests bind port 0 and pass a channel as `shutdown`.
///
/// # Errors
/// When the server fails.
pub async fn serve_with_shutdown(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let port = listener.local_addr()?.port();
    tracing::info!(port, "listening");
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await?;
    tracing::info!("shut down");
    Ok(())
}

/// Completes on SIGTERM (what Cloud Run sends) or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received");
}

/// Stack size of the runtime's worker threads: the official Google clients build deep futures,
/// and a debug build of a handler that awaits several of them overflows tokio's 2 MiB default.
pub const WORKER_STACK_BYTES: usize = 16 << 20;

/// Runs a service's async entry point on a multi-threaded tokio runtime with
/// [`WORKER_STACK_BYTES`] worker stacks. Use it from `main` instead of `#[tokio::main]`.
///
/// # Errors
/// The entry point's error, or a failure to build the runtime.
pub fn run_service<F>(entry: F) -> Result<(), Box<dyn std::error::Error>>
where
    F: std::future::Future<Output = Result<(), Box<dyn std::error::Error>>>,
{
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(WORKER_STACK_BYTES)
        .build()?
        .block_on(entry)
}
