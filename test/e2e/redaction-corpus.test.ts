import { describe, expect, it } from 'vitest';
import { collectorSubset } from '../../scripts/redaction/collector.mjs';
import { loadGitleaks } from '../../scripts/redaction/source.mjs';
import { quote, useStack, waitFor } from '../support/stack.js';

// gitleaks' own example secrets (the pinned release's true positives, as the Node redactor's
// corpus test uses them) sent by a careless client straight to our collector build, each as a log
// body and as an attribute value, and read back from VictoriaLogs. The rules the collector
// carries (collector/config.yaml's generated block) must mask every one of their examples in
// both places; for the whole corpus, the share the collector masks is reported.
const gitleaks = loadGitleaks();
const subset = new Set(collectorSubset(gitleaks).chosen.map((c) => c.id));
const examples = gitleaks.corpus.flatMap((rule) =>
  rule.tps
    .filter((tp) => tp.secrets.length > 0)
    .map((tp) => ({ rule: rule.id, text: tp.text, secrets: tp.secrets })),
);

const stack = useStack();

const s = (key: string, value: string) => ({ key, value: { stringValue: value } });

async function send(run: string): Promise<void> {
  const now = BigInt(Date.now()) * 1_000_000n;
  for (let start = 0; start < examples.length; start += 500) {
    const batch = examples.slice(start, start + 500);
    const response = await fetch(`${stack.collector.url}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        resourceLogs: [
          {
            resource: { attributes: [s('service.name', 'careless')] },
            scopeLogs: [
              {
                scope: { name: 'redaction-corpus' },
                logRecords: batch.map((example, i) => ({
                  timeUnixNano: String(now + BigInt(start + i)),
                  severityNumber: 9,
                  body: { stringValue: example.text },
                  attributes: [
                    s('run', run),
                    s('example.index', String(start + i)),
                    s('example.value', example.text),
                  ],
                })),
              },
            ],
          },
        ],
      }),
    });
    expect(response.status, await response.text()).toBe(200);
  }
}

describe('the collector masks gitleaks’ examples', () => {
  it('every example of the rules it carries, in bodies and attributes; reports the whole corpus', async () => {
    expect(subset.size).toBeGreaterThan(20);
    const run = `corpus-${Date.now()}`;
    await send(run);
    const rows = await waitFor(
      async () => {
        const found = await stack.logs.query(`run:=${quote(run)}`);
        return found.length === examples.length ? found : undefined;
      },
      120_000,
      'every example in VictoriaLogs',
    );
    const leaked = (text: unknown, secrets: string[]) =>
      secrets.some((secret) => String(text ?? '').includes(secret));
    const missed: string[] = [];
    let maskedBody = 0;
    let maskedAttribute = 0;
    let carried = 0;
    // Each example exactly once: every index, none twice.
    expect(new Set(rows.map((row) => row['example.index'])).size).toBe(examples.length);
    for (const row of rows) {
      const example = examples[Number(row['example.index'])]!;
      const bodyLeaks = leaked(row._msg, example.secrets);
      const attributeLeaks = leaked(row['example.value'], example.secrets);
      if (!bodyLeaks) maskedBody++;
      if (!attributeLeaks) maskedAttribute++;
      if (subset.has(example.rule)) {
        carried++;
        if (bodyLeaks) missed.push(`${example.rule} (body): ${example.text.slice(0, 80)}`);
        if (attributeLeaks)
          missed.push(`${example.rule} (attribute): ${example.text.slice(0, 80)}`);
      }
    }
    const pct = (n: number) => `${((100 * n) / examples.length).toFixed(2)}%`;
    console.log(
      `collector: ${subset.size} gitleaks rules carried (${carried} examples, all checked); ` +
        `whole corpus of ${examples.length} examples masked: ${pct(maskedBody)} in bodies, ` +
        `${pct(maskedAttribute)} as attribute values`,
    );
    expect(carried).toBeGreaterThan(subset.size);
    expect(missed).toEqual([]);
  });
});
