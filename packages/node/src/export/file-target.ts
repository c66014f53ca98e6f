import { appendFile, rename, stat } from 'node:fs/promises';
import { appendFileSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Encoding, ExportTarget, SendResult } from './target.js';

export interface FileTargetOptions {
  path: string;
  /** Rotate to `<path>.1` past this size, so the file never grows without bound. */
  maxBytes: number;
}

/**
 * The embedded default when no collector is configured: OTLP/JSON export requests, one per line
 * (the format the collector's `otlp_json_file` receiver reads), so `jq` and people can read them
 * and they can be replayed into a collector later.
 */
export class FileTarget implements ExportTarget {
  readonly description: string;
  private size = -1;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: FileTargetOptions) {
    this.description = opts.path;
    mkdirSync(dirname(opts.path), { recursive: true });
  }

  send(body: Uint8Array, _records: number, encoding: Encoding): Promise<SendResult> {
    if (encoding !== 'json')
      return Promise.resolve({ outcome: 'reject', reason: 'the local file holds OTLP/JSON only' });
    // Appends are serialised so lines from concurrent batches never interleave.
    const result = this.chain.then(() => this.append(body));
    this.chain = result;
    return result;
  }

  /** At exit: appends at once. Earlier asynchronous appends have all been issued by then. */
  sendSync(body: Uint8Array, encoding: Encoding): boolean {
    if (encoding !== 'json') return false;
    try {
      if (this.size < 0) this.size = fileSize(this.opts.path);
      if (this.size + body.byteLength > this.opts.maxBytes && this.size > 0) {
        renameSync(this.opts.path, `${this.opts.path}.1`);
        this.size = 0;
      }
      const line = Buffer.concat([body, NEWLINE]);
      appendFileSync(this.opts.path, line);
      this.size += line.byteLength;
      return true;
    } catch {
      return false;
    }
  }

  private async append(body: Uint8Array): Promise<SendResult> {
    try {
      if (this.size < 0)
        this.size = await stat(this.opts.path).then(
          (s) => s.size,
          () => 0,
        );
      if (this.size + body.byteLength > this.opts.maxBytes && this.size > 0) {
        await rename(this.opts.path, `${this.opts.path}.1`);
        this.size = 0;
      }
      const line = Buffer.concat([body, NEWLINE]);
      await appendFile(this.opts.path, line);
      this.size += line.byteLength;
      return { outcome: 'ok' };
    } catch (error) {
      return { outcome: 'retry', reason: error instanceof Error ? error.message : String(error) };
    }
  }
}

const NEWLINE = Buffer.from('\n');

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
