import { LEVELS } from './schema.js';
import type { Level } from './schema.js';

/*
 * Parsing of configuration values as people write them in environment variables (sizes,
 * durations, booleans, levels, lists, key=value lists) and the hierarchical level lookup:
 * runtime-free, so any SDK can use them. Which settings exist, their defaults and how options
 * and variables combine belong to the SDK that has them (`@tracelog/node`'s config.ts).
 */

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
};

/** `'64MiB'`, `'512kb'`, `'1048576'` → bytes; undefined when malformed. */
export function parseSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  if (!m) return undefined;
  const unit = SIZE_UNITS[(m[2] || 'b').toLowerCase()];
  return unit === undefined ? undefined : Math.round(Number(m[1]) * unit);
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `'30s'`, `'500ms'`, `'2m'`, `'1500'` (ms) → milliseconds; undefined when malformed. */
export function parseDuration(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? text : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/i.exec(text);
  if (!m) return undefined;
  return Number(m[1]) * DURATION_UNITS[(m[2] ?? 'ms').toLowerCase()]!;
}

export function parseBoolean(text: string): boolean | undefined {
  const value = text.trim().toLowerCase();
  if (['1', 'true', 'on', 'yes'].includes(value)) return true;
  if (['0', 'false', 'off', 'no'].includes(value)) return false;
  return undefined;
}

const LEVEL_ALIASES: Record<string, Level> = {
  warning: 'warn',
  critical: 'fatal',
  crit: 'fatal',
  verbose: 'debug',
  silly: 'trace',
};

export function parseLevel(text: string): Level | undefined {
  const value = text.trim().toLowerCase();
  return (LEVELS as readonly string[]).includes(value) ? (value as Level) : LEVEL_ALIASES[value];
}

/** `'a,b, c'` → `['a', 'b', 'c']`. */
export function parseList(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

/** The OTEL_RESOURCE_ATTRIBUTES / OTEL_EXPORTER_OTLP_HEADERS format: `k=v,k2=v2`, percent-encoded. */
export function parseKeyValueList(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of parseList(text)) {
    const eq = item.indexOf('=');
    if (eq <= 0) continue;
    out[decode(item.slice(0, eq).trim())] = decode(item.slice(eq + 1).trim());
  }
  return out;
}

/** `'orders=debug,orders.db=warn'` → levels; malformed entries are reported in `invalid`. */
export function parseComponentLevels(text: string): {
  levels: Record<string, Level>;
  invalid: string[];
} {
  const levels: Record<string, Level> = {};
  const invalid: string[] = [];
  for (const item of parseList(text)) {
    const eq = item.indexOf('=');
    const level = eq > 0 ? parseLevel(item.slice(eq + 1)) : undefined;
    if (level) levels[item.slice(0, eq).trim()] = level;
    else invalid.push(item);
  }
  return { levels, invalid };
}

/**
 * The level of a hierarchical component: `orders.api.validation` takes the most specific of
 * `orders.api.validation`, `orders.api`, `orders`, then the default. Cached per component.
 */
export function createLevelResolver(
  defaultLevel: Level,
  overrides: Record<string, Level>,
): (component: string) => Level {
  const cache = new Map<string, Level>();
  return (component) => {
    let level = cache.get(component);
    if (level) return level;
    let name = component;
    for (;;) {
      level = overrides[name];
      if (level) break;
      const dot = name.lastIndexOf('.');
      if (dot < 0) break;
      name = name.slice(0, dot);
    }
    level ??= defaultLevel;
    if (cache.size < 10_000) cache.set(component, level);
    return level;
  };
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The known name within `maxDistance` edits, for "did you mean" (configuration, and the checks of our LogQL and LogsQL). */
export function closest(
  name: string,
  known: Iterable<string>,
  maxDistance = 3,
): string | undefined {
  let best: string | undefined;
  let bestDistance = maxDistance + 1;
  for (const candidate of known) {
    const d = distance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = current;
    }
  }
  return row[b.length]!;
}
