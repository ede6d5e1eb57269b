// Fused optimizer updates, in place on the parameter and its state (PyTorch semantics).

export function sgdUpdate(p: usize, g: usize, v: usize, n: i32, lr: f32, momentum: f32, weightDecay: f32, nesterov: i32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const pv = load<f32>(p + o);
    const gv = load<f32>(g + o) + weightDecay * pv;
    const vv = momentum * load<f32>(v + o) + gv;
    store<f32>(v + o, vv);
    const step = nesterov != 0 ? gv + momentum * vv : vv;
    store<f32>(p + o, pv - lr * step);
  }
}

/** lrT = lr * sqrt(1 - b2^t) / (1 - b1^t), epsT = eps * sqrt(1 - b2^t): the bias corrections folded in. */
export function adamUpdate(p: usize, g: usize, m: usize, v: usize, n: i32, lrT: f32, beta1: f32, beta2: f32, epsT: f32, weightDecay: f32, decoupledLr: f32): void {
  const b1 = f32x4.splat(beta1), b2 = f32x4.splat(beta2), c1 = f32x4.splat(1 - beta1), c2 = f32x4.splat(1 - beta2);
  const lr4 = f32x4.splat(lrT), eps4 = f32x4.splat(epsT), wd = f32x4.splat(weightDecay), dec = f32x4.splat(1 - decoupledLr);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const pv = v128.load(p + o);
    const gv = f32x4.add(v128.load(g + o), f32x4.mul(wd, pv));
    const mv = f32x4.add(f32x4.mul(b1, v128.load(m + o)), f32x4.mul(c1, gv));
    const vv = f32x4.add(f32x4.mul(b2, v128.load(v + o)), f32x4.mul(c2, f32x4.mul(gv, gv)));
    v128.store(m + o, mv);
    v128.store(v + o, vv);
    const upd = f32x4.div(f32x4.mul(lr4, mv), f32x4.add(f32x4.sqrt(vv), eps4));
    v128.store(p + o, f32x4.sub(f32x4.mul(pv, dec), upd));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const pv = load<f32>(p + o);
    const gv = load<f32>(g + o) + weightDecay * pv;
    const mv = beta1 * load<f32>(m + o) + (1 - beta1) * gv;
    const vv = beta2 * load<f32>(v + o) + (1 - beta2) * gv * gv;
    store<f32>(m + o, mv);
    store<f32>(v + o, vv);
    store<f32>(p + o, pv * (1 - decoupledLr) - lrT * mv / (Mathf.sqrt(vv) + epsT));
  }
}

export function adagradUpdate(p: usize, g: usize, acc: usize, n: i32, lr: f32, eps: f32, weightDecay: f32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const pv = load<f32>(p + o);
    const gv = load<f32>(g + o) + weightDecay * pv;
    const av = load<f32>(acc + o) + gv * gv;
    store<f32>(acc + o, av);
    store<f32>(p + o, pv - lr * gv / (Mathf.sqrt(av) + eps));
  }
}
