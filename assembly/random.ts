// PCG32 (O'Neill, XSH-RR 64/32): the one seeded generator of the project. A (seed, stream) pair names
// a sequence; `offset` jumps ahead in O(log offset) so slabs filled by different threads match a
// single-threaded fill exactly.

const MULT: u64 = 6364136223846793005;

let state: u64 = 0;
let inc: u64 = 1;

@inline function next(): u32 {
  const old = state;
  state = old * MULT + inc;
  const xorshifted = <u32>(((old >> 18) ^ old) >> 27);
  const rot = <u32>(old >> 59);
  return (xorshifted >> rot) | (xorshifted << ((-rot) & 31));
}

function seedStream(seed: u32, stream: u32, offset: u64): void {
  inc = (<u64>stream << 1) | 1;
  state = 0;
  next();
  state += <u64>seed;
  next();
  // Jump ahead `offset` steps: LCG advance by repeated squaring.
  let accMult: u64 = 1, accPlus: u64 = 0, curMult = MULT, curPlus = inc, delta = offset;
  while (delta > 0) {
    if (delta & 1) { accMult *= curMult; accPlus = accPlus * curMult + curPlus; }
    curPlus = (curMult + 1) * curPlus;
    curMult *= curMult;
    delta >>= 1;
  }
  state = accMult * state + accPlus;
}

/** Uniform in [0, 1) with 24 random bits. */
@inline function uniform01(): f32 {
  return <f32>(next() >> 8) * (<f32>1.0 / <f32>16777216.0);
}

export function randomUniform(out: usize, n: i32, seed: u32, stream: u32, offset: u32, lo: f32, hi: f32): void {
  seedStream(seed, stream, <u64>offset);
  const span = hi - lo;
  for (let i = 0; i < n; i++) store<f32>(out + (<usize>i << 2), lo + span * uniform01());
}

/** Box-Muller on consecutive pairs; element i uses draws 2*floor(i/2) and 2*floor(i/2)+1 of the stream. */
export function randomNormal(out: usize, n: i32, seed: u32, stream: u32, offset: u32, mean: f32, std: f32): void {
  seedStream(seed, stream, <u64>(offset & ~1) );
  let i = 0;
  if (offset & 1) i = -1;
  for (; i < n; i += 2) {
    // 1 - u keeps the log argument in (0, 1].
    const u1 = <f64>1 - <f64>uniform01();
    const u2 = <f64>uniform01();
    const r = Math.sqrt(-2 * Math.log(u1));
    const t = 2 * Math.PI * u2;
    if (i >= 0) store<f32>(out + (<usize>i << 2), mean + std * <f32>(r * Math.cos(t)));
    if (i + 1 < n) store<f32>(out + (<usize>(i + 1) << 2), mean + std * <f32>(r * Math.sin(t)));
  }
}

export function dropoutMask(out: usize, n: i32, keep: f32, seed: u32, stream: u32, offset: u32): void {
  seedStream(seed, stream, <u64>offset);
  const scale = <f32>1 / keep;
  for (let i = 0; i < n; i++) store<f32>(out + (<usize>i << 2), uniform01() < keep ? scale : 0);
}
