import { isBuiltin } from 'node:module';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { bullmq } from './bullmq.js';
import { pg, redis } from './database.js';
import type { InstrumentationDescriptor, Providers } from './descriptor.js';
import { express } from './express.js';
import { fastify } from './fastify.js';
import { http } from './http.js';
import { runtime } from './runtime.js';
import { undici } from './undici.js';

/**
 * The one list of instrumentations, in the order they are enabled. Everything else that names
 * them (the `instrumentations` option type, its defaults, the loader hook's modules, the bundle
 * self-check and the README's table, which a test compares) is derived from it.
 */
export const INSTRUMENTATIONS = [
  http,
  undici,
  express,
  fastify,
  pg,
  redis,
  runtime,
  bullmq,
] as const;

type Descriptor = (typeof INSTRUMENTATIONS)[number];

/** The names `init({ instrumentations })` takes. */
export type InstrumentationName = Descriptor['name'];

/** What `init({ instrumentations: { [name]: … } })` takes besides `true` and `false`. */
export type OptionsOf<Name extends InstrumentationName> = Exclude<
  Parameters<Extract<Descriptor, { name: Name }>['settings']>[0],
  undefined
>;

/** One instrumentation's options with its defaults filled in. */
type SettingsOf<Name extends InstrumentationName> = ReturnType<
  Extract<Descriptor, { name: Name }>['settings']
>;

/** Each instrumentation: `false` (off) or its settings. Resolved from `init({ instrumentations })`. */
export type InstrumentationSettings = { [Name in InstrumentationName]: false | SettingsOf<Name> };

export const INSTRUMENTATION_NAMES: readonly InstrumentationName[] = INSTRUMENTATIONS.map(
  (descriptor) => descriptor.name,
);

/** Any descriptor, for code that handles them all alike. */
export type AnyDescriptor = InstrumentationDescriptor<InstrumentationName, object, unknown>;

/** What the loader hook must wrap: every module an instrumentation patches on import. */
export const HOOKED_MODULES: readonly string[] = INSTRUMENTATIONS.flatMap((d) => d.hooks);

/**
 * The packages each instrumentation patches only when the application loads them from
 * node_modules (hooked on import, or resolved as the app would): a copy inlined into a bundle is
 * never loaded that way, so it is never patched. The rest work from Node's builtins (http) or
 * from diagnostics channels (fetch, Fastify, runtime metrics).
 */
export const PATCHED_PACKAGES: Partial<Record<InstrumentationName, readonly string[]>> =
  Object.fromEntries(
    INSTRUMENTATIONS.map((d) => ({
      name: d.name,
      packages: [...d.hooks.filter((module) => !isBuiltin(module)), ...d.resolves],
    }))
      .filter(({ packages }) => packages.length > 0)
      .map(({ name, packages }) => [name, packages]),
  );

export interface EnabledInstrumentations {
  /** The names that were switched on. */
  readonly names: string[];
  disable(): void;
}

/**
 * The one home of automatic instrumentation. Each entry is switched on unless its setting is
 * `false`; a library's instrumentation patches it when the app loads it (until then it costs
 * nothing), so an app without Express or PostgreSQL is unaffected.
 */
export function enableInstrumentations(
  settings: InstrumentationSettings,
  providers: Providers,
): EnabledInstrumentations {
  const names: string[] = [];
  const instrumentations: Instrumentation[] = [];
  const disposers: Array<() => void> = [];
  for (const descriptor of INSTRUMENTATIONS as readonly AnyDescriptor[]) {
    const setting = settings[descriptor.name];
    if (setting === false) continue;
    const enabled = descriptor.enable(setting, providers);
    if (!enabled) continue;
    names.push(descriptor.name);
    instrumentations.push(...(enabled.instrumentations ?? []));
    if (enabled.dispose) disposers.push(enabled.dispose);
  }
  // Registered last, as one set: the providers they record to, and one disable for all.
  disposers.unshift(registerInstrumentations({ instrumentations, ...providers }));
  return {
    names,
    disable: () => {
      for (const dispose of disposers.splice(0)) dispose();
    },
  };
}
