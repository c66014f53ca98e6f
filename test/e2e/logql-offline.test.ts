import { ATTR, RESOURCE } from '@tracelog/core';
import { describe, expect, it } from 'vitest';
import { STORES } from '../../dashboards/src/model.ts';
import {
  LOKI_OTLP_FIELDS,
  logqlProblems,
  lokiLabelName,
  lokiVariableSource,
  pipelineLabels,
  rulerSources,
  shippedLogql,
} from '../support/logql.ts';

// Every LogQL expression we ship, checked without a Loki: it parses, and every label it names is
// one our pipeline really gives Loki (see test/support/logql.ts for how that set is derived).
const labels = pipelineLabels();
const shipped = shippedLogql();
const fixture = new URL('./fixtures/logql-bad.yaml', import.meta.url).pathname;

const problemsOf = (expr: string) => logqlProblems({ where: 'inline', expr }, labels);

describe('the labels our pipeline gives Loki', () => {
  it('index labels are exactly collector/loki/config.yaml’s index_label resource attributes', () => {
    expect([...labels.index].sort()).toEqual([
      'cloud_region',
      'deployment_environment',
      'deployment_environment_name',
      'k8s_cluster_name',
      'k8s_namespace_name',
      'service_name',
      'service_namespace',
    ]);
  });

  it('structured metadata: the other resource attributes, log attributes, Loki’s OTLP fields', () => {
    for (const name of [
      ...LOKI_OTLP_FIELDS,
      lokiLabelName(RESOURCE.SERVICE_INSTANCE_ID),
      lokiLabelName(RESOURCE.HOST_NAME),
      lokiLabelName(ATTR.USER_ID),
      lokiLabelName(ATTR.HTTP_RESPONSE_STATUS_CODE),
      lokiLabelName(ATTR.MESSAGING_DESTINATION_NAME),
      // Set by the collector's transform/event_name in the logs/loki pipeline.
      'event_name',
    ])
      expect(labels.metadata, name).toContain(name);
    // One stream per process would explode the index: the instance id is metadata only.
    expect(labels.index).not.toContain('service_instance_id');
    expect(labels.metadata).not.toContain('service_name');
    expect(labels.metadataPrefixes.sort()).toEqual(['http_request_header_', 'task_args_']);
  });

  it('names are normalized as Loki normalizes OTLP attribute names', () => {
    expect(lokiLabelName('service.name')).toBe('service_name');
    expect(lokiLabelName('http.request.header.x-request-id')).toBe(
      'http_request_header_x_request_id',
    );
    expect(lokiLabelName('2fa.method')).toBe('key_2fa_method');
    expect(lokiLabelName('_private')).toBe('key_private');
    expect(lokiLabelName('__reserved')).toBe('__reserved');
  });
});

describe('LogQL we ship', () => {
  it('is found in every place that holds it', () => {
    const count = (prefix: string) =>
      shipped.filter((s) => s.where.startsWith(prefix) && s.expr).length;
    const panels = (prefix: string) =>
      shipped.filter((s) => s.where.startsWith(prefix) && s.expr && !s.where.includes('› $'))
        .length;
    const loki = `dashboards/${STORES.loki.dir}/`;
    expect(panels(loki)).toBeGreaterThanOrEqual(3);
    expect(count('dashboards/src/dashboards.ts')).toBe(panels(loki));
    // Only the Loki set holds LogQL: VictoriaLogs' and Elasticsearch's hold none.
    expect(
      count(`dashboards/${STORES.victorialogs.dir}/`) +
        count(`dashboards/${STORES.elasticsearch.dir}/`),
    ).toBe(0);
    expect(count('dashboards/src/alerts.ts')).toBe(7);
    expect(count('dashboards/provisioning/alerting/')).toBe(7);
    expect(count('dashboards/loki-rules/')).toBe(7);
    expect(count('dashboards/RUNBOOK.md')).toBeGreaterThanOrEqual(1);
    // Loki's two trace id links (to Jaeger, to the correlation explorer), and the LogQL of the
    // Jaeger entry whose spans open Loki.
    expect(
      shipped.filter((s) => s.where.startsWith('dashboards/provisioning/datasources/')),
    ).toEqual([
      expect.objectContaining({ labels: ['trace_id'] }),
      expect.objectContaining({ labels: ['trace_id'] }),
      expect.objectContaining({
        where: expect.stringMatching(/tracesToLogsV2$/),
        expr: expect.stringContaining('${__trace.traceId}'),
      }),
    ]);
  });

  it.each(shipped.map((s) => [s.where, s] as const))(
    '%s: parses, and names only labels the pipeline produces',
    (_where, source) => {
      expect(logqlProblems(source, labels), source.expr).toEqual([]);
    },
  );
});

describe('the check itself', () => {
  it('reports exactly the misspelled stream label and the unknown metadata key of the bad fixture', () => {
    const problems = rulerSources(fixture, 'logql-bad.yaml').flatMap((source) =>
      logqlProblems(source, labels).map((p) => `${source.where}: ${p}`),
    );
    expect(problems).toEqual([
      'logql-bad.yaml › MisspelledStreamLabel: stream selector label "servce_name" is not an index label our pipeline produces (did you mean "service_name"?)',
      'logql-bad.yaml › UnknownMetadataKey: label filter "order_status" is neither an index label nor structured metadata our pipeline produces',
    ]);
  });

  it.each([
    ['{service_name="a"} | trace_id=', ['syntax error at 30: …ame="a"} | trace_id=…']],
    [
      '{trace_id="abc"}',
      [
        'stream selector label "trace_id" is structured metadata, not an index label: filter it after the selector (| trace_id=…)',
      ],
    ],
    [
      'sum by (servce_name) (count_over_time({service_name=~".+"} [5m]))',
      [
        'grouping label "servce_name" is neither an index label nor structured metadata our pipeline produces (did you mean "service_name"?)',
      ],
    ],
    [
      'sum by (severity_text) (sum by (service_name) (count_over_time({service_name=~".+"} [5m])))',
      ['grouping label "severity_text" is no longer a label at that point (there: service_name)'],
    ],
    [
      'quantile_over_time(0.9, {service_name="a"} | unwrap http_duraton_ms [5m])',
      [
        'unwrap "http_duraton_ms" is neither an index label nor structured metadata our pipeline produces (did you mean "http_duration_ms"?)',
      ],
    ],
    [
      '{service_name="a"} | drop user_id | user_id="x"',
      [
        'label filter "user_id" is no longer a label at that point (dropped or renamed earlier in the pipeline)',
      ],
    ],
    [
      '{service_name="a"} | line_format "{{.user_id}} {{ .usr_id }}"',
      [
        'line_format template label "usr_id" is neither an index label nor structured metadata our pipeline produces (did you mean "user_id"?)',
      ],
    ],
    [
      'sum by ($group) (count_over_time({service_name=~"$service"} [$__auto]))',
      [
        'grouping label "x" is neither an index label nor structured metadata our pipeline produces',
      ],
    ],
    [
      'sum by (service_name) (rate({service_name="a"} [1m])) / on (service_name) group_left (scope_name) sum by (service_name) (rate({service_name="b"} [1m]))',
      [
        'group_left/right label "scope_name" is no longer a label at that point (there: service_name)',
      ],
    ],
    ['{service_name="a"} | logfmt | anything="goes"', []],
    ['{service_name="a"} | json order="order.id" | order="o-1"', []],
    ['{service_name="a"} | pattern "<verb> <_> <path>" | verb="GET" | path!=""', []],
    ['{service_name="a"} | task_args_symbol="ACME" | __error__=""', []],
  ])('%s → %j', (expr, expected) => {
    expect(problemsOf(expr)).toEqual(expected);
  });

  it.each([
    ['label_values({servce_name=~".+"}, scope_name)', 'servce_name', 'stream selector label'],
    ['label_values({service_name=~".+"}, scope_nam)', 'scope_nam', 'label'],
    ['label_values(scope_nam)', 'scope_nam', 'label'],
    [{ stream: '{service_name=~".+"}', label: 'scope_nam' }, 'scope_nam', 'label'],
  ])('checks a Loki variable query: %j', (query, wrong, kind) => {
    const problems = logqlProblems(lokiVariableSource('variable', query), labels);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${kind} "${wrong}" is .* \\(did you mean "s`));
    const fixed = JSON.parse(
      JSON.stringify(query).replaceAll(
        wrong,
        wrong.replace('servce', 'service').replace('scope_nam', 'scope_name'),
      ),
    );
    expect(logqlProblems(lokiVariableSource('variable', fixed), labels)).toEqual([]);
  });
});
