//! The stored records of a case file and of what it holds, with their bookkeeping.

use super::*;

/// A stored case file with its bookkeeping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFile {
    /// Identifier.
    pub id: Uuid,
    /// Human-readable reference, unique per year.
    pub reference: CaseReference,
    /// The person taken in charge.
    pub person_id: Uuid,
    /// The area that owns the file.
    pub area: crate::staff::Area,
    /// Current status.
    pub status: CaseStatus,
    /// Day the file was opened.
    pub opened_on: NaiveDate,
    /// Day the file was closed, while closed.
    pub closed_on: Option<NaiveDate>,
    /// Why it was closed, while closed.
    pub closing_reason: Option<ClosingReason>,
    /// Target groups, sorted.
    pub target_groups: Vec<TargetGroup>,
    /// Version (ETag).
    pub version: i64,
    /// Creation instant.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Creator.
    pub created_by: Uuid,
    /// Last change instant.
    pub updated_at: chrono::DateTime<chrono::Utc>,
    /// Author of the last change.
    pub updated_by: Uuid,
    /// When the taking in charge was confirmed (see [`needs_confirmation`]); `None` while the
    /// file waits for the area coordinator.
    pub confirmed_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Who confirmed it (the opener when no confirmation was needed).
    pub confirmed_by: Option<Uuid>,
}

/// A recorded lifecycle transition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransitionRecord {
    /// Identifier.
    pub id: Uuid,
    /// The transition.
    pub transition: CaseTransition,
    /// Status before.
    pub from: CaseStatus,
    /// Status after.
    pub to: CaseStatus,
    /// Day it took effect.
    pub occurred_on: NaiveDate,
    /// Why.
    pub reason: String,
    /// Closing reason, for `close`.
    pub closing_reason: Option<ClosingReason>,
    /// Who recorded it.
    pub author_id: Uuid,
    /// When it was recorded.
    pub recorded_at: chrono::DateTime<chrono::Utc>,
}

/// A stored team assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamMember {
    /// Identifier of the assignment.
    pub id: Uuid,
    /// The assignment.
    pub assignment: TeamAssignment,
    /// Who made it.
    pub assigned_by: Uuid,
    /// When it was recorded.
    pub recorded_at: chrono::DateTime<chrono::Utc>,
    /// Whether the case manager granted this member the special categories of the person and
    /// the restricted diary entries (always false for the case manager, who has them anyway).
    pub sensitive_access: bool,
}

/// A recorded assessment: one version of the valutazione del bisogno of a case file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    /// Identifier.
    pub id: Uuid,
    /// The case file.
    pub case_file_id: Uuid,
    /// 1, 2, 3… per case file.
    pub version_number: i32,
    /// Day of the assessment.
    pub assessed_on: NaiveDate,
    /// Who assessed.
    pub author_id: Uuid,
    /// Free-text notes.
    pub notes: Option<String>,
    /// One severity per domain.
    pub scores: AssessmentScores,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
}

/// A recorded diary entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiaryEntry {
    /// Identifier.
    pub id: Uuid,
    /// The case file.
    pub case_file_id: Uuid,
    /// Kind of event.
    pub kind: DiaryEntryKind,
    /// When the event occurred.
    pub occurred_at: DateTime<Utc>,
    /// The text.
    pub text: DiaryText,
    /// Readable only by the author, the case manager and the area coordinators.
    pub restricted: bool,
    /// The entry of the same file this one corrects.
    pub corrects_entry_id: Option<Uuid>,
    /// Who wrote it.
    pub author_id: Uuid,
    /// Version (ETag).
    pub version: i64,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// Last edit.
    pub updated_at: DateTime<Utc>,
}

/// A stored consent of a case file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    /// Identifier.
    pub id: Uuid,
    /// The case file it belongs to.
    pub case_file_id: Uuid,
    /// What it covers.
    pub terms: ConsentTerms,
    /// Day it was given.
    pub given_on: NaiveDate,
    /// Last valid day, if it expires.
    pub expires_on: Option<NaiveDate>,
    /// Day it was revoked, if it was.
    pub revoked_on: Option<NaiveDate>,
    /// Why it was revoked.
    pub revocation_reason: Option<String>,
    /// Version (ETag).
    pub version: i64,
    /// Who recorded it.
    pub recorded_by: Uuid,
    /// Creation instant.
    pub created_at: DateTime<Utc>,
    /// Last change instant.
    pub updated_at: DateTime<Utc>,
    /// Author of the last change.
    pub updated_by: Uuid,
}

impl Consent {
    /// The state of the consent on `today` (see [`consent_state`]).
    pub fn state_on(&self, today: NaiveDate) -> ConsentState {
        consent_state(self.given_on, self.expires_on, self.revoked_on, today)
    }
}

/// A stored referral to or from an external service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Referral {
    /// Identifier.
    pub id: Uuid,
    /// The case file it belongs to.
    pub case_file_id: Uuid,
    /// Sent by the office or received by it.
    pub direction: ReferralDirection,
    /// The kind of service on the other side.
    pub service: ExternalService,
    /// The organisation and reason.
    pub details: ReferralDetails,
    /// The registered partner organisation it is addressed to (or comes from), if any.
    pub organisation_id: Option<Uuid>,
    /// The partner's machine client that answered it, if a client did.
    pub answered_by_client: Option<Uuid>,
    /// Current status.
    pub status: ReferralStatus,
    /// Day it was sent (or received).
    pub sent_on: NaiveDate,
    /// The reply of the receiving service.
    pub reply_text: Option<String>,
    /// Day of the reply.
    pub replied_on: Option<NaiveDate>,
    /// Day it was closed.
    pub closed_on: Option<NaiveDate>,
    /// Version (ETag).
    pub version: i64,
    /// Who recorded it.
    pub created_by: Uuid,
    /// Creation instant.
    pub created_at: DateTime<Utc>,
    /// Last change instant.
    pub updated_at: DateTime<Utc>,
    /// Author of the last change.
    pub updated_by: Uuid,
}

/// A recorded status change of a referral.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralEvent {
    /// Identifier.
    pub id: Uuid,
    /// The referral.
    pub referral_id: Uuid,
    /// The transition.
    pub transition: ReferralTransition,
    /// Status before.
    pub from: ReferralStatus,
    /// Status after.
    pub to: ReferralStatus,
    /// Day it happened.
    pub occurred_on: NaiveDate,
    /// The reply text (accept, reject) or closing note.
    pub note: Option<String>,
    /// The staff member who recorded it (none when a partner's machine client did).
    pub author_id: Option<Uuid>,
    /// The partner's machine client that recorded it (none when a staff member did).
    pub client_id: Option<Uuid>,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
}
