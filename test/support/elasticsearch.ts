import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ES_SKIP_REASON, esUrl, stackBinaries } from './stack.js';

/**
 * A client of the Elasticsearch the user runs (`TRACELOG_ES_URL`; the tests never start one, see
 * `esUrl` in stack.ts). Its indices outlive a test run: every search must name something only
 * this run wrote (a trace id, a session id, a run tag).
 */
export class Elasticsearch {
  constructor(private readonly base: string | undefined = esUrl) {}

  get url(): string {
    if (!this.base) throw new Error(`no Elasticsearch: ${ES_SKIP_REASON}`);
    return this.base;
  }

  /**
   * Puts our index templates (collector/elasticsearch/*.template.json), as the compose file's
   * elasticsearch-templates job does: the collector's daily indices need their mappings and
   * aliases before the first record arrives.
   */
  async loadTemplates(): Promise<this> {
    const dir = stackBinaries().esTemplates;
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.template.json'))) {
      const response = await fetch(
        `${this.url}/_index_template/${basename(file, '.template.json')}`,
        {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: readFileSync(join(dir, file)),
        },
      );
      if (!response.ok)
        throw new Error(`template ${file}: ${response.status} ${await response.text()}`);
    }
    return this;
  }

  /** Documents matching `query`, oldest first (refreshes first, so what was indexed is visible). */
  async search(
    index: string,
    query: unknown,
    size = 10_000,
  ): Promise<Array<Record<string, unknown>>> {
    await fetch(`${this.url}/${index}/_refresh`, { method: 'POST' });
    const response = await fetch(`${this.url}/${index}/_search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, size, sort: [{ '@timestamp': 'asc' }] }),
    });
    if (response.status === 404) return [];
    if (!response.ok)
      throw new Error(`Elasticsearch search ${index}: ${response.status} ${await response.text()}`);
    const body = (await response.json()) as {
      hits?: { hits: Array<{ _source: Record<string, unknown> }> };
    };
    return (body.hits?.hits ?? []).map((hit) => hit._source);
  }
}
