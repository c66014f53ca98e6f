/**
 * The demo's trading page (examples/browser), served by the example API: the page, its script
 * bundled with esbuild at start, and the ingest relay at /otlp, the same origin as the page.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { build } from 'esbuild';
import { createRelay } from '@tracelog/node';

const browserDir = new URL('../browser/', import.meta.url);
/** The front end's service.name (app.ts); the relay refuses any other. */
const UI_SERVICE = 'trading-ui';
const SESSION_COOKIE = 'demo_session';
const SESSION_PATTERN = new RegExp(`(?:^|;\\s*)${SESSION_COOKIE}=([\\da-f]+)\\.([\\da-f]+)`);

export interface PageOptions {
  /** The collector's OTLP/HTTP URL. Without it the page writes to the browser console only. */
  collectorEndpoint?: string;
}

/** Answers the page's requests; returns false for anything else (the API's routes). */
export type PageHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

export async function createPage(options: PageOptions = {}): Promise<PageHandler> {
  const html = readFileSync(new URL('index.html', browserDir), 'utf8');
  const bundle = await build({
    entryPoints: [new URL('app.ts', browserDir).pathname],
    bundle: true,
    format: 'esm',
    target: 'es2020',
    write: false,
    logLevel: 'warning',
  });
  const script = bundle.outputFiles[0]!.text;

  // The relay only takes telemetry from pages this server handed a signed session cookie: a
  // stand-in for the app's real sign-in check.
  const secret = randomBytes(32);
  const sign = (id: string) => createHmac('sha256', secret).update(id).digest();
  const signedIn = (req: IncomingMessage) => {
    const [, id = '', mac = ''] = SESSION_PATTERN.exec(req.headers.cookie ?? '') ?? [];
    const given = Buffer.from(mac, 'hex');
    const expected = sign(id);
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
  const collector = options.collectorEndpoint?.replace(/\/+$/, '');
  const relay =
    collector &&
    createRelay({
      collectorEndpoint: collector,
      services: [UI_SERVICE],
      authenticate: signedIn,
    });

  const pageConfig = (direct: boolean) => {
    if (!collector)
      return {
        delivery:
          'No collector is configured: this page writes its telemetry to the browser console. Start the stack (npm run stack) and set OTEL_EXPORTER_OTLP_ENDPOINT to send it.',
      };
    return direct
      ? {
          endpoint: collector,
          delivery: `Telemetry goes straight to the collector at ${collector} (CORS). Leave out ?via=collector to send it through the relay.`,
        }
      : {
          endpoint: '/otlp',
          delivery: `Telemetry goes through the relay at /otlp to ${collector}. Add ?via=collector to post to the collector directly.`,
        };
  };

  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://page');
    if (relay && url.pathname.startsWith('/otlp/')) {
      void relay.handler(req, res);
      return true;
    }
    if (req.method !== 'GET') return false;
    if (url.pathname === '/app.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
      return true;
    }
    if (url.pathname !== '/') return false;
    const id = randomBytes(16).toString('hex');
    const session = `${id}.${sign(id).toString('hex')}`;
    const config = pageConfig(url.searchParams.get('via') === 'collector');
    res
      .writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'set-cookie': `${SESSION_COOKIE}=${session}; Path=/; HttpOnly; SameSite=Strict`,
      })
      // `<` escaped so no value can close the script element it is written into.
      .end(html.replace('__TRACELOG_CONFIG__', JSON.stringify(config).replace(/</g, '\\u003c')));
    return true;
  };
}
