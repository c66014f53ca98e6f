import { readFileSync, readdirSync } from 'node:fs';
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
const destinations = readdirSync(new URL('collector/destinations/', repo))
  .filter((file) => file.endsWith('.yaml'))
  .map((file) => file.replace(/\.yaml$/, ''));

/** The profiles a service runs under; none: it always runs. */
const profilesOf = (name: string) =>
  (compose.services[name]!.profiles as string[] | undefined) ?? [];
/** A service's dependencies in the long syntax (the short one cannot say `required: false`). */
const dependenciesOf = (name: string) => {
  const deps = compose.services[name]!.depends_on ?? {};
  return Array.isArray(deps)
    ? Object.fromEntries((deps as string[]).map((dep) => [dep, {} as { required?: boolean }]))
    : (deps as Record<string, { required?: boolean }>);
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

  it('runs the stores we may run by default: VictoriaLogs and Jaeger under no profile', () => {
    const always = Object.keys(compose.services).filter((name) => profilesOf(name).length === 0);
    expect(always).toEqual(
      expect.arrayContaining(['collector', 'victorialogs', 'jaeger', 'prometheus', 'grafana']),
    );
    expect(compose.services.victorialogs!.image).toMatch(/^victoriametrics\/victoria-logs:/);
    expect(compose.services.jaeger!.image).toMatch(/^jaegertracing\/jaeger:/);
  });

  it('Elasticsearch and Loki are opt-in profiles, each named for its destination overlay', () => {
    expect(profilesOf('elasticsearch')).toEqual(['elasticsearch']);
    expect(profilesOf('elasticsearch-templates')).toEqual(['elasticsearch']);
    expect(profilesOf('loki')).toEqual(['loki']);
    const profiles = new Set(Object.keys(compose.services).flatMap(profilesOf));
    expect([...profiles].sort()).toEqual(['elasticsearch', 'loki']);
    for (const profile of profiles) expect(destinations, profile).toContain(profile);
    // No image of theirs runs without its profile.
    const always = Object.keys(compose.services).filter((name) => profilesOf(name).length === 0);
    for (const name of always)
      expect(String(compose.services[name]!.image), name).not.toMatch(/elasticsearch|loki/);
  });

  it('a service that always runs waits for an opt-in one only with `required: false`', () => {
    // Otherwise `docker compose up` without that profile refuses to start the project.
    const optIn = new Set(Object.keys(compose.services).filter((n) => profilesOf(n).length > 0));
    for (const name of Object.keys(compose.services).filter((n) => profilesOf(n).length === 0))
      for (const [dependency, how] of Object.entries(dependenciesOf(name)))
        if (optIn.has(dependency)) expect(how.required, `${name} → ${dependency}`).toBe(false);
    expect(Object.keys(dependenciesOf('collector'))).toEqual(
      expect.arrayContaining(['victorialogs', 'jaeger', 'elasticsearch-templates', 'loki']),
    );
  });
});
