//! `GET /status`: the health check the Italian interoperability guidelines ask for.

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, blocking};
use crate::state::AppState;

/// The service is up and its database answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusResponse {
    /// Always `ok` in a 200 answer.
    #[schema(example = "ok")]
    pub status: String,
    /// Version of the running server (semver).
    #[schema(example = "0.1.0")]
    pub version: String,
    /// Database engine in use: `sqlite` or `postgresql`.
    #[schema(example = "sqlite")]
    pub database: String,
}

/// Service status
///
/// Answers 200 when the service and its database respond, and 503 problem details with
/// `Retry-After` when the database does not. Needs no authentication; never cached.
#[utoipa::path(
    tag = "status",
    operation_id = "get_status",
    security(()),
    responses(
        (status = 200, description = "The service and its database are up.", body = StatusResponse,
            headers(("Cache-Control" = String, description = "Always `no-store`: the answer describes this instant."))),
        (status = 503, description = "The database does not answer; retry later.", body = crate::error::Problem,
            content_type = "application/problem+json",
            headers(("Retry-After" = u32, description = "Seconds to wait before asking again."))),
    )
)]
#[get("/status")]
pub async fn get_status(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let db = state.db.clone();
    let engine = db.engine().as_str().to_owned();
    let ping = blocking(move || db.ping().map_err(ApiError::from)).await;
    match ping {
        Ok(()) => Ok(HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(StatusResponse {
                status: "ok".into(),
                version: env!("CARGO_PKG_VERSION").into(),
                database: engine,
            })),
        Err(error) => {
            tracing::warn!(%error, "status check: database unavailable");
            Err(ApiError::ServiceUnavailable {
                detail: "the database does not answer".into(),
                retry_after: 5,
            })
        }
    }
}
