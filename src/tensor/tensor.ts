// Tensor: a shape, a dtype and backend-owned storage. Values are immutable to users; optimizers
// update parameters in place through fused kernels.
import type { DType, Storage } from '../backend/backend.js';
import { engine, getBackend, trackTensor } from './engine.js';

export type { DType };
export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

/** Row-major strides (in elements) of a dense tensor of `shape`. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]!; }
  return s;
}

export class Tensor {
  /** Marks tensors for scope bookkeeping without an import cycle. */
  readonly __tensor = true;
  readonly id: number;
  readonly size: number;
  private disposedFlag = false;

  /** Use the creation ops (tensor, zeros, ...) rather than this constructor. */
  constructor(readonly storage: Storage, readonly shape: Shape, readonly dtype: DType) {
    this.id = engine.nextId++;
    this.size = sizeOf(shape);
    trackTensor(this);
  }

  get rank(): number { return this.shape.length; }
  get isDisposed(): boolean { return this.disposedFlag; }

  /** Frees the storage once no tensor views it. Idempotent. */
  dispose(): void {
    if (this.disposedFlag) return;
    this.disposedFlag = true;
    this.storage.refs--;
    if (this.storage.refs === 0) this.storage.backend.free(this.storage);
  }

  /** Reads the values back (asynchronous on WebGPU). */
  async data(): Promise<Float32Array | Int32Array> {
    this.assertLive('data');
    return this.storage.backend.read(this.storage, this.dtype, this.size);
  }

  /** Reads synchronously; only backends with host-visible memory (wasm) support it. */
  dataSync(): Float32Array | Int32Array {
    this.assertLive('dataSync');
    const b = this.storage.backend;
    if (!b.readSync) throw new Error(`Tensor.dataSync: the ${b.name} backend reads asynchronously; use await tensor.data()`);
    return b.readSync(this.storage, this.dtype, this.size);
  }

  /** The single value of a one-element tensor. */
  async item(): Promise<number> {
    if (this.size !== 1) throw new Error(`Tensor.item: tensor has shape [${this.shape.join(', ')}], expected one element`);
    return (await this.data())[0]!;
  }

  assertLive(op: string): void {
    if (this.disposedFlag) throw new Error(`${op}: tensor #${this.id} of shape [${this.shape.join(', ')}] was disposed`);
  }

  toString(): string {
    return `Tensor(#${this.id}, [${this.shape.join(', ')}], ${this.dtype})`;
  }
}

/**
 * Reads several tensors back at once (one submit on WebGPU: the reads are queued together before
 * any is awaited). Every layer above the core reads this way or with `await tensor.data()`.
 */
export async function readAll(ts: readonly Tensor[]): Promise<(Float32Array | Int32Array)[]> {
  return Promise.all(ts.map((t) => t.data()));
}

/** Wraps freshly written storage as a tensor. */
export function makeTensor(storage: Storage, shape: Shape, dtype: DType): Tensor {
  return new Tensor(storage, shape, dtype);
}

/** Allocates an uninitialised tensor on the active backend (ops fill it). */
export function emptyTensor(shape: Shape, dtype: DType = 'f32'): Tensor {
  const b = getBackend();
  return new Tensor(b.alloc(Math.max(4, 4 * sizeOf(shape))), shape, dtype);
}

/** A new tensor that shares `t`'s storage under another shape (reshape). */
export function viewTensor(t: Tensor, shape: Shape): Tensor {
  t.storage.refs++;
  return new Tensor(t.storage, shape, t.dtype);
}
