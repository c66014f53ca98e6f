import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import protobuf from 'protobufjs';

/**
 * The official OTLP protocol definitions (the `.proto` files of opentelemetry-proto), taken from
 * the `io.opentelemetry.proto:opentelemetry-proto` artifact on Maven Central, which ships them in
 * its jar, and cached outside the repository. Loaded with protobufjs, they decode what our
 * encoder and the upstream serializer write, so the two can be compared message for message.
 */
export const OTLP_PROTO_VERSION = '1.11.0-alpha';

export function loadOtlpProtos(): protobuf.Root {
  const cache = join(
    process.env.TRACELOG_CACHE ?? join(homedir(), '.cache/tracelog'),
    'opentelemetry-proto',
    OTLP_PROTO_VERSION,
  );
  const marker = join(cache, 'opentelemetry/proto/collector/trace/v1/trace_service.proto');
  if (!existsSync(marker)) {
    mkdirSync(cache, { recursive: true });
    execFileSync(
      'mvn',
      [
        '-q',
        '-B',
        'dependency:copy',
        `-Dartifact=io.opentelemetry.proto:opentelemetry-proto:${OTLP_PROTO_VERSION}`,
        `-DoutputDirectory=${cache}`,
      ],
      { stdio: ['ignore', 'ignore', 'inherit'], timeout: 600_000 },
    );
    const jar = readdirSync(cache).find((f) => f.endsWith('.jar'))!;
    execFileSync('unzip', ['-q', '-o', join(cache, jar), 'opentelemetry/proto/*', '-d', cache]);
  }
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => join(cache, target);
  root.loadSync([
    'opentelemetry/proto/collector/logs/v1/logs_service.proto',
    'opentelemetry/proto/collector/trace/v1/trace_service.proto',
  ]);
  return root;
}

/** Decodes an OTLP export request into a plain object: 64-bit integers and bytes as strings. */
export function decodeRequest(root: protobuf.Root, type: string, body: Uint8Array): unknown {
  const message = root.lookupType(type).decode(body);
  return root.lookupType(type).toObject(message, { longs: String, bytes: String, arrays: true });
}
