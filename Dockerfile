# syntax=docker/dockerfile:1
#
# socialcare API image.
#
#   docker build -t socialcare .
#   docker run --rm -p 127.0.0.1:8080:8080 -v socialcare-data:/app/data socialcare
#
# For a production-like set-up with PostgreSQL use docker-compose.yml (see README.md).

# ---------------------------------------------------------------------------------------------
# Build stage. OpenSSL (vendored), libpq and SQLite (bundled) are compiled from source by their
# -sys crates, which needs a C compiler, perl and make: all present in rust:1-bookworm.
FROM rust:1-bookworm AS builder

WORKDIR /build
COPY . .

# The cache mounts keep the crates.io downloads and the target directory between builds
# (BuildKit, the default builder of current Docker); the binary is copied out of the cached
# target directory in the same step.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git \
    --mount=type=cache,target=/build/target \
    cargo build --release -p socialcare-api --locked \
 && install -D -m 0755 target/release/socialcare /out/socialcare

# ---------------------------------------------------------------------------------------------
# Runtime stage: the binary, CA certificates and an unprivileged user.
FROM debian:bookworm-slim AS runtime

RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 socialcare \
 && useradd --system --uid 10001 --gid socialcare --home-dir /app --no-create-home \
      --shell /usr/sbin/nologin socialcare \
 && mkdir -p /app/data \
 && chown -R socialcare:socialcare /app

COPY --from=builder /out/socialcare /usr/local/bin/socialcare

WORKDIR /app
USER socialcare:socialcare

# The default DATABASE_URL is sqlite://./data/socialcare.db, i.e. /app/data/socialcare.db.
VOLUME ["/app/data"]

ENV BIND_ADDR=0.0.0.0:8080
EXPOSE 8080

# The binary is its own probe: `socialcare healthcheck` asks GET /api/v1/status on BIND_ADDR
# (200 when the database answers, 503 otherwise) and exits non-zero unless it is 200.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
  CMD ["/usr/local/bin/socialcare", "healthcheck"]

ENTRYPOINT ["/usr/local/bin/socialcare"]
CMD ["serve"]
