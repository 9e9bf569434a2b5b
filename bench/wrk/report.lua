-- Included in every scenario script of bench/load.sh: prints one machine-readable line with the
-- figures wrk's --latency table lacks (p95) and the errors, after the run.
-- `non2xx` is wrk's `errors.status`: responses with a status of 400 or more (wrk counts no
-- other); the socket errors are connect, read, write and timeout.
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK_RESULT requests=%d duration_us=%d rps=%.1f p50_us=%d p95_us=%d p99_us=%d max_us=%d " ..
    "non2xx=%d connect=%d read=%d write=%d timeout=%d\n",
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    e.status, e.connect, e.read, e.write, e.timeout))
end
