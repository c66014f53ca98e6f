import { connect } from 'node:net';
import { Server } from 'node:http';
import type { ResolvedConfig } from './config.js';
import { isHttpServerPatched } from './instrumentations/http-server.js';
import type { Diagnostics } from './internal/diag.js';

const API_GLOBAL = Symbol.for('opentelemetry.js.api.1');
/** The @opentelemetry/api version this package is built against (package.json pins it). */
export const API_VERSION = '1.10.0';

/**
 * Start-up checks for the three mistakes that silently cost telemetry: HTTP loaded before the
 * instrumentation, two copies of `@opentelemetry/api`, and a collector nobody can reach. Each is
 * reported once, with what to do; none blocks start-up.
 */
export function runSelfCheck(config: ResolvedConfig, diag: Diagnostics): void {
  if (config.instrumentations.http && !isHttpServerPatched(Server.prototype.emit)) {
    diag.warn(
      'selfcheck:http',
      'HTTP server instrumentation is not active (another tool replaced http.Server.prototype.emit?). ' +
        'Start the app with `node --import @tracelog/node/register app.js` so tracelog loads first.',
    );
  }
  const registered = (globalThis as Record<symbol, { version?: string } | undefined>)[API_GLOBAL];
  if (registered?.version && registered.version !== API_VERSION) {
    diag.warn(
      'selfcheck:api',
      `two copies of @opentelemetry/api are loaded (${registered.version} and ${API_VERSION}); ` +
        'telemetry from one of them is lost. Deduplicate them (npm ls @opentelemetry/api).',
    );
  }
  if (config.endpoint) checkReachable(config.endpoint, whereRecordsWait(config), diag);
}

/** What happens to records while the collector cannot be reached, as the configuration says. */
function whereRecordsWait(config: ResolvedConfig): string {
  return config.spool
    ? `telemetry is kept in the local spool (${config.spool.directory}) until it is`
    : `the spool is off, so telemetry is held in memory (up to ${mib(config.maxMemoryBytes)} per signal) until it is, and dropped beyond that`;
}

function mib(bytes: number): string {
  return `${Math.round((bytes / 1024 / 1024) * 10) / 10} MiB`;
}

function checkReachable(endpoint: string, meanwhile: string, diag: Diagnostics): void {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return;
  }
  const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
  const socket = connect({ host: url.hostname, port, timeout: 3000 });
  socket.unref();
  const fail = (reason: string) => {
    socket.destroy();
    diag.warn(
      'selfcheck:endpoint',
      `the collector at ${endpoint} is not reachable (${reason}); ${meanwhile}`,
    );
  };
  socket.once('connect', () => socket.destroy());
  socket.once('timeout', () => fail('no answer within 3 s'));
  socket.once('error', (error) => fail(error.message));
}
