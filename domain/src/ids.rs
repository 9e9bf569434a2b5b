//! Typed identifiers: a case file's id cannot be passed where a person's is expected.
//!
//! Each is a UUID underneath (UUID v7 for the records this service creates). They carry no
//! rule beyond their kind; the API parses them from paths, persistence turns them back into
//! UUIDs at the SQL boundary.

use std::fmt;

use uuid::Uuid;

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(Uuid);

        impl $name {
            /// What this id names, in words (for messages such as "no case file with this id").
            pub const KIND: &'static str = $what;

            /// Wraps a UUID known to name this kind of record.
            pub const fn new(id: Uuid) -> Self {
                Self(id)
            }

            /// The UUID underneath.
            pub const fn uuid(self) -> Uuid {
                self.0
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

typed_id!(
    /// A case file (cartella sociale).
    CaseFileId,
    "case file"
);
typed_id!(
    /// A person in the office's register.
    PersonId,
    "person"
);
typed_id!(
    /// A household (nucleo familiare).
    HouseholdId,
    "household"
);
typed_id!(
    /// A social project (progetto personalizzato).
    ProjectId,
    "project"
);
typed_id!(
    /// An objective of a social project.
    ObjectiveId,
    "objective"
);
typed_id!(
    /// A participant of a social project.
    ParticipantId,
    "participant"
);
typed_id!(
    /// An action of a social project.
    ActionId,
    "action"
);
typed_id!(
    /// A review of a social project.
    ReviewId,
    "review"
);
typed_id!(
    /// An inclusion pact (patto per l'inclusione).
    PactId,
    "pact"
);
typed_id!(
    /// A step of an inclusion pact's path.
    StepId,
    "step"
);
typed_id!(
    /// A commitment of an inclusion pact.
    CommitmentId,
    "commitment"
);
typed_id!(
    /// A check of an inclusion pact.
    CheckId,
    "check"
);
typed_id!(
    /// An entry of a case file's social diary.
    DiaryEntryId,
    "diary entry"
);
typed_id!(
    /// A consent recorded in a case file.
    ConsentId,
    "consent"
);
typed_id!(
    /// A referral of a case file to or from an external service.
    ReferralId,
    "referral"
);
typed_id!(
    /// A version of the assessment of need of a case file.
    AssessmentId,
    "assessment"
);
typed_id!(
    /// A membership of a household (who joined it, when, with which relationship).
    HouseholdMemberId,
    "household membership"
);
typed_id!(
    /// A staff member's assignment to the team of a case file.
    TeamAssignmentId,
    "team assignment"
);

typed_id!(
    /// A break-glass access to a case file.
    BreakGlassGrantId,
    "break-glass access"
);
typed_id!(
    /// A housing facility.
    FacilityId,
    "facility"
);
typed_id!(
    /// An employer of the employment register.
    EmployerId,
    "employer"
);
typed_id!(
    /// A procurement contract with a social clause.
    ContractId,
    "contract"
);
typed_id!(
    /// A bed of a facility.
    BedId,
    "bed"
);
typed_id!(
    /// A placement in a bed.
    PlacementId,
    "placement"
);
typed_id!(
    /// A training or supervision event of the staff.
    TrainingEventId,
    "training event"
);
typed_id!(
    /// A staff member's account.
    StaffUserId,
    "staff member"
);
typed_id!(
    /// An employment placement (inserimento lavorativo).
    WorkPlacementId,
    "employment placement"
);
typed_id!(
    /// A tutor review of an employment placement.
    WorkReviewId,
    "employment review"
);
typed_id!(
    /// A published version of a criteria set.
    CriteriaSetId,
    "criteria set"
);
typed_id!(
    /// A care resource.
    ResourceId,
    "resource"
);
typed_id!(
    /// A benefit granted to a person.
    BenefitId,
    "benefit"
);
typed_id!(
    /// An export of the benefits granted to the national register (INPS SIUSS).
    SiussExportId,
    "export"
);
typed_id!(
    /// A bulk import of persons, households and case files.
    ImportId,
    "import"
);
typed_id!(
    /// A run of the retention procedure.
    RetentionRunId,
    "retention run"
);
typed_id!(
    /// A record of the audit trail.
    AuditRecordId,
    "audit record"
);
typed_id!(
    /// A published ranking of a care resource.
    PublishedRankingId,
    "published ranking"
);
typed_id!(
    /// An application for a care resource.
    ApplicationId,
    "application"
);

typed_id!(
    /// A partner organisation.
    PartnerOrganisationId,
    "partner organisation"
);
typed_id!(
    /// A partner's machine client.
    MachineClientId,
    "machine client"
);

typed_id!(
    /// A webhook subscription of a machine client.
    WebhookSubscriptionId,
    "webhook subscription"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_keep_their_uuid_and_name_their_kind() {
        let raw = Uuid::now_v7();
        let id = CaseFileId::new(raw);
        assert_eq!(id.uuid(), raw);
        assert_eq!(Uuid::from(id), raw);
        assert_eq!(id.to_string(), raw.to_string());
        assert_eq!(CaseFileId::KIND, "case file");
        assert_eq!(PactId::KIND, "pact");
    }
}
