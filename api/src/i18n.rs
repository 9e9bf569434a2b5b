//! The language of problem documents: `Accept-Language: it` gives Italian titles and details
//! (`Content-Language: it`), anything else English (`Content-Language: en`), the language the
//! messages are written in. Titles are translated for every status and problem type; details and
//! the `errors` messages through a catalogue of the messages and message patterns the server
//! writes. A message the catalogue does not know stays in English, and the answer then says
//! `Content-Language: it, en`, so that no one is told a text is Italian when it is not.

use actix_web::http::header::HeaderValue;

use crate::error::Problem;

/// The language of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Language {
    /// English (the default, and the language the messages are written in).
    #[default]
    English,
    /// Italian.
    Italian,
}

impl Language {
    /// The language an `Accept-Language` header prefers among Italian and English (RFC 9110
    /// §12.5.4: the highest `q` wins, the earlier on a tie; `*` and other languages do not
    /// choose Italian). English when absent or unreadable.
    pub fn negotiate(header: Option<&HeaderValue>) -> Self {
        let Some(text) = header.and_then(|h| h.to_str().ok()) else {
            return Self::English;
        };
        let mut best: Option<(f32, Self)> = None;
        for item in text.split(',') {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .filter_map(|q| q.trim().parse::<f32>().ok())
                .next()
                .unwrap_or(1.0);
            let primary = tag.split('-').next().unwrap_or("");
            let language = match primary {
                "it" => Self::Italian,
                "en" => Self::English,
                _ => continue,
            };
            if q > 0.0 && best.is_none_or(|(b, _)| q > b) {
                best = Some((q, language));
            }
        }
        best.map_or(Self::English, |(_, l)| l)
    }
}

/// Puts a problem document into `language`; returns the `Content-Language` of the result.
pub fn localise(problem: &mut Problem, language: Language) -> &'static str {
    if language == Language::English {
        return "en";
    }
    let mut complete = true;
    problem.title = italian_title(problem).to_owned();
    if let Some(detail) = problem.detail.as_mut() {
        match translate(detail) {
            Some(italian) => *detail = italian,
            None => complete = false,
        }
    }
    for error in &mut problem.errors {
        match translate(&error.detail) {
            Some(italian) => error.detail = italian,
            None => complete = false,
        }
    }
    if complete { "it" } else { "it, en" }
}

fn italian_title(problem: &Problem) -> &'static str {
    match problem.problem_type.as_str() {
        "urn:socialcare:problem:duplicate-person" => return "La persona è già registrata",
        "urn:socialcare:problem:illegal-transition" => return "Passaggio di stato non consentito",
        "urn:socialcare:problem:validation-error" => return "Contenuto della richiesta non valido",
        _ => {}
    }
    match problem.status {
        400 => "Richiesta non valida",
        401 => "Autenticazione richiesta",
        403 => "Operazione non consentita",
        404 => "Risorsa non trovata",
        405 => "Metodo non consentito",
        406 => "Formato della risposta non disponibile",
        409 => "Conflitto con lo stato attuale",
        410 => "Non più disponibile",
        412 => "Precondizione non soddisfatta",
        413 => "Richiesta troppo grande",
        415 => "Tipo di contenuto non supportato",
        422 => "Contenuto della richiesta non valido",
        428 => "Precondizione richiesta",
        429 => "Troppe richieste",
        500 => "Errore interno del server",
        503 => "Servizio non disponibile",
        _ => "Errore",
    }
}

/// Messages the server writes, with their Italian text.
const EXACT: &[(&str, &str)] = &[
    ("an access token is required", "serve un token di accesso"),
    (
        "use `Authorization: Bearer <token>`",
        "usare `Authorization: Bearer <token>`",
    ),
    (
        "the Authorization header is not valid text",
        "l'intestazione Authorization non è testo valido",
    ),
    (
        "the access token has expired",
        "il token di accesso è scaduto",
    ),
    (
        "the access token is not valid yet",
        "il token di accesso non è ancora valido",
    ),
    (
        "the access token is not meant for this API",
        "il token di accesso non è destinato a questa API",
    ),
    (
        "the access token was issued by someone else",
        "il token di accesso è stato emesso da altri",
    ),
    (
        "the access token signature is invalid",
        "la firma del token di accesso non è valida",
    ),
    (
        "the access token uses a refused algorithm",
        "il token di accesso usa un algoritmo rifiutato",
    ),
    (
        "the access token is invalid",
        "il token di accesso non è valido",
    ),
    (
        "the access token subject is invalid",
        "il soggetto del token di accesso non è valido",
    ),
    (
        "the access token's scopes are invalid",
        "gli ambiti del token di accesso non sono validi",
    ),
    ("is required", "è obbligatorio"),
    (
        "must be an e-mail address",
        "deve essere un indirizzo e-mail",
    ),
    ("invalid length", "lunghezza non valida"),
    ("out of range", "fuori dall'intervallo ammesso"),
    ("must not be empty", "non deve essere vuoto"),
    ("must not be in the future", "non deve essere nel futuro"),
    ("must be a UUID", "deve essere un UUID"),
    (
        "must not contain control characters",
        "non deve contenere caratteri di controllo",
    ),
    (
        "is not a cursor returned by this API",
        "non è un cursore restituito da questa API",
    ),
    ("is not a JSON object", "non è un oggetto JSON"),
    (
        "must be a date between 1900-01-01 and 2199-12-31",
        "deve essere una data tra il 1900-01-01 e il 2199-12-31",
    ),
    (
        "must be an e-mail address such as name@comune.example.it",
        "deve essere un indirizzo e-mail come nome@comune.example.it",
    ),
    (
        "must be 16 characters (codice fiscale) or 11 digits (provisional code)",
        "deve avere 16 caratteri (codice fiscale) o 11 cifre (codice provvisorio)",
    ),
    (
        "must be a DSU protocol such as INPS-ISEE-2026-12345678X-00",
        "deve essere un protocollo DSU come INPS-ISEE-2026-12345678X-00",
    ),
    (
        "must be the person of the case file or a current member of the pact's household",
        "deve essere la persona della cartella o un componente attuale del nucleo del patto",
    ),
    (
        "must not be before the file was opened",
        "non deve precedere l'apertura della cartella",
    ),
    (
        "must not be before the day the placement started",
        "non deve precedere il giorno di inizio dell'inserimento",
    ),
    ("must use https", "deve usare https"),
    (
        "must not name an internal address",
        "non deve indicare un indirizzo interno",
    ),
    (
        "must not hold user information",
        "non deve contenere credenziali utente",
    ),
    (
        "must not hold a fragment",
        "non deve contenere un frammento",
    ),
    ("must start with a letter", "deve iniziare con una lettera"),
    (
        "must use at least 5 different characters",
        "deve usare almeno 5 caratteri diversi",
    ),
    (
        "must not contain the username",
        "non deve contenere il nome utente",
    ),
    (
        "must not contain digits or control characters",
        "non deve contenere cifre o caratteri di controllo",
    ),
    (
        "is required for money",
        "è obbligatorio per le prestazioni economiche",
    ),
    (
        "is only for money",
        "vale solo per le prestazioni economiche",
    ),
    (
        "is required when the benefit depends on the ISEE",
        "è obbligatorio quando la prestazione dipende dall'ISEE",
    ),
    (
        "is only for a benefit that depends on the ISEE",
        "vale solo per una prestazione che dipende dall'ISEE",
    ),
    (
        "is required unless `organisation_id` is given",
        "è obbligatorio se non si indica `organisation_id`",
    ),
    (
        "is required for a social cooperative (regional register)",
        "è obbligatorio per una cooperativa sociale (albo regionale)",
    ),
    (
        "is only for social cooperatives",
        "vale solo per le cooperative sociali",
    ),
    ("is only for `end`", "vale solo per `end`"),
    (
        "the request body could not be read",
        "non è stato possibile leggere il corpo della richiesta",
    ),
    (
        "the body has trailing characters after the JSON value",
        "il corpo contiene caratteri dopo il valore JSON",
    ),
    ("the resource does not exist", "la risorsa non esiste"),
    ("the person was annulled", "la persona è stata annullata"),
    (
        "the employer is annulled",
        "il datore di lavoro è stato annullato",
    ),
    (
        "the person belongs to no household today",
        "oggi la persona non appartiene a nessun nucleo",
    ),
    (
        "the person already has an open case file in this area",
        "la persona ha già una cartella aperta in quest'area",
    ),
    (
        "the case file has no assessment yet",
        "la cartella non ha ancora una valutazione",
    ),
    (
        "the household changed meanwhile; read it again and retry",
        "il nucleo è cambiato nel frattempo: rileggerlo e riprovare",
    ),
    (
        "the application already holds a place",
        "la domanda ha già un posto",
    ),
    (
        "no free place: every place is held",
        "nessun posto libero: tutti i posti sono occupati",
    ),
    (
        "this username is already taken",
        "questo nome utente è già in uso",
    ),
    ("the key is already revoked", "la chiave è già revocata"),
    (
        "the client is disabled or no longer registered",
        "il client è disattivato o non più registrato",
    ),
    (
        "the client's organisation is no longer active",
        "l'ente del client non è più attivo",
    ),
    (
        "only the author may edit a diary entry",
        "solo l'autore può modificare un'annotazione del diario",
    ),
    (
        "this break-glass access was already acknowledged",
        "questo accesso di emergenza è già stato verificato",
    ),
    (
        "this admission or placement already has its benefit record",
        "questa ammissione o inserimento ha già la sua prestazione registrata",
    ),
    (
        "no referral with this id is addressed to your organisation",
        "nessun invio con questo identificativo è indirizzato al vostro ente",
    ),
    (
        "no household with this id has the person of the case file among its members",
        "nessun nucleo con questo identificativo ha tra i componenti la persona della cartella",
    ),
    ("the database does not answer", "il database non risponde"),
    (
        "send If-Match with the ETag of the version you changed",
        "inviare If-Match con l'ETag della versione modificata",
    ),
    (
        "must not be empty: send the ETag of the version you changed",
        "non deve essere vuoto: inviare l'ETag della versione modificata",
    ),
    (
        "a request with this Idempotency-Key is being processed; retry shortly",
        "una richiesta con questa Idempotency-Key è in corso: riprovare tra poco",
    ),
    (
        "the account is disabled or no longer exists",
        "l'account è disattivato o non esiste più",
    ),
    (
        "one field is invalid; see `errors`",
        "un campo non è valido; vedere `errors`",
    ),
    (
        "invalid query parameters; see `errors`",
        "parametri della richiesta non validi; vedere `errors`",
    ),
    (
        "too many failed logins; wait before trying again",
        "troppi accessi falliti: attendere prima di riprovare",
    ),
    (
        "the database is not reachable",
        "il database non è raggiungibile",
    ),
    ("the database is busy", "il database è occupato"),
    (
        "only the `client_credentials` grant is offered to machine clients",
        "ai client applicativi è offerto solo il grant `client_credentials`",
    ),
    (
        "the urgency is assessed by the social worker of the case",
        "l'urgenza è valutata dall'assistente sociale del caso",
    ),
];

/// Message patterns (`{}` stands for a value carried over) with their Italian text.
const PATTERNS: &[(&str, &str)] = &[
    (
        "length must be between {} and {}",
        "la lunghezza deve essere tra {} e {}",
    ),
    (
        "length must be at least {}",
        "la lunghezza deve essere almeno {}",
    ),
    (
        "length must be at most {}",
        "la lunghezza deve essere al massimo {}",
    ),
    ("must be between {} and {}", "deve essere tra {} e {}"),
    ("must be at least {}", "deve essere almeno {}"),
    ("is invalid ({})", "non è valido ({})"),
    ("missing field `{}`", "il campo `{}` è obbligatorio"),
    (
        "unknown field `{}`, expected one of {}",
        "campo `{}` sconosciuto; ammessi: {}",
    ),
    (
        "unknown field `{}`, there are no fields",
        "campo `{}` sconosciuto: non sono ammessi campi",
    ),
    (
        "unknown variant `{}`, expected one of {}",
        "valore `{}` sconosciuto; ammessi: {}",
    ),
    (
        "unknown variant `{}`, expected {}",
        "valore `{}` sconosciuto; ammesso: {}",
    ),
    (
        "invalid type: {}, expected {}",
        "tipo non valido: {}; atteso: {}",
    ),
    (
        "invalid value: {}, expected {}",
        "valore non valido: {}; atteso: {}",
    ),
    (
        "invalid length {}, expected {}",
        "lunghezza non valida {}; attesa: {}",
    ),
    ("duplicate field `{}`", "campo `{}` ripetuto"),
    (
        "must be at most {} characters long",
        "deve avere al massimo {} caratteri",
    ),
    (
        "must be at most {} characters",
        "deve avere al massimo {} caratteri",
    ),
    (
        "must not contain control characters ({})",
        "non deve contenere caratteri di controllo ({})",
    ),
    ("must not be before {}", "non deve precedere {}"),
    ("must be after {}", "deve essere successivo a {}"),
    (
        "more than {} requests in a minute: retry in {} s",
        "più di {} richieste in un minuto: riprovare tra {} s",
    ),
    (
        "your roles do not allow `{}`",
        "i vostri ruoli non consentono `{}`",
    ),
    (
        "the client's scopes do not allow `{}`",
        "gli ambiti del client non consentono `{}`",
    ),
    (
        "{} fields are invalid; see `errors`",
        "{} campi non sono validi; vedere `errors`",
    ),
    (
        "invalid parameter `{}`: {}",
        "parametro `{}` non valido: {}",
    ),
    (
        "the request body exceeds {} bytes",
        "il corpo della richiesta supera {} byte",
    ),
    (
        "the resource has changed: its current ETag is {}; read it again and retry",
        "la risorsa è cambiata: il suo ETag attuale è {}; rileggerla e riprovare",
    ),
    (
        "the body is not valid JSON: {}",
        "il corpo non è JSON valido: {}",
    ),
    ("invalid path: {}", "percorso non valido: {}"),
    (
        "no code list is named `{}`; see GET /codes",
        "nessun elenco di codici si chiama `{}`; vedere GET /codes",
    ),
    (
        "is not a public key for {}",
        "non è una chiave pubblica per {}",
    ),
    ("must be at most {}", "deve essere al massimo {}"),
];

/// The things a "no … with this id" or "no such … in this …" message names, with the
/// indefinite article.
const NOUNS: &[(&str, &str)] = &[
    ("active user", "un utente attivo"),
    ("application", "una domanda"),
    ("bed", "un posto letto"),
    ("benefit", "una prestazione"),
    ("break-glass access", "un accesso di emergenza"),
    ("case file", "una cartella sociale"),
    ("commitment", "un impegno"),
    ("contract", "un contratto"),
    ("criteria set", "un insieme di criteri"),
    ("employer", "un datore di lavoro"),
    ("employment placement", "un inserimento lavorativo"),
    ("facility", "una struttura"),
    ("household", "un nucleo familiare"),
    ("machine client", "un client applicativo"),
    ("pact", "un patto"),
    ("partner organisation", "un ente partner"),
    ("person", "una persona"),
    ("placement", "un inserimento"),
    ("project", "un progetto"),
    ("published ranking", "una graduatoria pubblicata"),
    ("referral", "un invio"),
    ("resource", "una risorsa"),
    ("staff member", "un operatore"),
    ("training event", "un evento formativo"),
    ("user", "un utente"),
    (
        "webhook subscription of this client",
        "una sottoscrizione webhook di questo client",
    ),
    ("action", "un'azione"),
    ("assessment", "una valutazione"),
    ("assignment", "un'assegnazione"),
    ("check", "una verifica"),
    ("consent", "un consenso"),
    ("diary entry", "un'annotazione del diario"),
    ("objective", "un obiettivo"),
    ("participant", "un partecipante"),
    ("review", "una verifica"),
    ("membership", "un'appartenenza"),
];

/// The containers of a "no such … in this …" message.
const CONTAINERS: &[(&str, &str)] = &[
    ("case file", "in questa cartella"),
    ("project", "in questo progetto"),
    ("pact", "in questo patto"),
    ("placement", "in questo inserimento"),
    ("household", "in questo nucleo"),
];

fn noun(english: &str) -> Option<&'static str> {
    NOUNS
        .iter()
        .find(|(en, _)| *en == english)
        .map(|(_, it)| *it)
}

fn container(english: &str) -> Option<&'static str> {
    CONTAINERS
        .iter()
        .find(|(en, _)| *en == english)
        .map(|(_, it)| *it)
}

/// The Italian of a message, when the catalogue knows it.
pub fn translate(message: &str) -> Option<String> {
    if let Some((_, italian)) = EXACT.iter().find(|(en, _)| *en == message) {
        return Some((*italian).to_owned());
    }
    if let Some(thing) = message
        .strip_prefix("no ")
        .and_then(|m| m.strip_suffix(" with this id"))
        && let Some(it) = noun(&thing.replace('_', " "))
    {
        return Some(format!("non esiste {it} con questo identificativo"));
    }
    if let Some((thing, place)) = message
        .strip_prefix("no ")
        .and_then(|m| m.split_once(" with this id in this "))
        && let (Some(it), Some(inside)) = (noun(thing), container(place))
    {
        return Some(format!(
            "non esiste {it} con questo identificativo {inside}"
        ));
    }
    if let Some((thing, place)) = message
        .strip_prefix("no such ")
        .and_then(|m| m.split_once(" in this "))
        && let (Some(it), Some(inside)) = (noun(thing), container(place))
    {
        return Some(format!("non esiste {it} {inside}"));
    }
    if let Some([thing, action]) = captures("your relation to this {} does not allow `{}`", message)
        .as_deref()
        .and_then(|v| <[&str; 2]>::try_from(v).ok())
    {
        let it = noun(&thing.replace('_', " "))?;
        let this = it
            .strip_prefix("un'")
            .map(|n| format!("quest'{n}"))
            .or_else(|| it.strip_prefix("una ").map(|n| format!("questa {n}")))
            .or_else(|| it.strip_prefix("un ").map(|n| format!("questo {n}")))?;
        return Some(format!(
            "la vostra relazione con {this} non consente `{action}`"
        ));
    }
    PATTERNS
        .iter()
        .find_map(|(pattern, italian)| fill(italian, &captures(pattern, message)?))
}

/// The values a message holds where its pattern has `{}`, when it matches the pattern.
fn captures<'m>(pattern: &str, message: &'m str) -> Option<Vec<&'m str>> {
    let parts: Vec<&str> = pattern.split("{}").collect();
    let (first, rest) = parts.split_first()?;
    let mut remaining = message.strip_prefix(first)?;
    let mut values = Vec::new();
    for (i, part) in rest.iter().enumerate() {
        let last = i + 1 == rest.len();
        let end = if last {
            if part.is_empty() {
                remaining.len()
            } else {
                remaining.strip_suffix(part).map(str::len)?
            }
        } else {
            remaining.find(part)?
        };
        let value = &remaining[..end];
        if value.is_empty() {
            return None;
        }
        values.push(value);
        remaining = &remaining[end + part.len()..];
    }
    remaining.is_empty().then_some(values)
}

fn fill(template: &str, values: &[&str]) -> Option<String> {
    let mut out = String::new();
    let mut values = values.iter();
    let mut parts = template.split("{}").peekable();
    while let Some(part) = parts.next() {
        out.push_str(part);
        if parts.peek().is_some() {
            out.push_str(values.next()?);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn negotiate(value: &str) -> Language {
        Language::negotiate(Some(&HeaderValue::from_str(value).unwrap()))
    }

    #[test]
    fn italian_is_chosen_when_preferred() {
        assert_eq!(Language::negotiate(None), Language::English);
        assert_eq!(negotiate("it"), Language::Italian);
        assert_eq!(negotiate("it-IT,it;q=0.9,en;q=0.8"), Language::Italian);
        assert_eq!(negotiate("en-GB,it;q=0.5"), Language::English);
        assert_eq!(negotiate("de, it;q=0.3"), Language::Italian);
        assert_eq!(negotiate("it;q=0, en"), Language::English);
        assert_eq!(negotiate("fr, *"), Language::English);
        assert_eq!(negotiate("en;q=0.4, IT;q=0.6"), Language::Italian);
    }

    #[test]
    fn messages_and_patterns_are_translated() {
        assert_eq!(translate("is required").as_deref(), Some("è obbligatorio"));
        assert_eq!(
            translate("no case file with this id").as_deref(),
            Some("non esiste una cartella sociale con questo identificativo")
        );
        assert_eq!(
            translate("no such consent in this case file").as_deref(),
            Some("non esiste un consenso in questa cartella")
        );
        assert_eq!(
            translate("no review with this id in this placement").as_deref(),
            Some("non esiste una verifica con questo identificativo in questo inserimento")
        );
        assert_eq!(
            translate("must be at most 200 characters long").as_deref(),
            Some("deve avere al massimo 200 caratteri")
        );
        assert_eq!(
            translate("more than 3 requests in a minute: retry in 20 s").as_deref(),
            Some("più di 3 richieste in un minuto: riprovare tra 20 s")
        );
        assert_eq!(
            translate("your relation to this case_file does not allow `case_file.read`").as_deref(),
            Some("la vostra relazione con questa cartella sociale non consente `case_file.read`")
        );
        assert_eq!(
            translate("no diary_entry with this id").as_deref(),
            Some("non esiste un'annotazione del diario con questo identificativo")
        );
        assert_eq!(translate("something nobody wrote"), None);
        assert_eq!(translate("no unicorn with this id"), None);
    }

    #[test]
    fn patterns_match_whole_messages_only() {
        assert_eq!(captures("a {} b", "a x b"), Some(vec!["x"]));
        assert_eq!(captures("a {} b", "a x b c"), None);
        assert_eq!(captures("a {} b", "a  b"), None);
        assert_eq!(captures("{} and {}", "x and y"), Some(vec!["x", "y"]));
        assert_eq!(captures("a {}", "a xyz"), Some(vec!["xyz"]));
        assert_eq!(fill("{} e {}", &["x", "y"]).as_deref(), Some("x e y"));
        assert!(fill("{} e {}", &["x"]).is_none());
    }

    #[test]
    fn the_catalogue_holds_no_duplicate_and_keeps_every_value() {
        let mut english: Vec<&str> = EXACT.iter().map(|(en, _)| *en).collect();
        let count = english.len();
        english.sort_unstable();
        english.dedup();
        assert_eq!(english.len(), count);
        for (en, it) in PATTERNS {
            assert_eq!(en.matches("{}").count(), it.matches("{}").count(), "{en}");
        }
    }

    #[test]
    fn a_problem_is_localised_with_its_content_language() {
        let mut problem = Problem::from_status(
            actix_web::http::StatusCode::NOT_FOUND,
            Some("no person with this id".into()),
        );
        assert_eq!(localise(&mut problem.clone(), Language::English), "en");
        assert_eq!(localise(&mut problem, Language::Italian), "it");
        assert_eq!(problem.title, "Risorsa non trovata");
        let mut partly = Problem::from_status(
            actix_web::http::StatusCode::CONFLICT,
            Some("an untranslated message".into()),
        );
        assert_eq!(localise(&mut partly, Language::Italian), "it, en");
        assert_eq!(partly.title, "Conflitto con lo stato attuale");
        assert_eq!(partly.detail.as_deref(), Some("an untranslated message"));
    }
}
