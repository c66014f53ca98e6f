import { describe, expect, it } from 'vitest';
import { STORES } from '../../dashboards/src/model.ts';
import { logsqlFieldRefs, logsqlProblems, vlFields } from '../support/logsql.ts';
import { esProblems, luceneFields, shippedEs, shippedLogsql } from '../support/queries-offline.ts';

// LogsQL and Elasticsearch queries checked without a server: every field they name is one our
// pipeline writes. LogsQL syntax is checked by the real VictoriaLogs, which runs every panel's
// query in dashboards-queries and dashboards-sdk (no LogsQL parser exists for JavaScript);
// Elasticsearch is never run here, so its field check is this one (and its queries run against an
// Elasticsearch you name in TRACELOG_ES_URL).
const logsql = shippedLogsql();
const es = shippedEs();
const fields = vlFields();

describe('LogsQL we ship', () => {
  it('is found in the dashboards, their variables and the links to VictoriaLogs', () => {
    const count = (prefix: string) => logsql.filter((s) => s.where.startsWith(prefix)).length;
    expect(count(`dashboards/${STORES.victorialogs.dir}/`)).toBeGreaterThanOrEqual(20);
    expect(logsql.filter((s) => s.where.includes('› $')).length).toBeGreaterThanOrEqual(3);
    expect(logsql.filter((s) => s.where.endsWith('› links'))[0]?.fields).toContain('trace_id');
    expect(logsql.filter((s) => s.where.endsWith('tracesToLogsV2'))).toHaveLength(1);
  });

  it.each(logsql.map((s) => [s.where, s] as const))(
    '%s: names only fields VictoriaLogs holds for our records',
    (_where, item) => {
      const problems = [
        ...(item.query ? logsqlProblems(item.query, fields) : []),
        ...item.fields.flatMap((f) => logsqlProblems(`${f}:*`, fields)),
      ];
      expect(problems, item.query).toEqual([]);
    },
  );
});

describe('Elasticsearch queries we ship', () => {
  it('are found in the dashboards, their variables and the links to Elasticsearch', () => {
    expect(
      es.filter((s) => s.where.startsWith(`dashboards/${STORES.elasticsearch.dir}/`)).length,
    ).toBeGreaterThanOrEqual(20);
    expect(es.filter((s) => s.where.endsWith('› links'))).toHaveLength(2);
    expect(es.filter((s) => s.where.endsWith('tracesToLogsV2'))).toHaveLength(1);
  });

  it.each(es.map((s) => [s.where, s] as const))(
    '%s: names only fields our pipeline writes to Elasticsearch',
    (_where, item) => {
      expect(esProblems(item), item.query).toEqual([]);
    },
  );
});

describe('the checks themselves', () => {
  it('read every field a LogsQL query of ours names', () => {
    expect(
      logsqlFieldRefs(
        '{service.name=~"$service", deployment.environment.name=~"a:b"} event_name:in("x", "y:z") http.response.status_code:range[500, 599] _msg:~"(?i)$search" | stats by (http.route) quantile(0.5, http.duration_ms) as p50, count() as n, max(worker.processed) as m | sort by (n desc) | limit 5',
      ),
    ).toEqual([
      { field: 'service.name', as: 'stream filter' },
      { field: 'deployment.environment.name', as: 'stream filter' },
      { field: 'event_name', as: 'filter' },
      { field: 'http.response.status_code', as: 'filter' },
      { field: '_msg', as: 'filter' },
      { field: 'http.route', as: 'stats by' },
      { field: 'http.duration_ms', as: 'quantile()' },
      { field: 'worker.processed', as: 'max()' },
    ]);
  });

  it('report a misspelled LogsQL field, wherever it stands', () => {
    expect(
      logsqlProblems(
        '{servce.name=~"a"} event_nam:="x" | stats by (http.rout) quantile(0.5, http.duraton_ms) as p50',
        fields,
      ),
    ).toEqual([
      'stream filter field "servce.name" is not one VictoriaLogs holds for our records (did you mean "service.name"?)',
      'filter field "event_nam" is not one VictoriaLogs holds for our records (did you mean "event_name"?)',
      'stats by field "http.rout" is not one VictoriaLogs holds for our records (did you mean "http.route"?)',
      'quantile() field "http.duraton_ms" is not one VictoriaLogs holds for our records (did you mean "http.duration_ms"?)',
    ]);
    // Attribute families (a task's flattened arguments) are fields too.
    expect(logsqlProblems('task.args.symbol:="ACME"', fields)).toEqual([]);
  });

  it('read Lucene field names outside quotes and regexps', () => {
    expect(
      luceneFields(
        'Resource.service.name:/$service/ AND Attributes.event.name:(a OR b) AND Body:"x: y" AND Attributes.http.response.status_code:[500 TO 599]',
      ),
    ).toEqual([
      'Resource.service.name',
      'Attributes.event.name',
      'Body',
      'Attributes.http.response.status_code',
    ]);
  });

  it('report a misspelled Elasticsearch field, and a keyword sub-field no template maps', () => {
    expect(
      esProblems({
        query: 'Attributes.evnt.name:"x" AND Resource.service.name:/a/',
        fields: ['Attributes.http.route.keyword', 'SeverityTxt'],
      }),
    ).toEqual([
      'field "Attributes.http.route.keyword" is not one our pipeline writes to Elasticsearch',
      'field "SeverityTxt" is not one our pipeline writes to Elasticsearch (did you mean "SeverityText"?)',
      'field "Attributes.evnt.name" is not one our pipeline writes to Elasticsearch (did you mean "Attributes.event.name"?)',
    ]);
  });
});
