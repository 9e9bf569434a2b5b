//! The export of the benefits granted to the national register of social benefits (INPS
//! SIUSS, the database of social and ISEE-dependent benefits, PS-PSA): which benefits of a
//! period go, the record each becomes, the checks a record must pass before it is sent, and
//! the file (CSV, `;`, UTF-8) whose bytes depend only on the records, so that an export can be
//! repeated identically. `docs/siuss.md` says which fields follow the register's published
//! description and which cannot be known here.

use chrono::NaiveDate;
use uuid::Uuid;

use crate::benefits::{Benefit, BenefitForm, CATALOGUE, find_code};
use crate::tax_code::TaxCode;
use crate::waiting_list::is_dsu_protocol;

/// The longest code of the granting body the configuration accepts.
pub const MAX_BODY_CODE_LEN: usize = 16;

/// Whether `code` may be the granting body's code (ente erogatore): 1-16 ASCII letters and
/// digits.
pub fn is_body_code(code: &str) -> bool {
    (1..=MAX_BODY_CODE_LEN).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// What the export reads of one benefit and its person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BenefitFacts {
    /// The benefit.
    pub benefit: Benefit,
    /// The person's tax code, when known.
    pub tax_code: Option<String>,
    /// Whether the person's record is annulled.
    pub person_annulled: bool,
}

/// Why a benefit cannot be sent: the field of the record and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The field of the record (`codice_fiscale`, `codice_prestazione`…).
    pub field: &'static str,
    /// Why, in words.
    pub reason: String,
}

/// One record of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The benefit (the record's identifier at the register: a record sent again replaces it).
    pub benefit_id: Uuid,
    /// The person.
    pub person_id: Uuid,
    /// The tax code, normalised.
    pub tax_code: String,
    /// The facts it was made of.
    pub facts: BenefitFacts,
}

/// The columns of the file, in order.
pub const COLUMNS: [&str; 16] = [
    "codice_ente",
    "id_prestazione",
    "codice_fiscale",
    "catalogo",
    "codice_prestazione",
    "denominazione",
    "tipo",
    "forma",
    "importo",
    "periodicita",
    "data_inizio",
    "data_fine",
    "isee",
    "protocollo_dsu",
    "numero_determina",
    "data_determina",
];

/// Whether a benefit falls in the period: it runs on at least one of its days.
pub fn in_period(facts: &BenefitFacts, from: NaiveDate, until: NaiveDate) -> bool {
    let c = &facts.benefit.content;
    c.from_on <= until && c.until_on.is_none_or(|end| end >= from)
}

/// Checks a benefit as the register will: a person not annulled with a valid tax code (the
/// register knows beneficiaries by it), a code of the current catalogue, the amount and
/// frequency of money, the ISEE and DSU protocol of an ISEE-dependent benefit, days in order.
/// The record, or every reason it cannot be sent.
pub fn record_of(facts: &BenefitFacts) -> Result<Record, Vec<Refusal>> {
    let (benefit, c) = (&facts.benefit, &facts.benefit.content);
    let mut refusals = Vec::new();
    let mut refuse = |field: &'static str, reason: &str| {
        refusals.push(Refusal {
            field,
            reason: reason.to_owned(),
        });
    };
    if facts.person_annulled {
        refuse("codice_fiscale", "the person's record is annulled");
    }
    let tax_code = match facts.tax_code.as_deref().map(TaxCode::parse) {
        None => {
            refuse(
                "codice_fiscale",
                "the person has no tax code: the register knows beneficiaries by it",
            );
            None
        }
        Some(Err(e)) => {
            refuse(
                "codice_fiscale",
                &format!("the person's tax code is invalid: {e}"),
            );
            None
        }
        Some(Ok(code)) => Some(code.as_str().to_owned()),
    };
    if benefit.catalogue != CATALOGUE {
        refuse(
            "codice_prestazione",
            &format!(
                "coded on the catalogue {}, not on the current {CATALOGUE}: code it again",
                benefit.catalogue
            ),
        );
    } else if find_code(&c.code).is_none() {
        refuse("codice_prestazione", "not a code of the current catalogue");
    }
    if c.form == BenefitForm::Economic {
        if c.amount_cents.is_none_or(|c| c == 0) {
            refuse("importo", "money without an amount");
        }
        if c.frequency.is_none() {
            refuse("periodicita", "money without a frequency");
        }
    }
    if c.isee_dependent {
        if c.isee_cents.is_none() {
            refuse("isee", "ISEE-dependent without the ISEE value");
        }
        if !c.dsu_protocol.as_deref().is_some_and(is_dsu_protocol) {
            refuse(
                "protocollo_dsu",
                "ISEE-dependent without a valid DSU protocol",
            );
        }
    }
    if c.until_on.is_some_and(|end| end < c.from_on) {
        refuse("data_fine", "before the first day");
    }
    match (tax_code, refusals.is_empty()) {
        (Some(tax_code), true) => Ok(Record {
            benefit_id: benefit.id,
            person_id: benefit.person_id,
            tax_code,
            facts: facts.clone(),
        }),
        _ => Err(refusals),
    }
}

/// Euro from cents, with a decimal comma (`1234,50`).
fn euro(cents: u64) -> String {
    format!("{},{:02}", cents / 100, cents % 100)
}

/// The file of `records` for the granting body `body_code`: a header line, then one line per
/// record in the order of their benefit ids, `;`-separated, CRLF; nothing in it depends on
/// when it is made. No field holds `;`, a quote or a line break (codes, numbers, dates, the
/// decision's reference is checked when recorded), except the title, quoted.
pub fn file(body_code: &str, records: &[Record]) -> String {
    let mut sorted: Vec<&Record> = records.iter().collect();
    sorted.sort_by_key(|r| r.benefit_id);
    let mut out = COLUMNS.join(";");
    out.push_str("\r\n");
    for r in sorted {
        let (b, f) = (&r.facts.benefit, &r.facts.benefit.content);
        let title = find_code(&f.code).map_or(String::new(), |c| c.title.replace('"', "\"\""));
        let clean = |text: &str| text.replace([';', '"', '\r', '\n'], " ");
        let fields = [
            body_code.to_owned(),
            r.benefit_id.to_string(),
            r.tax_code.clone(),
            b.catalogue.clone(),
            f.code.clone(),
            format!("\"{title}\""),
            if f.isee_dependent { "PSA" } else { "PS" }.to_owned(),
            f.form.as_str().to_owned(),
            f.amount_cents.map(euro).unwrap_or_default(),
            f.frequency
                .map(|p| p.as_str().to_owned())
                .unwrap_or_default(),
            f.from_on.to_string(),
            f.until_on.map(|d| d.to_string()).unwrap_or_default(),
            f.isee_cents.map(euro).unwrap_or_default(),
            f.dsu_protocol.clone().unwrap_or_default(),
            clean(&f.decision_ref),
            f.decision_on.to_string(),
        ];
        out.push_str(&fields.join(";"));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};

    use super::*;
    use crate::benefits::{BenefitContent, PaymentFrequency};

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn facts() -> BenefitFacts {
        let at = DateTime::<Utc>::UNIX_EPOCH;
        BenefitFacts {
            benefit: Benefit {
                id: Uuid::from_u128(2),
                case_file_id: Uuid::from_u128(3),
                person_id: Uuid::from_u128(1),
                catalogue: CATALOGUE.into(),
                content: BenefitContent {
                    code: "A1".into(),
                    form: BenefitForm::InKind,
                    amount_cents: None,
                    frequency: None,
                    isee_dependent: false,
                    isee_cents: None,
                    dsu_protocol: None,
                    from_on: day("2026-03-01"),
                    until_on: Some(day("2026-05-31")),
                    decision_ref: "DET-2026-15".into(),
                    decision_on: day("2026-02-20"),
                    notes: None,
                },
                source: None,
                version: 1,
                created_at: at,
                created_by: Uuid::from_u128(9),
                updated_at: at,
            },
            tax_code: Some("RSSMRA85T10A562S".into()),
            person_annulled: false,
        }
    }

    /// `facts()` with its content changed by `change`.
    fn with(change: impl FnOnce(&mut BenefitFacts)) -> BenefitFacts {
        let mut f = facts();
        change(&mut f);
        f
    }

    #[test]
    fn a_benefit_falls_in_the_periods_it_runs_in() {
        let f = facts();
        assert!(in_period(&f, day("2026-01-01"), day("2026-03-31")));
        assert!(in_period(&f, day("2026-05-31"), day("2026-06-30")));
        assert!(!in_period(&f, day("2026-06-01"), day("2026-06-30")));
        assert!(!in_period(&f, day("2026-01-01"), day("2026-02-28")));
        let open = with(|f| f.benefit.content.until_on = None);
        assert!(in_period(&open, day("2030-01-01"), day("2030-12-31")));
    }

    #[test]
    fn a_complete_benefit_becomes_a_record() {
        let record = record_of(&facts()).unwrap();
        assert_eq!(record.tax_code, "RSSMRA85T10A562S");
        let text = file("C123", &[record]);
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(lines[0], COLUMNS.join(";"));
        assert!(lines[1].starts_with(
            "C123;00000000-0000-0000-0000-000000000002;RSSMRA85T10A562S;cisis-2013-draft;A1;\""
        ));
        assert!(lines[1].ends_with(";PS;in_kind;;;2026-03-01;2026-05-31;;;DET-2026-15;2026-02-20"));
        assert_eq!(lines[2], "");
    }

    #[test]
    fn every_reason_a_benefit_cannot_be_sent_is_given() {
        let bad = with(|f| {
            f.tax_code = None;
            f.person_annulled = true;
            f.benefit.catalogue = "old".into();
            let c = &mut f.benefit.content;
            c.form = BenefitForm::Economic;
            c.isee_dependent = true;
            c.dsu_protocol = Some("nope".into());
            c.until_on = Some(day("2026-01-01"));
        });
        let fields: Vec<&str> = record_of(&bad)
            .unwrap_err()
            .iter()
            .map(|r| r.field)
            .collect();
        assert_eq!(
            fields,
            [
                "codice_fiscale",
                "codice_fiscale",
                "codice_prestazione",
                "importo",
                "periodicita",
                "isee",
                "protocollo_dsu",
                "data_fine"
            ]
        );
        let invalid = with(|f| f.tax_code = Some("RSSMRA85T10A562X".into()));
        assert_eq!(record_of(&invalid).unwrap_err()[0].field, "codice_fiscale");
    }

    #[test]
    fn the_file_depends_only_on_its_records() {
        let one = record_of(&facts()).unwrap();
        let two = record_of(&with(|f| {
            f.benefit.id = Uuid::from_u128(1);
            let c = &mut f.benefit.content;
            c.form = BenefitForm::Economic;
            c.code = "F1".into();
            c.amount_cents = Some(123_450);
            c.frequency = Some(PaymentFrequency::Monthly);
            c.isee_dependent = true;
            c.isee_cents = Some(850_000);
            c.dsu_protocol = Some("INPS-ISEE-2026-12345678X-00".into());
            c.decision_ref = "DET;2026\"7".into();
        }));
        let two = two.unwrap();
        let a = file("C123", &[one.clone(), two.clone()]);
        let b = file("C123", &[two, one]);
        assert_eq!(a, b, "the order of the records is the benefits' ids");
        let line = a.split("\r\n").nth(1).unwrap();
        assert!(line.contains(";PSA;economic;1234,50;monthly;"), "{line}");
        assert!(
            line.contains(";8500,00;INPS-ISEE-2026-12345678X-00;DET 2026 7;"),
            "{line}"
        );
        assert!(is_body_code("C123") && !is_body_code("") && !is_body_code("C 12"));
    }
}
