// The outside source of truth for redaction: gitleaks' default rules and each rule's own example
// secrets, at one pinned version. The Go module is fetched into the Go module cache; its rules
// (as gitleaks reads them) and examples (with the secrets gitleaks' own detector reports in each)
// are extracted once into ~/.cache/tracelog/gitleaks-<version>/ and reused from there.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const GITLEAKS_MODULE = 'github.com/zricethezav/gitleaks/v8';
export const GITLEAKS_VERSION = 'v8.30.1';

const here = dirname(fileURLToPath(import.meta.url));
const patches = ['record.go.txt', 'export.go.txt'].map((f) => join(here, 'extract', f));

function log(message) {
  process.stderr.write(`redaction: ${message}\n`);
}

function go(args, options = {}) {
  return execFileSync('go', args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 256 * 1024 * 1024,
    ...options,
    env: { ...process.env, GOWORK: 'off', GOFLAGS: '-mod=mod', ...options.env },
  });
}

/** Where the extracted rules and examples live for the pinned version. */
export function cacheDir() {
  const base = process.env.TRACELOG_CACHE_DIR ?? join(homedir(), '.cache', 'tracelog');
  return join(base, `gitleaks-${GITLEAKS_VERSION}`);
}

/**
 * The pinned gitleaks release, extracted: `{ rules, allowlists, corpus, license, sum }`.
 * `corpus` holds `{ id, tps: [{ text, secrets }], fps: [text] }` per rule.
 */
export function loadGitleaks() {
  const dir = cacheDir();
  const stampFile = join(dir, 'stamp.json');
  const patchHash = createHash('sha256');
  for (const p of patches) patchHash.update(readFileSync(p));
  const want = patchHash.digest('hex');
  if (existsSync(stampFile)) {
    const stamp = JSON.parse(readFileSync(stampFile, 'utf8'));
    if (stamp.patches === want && stamp.version === GITLEAKS_VERSION) return read(dir, stamp.sum);
  }
  extract(dir, want);
  return read(dir, JSON.parse(readFileSync(stampFile, 'utf8')).sum);
}

function read(dir, sum) {
  const { rules, allowlists } = JSON.parse(readFileSync(join(dir, 'rules.json'), 'utf8'));
  const corpus = readFileSync(join(dir, 'corpus.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const license = readFileSync(join(dir, 'LICENSE'), 'utf8');
  return { rules, allowlists, corpus, license, sum };
}

function extract(dir, patchHash) {
  log(`fetching ${GITLEAKS_MODULE}@${GITLEAKS_VERSION} into the Go module cache`);
  const info = JSON.parse(
    go(['mod', 'download', '-json', `${GITLEAKS_MODULE}@${GITLEAKS_VERSION}`]),
  );
  if (info.Error) throw new Error(`go mod download: ${info.Error}`);
  const src = join(dir, 'src');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  cpSync(info.Dir, src, { recursive: true });
  chmodR(src);
  // Two additions to a writable copy: fixed seeds for the generated example secrets, and a hook
  // in the rules' own validation that records each rule's examples with what gitleaks finds.
  const regen = join(src, 'cmd/generate/secrets/regen.go');
  const regenText = readFileSync(regen, 'utf8');
  if (!regenText.includes('\treturn g.Generate(1)')) throw new Error('unexpected regen.go');
  writeFileSync(
    regen,
    `${regenText.replace('\treturn g.Generate(1)', '\tg.SetSeed(tracelogSeed)\n\ttracelogSeed++\n\treturn g.Generate(1)')}\nvar tracelogSeed int64 = 1\n`,
  );
  const validate = join(src, 'cmd/generate/config/utils/validate.go');
  let validateText = readFileSync(validate, 'utf8');
  const hooks = [
    [
      'func Validate(rule config.Rule, truePositives []string, falsePositives []string) *config.Rule {\n',
      '\ttracelogRecord(rule, truePositives, falsePositives)\n',
    ],
    [
      'func ValidateWithPaths(rule config.Rule, truePositives map[string]string, falsePositives map[string]string) *config.Rule {\n',
      '\ttracelogRecord(rule, tracelogValues(truePositives), tracelogValues(falsePositives))\n',
    ],
  ];
  for (const [signature, call] of hooks) {
    if (!validateText.includes(signature)) throw new Error('unexpected validate.go');
    validateText = validateText.replace(signature, signature + call);
  }
  writeFileSync(validate, validateText);
  cpSync(patches[0], join(src, 'cmd/generate/config/utils/tracelog_record.go'));
  mkdirSync(join(src, 'cmd/tracelog-export'), { recursive: true });
  cpSync(patches[1], join(src, 'cmd/tracelog-export/main.go'));

  log('running the rules generator of gitleaks to record every rule’s examples');
  const corpus = join(dir, 'corpus.jsonl');
  const generated = join(dir, 'gitleaks.generated.toml');
  go(['run', '.', generated], {
    cwd: join(src, 'cmd/generate/config'),
    env: { TRACELOG_CORPUS_OUT: corpus },
  });
  // The generator must reproduce the shipped config: the examples belong to these very rules.
  const shipped = readFileSync(join(src, 'config/gitleaks.toml'), 'utf8');
  if (readFileSync(generated, 'utf8') !== shipped) {
    throw new Error('the gitleaks generator does not reproduce config/gitleaks.toml');
  }
  writeFileSync(
    join(dir, 'rules.json'),
    go(['run', './cmd/tracelog-export', 'config/gitleaks.toml'], { cwd: src }),
  );
  cpSync(join(src, 'LICENSE'), join(dir, 'LICENSE'));
  writeFileSync(
    join(dir, 'stamp.json'),
    JSON.stringify({ version: GITLEAKS_VERSION, sum: info.Sum, patches: patchHash }),
  );
  rmSync(src, { recursive: true, force: true });
}

function chmodR(path) {
  execFileSync('chmod', ['-R', 'u+w', path]);
  chmodSync(path, 0o755);
}
