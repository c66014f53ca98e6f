import type { TracerProvider } from '@opentelemetry/api';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { MeterProvider } from '@opentelemetry/sdk-metrics';

/** What an instrumentation records to. */
export interface Providers {
  tracerProvider: TracerProvider;
  meterProvider: MeterProvider;
}

/**
 * What switching an instrumentation on gives back, the same for every one: upstream
 * instrumentations for the registry to register (and disable), and how to undo patches of our own.
 */
export interface Enabled {
  instrumentations?: Instrumentation[];
  dispose?: () => void;
}

/**
 * One instrumentation, as the registry holds it. The `instrumentations` option type, the
 * defaults, the loader hook's module list and the README's table are all derived from these.
 *
 * - `Options`: what `init({ instrumentations: { [name]: … } })` takes besides `true`/`false`
 *   (`never` for those that take none);
 * - `Settings`: the options with their defaults filled in, which `enable` receives (`true` for
 *   those that take none).
 */
export interface InstrumentationDescriptor<
  Name extends string,
  Options extends object = never,
  Settings = [Options] extends [never] ? true : Options,
> {
  readonly name: Name;
  /**
   * Modules patched when the application loads them, through `require` or the ESM loader hook
   * (`node:` forms included). Empty for those that listen on diagnostics channels instead.
   */
  readonly hooks: readonly string[];
  /** Packages patched directly, resolved from where the application would load them. */
  readonly resolves: readonly string[];
  /** The settings for an option of `true`, nothing (`undefined`) or an options object. */
  settings(options: Options | undefined): Settings;
  /** Switches it on; `undefined` when there is nothing to instrument (its package is missing). */
  enable(settings: Settings, providers: Providers): Enabled | undefined;
}
