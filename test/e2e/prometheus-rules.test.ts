import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { PROM_ALERTS } from '../../dashboards/src/prometheus-alerts.ts';
import { stackBinaries } from '../support/stack.ts';

// The committed Prometheus rules, checked and unit-tested by the promtool we build: every rule
// has a case that must fire (with its labels and annotations) and one that must stay silent.
const run = promisify(execFile);
const rulesDir = new URL('../../dashboards/prometheus-rules/', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'tracelog-promtool-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function promtool(...args: string[]): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await run(stackBinaries().promtoolBin, args, { cwd: rulesDir });
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    const { stdout, stderr } = error as { stdout: string; stderr: string };
    return { ok: false, output: stdout + stderr };
  }
}

interface TestFile {
  tests: Array<{ name: string; alert_rule_test: Array<{ exp_alerts: unknown[] }> }>;
}
const tests = parse(readFileSync(join(rulesDir, 'tests.yaml'), 'utf8')) as TestFile;

describe('Prometheus rules (promtool)', () => {
  it('check rules: every rule file is valid', async () => {
    const result = await promtool('check', 'rules', 'tracelog.rules.yaml');
    expect(result.output).toContain(`SUCCESS: ${PROM_ALERTS.length} rules found`);
    expect(result.ok).toBe(true);
  });

  it('every rule has a firing case and a silent case', () => {
    for (const rule of PROM_ALERTS) {
      const cases = tests.tests.filter((t) => t.name.startsWith(`${rule.alert}: `));
      expect(
        cases.some((t) => t.alert_rule_test[0]!.exp_alerts.length > 0),
        rule.alert,
      ).toBe(true);
      expect(
        cases.some((t) => t.alert_rule_test[0]!.exp_alerts.length === 0),
        rule.alert,
      ).toBe(true);
    }
  });

  it('every rule carries service and severity labels and a runbook link that exists', () => {
    const rules = parse(readFileSync(join(rulesDir, 'tracelog.rules.yaml'), 'utf8')) as {
      groups: Array<{
        rules: Array<{
          alert: string;
          labels: Record<string, string>;
          annotations: Record<string, string>;
        }>;
      }>;
    };
    const runbook = readFileSync(new URL('../../dashboards/RUNBOOK.md', import.meta.url), 'utf8');
    const anchors = new Set(
      [...runbook.matchAll(/^## (.+)$/gm)].map((m) =>
        m[1]!.toLowerCase().replace(/[^a-z0-9]+/g, '-'),
      ),
    );
    const all = rules.groups.flatMap((g) => g.rules);
    expect(all.map((r) => r.alert).sort()).toEqual(PROM_ALERTS.map((a) => a.alert).sort());
    for (const rule of all) {
      expect(rule.labels.service, rule.alert).toMatch(/\{\{ \$labels\.service_name \}\}/);
      expect(['critical', 'warning']).toContain(rule.labels.severity);
      const [file, anchor] = rule.annotations.runbook_url!.split('#');
      expect(file).toBe('dashboards/RUNBOOK.md');
      expect(anchors.has(anchor!), `${rule.alert}: ${anchor}`).toBe(true);
    }
  });

  it('test rules: every case passes', async () => {
    const result = await promtool('test', 'rules', 'tests.yaml');
    expect(result.output).toContain('SUCCESS');
    expect(result.ok, result.output).toBe(true);
  });

  it('test rules fails when a firing case is turned silent (the cases are checked)', async () => {
    const inverted = parse(stringify(tests)) as TestFile;
    for (const t of inverted.tests) t.alert_rule_test[0]!.exp_alerts = [];
    copyFileSync(join(rulesDir, 'tracelog.rules.yaml'), join(scratch, 'tracelog.rules.yaml'));
    writeFileSync(join(scratch, 'tests.yaml'), stringify(inverted));
    const result = await promtool('test', 'rules', join(scratch, 'tests.yaml'));
    expect(result.ok).toBe(false);
    for (const rule of PROM_ALERTS) expect(result.output).toContain(`alertname: ${rule.alert}`);
  });
});
