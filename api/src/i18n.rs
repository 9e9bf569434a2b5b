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
    // The verifiable audit log.
    (
        "the audit log has no checkpoint yet: try again within the merge delay",
        "il registro di audit non ha ancora un checkpoint: riprovare entro il ritardo di integrazione",
    ),
    (
        "no witness has cosigned a checkpoint of the audit log yet",
        "nessun testimone ha ancora controfirmato un checkpoint del registro di audit",
    ),
    (
        "no audit record with this id",
        "non esiste una registrazione di audit con questo identificativo",
    ),
    (
        "must not be above `second` (or the tree's size)",
        "non deve superare `second` (o la dimensione dell'albero)",
    ),
    // The data subject's copy and retention.
    (
        "the retention procedure pseudonymised this person: nothing more is recorded on the pseudonym; register the person again if they come back",
        "la procedura di conservazione ha pseudonimizzato questa persona: sullo pseudonimo non si registra più nulla; se torna, registrarla di nuovo",
    ),
    (
        "the copy is given as application/json or text/html",
        "la copia è fornita come application/json o text/html",
    ),
    (
        "another retention run is working now: GET /retention/runs shows it",
        "un'altra esecuzione della conservazione è in corso: GET /retention/runs la mostra",
    ),
    (
        "this run was taken over as interrupted: GET /retention/runs shows where it stands",
        "questa esecuzione è stata considerata interrotta: GET /retention/runs mostra a che punto è",
    ),
    (
        "no retention run with this id",
        "non esiste un'esecuzione della conservazione con questo identificativo",
    ),
    (
        "the retention procedure erased this file; its record stays",
        "la procedura di conservazione ha cancellato questo file; ne resta la registrazione",
    ),
    // Bulk import.
    ("send the file as text/csv", "inviare il file come text/csv"),
    (
        "no import with this id",
        "non esiste un'importazione con questo identificativo",
    ),
    (
        "another request is importing this file now: send it again when it has finished (GET /imports lists the imports)",
        "un'altra richiesta sta importando questo file: inviarlo di nuovo quando avrà finito (GET /imports elenca le importazioni)",
    ),
    (
        "another request is importing this file now: send it again when it has finished",
        "un'altra richiesta sta importando questo file: inviarlo di nuovo quando avrà finito",
    ),
    (
        "another request took this import over: GET the import to see where it stands",
        "un'altra richiesta ha preso in carico questa importazione: leggerla (GET) per vedere a che punto è",
    ),
    (
        "the file has a header but no rows",
        "il file ha l'intestazione ma nessuna riga",
    ),
    (
        "the header row names one column: separate the columns with `;` or `,`",
        "la riga di intestazione nomina una sola colonna: separare le colonne con `;` o `,`",
    ),
    ("an access token is required", "serve un token di accesso"),
    (
        "the year of a period must be between 2000 and 2100",
        "l'anno di un periodo deve essere tra il 2000 e il 2100",
    ),
    (
        "an indicator is given as application/json or text/csv",
        "un indicatore è disponibile come application/json o text/csv",
    ),
    (
        "the granting body's code is not configured (SOCIALCARE_SIUSS_BODY_CODE): no file can be made",
        "il codice dell'ente erogatore non è configurato (SOCIALCARE_SIUSS_BODY_CODE): nessun file può essere prodotto",
    ),
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
    (
        "`per_month` must be at least 1 and `max` at least `per_month`",
        "`per_month` deve essere almeno 1 e `max` almeno `per_month`",
    ),
    (
        "`rdc` is a legacy measure: its pacts can only be read and closed",
        "`rdc` è una misura cessata: i suoi patti si possono solo leggere e chiudere",
    ),
    ("a JSON body is required", "serve un corpo JSON"),
    (
        "a bed is reserved to `men` or `women` only",
        "un posto letto è riservato solo a `men` o `women`",
    ),
    (
        "a closing reason is required to close a case file",
        "per chiudere una cartella serve il motivo di chiusura",
    ),
    (
        "a community-utility project (PUC) is run by a public body or the third sector, not a company",
        "un progetto utile alla collettività (PUC) è gestito da un ente pubblico o dal terzo settore, non da un'impresa",
    ),
    (
        "a contract is recorded for at most ten years",
        "un contratto si registra per al massimo dieci anni",
    ),
    (
        "a contract with this CIG is recorded: search it with `cig`",
        "un contratto con questo CIG è già registrato: cercarlo con `cig`",
    ),
    (
        "a household member is identified by their person id",
        "un componente del nucleo si indica con l'identificativo della persona",
    ),
    (
        "a justified commitment needs the reason",
        "un impegno giustificato richiede il motivo",
    ),
    (
        "a partita IVA or a tax code is required",
        "serve una partita IVA o un codice fiscale",
    ),
    (
        "a partner answers with `accept` or `reject`; closing is the office's",
        "un partner risponde con `accept` o `reject`; la chiusura spetta al servizio",
    ),
    (
        "a person cannot be merged into itself",
        "una persona non può essere unificata con sé stessa",
    ),
    (
        "a person without residence has no address",
        "una persona senza residenza non ha indirizzo",
    ),
    (
        "a placement is planned for at most three years",
        "un inserimento si programma per al massimo tre anni",
    ),
    ("a reason is required", "serve un motivo"),
    (
        "a reason is required for every change of status",
        "ogni cambio di stato richiede un motivo",
    ),
    (
        "a reason is required to interrupt a project",
        "per interrompere un progetto serve un motivo",
    ),
    (
        "a reason is required to revoke a consent",
        "per revocare un consenso serve un motivo",
    ),
    (
        "a reserved contract is awarded to a social cooperative",
        "un appalto riservato si aggiudica a una cooperativa sociale",
    ),
    (
        "a season lasts at most 366 nights",
        "una stagione dura al massimo 366 notti",
    ),
    (
        "a staff participant is identified by their user id",
        "un operatore partecipante si indica con il suo identificativo utente",
    ),
    (
        "a stay is booked for at most 731 nights at a time",
        "un soggiorno si prenota per al massimo 731 notti alla volta",
    ),
    (
        "a stay is booked for at most 731 nights at a time; extend it later",
        "un soggiorno si prenota per al massimo 731 notti alla volta; prolungarlo in seguito",
    ),
    (
        "a training register is read by its staff member, the office manager and the administrative staff",
        "il registro formativo è letto dall'operatore stesso, dal responsabile del servizio e dagli amministrativi",
    ),
    (
        "an `adi` pact needs the activation day of the benefit: its clock starts from it",
        "un patto `adi` richiede il giorno di attivazione del beneficio: da lì partono i suoi termini",
    ),
    (
        "an active project needs a next review date",
        "un progetto in corso richiede la data della prossima verifica",
    ),
    (
        "an agreement under L. 381/1991 art. 5 is made with a type-B social cooperative",
        "una convenzione ex art. 5 L. 381/1991 si stipula con una cooperativa sociale di tipo B",
    ),
    (
        "an event lasts at most a year",
        "un evento dura al massimo un anno",
    ),
    (
        "an external service is identified by its organisation",
        "un servizio esterno si indica con il suo ente",
    ),
    (
        "annulled records cannot be merged",
        "le schede annullate non si possono unificare",
    ),
    (
        "another assessment of this file was recorded at the same time; read the latest and retry",
        "nello stesso momento è stata registrata un'altra valutazione di questa cartella: leggere l'ultima e riprovare",
    ),
    (
        "another case manager's agenda is for the office manager and the coordinators of their areas",
        "l'agenda di un altro responsabile del caso è riservata al responsabile del servizio e ai coordinatori delle sue aree",
    ),
    (
        "another employer (not annulled) has this partita IVA: search it with `vat_number`",
        "un altro datore di lavoro (non annullato) ha questa partita IVA: cercarlo con `vat_number`",
    ),
    (
        "another publication of this resource was recorded at the same moment; retry",
        "nello stesso momento è stata registrata un'altra pubblicazione di questa risorsa: riprovare",
    ),
    (
        "another version of this criteria set was published meanwhile; read it and retry",
        "nel frattempo è stata pubblicata un'altra versione di questo insieme di criteri: leggerla e riprovare",
    ),
    ("at least one role is required", "serve almeno un ruolo"),
    ("at most 10 languages", "al massimo 10 lingue"),
    (
        "attendance is recorded in the night register of night shelters only",
        "la presenza si registra solo nel registro notturno dei dormitori",
    ),
    (
        "closing a pact needs its outcome",
        "per chiudere un patto serve il suo esito",
    ),
    (
        "give either `required_workers` or `required_hours_share`",
        "indicare `required_workers` oppure `required_hours_share`",
    ),
    (
        "has a wrong check digit (partita IVA)",
        "ha un carattere di controllo errato (partita IVA)",
    ),
    ("invalid birth day", "giorno di nascita non valido"),
    (
        "invalid birth month letter",
        "lettera del mese di nascita non valida",
    ),
    (
        "invalid username or password",
        "nome utente o password errati",
    ),
    (
        "is a private key: register only the public key",
        "è una chiave privata: registrare solo la chiave pubblica",
    ),
    (
        "is not a partita IVA (all zeros)",
        "non è una partita IVA (tutti zeri)",
    ),
    ("is not for `isee`", "non vale per `isee`"),
    ("is only for `cancel`", "vale solo per `cancel`"),
    (
        "is only for `complete` and `interrupt`",
        "vale solo per `complete` e `interrupt`",
    ),
    ("is only for `interrupt`", "vale solo per `interrupt`"),
    ("is only for `start`", "vale solo per `start`"),
    (
        "is only for a `provincial_programme`",
        "vale solo per un `provincial_programme`",
    ),
    (
        "is only for a hiring outcome",
        "vale solo per un esito di assunzione",
    ),
    (
        "is only for amendments (PUT)",
        "vale solo per le modifiche (PUT)",
    ),
    (
        "is only for an ISEE certificate",
        "vale solo per un'attestazione ISEE",
    ),
    ("is only for an offer", "vale solo per un'offerta"),
    ("is only for leaving", "vale solo per l'uscita"),
    (
        "is required for a hiring under a social clause",
        "è obbligatorio per un'assunzione con clausola sociale",
    ),
    (
        "is required for a provincial programme",
        "è obbligatorio per un intervento provinciale",
    ),
    (
        "is required for a residence or a fictitious address",
        "è obbligatorio per una residenza o un indirizzo fittizio",
    ),
    (
        "is required to amend a contract",
        "è obbligatorio per modificare un contratto",
    ),
    ("is required to cancel", "è obbligatorio per annullare"),
    ("is required to complete", "è obbligatorio per concludere"),
    ("is required to end", "è obbligatorio per concludere"),
    (
        "is required to interrupt",
        "è obbligatorio per interrompere",
    ),
    ("is required to suspend", "è obbligatorio per sospendere"),
    (
        "is required when permit_expires_on is given",
        "è obbligatorio quando si indica permit_expires_on",
    ),
    (
        "is required when the status is alternative_measure",
        "è obbligatorio quando la posizione è alternative_measure",
    ),
    (
        "is required with `season_from`",
        "è obbligatorio con `season_from`",
    ),
    (
        "is required with `season_until`",
        "è obbligatorio con `season_until`",
    ),
    (
        "is required with the exit `other`",
        "è obbligatorio con l'uscita `other`",
    ),
    (
        "may contain only digits, spaces and + - ( ) / .",
        "può contenere solo cifre, spazi e + - ( ) / .",
    ),
    (
        "may contain only letters a-z, digits, `.`, `_` and `-`",
        "può contenere solo lettere a-z, cifre, `.`, `_` e `-`",
    ),
    ("method not allowed", "metodo non consentito"),
    (
        "must be 1-255 visible ASCII characters",
        "deve avere da 1 a 255 caratteri ASCII visibili",
    ),
    (
        "must be 1-40 characters a-z, 0-9 and `_`",
        "deve avere da 1 a 40 caratteri tra a-z, 0-9 e `_`",
    ),
    (
        "must be 1-40 characters among `a-z`, `0-9` and `_`",
        "deve avere da 1 a 40 caratteri tra `a-z`, `0-9` e `_`",
    ),
    (
        "must be a day `YYYY-MM-DD`",
        "deve essere un giorno `YYYY-MM-DD`",
    ),
    (
        "must be after `from`, at most 366 nights",
        "deve essere successivo a `from`, al massimo 366 notti dopo",
    ),
    (
        "must be after `from`: a stay covers at least one night",
        "deve essere successivo a `from`: un soggiorno copre almeno una notte",
    ),
    (
        "must be after the first day of the assignment",
        "deve essere successivo al primo giorno dell'incarico",
    ),
    (
        "must be after the start of the current case manager's assignment",
        "deve essere successivo all'inizio dell'incarico dell'attuale responsabile del caso",
    ),
    (
        "must be an ISO 3166-1 alpha-2 country code such as IT, RO or NG",
        "deve essere un codice di paese ISO 3166-1 alpha-2 come IT, RO o NG",
    ),
    (
        "must be an ISO 639 language code such as it, ar or rom",
        "deve essere un codice di lingua ISO 639 come it, ar o rom",
    ),
    (
        "must be an active social worker, educator or area coordinator",
        "deve essere un assistente sociale, un educatore o un coordinatore d'area in servizio",
    ),
    (
        "must be an entry of the same case file",
        "deve essere un'annotazione della stessa cartella",
    ),
    (
        "must be an instant between the years 1 and 9999",
        "deve essere un istante tra gli anni 1 e 9999",
    ),
    (
        "must be at most a year ago",
        "deve essere al massimo un anno fa",
    ),
    (
        "must be at most a year ahead",
        "deve essere al massimo tra un anno",
    ),
    (
        "must be at most two years ahead",
        "deve essere al massimo tra due anni",
    ),
    (
        "must be between 1900-01-01 and today",
        "deve essere tra il 1900-01-01 e oggi",
    ),
    (
        "must be between the day of the event and today",
        "deve essere tra il giorno dell'evento e oggi",
    ),
    ("must be eleven digits", "deve avere undici cifre"),
    (
        "must be eleven digits (partita IVA)",
        "deve avere undici cifre (partita IVA)",
    ),
    ("must be five digits (CAP)", "deve avere cinque cifre (CAP)"),
    (
        "must be one line, without tabs or control characters",
        "deve essere una sola riga, senza tabulazioni né caratteri di controllo",
    ),
    (
        "must be the person of the case file (or omitted)",
        "deve essere la persona della cartella (o essere omesso)",
    ),
    (
        "must contain printable characters only",
        "deve contenere solo caratteri stampabili",
    ),
    (
        "must name at least one scope",
        "deve indicare almeno un ambito",
    ),
    (
        "must not be after the planned end of the placement",
        "non deve essere successivo alla fine prevista dell'inserimento",
    ),
    (
        "must not be before the day the person arrived",
        "non deve precedere il giorno di arrivo della persona",
    ),
    (
        "must not be before the first day",
        "non deve precedere il primo giorno",
    ),
    (
        "must not be before the first night of the placement",
        "non deve precedere la prima notte dell'inserimento",
    ),
    (
        "must not be before today: a criteria set never applies to the past",
        "non deve precedere oggi: un insieme di criteri non si applica mai al passato",
    ),
    ("must not be blank", "non deve essere vuoto"),
    ("must not be in the past", "non deve essere nel passato"),
    (
        "must not be more than `credits` (they are a part of them)",
        "non deve superare `credits` (ne è una parte)",
    ),
    (
        "must not be more than a year ago",
        "non deve risalire a più di un anno fa",
    ),
    (
        "must not be more than a year before the planned start",
        "non deve precedere di più di un anno l'inizio previsto",
    ),
    (
        "must not be more than a year before the submission",
        "non deve precedere di più di un anno la presentazione",
    ),
    (
        "no clock rules for this measure",
        "nessuna regola sui termini per questa misura",
    ),
    (
        "no criteria set with this code is published",
        "nessun insieme di criteri con questo codice è pubblicato",
    ),
    (
        "no membership with this id in the household",
        "non esiste un'appartenenza con questo identificativo nel nucleo",
    ),
    (
        "not a current member of the household of the person of the case file",
        "non è un componente attuale del nucleo della persona della cartella",
    ),
    (
        "not a position of this list",
        "non è una posizione di questa lista",
    ),
    (
        "not the person of the case file nor a member of the household",
        "non è la persona della cartella né un componente del nucleo",
    ),
    (
        "only a community-utility project (PUC) fulfils a pact commitment",
        "solo un progetto utile alla collettività (PUC) adempie un impegno del patto",
    ),
    (
        "only events relevant for sanctions are reported",
        "si segnalano solo gli eventi rilevanti per le sanzioni",
    ),
    (
        "only the coordinator of the case file's area moves a person against a facility's rules",
        "solo il coordinatore dell'area della cartella sposta una persona in deroga alle regole della struttura",
    ),
    (
        "only the coordinator of the case file's area places against a facility's rules",
        "solo il coordinatore dell'area della cartella inserisce in deroga alle regole della struttura",
    ),
    (
        "required when the action is done",
        "obbligatorio quando l'azione è svolta",
    ),
    (
        "send exactly one of `public_key_pem` and `jwk`",
        "inviare uno solo tra `public_key_pem` e `jwk`",
    ),
    (
        "stays as recorded: it is not corrected",
        "resta come registrato: non si corregge",
    ),
    ("takes 1 to 10 criteria", "richiede da 1 a 10 criteri"),
    (
        "the DSU protocol of the ISEE certificate is required",
        "serve il protocollo DSU dell'attestazione ISEE",
    ),
    (
        "the account changed meanwhile; retry",
        "l'account è cambiato nel frattempo: riprovare",
    ),
    ("the account is disabled", "l'account è disattivato"),
    ("the assertion has expired", "l'asserzione è scaduta"),
    (
        "the assertion is issued in the future",
        "l'asserzione è emessa nel futuro",
    ),
    (
        "the assertion is not valid yet",
        "l'asserzione non è ancora valida",
    ),
    (
        "the assertion must be signed with the client's private key, not HMAC",
        "l'asserzione deve essere firmata con la chiave privata del client, non con HMAC",
    ),
    (
        "the bands' bounds must increase",
        "i limiti delle fasce devono essere crescenti",
    ),
    (
        "the bed was taken on one of these nights by another request; search free beds again",
        "il posto letto è stato occupato in una di queste notti da un'altra richiesta: cercare di nuovo i posti liberi",
    ),
    (
        "the case file is closed: reopen it to draw up new projects",
        "la cartella è chiusa: riaprirla per redigere nuovi progetti",
    ),
    (
        "the client has no key with this `kid`",
        "il client non ha una chiave con questo `kid`",
    ),
    (
        "the commitment is not a `community_utility_project` one",
        "l'impegno non è di tipo `community_utility_project`",
    ),
    (
        "the commitment is of a pact of another case file",
        "l'impegno è di un patto di un'altra cartella",
    ),
    (
        "the commitment was taken by another member of the household",
        "l'impegno è stato assunto da un altro componente del nucleo",
    ),
    (
        "the contract was awarded to another employer",
        "il contratto è stato aggiudicato a un altro datore di lavoro",
    ),
    (
        "the data changed meanwhile; read it again and retry",
        "i dati sono cambiati nel frattempo: rileggerli e riprovare",
    ),
    (
        "the disability severity comes from the person's health data",
        "la gravità della disabilità deriva dai dati sanitari della persona",
    ),
    (
        "the disability severity is taken from health data you may not read",
        "la gravità della disabilità deriva da dati sanitari che non potete leggere",
    ),
    (
        "the employer is annulled: it is changed no more",
        "il datore di lavoro è annullato: non si modifica più",
    ),
    (
        "the facilities of this area are managed by its administrative staff and coordinators",
        "le strutture di quest'area sono gestite dai suoi amministrativi e coordinatori",
    ),
    (
        "the facility takes the other sex only",
        "la struttura accoglie solo l'altro sesso",
    ),
    (
        "the facility would move to an area whose facilities you do not manage",
        "la struttura passerebbe a un'area di cui non gestite le strutture",
    ),
    (
        "the months on the list come from the submission day",
        "i mesi in lista derivano dal giorno di presentazione",
    ),
    (
        "the night has not begun yet",
        "la notte non è ancora iniziata",
    ),
    ("the organisation is deactivated", "l'ente è disattivato"),
    (
        "the organisation is no longer active",
        "l'ente non è più attivo",
    ),
    (
        "the pact changed meanwhile; read the placement again and retry",
        "il patto è cambiato nel frattempo: rileggere l'inserimento e riprovare",
    ),
    (
        "the period is at most 366 days long",
        "il periodo dura al massimo 366 giorni",
    ),
    (
        "the person already has an open application for this resource",
        "la persona ha già una domanda aperta per questa risorsa",
    ),
    (
        "the person is admitted to this resource: a new application follows their leaving",
        "la persona è ammessa a questa risorsa: una nuova domanda segue la sua uscita",
    ),
    (
        "the person is already annulled",
        "la persona è già annullata",
    ),
    (
        "the person was annulled and cannot be changed",
        "la persona è stata annullata e non si può modificare",
    ),
    (
        "the person was annulled and cannot join a household",
        "la persona è stata annullata e non può entrare in un nucleo",
    ),
    (
        "the person was placed elsewhere for one of these nights by another request",
        "la persona è stata inserita altrove in una di queste notti da un'altra richiesta",
    ),
    (
        "the placement has ended: no further review is planned",
        "l'inserimento è concluso: non sono previste altre verifiche",
    ),
    (
        "the placement has not started: hours are recorded once it is active",
        "l'inserimento non è iniziato: le ore si registrano quando è in corso",
    ),
    (
        "the placement has not started: reviews are held once the person works",
        "l'inserimento non è iniziato: le verifiche si tengono quando la persona lavora",
    ),
    (
        "the placement is already in this bed",
        "l'inserimento è già in questo posto letto",
    ),
    (
        "the placement was cancelled",
        "l'inserimento è stato annullato",
    ),
    (
        "the preliminary analysis needs its outcome",
        "l'analisi preliminare richiede il suo esito",
    ),
    (
        "the referral is not to or from the employment centre or the labour agency",
        "l'invio non è verso o dal centro per l'impiego o l'agenzia del lavoro",
    ),
    (
        "the referral is of another case file",
        "l'invio è di un'altra cartella",
    ),
    (
        "the severity of art. 3 c. 3 needs a disability recognised under L. 104/1992 (law_104_recognised)",
        "la gravità ex art. 3 c. 3 richiede una disabilità riconosciuta ai sensi della L. 104/1992 (law_104_recognised)",
    ),
    (
        "the signature is recorded with the `sign` transition",
        "la sottoscrizione si registra con il passaggio `sign`",
    ),
    (
        "the subscription's secret cannot sign",
        "il segreto della sottoscrizione non può firmare",
    ),
    (
        "the taking in charge of this case file is already confirmed",
        "la presa in carico di questa cartella è già confermata",
    ),
    (
        "this commitment already has an outcome in this check",
        "questo impegno ha già un esito in questa verifica",
    ),
    (
        "this is the person of the case file: use the kind `person`",
        "questa è la persona della cartella: usare il tipo `person`",
    ),
    (
        "this objective already has an outcome in this review",
        "questo obiettivo ha già un esito in questa verifica",
    ),
    (
        "this user does not work on cases",
        "questo utente non lavora sui casi",
    ),
    ("too many requests", "troppe richieste"),
    ("payload too large", "richiesta troppo grande"),
    ("precondition failed", "precondizione non soddisfatta"),
    ("precondition required", "precondizione richiesta"),
    ("validation failed", "convalida non riuscita"),
    (
        "you cannot change your own roles or areas: another system administrator must do it",
        "non potete cambiare i vostri ruoli o aree: deve farlo un altro amministratore di sistema",
    ),
    (
        "you cannot disable your own account",
        "non potete disattivare il vostro account",
    ),
];

/// Message patterns (`{}` stands for a value carried over) with their Italian text.
const PATTERNS: &[(&str, &str)] = &[
    (
        "the audit log's tree holds {} records, fewer than {}",
        "l'albero del registro di audit contiene {} registrazioni, meno di {}",
    ),
    (
        "the record (seq {}) is not yet in the tree",
        "la registrazione (seq {}) non è ancora nell'albero",
    ),
    (
        "the record (seq {}) came after the tree of {} records",
        "la registrazione (seq {}) è successiva all'albero di {} registrazioni",
    ),
    (
        "the file is larger than {} bytes",
        "il file supera i {} byte",
    ),
    (
        "the file is not UTF-8: the byte at offset {} (line {}) is not; save it as UTF-8",
        "il file non è UTF-8: il byte in posizione {} (riga {}) non lo è; salvarlo come UTF-8",
    ),
    (
        "the header row cannot be read: {}",
        "la riga di intestazione non si può leggere: {}",
    ),
    (
        "line {} cannot be read as CSV (an unclosed quote?)",
        "la riga {} non si può leggere come CSV (virgolette non chiuse?)",
    ),
    (
        "the file has more than {} rows: split it",
        "il file ha più di {} righe: dividerlo",
    ),
    (
        "unknown column `{}`: the template's columns are {}",
        "colonna sconosciuta `{}`: le colonne del modello sono {}",
    ),
    (
        "the column `{}` is named twice",
        "la colonna `{}` è nominata due volte",
    ),
    (
        "the header has no `{}` column, which every file needs",
        "l'intestazione non ha la colonna `{}`, necessaria in ogni file",
    ),
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
        "no indicator is named `{}`; see GET /indicators/definitions",
        "nessun indicatore si chiama `{}`; vedere GET /indicators/definitions",
    ),
    (
        "`{}` is not a period: a year (`2026`), a quarter (`2026-Q3`) or a month (`2026-11`)",
        "`{}` non è un periodo: un anno (`2026`), un trimestre (`2026-Q3`) o un mese (`2026-11`)",
    ),
    (
        "no code list is named `{}`; see GET /codes",
        "nessun elenco di codici si chiama `{}`; vedere GET /codes",
    ),
    (
        "is not a public key for {}",
        "non è una chiave pubblica per {}",
    ),
    (
        "no free place: {} of {} held",
        "nessun posto libero: {} occupati su {}",
    ),
    (
        "the assertion lives longer than {} seconds",
        "l'asserzione dura più di {} secondi",
    ),
    (
        "the assignment must end after it starts ({} to {})",
        "l'incarico deve terminare dopo l'inizio ({} – {})",
    ),
    (
        "character {} must be a digit",
        "il carattere {} deve essere una cifra",
    ),
    (
        "character {} must be a letter",
        "il carattere {} deve essere una lettera",
    ),
    (
        "invalid check character: expected {}",
        "carattere di controllo non valido: atteso {}",
    ),
    (
        "an organisation of kind `{}` receives no referrals",
        "un ente di tipo `{}` non riceve invii",
    ),
    (
        "the organisation is a `{}`, not a `{}`",
        "l'ente è di tipo `{}`, non `{}`",
    ),
    (
        "the person already left household {} on {}",
        "la persona è già uscita dal nucleo {} il {}",
    ),
    (
        "a {} placement does not move; place the person again",
        "un inserimento nello stato `{}` non si sposta: inserire di nuovo la persona",
    ),
    (
        "the registered organisation is called `{}`; leave `organisation` out",
        "l'ente registrato si chiama `{}`; omettere `organisation`",
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
    ("export", "un'esportazione"),
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
    ("account", "un account"),
    ("entry", "un'annotazione del diario"),
    ("event", "un evento formativo"),
    ("organisation", "un ente partner"),
    ("subscription", "una sottoscrizione webhook"),
    ("client", "un client applicativo"),
];

/// The two shapes of a refused transition: "cannot `suspend` a case file in status `closed`;
/// allowed transitions: `reopen`" and "a closed placement cannot start; allowed: end, cancel".
fn illegal_transition(message: &str) -> Option<String> {
    let allowed_it = |allowed: &str| {
        if allowed == "none" {
            "nessuno".to_owned()
        } else {
            allowed.to_owned()
        }
    };
    if let Some(rest) = message.strip_prefix("cannot `") {
        let (transition, rest) = rest.split_once("` a")?;
        let rest = rest.trim_start_matches('n').trim_start();
        let (thing, rest) = rest.split_once(" in status `")?;
        let (from, allowed) = rest.split_once("`; allowed transitions: ")?;
        let (the, _) = definite(noun(thing)?)?;
        // "a" + the article: al, alla, all'.
        let to_the = the
            .strip_prefix("il ")
            .map(|n| format!("al {n}"))
            .or_else(|| the.strip_prefix("la ").map(|n| format!("alla {n}")))
            .or_else(|| the.strip_prefix("l'").map(|n| format!("all'{n}")))?;
        return Some(format!(
            "non si può applicare `{transition}` {to_the} nello stato `{from}`; passaggi consentiti: {}",
            allowed_it(allowed)
        ));
    }
    let rest = message
        .strip_prefix("an ")
        .or_else(|| message.strip_prefix("a "))?;
    let (subject, rest) = rest.split_once(" cannot ")?;
    let (transition, allowed) = rest.split_once("; allowed: ")?;
    let (from, thing) = subject.split_once(' ')?;
    let (the, _) = definite(noun(thing)?)?;
    let transition = transition.strip_prefix("be given ").unwrap_or(transition);
    Some(format!(
        "{} nello stato `{from}` non consente `{}`; consentiti: {}",
        capitalised(&the),
        transition.trim_matches('`'),
        allowed_it(allowed)
    ))
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The noun of [`NOUNS`] with its definite article, and whether it is feminine.
fn definite(indefinite: &str) -> Option<(String, bool)> {
    if let Some(noun) = indefinite.strip_prefix("una ") {
        return Some((format!("la {noun}"), true));
    }
    if let Some(noun) = indefinite.strip_prefix("un'") {
        return Some((format!("l'{noun}"), true));
    }
    let noun = indefinite.strip_prefix("un ")?;
    let vowel = noun.starts_with(['a', 'e', 'i', 'o', 'u']);
    Some((
        if vowel {
            format!("l'{noun}")
        } else {
            format!("il {noun}")
        },
        false,
    ))
}

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
    if let Some(italian) = illegal_transition(message) {
        return Some(italian);
    }
    if let Some(italian) = serde_term(message) {
        return Some(italian);
    }
    for (ending, italian) in [
        (
            " changed meanwhile; read it again and retry",
            "rileggere e riprovare",
        ),
        (" changed meanwhile; retry", "riprovare"),
    ] {
        if let Some(thing) = message
            .strip_prefix("the ")
            .and_then(|m| m.strip_suffix(ending))
            && let Some((the, feminine)) = noun(&thing.replace('_', " ")).and_then(definite)
        {
            let changed = if feminine { "cambiata" } else { "cambiato" };
            return Some(format!("{the} è {changed} nel frattempo: {italian}"));
        }
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
    PATTERNS.iter().find_map(|(pattern, italian)| {
        let values = captures(pattern, message)?
            .into_iter()
            .map(|v| {
                if value_like(v) {
                    Some(v.to_owned())
                } else {
                    translate(v)
                }
            })
            .collect::<Option<Vec<String>>>()?;
        fill(italian, &values)
    })
}

/// What serde and serde_json name in "invalid type: {what was sent}, expected {what is
/// wanted}": the kinds of JSON values with their text (`integer `5``, `string "x"`), and what
/// the API's types expect (`a string`, `a sequence`, `struct X`, `u32`…).
const SERDE_TERMS: &[(&str, &str)] = &[
    ("null", "null"),
    ("unit value", "null"),
    ("sequence", "un array"),
    ("map", "un oggetto"),
    ("a string", "una stringa"),
    ("a borrowed string", "una stringa"),
    ("a boolean", "un booleano"),
    ("a sequence", "un array"),
    ("a map", "un oggetto"),
    ("a character", "un carattere"),
    ("an integer", "un numero intero"),
    ("a number", "un numero"),
    ("option", "un valore o null"),
    ("a UUID string", "un UUID"),
    ("a formatted UUID string", "un UUID"),
    ("a formatted date string", "una data (AAAA-MM-GG)"),
    (
        "a formatted date and time string or a unix timestamp",
        "un istante RFC 3339",
    ),
    (
        "an RFC 3339 formatted date and time string",
        "un istante RFC 3339",
    ),
    ("a valid JSON value", "un valore JSON"),
    ("variant identifier", "un codice ammesso"),
    ("field identifier", "un nome di campo"),
    // serde_json's syntax errors.
    ("expected value", "atteso un valore"),
    ("expected ident", "atteso un valore (true, false o null)"),
    (
        "EOF while parsing a value",
        "il testo finisce dentro un valore",
    ),
    (
        "EOF while parsing an object",
        "il testo finisce dentro un oggetto",
    ),
    (
        "EOF while parsing a list",
        "il testo finisce dentro un array",
    ),
    (
        "EOF while parsing a string",
        "il testo finisce dentro una stringa",
    ),
    ("trailing comma", "virgola in fondo"),
    ("key must be a string", "la chiave deve essere una stringa"),
    ("expected `:`", "atteso `:`"),
    ("expected `,` or `}`", "atteso `,` o `}`"),
    ("expected `,` or `]`", "atteso `,` o `]`"),
    ("invalid escape", "sequenza di escape non valida"),
    ("invalid number", "numero non valido"),
    ("number out of range", "numero fuori intervallo"),
    ("trailing characters", "caratteri dopo il valore JSON"),
    (
        "control character (\\u0000-\\u001F) found while parsing a string",
        "carattere di controllo in una stringa",
    ),
    (
        "lone leading surrogate in hex escape",
        "surrogato isolato in una sequenza di escape",
    ),
    (
        "invalid unicode code point",
        "punto di codice Unicode non valido",
    ),
    ("recursion limit exceeded", "annidamento troppo profondo"),
];

/// The Italian of one of serde's terms, with the value it carries (`integer `5``).
fn serde_term(term: &str) -> Option<String> {
    if let Some((_, italian)) = SERDE_TERMS.iter().find(|(en, _)| *en == term) {
        return Some((*italian).to_owned());
    }
    for (kind, italian) in [
        ("boolean ", "il booleano "),
        ("integer ", "il numero intero "),
        ("floating point ", "il numero decimale "),
        ("character ", "il carattere "),
        ("string ", "la stringa "),
    ] {
        if let Some(value) = term.strip_prefix(kind) {
            return Some(format!("{italian}{value}"));
        }
    }
    if let Some(name) = term.strip_prefix("struct ") {
        return Some(format!("un oggetto {name}"));
    }
    // The primitive types' own names (`u32`, `i64`, `f64`).
    let primitive = term.len() <= 5
        && term.starts_with(['u', 'i', 'f'])
        && term[1..].bytes().all(|b| b.is_ascii_digit())
        && term.len() > 1;
    primitive.then(|| format!("un numero ({term})"))
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

/// Whether a value a pattern carries over is a value (a number, a date, a code, a quoted
/// name) rather than English words, which would need translating themselves.
fn value_like(value: &str) -> bool {
    let mut outside = String::new();
    for (i, part) in value.split('`').enumerate() {
        if i % 2 == 0 {
            outside.push_str(part);
            outside.push(' ');
        }
    }
    let outside = outside.trim();
    if !outside.contains(char::is_whitespace) {
        return true;
    }
    !outside
        .split(|c: char| !c.is_ascii_lowercase())
        .any(|word| word.len() >= 3)
}

fn fill(template: &str, values: &[String]) -> Option<String> {
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

    /// Every message serde_json gives for a body of the wrong shape, as the API words it
    /// (`extract::decode_json`: without its position), has its Italian.
    #[test]
    fn serde_messages_are_translated() {
        #[derive(Debug, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        #[allow(dead_code)]
        enum Kind {
            One,
            Two,
        }
        #[derive(Debug, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Sample {
            name: String,
            count: u32,
            flags: Vec<bool>,
            day: chrono::NaiveDate,
            at: chrono::DateTime<chrono::Utc>,
            id: uuid::Uuid,
            kind: Kind,
            ratio: f64,
            note: Option<String>,
        }
        let full = r#""count":1,"flags":[],"day":"2026-01-01","at":"2026-01-01T00:00:00Z","id":"01936f4e-8a5b-7c3d-9e2f-0a1b2c3d4e5f","kind":"one","ratio":1.5"#;
        let with = |member: &str| format!(r#"{{"name":"a",{full},{member}}}"#);
        let mut bodies: Vec<String> = [
            r#"{"name":5}"#,
            r#"{"name":null}"#,
            r#"{"name":true}"#,
            r#"{"name":1.5}"#,
            r#"{"name":[]}"#,
            r#"{"name":{}}"#,
            r#"{"count":"x"}"#,
            r#"{"count":-1}"#,
            r#"{"count":1.5}"#,
            r#"{"flags":{}}"#,
            r#"{"flags":[1]}"#,
            r#"{"day":3}"#,
            r#"{"id":7}"#,
            r#"{"kind":"three"}"#,
            r#"{"kind":5}"#,
            r#"{"ratio":"x"}"#,
            r#"{"note":5}"#,
            r#"{"at":true}"#,
            "[]",
            r#""x""#,
            "{",
            "[",
            r#"{"a""#,
            r#"{"a":1,}"#,
            r#"{1:2}"#,
            r#"{"a" 1}"#,
            r#"{"a":1 "b":2}"#,
            "[1 2]",
            r#""\q""#,
            "-",
            "tru",
            r#""abc"#,
            "{}",
        ]
        .iter()
        .map(|b| (*b).to_owned())
        .collect();
        bodies.push(with(r#""extra":1"#));
        bodies.push(with(r#""name":"b""#));
        let mut untranslated = Vec::new();
        for body in &bodies {
            let error = serde_json::from_str::<Sample>(body)
                .unwrap_err()
                .to_string();
            let message = error
                .rfind(" at line ")
                .map_or(error.as_str(), |i| &error[..i]);
            if translate(message).is_none() {
                untranslated.push(format!("{message}  (body {body})"));
            }
        }
        assert!(untranslated.is_empty(), "no Italian for: {untranslated:#?}");
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
        assert_eq!(
            translate("the case file changed meanwhile; read it again and retry").as_deref(),
            Some("la cartella sociale è cambiata nel frattempo: rileggere e riprovare")
        );
        assert_eq!(
            translate("the employment placement changed meanwhile; read it again and retry")
                .as_deref(),
            Some("l'inserimento lavorativo è cambiato nel frattempo: rileggere e riprovare")
        );
        assert_eq!(
            translate("the project changed meanwhile; read it again and retry").as_deref(),
            Some("il progetto è cambiato nel frattempo: rileggere e riprovare")
        );
        assert_eq!(
            translate("the entry changed meanwhile; read it again and retry").as_deref(),
            Some("l'annotazione del diario è cambiata nel frattempo: rileggere e riprovare")
        );
        assert_eq!(
            translate(
                "cannot `suspend` a case file in status `closed`; allowed transitions: `reopen`"
            )
            .as_deref(),
            Some(
                "non si può applicare `suspend` alla cartella sociale nello stato `closed`; passaggi consentiti: `reopen`"
            )
        );
        assert_eq!(
            translate("a completed employment placement cannot start; allowed: none").as_deref(),
            Some(
                "L'inserimento lavorativo nello stato `completed` non consente `start`; consentiti: nessuno"
            )
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
        let owned = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            fill("{} e {}", &owned(&["x", "y"])).as_deref(),
            Some("x e y")
        );
        assert!(fill("{} e {}", &owned(&["x"])).is_none());
        assert!(value_like("2026-01-01"));
        assert!(value_like("`from` (U+0000)"));
        assert!(value_like("case_file.read"));
        assert!(!value_like("the first day"));
        // A value made of English words is translated itself, or the whole message is not.
        assert_eq!(
            translate("invalid parameter `limit`: must be between 1 and 500").as_deref(),
            Some("parametro `limit` non valido: deve essere tra 1 e 500")
        );
        assert_eq!(translate("must not be before the moon"), None);
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
