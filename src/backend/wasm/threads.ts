// Threads for the wasm backend: workers that share the backend's WebAssembly.Memory, each with its
// own instance of the same module, running one kernel on slabs (row ranges) of its output.
//
// Why this shape:
// - Kernels are synchronous (the Backend interface runs wasm kernels at once), so a call must not
//   return before every slab is written. The calling thread takes slabs itself and then waits for
//   the rest: with Atomics.wait where that is allowed (Node, Deno, workers) and by spinning on
//   Atomics.load where it is not (a browser's main thread may not block). Spinning is short: the
//   caller only waits for the slabs already running on other threads, never for idle ones.
// - Slabs are claimed from one counter by compare-and-swap, so a worker that is slow to wake (or
//   still starting) just finds no work: nothing ever waits for a particular worker. The counter
//   carries the job's sequence number in its high 16 bits, so a worker that woke for an older job
//   cannot claim a slab of a newer one; the caller zeroes the counter while it writes a job's fields,
//   and a worker claims with a CAS on the exact counter value it read before those fields, so a claim
//   only succeeds when every field it read belongs to the job it claims.
// - Results never depend on the thread count: slab boundaries are fixed by the caller (rows, count),
//   and a reduction across slabs (the weight gradient) writes one partial per slab, summed in order.
// - Workers start on the first job large enough to share and leave after IDLE_MS without work (a
//   Deno or browser worker would otherwise keep its process or page busy forever); the next job
//   starts them again. Node workers are also unref'd.
// Everything runtime-specific (how a worker is created and sent messages) is in workers.ts.
import type { WorkerHandle, WorkerSpawner } from './workers.js';

// Control block layout (Int32 indices into a SharedArrayBuffer).
const GEN = 0;      // job generation, bumped per job (workers wait on it)
const NEXT = 1;     // (seq << 16) | next slab index
const DONE = 2;     // slabs finished in the current job
const ERR = 3;      // set when a worker's kernel threw
const FN = 4;       // kernel index into the names list
const NARGS = 5;
const ROWS = 6;
const SLABS = 7;
const STATE = 16;   // per worker: 0 starting, 1 ready, 2 exited (16 slots)
const MAX_WORKERS = 16;
const ARGS_BYTES = 128; // Float64 arguments from here (16 of them)
const CTRL_BYTES = ARGS_BYTES + 16 * 8;
const IDLE_MS = 3000;

/**
 * The worker's code, with a runtime prelude (workers.ts) that defines `onMessage(fn)`. It receives
 * {module, memory, ctrl, names, slot}, instantiates the module on the shared memory and loops: wait for
 * a new generation, claim slabs, run `kernel(...args, lo, hi, slab)`, count them done.
 */
export const WORKER_BODY = `
onMessage(async (msg) => {
  const { module, memory, ctrl, names, slot, idleMs } = msg;
  const inst = await WebAssembly.instantiate(module, { env: { memory } });
  const fns = names.map((n) => inst.exports[n]);
  const c = new Int32Array(ctrl);
  const a = new Float64Array(ctrl, ${ARGS_BYTES}, 16);
  let gen = Atomics.load(c, ${GEN});
  Atomics.store(c, ${STATE} + slot, 1);
  for (;;) {
    if (Atomics.wait(c, ${GEN}, gen, idleMs) === 'timed-out') {
      Atomics.store(c, ${STATE} + slot, 2);
      if (typeof close === 'function') close(); else process.exit(0);
      return;
    }
    gen = Atomics.load(c, ${GEN});
    for (;;) {
      // Read the claim word first, then the job's fields, then claim with a CAS on that same word:
      // the caller zeroes it before rewriting the fields of a new job, so a successful CAS proves the
      // fields read belong to the job claimed (a worker slow to wake cannot mix two jobs).
      const v = Atomics.load(c, ${NEXT});
      if ((v >>> 16) === 0) break;
      const f = fns[c[${FN}]];
      const nargs = c[${NARGS}], rows = c[${ROWS}], slabs = c[${SLABS}];
      const args = [];
      for (let k = 0; k < nargs; k++) args.push(a[k]);
      if ((v & 0xffff) >= slabs) break;
      if (Atomics.compareExchange(c, ${NEXT}, v, v + 1) !== v) continue;
      const i = v & 0xffff;
      try { f(...args, Math.floor(i * rows / slabs), Math.floor((i + 1) * rows / slabs), i); }
      catch (e) { Atomics.store(c, ${ERR}, 1); }
      if (Atomics.add(c, ${DONE}, 1) + 1 === slabs) Atomics.notify(c, ${DONE});
    }
  }
});
`;

type Kernel = (...args: number[]) => void;

/** Whether Atomics.wait may block this thread (not on a browser's main thread). */
function canBlockHere(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

export class ThreadPool {
  private readonly c: Int32Array;
  private readonly a: Float64Array;
  private readonly ctrl: SharedArrayBuffer;
  private readonly handles: (WorkerHandle | null)[];
  private readonly canBlock = canBlockHere();
  private gen = 0;

  /**
   * @param threads total threads including the caller (workers = threads - 1)
   * @param local the kernels of the caller's own instance, by the same names
   */
  constructor(
    readonly threads: number,
    private readonly module: WebAssembly.Module,
    private readonly memory: WebAssembly.Memory,
    private readonly names: readonly string[],
    private readonly local: readonly Kernel[],
    private readonly spawner: WorkerSpawner,
  ) {
    this.ctrl = new SharedArrayBuffer(CTRL_BYTES);
    this.c = new Int32Array(this.ctrl);
    this.a = new Float64Array(this.ctrl, ARGS_BYTES, 16);
    this.handles = Array.from({ length: Math.min(MAX_WORKERS, threads - 1) }, () => null);
  }

  /** Workers currently instantiated and waiting for work. */
  get readyWorkers(): number {
    let k = 0;
    for (let i = 0; i < this.handles.length; i++) if (Atomics.load(this.c, STATE + i) === 1) k++;
    return k;
  }

  /** Starts the workers that are not running (idle ones leave after IDLE_MS). */
  private ensureWorkers(): void {
    for (let i = 0; i < this.handles.length; i++) {
      const state = Atomics.load(this.c, STATE + i);
      if (this.handles[i] && state !== 2) continue;
      this.handles[i]?.terminate();
      Atomics.store(this.c, STATE + i, 0);
      this.handles[i] = this.spawner.spawn(WORKER_BODY, {
        module: this.module, memory: this.memory, ctrl: this.ctrl, names: this.names, slot: i, idleMs: IDLE_MS,
      });
    }
  }

  /** Resolves once every worker is ready (or after timeoutMs): for benchmarks that want all threads. */
  async warm(timeoutMs = 10_000): Promise<void> {
    this.ensureWorkers();
    const t0 = Date.now();
    while (this.readyWorkers < this.handles.length && Date.now() - t0 < timeoutMs) {
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  /**
   * Runs kernel `fn` on `slabs` row ranges of `rows` rows: slab i gets
   * [floor(i rows / slabs), floor((i + 1) rows / slabs)). Returns when all are done.
   */
  run(fn: number, args: readonly number[], rows: number, slabs: number): void {
    const kernel = this.local[fn]!;
    if (this.handles.length === 0 || slabs <= 1) {
      for (let i = 0; i < slabs; i++) kernel(...args, Math.floor(i * rows / slabs), Math.floor((i + 1) * rows / slabs), i);
      return;
    }
    this.ensureWorkers();
    const c = this.c;
    // No claims while this job's fields are written (see the worker's claim loop).
    Atomics.store(c, NEXT, 0);
    c[FN] = fn;
    c[NARGS] = args.length;
    c[ROWS] = rows;
    c[SLABS] = slabs;
    for (let i = 0; i < args.length; i++) this.a[i] = args[i]!;
    Atomics.store(c, ERR, 0);
    Atomics.store(c, DONE, 0);
    this.gen = (this.gen + 1) | 0;
    // Sequence numbers 1..32767 (0 marks "no job"), so the claim word stays a positive int32.
    const seq = ((this.gen >>> 0) % 32767) + 1;
    Atomics.store(c, NEXT, seq << 16);
    Atomics.store(c, GEN, this.gen);
    Atomics.notify(c, GEN);
    // A failure here must not return early: workers may still be writing slabs of this job, and
    // their DONE counts would leak into the next one. Finish the job, then throw.
    let failure: unknown = null;
    for (;;) {
      const v = Atomics.load(c, NEXT);
      if ((v & 0xffff) >= slabs) break;
      if (Atomics.compareExchange(c, NEXT, v, v + 1) !== v) continue;
      const i = v & 0xffff;
      try {
        kernel(...args, Math.floor(i * rows / slabs), Math.floor((i + 1) * rows / slabs), i);
      } catch (e) {
        failure ??= e;
      }
      Atomics.add(c, DONE, 1);
    }
    for (;;) {
      const done = Atomics.load(c, DONE);
      if (done >= slabs) break;
      if (this.canBlock) Atomics.wait(c, DONE, done, 50);
    }
    if (failure) throw failure;
    if (Atomics.load(c, ERR) !== 0) throw new Error(`wasm backend: kernel ${this.names[fn]} failed on a worker thread`);
  }

  dispose(): void {
    for (const h of this.handles) h?.terminate();
    this.handles.fill(null);
  }
}
