// The PNG encoder: signature, chunk CRCs, and pixels recovered by inflating IDAT.
import { describe, expect, it } from 'vitest';
import { crc32, encodePng } from '../src/io/png.js';

async function inflate(b: Uint8Array): Promise<Uint8Array> {
  const s = new Blob([b as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('deflate') as unknown as TransformStream<Uint8Array, Uint8Array>);
  return new Uint8Array(await new Response(s).arrayBuffer());
}

describe('PNG', () => {
  it('crc32 matches the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  for (const channels of [1, 3] as const) {
    it(`encodes ${channels === 1 ? 'grayscale' : 'RGB'} pixels that decode back`, async () => {
      const w = 7, h = 5;
      const px = Uint8Array.from({ length: w * h * channels }, (_, i) => (i * 29) % 256);
      const png = await encodePng(w, h, px, channels);
      expect(Array.from(png.slice(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      const v = new DataView(png.buffer);
      let o = 8;
      const chunks: { type: string; data: Uint8Array }[] = [];
      while (o < png.length) {
        const len = v.getUint32(o);
        const type = String.fromCharCode(...png.slice(o + 4, o + 8));
        const data = png.slice(o + 8, o + 8 + len);
        expect(v.getUint32(o + 8 + len), `${type} CRC`).toBe(crc32(png.slice(o + 4, o + 8 + len)));
        chunks.push({ type, data });
        o += 12 + len;
      }
      expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
      const ih = new DataView(chunks[0]!.data.buffer);
      expect([ih.getUint32(0), ih.getUint32(4), chunks[0]!.data[8], chunks[0]!.data[9]]).toEqual([w, h, 8, channels === 3 ? 2 : 0]);
      const raw = await inflate(chunks[1]!.data);
      expect(raw.length).toBe(h * (w * channels + 1));
      for (let y = 0; y < h; y++) {
        expect(raw[y * (w * channels + 1)]).toBe(0);
        expect(Array.from(raw.slice(y * (w * channels + 1) + 1, (y + 1) * (w * channels + 1)))).toEqual(Array.from(px.slice(y * w * channels, (y + 1) * w * channels)));
      }
    });
  }

  it('rejects a pixel buffer of the wrong size', async () => {
    await expect(encodePng(4, 4, new Uint8Array(10), 3)).rejects.toThrow(/10 bytes for 4 x 4 x 3/);
  });
});
