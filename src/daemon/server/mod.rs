//! The optional HTTP server (`[server] listen`): the output folder, `/healthz`,
//! `/metrics` and `/status`. axum routes, tower-http serves files and
//! compresses; the service loop feeds [`Metrics`] and the [`RunningConfig`].
//!
//! - `files` adds content types, ETags and dotfile hiding to `ServeDir`.
//! - `health` answers `/healthz`, `metrics` owns the counters.
//! - `status_page` answers `/status`, the operator's page.

mod files;
mod health;
mod metrics;
mod status_page;

pub use metrics::Metrics;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;

use crate::store::Location;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::header::{CONTENT_TYPE, HeaderValue};
use axum::response::IntoResponse;
use axum::routing::get;
use tokio::net::TcpListener;
use tower_http::compression::CompressionLayer;
use tower_http::services::ServeDir;

use crate::config::Config;

/// The configuration the service runs, as it last loaded it: `/status`
/// lists its feeds. The service sends each reload that takes effect.
pub type RunningConfig = tokio::sync::watch::Receiver<Arc<Config>>;

/// What the handlers share.
#[derive(Clone)]
struct AppState {
    state: Arc<Location>,
    metrics: Metrics,
    max_publish_age: Duration,
    config: RunningConfig,
}

/// Binds `listen`, so the caller learns a bad or busy address at once,
/// before [`serve_bound`].
pub async fn bind(listen: SocketAddr) -> std::io::Result<TcpListener> {
    TcpListener::bind(listen)
        .await
        .map_err(|err| std::io::Error::new(err.kind(), format!("cannot listen on {listen}: {err}")))
}

/// Serves `output_dir`, `/healthz`, `/metrics` and `/status` on a listener
/// already bound (see [`bind`]) until `shutdown` completes. With no folder
/// (the output is a bucket, served by its own host) any other path is a 404.
pub async fn serve_bound(
    listener: TcpListener,
    output_dir: impl Into<Option<PathBuf>>,
    state: Location,
    metrics: Metrics,
    max_publish_age: Duration,
    config: RunningConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let output_dir = output_dir.into();
    if let Ok(address) = listener.local_addr() {
        let output = output_dir.as_ref().map(|dir| dir.display().to_string());
        tracing::info!(%address, output = output.as_deref().unwrap_or("none"), "serving over HTTP");
    }
    let state = AppState {
        state: Arc::new(state),
        metrics,
        max_publish_age,
        config,
    };
    axum::serve(listener, router(output_dir, state))
        .with_graceful_shutdown(shutdown)
        .await
}

fn router(output_dir: Option<PathBuf>, state: AppState) -> Router {
    let routes = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/metrics", get(render_metrics))
        .route("/status", get(status_page::status))
        .with_state(state);
    let routes = match output_dir {
        Some(output_dir) => routes.fallback_service(
            Router::new()
                .fallback_service(ServeDir::new(output_dir))
                .layer(axum::middleware::from_fn(files::file_headers)),
        ),
        None => routes,
    };
    routes.layer(CompressionLayer::new())
}

async fn render_metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(
            CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        state.metrics.render(chrono::Utc::now()),
    )
}
