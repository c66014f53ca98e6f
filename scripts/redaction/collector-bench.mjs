#!/usr/bin/env node
// Measures what each candidate rule of the collector subset costs in Go's regexp (the engine the
// collector's redaction and transform processors run), with `go test -bench` in a temporary
// module: one sub-benchmark per rule, each matching every line of a typical log mix (the bodies
// and attribute values of bench/redaction, which hold no secret: that is the common case, and
// the one a rule pays for on every record). Writes scripts/redaction/collector-cost.json, which
// the generator reads to choose the subset; run again after a gitleaks upgrade.
// Usage: node scripts/redaction/collector-bench.mjs
//        node scripts/redaction/collector-bench.mjs --blocked-values [config.yaml ...]
//   --blocked-values: write nothing; print what the redaction processor's blocked_values in each
//   given configuration (default collector/config.yaml) cost per line of LOG_MIX in all, and for
//   one configuration what each costs.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { collectorCandidates, LOG_MIX } from './collector.mjs';
import { GITLEAKS_VERSION, loadGitleaks } from './source.mjs';

const here = dirname(fileURLToPath(import.meta.url));
/** Rounds; the median is kept. */
const COUNT = 3;

/** Median ns per line of LOG_MIX of each expression in Go's regexp, by name. */
function measure(expressions) {
  const dir = mkdtempSync(join(tmpdir(), 'tracelog-collector-bench-'));
  try {
    writeFileSync(join(dir, 'go.mod'), 'module tracelogbench\n\ngo 1.22\n');
    writeFileSync(join(dir, 'rules_test.go'), benchSource(expressions));
    const out = execFileSync(
      'go',
      ['test', '-run', '^$', '-bench', '.', '-benchtime', '200x', '-count', String(COUNT)],
      { cwd: dir, encoding: 'utf8', env: { ...process.env, GOWORK: 'off', GOFLAGS: '' } },
    );
    const runs = new Map();
    for (const m of out.matchAll(/^BenchmarkRule\/(\S+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns\/op/gm)) {
      runs.set(m[1], [...(runs.get(m[1]) ?? []), Number(m[2])]);
    }
    const nsPerLine = {};
    for (const { id } of expressions) {
      const xs = (runs.get(id) ?? []).sort((a, b) => a - b);
      if (xs.length === 0) throw new Error(`no benchmark result for ${id}`);
      nsPerLine[id] = Math.round((xs[Math.floor(xs.length / 2)] / LOG_MIX.length) * 10) / 10;
    }
    return nsPerLine;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function benchSource(expressions) {
  return `package tracelogbench

import (
	"regexp"
	"testing"
)

var ids = []string{${expressions.map((c) => JSON.stringify(c.id)).join(', ')}}
var sources = []string{${expressions.map((c) => JSON.stringify(c.regex)).join(', ')}}
var lines = []string{${LOG_MIX.map((l) => JSON.stringify(l)).join(', ')}}

func BenchmarkRule(b *testing.B) {
	for i, id := range ids {
		re := regexp.MustCompile(sources[i])
		b.Run(id, func(b *testing.B) {
			for n := 0; n < b.N; n++ {
				for _, l := range lines {
					re.MatchString(l)
				}
			}
		})
	}
}
`;
}

const goVersion = () => execFileSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' }).trim();

/** The blocked_values of a configuration, as the collector reads them (`$$` is one `$`). */
function blockedValues(path) {
  const config = parse(readFileSync(path, 'utf8'));
  return config.processors.redaction.blocked_values.map((regex, i) => ({
    id: `v${String(i).padStart(2, '0')}`,
    regex: regex.replace(/\$\$/g, '$'),
  }));
}

const flag = process.argv.indexOf('--blocked-values');
if (flag >= 0) {
  // Two configurations are measured in one run, each round going through both, so that a busy
  // machine weighs on both alike.
  const paths = process.argv.slice(flag + 1);
  if (paths.length === 0) paths.push(join(here, '../../collector/config.yaml'));
  const sets = paths.map((path, n) =>
    blockedValues(path).map((v) => ({ ...v, id: `c${n}-${v.id}` })),
  );
  const ns = measure(sets.flat());
  sets.forEach((values, n) => {
    if (paths.length === 1)
      for (const v of values)
        process.stdout.write(`${String(ns[v.id]).padStart(8)}  ${v.regex.slice(0, 90)}\n`);
    const total = values.reduce((sum, v) => sum + ns[v.id], 0);
    process.stdout.write(
      `${paths[n]}: ${values.length} blocked_values, ${Math.round(total)} ns per line of LOG_MIX in all (${goVersion()})\n`,
    );
  });
} else {
  const candidates = collectorCandidates(loadGitleaks());
  const nsPerLine = measure(candidates);
  writeFileSync(
    join(here, 'collector-cost.json'),
    `${JSON.stringify({ gitleaks: GITLEAKS_VERSION, go: goVersion(), lines: LOG_MIX.length, statistic: `median of ${COUNT} go test -bench runs, ns per line`, nsPerLine }, null, 2)}\n`,
  );
  process.stderr.write(`redaction: measured ${candidates.length} rules with ${goVersion()}\n`);
}
