// Direct-definition convolutions for tests, written independently of src/: padded-input sliding window and scatter-then-crop.
import fc from "fast-check";
import type { ConvGeometry } from "../../src/params/geometry.js";

export const prod = (a: readonly number[]) => a.reduce((p, v) => p * v, 1);

/** Row-major multi-index of flat index i in a box of extents. */
function unflatten(i: number, extents: readonly number[]): number[] {
  const idx = new Array<number>(extents.length);
  for (let ax = extents.length - 1; ax >= 0; ax--) {
    idx[ax] = i % extents[ax]!;
    i = Math.floor(i / extents[ax]!);
  }
  return idx;
}
function flatten(idx: readonly number[], extents: readonly number[]): number {
  return idx.reduce((l, v, ax) => l * extents[ax]! + v, 0);
}

/**
 * Convolution by materialising the zero-padded input, channels-first only:
 * y[n, o, q] = b[o] + Σ_{c, a} xpad[n, c, q·s + a·d] · w[o, c − group offset, a].
 */
export function directConv(g: ConvGeometry, x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number> | null): Float64Array {
  const padded = g.imageSize.map((n, i) => n + g.padBegin[i]! + g.padEnd[i]!);
  const xp = new Float64Array(g.batch * g.imageChannels * prod(padded));
  for (let i = 0; i < g.batch * g.imageChannels * prod(g.imageSize); i++) {
    const nc = Math.floor(i / prod(g.imageSize));
    const pos = unflatten(i % prod(g.imageSize), g.imageSize).map((p, ax) => p + g.padBegin[ax]!);
    xp[nc * prod(padded) + flatten(pos, padded)] = x[i]!;
  }
  const icg = g.imageChannels / g.groups;
  const ocg = g.gridChannels / g.groups;
  const y = new Float64Array(g.batch * g.gridChannels * prod(g.gridSize));
  for (let i = 0; i < y.length; i++) {
    const q = unflatten(i % prod(g.gridSize), g.gridSize);
    const no = Math.floor(i / prod(g.gridSize));
    const [n, o] = [Math.floor(no / g.gridChannels), no % g.gridChannels];
    let acc = b ? b[o]! : 0;
    for (let c = 0; c < icg; c++)
      for (let t = 0; t < prod(g.kernel); t++) {
        const a = unflatten(t, g.kernel);
        const p = q.map((qq, ax) => qq * g.strides[ax]! + a[ax]! * g.dilation[ax]!);
        if (p.some((pp, ax) => pp >= padded[ax]!)) continue;
        const ic = Math.floor(o / ocg) * icg + c;
        acc += xp[(n * g.imageChannels + ic) * prod(padded) + flatten(p, padded)]! * w[(o * icg + c) * prod(g.kernel) + t]!;
      }
    y[i] = acc;
  }
  return y;
}

/**
 * Transposed convolution as the book's scatter, channels-first only: full[q·s + a·d] += x[q]·w[a] into the
 * uncropped output, then out[j] = full[j + padBegin] (zero past its end: that is output padding).
 */
export function directConvTranspose(g: ConvGeometry, x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number> | null): Float64Array {
  const fullSize = g.gridSize.map((n, i) => (n - 1) * g.strides[i]! + g.dilation[i]! * (g.kernel[i]! - 1) + 1);
  const ocg = g.imageChannels / g.groups;
  const icg = g.gridChannels / g.groups;
  const full = new Float64Array(g.batch * g.imageChannels * prod(fullSize));
  for (let i = 0; i < g.batch * g.gridChannels * prod(g.gridSize); i++) {
    const q = unflatten(i % prod(g.gridSize), g.gridSize);
    const nc = Math.floor(i / prod(g.gridSize));
    const [n, c] = [Math.floor(nc / g.gridChannels), nc % g.gridChannels];
    for (let ol = 0; ol < ocg; ol++)
      for (let t = 0; t < prod(g.kernel); t++) {
        const a = unflatten(t, g.kernel);
        const p = q.map((qq, ax) => qq * g.strides[ax]! + a[ax]! * g.dilation[ax]!);
        const o = Math.floor(c / icg) * ocg + ol;
        const f = (n * g.imageChannels + o) * prod(fullSize) + flatten(p, fullSize);
        full[f] = full[f]! + x[i]! * w[(c * ocg + ol) * prod(g.kernel) + t]!;
      }
  }
  const y = new Float64Array(g.batch * g.imageChannels * prod(g.imageSize));
  for (let i = 0; i < y.length; i++) {
    const j = unflatten(i % prod(g.imageSize), g.imageSize).map((v, ax) => v + g.padBegin[ax]!);
    const no = Math.floor(i / prod(g.imageSize));
    const inside = j.every((v, ax) => v < fullSize[ax]!);
    y[i] = (b ? b[no % g.imageChannels]! : 0) + (inside ? full[no * prod(fullSize) + flatten(j, fullSize)]! : 0);
  }
  return y;
}

/** A valid random geometry (channels-first unless asked), with image size from the transposed-conv formula. */
export function arbGeometry(options: { maxNd?: number; channelsLast?: boolean; maxSize?: number } = {}): fc.Arbitrary<ConvGeometry> {
  const axis = fc.record({
    grid: fc.integer({ min: 1, max: options.maxSize ?? 4 }),
    k: fc.integer({ min: 1, max: 4 }),
    s: fc.integer({ min: 1, max: 3 }),
    d: fc.integer({ min: 1, max: 2 }),
    pb: fc.integer({ min: 0, max: 3 }),
    pe: fc.integer({ min: 0, max: 3 }),
    op: fc.integer({ min: 0, max: 2 }),
  });
  return fc
    .record({
      axes: fc.array(axis, { minLength: 1, maxLength: options.maxNd ?? 3 }),
      batch: fc.integer({ min: 1, max: 2 }),
      groups: fc.integer({ min: 1, max: 2 }),
      gpg: fc.integer({ min: 1, max: 2 }),
      ipg: fc.integer({ min: 1, max: 2 }),
      last: options.channelsLast === undefined ? fc.boolean() : fc.constant(options.channelsLast),
    })
    .map(({ axes, batch, groups, gpg, ipg, last }) => {
      const ax = axes.map((a) => {
        const dk = a.d * (a.k - 1) + 1;
        const op = a.op % Math.max(a.s, a.d);
        // keep padding within the dilated kernel so the image size stays positive
        const pb = Math.min(a.pb, dk - 1);
        const pe = Math.min(a.pe, dk - 1 - pb + (a.grid - 1) * a.s);
        return { ...a, pb, pe, op, image: (a.grid - 1) * a.s - pb - pe + dk + op };
      });
      return {
        nd: ax.length,
        batch,
        groups,
        imageChannels: ipg * groups,
        gridChannels: gpg * groups,
        imageSize: ax.map((a) => a.image),
        gridSize: ax.map((a) => a.grid),
        kernel: ax.map((a) => a.k),
        strides: ax.map((a) => a.s),
        dilation: ax.map((a) => a.d),
        padBegin: ax.map((a) => a.pb),
        padEnd: ax.map((a) => a.pe),
        outputPadding: ax.map((a) => a.op),
        channelsLast: last,
      } satisfies ConvGeometry;
    })
    .filter((g) => g.imageSize.every((s) => s >= 1));
}

export function randomArray(n: number, seed: number): Float64Array {
  // a small LCG: deterministic test data independent of the library's own RNG
  const out = new Float64Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Moves the channel axis of a dense [N, C, ...S] tensor to the end ([N, ...S, C]), or back when `toLast` is false. */
export function moveChannels(data: ArrayLike<number>, n: number, c: number, spatial: number, toLast: boolean): Float64Array {
  const out = new Float64Array(n * c * spatial);
  for (let b = 0; b < n; b++)
    for (let ch = 0; ch < c; ch++)
      for (let s = 0; s < spatial; s++) {
        const first = (b * c + ch) * spatial + s;
        const last = (b * spatial + s) * c + ch;
        if (toLast) out[last] = data[first]!;
        else out[first] = data[last]!;
      }
  return out;
}

/** Weight [G, I, ...k] ↔ [G, ...k, I]: the same move with G as the batch axis. */
export function moveWeightChannels(data: ArrayLike<number>, g: ConvGeometry, toLast: boolean): Float64Array {
  return moveChannels(data, g.gridChannels, g.imageChannels / g.groups, prod(g.kernel), toLast);
}

export function dotProduct(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
