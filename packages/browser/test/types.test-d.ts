// The public types of @tracelog/browser, pinned: checked by `tsc -p tsconfig.tests.json` (part of
// `npm test`), never run. A change here is a change users see in their editor and build.
import { expectTypeOf } from 'vitest';
import { initBrowser } from '@tracelog/browser';
import type {
  Attributes,
  AttributeValue,
  BrowserHandle,
  BrowserOptions,
  Logger,
} from '@tracelog/browser';
import { TracelogErrorBoundary } from '@tracelog/browser/react';
import type { ErrorBoundaryProps } from '@tracelog/browser/react';

// initBrowser(): options with a required service name, a handle out.
expectTypeOf(initBrowser).parameters.toEqualTypeOf<[options: BrowserOptions]>();
expectTypeOf(initBrowser).returns.toEqualTypeOf<BrowserHandle>();
expectTypeOf<BrowserOptions>().toHaveProperty('service').toEqualTypeOf<string>();
expectTypeOf<BrowserOptions>().toHaveProperty('endpoint').toEqualTypeOf<string | undefined>();
expectTypeOf<BrowserOptions>()
  .toHaveProperty('level')
  .toEqualTypeOf<'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | undefined>();
expectTypeOf({ service: 'trading-ui', endpoint: '/otlp' }).toExtend<BrowserOptions>();
// @ts-expect-error: service is required
expectTypeOf({ endpoint: '/otlp' }).toExtend<BrowserOptions>();

// The handle.
expectTypeOf<BrowserHandle['logger']>().toEqualTypeOf<Logger>();
expectTypeOf<BrowserHandle['getLogger']>().toEqualTypeOf<(component: string) => Logger>();
expectTypeOf<BrowserHandle['setUser']>().toEqualTypeOf<
  (user: { id: string } | string | undefined) => void
>();
expectTypeOf<BrowserHandle['withSpan']>().toEqualTypeOf<
  <T>(name: string, fn: () => T, attributes?: Attributes) => T
>();
expectTypeOf<BrowserHandle['captureException']>().toEqualTypeOf<
  (error: unknown, attributes?: Attributes) => void
>();
expectTypeOf<BrowserHandle['sessionId']>().toEqualTypeOf<() => string>();
expectTypeOf<BrowserHandle['flush']>().toEqualTypeOf<() => Promise<void>>();
expectTypeOf<BrowserHandle['shutdown']>().toEqualTypeOf<() => Promise<void>>();

// The logger: a message and attributes; error() also takes an Error.
expectTypeOf<Logger['info']>().toEqualTypeOf<(message: string, attributes?: Attributes) => void>();
expectTypeOf<Logger['error']>().toEqualTypeOf<
  (message: string, errorOrAttributes?: unknown, attributes?: Attributes) => void
>();
expectTypeOf<Logger['child']>().toEqualTypeOf<(component: string) => Logger>();
expectTypeOf<string>().toExtend<AttributeValue>();
expectTypeOf<number>().toExtend<AttributeValue>();
expectTypeOf<boolean>().toExtend<AttributeValue>();
expectTypeOf<{ nested: { deep: [1, 'two'] } }>().toExtend<AttributeValue>();
expectTypeOf<() => void>().not.toExtend<AttributeValue>();

// @tracelog/browser/react: an error boundary component class.
expectTypeOf(TracelogErrorBoundary).toBeConstructibleWith({ fallback: 'failed' });
expectTypeOf<ErrorBoundaryProps>()
  .toHaveProperty('onError')
  .toEqualTypeOf<((error: unknown, componentStack: string | undefined) => void) | undefined>();
