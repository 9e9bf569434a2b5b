//! Inclusion pacts (Patti per l'inclusione sociale) of a case file: drawing up, steps,
//! lifecycle `draft` → `signed` → `active` ⇄ `suspended` → `closed`, commitments per household
//! member, periodic checks, non-compliance events and the legal clocks, one file per
//! sub-resource. A pact is inside its case file: every handler goes through the gate
//! ([`crate::case_work`]) with the target [`pact_target`], so that it is visible to whoever may
//! read the file and written by the case team, decided in the request's one transaction.

mod checks;
mod commitments;
mod non_compliance;
mod pact;
mod steps;

pub use checks::*;
pub use commitments::*;
pub use non_compliance::*;
pub use pact::*;
pub use steps::*;

use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use socialcare_domain::ValidationErrors;
use socialcare_domain::access::Action;
use socialcare_domain::case_file::{CaseFile, ReferralDirection, check_takes_new_work};
use socialcare_domain::ids::{CaseFileId, CheckId, CommitmentId, PactId};
use socialcare_domain::pact::{
    AnalysisOutcome, CheckFacts, Commitment, CommitmentContent, CommitmentStatus, DueItem,
    NonCompliance, Pact, PactChangeError, PactCheck, PactStep, PactTransitionRecord,
    PactTransitionRequest, StepKind, check_check_content, check_commitment_person,
    check_commitments_allowed, check_new_pact, check_non_compliance, check_pact_household,
    check_pact_transition, check_periodic_check, check_step, deadlines, employment_transfer,
    rules_version,
};
use socialcare_domain::project::{NOTES_MAX_CHARS, optional_text};
use socialcare_persistence::audit::{self, Outcome};
use socialcare_persistence::pacts::{self, NewPact};
use socialcare_persistence::referrals::{self, NewReferral};
use socialcare_persistence::{AnyConnection, case_files};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::auth::Caller;
use crate::case_work::{self, Answer, NoQuery, Op, Target, with_etag};
use crate::conditional::IfMatchHeader;
use crate::error::{ApiError, Problem};
use crate::extract::{Body, Id};
use crate::idempotency::IdempotencyKeyHeader;
use crate::routes::codes::{
    AnalysisOutcomeCode, ClosureOutcomeCode, CommitmentKindCode, CommitmentStatusCode, DueKindCode,
    FrequencyCode, MeasureCode, PactStatusCode, PactStepKindCode, PactTransitionCode,
};
use crate::state::AppState;

/// A pact, located in its case file by the gate.
fn pact_target(id: PactId) -> Target {
    Target::within(PactId::KIND, id, pacts::case_file_of)
}

fn no_pact() -> ApiError {
    ApiError::NotFound("no pact with this id".into())
}

/// The case file, or 404.
fn file_of(conn: &mut AnyConnection, case_file_id: Uuid) -> Result<CaseFile, ApiError> {
    case_files::find(conn, case_file_id)?
        .ok_or_else(|| ApiError::NotFound("no case file with this id".into()))
}

/// The pact with its case file, or 404.
fn pact_of(conn: &mut AnyConnection, pact_id: Uuid) -> Result<(CaseFile, Pact), ApiError> {
    let pact = pacts::find(conn, pact_id)?.ok_or_else(no_pact)?;
    let file = file_of(conn, pact.case_file_id)?;
    Ok((file, pact))
}

/// Takes the optimistic lock of the pact for a change of the pact or one of its parts.
fn touch(
    conn: &mut AnyConnection,
    pact: &Pact,
    actor: Uuid,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    if pacts::bump_version(conn, pact.id, pact.version, actor, now)? {
        Ok(())
    } else {
        Err(ApiError::PreconditionFailed(
            "the pact changed meanwhile; read it again and retry".into(),
        ))
    }
}

fn change_error(error: PactChangeError) -> ApiError {
    match error {
        PactChangeError::Illegal(illegal) => ApiError::IllegalTransition {
            detail: illegal.to_string(),
            allowed: illegal
                .allowed
                .iter()
                .map(|t| t.as_str().to_owned())
                .collect(),
        },
        PactChangeError::State(detail) => ApiError::Conflict(detail),
        PactChangeError::Invalid(errors) => ApiError::from_domain(errors),
    }
}
