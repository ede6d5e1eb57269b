// Softmax, fused softmax cross-entropy on integer labels, and per-label counts for hard Dice.

export function softmax(x: usize, out: usize, rows: i32, classes: i32): void {
  for (let r = 0; r < rows; r++) {
    const xi = x + (<usize>(r * classes) << 2), oi = out + (<usize>(r * classes) << 2);
    let m = load<f32>(xi);
    for (let c = 1; c < classes; c++) m = Mathf.max(m, load<f32>(xi + (<usize>c << 2)));
    let s: f32 = 0;
    for (let c = 0; c < classes; c++) {
      const e = Mathf.exp(load<f32>(xi + (<usize>c << 2)) - m);
      store<f32>(oi + (<usize>c << 2), e);
      s += e;
    }
    const inv = <f32>1 / s;
    for (let c = 0; c < classes; c++) store<f32>(oi + (<usize>c << 2), load<f32>(oi + (<usize>c << 2)) * inv);
  }
}

export function softmaxCrossEntropy(logits: usize, labels: usize, loss: usize, probs: usize, rows: i32, classes: i32): void {
  softmax(logits, probs, rows, classes);
  for (let r = 0; r < rows; r++) {
    const xi = logits + (<usize>(r * classes) << 2);
    let m = load<f32>(xi);
    for (let c = 1; c < classes; c++) m = Mathf.max(m, load<f32>(xi + (<usize>c << 2)));
    let s: f64 = 0;
    for (let c = 0; c < classes; c++) s += Math.exp(<f64>(load<f32>(xi + (<usize>c << 2)) - m));
    const label = load<i32>(labels + (<usize>r << 2));
    store<f32>(loss + (<usize>r << 2), <f32>(Math.log(s) + <f64>m - <f64>load<f32>(xi + (<usize>label << 2))));
  }
}

export function softmaxCrossEntropyBackward(probs: usize, labels: usize, dloss: usize, dlogits: usize, rows: i32, classes: i32): void {
  for (let r = 0; r < rows; r++) {
    const pi = probs + (<usize>(r * classes) << 2), di = dlogits + (<usize>(r * classes) << 2);
    const g = load<f32>(dloss + (<usize>r << 2));
    const label = load<i32>(labels + (<usize>r << 2));
    for (let c = 0; c < classes; c++) {
      const p = load<f32>(pi + (<usize>c << 2));
      store<f32>(di + (<usize>c << 2), (c == label ? p - 1 : p) * g);
    }
  }
}

export function labelCountsAcc(pred: usize, truth: usize, n: i32, numLabels: i32, counts: usize): void {
  for (let i = 0; i < n; i++) {
    const p = load<i32>(pred + (<usize>i << 2)), t = load<i32>(truth + (<usize>i << 2));
    if (p >= 0 && p < numLabels) {
      const a = counts + (<usize>(p * 3 + 1) << 2);
      store<i32>(a, load<i32>(a) + 1);
    }
    if (t >= 0 && t < numLabels) {
      const a = counts + (<usize>(t * 3 + 2) << 2);
      store<i32>(a, load<i32>(a) + 1);
      if (p == t) {
        const b = counts + (<usize>(t * 3) << 2);
        store<i32>(b, load<i32>(b) + 1);
      }
    }
  }
}
