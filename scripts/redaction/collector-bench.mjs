#!/usr/bin/env node
// Measures what each candidate rule of the collector subset costs in Go's regexp (the engine the
// collector's redaction and transform processors run), with `go test -bench` in a temporary
// module: one sub-benchmark per rule, each matching every line of a typical log mix (the bodies
// and attribute values of bench/redaction, which hold no secret: that is the common case, and
// the one a rule pays for on every record). Writes scripts/redaction/collector-cost.json, which
// the generator reads to choose the subset; run again after a gitleaks upgrade.
// Usage: node scripts/redaction/collector-bench.mjs
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { collectorCandidates, LOG_MIX } from './collector.mjs';
import { GITLEAKS_VERSION, loadGitleaks } from './source.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const candidates = collectorCandidates(loadGitleaks());
const dir = mkdtempSync(join(tmpdir(), 'tracelog-collector-bench-'));
try {
  writeFileSync(join(dir, 'go.mod'), 'module tracelogbench\n\ngo 1.22\n');
  writeFileSync(
    join(dir, 'rules_test.go'),
    `package tracelogbench

import (
	"regexp"
	"testing"
)

var ids = []string{${candidates.map((c) => JSON.stringify(c.id)).join(', ')}}
var sources = []string{${candidates.map((c) => JSON.stringify(c.regex)).join(', ')}}
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
`,
  );
  const out = execFileSync(
    'go',
    ['test', '-run', '^$', '-bench', '.', '-benchtime', '200x', '-count', '3'],
    { cwd: dir, encoding: 'utf8', env: { ...process.env, GOWORK: 'off', GOFLAGS: '' } },
  );
  const runs = new Map();
  for (const m of out.matchAll(/^BenchmarkRule\/(\S+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns\/op/gm)) {
    runs.set(m[1], [...(runs.get(m[1]) ?? []), Number(m[2])]);
  }
  const goVersion = execFileSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' }).trim();
  const nsPerLine = {};
  for (const c of candidates) {
    const xs = (runs.get(c.id) ?? []).sort((a, b) => a - b);
    if (xs.length === 0) throw new Error(`no benchmark result for ${c.id}`);
    nsPerLine[c.id] = Math.round((xs[Math.floor(xs.length / 2)] / LOG_MIX.length) * 10) / 10;
  }
  writeFileSync(
    join(here, 'collector-cost.json'),
    `${JSON.stringify({ gitleaks: GITLEAKS_VERSION, go: goVersion, lines: LOG_MIX.length, statistic: 'median of 3 go test -bench runs, ns per line', nsPerLine }, null, 2)}\n`,
  );
  process.stderr.write(`redaction: measured ${candidates.length} rules with ${goVersion}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
