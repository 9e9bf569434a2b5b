//! The Italian and English labels of every code list of the API, so that no frontend keeps
//! its own translations: `GET /codes` serves them. The Italian labels use the office's own
//! terms (../shared/DOMAIN.md, the seed documents); the contract's tests check that every code
//! list of the contract, and every code in it, has its labels here.

/// The two labels of a code (or of a code list).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Label {
    /// The code as the API writes it.
    pub code: &'static str,
    /// Italian.
    pub it: &'static str,
    /// English.
    pub en: &'static str,
}

/// A code list: an enumeration of the API with its codes' labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeList {
    /// Its name in `GET /codes/{name}` (snake_case).
    pub name: &'static str,
    /// The name of its schema in the OpenAPI contract.
    pub schema: &'static str,
    /// Italian name of the list.
    pub it: &'static str,
    /// English name of the list.
    pub en: &'static str,
    /// Its codes, in the contract's order.
    pub codes: &'static [Label],
}

impl CodeList {
    /// The labels of one code of the list.
    pub fn label(&self, code: &str) -> Option<&'static Label> {
        self.codes.iter().find(|l| l.code == code)
    }
}

/// The code list named `name`.
pub fn code_list(name: &str) -> Option<&'static CodeList> {
    CODE_LISTS.iter().find(|l| l.name == name)
}

const fn l(code: &'static str, it: &'static str, en: &'static str) -> Label {
    Label { code, it, en }
}

/// Every code list, by name.
pub const CODE_LISTS: &[CodeList] = &[
    CodeList {
        name: "action_status",
        schema: "ActionStatusCode",
        it: "Stato dell'azione",
        en: "Action status",
        codes: &[
            l("planned", "Pianificata", "Planned"),
            l("done", "Svolta", "Done"),
            l("cancelled", "Annullata", "Cancelled"),
        ],
    },
    CodeList {
        name: "agenda_item_kind",
        schema: "AgendaItemKind",
        it: "Tipo di scadenza in agenda",
        en: "Agenda item kind",
        codes: &[
            l("project_review", "Verifica del progetto", "Project review"),
            l(
                "pact_convocation",
                "Convocazione per il patto",
                "Pact convocation",
            ),
            l(
                "pact_signature",
                "Sottoscrizione del patto",
                "Pact signature",
            ),
            l("pact_check", "Verifica del patto", "Pact check"),
            l("pact_commitment", "Impegno del patto", "Pact commitment"),
            l("expected_release", "Fine pena prevista", "Expected release"),
            l(
                "placement_end",
                "Fine dell'inserimento abitativo",
                "Housing placement end",
            ),
            l(
                "employment_end",
                "Fine dell'inserimento lavorativo",
                "Employment placement end",
            ),
            l(
                "employment_review",
                "Verifica dell'inserimento lavorativo",
                "Employment placement review",
            ),
            l(
                "application_reconfirmation",
                "Riconferma della domanda",
                "Application reconfirmation",
            ),
        ],
    },
    CodeList {
        name: "allocation_decision",
        schema: "AllocationDecisionCode",
        it: "Decisione sul posto",
        en: "Place decision",
        codes: &[
            l("offer", "Offerta del posto", "Offer"),
            l("admit", "Ammissione", "Admit"),
            l("decline", "Rinuncia", "Decline"),
            l("leave", "Uscita", "Leave"),
            l("lapse", "Decadenza dell'offerta", "Lapse"),
            l("withdraw", "Ritiro dell'offerta", "Withdraw"),
        ],
    },
    CodeList {
        name: "allocation_state",
        schema: "AllocationStateCode",
        it: "Stato dell'assegnazione",
        en: "Allocation state",
        codes: &[
            l("offered", "Offerto", "Offered"),
            l("admitted", "Ammesso", "Admitted"),
            l("declined", "Rifiutato", "Declined"),
            l("lapsed", "Decaduto", "Lapsed"),
            l("withdrawn", "Ritirato", "Withdrawn"),
            l("left", "Uscito", "Left"),
        ],
    },
    CodeList {
        name: "analysis_outcome",
        schema: "AnalysisOutcomeCode",
        it: "Esito dell'analisi preliminare",
        en: "Preliminary analysis outcome",
        codes: &[
            l("social_path", "Percorso sociale", "Social path"),
            l("employment_path", "Percorso lavorativo", "Employment path"),
            l(
                "specialist_services",
                "Servizi specialistici",
                "Specialist services",
            ),
        ],
    },
    CodeList {
        name: "application_status",
        schema: "ApplicationStatusCode",
        it: "Stato della domanda",
        en: "Application status",
        codes: &[
            l("waiting", "In attesa", "Waiting"),
            l("offered", "Posto offerto", "Offered"),
            l("admitted", "Ammessa", "Admitted"),
            l("declined", "Rinunciata", "Declined"),
            l("withdrawn", "Ritirata", "Withdrawn"),
            l("suspended", "Sospesa", "Suspended"),
            l("expired", "Decaduta", "Expired"),
        ],
    },
    CodeList {
        name: "application_transition",
        schema: "ApplicationTransitionCode",
        it: "Passaggio di stato della domanda",
        en: "Application transition",
        codes: &[
            l("withdraw", "Ritira", "Withdraw"),
            l("suspend", "Sospendi", "Suspend"),
            l("resume", "Riprendi", "Resume"),
            l("reconfirm", "Riconferma", "Reconfirm"),
            l("expire", "Dichiara decaduta", "Expire"),
        ],
    },
    CodeList {
        name: "area",
        schema: "AreaCode",
        it: "Area",
        en: "Area",
        codes: &[
            l(
                "adults_disability",
                "Area adulti e persone con disabilità",
                "Adults and persons with disability",
            ),
            l(
                "social_inclusion",
                "Area inclusione sociale",
                "Social inclusion",
            ),
            l("transversal", "Area trasversale", "Transversal area"),
        ],
    },
    CodeList {
        name: "asked_decision",
        schema: "AskedDecisionCode",
        it: "Decisione richiesta",
        en: "Requested decision",
        codes: &[
            l("offer", "Offerta del posto", "Offer"),
            l("admit", "Ammissione", "Admit"),
            l("decline", "Rinuncia", "Decline"),
            l("leave", "Uscita", "Leave"),
        ],
    },
    CodeList {
        name: "assessment_domain",
        schema: "AssessmentDomainCode",
        it: "Ambito di valutazione",
        en: "Assessment domain",
        codes: &[
            l("housing", "Abitare", "Housing"),
            l("income", "Reddito", "Income"),
            l("employment", "Lavoro", "Employment"),
            l("health", "Salute", "Health"),
            l("autonomy", "Autonomia personale", "Autonomy"),
            l(
                "family_and_relations",
                "Famiglia e relazioni",
                "Family and relations",
            ),
            l(
                "legal_and_documents",
                "Situazione legale e documenti",
                "Legal status and documents",
            ),
            l("justice", "Giustizia", "Justice"),
        ],
    },
    CodeList {
        name: "attendance",
        schema: "AttendanceCode",
        it: "Presenza",
        en: "Attendance",
        codes: &[
            l("expected", "Atteso", "Expected"),
            l("present", "Presente", "Present"),
            l("absent", "Assente", "Absent"),
        ],
    },
    CodeList {
        name: "audit_log_status",
        schema: "AuditLogStatus",
        it: "Stato nel registro verificabile",
        en: "Status in the verifiable log",
        codes: &[
            l("staged", "In attesa di integrazione", "Staged"),
            l("integrated", "Integrato nell'albero", "Integrated"),
        ],
    },
    CodeList {
        name: "audit_outcome",
        schema: "AuditOutcomeCode",
        it: "Esito registrato",
        en: "Recorded outcome",
        codes: &[
            l("success", "Riuscito", "Success"),
            l("denied", "Negato", "Denied"),
            l("failure", "Non riuscito", "Failure"),
        ],
    },
    CodeList {
        name: "benefit_form",
        schema: "BenefitFormCode",
        it: "Forma della prestazione",
        en: "Benefit form",
        codes: &[
            l("economic", "Economica", "Cash"),
            l("in_kind", "In natura (servizio)", "In kind"),
        ],
    },
    CodeList {
        name: "benefit_source",
        schema: "BenefitSourceCode",
        it: "Origine della prestazione",
        en: "Benefit source",
        codes: &[
            l(
                "admission",
                "Ammissione a una risorsa",
                "Admission to a resource",
            ),
            l(
                "housing_placement",
                "Inserimento abitativo",
                "Housing placement",
            ),
            l(
                "employment_placement",
                "Inserimento lavorativo",
                "Employment placement",
            ),
        ],
    },
    CodeList {
        name: "case_status",
        schema: "CaseStatusCode",
        it: "Stato della cartella sociale",
        en: "Case file status",
        codes: &[
            l("intake", "Primo accesso", "Intake"),
            l("active", "In carico", "Active"),
            l("suspended", "Sospesa", "Suspended"),
            l("closed", "Chiusa", "Closed"),
        ],
    },
    CodeList {
        name: "case_transition",
        schema: "CaseTransitionCode",
        it: "Passaggio di stato della cartella",
        en: "Case file transition",
        codes: &[
            l("activate", "Prendi in carico", "Take in charge"),
            l("suspend", "Sospendi", "Suspend"),
            l("resume", "Riprendi", "Resume"),
            l("close", "Chiudi", "Close"),
            l("reopen", "Riapri", "Reopen"),
        ],
    },
    CodeList {
        name: "clause_kind",
        schema: "ClauseKindCode",
        it: "Tipo di clausola sociale",
        en: "Social clause kind",
        codes: &[
            l(
                "disadvantaged_hiring",
                "Assunzione di persone svantaggiate",
                "Hiring of disadvantaged persons",
            ),
            l(
                "reserved_contract",
                "Appalto riservato",
                "Reserved contract",
            ),
            l(
                "type_b_agreement",
                "Convenzione con cooperativa di tipo B",
                "Type B cooperative agreement",
            ),
        ],
    },
    CodeList {
        name: "closing_reason",
        schema: "ClosingReasonCode",
        it: "Motivo di chiusura",
        en: "Closing reason",
        codes: &[
            l("goals_achieved", "Obiettivi raggiunti", "Goals achieved"),
            l("moved_away", "Trasferimento in altro comune", "Moved away"),
            l(
                "transferred_to_other_service",
                "Passaggio ad altro servizio",
                "Transferred to another service",
            ),
            l("deceased", "Decesso", "Deceased"),
            l(
                "refused_services",
                "Rifiuto dei servizi",
                "Refused services",
            ),
            l(
                "no_longer_eligible",
                "Requisiti non più posseduti",
                "No longer eligible",
            ),
            l("lost_contact", "Perdita di contatto", "Lost contact"),
            l(
                "merged_duplicate",
                "Cartella duplicata, unificata",
                "Merged duplicate",
            ),
            l("other", "Altro motivo", "Other"),
        ],
    },
    CodeList {
        name: "closure_outcome",
        schema: "ClosureOutcomeCode",
        it: "Esito della chiusura del patto",
        en: "Pact closure outcome",
        codes: &[
            l("completed", "Concluso", "Completed"),
            l("lapsed", "Decaduto", "Lapsed"),
            l("revoked", "Revocato", "Revoked"),
            l("transferred", "Trasferito", "Transferred"),
        ],
    },
    CodeList {
        name: "code_form",
        schema: "CodeFormCode",
        it: "Forma ammessa della prestazione",
        en: "Allowed benefit form",
        codes: &[
            l("economic", "Economica", "Cash"),
            l("in_kind", "In natura (servizio)", "In kind"),
            l("either", "Economica o in natura", "Either"),
        ],
    },
    CodeList {
        name: "commitment_kind",
        schema: "CommitmentKindCode",
        it: "Tipo di impegno",
        en: "Commitment kind",
        codes: &[
            l(
                "meetings_with_services",
                "Incontri con i servizi",
                "Meetings with services",
            ),
            l(
                "active_job_search",
                "Ricerca attiva di lavoro",
                "Active job search",
            ),
            l("training", "Formazione", "Training"),
            l(
                "school_attendance",
                "Frequenza scolastica dei figli",
                "School attendance",
            ),
            l(
                "health_prevention",
                "Prevenzione e tutela della salute",
                "Health prevention",
            ),
            l(
                "specialist_care",
                "Percorso di cura specialistico",
                "Specialist care",
            ),
            l(
                "community_utility_project",
                "Progetto utile alla collettività",
                "Community utility project",
            ),
        ],
    },
    CodeList {
        name: "commitment_status",
        schema: "CommitmentStatusCode",
        it: "Stato dell'impegno",
        en: "Commitment status",
        codes: &[
            l("pending", "Da verificare", "Pending"),
            l("met", "Rispettato", "Met"),
            l("missed", "Non rispettato", "Missed"),
            l("justified", "Giustificato", "Justified"),
        ],
    },
    CodeList {
        name: "community",
        schema: "CommunityCode",
        it: "Comunità",
        en: "Community",
        codes: &[
            l("roma", "Rom", "Roma"),
            l("sinti", "Sinti", "Sinti"),
            l("caminanti", "Caminanti", "Caminanti"),
        ],
    },
    CodeList {
        name: "compliance_state",
        schema: "ComplianceStateCode",
        it: "Rispetto della clausola sociale",
        en: "Social clause compliance",
        codes: &[
            l("not_started", "Non ancora iniziato", "Not started"),
            l("compliant", "Rispettata", "Compliant"),
            l("not_compliant", "Non rispettata", "Not compliant"),
            l("ended", "Concluso", "Ended"),
            l("unknown", "Non determinabile", "Unknown"),
        ],
    },
    CodeList {
        name: "compliance_unit",
        schema: "ComplianceUnitCode",
        it: "Unità di misura dell'obbligo",
        en: "Compliance unit",
        codes: &[
            l("workers", "Lavoratori", "Workers"),
            l("hours", "Ore", "Hours"),
        ],
    },
    CodeList {
        name: "consent_kind",
        schema: "ConsentKindCode",
        it: "Tipo di consenso",
        en: "Consent kind",
        codes: &[
            l("privacy_notice", "Informativa privacy", "Privacy notice"),
            l("data_sharing", "Condivisione dei dati", "Data sharing"),
        ],
    },
    CodeList {
        name: "consent_state",
        schema: "ConsentStateCode",
        it: "Stato del consenso",
        en: "Consent state",
        codes: &[
            l("active", "Valido", "Active"),
            l("expired", "Scaduto", "Expired"),
            l("revoked", "Revocato", "Revoked"),
            l("not_yet_valid", "Non ancora valido", "Not yet valid"),
        ],
    },
    CodeList {
        name: "criterion_kind",
        schema: "CriterionKindCode",
        it: "Criterio di graduatoria",
        en: "Ranking criterion",
        codes: &[
            l("urgency", "Urgenza", "Urgency"),
            l(
                "family_support",
                "Rete familiare di sostegno",
                "Family support",
            ),
            l(
                "disability_severity",
                "Gravità della disabilità",
                "Disability severity",
            ),
            l("isee", "ISEE", "ISEE (economic situation indicator)"),
            l(
                "minors_in_household",
                "Minori nel nucleo",
                "Minors in the household",
            ),
            l(
                "months_on_list",
                "Mesi di attesa in lista",
                "Months on the list",
            ),
        ],
    },
    CodeList {
        name: "decider",
        schema: "DeciderCode",
        it: "Criterio decisivo tra pari",
        en: "Tie decider",
        codes: &[
            l("score", "Punteggio", "Score"),
            l("submitted_at", "Data di presentazione", "Submission time"),
            l("protocol", "Numero di protocollo", "Protocol number"),
        ],
    },
    CodeList {
        name: "diary_entry_kind",
        schema: "DiaryEntryKindCode",
        it: "Tipo di annotazione nel diario",
        en: "Diary entry kind",
        codes: &[
            l("interview", "Colloquio", "Interview"),
            l("home_visit", "Visita domiciliare", "Home visit"),
            l("phone_call", "Telefonata", "Phone call"),
            l("meeting", "Incontro", "Meeting"),
            l("team_meeting", "Riunione d'équipe", "Team meeting"),
            l("note", "Nota", "Note"),
        ],
    },
    CodeList {
        name: "due_kind",
        schema: "DueKindCode",
        it: "Tipo di scadenza del patto",
        en: "Pact due kind",
        codes: &[
            l("convocation", "Convocazione", "Convocation"),
            l("signature", "Sottoscrizione", "Signature"),
            l("check", "Verifica", "Check"),
            l("commitment", "Impegno", "Commitment"),
        ],
    },
    CodeList {
        name: "employer_kind",
        schema: "EmployerKindCode",
        it: "Tipo di datore di lavoro",
        en: "Employer kind",
        codes: &[
            l("company", "Impresa", "Company"),
            l(
                "social_cooperative_b",
                "Cooperativa sociale di tipo B",
                "Type B social cooperative",
            ),
            l(
                "social_cooperative_a",
                "Cooperativa sociale di tipo A",
                "Type A social cooperative",
            ),
            l("public_body", "Ente pubblico", "Public body"),
            l("association", "Associazione", "Association"),
        ],
    },
    CodeList {
        name: "exit",
        schema: "ExitCode",
        it: "Motivo di uscita dalla risorsa",
        en: "Exit reason",
        codes: &[
            l("needs_met", "Bisogno soddisfatto", "Needs met"),
            l("own_choice", "Scelta della persona", "Own choice"),
            l("moved_away", "Trasferimento", "Moved away"),
            l(
                "other_service",
                "Passaggio ad altro servizio",
                "Other service",
            ),
            l("deceased", "Decesso", "Deceased"),
            l("dismissed", "Dimissione", "Dismissed"),
            l("other", "Altro", "Other"),
        ],
    },
    CodeList {
        name: "exit_destination",
        schema: "ExitDestinationCode",
        it: "Destinazione all'uscita",
        en: "Exit destination",
        codes: &[
            l("own_housing", "Abitazione propria", "Own housing"),
            l("family", "Presso familiari", "Family"),
            l("other_facility", "Altra struttura", "Other facility"),
            l("hospital", "Ospedale", "Hospital"),
            l("prison", "Carcere", "Prison"),
            l("street", "Strada", "Street"),
            l("unknown", "Sconosciuta", "Unknown"),
            l("deceased", "Decesso", "Deceased"),
        ],
    },
    CodeList {
        name: "external_service",
        schema: "ExternalServiceCode",
        it: "Servizio esterno",
        en: "External service",
        codes: &[
            l(
                "employment_centre",
                "Centro per l'impiego",
                "Employment centre",
            ),
            l("labour_agency", "Agenzia del lavoro", "Labour agency"),
            l(
                "mental_health_centre",
                "Centro di salute mentale",
                "Mental health centre",
            ),
            l(
                "addiction_service",
                "Servizio per le dipendenze",
                "Addiction service",
            ),
            l(
                "probation_office",
                "Ufficio di esecuzione penale esterna",
                "Probation office",
            ),
            l("health_district", "Distretto sanitario", "Health district"),
            l("cooperative", "Cooperativa", "Cooperative"),
            l("other", "Altro servizio", "Other service"),
        ],
    },
    CodeList {
        name: "facility_kind",
        schema: "FacilityKindCode",
        it: "Tipo di struttura",
        en: "Facility kind",
        codes: &[
            l("night_shelter", "Dormitorio", "Night shelter"),
            l("adult_reception", "Accoglienza adulti", "Adult reception"),
            l("protected_flat", "Appartamento protetto", "Protected flat"),
            l(
                "housing_first_flat",
                "Appartamento Housing First",
                "Housing First flat",
            ),
            l("co_housing", "Coabitazione", "Co-housing"),
            l(
                "disability_residence",
                "Residenza per persone con disabilità",
                "Disability residence",
            ),
            l(
                "social_housing_unit",
                "Alloggio sociale",
                "Social housing unit",
            ),
        ],
    },
    CodeList {
        name: "frequency",
        schema: "FrequencyCode",
        it: "Frequenza",
        en: "Frequency",
        codes: &[
            l("once", "Una volta", "Once"),
            l("weekly", "Settimanale", "Weekly"),
            l("monthly", "Mensile", "Monthly"),
            l("quarterly", "Trimestrale", "Quarterly"),
        ],
    },
    CodeList {
        name: "import_line_outcome",
        schema: "ImportLineOutcome",
        it: "Esito di una riga importata",
        en: "Outcome of an imported line",
        codes: &[
            l("imported", "Importata", "Imported"),
            l("refused", "Rifiutata", "Refused"),
        ],
    },
    CodeList {
        name: "import_status",
        schema: "ImportStatus",
        it: "Stato di un'importazione",
        en: "State of an import",
        codes: &[
            l("running", "In corso", "Running"),
            l("completed", "Completata", "Completed"),
        ],
    },
    CodeList {
        name: "indicator",
        schema: "IndicatorCode",
        it: "Indicatore",
        en: "Indicator",
        codes: &[
            l(
                "persons_in_charge",
                "Persone in carico",
                "Persons in charge",
            ),
            l("case_files_opened", "Cartelle aperte", "Case files opened"),
            l("case_files_closed", "Cartelle chiuse", "Case files closed"),
            l("bed_nights", "Notti di accoglienza", "Bed nights"),
            l(
                "pacts_by_status",
                "Patti per l'inclusione per stato",
                "Inclusion pacts by status",
            ),
            l(
                "pacts_late",
                "Patti per l'inclusione in ritardo",
                "Inclusion pacts late on a deadline",
            ),
            l(
                "employment_placements",
                "Inserimenti lavorativi in corso",
                "Employment placements running",
            ),
            l(
                "employment_outcomes",
                "Esiti degli inserimenti lavorativi",
                "Employment placements ended, by outcome",
            ),
            l(
                "applications",
                "Domande presentate",
                "Applications submitted",
            ),
            l("admissions", "Ammissioni", "Admissions"),
            l(
                "benefits_granted",
                "Prestazioni erogate",
                "Benefits granted",
            ),
            l("waiting_times", "Tempi di attesa", "Waiting times"),
        ],
    },
    CodeList {
        name: "input_source",
        schema: "InputSourceCode",
        it: "Fonte del dato",
        en: "Input source",
        codes: &[
            l(
                "social_worker_assessment",
                "Valutazione dell'assistente sociale",
                "Social worker's assessment",
            ),
            l("declaration", "Autodichiarazione", "Declaration"),
            l("isee_certificate", "Attestazione ISEE", "ISEE certificate"),
            l(
                "health_disability_data",
                "Dati sanitari sulla disabilità",
                "Health data on disability",
            ),
            l(
                "household_records",
                "Dati del nucleo familiare",
                "Household records",
            ),
        ],
    },
    CodeList {
        name: "justice_status",
        schema: "JusticeStatusCode",
        it: "Posizione giudiziaria",
        en: "Justice status",
        codes: &[
            l("detained", "Detenuto", "Detained"),
            l(
                "alternative_measure",
                "Misura alternativa alla detenzione",
                "Alternative measure",
            ),
            l("released", "Scarcerato", "Released"),
        ],
    },
    CodeList {
        name: "key_algorithm",
        schema: "KeyAlgorithmCode",
        it: "Algoritmo di firma",
        en: "Signing algorithm",
        codes: &[
            l(
                "RS256",
                "RS256 (RSA PKCS#1 v1.5, SHA-256)",
                "RS256 (RSA PKCS#1 v1.5, SHA-256)",
            ),
            l(
                "PS256",
                "PS256 (RSA-PSS, SHA-256)",
                "PS256 (RSA-PSS, SHA-256)",
            ),
            l(
                "ES256",
                "ES256 (ECDSA P-256, SHA-256)",
                "ES256 (ECDSA P-256, SHA-256)",
            ),
            l("EdDSA", "EdDSA (Ed25519)", "EdDSA (Ed25519)"),
        ],
    },
    CodeList {
        name: "measure",
        schema: "MeasureCode",
        it: "Misura di sostegno al reddito",
        en: "Income support measure",
        codes: &[
            l(
                "adi",
                "Assegno di inclusione (ADI)",
                "Inclusion allowance (ADI)",
            ),
            l(
                "rdc",
                "Reddito di cittadinanza (RdC)",
                "Citizenship income (RdC)",
            ),
            l(
                "aup",
                "Assegno unico provinciale (AUP)",
                "Provincial single allowance (AUP)",
            ),
            l("local_other", "Altra misura locale", "Other local measure"),
        ],
    },
    CodeList {
        name: "objective_status",
        schema: "ObjectiveStatusCode",
        it: "Stato dell'obiettivo",
        en: "Objective status",
        codes: &[
            l("planned", "Previsto", "Planned"),
            l("in_progress", "In corso", "In progress"),
            l("achieved", "Raggiunto", "Achieved"),
            l(
                "partially_achieved",
                "Raggiunto in parte",
                "Partially achieved",
            ),
            l("not_achieved", "Non raggiunto", "Not achieved"),
            l("dropped", "Abbandonato", "Dropped"),
        ],
    },
    CodeList {
        name: "organisation_kind",
        schema: "OrganisationKindCode",
        it: "Tipo di ente partner",
        en: "Partner organisation kind",
        codes: &[
            l(
                "employment_centre",
                "Centro per l'impiego",
                "Employment centre",
            ),
            l("labour_agency", "Agenzia del lavoro", "Labour agency"),
            l(
                "mental_health_centre",
                "Centro di salute mentale",
                "Mental health centre",
            ),
            l(
                "addiction_service",
                "Servizio per le dipendenze",
                "Addiction service",
            ),
            l(
                "probation_office",
                "Ufficio di esecuzione penale esterna",
                "Probation office",
            ),
            l("health_district", "Distretto sanitario", "Health district"),
            l("cooperative", "Cooperativa", "Cooperative"),
            l("province", "Provincia", "Province"),
            l("other", "Altro ente", "Other"),
        ],
    },
    CodeList {
        name: "pact_status",
        schema: "PactStatusCode",
        it: "Stato del patto",
        en: "Pact status",
        codes: &[
            l("draft", "Bozza", "Draft"),
            l("signed", "Sottoscritto", "Signed"),
            l("active", "In corso", "Active"),
            l("suspended", "Sospeso", "Suspended"),
            l("closed", "Chiuso", "Closed"),
        ],
    },
    CodeList {
        name: "pact_step_kind",
        schema: "PactStepKindCode",
        it: "Fase del patto",
        en: "Pact step",
        codes: &[
            l("convocation", "Convocazione", "Convocation"),
            l(
                "preliminary_analysis",
                "Analisi preliminare",
                "Preliminary analysis",
            ),
            l(
                "in_depth_assessment",
                "Quadro di analisi approfondito",
                "In-depth assessment",
            ),
            l("signature", "Sottoscrizione", "Signature"),
        ],
    },
    CodeList {
        name: "pact_transition",
        schema: "PactTransitionCode",
        it: "Passaggio di stato del patto",
        en: "Pact transition",
        codes: &[
            l("sign", "Sottoscrivi", "Sign"),
            l("activate", "Avvia", "Activate"),
            l("suspend", "Sospendi", "Suspend"),
            l("resume", "Riprendi", "Resume"),
            l("close", "Chiudi", "Close"),
        ],
    },
    CodeList {
        name: "participant_kind",
        schema: "ParticipantKindCode",
        it: "Tipo di partecipante",
        en: "Participant kind",
        codes: &[
            l("person", "Persona in carico", "Person"),
            l(
                "household_member",
                "Componente del nucleo",
                "Household member",
            ),
            l("staff", "Operatore del servizio", "Staff member"),
            l("external_service", "Servizio esterno", "External service"),
        ],
    },
    CodeList {
        name: "payment_frequency",
        schema: "PaymentFrequencyCode",
        it: "Periodicità di erogazione",
        en: "Payment frequency",
        codes: &[
            l("one_off", "Una tantum", "One-off"),
            l("monthly", "Mensile", "Monthly"),
            l("bimonthly", "Bimestrale", "Bimonthly"),
            l("quarterly", "Trimestrale", "Quarterly"),
            l("half_yearly", "Semestrale", "Half-yearly"),
            l("yearly", "Annuale", "Yearly"),
        ],
    },
    CodeList {
        name: "placement_event",
        schema: "PlacementEventCode",
        it: "Evento dell'inserimento",
        en: "Placement event",
        codes: &[
            l("booked", "Prenotato", "Booked"),
            l("start", "Ingresso", "Start"),
            l("end", "Uscita", "End"),
            l("cancel", "Annullamento", "Cancellation"),
            l("move", "Cambio di posto letto", "Bed change"),
        ],
    },
    CodeList {
        name: "placement_status",
        schema: "PlacementStatusCode",
        it: "Stato dell'inserimento",
        en: "Placement status",
        codes: &[
            l("planned", "Previsto", "Planned"),
            l("active", "In corso", "Active"),
            l("ended", "Concluso", "Ended"),
            l("cancelled", "Annullato", "Cancelled"),
        ],
    },
    CodeList {
        name: "placement_transition",
        schema: "PlacementTransitionCode",
        it: "Passaggio di stato dell'inserimento",
        en: "Placement transition",
        codes: &[
            l("start", "Avvia", "Start"),
            l("end", "Concludi", "End"),
            l("cancel", "Annulla", "Cancel"),
        ],
    },
    CodeList {
        name: "project_kind",
        schema: "ProjectKindCode",
        it: "Tipo di progetto",
        en: "Project kind",
        codes: &[
            l(
                "community_support",
                "Sostegno di comunità",
                "Community support",
            ),
            l("life_project", "Progetto di vita", "Life project"),
            l("social_housing", "Abitare sociale", "Social housing"),
            l("inclusion_path", "Percorso di inclusione", "Inclusion path"),
            l("housing_path", "Percorso abitativo", "Housing path"),
            l("employment_path", "Percorso lavorativo", "Employment path"),
            l(
                "prison_reintegration",
                "Reinserimento dopo la detenzione",
                "Prison reintegration",
            ),
        ],
    },
    CodeList {
        name: "project_status",
        schema: "ProjectStatusCode",
        it: "Stato del progetto",
        en: "Project status",
        codes: &[
            l("draft", "Bozza", "Draft"),
            l("active", "In corso", "Active"),
            l("completed", "Concluso", "Completed"),
            l("interrupted", "Interrotto", "Interrupted"),
        ],
    },
    CodeList {
        name: "project_transition",
        schema: "ProjectTransitionCode",
        it: "Passaggio di stato del progetto",
        en: "Project transition",
        codes: &[
            l("activate", "Avvia", "Activate"),
            l("complete", "Concludi", "Complete"),
            l("interrupt", "Interrompi", "Interrupt"),
        ],
    },
    CodeList {
        name: "protection_status",
        schema: "ProtectionStatusCode",
        it: "Protezione internazionale",
        en: "Protection status",
        codes: &[
            l("applicant", "Richiedente asilo", "Asylum applicant"),
            l("refugee", "Rifugiato", "Refugee"),
            l(
                "subsidiary_protection",
                "Protezione sussidiaria",
                "Subsidiary protection",
            ),
            l(
                "special_protection",
                "Protezione speciale",
                "Special protection",
            ),
            l(
                "temporary_protection",
                "Protezione temporanea",
                "Temporary protection",
            ),
            l("none", "Nessuna", "None"),
        ],
    },
    CodeList {
        name: "referral_direction",
        schema: "ReferralDirectionCode",
        it: "Direzione dell'invio",
        en: "Referral direction",
        codes: &[
            l("outgoing", "In uscita", "Outgoing"),
            l("incoming", "In entrata", "Incoming"),
        ],
    },
    CodeList {
        name: "referral_status",
        schema: "ReferralStatusCode",
        it: "Stato dell'invio",
        en: "Referral status",
        codes: &[
            l("sent", "Inviato", "Sent"),
            l("accepted", "Accolto", "Accepted"),
            l("rejected", "Respinto", "Rejected"),
            l("closed", "Chiuso", "Closed"),
        ],
    },
    CodeList {
        name: "referral_transition",
        schema: "ReferralTransitionCode",
        it: "Passaggio di stato dell'invio",
        en: "Referral transition",
        codes: &[
            l("accept", "Accogli", "Accept"),
            l("reject", "Respingi", "Reject"),
            l("close", "Chiudi", "Close"),
        ],
    },
    CodeList {
        name: "relationship",
        schema: "RelationshipCode",
        it: "Relazione di parentela",
        en: "Relationship",
        codes: &[
            l(
                "reference_person",
                "Persona di riferimento",
                "Reference person",
            ),
            l("spouse", "Coniuge", "Spouse"),
            l("partner", "Convivente di fatto", "Partner"),
            l("child", "Figlio o figlia", "Child"),
            l("parent", "Genitore", "Parent"),
            l("sibling", "Fratello o sorella", "Sibling"),
            l("grandchild", "Nipote (di nonno)", "Grandchild"),
            l("grandparent", "Nonno o nonna", "Grandparent"),
            l("other_relative", "Altro parente", "Other relative"),
            l("cohabitant", "Coabitante non parente", "Cohabitant"),
        ],
    },
    CodeList {
        name: "residence_kind",
        schema: "ResidenceKind",
        it: "Tipo di residenza",
        en: "Residence kind",
        codes: &[
            l("residence", "Residenza anagrafica", "Registered residence"),
            l("fictitious", "Residenza fittizia", "Fictitious residence"),
            l("none", "Nessuna residenza", "No residence"),
        ],
    },
    CodeList {
        name: "resource_kind",
        schema: "ResourceKindCode",
        it: "Tipo di risorsa",
        en: "Resource kind",
        codes: &[
            l(
                "disability_residential",
                "Residenziale per persone con disabilità",
                "Disability residential",
            ),
            l(
                "disability_day_centre",
                "Centro diurno per persone con disabilità",
                "Disability day centre",
            ),
            l("home_care", "Assistenza domiciliare", "Home care"),
            l("meals", "Pasti", "Meals"),
            l("shelter_places", "Posti in accoglienza", "Shelter places"),
            l("social_housing", "Alloggi sociali", "Social housing"),
        ],
    },
    CodeList {
        name: "retention_rule",
        schema: "RetentionRule",
        it: "Regola di conservazione",
        en: "Retention rule",
        codes: &[
            l(
                "case_content",
                "Contenuto del fascicolo",
                "Case file content",
            ),
            l(
                "special_categories",
                "Categorie particolari di dati",
                "Special categories of data",
            ),
            l(
                "identity",
                "Identità della persona",
                "Identity of the person",
            ),
        ],
    },
    CodeList {
        name: "retention_run_status",
        schema: "RetentionRunStatus",
        it: "Stato di un'esecuzione della conservazione",
        en: "State of a retention run",
        codes: &[
            l("running", "In corso", "Running"),
            l("completed", "Completata", "Completed"),
            l("interrupted", "Interrotta", "Interrupted"),
        ],
    },
    CodeList {
        name: "review_progress",
        schema: "ReviewProgressCode",
        it: "Andamento alla verifica",
        en: "Review progress",
        codes: &[
            l("on_track", "Regolare", "On track"),
            l("needs_support", "Richiede sostegno", "Needs support"),
            l("at_risk", "A rischio", "At risk"),
        ],
    },
    CodeList {
        name: "role",
        schema: "RoleCode",
        it: "Ruolo",
        en: "Role",
        codes: &[
            l("social_worker", "Assistente sociale", "Social worker"),
            l("educator", "Educatore", "Educator"),
            l(
                "area_coordinator",
                "Coordinatore d'area",
                "Area coordinator",
            ),
            l(
                "office_manager",
                "Responsabile del servizio",
                "Office manager",
            ),
            l("administrative", "Amministrativo", "Administrative staff"),
            l("privacy_officer", "Referente privacy", "Privacy officer"),
            l(
                "system_admin",
                "Amministratore di sistema",
                "System administrator",
            ),
        ],
    },
    CodeList {
        name: "scope",
        schema: "ScopeCode",
        it: "Ambito di autorizzazione",
        en: "Scope",
        codes: &[
            l("referrals", "Invii", "Referrals"),
            l("events", "Eventi", "Events"),
            l("statistics", "Statistiche", "Statistics"),
        ],
    },
    CodeList {
        name: "sex",
        schema: "SexCode",
        it: "Sesso",
        en: "Sex",
        codes: &[
            l("female", "Femmina", "Female"),
            l("male", "Maschio", "Male"),
        ],
    },
    CodeList {
        name: "takes",
        schema: "TakesCode",
        it: "Chi accoglie",
        en: "Who it takes",
        codes: &[
            l("men", "Uomini", "Men"),
            l("women", "Donne", "Women"),
            l("mixed", "Misto", "Mixed"),
            l("families", "Famiglie", "Families"),
        ],
    },
    CodeList {
        name: "target_group",
        schema: "TargetGroupCode",
        it: "Gruppo di utenza",
        en: "Target group",
        codes: &[
            l("adult_in_need", "Adulto in difficoltà", "Adult in need"),
            l(
                "person_with_disability",
                "Persona con disabilità",
                "Person with disability",
            ),
            l("homeless", "Persona senza dimora", "Homeless person"),
            l(
                "roma_sinti_caminanti",
                "Rom, Sinti e Caminanti",
                "Roma, Sinti and Caminanti",
            ),
            l(
                "international_protection",
                "Protezione internazionale",
                "International protection",
            ),
            l("prison_area", "Area penale", "Prison area"),
            l(
                "income_support_beneficiary",
                "Beneficiario di misura di sostegno al reddito",
                "Income support beneficiary",
            ),
        ],
    },
    CodeList {
        name: "team_role",
        schema: "TeamRoleCode",
        it: "Ruolo nell'équipe",
        en: "Team role",
        codes: &[
            l("case_manager", "Responsabile del caso", "Case manager"),
            l("social_worker", "Assistente sociale", "Social worker"),
            l("educator", "Educatore", "Educator"),
            l("other", "Altro", "Other"),
        ],
    },
    CodeList {
        name: "tracking",
        schema: "TrackingCode",
        it: "Modalità di registrazione",
        en: "Tracking",
        codes: &[
            l("night_by_night", "Notte per notte", "Night by night"),
            l("entry_exit", "Ingresso e uscita", "Entry and exit"),
        ],
    },
    CodeList {
        name: "training_kind",
        schema: "TrainingKindCode",
        it: "Tipo di attività formativa",
        en: "Training kind",
        codes: &[
            l("training", "Formazione", "Training"),
            l(
                "supervision_group",
                "Supervisione di gruppo",
                "Group supervision",
            ),
            l(
                "supervision_individual",
                "Supervisione individuale",
                "Individual supervision",
            ),
        ],
    },
    CodeList {
        name: "work_kind",
        schema: "WorkKindCode",
        it: "Tipo di inserimento lavorativo",
        en: "Employment placement kind",
        codes: &[
            l(
                "inclusion_traineeship",
                "Tirocinio di inclusione",
                "Inclusion traineeship",
            ),
            l("work_grant", "Borsa lavoro", "Work grant"),
            l(
                "social_clause_hiring",
                "Assunzione con clausola sociale",
                "Social clause hiring",
            ),
            l(
                "provincial_programme",
                "Intervento provinciale",
                "Provincial programme",
            ),
            l(
                "community_utility_project",
                "Progetto utile alla collettività",
                "Community utility project",
            ),
            l(
                "targeted_placement",
                "Collocamento mirato (L. 68/1999)",
                "Targeted placement",
            ),
        ],
    },
    CodeList {
        name: "work_outcome",
        schema: "WorkOutcomeCode",
        it: "Esito dell'inserimento lavorativo",
        en: "Employment outcome",
        codes: &[
            l(
                "hired_open_ended",
                "Assunzione a tempo indeterminato",
                "Hired open-ended",
            ),
            l(
                "hired_fixed_term",
                "Assunzione a tempo determinato",
                "Hired fixed-term",
            ),
            l("apprenticeship", "Apprendistato", "Apprenticeship"),
            l("none", "Nessuna assunzione", "None"),
        ],
    },
    CodeList {
        name: "work_status",
        schema: "WorkStatusCode",
        it: "Stato dell'inserimento lavorativo",
        en: "Employment placement status",
        codes: &[
            l("proposed", "Proposto", "Proposed"),
            l("active", "In corso", "Active"),
            l("completed", "Concluso", "Completed"),
            l("interrupted", "Interrotto", "Interrupted"),
        ],
    },
    CodeList {
        name: "work_transition",
        schema: "WorkTransitionCode",
        it: "Passaggio di stato dell'inserimento lavorativo",
        en: "Employment placement transition",
        codes: &[
            l("start", "Avvia", "Start"),
            l("complete", "Concludi", "Complete"),
            l("interrupt", "Interrompi", "Interrupt"),
        ],
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_codes_and_labels_are_unique_and_filled() {
        let mut names: Vec<&str> = CODE_LISTS.iter().map(|l| l.name).collect();
        let before = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), before, "a list name repeats");
        assert!(
            CODE_LISTS.windows(2).all(|w| w[0].name < w[1].name),
            "sorted by name"
        );
        for list in CODE_LISTS {
            assert!(!list.it.is_empty() && !list.en.is_empty(), "{}", list.name);
            let mut codes: Vec<&str> = list.codes.iter().map(|c| c.code).collect();
            let count = codes.len();
            codes.sort_unstable();
            codes.dedup();
            assert_eq!(codes.len(), count, "a code of {} repeats", list.name);
            for code in list.codes {
                assert!(!code.it.trim().is_empty(), "{}.{}", list.name, code.code);
                assert!(!code.en.trim().is_empty(), "{}.{}", list.name, code.code);
            }
        }
    }

    #[test]
    fn a_list_and_a_code_are_found() {
        let status = code_list("case_status").map(|l| l.label("active"));
        assert_eq!(status.flatten().map(|l| l.it), Some("In carico"));
        assert!(code_list("nope").is_none());
    }
}
