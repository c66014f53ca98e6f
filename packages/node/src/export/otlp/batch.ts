import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import { resourceBytes, scopeBytes } from './common.js';
import { ProtoWriter, varintSize } from './writer.js';

/** Collects items and encodes them as one export request. */
export interface BatchEncoder<T> {
  add(item: T): void;
  /** Items added since the last `finish`. */
  readonly count: number;
  /** Their (estimated) encoded size. */
  readonly bytes: number;
  /** The encoded request, or undefined when empty; starts a new batch. */
  finish(): Uint8Array | undefined;
}

/**
 * OTLP/JSON: items are kept and encoded by the upstream serializer at `finish` (JSON goes to the
 * local file or to collectors that ask for it; protobuf is the default and the fast path).
 */
export class JsonBatch<T> implements BatchEncoder<T> {
  private items: T[] = [];
  bytes = 0;

  constructor(
    private readonly serialize: (items: T[]) => Uint8Array | undefined,
    private readonly estimate: (item: T) => number,
  ) {}

  get count(): number {
    return this.items.length;
  }

  add(item: T): void {
    this.items.push(item);
    this.bytes += this.estimate(item);
  }

  finish(): Uint8Array | undefined {
    if (this.items.length === 0) return undefined;
    const items = this.items;
    this.items = [];
    this.bytes = 0;
    return this.serialize(items);
  }
}

/** What a batch needs to know of each item: where it belongs and how to write it. */
export interface ItemCodec<T> {
  resource(item: T): Resource;
  scope(item: T): InstrumentationScope & { schemaUrl?: string };
  /** Writes the item's message fields (without its tag and length). */
  write(w: ProtoWriter, item: T): void;
}

interface ScopePlan {
  scope: Uint8Array;
  schemaUrl: string | undefined;
  items: ProtoWriter;
  size: number;
}

interface ResourcePlan {
  resource: Uint8Array;
  schemaUrl: string | undefined;
  size: number;
  scopes: ScopePlan[];
}

interface ScopeGroup {
  scope: InstrumentationScope & { schemaUrl?: string };
  /** The items' `repeated` field entries (tag, length, message), one after another. */
  items: ProtoWriter;
}

/**
 * One OTLP export request (ExportLogsServiceRequest or ExportTraceServiceRequest: the same
 * shape, `resource_*` → `scope_*` → items), encoded as items arrive: each item is written once,
 * straight into the bytes of its resource and scope group, and the SDK object can go. `finish`
 * puts the groups together with the cached resource and scope bytes, sizes known exactly, so
 * nothing is encoded twice and nothing is shifted.
 */
export class ProtobufBatch<T> implements BatchEncoder<T> {
  private readonly groups = new Map<Resource, Map<InstrumentationScope, ScopeGroup>>();
  private readonly spare: ProtoWriter[] = [];
  /** Items added since the last `finish`. */
  count = 0;
  /** Their encoded size so far. */
  bytes = 0;

  constructor(private readonly codec: ItemCodec<T>) {}

  add(item: T): void {
    const resource = this.codec.resource(item);
    let scopes = this.groups.get(resource);
    if (!scopes) {
      scopes = new Map();
      this.groups.set(resource, scopes);
    }
    const scope = this.codec.scope(item);
    let group = scopes.get(scope);
    if (!group) {
      group = { scope, items: this.spare.pop() ?? new ProtoWriter(16 * 1024) };
      scopes.set(scope, group);
    }
    const w = group.items;
    const before = w.pos;
    try {
      w.tag(2, 2);
      const start = w.begin();
      this.codec.write(w, item);
      w.end(start);
    } catch (error) {
      // Whatever the item wrote is taken back, so the batch stays well-formed.
      w.pos = before;
      throw error;
    }
    this.bytes += w.pos - before;
    this.count++;
  }

  /** The encoded request for everything added, or undefined when empty; starts a new batch. */
  finish(): Uint8Array | undefined {
    if (this.count === 0) return undefined;
    const plan: ResourcePlan[] = [];
    let total = 0;
    for (const [resource, scopes] of this.groups) {
      const resourceMessage = resourceBytes(resource);
      let size = field(resourceMessage.length) + stringField(resource.schemaUrl);
      const entries: ScopePlan[] = [];
      for (const group of scopes.values()) {
        const scopeMessage = scopeBytes(group.scope);
        const scopeSize =
          field(scopeMessage.length) + group.items.pos + stringField(group.scope.schemaUrl);
        entries.push({
          scope: scopeMessage,
          schemaUrl: group.scope.schemaUrl,
          items: group.items,
          size: scopeSize,
        });
        size += field(scopeSize);
      }
      plan.push({
        resource: resourceMessage,
        schemaUrl: resource.schemaUrl,
        size,
        scopes: entries,
      });
      total += field(size);
    }
    const w = new ProtoWriter(total);
    for (const resource of plan) {
      w.tag(1, 2);
      w.varint32(resource.size);
      w.tag(1, 2);
      w.bytesField(resource.resource);
      for (const scope of resource.scopes) {
        w.tag(2, 2);
        w.varint32(scope.size);
        w.tag(1, 2);
        w.bytesField(scope.scope);
        w.raw(scope.items.bytes());
        if (scope.schemaUrl) {
          w.tag(3, 2);
          w.string(scope.schemaUrl);
        }
        scope.items.reset();
        // Kept for the next batch, unless an item far over the batch bound grew it: memory stays
        // bounded. A batch ends at 1 MiB, so a buffer that doubled up to it holds 2 MiB.
        if (scope.items.buf.length <= MAX_SPARE_BYTES) this.spare.push(scope.items);
      }
      if (resource.schemaUrl) {
        w.tag(3, 2);
        w.string(resource.schemaUrl);
      }
    }
    this.groups.clear();
    this.count = 0;
    this.bytes = 0;
    return w.bytes();
  }
}

const MAX_SPARE_BYTES = 2 * 1024 * 1024;

/** Size of a length-delimited field with a one-byte tag holding `length` bytes. */
function field(length: number): number {
  return 1 + varintSize(length) + length;
}

function stringField(text: string | undefined): number {
  return text ? field(Buffer.byteLength(text)) : 0;
}
