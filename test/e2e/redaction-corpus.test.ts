import { describe, expect, it } from 'vitest';
import { PREFIXED_TOKENS, PREFIX_NEAR_MISSES, tokenVariants } from '@tracelog/test-utils';
import { KEY_ONLY_WORDS, SENSITIVE_PAIRS, SENSITIVE_WORDS, TOKEN_MIN_LENGTH } from '@tracelog/core';
import { collectorSubset, coveredRuleIds } from '../../scripts/redaction/collector.mjs';
import { loadGitleaks } from '../../scripts/redaction/source.mjs';
import { quote, useStack, waitFor } from '../support/stack.js';

// gitleaks' own example secrets (the pinned release's true positives, as the Node redactor's
// corpus test uses them) sent by a careless client straight to our collector build, each as a log
// body and as an attribute value, and read back from VictoriaLogs. The rules the collector
// carries (collector/config.yaml's generated block) must mask every one of their examples in
// both places; for the whole corpus, the share the collector masks is reported. Then the SDK's
// own cases, which the collector's generated expressions derive from: tokens after a provider's
// prefix whatever their length and grouping, text that only looks like one, and attributes under
// every sensitive key word.
const gitleaks = loadGitleaks();
const subset = new Set(collectorSubset(gitleaks).chosen.map((c) => c.id));
// Rules whose tokens our own prefixed-token expressions take (and which the subset leaves out).
const covered = coveredRuleIds(gitleaks, { lookahead: false });
const examples = gitleaks.corpus.flatMap((rule) =>
  rule.tps
    .filter((tp) => tp.secrets.length > 0)
    .map((tp) => ({ rule: rule.id, text: tp.text, secrets: tp.secrets })),
);

const stack = useStack();

const s = (key: string, value: string) => ({ key, value: { stringValue: value } });

interface Sent {
  text: string;
  attributes?: Record<string, string>;
}

/** Each record as a log body and as the `example.value` attribute, tagged with `run`. */
async function send(run: string, records: readonly Sent[]): Promise<void> {
  const now = BigInt(Date.now()) * 1_000_000n;
  for (let start = 0; start < records.length; start += 500) {
    const batch = records.slice(start, start + 500);
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
                logRecords: batch.map((record, i) => ({
                  timeUnixNano: String(now + BigInt(start + i)),
                  severityNumber: 9,
                  body: { stringValue: record.text },
                  attributes: [
                    s('run', run),
                    s('example.index', String(start + i)),
                    s('example.value', record.text),
                    ...Object.entries(record.attributes ?? {}).map(([k, v]) => s(k, v)),
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

/** What VictoriaLogs holds of one run, in the order sent. */
async function readBack(run: string, count: number): Promise<Record<string, unknown>[]> {
  const rows = await waitFor(
    async () => {
      const found = await stack.logs.query(`run:=${quote(run)}`);
      return found.length === count ? found : undefined;
    },
    120_000,
    'every record in VictoriaLogs',
  );
  // Each record exactly once: every index, none twice.
  expect(new Set(rows.map((row) => row['example.index'])).size).toBe(count);
  return rows.sort((a, b) => Number(a['example.index']) - Number(b['example.index']));
}

describe('the collector masks gitleaks’ examples', () => {
  it('every example of the rules it carries or covers, in bodies and attributes; reports the whole corpus', async () => {
    expect(subset.size).toBeGreaterThan(20);
    expect(covered.size).toBeGreaterThan(10);
    const run = `corpus-${Date.now()}`;
    await send(run, examples);
    const rows = await readBack(run, examples.length);
    const leaked = (text: unknown, secrets: string[]) =>
      secrets.some((secret) => String(text ?? '').includes(secret));
    const missed: string[] = [];
    let maskedBody = 0;
    let maskedAttribute = 0;
    let carried = 0;
    for (const row of rows) {
      const example = examples[Number(row['example.index'])]!;
      const bodyLeaks = leaked(row._msg, example.secrets);
      const attributeLeaks = leaked(row['example.value'], example.secrets);
      if (!bodyLeaks) maskedBody++;
      if (!attributeLeaks) maskedAttribute++;
      if (subset.has(example.rule) || covered.has(example.rule)) {
        carried++;
        if (bodyLeaks) missed.push(`${example.rule} (body): ${example.text.slice(0, 80)}`);
        if (attributeLeaks)
          missed.push(`${example.rule} (attribute): ${example.text.slice(0, 80)}`);
      }
    }
    const pct = (n: number) => `${((100 * n) / examples.length).toFixed(2)}%`;
    console.log(
      `collector: ${subset.size} gitleaks rules carried, ${covered.size} covered by our prefixes ` +
        `(${carried} examples, all checked); ` +
        `whole corpus of ${examples.length} examples masked: ${pct(maskedBody)} in bodies, ` +
        `${pct(maskedAttribute)} as attribute values`,
    );
    expect(carried).toBeGreaterThan(subset.size);
    expect(missed).toEqual([]);
  });

  it('masks tokens after a provider’s prefix whatever their length and grouping, and leaves text that only looks like one', async () => {
    const tokens = PREFIXED_TOKENS.flatMap((token) =>
      tokenVariants(token, TOKEN_MIN_LENGTH).map((variant) => `sent ${variant} to the API`),
    );
    // The SDK also spares a prefix inside a longer word; the collector's expressions cannot see
    // what comes before them (sdkOnly), so only the others are the collector's to spare.
    const nearMisses = PREFIX_NEAR_MISSES.filter((m) => !m.sdkOnly).map(
      (m) => `got ${m.text} back`,
    );
    const run = `prefixed-${Date.now()}`;
    await send(
      run,
      [...tokens, ...nearMisses].map((text) => ({ text })),
    );
    const rows = await readBack(run, tokens.length + nearMisses.length);
    const wrong: string[] = [];
    rows.forEach((row, i) => {
      const sent = i < tokens.length ? tokens[i]! : nearMisses[i - tokens.length]!;
      const want = i < tokens.length ? 'sent **** to the API' : sent;
      if (row._msg !== want) wrong.push(`body ${sent} -> ${String(row._msg)}`);
      if (row['example.value'] !== want)
        wrong.push(`attribute ${sent} -> ${String(row['example.value'])}`);
    });
    console.log(
      `collector: ${tokens.length} prefixed-token variants, ${nearMisses.length} near misses`,
    );
    expect(wrong).toEqual([]);
  });

  it('masks the value of an attribute whose key holds a sensitive word or pair as a part', async () => {
    const keys = [
      ...[...SENSITIVE_WORDS, ...KEY_ONLY_WORDS].flatMap((w) => [`app.${w}`, `db_${w}`, w]),
      ...SENSITIVE_PAIRS.flatMap((p) =>
        ['_', '-', '.', ''].map((sep) => `x-${p.replace(' ', sep)}`),
      ),
    ];
    const plain = ['user.id', 'http.route', 'tokens_used_count', 'passenger', 'keyboard'];
    const run = `keys-${Date.now()}`;
    await send(run, [
      { text: 'keys', attributes: Object.fromEntries([...keys, ...plain].map((k) => [k, 'v-12'])) },
    ]);
    const [row] = await readBack(run, 1);
    expect(Object.fromEntries(keys.map((k) => [k, row![k]]))).toEqual(
      Object.fromEntries(keys.map((k) => [k, '****'])),
    );
    expect(Object.fromEntries(plain.map((k) => [k, row![k]]))).toEqual(
      Object.fromEntries(plain.map((k) => [k, 'v-12'])),
    );
  });
});
