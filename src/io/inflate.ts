// Bounded decompression for the readers (gzip for .nii.gz, raw deflate for .npz entries).
//
// Every caller states how many bytes it expects (from a header, or a zip directory) and a ceiling;
// inflation stops as soon as the output passes the bound, so a small file that claims a small
// volume and then inflates to gigabytes (a "decompression bomb") is refused after the first chunk
// past the bound, not after inflating all of it.
//
// The default inflater is the platform's DecompressionStream, read piece by piece and cancelled past
// the bound; where a runtime has none, fflate (pure JavaScript, streaming). The header-first step
// always uses fflate (synchronous, a few hundred bytes). A face may install a faster native inflater
// (the Node faces install node:zlib, src/cli/node-inflate.ts): it must honour `maxOutput` by throwing
// InflateLimitError. Measured in docs/io.md (bench/inflate.ts).
import { Gunzip, Inflate } from 'fflate';
import { FormatError } from './errors.js';
import { crc32 } from './png.js';

export type InflateFormat = 'gzip' | 'deflate-raw';

/** Thrown by an inflater whose output would pass `maxOutput`. */
export class InflateLimitError extends Error {
  constructor(readonly limit: number) {
    super(`output passes ${limit} bytes`);
    this.name = 'InflateLimitError';
  }
}

export interface Inflater {
  readonly name: string;
  /**
   * The whole decompressed stream, or throws InflateLimitError as soon as it would pass `maxOutput`
   * bytes; any other throw means a corrupt or truncated stream.
   */
  inflate(input: Uint8Array, format: InflateFormat, maxOutput: number): Uint8Array | Promise<Uint8Array>;
}

/** The default ceiling on decompressed bytes (2 GiB); setDecompressionCeiling changes it. */
export const DEFAULT_DECOMPRESSION_CEILING = 2 ** 31;
let ceiling = DEFAULT_DECOMPRESSION_CEILING;

/** Sets the process-wide ceiling on what any one file may decompress to (bytes). */
export function setDecompressionCeiling(bytes: number): void {
  if (!(Number.isSafeInteger(bytes) && bytes > 0)) throw new RangeError(`setDecompressionCeiling: expected a positive integer number of bytes, got ${bytes}`);
  ceiling = bytes;
}
export function decompressionCeiling(): number { return ceiling; }

/** The largest input piece fed at once (64 KiB); smaller near the bound (see fflateInflate). */
const CHUNK = 64 * 1024;

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1 && parts[0]!.length === total) return parts[0]!;
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/**
 * Inflates at most `maxOutput` bytes; `stopAt` (<= maxOutput) ends early and returns what came out
 * so far (at least `stopAt` bytes when the stream holds them). Used for the header-first step.
 */
function fflateInflate(input: Uint8Array, format: InflateFormat, maxOutput: number, stopAt = Infinity): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0, ended = false;
  const onData = (d: Uint8Array, final: boolean) => {
    total += d.length;
    if (total > maxOutput) throw new InflateLimitError(maxOutput);
    parts.push(d);
    if (final) ended = true;
  };
  let members = 1;
  const s = format === 'gzip' ? new Gunzip(onData) : new Inflate(onData);
  if (s instanceof Gunzip) s.onmember = () => { members++; };
  // Input pieces sized to the bytes still allowed (assuming at most 256:1 for real data), so a
  // piece of a bomb (up to ~1032:1) overshoots the bound by a few times what is left, not by 16 MiB.
  for (let o = 0; o < input.length && total < stopAt;) {
    const piece = Math.max(256, Math.min(CHUNK, Math.floor((maxOutput - total) / 256)));
    s.push(input.subarray(o, o + piece), o + piece >= input.length);
    o += piece;
  }
  if (total < stopAt && !ended) throw new Error('unexpected end of the compressed stream');
  const out = concat(parts, total);
  // fflate does not check the gzip trailer: for a single member, check its CRC-32 and size here
  // (node:zlib checks every member's).
  if (format === 'gzip' && members === 1 && stopAt === Infinity) {
    if (input.length < 18) throw new Error('no gzip trailer');
    const v = new DataView(input.buffer, input.byteOffset, input.byteLength);
    const crc = v.getUint32(input.length - 8, true), size = v.getUint32(input.length - 4, true);
    if (crc !== crc32(out) || size !== out.length % 2 ** 32) throw new Error('the gzip trailer (CRC-32 and size) does not match the data');
  }
  return out;
}

export const fflateInflater: Inflater = { name: 'fflate', inflate: (input, format, max) => fflateInflate(input, format, max) };

/**
 * The platform's DecompressionStream (browsers, Deno, Node >= 18), bounded: the input goes in
 * 64 KiB pieces, each written only when the stream has taken the last (backpressure), and the
 * output is read as it comes, so reading stops (and the stream is cancelled) one piece past the bound.
 */
export const streamInflater: Inflater = {
  name: 'DecompressionStream',
  async inflate(input, format, maxOutput) {
    const ds = new DecompressionStream(format);
    const writer = ds.writable.getWriter(), reader = ds.readable.getReader();
    let stop = false;
    const feeding = (async () => {
      for (let o = 0; o < input.length && !stop; o += CHUNK) {
        await writer.ready;
        await writer.write(input.subarray(o, o + CHUNK) as Uint8Array<ArrayBuffer>);
      }
      if (!stop) await writer.close();
    })();
    feeding.catch(() => { /* reported by the reader */ });
    const parts: Uint8Array[] = [];
    let total = 0;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        total += value.length;
        if (total > maxOutput) throw new InflateLimitError(maxOutput);
        parts.push(value);
      }
      await feeding;
    } catch (e) {
      stop = true;
      reader.cancel().catch(() => {});
      writer.abort().catch(() => {});
      throw e;
    }
    return concat(parts, total);
  },
};

const hasStreams = typeof DecompressionStream !== 'undefined';
/** The default: the platform's DecompressionStream where there is one (faster than fflate, see docs/io.md), else fflate. */
export const defaultInflater: Inflater = hasStreams ? streamInflater : fflateInflater;
let current: Inflater = defaultInflater;

/** Installs the inflater every reader uses (null: back to the default). */
export function setInflater(inflater: Inflater | null): void { current = inflater ?? defaultInflater; }
export function inflaterName(): string { return current.name; }

/**
 * Decompresses a whole stream that should hold `expected` bytes (or at most that many when `exact` is
 * false); refuses more than min(expected, ceiling) without inflating past it. Errors are `makeError`'s
 * type (the caller's FormatError subclass) naming `source`.
 */
export async function inflateBounded(
  input: Uint8Array, format: InflateFormat, bound: number, source: string,
  makeError: (source: string, message: string) => FormatError, what = 'the header declares',
): Promise<Uint8Array> {
  if (bound > ceiling) throw makeError(source, `${what} ${bound} decompressed bytes, more than the decompression ceiling of ${ceiling} bytes (setDecompressionCeiling raises it)`);
  try {
    return await current.inflate(input, format, bound);
  } catch (e) {
    if (e instanceof InflateLimitError) throw makeError(source, `decompresses to more than the ${bound} bytes ${what} (refused without inflating the rest)`);
    throw makeError(source, `the ${format === 'gzip' ? 'gzip' : 'deflate'} stream is truncated or corrupt (${e instanceof Error ? e.message : String(e)})`);
  }
}

/**
 * The first `n` or more decompressed bytes (fewer when the stream is shorter): reads a header before
 * the caller knows how much the rest should hold. Inflates at most one 256-byte input piece past `n`.
 */
export function inflateHead(input: Uint8Array, format: InflateFormat, n: number, source: string, makeError: (source: string, message: string) => FormatError): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  const onData = (d: Uint8Array) => { parts.push(d); total += d.length; };
  const s = format === 'gzip' ? new Gunzip(onData) : new Inflate(onData);
  // Small input pieces: a header needs a few hundred bytes, and a piece of a bomb inflates ~1000x.
  const piece = 256;
  try {
    for (let o = 0; o < input.length && total < n; o += piece) s.push(input.subarray(o, o + piece), o + piece >= input.length);
  } catch (e) {
    if (total < n) throw makeError(source, `the ${format === 'gzip' ? 'gzip' : 'deflate'} stream is truncated or corrupt (${e instanceof Error ? e.message : String(e)})`);
  }
  return concat(parts, total);
}
