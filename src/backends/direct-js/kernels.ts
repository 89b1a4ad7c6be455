// Allocation-free JS loops: tiny problems, where the wasm hand-off (copies, packing) would cost more than the arithmetic, and depthwise/small grouped layers.
import type { ConvGeometry } from "../../params/geometry.js";
import type { FloatArray } from "../kernel.js";

/**
 * Geometry flattened to 3 axes (leading axes of size 1) in plain numbers; read field by field so a call allocates nothing.
 * Axis e of an nd-axis geometry maps to 3 − nd + e.
 */
const ax = (a: readonly number[], nd: number, e: number, fill: number): number => (e < 3 - nd ? fill : a[e - 3 + nd]!);

/**
 * Visits every (grid element, tap, image element) triple of the geometry: mode 0 conv: grid[q] += image[p]·w; mode 1
 * tconv: image[p] += grid[q]·w; mode 2 weight grad: dw += image[p]·grid[q]. `grid`/`image`/`w` are all dense in the
 * geometry's layout. The innermost loop runs along the last spatial axis over the grid positions whose tap lands inside
 * the image (its bounds computed once per tap), so a row costs no bounds tests: depthwise and small grouped layers
 * (K = Cin/g·∏k too short for a GEMM) run here at any size, not only tiny calls.
 */
function sweep(mode: 0 | 1 | 2, g: ConvGeometry, image: FloatArray, grid: FloatArray, w: FloatArray): void {
  const nd = g.nd,
    cl = g.channelsLast;
  const k0 = ax(g.kernel, nd, 0, 1),
    k1 = ax(g.kernel, nd, 1, 1),
    k2 = ax(g.kernel, nd, 2, 1);
  const s0 = ax(g.strides, nd, 0, 1),
    s1 = ax(g.strides, nd, 1, 1),
    s2 = ax(g.strides, nd, 2, 1);
  const d0 = ax(g.dilation, nd, 0, 1),
    d1 = ax(g.dilation, nd, 1, 1),
    d2 = ax(g.dilation, nd, 2, 1);
  const p0 = ax(g.padBegin, nd, 0, 0),
    p1 = ax(g.padBegin, nd, 1, 0),
    p2 = ax(g.padBegin, nd, 2, 0);
  const I0 = ax(g.imageSize, nd, 0, 1),
    I1 = ax(g.imageSize, nd, 1, 1),
    I2 = ax(g.imageSize, nd, 2, 1);
  const G0 = ax(g.gridSize, nd, 0, 1),
    G1 = ax(g.gridSize, nd, 1, 1),
    G2 = ax(g.gridSize, nd, 2, 1);
  const Ci = g.imageChannels,
    Cg = g.gridChannels,
    icpg = Ci / g.groups,
    gcpg = Cg / g.groups;
  const Isp = I0 * I1 * I2,
    Gsp = G0 * G1 * G2,
    kp = k0 * k1 * k2;
  // element strides: channel and flattened spatial position of each tensor; weight: grid channel, image channel, tap
  const iC = cl ? 1 : Isp,
    iP = cl ? Ci : 1,
    gC = cl ? 1 : Gsp,
    gP = cl ? Cg : 1;
  const wG = icpg * kp,
    wI = cl ? 1 : kp,
    wT = cl ? icpg : 1;
  const is2 = s2 * iP;
  for (let n = 0; n < g.batch; n++)
    for (let gc = 0; gc < Cg; gc++) {
      const grp = (gc / gcpg) | 0;
      for (let q0 = 0; q0 < G0; q0++)
        for (let q1 = 0; q1 < G1; q1++) {
          // the grid row (n, gc, q0, q1, ·)
          const gRow = n * Cg * Gsp + gc * gC + (q0 * G1 + q1) * G2 * gP;
          for (let icl = 0; icl < icpg; icl++) {
            const ic = grp * icpg + icl;
            for (let a0 = 0; a0 < k0; a0++) {
              const x0 = q0 * s0 - p0 + a0 * d0;
              if (x0 < 0 || x0 >= I0) continue;
              for (let a1 = 0; a1 < k1; a1++) {
                const x1 = q1 * s1 - p1 + a1 * d1;
                if (x1 < 0 || x1 >= I1) continue;
                const iRow = n * Ci * Isp + ic * iC + (x0 * I1 + x1) * I2 * iP;
                for (let a2 = 0; a2 < k2; a2++) {
                  // image column x2 = q2·s2 + off lies in [0, I2) for q2 in [lo, hi)
                  const off = a2 * d2 - p2;
                  // (| 0: integer-typed indices; Math.floor's results would make every index below a double)
                  const lo = off >= 0 ? 0 : ((s2 - 1 - off) / s2) | 0;
                  const hi = Math.min(G2, off > I2 - 1 ? 0 : (((I2 - 1 - off) / s2) | 0) + 1);
                  if (lo >= hi) continue;
                  const wo = gc * wG + icl * wI + ((a0 * k1 + a1) * k2 + a2) * wT;
                  let go = gRow + lo * gP,
                    io = iRow + (lo * s2 + off) * iP;
                  if (mode === 0) {
                    const wv = w[wo]!;
                    for (let q2 = lo; q2 < hi; q2++, go += gP, io += is2) grid[go] = grid[go]! + wv * image[io]!;
                  } else if (mode === 1) {
                    const wv = w[wo]!;
                    for (let q2 = lo; q2 < hi; q2++, go += gP, io += is2) image[io] = image[io]! + wv * grid[go]!;
                  } else {
                    let acc = 0;
                    for (let q2 = lo; q2 < hi; q2++, go += gP, io += is2) acc += image[io]! * grid[go]!;
                    w[wo] = w[wo]! + acc;
                  }
                }
              }
            }
          }
        }
    }
}

/** Fills a data tensor with its per-channel bias (or leaves the zeros of a fresh array). */
function fillBias(out: FloatArray, bias: FloatArray | null, channels: number, spatial: number, batch: number, cl: boolean): void {
  if (!bias) return;
  for (let n = 0; n < batch; n++)
    for (let c = 0; c < channels; c++)
      for (let p = 0; p < spatial; p++) out[cl ? (n * spatial + p) * channels + c : (n * channels + c) * spatial + p] = bias[c]!;
}

const spatial = (a: readonly number[]) => {
  let p = 1;
  for (let i = 0; i < a.length; i++) p *= a[i]!;
  return p;
};

export function imageToGrid(g: ConvGeometry, image: FloatArray, w: FloatArray, bias: FloatArray | null, out: FloatArray): void {
  fillBias(out, bias, g.gridChannels, spatial(g.gridSize), g.batch, g.channelsLast);
  if (!pointwise(g, image, w, out)) sweep(0, g, image, out, w);
}

/**
 * A 1×1 convolution with stride 1 and no padding, channels first (a squeeze-excite block's fully connected layers on
 * a 1×1 image, MobileNet's expansions on small images): grid[n, gc, p] += w[gc, icl]·image[n, ic, p] with no per-tap
 * bounds, which cost sweep ~20 ns per multiply-add when the rows are one element long. The same products added in the
 * same order as sweep's, so the same result. Returns false for any other geometry.
 */
function pointwise(g: ConvGeometry, image: FloatArray, w: FloatArray, out: FloatArray): boolean {
  if (g.channelsLast) return false;
  for (let e = 0; e < g.nd; e++) if (g.kernel[e] !== 1 || g.strides[e] !== 1 || g.padBegin[e] !== 0 || g.gridSize[e] !== g.imageSize[e]) return false;
  const P = spatial(g.gridSize),
    Ci = g.imageChannels,
    Cg = g.gridChannels,
    icpg = Ci / g.groups,
    gcpg = Cg / g.groups;
  for (let n = 0; n < g.batch; n++)
    for (let gc = 0; gc < Cg; gc++) {
      const ic0 = ((gc / gcpg) | 0) * icpg,
        dst = (n * Cg + gc) * P;
      if (P === 1 && out instanceof Float32Array && gc + 3 < Cg && ((gc / gcpg) | 0) === (((gc + 3) / gcpg) | 0)) {
        // four rows of the same group at once: four independent chains of the same float32 roundings, so the
        // latency of one add-and-round no longer bounds the loop (~3 ns per multiply-add for one chain)
        dot4(w, gc * icpg, image, n * Ci + ic0, icpg, out, dst);
        gc += 3;
        continue;
      }
      if (P === 1) {
        // one position: a dot product kept in a local, rounded to float32 after each addition as the stores would
        const wo = gc * icpg,
          xo = n * Ci + ic0;
        let acc = out[dst]!;
        if (out instanceof Float32Array) for (let icl = 0; icl < icpg; icl++) acc = Math.fround(acc + w[wo + icl]! * image[xo + icl]!);
        else for (let icl = 0; icl < icpg; icl++) acc += w[wo + icl]! * image[xo + icl]!;
        out[dst] = acc;
        continue;
      }
      for (let icl = 0; icl < icpg; icl++) {
        const wv = w[gc * icpg + icl]!;
        const src = (n * Ci + ic0 + icl) * P;
        for (let p = 0; p < P; p++) out[dst + p] = out[dst + p]! + wv * image[src + p]!;
      }
    }
  return true;
}

/**
 * out[dst + r] = fround(… fround(out[dst + r] + w[wo + r·K]·x[xo]) … + w[wo + r·K + K − 1]·x[xo + K − 1]) for rows r =
 * 0..3 (grid channels gc..gc + 3 at one position): pointwise's one-position dot product, each row's additions in the
 * same order and rounded the same way.
 */
function dot4(w: FloatArray, wo: number, x: FloatArray, xo: number, K: number, out: Float32Array, dst: number): void {
  let a0 = out[dst]!,
    a1 = out[dst + 1]!,
    a2 = out[dst + 2]!,
    a3 = out[dst + 3]!;
  const w1 = wo + K,
    w2 = wo + 2 * K,
    w3 = wo + 3 * K;
  for (let k = 0; k < K; k++) {
    const v = x[xo + k]!;
    a0 = Math.fround(a0 + w[wo + k]! * v);
    a1 = Math.fround(a1 + w[w1 + k]! * v);
    a2 = Math.fround(a2 + w[w2 + k]! * v);
    a3 = Math.fround(a3 + w[w3 + k]! * v);
  }
  out[dst] = a0;
  out[dst + 1] = a1;
  out[dst + 2] = a2;
  out[dst + 3] = a3;
}

export function gridToImage(g: ConvGeometry, grid: FloatArray, w: FloatArray, bias: FloatArray | null, out: FloatArray): void {
  fillBias(out, bias, g.imageChannels, spatial(g.imageSize), g.batch, g.channelsLast);
  sweep(1, g, out, grid, w);
}

export function weightGrad(g: ConvGeometry, image: FloatArray, grid: FloatArray, out: FloatArray): void {
  sweep(2, g, image, grid, out);
}

/** C = A·B (row-major, M×K times K×N), i-k-j order so the inner loop runs along rows of B and C. */
export function matmul(M: number, N: number, K: number, a: FloatArray, b: FloatArray, c: FloatArray): void {
  if (N === 1) {
    // matrix · vector: one dot product per row, contiguous in both operands
    for (let i = 0; i < M; i++) {
      let acc = 0;
      for (let k = 0, ao = i * K; k < K; k++) acc += a[ao + k]! * b[k]!;
      c[i] = acc;
    }
    return;
  }
  for (let i = 0; i < M; i++)
    for (let k = 0; k < K; k++) {
      const v = a[i * K + k]!;
      const bo = k * N,
        co = i * N;
      for (let j = 0; j < N; j++) c[co + j] = c[co + j]! + v * b[bo + j]!;
    }
}
