//! `GET /me`: the caller's own account.

use actix_web::{HttpResponse, get, web};
use socialcare_domain::access::Action;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::routes::users::UserResponse;
use crate::state::AppState;

/// The caller's account
///
/// Returns the account of the access token's owner, with its current roles and areas.
#[utoipa::path(
    tag = "users",
    operation_id = "get_me",
    responses(
        (status = 200, description = "The caller's account.", body = UserResponse),
    )
)]
#[get("/me")]
pub async fn get_me(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    caller
        .authorize(
            &state,
            Action::ReadOwnAccount,
            "user",
            Some(caller.id().to_string()),
        )
        .await?;
    Ok(HttpResponse::Ok().json(UserResponse::from(caller.user)))
}
