//! Prometheus metrics: the HTTP metrics of `actix-web-prom` (requests and durations by route
//! pattern, method and status), the database connection pool's state read at each scrape, and
//! the audit log's backlog (the records the sequencer has not yet taken into the tree, and the
//! age of the oldest: the merge delay as it stands), and the process metrics (CPU, memory, file
//! descriptors, start time) of the `prometheus` crate.
//! Served at `/metrics` on the API's own address, or only on `SOCIALCARE_METRICS_BIND_ADDR`
//! when that is set (a monitoring network the API's callers cannot reach).

use actix_web::{HttpResponse, web};
use actix_web_prom::{PrometheusMetrics, PrometheusMetricsBuilder};
use prometheus::core::{Collector, Desc};
use prometheus::proto::MetricFamily;
use prometheus::{Encoder, Gauge, IntCounter, IntGauge, Opts, Registry, TextEncoder};
use socialcare_persistence::{Database, audit_tree};

/// The path of the metrics.
pub const METRICS_PATH: &str = "/metrics";

/// The connection pool's gauges, read from the pool when scraped.
struct PoolCollector {
    db: Database,
    connections: IntGauge,
    idle: IntGauge,
    max: IntGauge,
}

impl PoolCollector {
    fn new(db: Database) -> prometheus::Result<Self> {
        let gauge = |name: &str, help: &str| {
            IntGauge::with_opts(Opts::new(name, help).namespace("socialcare"))
        };
        Ok(Self {
            db,
            connections: gauge(
                "db_pool_connections",
                "Database connections open (idle or in use).",
            )?,
            idle: gauge(
                "db_pool_idle_connections",
                "Open database connections waiting for work.",
            )?,
            max: gauge(
                "db_pool_max_connections",
                "The most database connections the pool opens (SOCIALCARE_DB_POOL_SIZE).",
            )?,
        })
    }
}

impl Collector for PoolCollector {
    fn desc(&self) -> Vec<&Desc> {
        [&self.connections, &self.idle, &self.max]
            .into_iter()
            .flat_map(|g| g.desc())
            .collect()
    }

    fn collect(&self) -> Vec<MetricFamily> {
        let state = self.db.pool_state();
        self.connections.set(i64::from(state.connections));
        self.idle.set(i64::from(state.idle));
        self.max.set(i64::from(state.max));
        [&self.connections, &self.idle, &self.max]
            .into_iter()
            .flat_map(|g| g.collect())
            .collect()
    }
}

/// The audit log's gauges, read from the database when scraped if a pooled connection is idle
/// (else they keep their last values).
struct AuditLogCollector {
    db: Database,
    size: IntGauge,
    staged: IntGauge,
    oldest: Gauge,
    read_groups: IntCounter,
    read_records: IntCounter,
}

impl AuditLogCollector {
    fn new(db: Database) -> prometheus::Result<Self> {
        let opts = |name: &str, help: &str| Opts::new(name, help).namespace("socialcare");
        Ok(Self {
            db,
            size: IntGauge::with_opts(opts(
                "audit_tree_size",
                "Audit records in the audit log's Merkle tree (its last checkpoint's size).",
            ))?,
            staged: IntGauge::with_opts(opts(
                "audit_staged_records",
                "Audit records written but not yet taken into the tree by the sequencer.",
            ))?,
            oldest: Gauge::with_opts(opts(
                "audit_staged_oldest_seconds",
                "Age of the oldest audit record not yet in the tree (0 when none waits); \
                 stays under SOCIALCARE_AUDIT_MERGE_DELAY_MS when the sequencer keeps up.",
            ))?,
            read_groups: IntCounter::with_opts(opts(
                "audit_read_groups_total",
                "Groups in which this process staged the audit records of reads (one \
                 transaction each).",
            ))?,
            read_records: IntCounter::with_opts(opts(
                "audit_read_records_total",
                "Audit records of reads staged by this process; divided by \
                 socialcare_audit_read_groups_total, the mean size of a group.",
            ))?,
        })
    }
}

impl Collector for AuditLogCollector {
    fn desc(&self) -> Vec<&Desc> {
        let mut desc = self.size.desc();
        desc.extend(self.staged.desc());
        desc.extend(self.oldest.desc());
        desc.extend(self.read_groups.desc());
        desc.extend(self.read_records.desc());
        desc
    }

    fn collect(&self) -> Vec<MetricFamily> {
        // On the async worker that answers the scrape: never wait for a pooled connection (under
        // load every one may be busy, and the worker would stall for the acquire timeout).
        match self.db.try_read(audit_tree::backlog) {
            None => tracing::debug!(
                "no idle database connection: the audit log's gauges keep their last values"
            ),
            Some(Ok(backlog)) => {
                self.size
                    .set(i64::try_from(backlog.size).unwrap_or(i64::MAX));
                self.staged
                    .set(i64::try_from(backlog.records).unwrap_or(i64::MAX));
                let age = backlog.oldest.map_or(0.0, |oldest| {
                    (chrono::Utc::now() - oldest)
                        .num_microseconds()
                        .unwrap_or(0) as f64
                        / 1e6
                });
                self.oldest.set(age.max(0.0));
            }
            // Not fatal to a scrape: the gauges keep their last values.
            Some(Err(error)) => {
                tracing::warn!(%error, "the audit log's backlog could not be read for the metrics")
            }
        }
        // Counted in memory: always current, whatever the database.
        let groups = self.db.read_groups();
        self.read_groups
            .inc_by(groups.groups.saturating_sub(self.read_groups.get()));
        self.read_records
            .inc_by(groups.records.saturating_sub(self.read_records.get()));
        let mut families = self.size.collect();
        families.extend(self.staged.collect());
        families.extend(self.oldest.collect());
        families.extend(self.read_groups.collect());
        families.extend(self.read_records.collect());
        families
    }
}

/// The metrics of one server process: the HTTP middleware and the registry it shares with the
/// pool's gauges.
pub struct Metrics {
    /// The middleware counting requests (and answering `/metrics` when served on the API's
    /// address).
    pub middleware: PrometheusMetrics,
    registry: Registry,
}

impl Metrics {
    /// Sets the metrics up; `on_api` serves `/metrics` on the API's own address.
    pub fn new(db: Database, on_api: bool) -> anyhow::Result<Self> {
        let registry = Registry::new();
        registry
            .register(Box::new(PoolCollector::new(db.clone())?))
            .map_err(|e| anyhow::anyhow!("cannot register the pool metrics: {e}"))?;
        registry
            .register(Box::new(AuditLogCollector::new(db)?))
            .map_err(|e| anyhow::anyhow!("cannot register the audit log metrics: {e}"))?;
        let mut builder = PrometheusMetricsBuilder::new("socialcare")
            .registry(registry.clone())
            .mask_unmatched_patterns("UNMATCHED");
        if on_api {
            builder = builder.endpoint(METRICS_PATH);
        }
        let middleware = builder
            .build()
            .map_err(|e| anyhow::anyhow!("cannot set up metrics: {e}"))?;
        Ok(Self {
            middleware,
            registry,
        })
    }

    /// The `/metrics` route of a separate metrics server.
    pub fn endpoint(&self) -> MetricsEndpoint {
        MetricsEndpoint {
            registry: self.registry.clone(),
        }
    }
}

/// The `/metrics` route of a separate metrics server (`SOCIALCARE_METRICS_BIND_ADDR`).
#[derive(Clone)]
pub struct MetricsEndpoint {
    registry: Registry,
}

impl MetricsEndpoint {
    /// Registers the route.
    pub fn configure(&self, cfg: &mut web::ServiceConfig) {
        let registry = self.registry.clone();
        cfg.route(
            METRICS_PATH,
            web::get().to(move || {
                let registry = registry.clone();
                async move { exposition(&registry) }
            }),
        );
    }
}

/// The text exposition of the registry and of the process metrics.
fn exposition(registry: &Registry) -> HttpResponse {
    let mut families = registry.gather();
    families.extend(prometheus::gather());
    let mut buffer = Vec::new();
    match TextEncoder::new().encode(&families, &mut buffer) {
        Ok(()) => HttpResponse::Ok()
            .content_type(TextEncoder::new().format_type())
            .body(buffer),
        Err(error) => {
            tracing::error!(%error, "the metrics cannot be encoded");
            HttpResponse::InternalServerError().finish()
        }
    }
}
