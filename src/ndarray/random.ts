// Seeded random arrays (np.random): the same seed gives the same numbers on every machine.
import { xoroshiro128plusFromState } from "pure-rand/generator/xoroshiro128plus";
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { NDArray } from "./ndarray.js";
import { checkDtype } from "./create.js";
import type { Dtype } from "./strided.js";
import { allocateShape, readShape } from "./create-args.js";
import { showValue, snapshotOptions } from "../params/options.js";
import type { Context } from "../context.js";

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

// made at the first draw rather than at import, so a page that draws nothing bundles no generator (issue 23)
let rng: Rng | null = null;

/** Re-seeds the generator behind every np.random function. */
export function seed(n: number): void {
  // beyond 2^53 a double no longer holds every integer (2^64 and 0 would seed alike): numpy's range is [0, 2^32 − 1],
  // tconv takes every safe integer ≥ 0
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0)
    throw new Error(`np.random.seed: seed ${showValue(n)} must be an integer from 0 to 2^53 − 1 (Number.MAX_SAFE_INTEGER)`);
  rng = seeded(n);
}

/** A uniform double in [0, 1). */
export function nextUniform(): number {
  rng ??= seeded(Date.now() ^ (Math.random() * 2 ** 31));
  return uniformFloat64(rng);
}

/**
 * The two call forms of np.random.uniform / normal: an options object `{ low, high, size, dtype }`, or numpy's
 * positional `(low, high, size, dtype?)` (each may be omitted from the right). Returns the options with names checked.
 */
function readArgs(where: string, names: readonly [string, string], args: readonly unknown[]): Record<string, unknown> {
  const first = args[0];
  const isOptions = first !== null && typeof first === "object" && !Array.isArray(first);
  if (isOptions) {
    if (args.length > 1) throw new Error(`${where}: takes one options object or (${names.join(", ")}, size, dtype) positionally, not both`);
    // the null-prototype snapshot itself: a spread copy would read a missing key from Object.prototype
    return snapshotOptions(where, first, [...names, "size", "dtype"]);
  }
  if (args.length > 4) throw new Error(`${where}: takes (${names.join(", ")}, size, dtype) positionally; got ${args.length} arguments`);
  const [a, b, size, dtype] = args;
  for (const [name, v] of [
    [names[0], a],
    [names[1], b],
  ] as const)
    if (v !== undefined && v !== null && typeof v !== "number")
      throw new Error(`${where}: ${name}=${showValue(v)} must be a number (positional form: ${where}(${names.join(", ")}, size, dtype))`);
  if (dtype !== undefined && dtype !== null && typeof dtype !== "string" && (typeof dtype !== "object" || Array.isArray(dtype)))
    throw new Error(`${where}: the 4th argument must be a dtype ("float32" or "float64") or { dtype }, got ${showValue(dtype)}`);
  const dt = typeof dtype === "object" && dtype !== null ? snapshotOptions(where, dtype, ["dtype"]).dtype : dtype;
  const out: Record<string, unknown> = Object.create(null);
  [out[names[0]], out[names[1]], out.size, out.dtype] = [a ?? undefined, b ?? undefined, size ?? undefined, dt];
  return out;
}

function readSize(where: string, size: unknown): number[] {
  return size === undefined || size === null ? [] : readShape(where, size, "size");
}

export interface UniformOptions {
  low?: number;
  high?: number;
  size?: number | readonly number[];
  dtype?: Dtype;
  /** the device of the new array, e.g. npx.gpu() (np.ts moves it there; default cpu(0)) */
  ctx?: Context;
}

/**
 * Samples from U[low, high) (defaults 0 and 1); `size` omitted gives a 0-d array. Called with options
 * (`uniform({ low, high, size, dtype })`) or positionally as numpy (`uniform(low, high, size, dtype?)`).
 */
export function uniform(options?: UniformOptions): NDArray;
export function uniform(low?: number, high?: number, size?: number | readonly number[] | null, dtype?: Dtype | { dtype?: Dtype; ctx?: Context }): NDArray;
export function uniform(...args: unknown[]): NDArray {
  const where = "np.random.uniform";
  const o = readArgs(where, ["low", "high"], args);
  const low = (o.low ?? 0) as number,
    high = (o.high ?? 1) as number;
  if (typeof low !== "number" || typeof high !== "number" || !Number.isFinite(low) || !Number.isFinite(high) || high < low)
    throw new Error(`${where}: low=${showValue(low)} and high=${showValue(high)} must be finite with low <= high`);
  const shape = readSize(where, o.size);
  const dtype = checkDtype(o.dtype ?? undefined, where);
  const out = allocateShape(where, shape, dtype);
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
  /** the device of the new array, e.g. npx.gpu() (np.ts moves it there; default cpu(0)) */
  ctx?: Context;
}

/**
 * Samples from N(loc, scale²) by the Box–Muller transform. Called with options (`normal({ loc, scale, size, dtype })`)
 * or positionally as numpy (`normal(loc, scale, size, dtype?)`).
 */
export function normal(options?: NormalOptions): NDArray;
export function normal(loc?: number, scale?: number, size?: number | readonly number[] | null, dtype?: Dtype | { dtype?: Dtype; ctx?: Context }): NDArray;
export function normal(...args: unknown[]): NDArray {
  const where = "np.random.normal";
  const o = readArgs(where, ["loc", "scale"], args);
  const loc = (o.loc ?? 0) as number,
    scale = (o.scale ?? 1) as number;
  if (typeof loc !== "number" || typeof scale !== "number" || !Number.isFinite(loc) || !Number.isFinite(scale) || scale < 0)
    throw new Error(`${where}: loc=${showValue(loc)} and scale=${showValue(scale)} must be finite with scale >= 0`);
  const shape = readSize(where, o.size);
  const out = allocateShape(where, shape, checkDtype(o.dtype ?? undefined, where));
  for (let i = 0; i < out.length; i += 2) {
    const u1 = 1 - nextUniform(); // (0, 1]: log is finite
    const u2 = nextUniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    out[i] = loc + scale * r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < out.length) out[i + 1] = loc + scale * r * Math.sin(2 * Math.PI * u2);
  }
  return new NDArray(out, shape);
}
