// fast-check arbitrary of small valid ConvGeometry records (1-D/2-D/3-D, empty axes, groups, dilation, padding, layouts).
import fc from "fast-check";
import type { ConvGeometry } from "../../src/params/geometry.js";
import { gridShape, imageShape, macCount, weightShape } from "../../src/params/geometry.js";

interface AxisDraw {
  k: number;
  s: number;
  d: number;
  grid: number;
  pb: number;
  pe: number;
  op: number;
}

const axisArb = (maxGrid: number) =>
  fc.record({
    k: fc.integer({ min: 1, max: 4 }),
    s: fc.integer({ min: 1, max: 4 }),
    d: fc.integer({ min: 1, max: 3 }),
    grid: fc.integer({ min: 0, max: maxGrid }),
    pb: fc.integer({ min: 0, max: 5 }),
    pe: fc.integer({ min: 0, max: 5 }),
    op: fc.integer({ min: 0, max: 3 }),
  });

/** image = (grid−1)·s − pb − pe + d·(k−1) + op + 1 with op < max(s, d); pads are trimmed so that image ≥ 0. */
function axis(a: AxisDraw) {
  const op = a.op % Math.max(a.s, a.d);
  const total = (a.grid - 1) * a.s + a.d * (a.k - 1) + op + 1; // image size with no padding
  const pb = Math.min(a.pb, Math.max(0, total));
  const pe = Math.min(a.pe, Math.max(0, total - pb));
  return { ...a, op, pb, pe, image: total - pb - pe };
}

export const geometryArb: fc.Arbitrary<ConvGeometry> = fc
  .integer({ min: 1, max: 3 })
  .chain((nd) =>
    fc.record({
      nd: fc.constant(nd),
      axes: fc.array(axisArb(nd === 3 ? 3 : nd === 2 ? 5 : 9), { minLength: nd, maxLength: nd }),
      batch: fc.integer({ min: 0, max: 2 }),
      groups: fc.integer({ min: 1, max: 3 }),
      icpg: fc.integer({ min: 1, max: 3 }),
      gcpg: fc.integer({ min: 1, max: 3 }),
      channelsLast: fc.boolean(),
    }),
  )
  .map((r) => {
    const ax = r.axes.map(axis);
    const g: ConvGeometry = {
      nd: r.nd,
      batch: r.batch,
      groups: r.groups,
      imageChannels: r.groups * r.icpg,
      gridChannels: r.groups * r.gcpg,
      imageSize: ax.map((a) => a.image),
      gridSize: ax.map((a) => a.grid),
      kernel: ax.map((a) => a.k),
      strides: ax.map((a) => a.s),
      dilation: ax.map((a) => a.d),
      padBegin: ax.map((a) => a.pb),
      padEnd: ax.map((a) => a.pe),
      outputPadding: ax.map((a) => a.op),
      channelsLast: r.channelsLast,
    };
    return g;
  })
  // a negative image (grid 0 with a stride longer than the kernel span) is no geometry; keep the reference affordable
  .filter((g) => g.imageSize.every((v) => v >= 0) && macCount(g) <= 4000 && size(imageShape(g)) <= 3000 && size(gridShape(g)) <= 3000);

export const size = (shape: readonly number[]) => shape.reduce((p, v) => p * v, 1);
export { gridShape, imageShape, weightShape, macCount };

/** Deterministic values in [−1, 1) from a seed (xorshift), so a failing case replays. */
export function randomArray(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let x = seed | 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = (x >>> 8) / 2 ** 23 - 1;
  }
  return out;
}

/**
 * Agreement criterion: max|a − b| ≤ 1e-5 · (max|ref| + 1) · sqrt(reduction length): float32 sums of n terms drift like
 * sqrt(n)·ε·scale, and the +1 keeps all-zero outputs from demanding exact zeros.
 */
export function assertClose(got: ArrayLike<number>, ref: ArrayLike<number>, reduction: number, what: string): void {
  if (got.length !== ref.length) throw new Error(`${what}: length ${got.length} ≠ ${ref.length}`);
  let maxRef = 0,
    maxDiff = 0;
  for (let i = 0; i < ref.length; i++) {
    maxRef = Math.max(maxRef, Math.abs(ref[i]!));
    const d = Math.abs(got[i]! - ref[i]!);
    if (!(d <= maxDiff)) maxDiff = Number.isNaN(d) ? Infinity : d;
  }
  const tol = 1e-5 * (maxRef + 1) * Math.sqrt(Math.max(1, reduction));
  if (!(maxDiff <= tol)) throw new Error(`${what}: max |diff| ${maxDiff} > ${tol}`);
}
