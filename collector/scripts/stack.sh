#!/usr/bin/env bash
# The tracelog stack on one machine, without Docker: our collector build, Elasticsearch and Loki,
# on loopback.
#
#   stack.sh build    fetch or build what is missing into the cache (outside the repo)
#   stack.sh start    build if needed, start all, wait until ready, print the endpoints
#   stack.sh stop     stop what start started
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
LOKI_VERSION="${TRACELOG_LOKI_VERSION:-3.7.8}"
cache="${TRACELOG_CACHE:-$HOME/.cache/tracelog}"
# Elasticsearch refuses to run as root, so as root it runs as a system user, and its files must be
# readable by that user: they live outside root's home.
if [ "$(id -u)" = "0" ]; then es_root="${TRACELOG_ES_CACHE:-/var/cache/tracelog}"; else es_root="$cache"; fi
work="${TRACELOG_STACK_DIR:-$repo/.stack}"

es_port="${TRACELOG_ES_PORT:-9200}"
otlp_http="${TRACELOG_OTLP_HTTP_ENDPOINT:-127.0.0.1:4318}"
otlp_grpc="${TRACELOG_OTLP_GRPC_ENDPOINT:-127.0.0.1:4317}"
health="${TRACELOG_HEALTH_ENDPOINT:-127.0.0.1:13133}"
loki_port="${TRACELOG_LOKI_PORT:-3100}"

log() { printf 'stack: %s\n' "$*" >&2; }
die() { printf 'stack: error: %s\n' "$*" >&2; exit 1; }

manifest_hash() { sha1sum "$collector_dir/builder-config.yaml" | cut -c1-12; }
collector_bin() { echo "$cache/collector/$COLLECTOR_VERSION-$(manifest_hash)/otelcol-tracelog"; }
es_home() { echo "$es_root/elasticsearch/elasticsearch-$ES_VERSION"; }

loki_bin() {
  if [ -n "${TRACELOG_LOKI_BIN:-}" ]; then
    [ -x "$TRACELOG_LOKI_BIN" ] || die "TRACELOG_LOKI_BIN=$TRACELOG_LOKI_BIN is not an executable"
    echo "$TRACELOG_LOKI_BIN"
  else
    echo "$cache/loki/$LOKI_VERSION/loki"
  fi
}

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

# Loki from its Go module, built like any Go program. Its go.mod points the nested module
# github.com/grafana/loki/pkg/push at ./pkg/push, which a module download does not contain (a
# nested module is its own module), so that one replace is dropped and the version the main
# module requires is used instead.
build_loki() {
  local bin; bin="$(loki_bin)"
  [ -x "$bin" ] && return
  command -v go >/dev/null 2>&1 || die "Go is needed to build Loki (go >= 1.26); install it from your distribution or go.dev"
  log "building Loki $LOKI_VERSION (first time only; about ten minutes on two cores)"
  local start tmp dir
  start=$(date +%s)
  tmp="$(mktemp -d)"
  dir="$(GOFLAGS=-mod=mod go mod download -json "github.com/grafana/loki/v3@v$LOKI_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [ -n "$dir" ] || die "could not download the Loki $LOKI_VERSION module"
  cp -r "$dir" "$tmp/src"
  chmod -R u+w "$tmp/src"
  (cd "$tmp/src" && go mod edit -dropreplace github.com/grafana/loki/pkg/push &&
    GOFLAGS=-mod=mod go build -trimpath -o "$tmp/loki" ./cmd/loki >"$tmp/build.log" 2>&1) ||
    { tail -30 "$tmp/build.log" >&2; die "Loki build failed (log: $tmp/build.log)"; }
  mkdir -p "$(dirname "$bin")"
  mv "$tmp/loki" "$bin"
  rm -rf "$tmp"
  log "Loki built in $(( $(date +%s) - start )) s: $bin"
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
  build_loki
  fetch_elasticsearch
  [ -n "$(java_home)" ] || die "Elasticsearch $ES_VERSION needs Java 17 or newer; install openjdk-17-jre-headless (or set ES_JAVA_HOME)"
  ensure_es_user
}

cmd_env() {
  cmd_build >&2
  printf 'TRACELOG_COLLECTOR_BIN=%q\n' "$(collector_bin)"
  printf 'TRACELOG_COLLECTOR_CONFIG=%q\n' "$collector_dir/config.yaml"
  printf 'TRACELOG_ES_HOME=%q\n' "$(es_home)"
  printf 'TRACELOG_ES_JAVA_HOME=%q\n' "$(java_home)"
  printf 'TRACELOG_ES_TEMPLATES=%q\n' "$collector_dir/elasticsearch"
  printf 'TRACELOG_ES_RUN_AS=%q\n' "$([ "$(id -u)" = "0" ] && echo tracelog-es || true)"
  printf 'TRACELOG_LOKI_BIN=%q\n' "$(loki_bin)"
  printf 'TRACELOG_LOKI_CONFIG=%q\n' "$collector_dir/loki/config.yaml"
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

start_loki() {
  local bin="$1"
  mkdir -p "$work/loki"
  TRACELOG_LOKI_DIR="$work/loki" TRACELOG_LOKI_RULES="$repo/dashboards/loki-rules" \
    nohup "$bin" -config.file="$collector_dir/loki/config.yaml" -config.expand-env=true \
    -server.http-listen-port="$loki_port" </dev/null >"$work/logs/loki.out" 2>&1 &
  echo $! >"$work/loki.pid"
  wait_http "http://127.0.0.1:$loki_port/ready" 120 Loki
}

start_collector() {
  TRACELOG_ES_ENDPOINT="http://127.0.0.1:$es_port" TRACELOG_LOKI_ENDPOINT="http://127.0.0.1:$loki_port/otlp" \
    TRACELOG_STORAGE_DIR="$work/collector/storage" \
    TRACELOG_OTLP_HTTP_ENDPOINT="$otlp_http" TRACELOG_OTLP_GRPC_ENDPOINT="$otlp_grpc" TRACELOG_HEALTH_ENDPOINT="$health" \
    nohup "$(collector_bin)" --config "$collector_dir/config.yaml" </dev/null >"$work/logs/collector.out" 2>&1 &
  echo $! >"$work/collector.pid"
  wait_http "http://$health/" 60 "the collector"
}

running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

cmd_start() {
  cmd_build
  mkdir -p "$work/logs"
  running "$work/elasticsearch/es.pid" && log "Elasticsearch already running" || start_es
  running "$work/loki.pid" && log "Loki already running" || start_loki "$(loki_bin)"
  running "$work/collector.pid" && log "collector already running" || start_collector
  cat <<INFO
tracelog stack is up (data and logs in $work):
  OTLP/HTTP      http://$otlp_http      (set OTEL_EXPORTER_OTLP_ENDPOINT=http://$otlp_http)
  OTLP/gRPC      $otlp_grpc
  health         http://$health/
  Elasticsearch  http://127.0.0.1:$es_port   (indices tracelog-logs, tracelog-traces)
  Loki           http://127.0.0.1:$loki_port
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
  stop_pid "$work/collector.pid" collector
  stop_pid "$work/loki.pid" Loki
  stop_pid "$work/elasticsearch/es.pid" Elasticsearch
}

cmd_status() {
  local pair
  for pair in "collector:$work/collector.pid" "Loki:$work/loki.pid" "Elasticsearch:$work/elasticsearch/es.pid"; do
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
