//! The records the office keeps about a person, kind by kind: why it keeps them (purpose and
//! legal basis), how long (the retention rule that applies), and what the retention procedure
//! does to each of their fields. The data subject's copy (GDPR art. 15) is organised by these
//! kinds; the retention procedure (GDPR art. 5(1)(e)) applies them.
//!
//! Nothing about a person is deleted through the API; the retention procedure is the only
//! erasure, and it keeps what the statistics of past periods count (dates, codes, statuses,
//! areas, target groups) so that an indicator of a past period gives the same figures after it.

use chrono::{Datelike, NaiveDate};

/// What replaces a free-text field that cannot be empty when retention erases it.
pub const ERASED: &str = "[cancellato]";

/// The given names every anonymised person gets.
pub const PSEUDONYM_GIVEN_NAMES: &str = "Anonimo";

/// Which retention rule governs a kind of record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// The person's identity (registry data, household, merges, the lines that imported them):
    /// pseudonymised when no case file of theirs is open and the last one closed (or, without
    /// any, their record last changed) more than `identity_years` ago.
    Identity,
    /// Special categories of data (GDPR art. 9 and 10): erased when no case file is open and the
    /// last one closed (or the record last changed) more than `special_category_years` ago.
    SpecialCategories,
    /// The content of a case file (its records' free text): erased `case_content_years` after
    /// the file closed.
    CaseContent,
}

impl Rule {
    /// Every rule, in the order the documentation lists them.
    pub const ALL: [Rule; 3] = [Rule::CaseContent, Rule::SpecialCategories, Rule::Identity];

    /// Stored and published code.
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Identity => "identity",
            Rule::SpecialCategories => "special_categories",
            Rule::CaseContent => "case_content",
        }
    }

    /// Parses a code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == code)
    }

    /// What the rule does, in one sentence.
    pub fn effect(self) -> &'static str {
        match self {
            Rule::Identity => {
                "names replaced by a pseudonym; tax code, birth place, street address, phone, \
                 e-mail and free text erased; birth date kept as its year; sex, citizenship, \
                 municipality of residence and every date, code and status kept for statistics"
            }
            Rule::SpecialCategories => {
                "the records of health and disability, ethnic community, legal status and \
                 justice deleted"
            }
            Rule::CaseContent => {
                "the free text of the case file's records (diary, assessment notes, reasons, \
                 replies, descriptions) erased; dates, codes, statuses, scores and amounts kept"
            }
        }
    }

    /// The legal basis of the period, as the documentation explains it.
    pub fn legal_basis(self) -> &'static str {
        match self {
            Rule::Identity => {
                "GDPR art. 5(1)(e) and 89; the office's retention plan (piano di conservazione, \
                 DPR 445/2000 art. 68) and the authorisation to discard (D.Lgs. 42/2004 art. 21)"
            }
            Rule::SpecialCategories => {
                "GDPR art. 5(1)(c) and (e), art. 9(2)(g); D.Lgs. 196/2003 art. 2-sexies and 2-octies"
            }
            Rule::CaseContent => {
                "GDPR art. 5(1)(e); the office's retention plan for personal case files \
                 (fascicoli personali) and the authorisation to discard (D.Lgs. 42/2004 art. 21)"
            }
        }
    }
}

/// One kind of record the office keeps about persons: a table of the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordKind {
    /// The table that holds the records.
    pub table: &'static str,
    /// What the records are, for the data subject.
    pub title: &'static str,
    /// Why the office keeps them.
    pub purpose: &'static str,
    /// The legal basis of the processing.
    pub legal_basis: &'static str,
    /// The retention rule that erases their content.
    pub rule: Rule,
    /// The free-text fields the rule erases (nullable ones become null, the others [`ERASED`]).
    pub erase: &'static [&'static str],
    /// Whether the rule deletes the records (special categories) rather than erasing fields.
    pub delete: bool,
}

const SOCIAL: &str = "GDPR art. 6(1)(e) and 9(2)(g); D.Lgs. 196/2003 art. 2-sexies(2)(s); \
                      L. 328/2000 (integrated system of social services)";
const INCOME: &str = "GDPR art. 6(1)(c) and (e); D.L. 48/2023 (Assegno di inclusione), \
                      D.Lgs. 147/2017 (inclusion pact)";
const HOUSING: &str = "GDPR art. 6(1)(e) and 9(2)(g); L. 328/2000 art. 28 (extreme poverty, \
                       homeless persons)";
const EMPLOYMENT: &str = "GDPR art. 6(1)(e); L. 381/1991 (social cooperatives), D.Lgs. 36/2023 \
                          art. 57 and 61 (social clauses, reserved contracts)";
const REGISTER: &str = "GDPR art. 6(1)(c); D.Lgs. 147/2017 art. 24 (SIUSS, national register of \
                        social benefits)";
const WAITING: &str = "GDPR art. 6(1)(e); L. 241/1990 (administrative procedure); L. 328/2000";

/// Every kind of record about persons, in the order of the data subject's copy.
pub const KINDS: &[RecordKind] = &[
    kind(
        "persons",
        "Registry data",
        "identify the person the office takes into its care",
        SOCIAL,
        Rule::Identity,
        &[
            "birth_place",
            "tax_code",
            "address_street",
            "address_postal_code",
            "phone",
            "email",
            "annulment_reason",
        ],
    ),
    kind(
        "person_merges",
        "Duplicate records merged into this one",
        "keep one record per person",
        SOCIAL,
        Rule::Identity,
        &["reason"],
    ),
    kind(
        "households",
        "Households",
        "know the household the person lives in",
        SOCIAL,
        Rule::Identity,
        &[],
    ),
    kind(
        "household_members",
        "Household memberships",
        "know the household the person lives in",
        SOCIAL,
        Rule::Identity,
        &[],
    ),
    kind(
        "import_rows",
        "Where the record came from (bulk import)",
        "know the source of the data (GDPR art. 15(1)(g))",
        SOCIAL,
        Rule::Identity,
        &[],
    ),
    kind(
        "person_health_disability",
        "Health and disability (special category)",
        "plan support for a person with disability",
        "GDPR art. 9(2)(g) and (h); L. 104/1992; L. 112/2016; D.Lgs. 196/2003 art. 2-sexies",
        Rule::SpecialCategories,
        &[],
    ),
    kind(
        "person_ethnicity",
        "Ethnic community (special category)",
        "inclusion paths with Roma, Sinti and Caminanti communities",
        "GDPR art. 9(2)(g); D.Lgs. 196/2003 art. 2-sexies; national strategy for Roma, Sinti and Caminanti equality",
        Rule::SpecialCategories,
        &[],
    ),
    kind(
        "person_legal_status",
        "Legal status and residence permit (special category)",
        "support of asylum seekers and holders of international protection",
        "GDPR art. 9(2)(g); D.Lgs. 142/2015; D.Lgs. 286/1998",
        Rule::SpecialCategories,
        &[],
    ),
    kind(
        "person_justice",
        "Justice measures (criminal convictions data)",
        "reintegration of persons in the prison area with the UEPE",
        "GDPR art. 10; D.Lgs. 196/2003 art. 2-octies; L. 354/1975",
        Rule::SpecialCategories,
        &[],
    ),
    kind(
        "case_files",
        "Case files",
        "take the person into the office's care",
        SOCIAL,
        Rule::CaseContent,
        &[],
    ),
    kind(
        "case_file_transitions",
        "Case file history",
        "record who took the file's decisions and why",
        SOCIAL,
        Rule::CaseContent,
        &["reason"],
    ),
    kind(
        "case_file_team",
        "Case team",
        "need-to-know: who works on the file",
        SOCIAL,
        Rule::CaseContent,
        &[],
    ),
    kind(
        "case_file_target_groups",
        "Target groups",
        "services and statistics per target group",
        SOCIAL,
        Rule::CaseContent,
        &[],
    ),
    kind(
        "break_glass_grants",
        "Emergency accesses to the case file",
        "accountability of access outside the team",
        SOCIAL,
        Rule::CaseContent,
        &["reason", "acknowledgement_note"],
    ),
    kind(
        "assessments",
        "Assessments of need",
        "assess the person's needs",
        SOCIAL,
        Rule::CaseContent,
        &["notes"],
    ),
    kind(
        "assessment_scores",
        "Assessment scores",
        "assess the person's needs",
        SOCIAL,
        Rule::CaseContent,
        &[],
    ),
    kind(
        "diary_entries",
        "Social diary",
        "record the work done with the person",
        SOCIAL,
        Rule::CaseContent,
        &["text"],
    ),
    kind(
        "consents",
        "Consents and privacy notices",
        "record what the person agreed to",
        SOCIAL,
        Rule::CaseContent,
        &["purpose", "revocation_reason"],
    ),
    kind(
        "referrals",
        "Referrals to and from other services",
        "work with other services (recipients, GDPR art. 15(1)(c))",
        SOCIAL,
        Rule::CaseContent,
        &["reason", "reply_text"],
    ),
    kind(
        "referral_events",
        "Referral history",
        "work with other services",
        SOCIAL,
        Rule::CaseContent,
        &["note"],
    ),
    kind(
        "projects",
        "Social projects",
        "the personalised project with the person",
        SOCIAL,
        Rule::CaseContent,
        &["title", "interruption_reason"],
    ),
    kind(
        "project_transitions",
        "Project history",
        "the personalised project with the person",
        SOCIAL,
        Rule::CaseContent,
        &["reason"],
    ),
    kind(
        "project_objectives",
        "Project objectives",
        "the personalised project with the person",
        SOCIAL,
        Rule::CaseContent,
        &["description", "indicator"],
    ),
    kind(
        "project_participants",
        "Project participants",
        "the personalised project with the person",
        SOCIAL,
        Rule::CaseContent,
        &["role"],
    ),
    kind(
        "project_actions",
        "Project actions",
        "the personalised project with the person",
        SOCIAL,
        Rule::CaseContent,
        &["description"],
    ),
    kind(
        "project_reviews",
        "Project reviews",
        "the personalised project with the person",
        SOCIAL,
        Rule::CaseContent,
        &["notes"],
    ),
    kind(
        "project_review_outcomes",
        "Project review outcomes",
        "the personalised project with the person",
        SOCIAL,
        Rule::CaseContent,
        &["note"],
    ),
    kind(
        "pacts",
        "Inclusion pacts",
        "the pact that goes with an income support measure",
        INCOME,
        Rule::CaseContent,
        &["application_reference"],
    ),
    kind(
        "pact_steps",
        "Pact steps",
        "the pact that goes with an income support measure",
        INCOME,
        Rule::CaseContent,
        &["notes"],
    ),
    kind(
        "pact_transitions",
        "Pact history",
        "the pact that goes with an income support measure",
        INCOME,
        Rule::CaseContent,
        &["reason"],
    ),
    kind(
        "pact_commitments",
        "Pact commitments",
        "the pact that goes with an income support measure",
        INCOME,
        Rule::CaseContent,
        &["justification"],
    ),
    kind(
        "pact_checks",
        "Pact checks",
        "the pact that goes with an income support measure",
        INCOME,
        Rule::CaseContent,
        &["notes"],
    ),
    kind(
        "pact_check_attendees",
        "Pact check attendance",
        "the pact that goes with an income support measure",
        INCOME,
        Rule::CaseContent,
        &[],
    ),
    kind(
        "pact_check_outcomes",
        "Pact check outcomes",
        "the pact that goes with an income support measure",
        INCOME,
        Rule::CaseContent,
        &["note"],
    ),
    kind(
        "pact_non_compliance",
        "Pact non-compliance events",
        "report non-compliance as the measure requires",
        INCOME,
        Rule::CaseContent,
        &["description"],
    ),
    kind(
        "pact_deadlines",
        "Pact deadlines",
        "keep the pact's legal deadlines",
        INCOME,
        Rule::CaseContent,
        &[],
    ),
    kind(
        "placements",
        "Shelter and housing placements",
        "place the person in a shelter or flat",
        HOUSING,
        Rule::CaseContent,
        &["exit_notes", "cancel_reason", "override_reason"],
    ),
    kind(
        "placement_transitions",
        "Placement history",
        "place the person in a shelter or flat",
        HOUSING,
        Rule::CaseContent,
        &[],
    ),
    kind(
        "placement_moves",
        "Bed moves",
        "place the person in a shelter or flat",
        HOUSING,
        Rule::CaseContent,
        &["reason", "override_reason"],
    ),
    kind(
        "bed_nights",
        "Night register",
        "the night register of the shelters",
        HOUSING,
        Rule::CaseContent,
        &[],
    ),
    kind(
        "employment_placements",
        "Employment placements and internships",
        "job placement under social clauses",
        EMPLOYMENT,
        Rule::CaseContent,
        &["company_tutor", "notes", "interruption_reason"],
    ),
    kind(
        "employment_reviews",
        "Employment placement reviews",
        "job placement under social clauses",
        EMPLOYMENT,
        Rule::CaseContent,
        &["summary"],
    ),
    kind(
        "employment_hours",
        "Hours worked",
        "compliance with social clauses",
        EMPLOYMENT,
        Rule::CaseContent,
        &[],
    ),
    kind(
        "applications",
        "Applications for care resources",
        "the waiting lists of scarce care resources",
        WAITING,
        Rule::CaseContent,
        &[],
    ),
    kind(
        "application_inputs",
        "Application ranking inputs",
        "rank the applications",
        WAITING,
        Rule::CaseContent,
        &["reference"],
    ),
    kind(
        "application_transitions",
        "Application history",
        "the waiting lists of scarce care resources",
        WAITING,
        Rule::CaseContent,
        &["reason"],
    ),
    kind(
        "place_allocations",
        "Place offers and admissions",
        "admit the person to a care resource",
        WAITING,
        Rule::CaseContent,
        &["out_of_order_reason"],
    ),
    kind(
        "allocation_decisions",
        "Admission decisions",
        "admit the person to a care resource",
        WAITING,
        Rule::CaseContent,
        &["reason"],
    ),
    kind(
        "published_ranking_entries",
        "Published rankings",
        "publish the waiting list's ranking (by protocol number, no name)",
        WAITING,
        Rule::CaseContent,
        &[],
    ),
    kind(
        "benefits",
        "Benefits granted",
        "grant and account for social benefits",
        REGISTER,
        Rule::CaseContent,
        &["dsu_protocol", "notes"],
    ),
    kind(
        "siuss_export_persons",
        "Reports to the national register of social benefits",
        "report the benefits granted to INPS (recipient, GDPR art. 15(1)(c))",
        REGISTER,
        Rule::Identity,
        &[],
    ),
];

#[allow(clippy::too_many_arguments)]
const fn kind(
    table: &'static str,
    title: &'static str,
    purpose: &'static str,
    legal_basis: &'static str,
    rule: Rule,
    erase: &'static [&'static str],
) -> RecordKind {
    RecordKind {
        table,
        title,
        purpose,
        legal_basis,
        delete: matches!(rule, Rule::SpecialCategories),
        rule,
        erase,
    }
}

/// The kind kept in `table`, if the table holds records about persons.
pub fn kind_of(table: &str) -> Option<&'static RecordKind> {
    KINDS.iter().find(|k| k.table == table)
}

/// The tables of the schema that hold no record about a person, each with the reason: what the
/// data subject's copy leaves out and retention leaves alone.
pub const NOT_ABOUT_PERSONS: &[(&str, &str)] = &[
    ("users", "staff accounts"),
    ("user_roles", "staff accounts"),
    ("user_areas", "staff accounts"),
    ("refresh_tokens", "staff sessions"),
    (
        "audit_records",
        "the audit trail: in the copy as the accesses to the person's data; kept whole so that its chain verifies",
    ),
    (
        "audit_record_persons",
        "the audit trail's links to persons: the accesses in the copy",
    ),
    (
        "audit_staged",
        "audit records waiting to be chained (within the merge delay); reports chain them first",
    ),
    ("audit_chain_head", "the head of the audit chain"),
    (
        "audit_tree_hashes",
        "hashes of the audit log's Merkle tree, computed from the records",
    ),
    (
        "audit_tree_head",
        "the audit log tree's size, root and signed checkpoint",
    ),
    (
        "audit_cosignatures",
        "witnesses' signatures of the audit log's checkpoints (sizes and root hashes)",
    ),
    (
        "person_name_tokens",
        "the search index of the names in `persons`, rebuilt from them",
    ),
    (
        "agenda_entries",
        "the agenda's index of the due days of projects, pacts, expected releases, placements and applications, kept from them by the database (erased with them)",
    ),
    (
        "idempotency_keys",
        "stored answers to repeated requests, forgotten after 24 hours",
    ),
    (
        "case_reference_counters",
        "numbering of case file references",
    ),
    ("facilities", "the office's shelters and flats"),
    ("facility_target_groups", "the office's shelters and flats"),
    ("beds", "the office's beds"),
    ("bed_places", "the office's beds"),
    ("bed_out_of_service", "the office's beds"),
    ("employers", "employers and cooperatives"),
    (
        "procurement_contracts",
        "public contracts with social clauses",
    ),
    (
        "contract_amendments",
        "public contracts with social clauses",
    ),
    ("training_events", "staff training"),
    ("training_attendance", "staff training"),
    ("criteria_sets", "ranking criteria of the waiting lists"),
    ("criteria", "ranking criteria of the waiting lists"),
    ("resources", "the care resources"),
    ("resource_capacity", "the care resources"),
    (
        "application_protocol_counters",
        "numbering of application protocols",
    ),
    ("resource_occupancy", "counters of the places held"),
    (
        "published_rankings",
        "the publication of a ranking (its entries are in the copy)",
    ),
    ("partner_organisations", "partner organisations"),
    ("machine_clients", "partners' systems"),
    ("machine_client_keys", "partners' systems"),
    ("client_assertions", "partners' systems"),
    (
        "events",
        "the feed of changes for partners: ids and versions, never names or content",
    ),
    ("event_head", "the feed of changes for partners"),
    ("event_pending", "the feed of changes for partners"),
    ("webhook_subscriptions", "partners' webhooks"),
    ("webhook_attempts", "partners' webhooks"),
    (
        "siuss_exports",
        "the files sent to the national register: which ones named the person is in the copy; their content is erased by the identity rule's period after they were made",
    ),
    (
        "imports",
        "bulk imports: the lines that named the person are in the copy",
    ),
    ("retention_runs", "the runs of the retention procedure"),
];

/// How many years each retention rule keeps records, as the office configures it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionPolicy {
    /// Years after a case file closed before its content is erased.
    pub case_content_years: u16,
    /// Years after the person's last case file closed before special categories are erased.
    pub special_category_years: u16,
    /// Years after the person's last case file closed before their identity is pseudonymised.
    pub identity_years: u16,
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        Self {
            case_content_years: 10,
            special_category_years: 5,
            identity_years: 10,
        }
    }
}

/// The largest period any rule may have.
pub const MAX_YEARS: u16 = 100;

impl RetentionPolicy {
    /// A policy, refused when a period is 0 or over [`MAX_YEARS`], or when identity would be
    /// pseudonymised before the content and special categories that would give it away are
    /// erased.
    pub fn new(
        case_content_years: u16,
        special_category_years: u16,
        identity_years: u16,
    ) -> Result<Self, String> {
        for (name, years) in [
            ("case content", case_content_years),
            ("special categories", special_category_years),
            ("identity", identity_years),
        ] {
            if years == 0 || years > MAX_YEARS {
                return Err(format!(
                    "the retention period of {name} must be 1-{MAX_YEARS} years, not {years}"
                ));
            }
        }
        if identity_years < case_content_years || identity_years < special_category_years {
            return Err(format!(
                "identity ({identity_years} years) must be kept at least as long as case content \
                 ({case_content_years}) and special categories ({special_category_years}): \
                 a pseudonym next to the free text would not hide anyone"
            ));
        }
        Ok(Self {
            case_content_years,
            special_category_years,
            identity_years,
        })
    }

    /// The years of `rule`.
    pub fn years(&self, rule: Rule) -> u16 {
        match rule {
            Rule::Identity => self.identity_years,
            Rule::SpecialCategories => self.special_category_years,
            Rule::CaseContent => self.case_content_years,
        }
    }

    /// The last day a record anchored on it is still kept on `today` under `rule`: a record
    /// whose anchor day is before this day is due.
    pub fn cutoff(&self, rule: Rule, today: NaiveDate) -> NaiveDate {
        years_before(today, self.years(rule))
    }
}

/// `today` minus `years` calendar years (29 February gives 28 February in a common year).
pub fn years_before(today: NaiveDate, years: u16) -> NaiveDate {
    let year = today.year() - i32::from(years);
    NaiveDate::from_ymd_opt(year, today.month(), today.day())
        .or_else(|| NaiveDate::from_ymd_opt(year, today.month(), today.day() - 1))
        .unwrap_or(NaiveDate::MIN)
}

/// What retention needs to know about a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PersonFacts {
    /// Case files of the person not closed.
    pub open_case_files: i64,
    /// When the last of their closed case files closed.
    pub last_closed_on: Option<NaiveDate>,
    /// The day their registry record last changed (counts only for a person without case
    /// files).
    pub last_changed_on: NaiveDate,
    /// The last day of a benefit granted to them (`None` with none); an open-ended benefit
    /// counts as still running.
    pub last_benefit_on: Option<NaiveDate>,
    /// Whether a benefit of theirs has no end.
    pub benefit_open_ended: bool,
}

impl PersonFacts {
    /// The day from which the person-wide rules count: for a person with case files, the latest
    /// of their last file's closing and their last benefit's end; for a person without any
    /// (a household member, say), the latest of their record's last change and their last
    /// benefit's end. `None` while a file is open or a benefit has no end. A record imported or
    /// corrected today does not restart the period of a file closed long ago.
    pub fn anchor(&self) -> Option<NaiveDate> {
        if self.open_case_files > 0 || self.benefit_open_ended {
            return None;
        }
        let own = match self.last_closed_on {
            Some(closed) => closed,
            None => self.last_changed_on,
        };
        Some(self.last_benefit_on.map_or(own, |benefit| benefit.max(own)))
    }

    /// Whether `rule` (a person-wide one) is due for the person on `today`.
    pub fn due(&self, policy: &RetentionPolicy, rule: Rule, today: NaiveDate) -> bool {
        self.anchor()
            .is_some_and(|anchor| anchor < policy.cutoff(rule, today))
    }
}

/// Whether a case file closed on `closed_on` has its content due for erasure on `today`.
pub fn case_content_due(
    policy: &RetentionPolicy,
    closed_on: Option<NaiveDate>,
    today: NaiveDate,
) -> bool {
    closed_on.is_some_and(|closed| closed < policy.cutoff(Rule::CaseContent, today))
}

/// The family names of an anonymised person: a pseudonym made of letters from their record's
/// id, so that two anonymised persons stay apart (within the same millisecond of registration
/// too: the letters come from the id's random part) and the pseudonym says nothing of who they
/// were. Letters only, as every name.
pub fn pseudonym(person_id: uuid::Uuid) -> String {
    let mut n = person_id.as_u128();
    let mut letters = String::with_capacity(10);
    for _ in 0..10 {
        let letter = b'A' + u8::try_from(n % 26).unwrap_or(0);
        letters.push(char::from(letter));
        n /= 26;
    }
    format!("Persona {letters}")
}

/// The birth date retention keeps: 1 January of its year.
pub fn coarse_birth_date(birth_date: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(birth_date.year(), 1, 1).unwrap_or(birth_date)
}

#[cfg(test)]
mod tests;
