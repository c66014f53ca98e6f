#!/usr/bin/env bash
# Retention for an Elasticsearch without index lifecycle management (ILM), such as the integ-test
# distribution, which has neither ILM nor data-stream lifecycle, nor `_delete_by_query`. The
# collector's Elasticsearch overlay (../destinations/elasticsearch.yaml) writes each record into a
# daily index named from the record's own timestamp (`tracelog-logs-YYYY.MM.DD`,
# `tracelog-traces-YYYY.MM.DD`, UTC), and this deletes the daily indices whose whole day is older
# than the retention period. Full clusters use the ILM policy in ../elasticsearch/ilm-policy.json
# instead (see ../elasticsearch/README.md). The stores stack.sh runs keep their own retention
# (VictoriaLogs' -retentionPeriod, Jaeger's span TTL) and need nothing from this.
#
#   retention.sh --once          delete what has expired, print what was deleted, exit
#   retention.sh --every SECONDS the same, then again every SECONDS until stopped (SIGTERM)
#
# Settings (environment):
#   TRACELOG_ES_URL                 Elasticsearch (default http://127.0.0.1:9200)
#   TRACELOG_RETENTION_DAYS         days kept (default 30): with 30, on 2026-12-31 the indices of
#                                   2026-12-01 and later stay, 2026-11-30 and older are deleted
#   TRACELOG_ES_LOGS_INDEX, TRACELOG_ES_TRACES_INDEX
#                                   index prefixes, as in config.yaml (tracelog-logs, tracelog-traces)
#   TRACELOG_RETENTION_TODAY        the current UTC day as YYYY-MM-DD (default: today; for checks)
set -euo pipefail

es="${TRACELOG_ES_URL:-http://127.0.0.1:9200}"
es="${es%/}"
days="${TRACELOG_RETENTION_DAYS:-30}"
prefixes=("${TRACELOG_ES_LOGS_INDEX:-tracelog-logs}" "${TRACELOG_ES_TRACES_INDEX:-tracelog-traces}")

log() { printf 'retention: %s\n' "$*" >&2; }

[[ "$days" =~ ^[0-9]+$ ]] && [ "$days" -ge 1 ] || { log "TRACELOG_RETENTION_DAYS must be a whole number of days >= 1"; exit 2; }

# The oldest day kept, as YYYY.MM.DD: daily index names compare as strings in date order.
oldest_kept() {
  date -u -d "${TRACELOG_RETENTION_TODAY:-$(date -u +%F)} -$days days" +%Y.%m.%d
}

run_once() {
  local keep prefix index expired=()
  keep="$(oldest_kept)"
  for prefix in "${prefixes[@]}"; do
    # A concrete index holding the alias's name (written before daily indices) blocks the alias.
    if curl -fsS "$es/_cat/indices/$prefix?h=index" 2>/dev/null | tr -d ' ' | grep -qx -- "$prefix"; then
      log "warning: $prefix is an index, not the alias over the daily indices; move its documents or delete it (see collector/elasticsearch/README.md)"
    fi
    # Only names that are exactly <prefix>-YYYY.MM.DD; anything else is left alone.
    local names
    names="$(curl -fsS "$es/_cat/indices/$prefix-*?h=index&expand_wildcards=open,closed")" ||
      { log "could not list the $prefix-* indices at $es"; return 1; }
    for index in $names; do
      [[ "$index" =~ ^${prefix}-([0-9]{4}\.[0-9]{2}\.[0-9]{2})$ ]] || continue
      [[ "${BASH_REMATCH[1]}" < "$keep" ]] && expired+=("$index")
    done
  done
  if [ "${#expired[@]}" -eq 0 ]; then
    log "nothing older than $keep"
    return 0
  fi
  local list
  list="$(IFS=,; echo "${expired[*]}")"
  curl -fsS -X DELETE "$es/$list" >/dev/null || { log "could not delete $list"; return 1; }
  printf '%s\n' "${expired[@]}"
  log "deleted ${#expired[@]} daily indices older than $keep"
}

case "${1:-}" in
  --once) run_once ;;
  --every)
    interval="${2:-}"
    [[ "$interval" =~ ^[0-9]+$ ]] && [ "$interval" -ge 1 ] || { log "--every needs a number of seconds"; exit 2; }
    # Stopped with SIGTERM: the sleep is a child, ended with it.
    trap 'kill "${sleeper:-}" 2>/dev/null; exit 0' TERM INT
    for (( ; ; )); do
      run_once || true
      sleep "$interval" &
      sleeper=$!
      wait "$sleeper" || true
    done
    ;;
  *) echo "usage: $0 --once | --every SECONDS" >&2; exit 2 ;;
esac
