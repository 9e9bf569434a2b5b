//! The export of the benefits granted to the national register of social benefits (INPS
//! SIUSS, the database of social and ISEE-dependent benefits, PS-PSA): which benefits of a
//! period go, the record each becomes, the checks a record must pass before it is sent, and
//! the file (CSV, `;`, UTF-8) whose bytes depend only on the records, so that an export can be
//! repeated identically. `docs/siuss.md` says which fields follow the register's published
//! description and which cannot be known here.

use chrono::NaiveDate;
use uuid::Uuid;

use crate::benefits::{BenefitForm, CATALOGUE, PaymentFrequency, find_code};
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
    pub benefit_id: Uuid,
    /// Its person.
    pub person_id: Uuid,
    /// The person's tax code, when known.
    pub tax_code: Option<String>,
    /// Whether the person's record is annulled.
    pub person_annulled: bool,
    /// The catalogue it was coded on.
    pub catalogue: String,
    /// Its code.
    pub code: String,
    /// Money or in kind.
    pub form: BenefitForm,
    /// The amount of each payment, in cents.
    pub amount_cents: Option<u64>,
    /// How often it is paid.
    pub frequency: Option<PaymentFrequency>,
    /// Whether it depends on the ISEE.
    pub isee_dependent: bool,
    /// The ISEE, in cents.
    pub isee_cents: Option<u64>,
    /// The DSU protocol.
    pub dsu_protocol: Option<String>,
    /// Its first day.
    pub from_on: NaiveDate,
    /// Its last day.
    pub until_on: Option<NaiveDate>,
    /// The decision that granted it.
    pub decision_ref: String,
    /// The decision's day.
    pub decision_on: NaiveDate,
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
    facts.from_on <= until && facts.until_on.is_none_or(|end| end >= from)
}

/// Checks a benefit as the register will: a person not annulled with a valid tax code (the
/// register knows beneficiaries by it), a code of the current catalogue, the amount and
/// frequency of money, the ISEE and DSU protocol of an ISEE-dependent benefit, days in order.
/// The record, or every reason it cannot be sent.
pub fn record_of(facts: &BenefitFacts) -> Result<Record, Vec<Refusal>> {
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
    if facts.catalogue != CATALOGUE {
        refuse(
            "codice_prestazione",
            &format!(
                "coded on the catalogue {}, not on the current {CATALOGUE}: code it again",
                facts.catalogue
            ),
        );
    } else if find_code(&facts.code).is_none() {
        refuse("codice_prestazione", "not a code of the current catalogue");
    }
    if facts.form == BenefitForm::Economic {
        if facts.amount_cents.is_none_or(|c| c == 0) {
            refuse("importo", "money without an amount");
        }
        if facts.frequency.is_none() {
            refuse("periodicita", "money without a frequency");
        }
    }
    if facts.isee_dependent {
        if facts.isee_cents.is_none() {
            refuse("isee", "ISEE-dependent without the ISEE value");
        }
        if !facts.dsu_protocol.as_deref().is_some_and(is_dsu_protocol) {
            refuse(
                "protocollo_dsu",
                "ISEE-dependent without a valid DSU protocol",
            );
        }
    }
    if facts.until_on.is_some_and(|end| end < facts.from_on) {
        refuse("data_fine", "before the first day");
    }
    match (tax_code, refusals.is_empty()) {
        (Some(tax_code), true) => Ok(Record {
            benefit_id: facts.benefit_id,
            person_id: facts.person_id,
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
        let f = &r.facts;
        let title = find_code(&f.code).map_or(String::new(), |c| c.title.replace('"', "\"\""));
        let clean = |text: &str| text.replace([';', '"', '\r', '\n'], " ");
        let fields = [
            body_code.to_owned(),
            r.benefit_id.to_string(),
            r.tax_code.clone(),
            f.catalogue.clone(),
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
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn facts() -> BenefitFacts {
        BenefitFacts {
            benefit_id: Uuid::from_u128(2),
            person_id: Uuid::from_u128(1),
            tax_code: Some("RSSMRA85T10A562S".into()),
            person_annulled: false,
            catalogue: CATALOGUE.into(),
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
        }
    }

    #[test]
    fn a_benefit_falls_in_the_periods_it_runs_in() {
        let f = facts();
        assert!(in_period(&f, day("2026-01-01"), day("2026-03-31")));
        assert!(in_period(&f, day("2026-05-31"), day("2026-06-30")));
        assert!(!in_period(&f, day("2026-06-01"), day("2026-06-30")));
        assert!(!in_period(&f, day("2026-01-01"), day("2026-02-28")));
        let open = BenefitFacts {
            until_on: None,
            ..facts()
        };
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
        let bad = BenefitFacts {
            tax_code: None,
            person_annulled: true,
            catalogue: "old".into(),
            form: BenefitForm::Economic,
            isee_dependent: true,
            dsu_protocol: Some("nope".into()),
            until_on: Some(day("2026-01-01")),
            ..facts()
        };
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
        let invalid = BenefitFacts {
            tax_code: Some("RSSMRA85T10A562X".into()),
            ..facts()
        };
        assert_eq!(record_of(&invalid).unwrap_err()[0].field, "codice_fiscale");
    }

    #[test]
    fn the_file_depends_only_on_its_records() {
        let one = record_of(&facts()).unwrap();
        let two = record_of(&BenefitFacts {
            benefit_id: Uuid::from_u128(1),
            form: BenefitForm::Economic,
            code: "F1".into(),
            amount_cents: Some(123_450),
            frequency: Some(PaymentFrequency::Monthly),
            isee_dependent: true,
            isee_cents: Some(850_000),
            dsu_protocol: Some("INPS-ISEE-2026-12345678X-00".into()),
            decision_ref: "DET;2026\"7".into(),
            ..facts()
        });
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
