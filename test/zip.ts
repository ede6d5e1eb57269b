// A minimal zip writer for tests (stored or deflated entries, as numpy.savez/savez_compressed write).
export function makeZip(entries: { name: string; data: Uint8Array; stored: Uint8Array; method: number }[]): Uint8Array {
  const parts: number[] = [], central: number[] = [];
  const u16 = (a: number[], v: number) => a.push(v & 255, (v >> 8) & 255);
  const u32 = (a: number[], v: number) => a.push(v & 255, (v >> 8) & 255, (v >> 16) & 255, (v >>> 24) & 255);
  for (const e of entries) {
    const off = parts.length, name = [...e.name].map((c) => c.charCodeAt(0));
    u32(parts, 0x04034b50); u16(parts, 20); u16(parts, 0); u16(parts, e.method); u32(parts, 0); u32(parts, 0);
    u32(parts, e.stored.length); u32(parts, e.data.length); u16(parts, name.length); u16(parts, 0); parts.push(...name, ...e.stored);
    u32(central, 0x02014b50); u16(central, 20); u16(central, 20); u16(central, 0); u16(central, e.method); u32(central, 0); u32(central, 0);
    u32(central, e.stored.length); u32(central, e.data.length); u16(central, name.length); u16(central, 0); u16(central, 0); u16(central, 0); u16(central, 0);
    u32(central, 0); u32(central, off); central.push(...name);
  }
  const cdOff = parts.length, out = [...parts, ...central];
  u32(out, 0x06054b50); u16(out, 0); u16(out, 0); u16(out, entries.length); u16(out, entries.length); u32(out, central.length); u32(out, cdOff); u16(out, 0);
  return Uint8Array.from(out);
}
