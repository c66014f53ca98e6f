#!/usr/bin/env bash
# The tracelog stack on one machine, without Docker: our collector build and Elasticsearch, on
# loopback, with Prometheus and Alertmanager for metrics and alerts. Loki is a destination we support but never build or run (it is AGPL-3.0): point the
# collector at yours with TRACELOG_LOKI_URL.
#
#   stack.sh build    fetch or build what is missing into the cache (outside the repo)
#   stack.sh start    build if needed, start all, wait until ready, print the endpoints
#   stack.sh stop     stop what start started
#   (start also runs retention.sh in the background: daily indices older than 30 days are deleted)
#   stack.sh status   what is running
#   stack.sh env      print binary paths and versions as shell assignments (used by the tests)
#
# Settings (environment): see collector/README.md.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
collector_dir="$(cd "$here/.." && pwd)"
repo="$(cd "$collector_dir/.." && pwd)"

COLLECTOR_VERSION="0.157.0"
ES_VERSION="${TRACELOG_ES_VERSION:-8.19.7}"
# Prometheus 3.Y.Z is published as the Go module version v0.3YY.Z.
PROMETHEUS_VERSION="3.16.0"
PROMETHEUS_MODULE_VERSION="v0.316.0"
ALERTMANAGER_VERSION="0.35.0"
cache="${TRACELOG_CACHE:-$HOME/.cache/tracelog}"
# Elasticsearch refuses to run as root, so as root it runs as a system user, and its files must be
# readable by that user: they live outside root's home.
if [ "$(id -u)" = "0" ]; then es_root="${TRACELOG_ES_CACHE:-/var/cache/tracelog}"; else es_root="$cache"; fi
work="${TRACELOG_STACK_DIR:-$repo/.stack}"

es_port="${TRACELOG_ES_PORT:-9200}"
otlp_http="${TRACELOG_OTLP_HTTP_ENDPOINT:-127.0.0.1:4318}"
otlp_grpc="${TRACELOG_OTLP_GRPC_ENDPOINT:-127.0.0.1:4317}"
health="${TRACELOG_HEALTH_ENDPOINT:-127.0.0.1:13133}"
prometheus_port="${TRACELOG_PROMETHEUS_PORT:-9090}"
alertmanager_port="${TRACELOG_ALERTMANAGER_PORT:-9093}"

log() { printf 'stack: %s\n' "$*" >&2; }
die() { printf 'stack: error: %s\n' "$*" >&2; exit 1; }

manifest_hash() { sha1sum "$collector_dir/builder-config.yaml" | cut -c1-12; }
collector_bin() { echo "$cache/collector/$COLLECTOR_VERSION-$(manifest_hash)/otelcol-tracelog"; }
es_home() { echo "$es_root/elasticsearch/elasticsearch-$ES_VERSION"; }
prometheus_dir() { echo "$cache/prometheus/$PROMETHEUS_VERSION"; }
alertmanager_dir() { echo "$cache/alertmanager/$ALERTMANAGER_VERSION"; }

java_home() {
  local candidate
  for candidate in "${ES_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/java-21-openjdk-amd64 /usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] || continue
    local major
    major="$("$candidate/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
    if [ "${major:-0}" -ge 17 ] 2>/dev/null; then echo "$candidate"; return; fi
  done
}

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

fetch_elasticsearch() {
  local home; home="$(es_home)"
  [ -x "$home/bin/elasticsearch" ] && return
  command -v mvn >/dev/null 2>&1 || die "Maven (mvn) is needed to fetch Elasticsearch from Maven Central; install the 'maven' package"
  log "fetching Elasticsearch $ES_VERSION (integ-test distribution)"
  local tmp; tmp="$(mktemp -d)"
  mvn -q -B dependency:copy \
    "-Dartifact=org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip" \
    "-DoutputDirectory=$tmp" >&2 || die "could not fetch Elasticsearch $ES_VERSION with Maven"
  mkdir -p "$(dirname "$home")"
  (cd "$(dirname "$home")" && unzip -q -o "$tmp/elasticsearch-$ES_VERSION.zip")
  rm -rf "$tmp"
  chmod -R a+rX "$es_root"
}

ensure_es_user() {
  [ "$(id -u)" = "0" ] || return 0
  id tracelog-es >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin tracelog-es
}

cmd_build() {
  # One build at a time per cache: parallel test runs wait for the first one's result.
  mkdir -p "$cache"
  exec 9>"$cache/.build.lock"
  flock 9
  build_collector
  build_prometheus
  build_alertmanager
  fetch_elasticsearch
  [ -n "$(java_home)" ] || die "Elasticsearch $ES_VERSION needs Java 17 or newer; install openjdk-17-jre-headless (or set ES_JAVA_HOME)"
  ensure_es_user
  # Release the lock: the servers started next would otherwise inherit it and hold it for life.
  exec 9>&-
}

cmd_env() {
  cmd_build >&2
  printf 'TRACELOG_COLLECTOR_BIN=%q\n' "$(collector_bin)"
  printf 'TRACELOG_COLLECTOR_CONFIG=%q\n' "$collector_dir/config.yaml"
  printf 'TRACELOG_ES_HOME=%q\n' "$(es_home)"
  printf 'TRACELOG_ES_JAVA_HOME=%q\n' "$(java_home)"
  printf 'TRACELOG_ES_TEMPLATES=%q\n' "$collector_dir/elasticsearch"
  printf 'TRACELOG_ES_RUN_AS=%q\n' "$([ "$(id -u)" = "0" ] && echo tracelog-es || true)"
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

start_es() {
  local data="$work/elasticsearch" conf="$work/elasticsearch/config"
  mkdir -p "$data/data" "$data/logs" "$conf"
  cp -r "$(es_home)/config/." "$conf/"
  cat >>"$conf/elasticsearch.yml" <<YAML
cluster.name: tracelog
node.name: tracelog
path.data: $data/data
path.logs: $data/logs
network.host: 127.0.0.1
http.port: $es_port
transport.port: $((es_port + 100))
discovery.type: single-node
xpack.security.enabled: false
action.destructive_requires_name: false
YAML
  local run=()
  if [ "$(id -u)" = "0" ]; then
    chown -R tracelog-es "$data"
    run=(runuser -u tracelog-es --)
  fi
  "${run[@]}" env ES_PATH_CONF="$conf" ES_JAVA_HOME="$(java_home)" ES_JAVA_OPTS="${TRACELOG_ES_JAVA_OPTS:--Xms1g -Xmx1g}" \
    "$(es_home)/bin/elasticsearch" -d -p "$data/es.pid" </dev/null >"$work/logs/elasticsearch.out" 2>&1 ||
    die "Elasticsearch did not start: $(tail -5 "$work/logs/elasticsearch.out")"
  wait_http "http://127.0.0.1:$es_port/_cluster/health?wait_for_status=yellow&timeout=1s" 120 Elasticsearch
  apply_templates "http://127.0.0.1:$es_port"
}

apply_templates() {
  local template name
  for template in "$collector_dir"/elasticsearch/*.template.json; do
    name="$(basename "$template" .template.json)"
    curl -fsS -X PUT "$1/_index_template/$name" -H 'content-type: application/json' --data-binary "@$template" >/dev/null ||
      die "could not apply index template $name"
  done
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

start_collector() {
  local loki=()
  if [ -n "${TRACELOG_LOKI_URL:-}" ]; then
    loki=(TRACELOG_LOKI_ENDPOINT="${TRACELOG_LOKI_URL%/}/otlp" TRACELOG_LOKI_EXPORTERS='[otlp_http/loki]')
  fi
  env "${loki[@]}" TRACELOG_ES_ENDPOINT="http://127.0.0.1:$es_port" \
    TRACELOG_PROMETHEUS_OTLP_ENDPOINT="http://127.0.0.1:$prometheus_port" \
    TRACELOG_STORAGE_DIR="$work/collector/storage" \
    TRACELOG_OTLP_HTTP_ENDPOINT="$otlp_http" TRACELOG_OTLP_GRPC_ENDPOINT="$otlp_grpc" TRACELOG_HEALTH_ENDPOINT="$health" \
    nohup "$(collector_bin)" --config "$collector_dir/config.yaml" </dev/null >"$work/logs/collector.out" 2>&1 &
  echo $! >"$work/collector.pid"
  wait_http "http://$health/" 60 "the collector"
}

running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# Retention: Elasticsearch here has no index lifecycle management, so retention.sh deletes the
# daily indices older than TRACELOG_RETENTION_DAYS (30), now and every
# TRACELOG_RETENTION_INTERVAL seconds (3600), until `stop`.
start_retention() {
  TRACELOG_ES_URL="http://127.0.0.1:$es_port" \
    nohup bash "$here/retention.sh" --every "${TRACELOG_RETENTION_INTERVAL:-3600}" </dev/null >>"$work/logs/retention.out" 2>&1 &
  echo $! >"$work/retention.pid"
}

cmd_start() {
  cmd_build
  mkdir -p "$work/logs"
  running "$work/elasticsearch/es.pid" && log "Elasticsearch already running" || start_es
  running "$work/alertmanager.pid" && log "Alertmanager already running" || start_alertmanager
  running "$work/prometheus.pid" && log "Prometheus already running" || start_prometheus
  running "$work/collector.pid" && log "collector already running" || start_collector
  running "$work/retention.pid" && log "retention already running" || start_retention
  cat <<INFO
tracelog stack is up (data and logs in $work):
  OTLP/HTTP      http://$otlp_http      (set OTEL_EXPORTER_OTLP_ENDPOINT=http://$otlp_http)
  OTLP/gRPC      $otlp_grpc
  health         http://$health/
  Elasticsearch  http://127.0.0.1:$es_port   (aliases tracelog-logs, tracelog-traces over daily indices kept ${TRACELOG_RETENTION_DAYS:-30} days)
  Prometheus     http://127.0.0.1:$prometheus_port   (rules from dashboards/prometheus-rules)
  Alertmanager   http://127.0.0.1:$alertmanager_port   (webhook: ${TRACELOG_ALERT_WEBHOOK_URL:-not set, see collector/README.md})
  Loki           ${TRACELOG_LOKI_URL:-not used (set TRACELOG_LOKI_URL to send logs to your Loki)}
Stop it with: npm run stack:stop
INFO
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
  stop_pid "$work/retention.pid" retention
  stop_pid "$work/collector.pid" collector
  stop_pid "$work/prometheus.pid" Prometheus
  stop_pid "$work/alertmanager.pid" Alertmanager
  stop_pid "$work/elasticsearch/es.pid" Elasticsearch
}

cmd_status() {
  local pair
  for pair in "collector:$work/collector.pid" "Elasticsearch:$work/elasticsearch/es.pid" \
    "Prometheus:$work/prometheus.pid" "Alertmanager:$work/alertmanager.pid" "retention:$work/retention.pid"; do
    running "${pair#*:}" && echo "${pair%%:*}: running (pid $(cat "${pair#*:}"))" || echo "${pair%%:*}: stopped"
  done
}

case "${1:-}" in
  build) cmd_build ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  env) cmd_env ;;
  *) echo "usage: $0 build|start|stop|status|env" >&2; exit 2 ;;
esac
