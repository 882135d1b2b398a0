//! `/status`: [`crate::status::render_html`] over the state file and the
//! configuration the service runs, read at each request.

use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, TimeDelta, Utc};

use super::AppState;
use crate::publish::escape_markup;
use crate::status::render_html;
use crate::store::{FeedState, FetchHour, Location};

pub(super) async fn status(State(state): State<AppState>) -> Response {
    let config = state.config.borrow().clone();
    let location = std::sync::Arc::clone(&state.state);
    let now = Utc::now();
    // Reading the state blocks; keep it off the server's worker threads.
    let read = tokio::task::spawn_blocking(move || read_state(&location, now))
        .await
        .unwrap_or_else(|err| Err(format!("reading the state did not finish: {err}")));
    let (code, body) = match read {
        Ok((states, hours)) => (StatusCode::OK, render_html(&config, &states, &hours, now)),
        Err(reason) => {
            tracing::warn!(%reason, "cannot show /status");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
                     <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
                     <title>Feed status unavailable</title></head><body><h1>Feed status \
                     unavailable</h1><p>{}</p></body></html>\n",
                    escape_markup(&reason)
                ),
            )
        }
    };
    (
        code,
        [
            (
                CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            // Always the state as it is now.
            (CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body,
    )
        .into_response()
}

/// Every feed's state and the hours the chart needs; nothing before the
/// first cycle has created the state file (opening would create it).
fn read_state(
    location: &Location,
    now: DateTime<Utc>,
) -> Result<(Vec<FeedState>, Vec<FetchHour>), String> {
    if !location.exists() {
        return Ok((Vec::new(), Vec::new()));
    }
    let describe = |err: crate::store::StoreError| err.to_string();
    let store = location.open().map_err(describe)?;
    let states = store.feed_states().map_err(describe)?;
    let hours = store
        .fetch_hours(now - TimeDelta::hours(crate::status::CHART_HOURS))
        .map_err(describe)?;
    Ok((states, hours))
}
