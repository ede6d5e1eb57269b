// The Node faces' inflater: node:zlib (native, the fastest here, see docs/io.md), bounded with
// zlib's maxOutputLength so a decompression bomb stops at the bound. Importing this module installs
// it, and reads the ceiling from BLENDWARP_MAX_DECOMPRESSED_MB (default 2048).
import { gunzipSync, inflateRawSync } from 'node:zlib';
import { InflateLimitError, setDecompressionCeiling, setInflater, type Inflater } from '../io/inflate.js';

export const zlibInflater: Inflater = {
  name: 'node:zlib',
  inflate(input, format, maxOutput) {
    // maxOutputLength must be >= 1; an empty expected output still has to be checked for emptiness.
    const max = Math.max(1, maxOutput);
    let out: Uint8Array;
    try {
      out = format === 'gzip' ? gunzipSync(input, { maxOutputLength: max }) : inflateRawSync(input, { maxOutputLength: max });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new InflateLimitError(maxOutput);
      throw e;
    }
    if (out.length > maxOutput) throw new InflateLimitError(maxOutput);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  },
};

setInflater(zlibInflater);
const mb = process.env.BLENDWARP_MAX_DECOMPRESSED_MB;
if (mb !== undefined) {
  const n = Number(mb);
  if (!(Number.isFinite(n) && n > 0)) throw new Error(`BLENDWARP_MAX_DECOMPRESSED_MB: expected a positive number of MiB, got "${mb}"`);
  setDecompressionCeiling(Math.floor(n * 2 ** 20));
}
