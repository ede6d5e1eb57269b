// Reverse-mode autograd over the tape recorded by ops (see record() in engine.ts).
import { endScope, engine, getBackend, startScope, Tape } from './engine.js';
import { emptyTensor, stridesOf, Tensor } from './tensor.js';

export interface ValueAndGrads<V> {
  value: V;
  grads: Tensor[];
}

function filled(shape: readonly number[], value: number): Tensor {
  const t = emptyTensor(shape);
  getBackend().fill(t.storage, t.size, value, 'f32');
  return t;
}

function addInto(a: Tensor, b: Tensor): Tensor {
  const out = emptyTensor(a.shape);
  const strides = stridesOf(a.shape);
  getBackend().binary('add', a.storage, strides, b.storage, strides, out.storage, a.shape);
  return out;
}


function copyOf(t: Tensor): Tensor {
  const out = emptyTensor(t.shape, t.dtype);
  getBackend().copy(t.storage, 0, out.storage, 0, t.size);
  return out;
}

/**
 * Evaluates `f` and the gradient of its (summed) value with respect to each tensor of `wrt`.
 * Every intermediate is freed; the value and the gradients are returned to the caller's scope.
 * A tensor of `wrt` the value does not depend on gets a zero gradient.
 */
export function valueAndGrads<V extends Tensor>(f: () => V, wrt: readonly Tensor[]): ValueAndGrads<V> {
  if (engine.tape) throw new Error('valueAndGrads: nested gradient computations are not supported');
  for (const t of wrt) {
    t.assertLive('valueAndGrads');
    if (t.dtype !== 'f32') throw new Error(`valueAndGrads: cannot differentiate with respect to an ${t.dtype} tensor [${t.shape.join(', ')}]`);
  }
  startScope();
  const tape = new Tape(wrt);
  engine.tape = tape;
  let value: V;
  let grads: Tensor[];
  try {
    value = f();
    engine.recording = false;
    grads = backprop(tape, value, wrt);
  } catch (e) {
    engine.tape = null;
    engine.recording = true;
    endScope(undefined);
    throw e;
  }
  engine.tape = null;
  engine.recording = true;
  // The same tensor may be the gradient of two inputs (or the value itself): give each its own.
  const seen = new Set<Tensor>([value]);
  grads = grads.map((g) => {
    if (seen.has(g) || wrt.includes(g)) return copyOf(g);
    seen.add(g);
    return g;
  });
  endScope([value, grads]);
  return { value, grads };
}

/** The gradients of `f` with respect to `wrt` (the value is freed). */
export function grads(f: () => Tensor, wrt: readonly Tensor[]): Tensor[] {
  const r = valueAndGrads(f, wrt);
  r.value.dispose();
  return r.grads;
}

function backprop(tape: Tape, value: Tensor, wrt: readonly Tensor[]): Tensor[] {
  const g = new Map<number, Tensor>();
  if (tape.live.has(value.id)) g.set(value.id, filled(value.shape, 1));
  for (let i = tape.nodes.length - 1; i >= 0; i--) {
    const node = tape.nodes[i]!;
    const dy = g.get(node.output.id);
    if (!dy) continue;
    const dxs = node.backward(dy);
    node.inputs.forEach((input, k) => {
      const dx = dxs[k];
      if (!dx || !tape.live.has(input.id)) return;
      const prev = g.get(input.id);
      // Intermediates are freed by the enclosing scope; accumulation never frees early because a
      // backward function may hand the same tensor to several inputs.
      g.set(input.id, prev ? addInto(prev, dx) : dx);
    });
  }
  return wrt.map((t) => g.get(t.id) ?? filled(t.shape, 0));
}
