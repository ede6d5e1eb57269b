// A best-fit allocator over the WebAssembly linear memory, kept on the TypeScript side so the
// kernels stay pure functions of pointers. Blocks are 64-byte aligned (cache lines, SIMD loads).
// Free blocks are coalesced with their neighbours; the top of the heap grows the memory on demand.

const ALIGN = 64;
const PAGE = 65536;
/** wasm32 addresses top out at 4 GiB. */
const MAX_BYTES = 4 * 1024 * 1024 * 1024;

interface Block { offset: number; size: number; }

export class LinearAllocator {
  private readonly free: Block[] = []; // sorted by offset
  private top: number;
  liveBlocks = 0;
  liveBytes = 0;

  constructor(private readonly memory: WebAssembly.Memory, base: number) {
    this.top = Math.ceil(base / ALIGN) * ALIGN;
  }

  alloc(bytes: number): number {
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const b = this.free[i]!;
      if (b.size >= size && (best < 0 || b.size < this.free[best]!.size)) {
        best = i;
        if (b.size === size) break;
      }
    }
    let offset: number;
    if (best >= 0) {
      const b = this.free[best]!;
      offset = b.offset;
      if (b.size === size) this.free.splice(best, 1);
      else { b.offset += size; b.size -= size; }
    } else {
      // Extend from the last free block if it touches the top, else from the top.
      const last = this.free[this.free.length - 1];
      if (last && last.offset + last.size === this.top) {
        this.free.pop();
        offset = last.offset;
      } else {
        offset = this.top;
      }
      // 16 spare bytes past the top: a kernel may load a whole v128 whose last lanes lie past its
      // tensor (warp's 3-channel path); inside the heap that reads a neighbour, never past memory.
      this.ensure(offset + size + 16);
      this.top = offset + size;
    }
    this.liveBlocks++;
    this.liveBytes += size;
    return offset;
  }

  release(offset: number, bytes: number): void {
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    this.liveBlocks--;
    this.liveBytes -= size;
    // Binary search for the insertion point.
    let lo = 0, hi = this.free.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.free[mid]!.offset < offset) lo = mid + 1; else hi = mid;
    }
    const block: Block = { offset, size };
    this.free.splice(lo, 0, block);
    const next = this.free[lo + 1];
    if (next && block.offset + block.size === next.offset) {
      block.size += next.size;
      this.free.splice(lo + 1, 1);
    }
    const prev = this.free[lo - 1];
    if (prev && prev.offset + prev.size === block.offset) {
      prev.size += block.size;
      this.free.splice(lo, 1);
    }
  }

  get reservedBytes(): number {
    return this.memory.buffer.byteLength;
  }

  private ensure(end: number): void {
    if (end > MAX_BYTES) {
      throw new RangeError(`wasm backend: out of memory: ${end} bytes needed, WebAssembly memory is limited to 4 GiB`);
    }
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    // Grow geometrically so that a run of allocations does not grow page by page.
    const want = Math.min(MAX_BYTES, Math.max(end, Math.floor(have * 1.5)));
    this.memory.grow(Math.ceil((want - have) / PAGE));
  }
}
