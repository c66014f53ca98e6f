import { OTEL_API_GLOBAL } from '@tracelog/core';

/**
 * The process-wide object `@opentelemetry/api` keeps its registrations in. Every copy of the API
 * with major version 1 writes and reads the same slot: `registerGlobal()` stores each provider
 * under its name, next to the `version` of the copy that created the object. tracelog reads it,
 * never writes it: to see whether another SDK registered first, and which API version owns it.
 */

/** The registrations an SDK makes; `diag` is left out, as any library may set a diagnostic logger. */
const SDK_SLOTS = ['trace', 'context', 'propagation', 'logs', 'metrics'] as const;

interface ApiGlobal {
  version?: string;
  [slot: string]: unknown;
}

function apiGlobal(): ApiGlobal | undefined {
  return (globalThis as Record<symbol, ApiGlobal | undefined>)[OTEL_API_GLOBAL];
}

/** The version of the `@opentelemetry/api` copy that created the registrations, if any. */
export function registeredApiVersion(): string | undefined {
  return apiGlobal()?.version;
}

/** Which of the SDK registrations (trace, context, …) are already taken. */
export function takenSdkSlots(): string[] {
  const api = apiGlobal();
  return api ? SDK_SLOTS.filter((slot) => api[slot] !== undefined) : [];
}
