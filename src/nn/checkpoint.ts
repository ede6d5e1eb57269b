// Checkpoints: a ParamStore, optional optimizer state and progress counters as one safetensors blob.
import { decodeSafetensors, encodeSafetensors, SafetensorsError, type NamedArray } from '../io/safetensors.js';
import { getBackend } from '../tensor/engine.js';
import type { Tensor } from '../tensor/tensor.js';
import type { ParamStore } from './init.js';
import type { Optimizer } from './optim.js';

function toNamed(t: Tensor): Promise<NamedArray> {
  return t.data().then((data) => ({ dtype: t.dtype === 'f32' ? 'F32' : 'I32', shape: [...t.shape], data }));
}

/** Parameter names stay as they are; optimizer slots are saved as `optim.<i>`. */
export async function encodeCheckpoint(params: ParamStore, opt: Optimizer | null, metadata: Record<string, string>): Promise<Uint8Array> {
  const tensors = new Map<string, NamedArray>();
  for (const [name, t] of params.byName) tensors.set(name, await toNamed(t));
  if (opt) {
    const state = opt.state();
    for (let i = 0; i < state.length; i++) tensors.set(`optim.${i}`, await toNamed(state[i]!));
    metadata = { ...metadata, 'optim.step': String(opt.stepCount) };
  }
  return encodeSafetensors(tensors, metadata);
}

/**
 * Restores parameters (and the optimizer state, when present and `opt` has the same slots) in place.
 * Returns the metadata. Every parameter must be present with its shape.
 */
export function restoreCheckpoint(bytes: Uint8Array, params: ParamStore, opt: Optimizer | null, source = 'checkpoint'): Record<string, string> {
  const { tensors, metadata } = decodeSafetensors(bytes, source);
  const b = getBackend();
  for (const [name, t] of params.byName) {
    const saved = tensors.get(name);
    const where = `parameter ${JSON.stringify(name)}`;
    if (!saved) throw new SafetensorsError(source, 'is missing', where);
    if (saved.shape.join(',') !== t.shape.join(',')) {
      throw new SafetensorsError(source, `has shape [${saved.shape.join(', ')}], the model expects [${t.shape.join(', ')}]`, where);
    }
    if (saved.dtype !== (t.dtype === 'f32' ? 'F32' : 'I32')) throw new SafetensorsError(source, `has dtype ${saved.dtype}, the model's parameter is ${t.dtype}`, where);
    b.write(t.storage, saved.data);
  }
  if (opt && metadata['optim.step'] !== undefined) {
    if (!/^(0|[1-9][0-9]*)$/.test(metadata['optim.step'])) throw new SafetensorsError(source, `"optim.step" is ${JSON.stringify(metadata['optim.step'])}, expected a non-negative integer`, '__metadata__');
    opt.restoreState((i) => tensors.get(`optim.${i}`)?.data ?? null, Number(metadata['optim.step']), params.list());
  }
  return metadata;
}
