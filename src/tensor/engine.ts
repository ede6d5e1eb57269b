// The engine: the active backend, memory scopes (tidy) and the autograd tape.
// Everything here is runtime-neutral; device creation lives in src/backend/create.ts.
import type { Backend } from '../backend/backend.js';
import type { Tensor } from './tensor.js';

export interface TapeNode {
  inputs: readonly Tensor[];
  output: Tensor;
  /** Returns one gradient per input (null where the input needs none), given the output's gradient. */
  backward: (dy: Tensor) => (Tensor | null)[];
}

export class Tape {
  readonly nodes: TapeNode[] = [];
  /** Ids of tensors whose value depends on a watched tensor. */
  readonly live = new Set<number>();
  constructor(watched: readonly Tensor[]) {
    for (const t of watched) this.live.add(t.id);
  }
}

class Engine {
  backend: Backend | null = null;
  readonly scopes: Set<Tensor>[] = [];
  tape: Tape | null = null;
  /** Paused while a backward pass runs, so backward ops are not themselves recorded. */
  recording = true;
  nextId = 1;
}

export const engine = new Engine();

export function getBackend(): Backend {
  if (!engine.backend) {
    throw new Error('blendwarp: no backend is active: call `await init()` (or `await setBackend(...)`) first');
  }
  return engine.backend;
}

export function trackTensor(t: Tensor): void {
  const scope = engine.scopes[engine.scopes.length - 1];
  if (scope) scope.add(t);
}

/** Records an op on the tape when one of its inputs depends on a watched tensor. */
export function record(output: Tensor, inputs: readonly Tensor[], backward: TapeNode['backward']): void {
  const tape = engine.tape;
  if (!tape || !engine.recording) return;
  if (!inputs.some((t) => tape.live.has(t.id))) return;
  tape.live.add(output.id);
  tape.nodes.push({ inputs, output, backward });
}

export function isRecording(): boolean {
  return engine.tape !== null && engine.recording;
}

/** True when gradients will flow to `t` (an op can skip saving state for backward otherwise). */
export function needsGrad(t: Tensor): boolean {
  return engine.tape !== null && engine.tape.live.has(t.id);
}

type Kept = Tensor | readonly Tensor[] | { [k: string]: unknown } | void | number | undefined | null;

function collect(value: unknown, into: Set<Tensor>): void {
  if (value === null || value === undefined) return;
  if (isTensor(value)) { into.add(value); return; }
  if (Array.isArray(value)) { for (const v of value) collect(v, into); return; }
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value as Record<string, unknown>)) collect(v, into);
  }
}

function isTensor(v: unknown): v is Tensor {
  return typeof v === 'object' && v !== null && (v as { __tensor?: boolean }).__tensor === true;
}

export function startScope(): void {
  engine.scopes.push(new Set());
}

/** Disposes every tensor created since the matching startScope except `keep`, which moves to the parent scope. */
export function endScope(keep: unknown): void {
  const scope = engine.scopes.pop();
  if (!scope) throw new Error('blendwarp: endScope without startScope');
  const kept = new Set<Tensor>();
  collect(keep, kept);
  const parent = engine.scopes[engine.scopes.length - 1];
  for (const t of scope) {
    if (kept.has(t)) { if (parent) parent.add(t); }
    else t.dispose();
  }
}

/**
 * Runs `fn` and frees every tensor it created except those it returns (a tensor, an array of tensors,
 * or a plain object whose values are tensors or arrays of tensors).
 */
export function tidy<T extends Kept>(fn: () => T): T {
  startScope();
  let result: T;
  try {
    result = fn();
  } catch (e) {
    endScope(undefined);
    throw e;
  }
  endScope(result);
  return result;
}

/**
 * Runs the body of an op built from other ops. Under a tape its intermediates must live until the
 * backward pass (the gradient scope frees them); otherwise they are freed at once, so a composite
 * op called outside any tidy leaves nothing behind.
 */
export function composite<T extends Tensor>(fn: () => T): T {
  return isRecording() ? fn() : tidy(fn);
}

/** Takes a tensor out of every enclosing scope so `tidy` will not free it. */
export function keep<T extends Tensor>(t: T): T {
  for (const s of engine.scopes) s.delete(t);
  return t;
}
