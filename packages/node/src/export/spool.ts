import { mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Diagnostics } from '../internal/diag.js';
import type { Encoding } from './target.js';

/** One spooled export request: an encoded OTLP body holding `records` records. */
export interface SpoolEntry {
  readonly path: string;
  readonly bytes: number;
  readonly records: number;
  /** How the body is encoded, so a replay after a protocol change still says it right. */
  readonly encoding: Encoding;
  /** Settles when the file is on disk (true) or could not be written (false). */
  readonly written: Promise<boolean>;
}

const WRITTEN = Promise.resolve(true);

export interface SpoolOptions {
  directory: string;
  /** Which signal's requests this spool holds; files of other signals are left alone. */
  signal: string;
  maxBytes: number;
  diag: Diagnostics;
}

// <signal>-<time>-<pid>-<seq>-<records>[.json|.pb].otlp[.claim-<pid>]; files written before the
// encoding was part of the name hold protobuf, the default protocol then.
const NAME = /^([a-z]+)-(\d+)-(\d+)-(\d+)-(\d+)(?:\.(json|pb))?\.otlp(?:\.claim-(\d+))?$/;
const SUFFIX: Record<Encoding, string> = { protobuf: 'pb', json: 'json' };

/**
 * A bounded on-disk queue of encoded export requests, kept while the collector is unreachable and
 * sent when it answers again — also by the next process after a restart. Each request is one
 * file; a process claims a file it finds from an earlier run by renaming it, so two processes
 * sharing the folder never send the same request twice.
 */
export class Spool {
  private readonly entries: SpoolEntry[] = [];
  private totalBytes = 0;
  private seq = 0;
  private readonly opts: SpoolOptions;

  constructor(opts: SpoolOptions) {
    this.opts = opts;
    mkdirSync(opts.directory, { recursive: true });
    this.adoptLeftovers();
  }

  get bytes(): number {
    return this.totalBytes;
  }

  get size(): number {
    return this.entries.length;
  }

  /**
   * Writes a request to disk. Its place in the queue is taken at once, so requests keep their
   * order even though writes finish in any order. Resolves false when it could not be kept.
   */
  async write(body: Uint8Array, records: number, encoding: Encoding): Promise<boolean> {
    const path = this.nextPath(records, encoding);
    const written = writeFile(path, body).then(
      () => true,
      (error: unknown) => {
        this.opts.diag.drop(records, `spool write failed: ${describe(error)}`);
        return false;
      },
    );
    const entry: SpoolEntry = { path, bytes: body.byteLength, records, encoding, written };
    this.add(entry);
    const ok = await written;
    if (!ok) this.forget(entry);
    return ok;
  }

  /** The synchronous form, for process exit when no more event-loop turns are coming. */
  writeSync(body: Uint8Array, records: number, encoding: Encoding): boolean {
    const path = this.nextPath(records, encoding);
    try {
      writeFileSync(path, body);
    } catch (error) {
      this.opts.diag.drop(records, `spool write failed: ${describe(error)}`);
      return false;
    }
    this.add({ path, bytes: body.byteLength, records, encoding, written: WRITTEN });
    return true;
  }

  /** The oldest request and its body, or undefined when the spool is empty. */
  async peek(): Promise<{ entry: SpoolEntry; body: Uint8Array } | undefined> {
    while (this.entries.length > 0) {
      const entry = this.entries[0]!;
      if (!(await entry.written)) continue;
      try {
        return { entry, body: await readFile(entry.path) };
      } catch (error) {
        this.forget(entry);
        this.opts.diag.drop(entry.records, `spool file unreadable: ${describe(error)}`);
      }
    }
    return undefined;
  }

  async remove(entry: SpoolEntry): Promise<void> {
    this.forget(entry);
    await unlink(entry.path).catch(() => undefined);
  }

  private add(entry: SpoolEntry): void {
    this.entries.push(entry);
    this.totalBytes += entry.bytes;
    // Over the bound, the oldest requests go first: recent telemetry explains the present.
    while (this.totalBytes > this.opts.maxBytes && this.entries.length > 1) {
      const oldest = this.entries[0]!;
      this.forget(oldest);
      void oldest.written.then(() => unlink(oldest.path)).catch(() => undefined);
      this.opts.diag.drop(oldest.records, `spool full (${this.opts.maxBytes} bytes)`);
    }
  }

  private forget(entry: SpoolEntry): void {
    const index = this.entries.indexOf(entry);
    if (index >= 0) {
      this.entries.splice(index, 1);
      this.totalBytes -= entry.bytes;
    }
  }

  private nextPath(records: number, encoding: Encoding): string {
    const name = `${this.opts.signal}-${Date.now()}-${process.pid}-${this.seq++}-${records}.${SUFFIX[encoding]}.otlp`;
    return join(this.opts.directory, name);
  }

  /** Takes over files left by processes that are gone, oldest first. */
  private adoptLeftovers(): void {
    const found: Array<{
      path: string;
      bytes: number;
      records: number;
      encoding: Encoding;
      time: number;
      seq: number;
    }> = [];
    for (const name of readdirSync(this.opts.directory)) {
      const m = NAME.exec(name);
      if (!m || m[1] !== this.opts.signal) continue;
      const claimedBy = m[7] ? Number(m[7]) : undefined;
      if (claimedBy !== undefined && claimedBy !== process.pid && isAlive(claimedBy)) continue;
      const from = join(this.opts.directory, name);
      const base = name.replace(/\.claim-\d+$/, '');
      const to = join(this.opts.directory, `${base}.claim-${process.pid}`);
      try {
        renameSync(from, to);
        found.push({
          path: to,
          bytes: statSync(to).size,
          records: Number(m[5]),
          encoding: m[6] === 'json' ? 'json' : 'protobuf',
          time: Number(m[2]),
          seq: Number(m[4]),
        });
      } catch {
        // another process claimed it first
      }
    }
    found.sort((a, b) => a.time - b.time || a.seq - b.seq);
    for (const { path, bytes, records, encoding } of found)
      this.add({ path, bytes, records, encoding, written: WRITTEN });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
