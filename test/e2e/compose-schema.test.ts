import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv } from 'ajv';
import type { AnySchemaObject, SchemaObject } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// collector/docker-compose.yml against the Compose Specification's JSON schema (vendored in
// fixtures/compose-spec/ with its licence), as `docker compose config` would check its shape,
// without a Docker engine. A file the schema refuses is a file Compose refuses.
const require = createRequire(import.meta.url);
const repo = new URL('../../', import.meta.url);
const schema = JSON.parse(
  readFileSync(new URL('./fixtures/compose-spec/compose-spec.json', import.meta.url), 'utf8'),
) as SchemaObject & { $schema: string };

const ajv = new Ajv({ strict: false, allErrors: true });
// The schema names the draft-07 meta-schema by its https address; Ajv knows it by the http one.
ajv.addMetaSchema({
  ...(require('ajv/dist/refs/json-schema-draft-07.json') as AnySchemaObject),
  $id: schema.$schema,
});
const validate = ajv.compile(schema);

const problems = (doc: unknown) => {
  validate(doc);
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
};

const compose = parse(readFileSync(new URL('collector/docker-compose.yml', repo), 'utf8')) as {
  services: Record<string, Record<string, unknown>>;
};

describe('collector/docker-compose.yml', () => {
  it('is valid against the Compose Specification schema', () => {
    expect(problems(compose)).toEqual([]);
    expect(Object.keys(compose.services).length).toBeGreaterThan(0);
  });

  it('the schema refuses a broken copy: a service with `ports: 5`', () => {
    const [first] = Object.keys(compose.services);
    const broken = structuredClone(compose);
    broken.services[first!]!.ports = 5;
    expect(problems(broken)).toContain(`/services/${first}/ports must be array`);
  });

  it('the schema refuses a misspelt service key', () => {
    const broken = structuredClone(compose);
    broken.services.extra = { imagee: 'busybox' };
    expect(problems(broken).join('\n')).toMatch(
      /\/services\/extra must NOT have additional properties/,
    );
  });
});
