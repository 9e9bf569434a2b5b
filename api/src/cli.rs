//! The command line: `serve` (default), `migrate`, `users …`, `audit verify`, `agenda …`,
//! `openapi`, `healthcheck`.

use std::io::{BufRead, Write};
use std::process::ExitCode;

use anyhow::Context;
use chrono::Utc;
use clap::Parser;
use socialcare_domain::{DisplayName, Email, Password, StaffProfile, Username, ValidationErrors};
use socialcare_persistence::audit::{self, NewAuditRecord, Outcome};
use socialcare_persistence::users::{self, NewStaffUser, UserChangeset, UserQuery};
use socialcare_persistence::{Database, migrations, sessions};

use crate::app::{Application, open_database};
use crate::auth::password;
use crate::config::{AgendaCommand, AuditCommand, Cli, Command, Config, UsersCommand};
use crate::{openapi, telemetry};

/// Entry point of the binary.
pub fn main() -> ExitCode {
    // A `.env` file in the working directory is optional.
    let _ = dotenvy::dotenv();
    let cli = Cli::parse();
    telemetry::init(cli.config.log_format);
    let outcome = execute(
        cli,
        &mut std::io::stdin().lock(),
        &mut std::io::stdout().lock(),
    );
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error:#}");
            let _ = writeln!(std::io::stderr(), "error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs a parsed command line, reading passwords from `input` and writing results to `output`.
pub fn execute(cli: Cli, input: &mut dyn BufRead, output: &mut dyn Write) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(cli.config),
        Command::Migrate => migrate(&cli.config, output),
        Command::Users(command) => users_command(&cli.config, command, input, output),
        Command::Audit(AuditCommand::Verify { checkpoint, key }) => {
            audit_verify(&cli.config, checkpoint.as_deref(), key.as_deref(), output)
        }
        Command::Audit(AuditCommand::Checkpoint) => audit_checkpoint(&cli.config, output),
        Command::Audit(AuditCommand::VerifierKey) => {
            let key = crate::audit_log::LogKey::from_config(&cli.config)?;
            write_out(output, &format!("{}\n", key.verifier_key()))
        }
        Command::Audit(AuditCommand::GenerateKey { out }) => {
            let origin = &cli.config.audit_log_origin;
            let key = crate::audit_log::generate_key(origin)?;
            crate::audit_log::create_key_file(&out, &key)?;
            let key = crate::audit_log::LogKey::parse(&key, origin)?;
            write_out(
                output,
                &format!(
                    "signing key written to {}\nverifier key: {}\n",
                    out.display(),
                    key.verifier_key()
                ),
            )
        }
        Command::Agenda(AgendaCommand::Check) => agenda_check(&cli.config, output),
        Command::Agenda(AgendaCommand::Rebuild) => agenda_rebuild(&cli.config, output),
        Command::Openapi => write_out(output, &openapi::document_text()),
        Command::Healthcheck => healthcheck(&cli.config, output),
        Command::DemoData { seed, persons } => demo_data(&cli.config, seed, persons, output),
    }
}

/// Parses `args` (the first is the program name) and runs the command; for tests and tools.
pub fn run<I, T>(args: I, input: &mut dyn BufRead, output: &mut dyn Write) -> anyhow::Result<()>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    execute(Cli::try_parse_from(args)?, input, output)
}

fn write_out(out: &mut dyn Write, text: &str) -> anyhow::Result<()> {
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

fn serve(config: Config) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(config).await?;
        app.run_until_stopped().await?;
        Ok(())
    })
}

fn migrate(config: &Config, out: &mut dyn Write) -> anyhow::Result<()> {
    let db = open_database(config)?;
    let applied = migrations::run_pending(&db)?;
    if applied.is_empty() {
        write_out(out, "the database is up to date\n")
    } else {
        write_out(out, &format!("applied: {}\n", applied.join(", ")))
    }
}

/// `socialcare audit verify`: prints the report; an error (non-zero exit status) when broken.
/// `GET /api/v1/status` on the server's own address (the loopback address when it listens on
/// every interface).
fn healthcheck(config: &Config, out: &mut dyn Write) -> anyhow::Result<()> {
    let mut address = config.bind_addr;
    if address.ip().is_unspecified() {
        address.set_ip(match address {
            std::net::SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            std::net::SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    let url = format!("http://{address}{}/status", openapi::BASE_PATH);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (status, body) = runtime.block_on(async {
        let response = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(5))
            .build()?
            .get(&url)
            .send()
            .await?;
        let status = response.status();
        anyhow::Ok((status, response.text().await.unwrap_or_default()))
    })?;
    if !status.is_success() {
        anyhow::bail!("{url} answered {status}: {body}");
    }
    write_out(out, &format!("{url}: {body}\n"))
}

/// `socialcare audit checkpoint`: sequences what is pending and prints the latest checkpoint.
fn audit_checkpoint(config: &Config, out: &mut dyn Write) -> anyhow::Result<()> {
    let db = open_migrated(config)?;
    let log = crate::audit_log::AuditLog::from_config(config)?;
    crate::audit_log::sequence_all(&db, &log, std::time::Duration::from_secs(60))?;
    let head = db.read(socialcare_persistence::audit_tree::head)?;
    match head.checkpoint {
        Some(text) => write_out(out, &text),
        None => anyhow::bail!("the audit log is empty: there is no checkpoint yet"),
    }
}

/// `socialcare agenda check`: the entries of the agenda's index that differ from its sources;
/// an error (non-zero exit status) when any do.
fn agenda_check(config: &Config, out: &mut dyn Write) -> anyhow::Result<()> {
    let db = open_migrated(config)?;
    let (extra, missing) = db.read(socialcare_persistence::agenda::entries_drift)?;
    write_out(
        out,
        &format!(
            "agenda index: {extra} entries the sources do not give, {missing} entries missing\n"
        ),
    )?;
    if extra + missing > 0 {
        anyhow::bail!(
            "the agenda index differs from its sources: `socialcare agenda rebuild` writes it again"
        );
    }
    Ok(())
}

/// `socialcare agenda rebuild`: the agenda's index written again from its sources.
fn agenda_rebuild(config: &Config, out: &mut dyn Write) -> anyhow::Result<()> {
    let db = open_migrated(config)?;
    let entries = db.write::<_, socialcare_persistence::StoreError, _>(
        socialcare_persistence::agenda::rebuild_entries,
    )?;
    write_out(out, &format!("agenda index rebuilt: {entries} entries\n"))
}

/// `socialcare audit verify --checkpoint`: one walk of the trail verifies the chain and proves
/// that today's log extends a checkpoint kept outside (two connections read batches at once,
/// while this thread checks them). Gives the chain's report, the text on
/// the checkpoint, and the inconsistency found, if any.
fn verify_checkpoint(
    config: &Config,
    db: &Database,
    path: &std::path::Path,
    key: Option<&str>,
) -> anyhow::Result<(audit::VerifyReport, String, Option<String>)> {
    let note = std::fs::read(path)
        .with_context(|| format!("cannot read the checkpoint {}", path.display()))?;
    let vkey = match key {
        Some(k) => k.to_owned(),
        None => crate::audit_log::LogKey::configured(config)?
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "no signing key is configured: give the checkpoint's verifier key with --key"
                )
            })?
            .verifier_key()
            .to_owned(),
    };
    let checkpoint = crate::audit_log::open_checkpoint(&note, &vkey)?;
    let (chain, report) = db.read(|first| {
        db.read(|second| {
            socialcare_persistence::audit_tree::verify_against_on(
                &mut [first, second],
                checkpoint.size,
                checkpoint.root,
            )
        })
    })?;
    let mut text = format!(
        "checkpoint of {}: {} record(s), signature verified; the tree holds {} record(s) today; {} record(s) checked against it\n",
        checkpoint.origin, checkpoint.size, report.tree_size, report.checked
    );
    let found = match report.first_inconsistency {
        None => {
            text.push_str("the audit log extends the checkpoint\n");
            None
        }
        Some(found) => {
            let at = found
                .seq
                .map_or_else(String::new, |seq| format!(" at seq {seq}"));
            text.push_str(&format!("INCONSISTENT{at}: {}\n", found.reason));
            Some(format!(
                "the audit log does not extend the checkpoint{at}: {}",
                found.reason
            ))
        }
    };
    Ok((chain, text, found))
}

fn audit_verify(
    config: &Config,
    checkpoint: Option<&std::path::Path>,
    key: Option<&str>,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let db = open_migrated(config)?;
    let (report, against) = match checkpoint {
        Some(path) => {
            let (report, text, found) = verify_checkpoint(config, &db, path, key)?;
            (report, Some((text, found)))
        }
        None => (
            db.read(|first| db.read(|second| audit::verify_on(&mut [first, second])))?,
            None,
        ),
    };
    let mut text = format!(
        "checked {} audit record(s); chain head: seq {}, hash {}\n",
        report.checked, report.head_seq, report.head_hash
    );
    match &report.first_broken {
        None => text.push_str("the audit trail is intact\n"),
        Some(link) => {
            let id = link.id.map_or_else(|| "-".to_owned(), |id| id.to_string());
            text.push_str(&format!(
                "BROKEN at seq {} (record {id}): {}\n",
                link.seq, link.reason
            ));
        }
    }
    let inconsistency = match against {
        Some((against_text, found)) => {
            text.push_str(&against_text);
            found
        }
        None => None,
    };
    write_out(out, &text)?;
    if let Some(link) = report.first_broken {
        anyhow::bail!(
            "the audit trail is broken at seq {}: {}",
            link.seq,
            link.reason
        );
    }
    match inconsistency {
        None => Ok(()),
        Some(reason) => anyhow::bail!(reason),
    }
}

fn demo_data(config: &Config, seed: u64, persons: u16, out: &mut dyn Write) -> anyhow::Result<()> {
    if config.profile == crate::config::Profile::Production {
        anyhow::bail!("demo data is fictional: it is refused in the production profile");
    }
    let db = open_migrated(config)?;
    // The first administrator is created as on a first start, so that loading demo data
    // before serving does not leave the office without one.
    if let Some(generated) = crate::app::bootstrap_admin(&db, config)? {
        write_out(
            out,
            &format!("created the system administrator `admin` with password {generated}\n"),
        )?;
    }
    let summary = crate::demo::load(&db, seed, usize::from(persons)).map_err(|e| match e {
        socialcare_persistence::StoreError::Conflict(message) => anyhow::anyhow!(message),
        other => other.into(),
    })?;
    write_out(
        out,
        &format!(
            "loaded {} persons, {} households, {} case files, {} diary entries, {} facilities with {} beds and {} placements, {} employers with {} contracts and {} employment placements ({} tutor reviews), {} training events, {} care resources with {} applications ({} admitted), {} partner organisations with {} referrals addressed to them (seed {seed})\nstaff accounts (password `{}`): {}\n",
            summary.persons,
            summary.households,
            summary.case_files,
            summary.diary_entries,
            summary.facilities,
            summary.beds,
            summary.placements,
            summary.employers,
            summary.contracts,
            summary.work_placements,
            summary.work_reviews,
            summary.training_events,
            summary.resources,
            summary.applications,
            summary.admissions,
            summary.partner_organisations,
            summary.addressed_referrals,
            crate::demo::DEMO_PASSWORD,
            summary.users.join(", ")
        ),
    )
}

fn open_migrated(config: &Config) -> anyhow::Result<Database> {
    let db = open_database(config)?;
    migrations::run_pending(&db)?;
    Ok(db)
}

/// Reads a password from stdin (first line) or generates one; returns it and whether it was
/// generated.
fn obtain_password(from_stdin: bool, input: &mut dyn BufRead) -> anyhow::Result<(String, bool)> {
    if from_stdin {
        let mut line = String::new();
        input.read_line(&mut line)?;
        Ok((line.trim_end_matches(['\r', '\n']).to_owned(), false))
    } else {
        Ok((password::generate(), true))
    }
}

fn invalid(errors: ValidationErrors) -> anyhow::Error {
    anyhow::anyhow!("invalid input: {errors}")
}

fn cli_record(action: &str, resource_id: String) -> NewAuditRecord {
    NewAuditRecord {
        occurred_at: Utc::now(),
        actor_id: None,
        actor_username: Some(format!(
            "cli:{}",
            std::env::var("USER").unwrap_or_else(|_| "unknown".into())
        )),
        actor_roles: Vec::new(),
        action: action.into(),
        resource_type: "user".into(),
        resource_id: Some(resource_id),
        outcome: Outcome::Success,
        request_id: None,
        client_addr: None,
        details: Some(r#"{"channel":"command line"}"#.into()),
        persons: Vec::new(),
        purpose: None,
        break_glass: false,
        read_only: false,
    }
}

fn find_by_username(db: &Database, raw: &str) -> anyhow::Result<socialcare_domain::StaffUser> {
    let username = Username::parse(raw).map_err(|e| anyhow::anyhow!("username {e}"))?;
    db.read(|c| users::find_credentials(c, &username))?
        .map(|(user, _)| user)
        .ok_or_else(|| anyhow::anyhow!("no user named `{username}`"))
}

fn users_command(
    config: &Config,
    command: UsersCommand,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let db = open_migrated(config)?;
    match command {
        UsersCommand::Create {
            username,
            display_name,
            email,
            roles,
            areas,
            password_stdin,
        } => {
            let mut errors = ValidationErrors::new();
            let username = errors.collect("username", Username::parse(&username));
            let display_name = errors.collect("display_name", DisplayName::parse(&display_name));
            let email = errors.collect("email", Email::parse(&email));
            let profile = match StaffProfile::parse(&roles, &areas) {
                Ok(p) => Some(p),
                Err(e) => {
                    errors.extend_prefixed("profile", e);
                    None
                }
            };
            let (clear, generated) = obtain_password(password_stdin, input)?;
            let checked = errors.collect("password", Password::parse(&clear, username.as_ref()));
            let (Some(username), Some(display_name), Some(email), Some(profile), Some(checked)) =
                (username, display_name, email, profile, checked)
            else {
                return Err(invalid(errors));
            };
            let password_hash =
                password::hash(checked.expose()).map_err(|e| anyhow::anyhow!("{e}"))?;
            let user = db
                .write::<_, socialcare_persistence::StoreError, _>(|c| {
                    let user = users::insert(
                        c,
                        NewStaffUser {
                            username,
                            display_name,
                            email,
                            profile,
                            password_hash,
                        },
                        Utc::now(),
                    )?;
                    audit::append(c, cli_record("user.create", user.id.to_string()))?;
                    Ok(user)
                })
                .map_err(|e| match e {
                    socialcare_persistence::StoreError::Conflict(_) => {
                        anyhow::anyhow!("the username is already taken")
                    }
                    other => other.into(),
                })?;
            write_out(out, &format!("created {} ({})\n", user.username, user.id))?;
            if generated {
                write_out(out, &format!("password: {clear}\n"))?;
            }
            Ok(())
        }
        UsersCommand::List => {
            let mut lines = Vec::new();
            let mut after = None;
            loop {
                let page = db.read(|c| {
                    users::list(
                        c,
                        &UserQuery {
                            after_username: after.clone(),
                            limit: 100,
                            ..UserQuery::default()
                        },
                    )
                })?;
                let Some(last) = page.last() else { break };
                after = Some(last.username.as_str().to_owned());
                for user in &page {
                    let roles: Vec<&str> =
                        user.profile.roles().iter().map(|r| r.as_str()).collect();
                    let areas: Vec<&str> =
                        user.profile.areas().iter().map(|a| a.as_str()).collect();
                    lines.push(format!(
                        "{}\t{}\t{}\t{}\t{}\t{}",
                        user.username,
                        user.display_name.as_str(),
                        user.email.as_str(),
                        roles.join(","),
                        areas.join(","),
                        if user.active { "active" } else { "disabled" }
                    ));
                }
            }
            write_out(out, "username\tdisplay_name\temail\troles\tareas\tstatus\n")?;
            write_out(
                out,
                &lines.iter().map(|l| format!("{l}\n")).collect::<String>(),
            )
        }
        UsersCommand::Disable { username } => {
            let user = find_by_username(&db, &username)?;
            db.write::<_, socialcare_persistence::StoreError, _>(|c| {
                let now = Utc::now();
                users::update(
                    c,
                    user.id,
                    UserChangeset {
                        active: Some(false),
                        disabled_at: Some(Some(now.into())),
                        updated_at: Some(now.into()),
                        ..UserChangeset::default()
                    },
                    None,
                )?;
                users::next_version(c, user.id)?;
                sessions::revoke_user(c, user.id, now)?;
                audit::append(c, cli_record("user.disable", user.id.to_string()))?;
                Ok(())
            })?;
            write_out(out, &format!("disabled {}\n", user.username))
        }
        UsersCommand::ResetPassword {
            username,
            password_stdin,
        } => {
            let user = find_by_username(&db, &username)?;
            let (clear, generated) = obtain_password(password_stdin, input)?;
            let checked = Password::parse(&clear, Some(&user.username))
                .map_err(|e| anyhow::anyhow!("password {e}"))?;
            let hash = password::hash(checked.expose()).map_err(|e| anyhow::anyhow!("{e}"))?;
            db.write::<_, socialcare_persistence::StoreError, _>(|c| {
                let now = Utc::now();
                users::update(
                    c,
                    user.id,
                    UserChangeset {
                        password_hash: Some(hash),
                        updated_at: Some(now.into()),
                        ..UserChangeset::default()
                    },
                    None,
                )?;
                users::next_version(c, user.id)?;
                sessions::revoke_user(c, user.id, now)?;
                audit::append(c, cli_record("user.reset_password", user.id.to_string()))?;
                Ok(())
            })?;
            write_out(out, &format!("password reset for {}\n", user.username))?;
            if generated {
                write_out(out, &format!("password: {clear}\n"))?;
            }
            Ok(())
        }
    }
}
