import type { Client } from '../client.js';
import { EVENT } from '../schema.js';

type Method = 'debug' | 'info' | 'warn' | 'error';

function text(args: unknown[]): string {
  return args
    .map((a) => {
      if (typeof a === 'string') return a;
      if (a instanceof Error) return `${a.name}: ${a.message}`;
      try {
        return JSON.stringify(a) ?? String(a);
      } catch {
        return String(a);
      }
    })
    .join(' ');
}

/** Records the chosen console methods as `browser.console` records; the console still prints. */
export function instrumentConsole(client: Client, methods: readonly Method[]): () => void {
  const restore: (() => void)[] = [];
  let inside = false;
  for (const method of methods) {
    const original = console[method];
    const patched = (...args: unknown[]) => {
      original.apply(console, args);
      if (inside) return;
      inside = true;
      try {
        client.log(method, 'console', text(args), {}, { eventName: EVENT.BROWSER_CONSOLE });
      } finally {
        inside = false;
      }
    };
    console[method] = patched;
    restore.push(() => {
      if (console[method] === patched) console[method] = original;
    });
  }
  return () => restore.forEach((r) => r());
}
