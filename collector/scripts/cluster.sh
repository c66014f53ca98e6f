#!/usr/bin/env bash
# The tracelog stack beyond one machine, as processes on loopback (no Docker, no Kubernetes): the
# same binaries the single-machine stack runs, several of each, wired as deploy/README.md
# describes. Every part is Apache-2.0.
#   2 agents     deploy/collector/agent.yaml: receive, limit memory, redact, route by service
#   2 gateways   collector/config.yaml + destinations (victorialogs, jaeger) + the gateway overlay
#   VictoriaLogs cluster mode: 2 storage nodes, a vlinsert and a vlselect (one binary)
#   Jaeger v2    on a 2-node OpenSearch (deploy/cluster/jaeger-opensearch.yaml)
#   2 Prometheus an HA pair (external label `replica`), both fed by the gateways
#   2 Alertmanagers gossiping, so the pair's alerts are notified once
#
#   cluster.sh start    build or fetch what is missing, start all, wait until ready, print endpoints
#   cluster.sh stop     stop what start started
#   cluster.sh status   each part, running or not, with its address
#
# It uses the single-machine stack's default ports for the agents (4317, 4318), Prometheus (9090)
# and Alertmanager (9093): stop that stack first (npm run stack:stop). Data and logs go to
# TRACELOG_CLUSTER_DIR (default .stack/cluster). What each part is given: see below and
# deploy/README.md ("The local cluster").
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
collector_dir="$(cd "$here/.." && pwd)"
repo="$(cd "$collector_dir/.." && pwd)"
deploy="$repo/deploy"
work="${TRACELOG_CLUSTER_DIR:-$repo/.stack/cluster}"

log() { printf 'cluster: %s\n' "$*" >&2; }
die() { printf 'cluster: error: %s\n' "$*" >&2; exit 1; }

# Every process of the cluster and what it listens on.
agent_ports=(4318:4317:13133 4418:4417:13233)   # http:grpc:health
gateway_ports=(5318:5317:14133 5418:5417:14233)
vl_storage_ports=(9491 9492)
vl_insert_port=9481
vl_select_port=9471
opensearch_ports=(9200:9300 9201:9301)          # http:transport
jaeger_query_port=16686
jaeger_otlp_port=4328
prometheus_ports=(9090 9091)
alertmanager_ports=(9093:9095 9094:9096)        # http:gossip

# What each part is given, to share one machine: the Go processes a soft heap limit (GOMEMLIMIT),
# VictoriaLogs a cache budget, OpenSearch a fixed heap (cluster/opensearch/jvm.options).
collector_memory=200MiB
jaeger_memory=200MiB
prometheus_memory=256MiB
alertmanager_memory=64MiB
vl_memory=128MiB
export TRACELOG_OPENSEARCH_HEAP="${TRACELOG_OPENSEARCH_HEAP:-256m}"

running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

wait_http() { # url seconds what
  local i
  for ((i = 0; i < $2 * 2; i++)); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.5
  done
  die "$3 did not become ready at $1 within $2 s (logs: $work/logs)"
}

spawn() { # name command... : runs it in the background, its output in logs/<name>.out
  local name="$1"; shift
  running "$work/$name.pid" && { log "$name already running"; return 0; }
  nohup "$@" </dev/null >"$work/logs/$name.out" 2>&1 &
  echo $! >"$work/$name.pid"
}

# As stack.sh: Prometheus and Alertmanager read templates whose ${NAME:-default} are filled here.
expand_template() { # template output
  perl -pe 's/\$\{(\w+):-([^}]*)\}/defined $ENV{$1} && length $ENV{$1} ? $ENV{$1} : $2/ge' "$1" >"$2"
}

start_victorialogs() {
  local i nodes=()
  for i in "${!vl_storage_ports[@]}"; do
    spawn "vlstorage-$i" "$TRACELOG_VICTORIALOGS_BIN" -storageDataPath="$work/vlstorage-$i" \
      -httpListenAddr="127.0.0.1:${vl_storage_ports[$i]}" -retentionPeriod=30d \
      -inmemoryDataFlushInterval=1s -loggerLevel=WARN -memory.allowedBytes="$vl_memory"
    nodes+=("127.0.0.1:${vl_storage_ports[$i]}")
  done
  local list; list="$(IFS=,; echo "${nodes[*]}")"
  spawn vlinsert "$TRACELOG_VICTORIALOGS_BIN" -storageNode="$list" -select.disable \
    -httpListenAddr="127.0.0.1:$vl_insert_port" -loggerLevel=WARN -memory.allowedBytes="$vl_memory"
  spawn vlselect "$TRACELOG_VICTORIALOGS_BIN" -storageNode="$list" -insert.disable \
    -httpListenAddr="127.0.0.1:$vl_select_port" -loggerLevel=WARN -memory.allowedBytes="$vl_memory"
  for i in "${vl_storage_ports[@]}" "$vl_insert_port" "$vl_select_port"; do
    wait_http "http://127.0.0.1:$i/health" 60 "VictoriaLogs on $i"
  done
}

# OpenSearch refuses to run as root: as root, each node runs as `nobody` from a copy of the
# distribution in its own folder (root's cache is not readable by nobody). Heap: 256 MiB a node
# (TRACELOG_OPENSEARCH_HEAP, set above); os-0 alone is cluster-manager-eligible, os-1 holds data only.
start_opensearch() {
  local i http transport seeds=() home="$TRACELOG_OPENSEARCH_HOME" as=()
  for i in "${!opensearch_ports[@]}"; do seeds+=("127.0.0.1:${opensearch_ports[$i]#*:}"); done
  if [ "$(id -u)" = 0 ]; then
    home="$work/opensearch-home"
    [ -d "$home" ] || cp -r "$TRACELOG_OPENSEARCH_HOME" "$home"
    as=(setpriv --reuid=65534 --regid=65534 --clear-groups)
  fi
  for i in "${!opensearch_ports[@]}"; do
    http="${opensearch_ports[$i]%%:*}" transport="${opensearch_ports[$i]#*:}"
    local dir="$work/os-$i"
    mkdir -p "$dir/config" "$dir/data" "$dir/logs" "$dir/tmp"
    cp "$home/config/opensearch.yml" "$home/config/log4j2.properties" "$dir/config/"
    expand_template "$deploy/cluster/opensearch/jvm.options" "$dir/config/jvm.options"
    [ "$(id -u)" = 0 ] && chown -R 65534:65534 "$dir"
    OPENSEARCH_PATH_CONF="$dir/config" OPENSEARCH_TMPDIR="$dir/tmp" \
      JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}" \
      spawn "os-$i" "${as[@]}" "$home/bin/opensearch" -Ecluster.name=tracelog -Enode.name="os-$i" \
      -Enode.roles="$([ "$i" = 0 ] && echo cluster_manager,data,ingest || echo data,ingest)" \
      -Epath.data="$dir/data" -Epath.logs="$dir/logs" -Enetwork.host=127.0.0.1 \
      -Ehttp.port="$http" -Etransport.port="$transport" \
      -Ediscovery.seed_hosts="$(IFS=,; echo "${seeds[*]}")" -Ecluster.initial_cluster_manager_nodes=os-0 \
      -Ecluster.routing.allocation.disk.threshold_enabled=false
  done
  wait_http "http://127.0.0.1:${opensearch_ports[0]%%:*}/_cluster/health?wait_for_nodes=${#opensearch_ports[@]}&timeout=60s" 180 OpenSearch
}

start_jaeger() {
  local urls=() p
  for p in "${opensearch_ports[@]}"; do urls+=("\"http://127.0.0.1:${p%%:*}\""); done
  TRACELOG_OPENSEARCH_URLS="[$(IFS=,; echo "${urls[*]}")]" TRACELOG_JAEGER_QUERY_PORT="$jaeger_query_port" \
    TRACELOG_JAEGER_OTLP_HTTP_PORT="$jaeger_otlp_port" GOMEMLIMIT="$jaeger_memory" \
    spawn jaeger "$TRACELOG_JAEGER_BIN" --config "$deploy/cluster/jaeger-opensearch.yaml"
  wait_http "http://127.0.0.1:$jaeger_query_port/api/services" 120 Jaeger
}

start_alertmanagers() {
  local i http gossip peers
  for i in "${!alertmanager_ports[@]}"; do
    http="${alertmanager_ports[$i]%%:*}" gossip="${alertmanager_ports[$i]#*:}"
    mkdir -p "$work/alertmanager-$i"
    expand_template "$collector_dir/alertmanager/alertmanager.yml" "$work/alertmanager-$i/alertmanager.yml"
    peers=()
    for p in "${alertmanager_ports[@]}"; do [ "${p#*:}" = "$gossip" ] || peers+=("--cluster.peer=127.0.0.1:${p#*:}"); done
    GOMEMLIMIT="$alertmanager_memory" spawn "alertmanager-$i" "$TRACELOG_ALERTMANAGER_BIN" --config.file="$work/alertmanager-$i/alertmanager.yml" \
      --storage.path="$work/alertmanager-$i/data" --web.listen-address="127.0.0.1:$http" \
      --cluster.listen-address="127.0.0.1:$gossip" --cluster.advertise-address="127.0.0.1:$gossip" "${peers[@]}"
  done
  for p in "${alertmanager_ports[@]}"; do wait_http "http://127.0.0.1:${p%%:*}/-/ready" 60 Alertmanager; done
}

start_prometheus() {
  local i targets=() p
  for p in "${alertmanager_ports[@]}"; do targets+=("127.0.0.1:${p%%:*}"); done
  for i in "${!prometheus_ports[@]}"; do
    mkdir -p "$work/prometheus-$i"
    TRACELOG_PROMETHEUS_RULES="$repo/dashboards/prometheus-rules" TRACELOG_PROMETHEUS_REPLICA="prometheus-$i" \
      TRACELOG_ALERTMANAGER_TARGETS="[$(IFS=,; echo "${targets[*]}")]" \
      node "$deploy/cluster/prometheus-replica.mjs" "$collector_dir/prometheus/prometheus.yml" \
      >"$work/prometheus-$i/prometheus.yml"
    GOMEMLIMIT="$prometheus_memory" spawn "prometheus-$i" "$TRACELOG_PROMETHEUS_BIN" --config.file="$work/prometheus-$i/prometheus.yml" \
      --storage.tsdb.path="$work/prometheus-$i/data" --web.listen-address="127.0.0.1:${prometheus_ports[$i]}" \
      --web.enable-otlp-receiver --enable-feature=created-timestamp-zero-ingestion --web.enable-lifecycle
  done
  for p in "${prometheus_ports[@]}"; do wait_http "http://127.0.0.1:$p/-/ready" 60 Prometheus; done
}

# The environment every collector of the cluster gets: where it listens, its queue, where its own
# metrics go. Each is started through `env`, which execs the collector (the pid stays its).
collector_env() { # name http grpc health
  echo "TRACELOG_OTLP_HTTP_ENDPOINT=127.0.0.1:$2" "TRACELOG_OTLP_GRPC_ENDPOINT=127.0.0.1:$3" \
    "TRACELOG_HEALTH_ENDPOINT=127.0.0.1:$4" "TRACELOG_STORAGE_DIR=$work/$1/storage" \
    "TRACELOG_PROMETHEUS_OTLP_ENDPOINT=http://127.0.0.1:${prometheus_ports[0]}" \
    "GOMEMLIMIT=$collector_memory"
}

start_gateways() {
  local i http grpc health
  for i in "${!gateway_ports[@]}"; do
    IFS=: read -r http grpc health <<<"${gateway_ports[$i]}"
    # shellcheck disable=SC2046 # collector_env prints NAME=value words without spaces
    spawn "gateway-$i" env $(collector_env "gateway-$i" "$http" "$grpc" "$health") \
      TRACELOG_GATEWAY_NAME="gateway-$i" TRACELOG_COLLECTOR_SERVICE_NAME=tracelog-gateway \
      TRACELOG_VICTORIALOGS_ENDPOINT="http://127.0.0.1:$vl_insert_port" \
      TRACELOG_JAEGER_OTLP_ENDPOINT="http://127.0.0.1:$jaeger_otlp_port" \
      TRACELOG_PROMETHEUS_REPLICA_OTLP_ENDPOINT="http://127.0.0.1:${prometheus_ports[1]}" \
      TRACELOG_METRICS_EXPORTERS='[otlp_http/prometheus, otlp_http/prometheus_replica]' \
      "$TRACELOG_COLLECTOR_BIN" --config "$collector_dir/config.yaml" \
      --config "$collector_dir/destinations/victorialogs.yaml" --config "$collector_dir/destinations/jaeger.yaml" \
      --config "$deploy/collector/gateway.overlay.yaml"
  done
  for i in "${gateway_ports[@]}"; do wait_http "http://127.0.0.1:${i##*:}/" 60 "a gateway"; done
}

start_agents() {
  local i http grpc health hosts=() p
  for p in "${gateway_ports[@]}"; do IFS=: read -r http grpc health <<<"$p"; hosts+=("127.0.0.1:$grpc"); done
  for i in "${!agent_ports[@]}"; do
    IFS=: read -r http grpc health <<<"${agent_ports[$i]}"
    # shellcheck disable=SC2046
    spawn "agent-$i" env $(collector_env "agent-$i" "$http" "$grpc" "$health") \
      TRACELOG_COLLECTOR_SERVICE_NAME=tracelog-agent \
      TRACELOG_GATEWAY_RESOLVER="{static: {hostnames: [$(IFS=,; echo "${hosts[*]}")]}}" \
      "$TRACELOG_COLLECTOR_BIN" --config "$deploy/collector/agent.yaml"
  done
  for i in "${agent_ports[@]}"; do wait_http "http://127.0.0.1:${i##*:}/" 60 "an agent"; done
}

# Stores first, then Alertmanager and Prometheus, then gateways, then agents: each part starts
# after what it sends to.
cmd_start() {
  eval "$(bash "$here/stack.sh" cluster-env)"
  mkdir -p "$work/logs"
  start_victorialogs
  start_opensearch
  start_jaeger
  start_alertmanagers
  start_prometheus
  start_gateways
  start_agents
  echo "tracelog cluster is up (data and logs in $work):"
  cmd_status
  echo "Send to an agent with OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:${agent_ports[0]%%:*}; stop it with: npm run stack:cluster -- stop"
}

cmd_stop() {
  local pidfile name
  # The reverse order: senders before what they send to.
  for name in agent-1 agent-0 gateway-1 gateway-0 prometheus-1 prometheus-0 alertmanager-1 alertmanager-0 \
    jaeger os-1 os-0 vlinsert vlselect vlstorage-1 vlstorage-0; do
    pidfile="$work/$name.pid"
    if running "$pidfile"; then
      kill "$(cat "$pidfile")" 2>/dev/null || true
      local i
      for ((i = 0; i < 120; i++)); do running "$pidfile" || break; sleep 0.5; done
      running "$pidfile" && kill -9 "$(cat "$pidfile")" 2>/dev/null || true
      log "stopped $name"
    fi
    rm -f "$pidfile"
  done
}

cmd_status() {
  local part pidfile url
  while IFS='|' read -r part url; do
    pidfile="$work/$part.pid"
    if running "$pidfile"; then
      printf '  %-15s running (pid %s)  %s\n' "$part" "$(cat "$pidfile")" "$url"
    else
      printf '  %-15s stopped        %s\n' "$part" "$url"
    fi
  done <<PARTS
agent-0|OTLP http://127.0.0.1:${agent_ports[0]%%:*}, gRPC 127.0.0.1:$(cut -d: -f2 <<<"${agent_ports[0]}")
agent-1|OTLP http://127.0.0.1:${agent_ports[1]%%:*}, gRPC 127.0.0.1:$(cut -d: -f2 <<<"${agent_ports[1]}")
gateway-0|OTLP gRPC 127.0.0.1:$(cut -d: -f2 <<<"${gateway_ports[0]}") (from the agents)
gateway-1|OTLP gRPC 127.0.0.1:$(cut -d: -f2 <<<"${gateway_ports[1]}") (from the agents)
vlinsert|http://127.0.0.1:$vl_insert_port (the gateways write here)
vlselect|http://127.0.0.1:$vl_select_port/select/vmui/ (LogsQL at /select/logsql/query)
vlstorage-0|http://127.0.0.1:${vl_storage_ports[0]}
vlstorage-1|http://127.0.0.1:${vl_storage_ports[1]}
os-0|http://127.0.0.1:${opensearch_ports[0]%%:*} (cluster manager, data)
os-1|http://127.0.0.1:${opensearch_ports[1]%%:*} (data)
jaeger|http://127.0.0.1:$jaeger_query_port/api/traces/<trace id>
prometheus-0|http://127.0.0.1:${prometheus_ports[0]} (replica prometheus-0)
prometheus-1|http://127.0.0.1:${prometheus_ports[1]} (replica prometheus-1)
alertmanager-0|http://127.0.0.1:${alertmanager_ports[0]%%:*} (gossip ${alertmanager_ports[0]#*:})
alertmanager-1|http://127.0.0.1:${alertmanager_ports[1]%%:*} (gossip ${alertmanager_ports[1]#*:})
PARTS
}

case "${1:-start}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
