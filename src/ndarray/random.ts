// Seeded random arrays (np.random): the same seed gives the same numbers on every machine.
import { xoroshiro128plusFromState } from "pure-rand/generator/xoroshiro128plus";
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { NDArray } from "./ndarray.js";
import { checkDtype } from "./create.js";
import { allocate, checkShape, type Dtype, shapeSize } from "./strided.js";

type Rng = ReturnType<typeof xoroshiro128plusFromState>;

/**
 * The generator for a seed. The 128-bit state is filled by splitmix32 from the seed (as xoroshiro's authors
 * recommend): pure-rand's xoroshiro128plus(seed) puts the seed into the state almost unmixed, so its first
 * outputs for small seeds are all close to 2^32 − 1 (np.random.uniform() ≈ 1 right after seed(0), seed(1), …).
 */
function seeded(n: number): Rng {
  let a = (n >>> 0) ^ Math.imul(Math.floor(n / 2 ** 32) | 0, 0x85ebca6b);
  const splitmix32 = (): number => {
    a = (a + 0x9e3779b9) | 0;
    let t = a ^ (a >>> 16);
    t = Math.imul(t, 0x21f0aaad);
    t ^= t >>> 15;
    t = Math.imul(t, 0x735a2d97);
    return (t ^ (t >>> 15)) | 0;
  };
  const state = [splitmix32(), splitmix32(), splitmix32(), splitmix32()];
  if (!state.some((w) => w !== 0)) state[0] = 1; // the all-zero state is a fixed point
  return xoroshiro128plusFromState(state);
}

let rng: Rng = seeded(Date.now() ^ (Math.random() * 2 ** 31));

/** Re-seeds the generator behind every np.random function. */
export function seed(n: number): void {
  if (!Number.isInteger(n)) throw new Error(`np.random.seed: seed ${n} must be an integer`);
  rng = seeded(n);
}

/** A uniform double in [0, 1). */
export function nextUniform(): number {
  return uniformFloat64(rng);
}

function sizeArg(size: number | readonly number[] | undefined, op: string): number[] {
  const s = size === undefined ? [] : typeof size === "number" ? [size] : [...size];
  checkShape(s, op);
  return s;
}

export interface UniformOptions {
  low?: number;
  high?: number;
  size?: number | readonly number[];
  dtype?: Dtype;
}

/** Samples from U[low, high) (defaults 0 and 1); `size` omitted gives a 0-d array. */
export function uniform(options: UniformOptions = {}): NDArray {
  const { low = 0, high = 1 } = options;
  if (!Number.isFinite(low) || !Number.isFinite(high) || high < low)
    throw new Error(`np.random.uniform: low=${low} and high=${high} must be finite with low <= high`);
  const shape = sizeArg(options.size, "np.random.uniform");
  const dtype = checkDtype(options.dtype, "np.random.uniform");
  const out = allocate(dtype, shapeSize(shape));
  // rounding to the dtype (float32 above all) can give `high` itself: draw again, keeping [low, high)
  const round = dtype === "float32" ? Math.fround : (v: number) => v;
  for (let i = 0; i < out.length; i++) {
    let v = round(low + (high - low) * nextUniform());
    for (let tries = 0; v >= high && high > low && tries < 64; tries++) v = round(low + (high - low) * nextUniform());
    out[i] = v >= high && high > low ? round(low) : v;
  }
  return new NDArray(out, shape);
}

export interface NormalOptions {
  loc?: number;
  scale?: number;
  size?: number | readonly number[];
  dtype?: Dtype;
}

/** Samples from N(loc, scale²) by the Box–Muller transform. */
export function normal(options: NormalOptions = {}): NDArray {
  const { loc = 0, scale = 1 } = options;
  if (!Number.isFinite(loc) || !Number.isFinite(scale) || scale < 0)
    throw new Error(`np.random.normal: loc=${loc} and scale=${scale} must be finite with scale >= 0`);
  const shape = sizeArg(options.size, "np.random.normal");
  const out = allocate(checkDtype(options.dtype, "np.random.normal"), shapeSize(shape));
  for (let i = 0; i < out.length; i += 2) {
    const u1 = 1 - nextUniform(); // (0, 1]: log is finite
    const u2 = nextUniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    out[i] = loc + scale * r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < out.length) out[i + 1] = loc + scale * r * Math.sin(2 * Math.PI * u2);
  }
  return new NDArray(out, shape);
}
