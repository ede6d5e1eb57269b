// Loss / evaluation op family: softmax, softmaxCrossEntropy (+ backward), labelCountsAcc. Shaders:
// softmax, softmax_cross_entropy, softmax_cross_entropy_backward, label_counts; whole-tensor bindings.
import type { Storage } from '../../backend.js';
import type { GpuRuntime } from '../runtime.js';

export const PROGRAMS = ['softmax', 'softmax_cross_entropy', 'softmax_cross_entropy_backward', 'label_counts'];

export function softmaxCrossEntropy(rt: GpuRuntime, logits: Storage, labels: Storage, loss: Storage, probs: Storage, rows: number, classes: number): void {
  rt.threads('softmax_cross_entropy', {}, { t0: 0, n: rows, classes },
    [rt.whole('softmaxCrossEntropy', logits), rt.whole('softmaxCrossEntropy', labels), rt.whole('softmaxCrossEntropy', loss), rt.whole('softmaxCrossEntropy', probs)], rows);
}

export function softmaxCrossEntropyBackward(rt: GpuRuntime, probs: Storage, labels: Storage, dloss: Storage, dlogits: Storage, rows: number, classes: number): void {
  const n = rows * classes;
  rt.threads('softmax_cross_entropy_backward', {}, { t0: 0, n, classes },
    [rt.whole('softmaxCrossEntropyBackward', probs), rt.whole('softmaxCrossEntropyBackward', labels), rt.whole('softmaxCrossEntropyBackward', dloss), rt.whole('softmaxCrossEntropyBackward', dlogits)], n);
}

export function softmax(rt: GpuRuntime, x: Storage, out: Storage, rows: number, classes: number): void {
  rt.threads('softmax', {}, { t0: 0, n: rows, classes }, [rt.whole('softmax', x), rt.whole('softmax', out)], rows);
}

export function labelCountsAcc(rt: GpuRuntime, pred: Storage, truth: Storage, n: number, numLabels: number, counts: Storage): void {
  rt.threads('label_counts', {}, { t0: 0, n, numLabels }, [rt.whole('labelCountsAcc', pred), rt.whole('labelCountsAcc', truth), rt.whole('labelCountsAcc', counts)], n);
}
