import { connect } from 'node:net';
import { Server } from 'node:http';
import type { ResolvedConfig } from '../config/resolve.js';
import { isHttpServerPatched } from '../instrumentations/http-server.js';
import { PATCHED_PACKAGES } from '../instrumentations/registry.js';
import { registeredApiVersion } from './api-global.js';
import { resolvePackageFromApp } from './app-location.js';
import { bundled } from './bundle.js';
import type { Diagnostics } from './diag.js';

/**
 * Start-up checks for the mistakes that silently cost telemetry: HTTP loaded before the
 * instrumentation, an application whose own `@opentelemetry/api` cannot see what tracelog
 * registered, instrumentations a bundle bypasses, and a collector nobody can reach. Each is
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
  const api = apiMismatch(registeredApiVersion(), resolvePackageFromApp('@opentelemetry/api'));
  if (api) diag.warn('selfcheck:api', api);
  if (bundled) {
    const bypassed = bundleBypasses(config);
    if (bypassed) diag.warn('selfcheck:bundle', bypassed);
  }
  if (config.endpoint) checkReachable(config.endpoint, whereRecordsWait(config), diag);
}

/**
 * The application resolves its own copy of `@opentelemetry/api` (a nested install, a monorepo, a
 * package manager that left peers alone) and that copy's version differs from the one tracelog
 * registered with. An API copy only uses a registration made by a copy of the same major version
 * and the same or a later minor one; otherwise it hands out no-op tracers and loggers.
 */
export function apiMismatch(
  registered: string | undefined,
  app: { directory: string; version: string } | undefined,
): string | undefined {
  if (!registered || !app || app.version === registered) return undefined;
  const [appMajor, appMinor] = app.version.split('.').map(Number);
  const [ourMajor, ourMinor] = registered.split('.').map(Number);
  const usable = appMajor === ourMajor && (appMinor ?? 0) <= (ourMinor ?? 0);
  return (
    `two copies of @opentelemetry/api are loaded: the application's ${app.version} ` +
    `(${app.directory}) and ${registered}, which tracelog registered with. ` +
    (usable
      ? 'The older copy still reaches tracelog, but lacks what later versions added (the logs API came in 1.10). '
      : "The application's own spans, logs and metrics go nowhere: its copy refuses a registration made by an older one. ") +
    'Install a single version (npm ls @opentelemetry/api lists them).'
  );
}

/**
 * What a bundle costs: the instrumentations that patch a package when it is loaded from
 * node_modules never see a copy the bundler inlined.
 */
function bundleBypasses(config: ResolvedConfig): string | undefined {
  const affected = (Object.keys(PATCHED_PACKAGES) as Array<keyof typeof PATCHED_PACKAGES>).filter(
    (name) => config.instrumentations[name],
  );
  if (affected.length === 0) return undefined;
  const packages = affected.flatMap((name) => PATCHED_PACKAGES[name]);
  const which =
    affected.length === 1
      ? `the ${affected[0]} instrumentation patches`
      : `the ${affected.join(', ')} instrumentations patch`;
  return (
    `this process runs from a bundle: ${which} ${packages.join(', ')} only when loaded from ` +
    'node_modules, so a copy inlined in the bundle records nothing. Mark the ones you use ' +
    `as external (esbuild: ${packages.map((p) => `--external:${p}`).join(' ')}, or ` +
    '--packages=external) and install them beside the bundle. HTTP, fetch, Fastify and runtime ' +
    'metrics work either way.'
  );
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
