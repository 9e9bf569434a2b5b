//! The code lists of the API: enums that mirror the domain's, with their OpenAPI documentation.

use socialcare_domain::case_file::{
    AssessmentDomain, CaseStatus, CaseTransition, ClosingReason, DiaryEntryKind, TargetGroup,
    TeamRole,
};

/// Declares an API enum (snake_case codes, documented) that converts to and from a domain enum
/// with the same variant names.
macro_rules! api_enum {
    ($(#[$meta:meta])* $name:ident => $domain:ident { $($(#[$vmeta:meta])* $variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl From<$name> for $domain {
            fn from(value: $name) -> Self {
                match value {
                    $($name::$variant => $domain::$variant),+
                }
            }
        }

        impl From<$domain> for $name {
            fn from(value: $domain) -> Self {
                match value {
                    $($domain::$variant => $name::$variant),+
                }
            }
        }
    };
}

api_enum!(
    /// Status of a case file: `intake` (first access, assessment running) → `active` (in carico)
    /// ⇄ `suspended` → `closed`; a closed file can be reopened (back to `active`).
    CaseStatusCode => CaseStatus {
        /// First access, assessment running.
        Intake,
        /// Taken in charge.
        Active,
        /// Temporarily suspended.
        Suspended,
        /// Closed, with a closing reason.
        Closed,
    }
);

api_enum!(
    /// A lifecycle transition of a case file.
    CaseTransitionCode => CaseTransition {
        /// intake → active.
        Activate,
        /// active → suspended.
        Suspend,
        /// suspended → active.
        Resume,
        /// intake, active or suspended → closed (needs a closing reason).
        Close,
        /// closed → active.
        Reopen,
    }
);

api_enum!(
    /// Why a case file was closed.
    ClosingReasonCode => ClosingReason {
        /// The project's goals were achieved.
        GoalsAchieved,
        /// The person moved to another municipality.
        MovedAway,
        /// Taken over by another service.
        TransferredToOtherService,
        /// The person died.
        Deceased,
        /// The person refused the services.
        RefusedServices,
        /// The person is no longer eligible.
        NoLongerEligible,
        /// Contact with the person was lost.
        LostContact,
        /// The file was a duplicate and was merged.
        MergedDuplicate,
        /// Another reason, explained in the transition's reason.
        Other,
    }
);

api_enum!(
    /// A target group of the office.
    TargetGroupCode => TargetGroup {
        /// Adult in need.
        AdultInNeed,
        /// Person with disability.
        PersonWithDisability,
        /// Homeless person.
        Homeless,
        /// Member of the Roma, Sinti or Caminanti communities.
        RomaSintiCaminanti,
        /// Applicant or holder of international protection.
        InternationalProtection,
        /// Prison area (detained, alternative measures, released).
        PrisonArea,
        /// Beneficiary of an income support measure.
        IncomeSupportBeneficiary,
    }
);

api_enum!(
    /// Role of a staff member in a case team.
    TeamRoleCode => TeamRole {
        /// The responsible social worker (one at a time).
        CaseManager,
        /// Another social worker.
        SocialWorker,
        /// Educator.
        Educator,
        /// Other staff.
        Other,
    }
);

api_enum!(
    /// A domain of need scored by an assessment (valutazione del bisogno).
    AssessmentDomainCode => AssessmentDomain {
        /// Abitare (housing).
        Housing,
        /// Reddito (income).
        Income,
        /// Lavoro (employment).
        Employment,
        /// Salute (health).
        Health,
        /// Autonomia personale (autonomy).
        Autonomy,
        /// Famiglia e relazioni (family and relations).
        FamilyAndRelations,
        /// Situazione legale e documenti (legal status and documents).
        LegalAndDocuments,
        /// Giustizia (justice, prison area).
        Justice,
    }
);

api_enum!(
    /// The kind of a diary entry (diario sociale).
    DiaryEntryKindCode => DiaryEntryKind {
        /// Colloquio (interview).
        Interview,
        /// Visita domiciliare (home visit).
        HomeVisit,
        /// Telefonata (phone call).
        PhoneCall,
        /// Incontro (meeting with the person, the family or other services).
        Meeting,
        /// Riunione d'équipe (team meeting).
        TeamMeeting,
        /// Nota (note).
        Note,
    }
);
