#!/usr/bin/env bash
# The tracelog stack on one machine, without Docker, every part on loopback: our collector build,
# VictoriaLogs (logs), Jaeger v2 (traces), Prometheus (metrics and rules) and Alertmanager. Each is
# built from its Go module into the cache (outside the repo) on first use; all are Apache-2.0.
# Elasticsearch and Loki are destinations we support but never fetch or run (their distributions
# are AGPL, SSPL or the Elastic License): point the collector at yours with TRACELOG_ES_URL or
# TRACELOG_LOKI_URL, and their overlays are loaded too.
#
#   stack.sh build    build what is missing into the cache
#   stack.sh start    build if needed, start all, wait until ready, print the endpoints
#   stack.sh stop     stop what start started
#   stack.sh status   each part, running or not, with its URL
#   stack.sh env      print binary paths and versions as shell assignments (used by the tests)
#   stack.sh bench-env  the same, plus the OpenTelemetry load generator telemetrygen (the benchmarks)
#   stack.sh cluster-env  the same, plus Helm, OpenSearch and kubernetes-validate (deploy/, the
#                       cluster stack and its drills)
#
# Settings (environment): see collector/README.md.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
collector_dir="$(cd "$here/.." && pwd)"
repo="$(cd "$collector_dir/.." && pwd)"

COLLECTOR_VERSION="0.157.0"
VICTORIALOGS_VERSION="1.52.2"
# Jaeger 2.Y is published as the Go module version v1.(Y+63): v1.75.0 is Jaeger 2.12.
JAEGER_VERSION="2.12.0"
JAEGER_MODULE_VERSION="v1.75.0"
# Prometheus 3.Y.Z is published as the Go module version v0.3YY.Z.
PROMETHEUS_VERSION="3.16.0"
PROMETHEUS_MODULE_VERSION="v0.316.0"
ALERTMANAGER_VERSION="0.35.0"
cache="${TRACELOG_CACHE:-$HOME/.cache/tracelog}"
work="${TRACELOG_STACK_DIR:-$repo/.stack}"

victorialogs_port="${TRACELOG_VICTORIALOGS_PORT:-9428}"
jaeger_query_port="${TRACELOG_JAEGER_QUERY_PORT:-16686}"
jaeger_otlp_port="${TRACELOG_JAEGER_OTLP_HTTP_PORT:-4328}"
otlp_http="${TRACELOG_OTLP_HTTP_ENDPOINT:-127.0.0.1:4318}"
otlp_grpc="${TRACELOG_OTLP_GRPC_ENDPOINT:-127.0.0.1:4317}"
health="${TRACELOG_HEALTH_ENDPOINT:-127.0.0.1:13133}"
prometheus_port="${TRACELOG_PROMETHEUS_PORT:-9090}"
alertmanager_port="${TRACELOG_ALERTMANAGER_PORT:-9093}"

log() { printf 'stack: %s\n' "$*" >&2; }
die() { printf 'stack: error: %s\n' "$*" >&2; exit 1; }

manifest_hash() { sha1sum "$collector_dir/builder-config.yaml" | cut -c1-12; }
collector_bin() { echo "$cache/collector/$COLLECTOR_VERSION-$(manifest_hash)/otelcol-tracelog"; }
victorialogs_dir() { echo "$cache/victorialogs/$VICTORIALOGS_VERSION"; }
jaeger_dir() { echo "$cache/jaeger/$JAEGER_VERSION"; }
prometheus_dir() { echo "$cache/prometheus/$PROMETHEUS_VERSION"; }
alertmanager_dir() { echo "$cache/alertmanager/$ALERTMANAGER_VERSION"; }

build_collector() {
  local bin; bin="$(collector_bin)"
  [ -x "$bin" ] && return
  command -v go >/dev/null 2>&1 || die "Go is needed to build the collector (go >= 1.24); install it from your distribution or go.dev"
  log "building the collector $COLLECTOR_VERSION (first time only; a few minutes)"
  local gobin="$cache/bin" start tmp
  start=$(date +%s)
  mkdir -p "$gobin"
  GOBIN="$gobin" GOFLAGS=-mod=mod go install "go.opentelemetry.io/collector/cmd/builder@v$COLLECTOR_VERSION"
  tmp="$(mktemp -d)"
  cp "$collector_dir/builder-config.yaml" "$tmp/"
  (cd "$tmp" && GOFLAGS=-mod=mod "$gobin/builder" --config builder-config.yaml >"$tmp/build.log" 2>&1) ||
    { tail -30 "$tmp/build.log" >&2; die "collector build failed (log: $tmp/build.log)"; }
  mkdir -p "$(dirname "$bin")"
  mv "$tmp/build/otelcol-tracelog" "$bin"
  rm -rf "$tmp"
  log "collector built in $(( $(date +%s) - start )) s: $bin"
}

# A Go program built from its downloaded module (Prometheus, Alertmanager): `go install` refuses
# modules whose go.mod has replace/exclude directives, so the build runs in a writable copy.
# GOWORK=off: the Prometheus module ships a go.work that names directories the download lacks.
build_go_module() { # module version outdir prepare-function package...
  local module="$1" version="$2" out="$3" prepare="$4"; shift 4
  command -v go >/dev/null 2>&1 || die "Go is needed to build $module (go >= 1.24); install it from your distribution or go.dev"
  log "building $module $version (first time only; a few minutes)"
  local start tmp dir pkg
  start=$(date +%s)
  tmp="$(mktemp -d)"
  dir="$(cd "$tmp" && GOWORK=off GOFLAGS=-mod=mod go mod download -json "$module@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [ -n "$dir" ] || die "could not download the $module $version module"
  cp -r "$dir" "$tmp/src"
  chmod -R u+w "$tmp/src"
  "$prepare" "$tmp/src"
  for pkg in "$@"; do
    (cd "$tmp/src" && GOWORK=off GOFLAGS=-mod=mod CGO_ENABLED=0 \
      go build -trimpath -tags netgo,remove_all_sd -o "$tmp/out/$(basename "$pkg")" "./$pkg" >>"$tmp/build.log" 2>&1) ||
      { tail -30 "$tmp/build.log" >&2; die "$module build failed (log: $tmp/build.log)"; }
  done
  mkdir -p "$out"
  mv "$tmp/out/"* "$out/"
  rm -rf "$tmp"
  log "$module built in $(( $(date +%s) - start )) s: $out"
}

no_preparation() { :; }
# Alertmanager's ui/web.go embeds ui/app/dist, which the module download lacks (it is built by
# npm in their release process). The API and the notifications need no UI: a placeholder page.
alertmanager_ui_placeholder() {
  mkdir -p "$1/ui/app/dist"
  printf '<!doctype html><title>Alertmanager</title><p>The web UI is not part of this build; the API is at /api/v2/.\n' \
    >"$1/ui/app/dist/index.html"
}

build_prometheus() {
  [ -x "$(prometheus_dir)/prometheus" ] && [ -x "$(prometheus_dir)/promtool" ] && return
  build_go_module github.com/prometheus/prometheus "$PROMETHEUS_MODULE_VERSION" "$(prometheus_dir)" no_preparation \
    cmd/prometheus cmd/promtool
}

build_alertmanager() {
  [ -x "$(alertmanager_dir)/alertmanager" ] && return
  build_go_module github.com/prometheus/alertmanager "v$ALERTMANAGER_VERSION" "$(alertmanager_dir)" alertmanager_ui_placeholder \
    cmd/alertmanager
}

# VictoriaLogs' go.mod has no replace directives, so `go install` builds it straight from the
# module (about 20 s on 2 cores).
build_victorialogs() {
  local out; out="$(victorialogs_dir)"
  [ -x "$out/victoria-logs" ] && return
  command -v go >/dev/null 2>&1 || die "Go is needed to build VictoriaLogs (go >= 1.24); install it from your distribution or go.dev"
  log "building VictoriaLogs $VICTORIALOGS_VERSION (first time only)"
  local start; start=$(date +%s)
  mkdir -p "$out"
  GOBIN="$out" GOWORK=off GOFLAGS=-mod=mod CGO_ENABLED=0 \
    go install -trimpath "github.com/VictoriaMetrics/VictoriaLogs/app/victoria-logs@v$VICTORIALOGS_VERSION" ||
    die "VictoriaLogs build failed"
  log "VictoriaLogs built in $(( $(date +%s) - start )) s: $out/victoria-logs"
}

# The collector project's own load generator, for the collector benchmark (bench/collector).
build_telemetrygen() {
  local out="$cache/telemetrygen/$COLLECTOR_VERSION"
  [ -x "$out/telemetrygen" ] && return
  log "building telemetrygen $COLLECTOR_VERSION (first time only)"
  mkdir -p "$out"
  GOBIN="$out" GOWORK=off GOFLAGS=-mod=mod CGO_ENABLED=0 go install -trimpath \
    "github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen@v$COLLECTOR_VERSION" ||
    die "telemetrygen build failed"
}

build_jaeger() {
  [ -x "$(jaeger_dir)/jaeger" ] && return
  build_go_module github.com/jaegertracing/jaeger "$JAEGER_MODULE_VERSION" "$(jaeger_dir)" no_preparation cmd/jaeger
}

# --- Beyond one machine (deploy/): the tools and stores the cluster stack, the chart checks and
# the failure drills use. Built or fetched on first use into the same cache, under the same lock.
HELM_VERSION="4.3.2"
OPENSEARCH_VERSION="2.19.6"
KUBERNETES_VALIDATE_VERSION="1.37.0"
helm_dir() { echo "$cache/helm/$HELM_VERSION"; }
opensearch_dir() { echo "$cache/opensearch/$OPENSEARCH_VERSION"; }
kubernetes_validate_dir() { echo "$cache/kubernetes-validate/$KUBERNETES_VALIDATE_VERSION"; }

# Helm from its Go module (helm.sh/helm/v4), like Prometheus: renders and lints the chart offline.
build_helm() {
  [ -x "$(helm_dir)/helm" ] && return
  build_go_module helm.sh/helm/v4 "v$HELM_VERSION" "$(helm_dir)" no_preparation cmd/helm
}

# OpenSearch's integ-test distribution (Apache-2.0; its modules/ hold only transport-netty4) from
# Maven Central through Maven itself (which checks the artifact's checksum), as otlp-proto.ts
# fetches the OTLP protos. It runs on Java 17.
fetch_opensearch() {
  local out; out="$(opensearch_dir)"
  [ -x "$out/bin/opensearch" ] && return
  command -v java >/dev/null 2>&1 || die "Java 17 or newer is needed for OpenSearch (e.g. apt-get install openjdk-17-jre-headless)"
  command -v mvn >/dev/null 2>&1 || die "Maven (mvn) is needed to fetch OpenSearch from Maven Central; install the 'maven' package"
  local tmp; tmp="$(mktemp -d)"
  log "fetching OpenSearch $OPENSEARCH_VERSION from Maven Central (first time only; 56 MB)"
  mvn -q -B dependency:copy \
    "-Dartifact=org.opensearch.distribution.integ-test-zip:opensearch:$OPENSEARCH_VERSION:zip" \
    "-DoutputDirectory=$tmp" >&2 || die "could not fetch OpenSearch $OPENSEARCH_VERSION with Maven"
  (cd "$tmp" && unzip -q "opensearch-$OPENSEARCH_VERSION.zip")
  grep -q 'Apache License' "$tmp/opensearch-$OPENSEARCH_VERSION/LICENSE.txt" || die "OpenSearch's LICENSE.txt is not the Apache License"
  mkdir -p "$(dirname "$out")"
  rm -rf "$out"
  mv "$tmp/opensearch-$OPENSEARCH_VERSION" "$out"
  rm -rf "$tmp"
}

# kubernetes-validate (Apache-2.0, PyPI) bundles the Kubernetes JSON schemas: the chart's rendered
# objects are validated offline, in a virtualenv outside the repo.
build_kubernetes_validate() {
  local out; out="$(kubernetes_validate_dir)"
  [ -x "$out/bin/kubernetes-validate" ] && return
  command -v python3 >/dev/null 2>&1 || die "Python 3 is needed for kubernetes-validate"
  log "installing kubernetes-validate $KUBERNETES_VALIDATE_VERSION into $out (first time only)"
  rm -rf "$out"
  python3 -m venv "$out" || die "python3 -m venv failed (apt-get install python3-venv)"
  "$out/bin/pip" install --quiet --disable-pip-version-check "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" ||
    die "kubernetes-validate install failed"
}

cmd_build() {
  # One build at a time per cache: parallel test runs wait for the first one's result.
  mkdir -p "$cache"
  exec 9>"$cache/.build.lock"
  flock 9
  build_collector
  build_prometheus
  build_alertmanager
  build_victorialogs
  build_jaeger
  # Release the lock: the servers started next would otherwise inherit it and hold it for life.
  exec 9>&-
}

cmd_env() {
  cmd_build >&2
  printf 'TRACELOG_COLLECTOR_BIN=%q\n' "$(collector_bin)"
  printf 'TRACELOG_COLLECTOR_CONFIG=%q\n' "$collector_dir/config.yaml"
  printf 'TRACELOG_DESTINATIONS_DIR=%q\n' "$collector_dir/destinations"
  printf 'TRACELOG_VICTORIALOGS_BIN=%q\n' "$(victorialogs_dir)/victoria-logs"
  printf 'TRACELOG_JAEGER_BIN=%q\n' "$(jaeger_dir)/jaeger"
  printf 'TRACELOG_JAEGER_CONFIG=%q\n' "$collector_dir/jaeger/config.yaml"
  printf 'TRACELOG_ES_TEMPLATES=%q\n' "$collector_dir/elasticsearch"
  printf 'TRACELOG_PROMETHEUS_BIN=%q\n' "$(prometheus_dir)/prometheus"
  printf 'TRACELOG_PROMTOOL_BIN=%q\n' "$(prometheus_dir)/promtool"
  printf 'TRACELOG_PROMETHEUS_CONFIG=%q\n' "$collector_dir/prometheus/prometheus.yml"
  printf 'TRACELOG_PROMETHEUS_RULES=%q\n' "$repo/dashboards/prometheus-rules"
  printf 'TRACELOG_ALERTMANAGER_BIN=%q\n' "$(alertmanager_dir)/alertmanager"
  printf 'TRACELOG_ALERTMANAGER_CONFIG=%q\n' "$collector_dir/alertmanager/alertmanager.yml"
}

wait_http() { # url seconds what
  local i
  for ((i = 0; i < $2 * 2; i++)); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.5
  done
  die "$3 did not become ready at $1 within $2 s (logs: $work/logs)"
}

# -retentionPeriod: VictoriaLogs drops whole days older than this, and refuses records older than
# it at ingest (docs "Retention", v1.52). -inmemoryDataFlushInterval: records are searchable
# within a second (default 5 s), which the dashboards' "last minute" panels and the tests want.
start_victorialogs() {
  mkdir -p "$work/victorialogs"
  nohup "$(victorialogs_dir)/victoria-logs" -storageDataPath="$work/victorialogs/data" \
    -httpListenAddr="127.0.0.1:$victorialogs_port" -retentionPeriod="${TRACELOG_RETENTION_DAYS:-30}d" \
    -inmemoryDataFlushInterval=1s -loggerLevel=WARN </dev/null >"$work/logs/victorialogs.out" 2>&1 &
  echo $! >"$work/victorialogs.pid"
  wait_http "http://127.0.0.1:$victorialogs_port/health" 60 VictoriaLogs
}

start_jaeger() {
  mkdir -p "$work/jaeger"
  TRACELOG_JAEGER_DATA_DIR="$work/jaeger" TRACELOG_JAEGER_QUERY_PORT="$jaeger_query_port" \
    TRACELOG_JAEGER_OTLP_HTTP_PORT="$jaeger_otlp_port" \
    TRACELOG_JAEGER_SPAN_TTL="$(( ${TRACELOG_RETENTION_DAYS:-30} * 24 ))h" \
    nohup "$(jaeger_dir)/jaeger" --config "$collector_dir/jaeger/config.yaml" \
    </dev/null >"$work/logs/jaeger.out" 2>&1 &
  echo $! >"$work/jaeger.pid"
  wait_http "http://127.0.0.1:$jaeger_query_port/api/services" 60 Jaeger
}

# Prometheus and Alertmanager do not expand the environment in their configuration: their files
# are templates whose ${NAME:-default} placeholders are filled in from the environment here.
expand_template() { # template output
  perl -pe 's/\$\{(\w+):-([^}]*)\}/defined $ENV{$1} && length $ENV{$1} ? $ENV{$1} : $2/ge' "$1" >"$2"
}

# created-timestamp-zero-ingestion: a series that first arrives with a value (jobs that waited,
# requests refused) gets a zero at its OTLP start time, so increase() and rate() count that
# first value instead of treating it as the baseline.
start_prometheus() {
  mkdir -p "$work/prometheus"
  TRACELOG_PROMETHEUS_RULES="$repo/dashboards/prometheus-rules" \
    TRACELOG_ALERTMANAGER_TARGET="127.0.0.1:$alertmanager_port" \
    expand_template "$collector_dir/prometheus/prometheus.yml" "$work/prometheus/prometheus.yml"
  nohup "$(prometheus_dir)/prometheus" --config.file="$work/prometheus/prometheus.yml" \
    --storage.tsdb.path="$work/prometheus/data" --web.listen-address="127.0.0.1:$prometheus_port" \
    --web.enable-otlp-receiver --enable-feature=created-timestamp-zero-ingestion \
    --web.enable-lifecycle </dev/null >"$work/logs/prometheus.out" 2>&1 &
  echo $! >"$work/prometheus.pid"
  wait_http "http://127.0.0.1:$prometheus_port/-/ready" 60 Prometheus
}

start_alertmanager() {
  mkdir -p "$work/alertmanager"
  expand_template "$collector_dir/alertmanager/alertmanager.yml" "$work/alertmanager/alertmanager.yml"
  # --cluster.listen-address= : a single instance, no gossip port.
  nohup "$(alertmanager_dir)/alertmanager" --config.file="$work/alertmanager/alertmanager.yml" \
    --storage.path="$work/alertmanager/data" --web.listen-address="127.0.0.1:$alertmanager_port" \
    --cluster.listen-address= </dev/null >"$work/logs/alertmanager.out" 2>&1 &
  echo $! >"$work/alertmanager.pid"
  wait_http "http://127.0.0.1:$alertmanager_port/-/ready" 60 Alertmanager
}

# The destinations the collector writes to: one overlay each in collector/destinations/.
# TRACELOG_DESTINATIONS overrides the list; TRACELOG_ES_URL and TRACELOG_LOKI_URL add theirs.
destinations() {
  local list="${TRACELOG_DESTINATIONS:-victorialogs jaeger}"
  [ -n "${TRACELOG_ES_URL:-}" ] && list="$list elasticsearch"
  [ -n "${TRACELOG_LOKI_URL:-}" ] && list="$list loki"
  echo "$list"
}

start_collector() {
  local args=(--config "$collector_dir/config.yaml") name loki="${TRACELOG_LOKI_URL:-}"
  for name in $(destinations); do
    [ -f "$collector_dir/destinations/$name.yaml" ] || die "unknown destination '$name' (TRACELOG_DESTINATIONS): no collector/destinations/$name.yaml"
    args+=(--config "$collector_dir/destinations/$name.yaml")
  done
  env TRACELOG_VICTORIALOGS_ENDPOINT="http://127.0.0.1:$victorialogs_port" \
    TRACELOG_JAEGER_OTLP_ENDPOINT="http://127.0.0.1:$jaeger_otlp_port" \
    TRACELOG_ES_ENDPOINT="${TRACELOG_ES_URL:-}" TRACELOG_LOKI_ENDPOINT="${loki%/}/otlp" \
    TRACELOG_PROMETHEUS_OTLP_ENDPOINT="http://127.0.0.1:$prometheus_port" \
    TRACELOG_STORAGE_DIR="$work/collector/storage" \
    TRACELOG_OTLP_HTTP_ENDPOINT="$otlp_http" TRACELOG_OTLP_GRPC_ENDPOINT="$otlp_grpc" TRACELOG_HEALTH_ENDPOINT="$health" \
    nohup "$(collector_bin)" "${args[@]}" </dev/null >"$work/logs/collector.out" 2>&1 &
  echo $! >"$work/collector.pid"
  wait_http "http://$health/" 60 "the collector"
}

running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

cmd_start() {
  cmd_build
  mkdir -p "$work/logs"
  running "$work/victorialogs.pid" && log "VictoriaLogs already running" || start_victorialogs
  running "$work/jaeger.pid" && log "Jaeger already running" || start_jaeger
  running "$work/alertmanager.pid" && log "Alertmanager already running" || start_alertmanager
  running "$work/prometheus.pid" && log "Prometheus already running" || start_prometheus
  running "$work/collector.pid" && log "collector already running" || start_collector
  echo "tracelog stack is up (data and logs in $work; records kept ${TRACELOG_RETENTION_DAYS:-30} days):"
  cmd_status
  echo "Send to it with OTEL_EXPORTER_OTLP_ENDPOINT=http://$otlp_http; stop it with: npm run stack:stop"
}

stop_pid() { # pidfile name
  if running "$1"; then
    kill "$(cat "$1")" 2>/dev/null || true
    local i
    for ((i = 0; i < 60; i++)); do running "$1" || break; sleep 0.5; done
    running "$1" && kill -9 "$(cat "$1")" 2>/dev/null || true
    log "stopped $2"
  fi
  rm -f "$1"
}

cmd_stop() {
  stop_pid "$work/collector.pid" collector
  stop_pid "$work/prometheus.pid" Prometheus
  stop_pid "$work/alertmanager.pid" Alertmanager
  stop_pid "$work/jaeger.pid" Jaeger
  stop_pid "$work/victorialogs.pid" VictoriaLogs
}

cmd_status() {
  local part pidfile url
  while IFS='|' read -r part pidfile url; do
    if running "$work/$pidfile"; then
      printf '  %-13s running (pid %s)  %s\n' "$part" "$(cat "$work/$pidfile")" "$url"
    else
      printf '  %-13s stopped        %s\n' "$part" "$url"
    fi
  done <<PARTS
collector|collector.pid|OTLP http://$otlp_http, gRPC $otlp_grpc, health http://$health/ (destinations: $(destinations))
VictoriaLogs|victorialogs.pid|http://127.0.0.1:$victorialogs_port/select/vmui/ (LogsQL at /select/logsql/query)
Jaeger|jaeger.pid|http://127.0.0.1:$jaeger_query_port/api/traces/<trace id> (Grafana's Jaeger data source is the trace view)
Prometheus|prometheus.pid|http://127.0.0.1:$prometheus_port (rules from dashboards/prometheus-rules)
Alertmanager|alertmanager.pid|http://127.0.0.1:$alertmanager_port (webhook: ${TRACELOG_ALERT_WEBHOOK_URL:-not set, see collector/README.md})
PARTS
}

case "${1:-}" in
  build) cmd_build ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  env) cmd_env ;;
  cluster-env)
    cmd_env
    (mkdir -p "$cache" && exec 9>"$cache/.build.lock" && flock 9 &&
      build_telemetrygen && build_helm && fetch_opensearch && build_kubernetes_validate) >&2
    printf 'TRACELOG_TELEMETRYGEN_BIN=%q\n' "$cache/telemetrygen/$COLLECTOR_VERSION/telemetrygen"
    printf 'TRACELOG_HELM_BIN=%q\n' "$(helm_dir)/helm"
    printf 'TRACELOG_OPENSEARCH_HOME=%q\n' "$(opensearch_dir)"
    printf 'TRACELOG_KUBERNETES_VALIDATE_BIN=%q\n' "$(kubernetes_validate_dir)/bin/kubernetes-validate"
    ;;
  bench-env)
    cmd_env
    (mkdir -p "$cache" && exec 9>"$cache/.build.lock" && flock 9 && build_telemetrygen) >&2
    printf 'TRACELOG_TELEMETRYGEN_BIN=%q\n' "$cache/telemetrygen/$COLLECTOR_VERSION/telemetrygen"
    ;;
  *) echo "usage: $0 build|start|stop|status|env|bench-env|cluster-env" >&2; exit 2 ;;
esac
