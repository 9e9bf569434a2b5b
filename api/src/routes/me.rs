//! `GET /me`: the caller's own account.

use actix_web::{HttpResponse, get, web};
use socialcare_domain::access::Action;

use crate::auth::Caller;
use crate::case_work;
use crate::error::{ApiError, blocking, transact};
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
pub async fn get_me(
    state: web::Data<AppState>,
    mut caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let db = state.db.clone();
    // Decided, and the account read again, in one transaction: the answer is the account as
    // the decision saw it.
    let user = blocking(move || {
        transact(&db, |c| {
            case_work::decide_roles(c, &mut caller, Action::ReadOwnAccount)?;
            Ok(caller.user)
        })
    })
    .await?;
    Ok(HttpResponse::Ok().json(UserResponse::from(user)))
}
