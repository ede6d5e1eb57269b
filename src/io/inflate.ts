// Bounded decompression for the readers (gzip for .nii.gz, raw deflate for .npz entries).
//
// Every caller states how many bytes it expects (from a header, or a zip directory) and a ceiling;
// inflation stops as soon as the output passes the bound, so a small file that claims a small
// volume and then inflates to gigabytes (a "decompression bomb") is refused after the first chunk
// past the bound, not after inflating all of it.
//
// The default inflater is fflate (pure JavaScript, streaming, the same in Node, Deno and browsers).
// A face may install a faster native one (the Node CLI installs node:zlib, see src/cli/main.ts):
// it must honour `maxOutput` by throwing InflateLimitError. Measured in docs/io.md (bench/inflate.ts).
import { Gunzip, Inflate } from 'fflate';
import { FormatError } from './errors.js';

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
  inflate(input: Uint8Array, format: InflateFormat, maxOutput: number): Uint8Array;
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

/** Input is fed in chunks of this size, so one push inflates to at most about 1032x it (16 MiB). */
const CHUNK = 16 * 1024;

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
  const s = format === 'gzip' ? new Gunzip(onData) : new Inflate(onData);
  for (let o = 0; o < input.length && total < stopAt; o += CHUNK) s.push(input.subarray(o, o + CHUNK), o + CHUNK >= input.length);
  if (total < stopAt && !ended) throw new Error('unexpected end of the compressed stream');
  return concat(parts, total);
}

export const fflateInflater: Inflater = { name: 'fflate', inflate: (input, format, max) => fflateInflate(input, format, max) };

let current: Inflater = fflateInflater;

/** Installs the inflater every reader uses (null: back to fflate). */
export function setInflater(inflater: Inflater | null): void { current = inflater ?? fflateInflater; }
export function inflaterName(): string { return current.name; }

/**
 * Decompresses a whole stream that should hold `expected` bytes (or at most that many when `exact` is
 * false); refuses more than min(expected, ceiling) without inflating past it. Errors are `makeError`'s
 * type (the caller's FormatError subclass) naming `source`.
 */
export function inflateBounded(
  input: Uint8Array, format: InflateFormat, bound: number, source: string,
  makeError: (source: string, message: string) => FormatError, what = 'the header declares',
): Uint8Array {
  if (bound > ceiling) throw makeError(source, `${what} ${bound} decompressed bytes, more than the decompression ceiling of ${ceiling} bytes (setDecompressionCeiling raises it)`);
  try {
    return current.inflate(input, format, bound);
  } catch (e) {
    if (e instanceof InflateLimitError) throw makeError(source, `decompresses to more than the ${bound} bytes ${what} (refused without inflating the rest)`);
    throw makeError(source, `the ${format === 'gzip' ? 'gzip' : 'deflate'} stream is truncated or corrupt (${e instanceof Error ? e.message : String(e)})`);
  }
}

/**
 * The first `n` or more decompressed bytes (fewer when the stream is shorter): reads a header before
 * the caller knows how much the rest should hold. Inflates at most one input chunk past `n`.
 */
export function inflateHead(input: Uint8Array, format: InflateFormat, n: number, source: string, makeError: (source: string, message: string) => FormatError): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  const onData = (d: Uint8Array) => { parts.push(d); total += d.length; };
  const s = format === 'gzip' ? new Gunzip(onData) : new Inflate(onData);
  try {
    for (let o = 0; o < input.length && total < n; o += CHUNK) s.push(input.subarray(o, o + CHUNK), o + CHUNK >= input.length);
  } catch (e) {
    if (total < n) throw makeError(source, `the ${format === 'gzip' ? 'gzip' : 'deflate'} stream is truncated or corrupt (${e instanceof Error ? e.message : String(e)})`);
  }
  return concat(parts, total);
}
