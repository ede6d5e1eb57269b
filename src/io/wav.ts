// WAV (RIFF/WAVE) reader: PCM 8/16/24/32-bit integer and 32/64-bit float, any channel count.
// Bytes in, Float32Array samples in [-1, 1] out; nothing here knows about tensors.

import { FormatError } from './errors.js';

export interface WavAudio {
  sampleRate: number;
  /** One Float32Array per channel, all of the same length. */
  channels: Float32Array[];
  bitsPerSample: number;
  format: 'pcm' | 'float';
}

export class WavError extends FormatError {
  constructor(source: string, message: string, entry?: string) {
    super(source, message, entry);
    this.name = 'WavError';
  }
}

const tag = (b: Uint8Array, o: number): string => String.fromCharCode(b[o]!, b[o + 1]!, b[o + 2]!, b[o + 3]!);

/** Parses a WAV file. `source` names it in errors (a path or a label). */
export function parseWav(bytes: Uint8Array, source = 'wav'): WavAudio {
  if (bytes.length < 12) throw new WavError(source, `file is ${bytes.length} bytes, too short for a RIFF header (12 bytes)`);
  if (tag(bytes, 0) !== 'RIFF' || tag(bytes, 8) !== 'WAVE') {
    throw new WavError(source, `not a RIFF/WAVE file (starts with "${tag(bytes, 0)}"..."${tag(bytes, 8)}", expected "RIFF"..."WAVE")`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let fmt: { format: number; channels: number; rate: number; bits: number; blockAlign: number } | null = null;
  let data: { offset: number; size: number } | null = null;
  let o = 12;
  while (o + 8 <= bytes.length) {
    const id = tag(bytes, o), size = view.getUint32(o + 4, true);
    const body = o + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > bytes.length) throw new WavError(source, `"fmt " chunk is truncated (${Math.min(size, bytes.length - body)} bytes, expected >= 16)`);
      let format = view.getUint16(body, true);
      // WAVE_FORMAT_EXTENSIBLE: the real format is the first two bytes of the sub-format GUID.
      if (format === 0xfffe && size >= 40 && body + 26 <= bytes.length) format = view.getUint16(body + 24, true);
      fmt = { format, channels: view.getUint16(body + 2, true), rate: view.getUint32(body + 4, true), blockAlign: view.getUint16(body + 12, true), bits: view.getUint16(body + 14, true) };
    } else if (id === 'data') {
      // A streaming writer may leave the size unset or too large: take what is there only if fmt says the frames fit.
      if (body + size > bytes.length) throw new WavError(source, `"data" chunk declares ${size} bytes but only ${bytes.length - body} follow (truncated file)`);
      data = { offset: body, size };
      break;
    }
    o = body + size + (size & 1); // chunks are padded to an even size
  }
  if (!fmt) throw new WavError(source, 'no "fmt " chunk before the audio data');
  if (!data) throw new WavError(source, 'no "data" chunk (truncated or not audio)');
  const { format, channels, rate, bits } = fmt;
  if (format !== 1 && format !== 3) throw new WavError(source, `audio format ${format} is not supported (expected 1 = PCM or 3 = IEEE float)`);
  if (channels < 1) throw new WavError(source, `channel count is ${channels}, expected >= 1`);
  if (!(rate > 0)) throw new WavError(source, `sample rate is ${rate}, expected > 0`);
  const okBits = format === 1 ? [8, 16, 24, 32] : [32, 64];
  if (!okBits.includes(bits)) throw new WavError(source, `${bits} bits per sample is not supported for ${format === 1 ? 'PCM' : 'float'} (expected ${okBits.join(', ')})`);
  const bytesPer = bits / 8, frameBytes = bytesPer * channels;
  if (fmt.blockAlign !== frameBytes) throw new WavError(source, `block align is ${fmt.blockAlign}, expected ${frameBytes} (${channels} channel${channels > 1 ? 's' : ''} of ${bits} bits)`, '"fmt " chunk');
  if (data.size % frameBytes !== 0) throw new WavError(source, `"data" chunk of ${data.size} bytes is not a whole number of ${frameBytes}-byte frames (truncated file)`);
  const frames = data.size / frameBytes;
  const out = Array.from({ length: channels }, () => new Float32Array(frames));
  for (let f = 0; f < frames; f++) {
    for (let c = 0; c < channels; c++) {
      const p = data.offset + f * frameBytes + c * bytesPer;
      let v: number;
      if (format === 3) v = bits === 32 ? view.getFloat32(p, true) : view.getFloat64(p, true);
      else if (bits === 8) v = (bytes[p]! - 128) / 128; // 8-bit PCM is unsigned
      else if (bits === 16) v = view.getInt16(p, true) / 32768;
      else if (bits === 24) v = (((bytes[p]! | (bytes[p + 1]! << 8) | (bytes[p + 2]! << 16)) << 8) >> 8) / 8388608;
      else v = view.getInt32(p, true) / 2147483648;
      out[c]![f] = v;
    }
  }
  return { sampleRate: rate, channels: out, bitsPerSample: bits, format: format === 1 ? 'pcm' : 'float' };
}

/** The channels averaged into one. */
export function toMono(audio: WavAudio): Float32Array {
  if (audio.channels.length === 1) return audio.channels[0]!;
  const n = audio.channels[0]!.length, out = new Float32Array(n);
  for (const ch of audio.channels) for (let i = 0; i < n; i++) out[i]! += ch[i]! / audio.channels.length;
  return out;
}

/** Encodes mono or multi-channel audio as a WAV file (tests, exports). */
export function encodeWav(channels: Float32Array[], sampleRate: number, bits: 8 | 16 | 24 | 32 = 16, float = false): Uint8Array {
  const frames = channels[0]?.length ?? 0, bytesPer = bits / 8, nc = channels.length;
  const dataSize = frames * nc * bytesPer;
  const out = new Uint8Array(44 + dataSize), v = new DataView(out.buffer);
  const put = (o: number, s: string) => { for (let i = 0; i < 4; i++) out[o + i] = s.charCodeAt(i); };
  put(0, 'RIFF'); v.setUint32(4, 36 + dataSize, true); put(8, 'WAVE'); put(12, 'fmt ');
  v.setUint32(16, 16, true); v.setUint16(20, float ? 3 : 1, true); v.setUint16(22, nc, true);
  v.setUint32(24, sampleRate, true); v.setUint32(28, sampleRate * nc * bytesPer, true);
  v.setUint16(32, nc * bytesPer, true); v.setUint16(34, bits, true); put(36, 'data'); v.setUint32(40, dataSize, true);
  for (let f = 0; f < frames; f++) {
    for (let c = 0; c < nc; c++) {
      const p = 44 + (f * nc + c) * bytesPer, x = Math.max(-1, Math.min(1, channels[c]![f]!));
      if (float) v.setFloat32(p, x, true);
      else if (bits === 8) out[p] = Math.round(x * 127 + 128);
      else if (bits === 16) v.setInt16(p, Math.round(x * 32767), true);
      else if (bits === 24) { const q = Math.round(x * 8388607); out[p] = q & 255; out[p + 1] = (q >> 8) & 255; out[p + 2] = (q >> 16) & 255; }
      else v.setInt32(p, Math.round(x * 2147483647), true);
    }
  }
  return out;
}
