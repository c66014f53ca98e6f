// Writes the configuration of one Prometheus of an HA pair: a single-machine configuration
// (collector/prometheus/prometheus.yml, its placeholders filled in or not) with
// prometheus-replica.yaml merged in. Maps merge key by key; the promoted resource attributes are
// the single machine's plus the replica's; the replica's alerting section replaces the single
// machine's (one Alertmanager there, the whole cluster here).
//   TRACELOG_PROMETHEUS_REPLICA=prometheus-1 TRACELOG_ALERTMANAGER_TARGETS='[a:9093, b:9093]' \
//     node deploy/cluster/prometheus-replica.mjs <prometheus.yml> > replica.yml
// Placeholders ${NAME:-default} in either file are filled in from the environment, as
// collector/scripts/stack.sh fills in the single-machine template.
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';

const fill = (text) =>
  text.replace(/\$\{(\w+):-([^}]*)\}/g, (_, name, fallback) => process.env[name] || fallback);
const read = (file) => parse(fill(readFileSync(file, 'utf8')));

const base = read(process.argv[2]);
const replica = read(new URL('./prometheus-replica.yaml', import.meta.url));
process.stdout.write(
  stringify({
    ...base,
    global: { ...base.global, ...replica.global },
    alerting: replica.alerting,
    otlp: {
      ...base.otlp,
      promote_resource_attributes: [
        ...(base.otlp?.promote_resource_attributes ?? []),
        ...replica.otlp.promote_resource_attributes,
      ],
    },
  }),
);
