//! Italian free texts of the office: diary entries of varied length, assessment notes, reasons
//! of transitions, referrals and replies. Composed from sentence pools so that five million
//! entries are neither identical nor all the same length.

use rand::Rng;
use rand::rngs::StdRng;
use socialcare_domain::case_file::{CaseTransition, DiaryEntryKind};

use super::util::{chance, pick};

/// Who a text talks about.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    /// The person is a woman.
    pub female: bool,
    /// Family name of the person.
    pub family: &'a str,
}

impl Subject<'_> {
    fn title(&self) -> String {
        if self.female {
            format!("la sig.ra {}", self.family)
        } else {
            format!("il sig. {}", self.family)
        }
    }

    fn of_title(&self) -> String {
        if self.female {
            format!("della sig.ra {}", self.family)
        } else {
            format!("del sig. {}", self.family)
        }
    }

    fn title_upper(&self) -> String {
        if self.female {
            format!("La sig.ra {}", self.family)
        } else {
            format!("Il sig. {}", self.family)
        }
    }

    fn suffix(&self) -> &'static str {
        if self.female { "a" } else { "o" }
    }
}

const INTERVIEW_OPEN: &[&str] = &[
    "Colloquio in ufficio con {P}.",
    "Colloquio programmato presso la sede del servizio con {P}.",
    "{PU} si presenta in ufficio senza appuntamento e chiede di essere ricevut{s}.",
    "Colloquio di verifica del percorso concordato con {P}.",
    "Colloquio di accoglienza: {P} racconta la propria situazione.",
    "Colloquio con {P}, accompagnat{s} da un familiare.",
    "Secondo colloquio di approfondimento con {P}.",
];

const HOME_VISIT_OPEN: &[&str] = &[
    "Visita domiciliare presso l'abitazione {DP}.",
    "Visita domiciliare concordata; presente anche un familiare.",
    "Visita domiciliare congiunta con l'educatore di riferimento.",
    "Visita domiciliare non programmata a seguito di segnalazione del vicinato.",
    "Visita presso l'alloggio temporaneo in cui {P} è attualmente ospitat{s}.",
];

const PHONE_OPEN: &[&str] = &[
    "Telefonata con {P}.",
    "Contatto telefonico con {O}.",
    "{PU} telefona per chiedere informazioni sulla domanda presentata.",
    "Telefonata di verifica dopo l'ultimo colloquio.",
    "Telefonata con {O} in merito alla situazione {DP}.",
    "Tentativo di contatto telefonico: nessuna risposta, lasciato messaggio.",
];

const MEETING_OPEN: &[&str] = &[
    "Incontro con {O} per fare il punto sul percorso {DP}.",
    "Incontro congiunto con {P} e i familiari.",
    "Incontro presso {O} alla presenza {DP}.",
    "Incontro di rete con i servizi coinvolti.",
    "Incontro con il datore di lavoro per la verifica del tirocinio.",
];

const TEAM_OPEN: &[&str] = &[
    "Riunione d'équipe sulla situazione {DP}.",
    "Équipe multiprofessionale con {O}.",
    "Discussione del caso in équipe di area.",
    "Riunione di coordinamento con l'educatore e il coordinatore d'area.",
];

const NOTE_OPEN: &[&str] = &[
    "Annotazione.",
    "Nota di servizio.",
    "Si annota quanto segue.",
    "Aggiornamento della situazione.",
    "Ricevuta documentazione dall'ente ({ON}).",
];

const BODY: &[&str] = &[
    "{PU} riferisce difficoltà a trovare un alloggio stabile e chiede supporto per la domanda di edilizia pubblica.",
    "L'abitazione si presenta in condizioni discrete, ma con evidenti problemi di umidità nella camera da letto.",
    "Il contratto di locazione scade alla fine del mese e il proprietario non intende rinnovarlo.",
    "Si valuta l'inserimento temporaneo in una struttura di accoglienza a bassa soglia.",
    "{PU} dorme da alcune notti presso il dormitorio cittadino e chiede di poter prolungare la permanenza.",
    "Il nucleo vive in un alloggio sovraffollato: cinque persone in due stanze.",
    "Persistono arretrati nel pagamento delle utenze; si concorda un piano di rientro con il gestore.",
    "{PU} dichiara di non avere entrate da circa tre mesi, dopo la fine del contratto a termine.",
    "Si verifica il possesso dei requisiti per {MEASURE} e si aiuta {P} nella compilazione della domanda.",
    "L'Assegno unico provinciale è stato sospeso per la mancata presentazione dell'ICEF aggiornata.",
    "Si consegna un buono spesa e si attiva il contributo per le utenze domestiche.",
    "{PU} ha svolto colloqui presso due aziende del settore pulizie, al momento senza esito.",
    "Il tirocinio di inclusione procede regolarmente; il tutor aziendale riferisce puntualità e impegno.",
    "Si concorda l'iscrizione a un corso di lingua italiana di livello A2.",
    "Si propone un percorso di orientamento con l'Agenzia del Lavoro.",
    "{PU} riferisce un peggioramento delle condizioni di salute e riprende il contatto con il medico di base.",
    "Si raccomanda la ripresa delle visite presso il Centro di salute mentale, interrotte da alcuni mesi.",
    "{PU} ha iniziato il programma terapeutico presso il SerD e vi partecipa con regolarità.",
    "La figlia minore frequenta regolarmente la scuola; la madre segnala difficoltà nei compiti pomeridiani.",
    "Emergono tensioni nel rapporto con il coniuge; {P} chiede informazioni sui centri antiviolenza.",
    "I familiari si rendono disponibili a un maggiore coinvolgimento nel progetto di vita.",
    "La rete familiare è debole: i figli vivono fuori provincia e si sentono raramente.",
    "Il permesso di soggiorno è in scadenza; si fissa un appuntamento per il rinnovo presso la Questura.",
    "Manca il documento d'identità in corso di validità: si avvia la richiesta all'anagrafe.",
    "Si richiede l'iscrizione anagrafica con residenza fittizia per consentire l'accesso ai servizi sanitari.",
    "Il legale {DP} comunica la data dell'udienza; si concorda di aggiornarsi dopo l'esito.",
    "L'UEPE conferma la disponibilità a proseguire la misura alternativa con il supporto del servizio.",
    "Si valuta la fine pena prevista e l'avvio della ricerca di un alloggio in vista della scarcerazione.",
    "{PU} appare più seren{s} rispetto all'ultimo incontro e collabora attivamente.",
    "{PU} appare affaticat{s} e poco motivat{s}; si decide di rallentare i tempi del progetto.",
    "La situazione resta sostanzialmente invariata rispetto al precedente aggiornamento.",
    "Si verifica la regolare frequenza del centro diurno per persone con disabilità.",
    "La domanda di riconoscimento dell'invalidità civile è stata presentata; si attende la visita della commissione.",
    "Si concorda con la famiglia l'attivazione del servizio di assistenza domiciliare due volte a settimana.",
    "Si discute la possibilità di un inserimento in un progetto di abitare sociale ai sensi della L. 112/2016.",
    "L'amministratore di sostegno è stato informato degli sviluppi e concorda con il percorso proposto.",
    "{PU} ha restituito firmata l'informativa sul trattamento dei dati.",
    "Si consegna l'elenco dei documenti necessari per la domanda di contributo.",
    "Sono state verificate le spese sostenute nel mese e la ricevuta dell'affitto.",
    "Il gestore della struttura segnala il rispetto del regolamento e dei turni di pulizia.",
    "{PU} chiede informazioni sul Progetto utile alla collettività previsto dal patto.",
    "Si segnala la mancata presentazione all'appuntamento presso il Centro per l'impiego.",
    "Si prende atto della giustificazione presentata (certificato medico).",
];

const CLOSE: &[&str] = &[
    "Si concorda un nuovo colloquio tra due settimane.",
    "Prossima verifica fissata per il mese prossimo.",
    "Si rimane in attesa di un riscontro ({ON}).",
    "{PU} si rende disponibile a ricontattare il servizio in caso di necessità.",
    "Si aggiorna il progetto alla luce di quanto emerso.",
    "Si informa il coordinatore d'area.",
    "Si fissa una visita domiciliare entro fine mese.",
    "Nessuna ulteriore azione per il momento.",
];

const TEAM_POINTS: &[&str] = &[
    "andamento del tirocinio e prospettive di assunzione",
    "situazione abitativa e possibili soluzioni temporanee",
    "rapporti con la rete familiare",
    "adesione ai controlli sanitari",
    "scadenze del patto per l'inclusione sociale",
    "verifica degli obiettivi del progetto personalizzato",
    "gestione del budget familiare",
    "frequenza scolastica dei minori",
    "rinnovo dei documenti",
    "coinvolgimento del privato sociale",
];

/// An organisation's name with its article (`il Centro per l'impiego…`, `l'UEPE…`).
fn with_article(name: &str) -> String {
    let first = name.split(' ').next().unwrap_or_default();
    let article = match first {
        "Cooperativa" | "Fondazione" | "Caritas" | "Casa" => "la ",
        "UEPE" | "Agenzia" | "Azienda" | "Istituto" => "l'",
        "il" | "la" | "l'" => "",
        _ => "il ",
    };
    format!("{article}{name}")
}

/// Replaces the placeholders of a pool sentence.
fn fill(template: &str, who: &Subject<'_>, org: &str) -> String {
    template
        .replace("{PU}", &who.title_upper())
        .replace("{DP}", &who.of_title())
        .replace("{P}", &who.title())
        .replace("{ON}", org)
        .replace("{O}", &with_article(org))
        .replace("{s}", who.suffix())
}

/// A diary entry text for `kind` about `who`, naming `org` where a partner is mentioned, written
/// in `year` (the national income support was the Reddito di cittadinanza before 2024): half of
/// them one or two sentences, most of the rest a short paragraph, one in ten a long account
/// (team meetings take minutes with a list of the points discussed).
pub fn diary(
    rng: &mut StdRng,
    kind: DiaryEntryKind,
    who: &Subject<'_>,
    org: &str,
    year: i32,
) -> String {
    let text = diary_text(rng, kind, who, org);
    let measure = if year < 2024 {
        "il Reddito di cittadinanza"
    } else {
        "l'Assegno di inclusione"
    };
    text.replace("{MEASURE}", measure)
}

fn diary_text(rng: &mut StdRng, kind: DiaryEntryKind, who: &Subject<'_>, org: &str) -> String {
    let open = match kind {
        DiaryEntryKind::Interview => INTERVIEW_OPEN,
        DiaryEntryKind::HomeVisit => HOME_VISIT_OPEN,
        DiaryEntryKind::PhoneCall => PHONE_OPEN,
        DiaryEntryKind::Meeting => MEETING_OPEN,
        DiaryEntryKind::TeamMeeting => TEAM_OPEN,
        DiaryEntryKind::Note => NOTE_OPEN,
    };
    let mut text = fill(pick(rng, open), who, org);
    let roll: f64 = rng.random();
    let body = if roll < 0.5 {
        rng.random_range(0..=1)
    } else if roll < 0.9 {
        rng.random_range(2..=4)
    } else {
        rng.random_range(5..=10)
    };
    if kind == DiaryEntryKind::TeamMeeting && body >= 2 {
        text.push_str("\nPresenti: assistente sociale referente, educatore, coordinatore d'area.");
        text.push_str("\nPunti discussi:");
        for _ in 0..body.min(5) {
            text.push_str("\n- ");
            text.push_str(pick(rng, TEAM_POINTS));
        }
        text.push_str("\nEsito: ");
        text.push_str(&fill(pick(rng, BODY), who, org));
        for _ in 5..body {
            text.push(' ');
            text.push_str(&fill(pick(rng, BODY), who, org));
        }
        return text;
    }
    for _ in 0..body {
        text.push(' ');
        text.push_str(&fill(pick(rng, BODY), who, org));
    }
    if body > 0 || chance(rng, 0.5) {
        text.push(' ');
        text.push_str(&fill(pick(rng, CLOSE), who, org));
    }
    text
}

/// The text of an entry correcting an earlier one.
pub fn correction(rng: &mut StdRng, who: &Subject<'_>, org: &str) -> String {
    const WHAT: &[&str] = &[
        "Rettifica dell'annotazione precedente: la data del colloquio riportata era errata.",
        "Rettifica: l'incontro si è svolto presso la sede del servizio e non a domicilio.",
        "A integrazione e correzione della nota precedente:",
        "Correzione: il servizio citato nella nota precedente è un altro.",
    ];
    format!("{} {}", pick(rng, WHAT), fill(pick(rng, BODY), who, org))
        .replace("{MEASURE}", GENERIC_MEASURE)
}

/// The income support measure named where the year is not known.
const GENERIC_MEASURE: &str = "una misura di sostegno al reddito";

/// The reason text of a case-file transition.
pub fn transition_reason(rng: &mut StdRng, transition: CaseTransition) -> &'static str {
    let pool: &[&str] = match transition {
        CaseTransition::Activate => &[
            "Valutazione conclusa: presa in carico.",
            "Conclusa la fase di accoglienza, si avvia il progetto.",
            "Presa in carico condivisa in équipe di area.",
        ],
        CaseTransition::Suspend => &[
            "Ricovero ospedaliero prolungato.",
            "Temporaneamente fuori provincia per motivi familiari.",
            "Detenzione in corso: il percorso riprenderà alla scarcerazione.",
            "La persona ha chiesto una pausa del percorso.",
        ],
        CaseTransition::Resume => &[
            "Rientro dopo il ricovero: si riprende il percorso.",
            "La persona è rientrata a Trento e chiede di riprendere.",
            "Ripresa del progetto concordata in colloquio.",
        ],
        CaseTransition::Close => &[
            "Obiettivi del progetto raggiunti.",
            "Trasferimento di residenza in altro comune.",
            "Presa in carico da parte di altro servizio.",
            "La persona non si presenta più da mesi e non è reperibile.",
            "La persona rinuncia ai servizi proposti.",
            "Vengono meno i requisiti per la presa in carico.",
        ],
        CaseTransition::Reopen => &[
            "Nuova richiesta di aiuto dopo la chiusura.",
            "Segnalazione di un peggioramento della situazione.",
            "Riapertura su richiesta del Centro per l'impiego.",
        ],
    };
    pick(rng, pool)
}

/// Notes of an assessment (valutazione del bisogno).
pub fn assessment_notes(rng: &mut StdRng, who: &Subject<'_>) -> String {
    let mut text = String::from(pick(
        rng,
        &[
            "Valutazione iniziale del bisogno.",
            "Aggiornamento della valutazione dopo sei mesi di progetto.",
            "Rivalutazione a seguito di cambiamenti nella situazione familiare.",
            "Valutazione condivisa in équipe.",
        ],
    ));
    for _ in 0..rng.random_range(1..=3) {
        text.push(' ');
        text.push_str(&fill(pick(rng, BODY), who, "il servizio"));
    }
    text.replace("{MEASURE}", GENERIC_MEASURE)
}

/// The reason of a referral to `service`.
pub fn referral_reason(rng: &mut StdRng, service: &str) -> &'static str {
    match service {
        "employment_centre" => pick(
            rng,
            &[
                "Richiesta di presa in carico per l'orientamento al lavoro e la sottoscrizione del patto di servizio.",
                "Invio per l'attivazione del percorso lavorativo previsto dall'Assegno di inclusione.",
            ],
        ),
        "labour_agency" => pick(
            rng,
            &[
                "Richiesta di valutazione per un tirocinio di inclusione sociale.",
                "Segnalazione per i progetti provinciali di inserimento lavorativo di persone svantaggiate.",
            ],
        ),
        "mental_health_centre" => pick(
            rng,
            &[
                "Richiesta di valutazione specialistica per sospetto disturbo dell'umore.",
                "Ripresa della presa in carico dopo l'interruzione dei controlli.",
            ],
        ),
        "addiction_service" => pick(
            rng,
            &[
                "Uso problematico di alcol riferito dai familiari: richiesta di valutazione.",
                "Richiesta di presa in carico congiunta per dipendenza da gioco d'azzardo.",
            ],
        ),
        "probation_office" => pick(
            rng,
            &[
                "Aggiornamento sulla misura alternativa e sul progetto di reinserimento.",
                "Richiesta di relazione per l'udienza presso il Tribunale di sorveglianza.",
            ],
        ),
        "health_district" => pick(
            rng,
            &[
                "Richiesta di attivazione dell'assistenza domiciliare integrata.",
                "Valutazione dell'Unità valutativa multidisciplinare per l'inserimento in RSA.",
            ],
        ),
        "cooperative" => pick(
            rng,
            &[
                "Richiesta di inserimento nel laboratorio occupazionale.",
                "Richiesta di un posto in alloggio a bassa soglia.",
            ],
        ),
        _ => pick(
            rng,
            &[
                "Richiesta di supporto per pacco alimentare e vestiario.",
                "Segnalazione per accoglienza notturna nel periodo invernale.",
            ],
        ),
    }
}

/// The reply of the receiving service.
pub fn referral_reply(rng: &mut StdRng, accepted: bool) -> &'static str {
    if accepted {
        pick(
            rng,
            &[
                "Presa in carico confermata; primo appuntamento fissato.",
                "Richiesta accolta, la persona è stata contattata.",
                "Accolta: inserimento previsto dal mese prossimo.",
            ],
        )
    } else {
        pick(
            rng,
            &[
                "Non sussistono i requisiti per la presa in carico.",
                "Lista d'attesa chiusa: ripresentare la richiesta tra tre mesi.",
                "La persona non si è presentata al primo appuntamento.",
            ],
        )
    }
}

/// The note of a referral closed after the reply.
pub fn referral_close_note(rng: &mut StdRng) -> Option<&'static str> {
    if chance(rng, 0.4) {
        return None;
    }
    Some(pick(
        rng,
        &[
            "Percorso concluso.",
            "Chiusura concordata con il servizio.",
            "Nessun ulteriore seguito.",
        ],
    ))
}

/// A reason to revoke a data-sharing consent.
pub fn revocation_reason(rng: &mut StdRng) -> &'static str {
    pick(
        rng,
        &[
            "La persona revoca il consenso in colloquio.",
            "Revoca scritta consegnata allo sportello.",
            "Il percorso con l'ente è concluso e la persona chiede di non condividere più i dati.",
        ],
    )
}
