//! The confirmation of a taking in charge: a case file opened by a social worker for a person
//! another area has in charge waits for the coordinator of its area before its team reaches the
//! person's special categories (`socialcare_domain::case_file::needs_confirmation`,
//! docs/authorization.md).

use actix_web::{HttpRequest, HttpResponse, post, web};
use socialcare_domain::access::Action;
use socialcare_domain::ids::CaseFileId;
use socialcare_persistence::case_files;

use crate::auth::Caller;
use crate::case_work::{self, Answer, Op, Target};
use crate::conditional::IfMatchHeader;
use crate::error::{ApiError, Problem};
use crate::extract::Id;
use crate::idempotency::IdempotencyKeyHeader;
use crate::routes::case_files::{CaseFileResponse, render};
use crate::state::AppState;

/// Confirm the taking in charge
///
/// The coordinator of the file's area confirms that the area takes the person in charge: from
/// then on the file's case manager and the team members granted them reach the person's special
/// categories. Only files that wait for it (`confirmed_at` null) can be confirmed (409
/// otherwise). Requires `If-Match` with the file's ETag; send `Idempotency-Key` to make retries
/// safe.
#[utoipa::path(
    tag = "case-files",
    operation_id = "confirm_case_file",
    params(("case_file_id" = Uuid, Path, description = "Case file identifier."),
        IfMatchHeader,
        IdempotencyKeyHeader),
    responses(
        (status = 200, description = "Confirmed: the case file.", body = CaseFileResponse,
            headers(("ETag" = String, description = "The new version."))),
        (status = 400, description = "Malformed path parameter or header.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only the coordinator of the file's area confirms.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No case file with this id.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The file does not wait for a confirmation.", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match does not match the current version.", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/case-files/{case_file_id}/confirmation")]
pub async fn confirm_case_file(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: Id<CaseFileId>,
) -> Result<HttpResponse, ApiError> {
    let op = Op::new(Action::ConfirmCaseFile, "case_file.confirm", "case_file");
    case_work::act(
        &state,
        caller,
        &req,
        Target::CaseFile(id.0),
        op,
        move |work, if_match| {
            let (now, actor) = (work.now(), work.actor());
            let file = case_files::find(work.conn(), id.0.uuid())?
                .ok_or_else(|| ApiError::NotFound("no case file with this id".into()))?;
            if file.confirmed_at.is_some() {
                return Err(ApiError::Conflict(
                    "the taking in charge of this case file is already confirmed".into(),
                ));
            }
            if_match.check(file.version)?;
            if !case_files::confirm(work.conn(), file.id, file.version, actor, now)? {
                return Err(ApiError::PreconditionFailed(
                    "the case file changed meanwhile; read it again and retry".into(),
                ));
            }
            let today = work.today();
            let (_, response) = render(work.conn(), file.id, today)?
                .ok_or_else(|| ApiError::NotFound("no case file with this id".into()))?;
            Ok(Answer::ok(&response, Some(response.version)))
        },
    )
    .await
}
