//! The code lists of the API: enums that mirror the domain's, with their OpenAPI documentation.

use socialcare_domain::benefits::{BenefitForm, CodeForm, PaymentFrequency, SourceKind};
use socialcare_domain::case_file::{
    AssessmentDomain, CaseStatus, CaseTransition, ClosingReason, ConsentKind, ConsentState,
    DiaryEntryKind, ExternalService, ReferralDirection, ReferralStatus, ReferralTransition,
    TargetGroup, TeamRole,
};
use socialcare_domain::employment::{
    ClauseKind, ComplianceState, ComplianceUnit, EmployerKind, ReviewProgress, WorkKind,
    WorkOutcome, WorkStatus, WorkTransition,
};
use socialcare_domain::housing::{
    Attendance, ExitDestination, FacilityKind, PlacementStatus, PlacementTransition, Takes,
    Tracking,
};
use socialcare_domain::pact::{
    AnalysisOutcome, ClosureOutcome, CommitmentKind, CommitmentStatus, DueKind, Frequency, Measure,
    PactStatus, PactTransition, StepKind,
};
use socialcare_domain::partner::{KeyAlgorithm, OrganisationKind, Scope};
use socialcare_domain::project::{
    ActionStatus, ObjectiveStatus, ParticipantKind, ProjectKind, ProjectStatus, ProjectTransition,
};
use socialcare_domain::statistics::Indicator;
use socialcare_domain::training::TrainingKind;
use socialcare_domain::waiting_list::{
    AllocationDecision, AllocationState, ApplicationStatus, ApplicationTransition, CriterionKind,
    Exit, InputSource, ResourceKind,
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

api_enum!(
    /// What a consent covers.
    ConsentKindCode => ConsentKind {
        /// The person acknowledged the privacy notice (informativa) in a given version.
        PrivacyNotice,
        /// The person consents to sharing data with a named organisation for a purpose.
        DataSharing,
    }
);

api_enum!(
    /// Whether a consent holds today.
    ConsentStateCode => ConsentState {
        /// Given, not expired, not revoked.
        Active,
        /// Past its last valid day (`expires_on`).
        Expired,
        /// Revoked on or before today (wins over expiry).
        Revoked,
        /// Given with a later date.
        NotYetValid,
    }
);

api_enum!(
    /// Whether a referral leaves the office or arrives at it.
    ReferralDirectionCode => ReferralDirection {
        /// Sent by the office to another service (invio).
        Outgoing,
        /// Received by the office from another service (segnalazione).
        Incoming,
    }
);

api_enum!(
    /// Status of a referral: `sent` → `accepted` | `rejected` → `closed`.
    ReferralStatusCode => ReferralStatus {
        /// Waiting for the receiving service's reply.
        Sent,
        /// Accepted by the receiving service.
        Accepted,
        /// Rejected by the receiving service.
        Rejected,
        /// Closed; no further change.
        Closed,
    }
);

api_enum!(
    /// A status change of a referral.
    ReferralTransitionCode => ReferralTransition {
        /// sent → accepted (needs the reply text).
        Accept,
        /// sent → rejected (needs the reply text).
        Reject,
        /// accepted or rejected → closed.
        Close,
    }
);

api_enum!(
    /// The kind of external service a referral goes to or comes from.
    ExternalServiceCode => ExternalService {
        /// Centro per l'impiego.
        EmploymentCentre,
        /// Agenzia del Lavoro.
        LabourAgency,
        /// Centro di salute mentale (CSM).
        MentalHealthCentre,
        /// Servizio per le dipendenze (SerD).
        AddictionService,
        /// Ufficio di esecuzione penale esterna (UEPE).
        ProbationOffice,
        /// Distretto sanitario.
        HealthDistrict,
        /// Cooperativa sociale.
        Cooperative,
        /// Another service, named in `organisation`.
        Other,
    }
);

api_enum!(
    /// The kind of a social project (progetto sociale personalizzato).
    ProjectKindCode => ProjectKind {
        /// Adults in need, community projects.
        CommunitySupport,
        /// Progetto di vita with a person with disability and their family.
        LifeProject,
        /// Abitare sociale for persons with disability (e.g. "Dopo di noi", L. 112/2016).
        SocialHousing,
        /// Inclusion path (homeless people, Roma/Sinti/Caminanti, protection holders).
        InclusionPath,
        /// Housing path.
        HousingPath,
        /// Employment path.
        EmploymentPath,
        /// Reintegration after detention (prison area).
        PrisonReintegration,
    }
);

api_enum!(
    /// Status of a social project: `draft` → `active` → `completed` | `interrupted`.
    ProjectStatusCode => ProjectStatus {
        /// Being drawn up; not running yet.
        Draft,
        /// Running, with a next review date.
        Active,
        /// Ended with every objective in a final status (read-only).
        Completed,
        /// Ended early with a reason (read-only).
        Interrupted,
    }
);

api_enum!(
    /// A lifecycle transition of a social project.
    ProjectTransitionCode => ProjectTransition {
        /// draft → active (needs an objective and a next review date).
        Activate,
        /// active → completed (needs every objective in a final status).
        Complete,
        /// active → interrupted (needs a reason).
        Interrupt,
    }
);

api_enum!(
    /// Status of an objective of a project; the last four are final.
    ObjectiveStatusCode => ObjectiveStatus {
        /// Not started.
        Planned,
        /// Being worked on.
        InProgress,
        /// Achieved (final).
        Achieved,
        /// Partially achieved (final).
        PartiallyAchieved,
        /// Not achieved (final).
        NotAchieved,
        /// Given up (final).
        Dropped,
    }
);

api_enum!(
    /// Who a participant of a project is.
    ParticipantKindCode => ParticipantKind {
        /// The person of the case file.
        Person,
        /// A member of the person's household (another registered person).
        HouseholdMember,
        /// A staff member of the office.
        Staff,
        /// An external service, named by its organisation.
        ExternalService,
    }
);

api_enum!(
    /// Status of an action of a project.
    ActionStatusCode => ActionStatus {
        /// To be done.
        Planned,
        /// Done (with the day it was done).
        Done,
        /// Will not be done.
        Cancelled,
    }
);

api_enum!(
    /// The income support measure an inclusion pact goes with.
    MeasureCode => Measure {
        /// Assegno di inclusione (national, since 2024).
        Adi,
        /// Reddito di cittadinanza: legacy records, which can only be read and closed.
        Rdc,
        /// Assegno unico provinciale (local).
        Aup,
        /// Another local measure.
        LocalOther,
    }
);

api_enum!(
    /// Status of an inclusion pact: `draft` → `signed` → `active` ⇄ `suspended` → `closed`.
    PactStatusCode => PactStatus {
        /// Convocation, preliminary analysis and in-depth assessment under way.
        Draft,
        /// Signed; commitments can be agreed.
        Signed,
        /// Running; periodic checks are due.
        Active,
        /// Temporarily suspended.
        Suspended,
        /// Closed with an outcome (read-only).
        Closed,
    }
);

api_enum!(
    /// A lifecycle transition of an inclusion pact.
    PactTransitionCode => PactTransition {
        /// draft → signed (after a preliminary analysis that keeps the social or specialist path).
        Sign,
        /// signed → active.
        Activate,
        /// active → suspended (needs a reason).
        Suspend,
        /// suspended → active.
        Resume,
        /// any status but closed → closed (needs a reason and a closure outcome).
        Close,
    }
);

api_enum!(
    /// How an inclusion pact ended.
    ClosureOutcomeCode => ClosureOutcome {
        /// The path was completed.
        Completed,
        /// The benefit lapsed.
        Lapsed,
        /// The benefit was revoked.
        Revoked,
        /// Transferred to another service (e.g. the Centro per l'impiego).
        Transferred,
    }
);

api_enum!(
    /// A step of an inclusion pact up to the signature.
    PactStepKindCode => StepKind {
        /// The household is convened (starts the signature clock).
        Convocation,
        /// Analisi preliminare, with its outcome.
        PreliminaryAnalysis,
        /// Quadro di analisi approfondito.
        InDepthAssessment,
        /// The signature (recorded by the `sign` transition).
        Signature,
    }
);

api_enum!(
    /// The outcome of the preliminary analysis of a pact.
    AnalysisOutcomeCode => AnalysisOutcome {
        /// The social path with the social services.
        SocialPath,
        /// The employment path of the Centro per l'impiego: closes the pact and sends a referral.
        EmploymentPath,
        /// Specialist services together with the social services.
        SpecialistServices,
    }
);

api_enum!(
    /// The kind of a commitment of a household member.
    CommitmentKindCode => CommitmentKind {
        /// Meetings with the services.
        MeetingsWithServices,
        /// Active job search.
        ActiveJobSearch,
        /// Training.
        Training,
        /// School attendance of minors.
        SchoolAttendance,
        /// Health prevention.
        HealthPrevention,
        /// Specialist care.
        SpecialistCare,
        /// Community-utility project (PUC).
        CommunityUtilityProject,
    }
);

api_enum!(
    /// How often a commitment recurs.
    FrequencyCode => Frequency {
        /// Once.
        Once,
        /// Every week.
        Weekly,
        /// Every month.
        Monthly,
        /// Every three months.
        Quarterly,
    }
);

api_enum!(
    /// The status of a commitment.
    CommitmentStatusCode => CommitmentStatus {
        /// Not yet verified.
        Pending,
        /// Met.
        Met,
        /// Missed.
        Missed,
        /// Missed for a justified reason.
        Justified,
    }
);

api_enum!(
    /// What is due on a pact.
    DueKindCode => DueKind {
        /// The household must be convened.
        Convocation,
        /// The pact must be signed.
        Signature,
        /// A periodic check is due.
        Check,
        /// A commitment is due.
        Commitment,
    }
);

api_enum!(
    /// The kind of a housing facility.
    FacilityKindCode => FacilityKind {
        /// Dormitorio: beds booked night by night.
        NightShelter,
        /// Accoglienza adulti: reception with a placement.
        AdultReception,
        /// Protected flat.
        ProtectedFlat,
        /// Housing First flat.
        HousingFirstFlat,
        /// Co-housing.
        CoHousing,
        /// Residence for persons with disability.
        DisabilityResidence,
        /// Social housing unit.
        SocialHousingUnit,
    }
);

api_enum!(
    /// Whom a facility takes: `men`, `women`, `mixed` or `families` (a bed may be reserved to
    /// `men` or `women` only).
    TakesCode => Takes {
        /// Men only.
        Men,
        /// Women only.
        Women,
        /// Men and women.
        Mixed,
        /// Families.
        Families,
    }
);

api_enum!(
    /// Where a person went when a placement ended.
    ExitDestinationCode => ExitDestination {
        /// Own housing (rented, owned, social housing).
        OwnHousing,
        /// With family or friends.
        Family,
        /// Another facility.
        OtherFacility,
        /// Hospital.
        Hospital,
        /// Prison.
        Prison,
        /// Back to the street.
        Street,
        /// Not known.
        Unknown,
        /// The person died.
        Deceased,
    }
);

api_enum!(
    /// Status of a placement: `planned` → `active` → `ended`, or `planned` → `cancelled`.
    PlacementStatusCode => PlacementStatus {
        /// Booked; the person has not arrived.
        Planned,
        /// The person is there.
        Active,
        /// The person left.
        Ended,
        /// Never started.
        Cancelled,
    }
);

api_enum!(
    /// A change of a placement's status.
    PlacementTransitionCode => PlacementTransition {
        /// The person arrived (`planned` → `active`).
        Start,
        /// The person left (`active` → `ended`), with the exit destination.
        End,
        /// The placement will not happen (`planned` → `cancelled`), with a reason.
        Cancel,
    }
);

api_enum!(
    /// How a facility's beds are taken: `night_by_night` (night shelters: the night register)
    /// or `entry_exit` (a placement from a day to a day).
    TrackingCode => Tracking {
        /// Night by night.
        NightByNight,
        /// Entry and exit.
        EntryExit,
    }
);

api_enum!(
    /// Whether a person booked in a night shelter slept there.
    AttendanceCode => Attendance {
        /// Booked; not recorded yet.
        Expected,
        /// Slept there.
        Present,
        /// Did not come.
        Absent,
    }
);

api_enum!(
    /// What kind of organisation an employer is.
    EmployerKindCode => EmployerKind {
        /// A company.
        Company,
        /// A type-B social cooperative (work integration, L. 381/1991).
        SocialCooperativeB,
        /// A type-A social cooperative (social, health and educational services).
        SocialCooperativeA,
        /// A public body.
        PublicBody,
        /// An association.
        Association,
    }
);

api_enum!(
    /// What a procurement contract's social clause asks.
    ClauseKindCode => ClauseKind {
        /// The contractor hires disadvantaged workers for the contract.
        DisadvantagedHiring,
        /// A contract reserved to social cooperatives.
        ReservedContract,
        /// An agreement with a type-B social cooperative (L. 381/1991 art. 5).
        TypeBAgreement,
    }
);

api_enum!(
    /// What kind of employment placement.
    WorkKindCode => WorkKind {
        /// Tirocinio di inclusione: a traineeship for inclusion.
        InclusionTraineeship,
        /// Borsa lavoro: a work grant paid by the office.
        WorkGrant,
        /// Hiring under the social clause of a procurement contract (`contract_id` required).
        SocialClauseHiring,
        /// A measure of the provincial employment plan (`programme` required).
        ProvincialProgramme,
        /// Progetto utile alla collettività (PUC): community work.
        CommunityUtilityProject,
        /// Collocamento mirato (L. 68/1999): targeted placement of a person with disability.
        TargetedPlacement,
    }
);

api_enum!(
    /// The status of an employment placement.
    WorkStatusCode => WorkStatus {
        /// Proposed; not started.
        Proposed,
        /// The person works.
        Active,
        /// Ended as planned.
        Completed,
        /// Ended early, or never started.
        Interrupted,
    }
);

api_enum!(
    /// A change of an employment placement's status.
    WorkTransitionCode => WorkTransition {
        /// The person starts working.
        Start,
        /// Ends as planned, with the outcome.
        Complete,
        /// Ends early or does not start, with a reason.
        Interrupt,
    }
);

api_enum!(
    /// What an employment placement led to.
    WorkOutcomeCode => WorkOutcome {
        /// Hired on an open-ended contract.
        HiredOpenEnded,
        /// Hired on a fixed-term contract.
        HiredFixedTerm,
        /// Hired as an apprentice.
        Apprenticeship,
        /// No hiring.
        None,
    }
);

api_enum!(
    /// What a criterion of a criteria set reads.
    CriterionKindCode => CriterionKind {
        /// Urgency assessed by the social worker, `0` (none) to `3` (very high).
        Urgency,
        /// Support the family gives: `full`, `partial`, `none`.
        FamilySupport,
        /// Disability severity from the person's health and disability data: `none`,
        /// `recognised` (L. 104/1992), `severe` (art. 3 c. 3).
        DisabilitySeverity,
        /// The economic indicator (ISEE), in bands.
        Isee,
        /// Whether minors live in the household: `no`, `yes`.
        MinorsInHousehold,
        /// Whole months on the list since the submission.
        MonthsOnList,
    }
);

api_enum!(
    /// The status of an application: `waiting` (ranked) → `offered` → `admitted` |
    /// `declined`; `withdrawn`; `suspended` (off the ranking for a while); `expired` (not
    /// reconfirmed in time).
    ApplicationStatusCode => ApplicationStatus {
        /// On the list, ranked.
        Waiting,
        /// A place is offered and held until the answer.
        Offered,
        /// Admitted to the resource.
        Admitted,
        /// The offer was declined.
        Declined,
        /// Withdrawn by the person.
        Withdrawn,
        /// Off the ranking for a while.
        Suspended,
        /// Not reconfirmed in time.
        Expired,
    }
);

api_enum!(
    /// A change of an application's status.
    ApplicationTransitionCode => ApplicationTransition {
        /// The person withdraws it.
        Withdraw,
        /// Off the ranking for a while, with a reason.
        Suspend,
        /// Back on the ranking.
        Resume,
        /// The person confirms it: the reconfirmation period starts again.
        Reconfirm,
        /// Not reconfirmed in time (only after its reconfirmation day).
        Expire,
    }
);

api_enum!(
    /// Where an input of an application comes from.
    InputSourceCode => InputSource {
        /// Assessed by the social worker of the case.
        SocialWorkerAssessment,
        /// Declared by the applicant (autocertificazione).
        Declaration,
        /// The ISEE certificate (attestazione ISEE of the DSU).
        IseeCertificate,
        /// The person's health and disability data held by the office.
        HealthDisabilityData,
        /// The office's household records.
        HouseholdRecords,
    }
);

api_enum!(
    /// What kind of care resource.
    ResourceKindCode => ResourceKind {
        /// A residential service for persons with disability.
        DisabilityResidential,
        /// A day centre for persons with disability.
        DisabilityDayCentre,
        /// Home care (assistenza domiciliare).
        HomeCare,
        /// Meals at home or in a canteen.
        Meals,
        /// Places in shelters.
        ShelterPlaces,
        /// Social housing units.
        SocialHousing,
    }
);

api_enum!(
    /// How an employment placement goes, as its tutor judged it at a review.
    ReviewProgressCode => ReviewProgress {
        /// As planned.
        OnTrack,
        /// Difficulties the tutor and the employer are working on.
        NeedsSupport,
        /// The placement may be interrupted.
        AtRisk,
    }
);

api_enum!(
    /// How a contract's social clause stands.
    ComplianceStateCode => ComplianceState {
        /// The contract had not started on the day.
        NotStarted,
        /// The requirement is met.
        Compliant,
        /// The requirement is not met.
        NotCompliant,
        /// The contract had ended before the day.
        Ended,
        /// An hours share without the contract's monthly hours: cannot be judged.
        Unknown,
    }
);

api_enum!(
    /// What kind of training or supervision event.
    TrainingKindCode => TrainingKind {
        /// A course, a seminar, a conference.
        Training,
        /// Group supervision of practice.
        SupervisionGroup,
        /// Individual supervision.
        SupervisionIndividual,
    }
);

api_enum!(
    /// What a contract's social clause is measured in.
    ComplianceUnitCode => ComplianceUnit {
        /// Workers placed on a day; worker-days over a period (`required_workers`).
        Workers,
        /// Hours worked in a month; hours over the months of a period (`required_hours_share`).
        Hours,
    }
);

api_enum!(
    /// Where an allocation of a place of a resource stands.
    AllocationStateCode => AllocationState {
        /// A place is offered and held until the answer.
        Offered,
        /// The person is admitted and holds the place.
        Admitted,
        /// The person declined the offer.
        Declined,
        /// The answer day passed without an answer: the application is back on the list.
        Lapsed,
        /// The application was withdrawn while the offer was open.
        Withdrawn,
        /// The person left the service: the place is free again.
        Left,
    }
);

api_enum!(
    /// What is decided, or what happened, on an allocation of a place.
    AllocationDecisionCode => AllocationDecision {
        /// A place is offered to a waiting application.
        Offer,
        /// The person is admitted: accepting the offer, or directly from the list.
        Admit,
        /// The person declined the offer.
        Decline,
        /// The person left the service.
        Leave,
        /// The offer lapsed: no answer by its answer day.
        Lapse,
        /// The application was withdrawn while the offer was open.
        Withdraw,
    }
);

api_enum!(
    /// Why a person left a resource.
    ExitCode => Exit {
        /// The need the resource answered is met.
        NeedsMet,
        /// The person chose to leave.
        OwnChoice,
        /// The person moved out of the municipality.
        MovedAway,
        /// The person moved to another service.
        OtherService,
        /// The person died.
        Deceased,
        /// The service dismissed the person (rules broken).
        Dismissed,
        /// Another reason, said in `reason`.
        Other,
    }
);

api_enum!(
    /// How a nomenclator code is granted.
    CodeFormCode => CodeForm {
        /// Money only.
        Economic,
        /// A service only.
        InKind,
        /// Either.
        Either,
    }
);

api_enum!(
    /// How a benefit is granted.
    BenefitFormCode => BenefitForm {
        /// Money (a contribution, an allowance, a voucher).
        Economic,
        /// A service.
        InKind,
    }
);

api_enum!(
    /// How often an economic benefit is paid.
    PaymentFrequencyCode => PaymentFrequency {
        /// Once.
        OneOff,
        /// Every month.
        Monthly,
        /// Every two months.
        Bimonthly,
        /// Every three months.
        Quarterly,
        /// Every six months.
        HalfYearly,
        /// Every year.
        Yearly,
    }
);

api_enum!(
    /// What a benefit was granted with.
    BenefitSourceCode => SourceKind {
        /// An admission to a care resource (the id of its place: `place.id` of the application).
        Admission,
        /// A housing placement.
        HousingPlacement,
        /// An employment placement.
        EmploymentPlacement,
    }
);

api_enum!(
    /// What kind of organisation a partner is.
    OrganisationKindCode => OrganisationKind {
        /// Centro per l'impiego.
        EmploymentCentre,
        /// Agenzia del Lavoro.
        LabourAgency,
        /// Centro di salute mentale (CSM).
        MentalHealthCentre,
        /// Servizio per le dipendenze (SerD).
        AddictionService,
        /// Ufficio di esecuzione penale esterna (UEPE).
        ProbationOffice,
        /// Distretto sanitario.
        HealthDistrict,
        /// Cooperativa sociale.
        Cooperative,
        /// The Provincia (statistics, planning): receives no referrals.
        Province,
        /// Any other organisation.
        Other,
    }
);

api_enum!(
    /// What a partner's machine client may do: `referrals` (read and answer the referrals
    /// addressed to its organisation), `events` (the event feed and webhooks, ids only),
    /// `statistics` (the pseudonymised indicators).
    ScopeCode => Scope {
        /// Read and answer the referrals addressed to the client's organisation.
        Referrals,
        /// The event feed and webhooks.
        Events,
        /// The pseudonymised indicators.
        Statistics,
    }
);

api_enum!(
    /// An indicator for the Provincia (`GET /indicators/definitions` says what each counts).
    IndicatorCode => Indicator {
        /// Persons in charge, by target group.
        PersonsInCharge,
        /// Case files opened, by target group.
        CaseFilesOpened,
        /// Case files closed, by closing reason.
        CaseFilesClosed,
        /// Nights spent in the office's facilities, by kind of facility.
        BedNights,
        /// Inclusion pacts by status at the end of the period.
        PactsByStatus,
        /// Inclusion pacts late on a deadline of the period, by kind of deadline.
        PactsLate,
        /// Employment placements running in the period, by kind.
        EmploymentPlacements,
        /// Employment placements ended in the period, by outcome.
        EmploymentOutcomes,
        /// Applications for a resource submitted in the period, by kind of resource.
        Applications,
        /// Admissions to a resource in the period, by kind of resource.
        Admissions,
        /// Benefits granted in the period, by area of the nomenclator.
        BenefitsGranted,
        /// Admissions in the period, by the time waited since the application.
        WaitingTimes,
    }
);

/// The algorithm a client signs its assertions with (RFC 7518 names): RSA PKCS#1 v1.5 or PSS
/// with SHA-256 (keys of at least 2048 bits), ECDSA P-256, Ed25519. No HMAC: no shared secrets.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
pub enum KeyAlgorithmCode {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    #[serde(rename = "RS256")]
    Rs256,
    /// RSASSA-PSS with SHA-256.
    #[serde(rename = "PS256")]
    Ps256,
    /// ECDSA on P-256 with SHA-256.
    #[serde(rename = "ES256")]
    Es256,
    /// Ed25519.
    #[serde(rename = "EdDSA")]
    EdDsa,
}

impl From<KeyAlgorithmCode> for KeyAlgorithm {
    fn from(value: KeyAlgorithmCode) -> Self {
        match value {
            KeyAlgorithmCode::Rs256 => KeyAlgorithm::Rs256,
            KeyAlgorithmCode::Ps256 => KeyAlgorithm::Ps256,
            KeyAlgorithmCode::Es256 => KeyAlgorithm::Es256,
            KeyAlgorithmCode::EdDsa => KeyAlgorithm::EdDsa,
        }
    }
}

impl From<KeyAlgorithm> for KeyAlgorithmCode {
    fn from(value: KeyAlgorithm) -> Self {
        match value {
            KeyAlgorithm::Rs256 => KeyAlgorithmCode::Rs256,
            KeyAlgorithm::Ps256 => KeyAlgorithmCode::Ps256,
            KeyAlgorithm::Es256 => KeyAlgorithmCode::Es256,
            KeyAlgorithm::EdDsa => KeyAlgorithmCode::EdDsa,
        }
    }
}
