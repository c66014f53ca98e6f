/**
 * A protobuf writer for one pass over the data: a growable byte buffer, minimal varints, and
 * nested messages whose length is patched in afterwards (one byte reserved, the content shifted in
 * the rare case it is longer than 127 bytes). Nothing is allocated per field.
 */
export class ProtoWriter {
  buf: Uint8Array;
  pos = 0;
  private view: DataView;

  constructor(initialBytes = 4096) {
    this.buf = allocate(initialBytes);
    this.view = viewOf(this.buf);
  }

  reset(): void {
    this.pos = 0;
  }

  /** The bytes written so far (a view: copy it before the writer is reused). */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  /** A copy of the bytes written so far, to keep. */
  copy(): Uint8Array {
    return new Uint8Array(this.buf.subarray(0, this.pos));
  }

  ensure(extra: number): void {
    const needed = this.pos + extra;
    if (needed <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < needed) size *= 2;
    const grown = allocate(size);
    grown.set(this.buf.subarray(0, this.pos));
    this.buf = grown;
    this.view = viewOf(grown);
  }

  tag(field: number, wireType: number): void {
    this.varint32((field << 3) | wireType);
  }

  /** A non-negative integer below 2^32. */
  varint32(value: number): void {
    this.ensure(5);
    let v = value >>> 0;
    while (v > 127) {
      this.buf[this.pos++] = (v & 127) | 128;
      v >>>= 7;
    }
    this.buf[this.pos++] = v;
  }

  /** Any safe integer, negative ones as 64-bit two's complement (protobuf int64). */
  int64(value: number): void {
    if (value >= 0 && value <= 0xffffffff) {
      this.varint32(value);
      return;
    }
    this.ensure(10);
    let low: number;
    let high: number;
    const abs = Math.abs(value);
    low = abs >>> 0;
    high = Math.floor(abs / 4294967296) >>> 0;
    if (value < 0) {
      low = ~low >>> 0;
      high = ~high >>> 0;
      low = (low + 1) >>> 0;
      if (low === 0) high = (high + 1) >>> 0;
    }
    while (high > 0 || low > 127) {
      this.buf[this.pos++] = (low & 127) | 128;
      low = ((low >>> 7) | (high << 25)) >>> 0;
      high >>>= 7;
    }
    this.buf[this.pos++] = low;
  }

  fixed32(value: number): void {
    this.ensure(4);
    this.view.setUint32(this.pos, value >>> 0, true);
    this.pos += 4;
  }

  fixed64(low: number, high: number): void {
    this.ensure(8);
    this.view.setUint32(this.pos, low >>> 0, true);
    this.view.setUint32(this.pos + 4, high >>> 0, true);
    this.pos += 8;
  }

  double(value: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, value, true);
    this.pos += 8;
  }

  /** Length-prefixed UTF-8. */
  string(text: string): void {
    const length = text.length;
    // ASCII is the common case (keys, ids, most messages): written in one pass, one byte per
    // char, with no encoder call; the first other char sends the string to the encoder instead.
    if (length < 128) {
      this.ensure(length + 1);
      const buf = this.buf;
      const start = this.pos;
      let at = start + 1;
      let i = 0;
      for (; i < length; i++) {
        const code = text.charCodeAt(i);
        if (code > 127) break;
        buf[at++] = code;
      }
      if (i === length) {
        buf[start] = length;
        this.pos = at;
        return;
      }
    }
    const start = this.begin();
    // At most three bytes per UTF-16 unit.
    this.ensure(length * 3);
    const { written } = ENCODER.encodeInto(text, this.buf.subarray(this.pos));
    this.pos += written;
    this.end(start);
  }

  /** Length-prefixed bytes. */
  bytesField(data: Uint8Array): void {
    this.varint32(data.length);
    this.raw(data);
  }

  /** Bytes as they are (already encoded protobuf). */
  raw(data: Uint8Array): void {
    this.ensure(data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
  }

  /** A trace or span id given as lower-case hex, written as its bytes with their length. */
  hexId(hex: string): void {
    const length = hex.length >>> 1;
    this.varint32(length);
    this.ensure(length);
    const buf = this.buf;
    let at = this.pos;
    for (let i = 0; i < hex.length - 1; i += 2) {
      buf[at++] = HEX_PAIRS[((hex.charCodeAt(i) & 127) << 7) | (hex.charCodeAt(i + 1) & 127)]!;
    }
    this.pos = at;
  }

  /** HrTime [seconds, nanoseconds] as fixed64 nanoseconds, without BigInt. */
  hrTime(time: readonly [number, number]): void {
    const seconds = time[0];
    if (seconds !== lastSeconds) {
      // seconds × 1e9 split into two 32-bit halves, in pieces that stay exact in doubles; done
      // once per second of timestamps, as consecutive records mostly share it.
      const secondsLow = seconds % 65536;
      const secondsHigh = Math.floor(seconds / 65536);
      const fromLow = secondsLow * 1e9;
      const fromHigh = secondsHigh * 1e9;
      const lowPart = (fromLow % 4294967296) + (fromHigh % 65536) * 65536;
      lastSeconds = seconds;
      secondsLowWord = lowPart % 4294967296;
      secondsHighWord =
        Math.floor(fromLow / 4294967296) +
        Math.floor(fromHigh / 65536) +
        Math.floor(lowPart / 4294967296);
    }
    // Nanoseconds are below 2^32: at most one carry.
    let low = secondsLowWord + time[1];
    let high = secondsHighWord;
    if (low >= 4294967296) {
      low -= 4294967296;
      high++;
    }
    this.fixed64(low, high);
  }

  /** Reserves one byte for the length of a nested message; `end` writes it. */
  begin(): number {
    this.ensure(1);
    return this.pos++;
  }

  end(start: number): void {
    const length = this.pos - start - 1;
    if (length < 128) {
      this.buf[start] = length;
      return;
    }
    let size = 1;
    for (let v = length >>> 7; v > 0; v >>>= 7) size++;
    this.ensure(size - 1);
    this.buf.copyWithin(start + size, start + 1, this.pos);
    this.pos += size - 1;
    let v = length;
    let at = start;
    while (v > 127) {
      this.buf[at++] = (v & 127) | 128;
      v >>>= 7;
    }
    this.buf[at] = v;
  }
}

const ENCODER = new TextEncoder();

/** The last whole second `hrTime` converted, and its nanoseconds as two 32-bit words. */
let lastSeconds = NaN;
let secondsLowWord = 0;
let secondsHighWord = 0;

/**
 * Uninitialised memory: every byte up to `pos` is written before it is read, and zero-filling a
 * megabyte per export request showed in profiles. Not from Node's shared pool (`allocUnsafeSlow`),
 * so a buffer kept for reuse never pins the pool.
 */
function allocate(size: number): Uint8Array {
  return Buffer.allocUnsafeSlow(size);
}

function viewOf(buf: Uint8Array): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** The byte of every pair of hex digits, indexed by their two 7-bit char codes (16 KiB). */
const HEX_PAIRS = ((): Uint8Array => {
  const nibble = (code: number) => {
    const lower = code | 32;
    if (code >= 48 && code <= 57) return code - 48;
    return lower >= 97 && lower <= 102 ? lower - 87 : 0;
  };
  const table = new Uint8Array(128 * 128);
  for (let high = 0; high < 128; high++) {
    for (let low = 0; low < 128; low++)
      table[(high << 7) | low] = (nibble(high) << 4) | nibble(low);
  }
  return table;
})();

/** How many bytes `value` (below 2^32) takes as a varint. */
export function varintSize(value: number): number {
  let size = 1;
  for (let v = value >>> 7; v > 0; v >>>= 7) size++;
  return size;
}
