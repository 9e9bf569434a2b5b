//! The partner-integration benchmarks (issue 18): how far behind the event feed is for a
//! consumer while the office writes at a given rate (`feed-lag`), and how many events per
//! second the webhook worker delivers to a local receiver (`webhooks`). Each starts a server
//! in this process on a fresh database (SQLite, or PostgreSQL with `TEST_DATABASE_URL`),
//! exactly as the tests do, and reports what it saw.

use std::io::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use anyhow::{Context, anyhow, bail};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use socialcare_persistence::events::{self, NewEvent};
use socialcare_tests::{Engine, TestApp};
use tokio::sync::Mutex;
use uuid::Uuid;

/// Which engine a benchmark runs on.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum EngineArg {
    /// An SQLite file in the temporary directory.
    Sqlite,
    /// A database created on `TEST_DATABASE_URL`.
    Postgres,
}

/// Arguments of `feed-lag`.
#[derive(Debug, clap::Args)]
pub struct FeedLagArgs {
    /// The engine.
    #[arg(long, value_enum)]
    engine: EngineArg,
    /// Writes per second (referrals addressed to the partner's organisation, each one event).
    #[arg(long, default_value_t = 50)]
    rate: u32,
    /// How long to write, in seconds.
    #[arg(long, default_value_t = 30)]
    seconds: u32,
    /// Write through a second server process on the same database (as behind a load balancer),
    /// while the consumer reads from the first.
    #[arg(long)]
    writer_beside: bool,
}

/// Arguments of `webhooks`.
#[derive(Debug, clap::Args)]
pub struct WebhookArgs {
    /// The engine.
    #[arg(long, value_enum)]
    engine: EngineArg,
    /// How many events to deliver.
    #[arg(long, default_value_t = 20_000)]
    events: u32,
}

fn engine(arg: EngineArg) -> Engine {
    match arg {
        EngineArg::Sqlite => Engine::Sqlite,
        EngineArg::Postgres => Engine::Postgres,
    }
}

async fn spawn(arg: EngineArg) -> anyhow::Result<TestApp> {
    TestApp::spawn(engine(arg)).await.ok_or_else(|| {
        anyhow!("PostgreSQL is not available: set TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/postgres)")
    })
}

/// A partner organisation with an `events` + `referrals` client; returns the administrator's
/// token, the organisation's id and the client's access token.
async fn partner(app: &TestApp) -> anyhow::Result<(String, String, String)> {
    let admin = app.admin_token().await;
    let organisation = body(
        app.post(
            &admin,
            "/partner-organisations",
            &json!({"name": "Centro per l'impiego di Trento", "kind": "employment_centre"}),
        )
        .await,
    )
    .await?;
    let organisation = id(&organisation)?;
    let client = body(
        app.post(
            &admin,
            "/machine-clients",
            &json!({"organisation_id": organisation, "name": "bench",
                "scopes": ["referrals", "events"]}),
        )
        .await,
    )
    .await?;
    let client = Uuid::parse_str(&id(&client)?)?;
    // The token endpoint is measured elsewhere; the server's own keys issue the client token.
    let token = app
        .state
        .jwt
        .issue_client(client, "referrals events".into(), Utc::now())?;
    Ok((admin, organisation, token))
}

async fn body(response: reqwest::Response) -> anyhow::Result<Value> {
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        bail!("{status}: {body}");
    }
    Ok(body)
}

fn id(body: &Value) -> anyhow::Result<String> {
    body["id"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow!("no id in {body}"))
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn summary(name: &str, mut values: Vec<f64>) -> String {
    values.sort_by(f64::total_cmp);
    format!(
        "{name}: n {} · p50 {:.1} · p95 {:.1} · p99 {:.1} · max {:.1}",
        values.len(),
        percentile(&values, 50.0),
        percentile(&values, 95.0),
        percentile(&values, 99.0),
        values.last().copied().unwrap_or(f64::NAN)
    )
}

/// `feed-lag`: a social worker's referrals, addressed to the partner's organisation, are sent
/// at `rate` per second for `seconds`; a consumer long-polls `GET /events` (`wait=30`,
/// `limit=500`) and takes, for each event, the time from the change (`time`, taken before its
/// commit) to the answer that brought it.
pub fn feed_lag(args: &FeedLagArgs) -> anyhow::Result<()> {
    runtime()?.block_on(feed_lag_async(args))
}

async fn feed_lag_async(args: &FeedLagArgs) -> anyhow::Result<()> {
    if args.rate == 0 || args.seconds == 0 {
        bail!("--rate and --seconds must be at least 1");
    }
    let app = Arc::new(spawn(args.engine).await?);
    let (admin, organisation, client) = partner(&app).await?;
    let (worker_id, worker) = app
        .staff(&admin, "bench", &["social_worker"], &["social_inclusion"])
        .await;
    let person = app.register_person(&worker, "Mario", "Rossi").await;
    let file = id(&app
        .open_case_file(&worker, &person, "social_inclusion", &worker_id, None)
        .await)?;
    let path = format!("/case-files/{file}/referrals");
    let writer = if args.writer_beside {
        Arc::new(app.spawn_beside().await)
    } else {
        Arc::clone(&app)
    };
    let total = args.rate * args.seconds;
    let done = Arc::new(AtomicBool::new(false));

    let consumer = {
        let app = Arc::clone(&app);
        let done = Arc::clone(&done);
        tokio::spawn(async move {
            let mut after = 0_i64;
            let mut lags = Vec::new();
            let mut polls = 0_u32;
            while lags.len() < total as usize {
                let response = app
                    .client
                    .get(app.api(&format!(
                        "/events?after={after}&limit=500&wait=30&type=it.comune.socialcare.referral.create"
                    )))
                    .bearer_auth(&client)
                    .send()
                    .await?;
                let received = Utc::now();
                let page = body(response).await?;
                polls += 1;
                for event in page["items"].as_array().into_iter().flatten() {
                    let time: DateTime<Utc> = event["time"]
                        .as_str()
                        .ok_or_else(|| anyhow!("no time in {event}"))?
                        .parse()?;
                    lags.push((received - time).num_microseconds().unwrap_or(0) as f64 / 1000.0);
                }
                after = page["next_after"].as_i64().unwrap_or(after);
                if done.load(Ordering::Relaxed)
                    && page["items"].as_array().is_some_and(Vec::is_empty)
                {
                    break;
                }
            }
            anyhow::Ok((lags, polls))
        })
    };

    let started = Instant::now();
    let mut latencies = Vec::with_capacity(total as usize);
    for i in 0..total {
        let due = started + Duration::from_secs_f64(f64::from(i) / f64::from(args.rate));
        tokio::time::sleep_until(due.into()).await;
        let sent = Instant::now();
        body(
            writer
                .post(
                    &worker,
                    &path,
                    &json!({"direction": "outgoing", "organisation_id": organisation,
                    "reason": format!("Job search support {i}")}),
                )
                .await,
        )
        .await?;
        latencies.push(sent.elapsed().as_secs_f64() * 1000.0);
    }
    let writing = started.elapsed().as_secs_f64();
    done.store(true, Ordering::Relaxed);
    let (lags, polls) = consumer.await??;
    writeln!(
        std::io::stdout(),
        "feed-lag · engine {:?}{} · {} writes in {writing:.1} s ({:.1}/s asked {}/s) · {} events read in {polls} answers",
        args.engine,
        if args.writer_beside {
            " · writes through a second server"
        } else {
            ""
        },
        total,
        f64::from(total) / writing,
        args.rate,
        lags.len()
    )?;
    writeln!(
        std::io::stdout(),
        "{}",
        summary("write latency ms", latencies)
    )?;
    writeln!(
        std::io::stdout(),
        "{}",
        summary("feed lag ms (change → answer)", lags)
    )?;
    Ok(())
}

/// What the receiver saw.
#[derive(Default)]
struct Seen {
    arrivals: Vec<Instant>,
    bad_signatures: u32,
    out_of_order: u32,
    others: u32,
    last: Option<u64>,
}

struct Receiver {
    seen: Mutex<Seen>,
    secret: Mutex<Option<standardwebhooks::Webhook>>,
}

async fn receive(req: HttpRequest, bytes: web::Bytes, state: web::Data<Receiver>) -> HttpResponse {
    let arrived = Instant::now();
    let mut headers = reqwest::header::HeaderMap::new();
    for name in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
        if let Some(value) = req
            .headers()
            .get(name)
            .and_then(|v| reqwest::header::HeaderValue::from_bytes(v.as_bytes()).ok())
        {
            headers.insert(name, value);
        }
    }
    let verified = match state.secret.lock().await.as_ref() {
        Some(hook) => hook.verify(&bytes, &headers).is_ok(),
        None => false,
    };
    let number = serde_json::from_slice::<Value>(&bytes)
        .ok()
        .and_then(|e| e["data"]["number"].as_u64());
    let mut seen = state.seen.lock().await;
    if number.is_none() {
        // Another event of the organisation (the subscription's own creation).
        seen.others += 1;
        return HttpResponse::NoContent().finish();
    }
    seen.arrivals.push(arrived);
    if !verified {
        seen.bad_signatures += 1;
    }
    if let (Some(n), Some(last)) = (number, seen.last)
        && n <= last
    {
        seen.out_of_order += 1;
    }
    if number.is_some() {
        seen.last = number;
    }
    HttpResponse::NoContent().finish()
}

/// `webhooks`: a subscription to a local receiver, then `events` events of the partner's
/// organisation appended in transactions of 1 000; the receiver verifies every signature and
/// the order, and the figures are taken from its arrivals.
pub fn webhooks(args: &WebhookArgs) -> anyhow::Result<()> {
    runtime()?.block_on(webhooks_async(args))
}

async fn webhooks_async(args: &WebhookArgs) -> anyhow::Result<()> {
    let app = spawn(args.engine).await?;
    let (_, organisation, client) = partner(&app).await?;
    let receiver = web::Data::new(Receiver {
        seen: Mutex::new(Seen::default()),
        secret: Mutex::new(None),
    });
    let data = receiver.clone();
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(web::PayloadConfig::new(1 << 20))
            .route("/hook", web::post().to(receive))
    })
    .workers(1)
    .listen(listener)?
    .run();
    tokio::spawn(server);

    let created = body(
        app.client
            .post(app.api("/partner/webhooks"))
            .bearer_auth(&client)
            .header("Idempotency-Key", Uuid::now_v7().to_string())
            .json(&json!({"url": format!("http://127.0.0.1:{port}/hook")}))
            .send()
            .await?,
    )
    .await?;
    let secret = created["secret"]
        .as_str()
        .ok_or_else(|| anyhow!("no secret in {created}"))?;
    *receiver.secret.lock().await = Some(standardwebhooks::Webhook::new(secret)?);

    let organisation = Uuid::parse_str(&organisation)?;
    let started = Instant::now();
    let db = app.db().clone();
    let count = args.events;
    tokio::task::spawn_blocking(move || {
        let mut number = 0_u32;
        while number < count {
            let end = (number + 1000).min(count);
            db.write::<_, socialcare_persistence::StoreError, _>(|c| {
                for n in number..end {
                    let referral = Uuid::now_v7();
                    events::append(
                        c,
                        &NewEvent {
                            id: Uuid::now_v7(),
                            event_type: "it.comune.socialcare.referral.create".into(),
                            subject: format!("referral/{referral}"),
                            time: Utc::now(),
                            organisation_id: Some(organisation),
                            data: json!({"referral_id": referral, "version": 1,
                                "organisation_id": organisation, "number": n})
                            .to_string(),
                        },
                    )?;
                }
                Ok(())
            })?;
            number = end;
        }
        anyhow::Ok(())
    })
    .await??;
    let appended = started.elapsed().as_secs_f64();

    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let arrived = receiver.seen.lock().await.arrivals.len();
        if arrived >= count as usize {
            break;
        }
        if Instant::now() > deadline {
            bail!("only {arrived} of {count} events arrived in 10 minutes");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let seen = receiver.seen.lock().await;
    let first = *seen.arrivals.first().context("nothing arrived")?;
    let last = *seen.arrivals.last().context("nothing arrived")?;
    let span = (last - first).as_secs_f64();
    let whole = (last - started).as_secs_f64();
    writeln!(
        std::io::stdout(),
        "webhooks · engine {:?} · {count} events appended in {appended:.2} s · delivered in {span:.2} s from the first arrival: {:.0} events/s · {whole:.2} s from the first append: {:.0} events/s · {} arrivals (and {} other events), {} bad signatures, {} out of order",
        args.engine,
        f64::from(count) / span,
        f64::from(count) / whole,
        seen.arrivals.len(),
        seen.others,
        seen.bad_signatures,
        seen.out_of_order
    )?;
    if seen.bad_signatures > 0 || seen.out_of_order > 0 {
        bail!("the receiver saw bad signatures or events out of order");
    }
    Ok(())
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}
