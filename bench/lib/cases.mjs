// Benchmark cases (NCHW, float32), seeded inputs and FLOP counts.
//
// op "tconv" = transposed convolution (npx.deconvolution), weight [Cin, Cout, kh, kw];
// op "conv"  = convolution (npx.convolution), weight [Cout, Cin, kh, kw].

/** @typedef {{ id: string, label: string, op: "tconv"|"conv", n: number, cin: number, cout: number,
 *   h: number, w: number, k: number, s: number, p: number, op_pad?: number, unit?: "us"|"ms", note?: string }} Case */

/** @type {Case[]} */
export const CASES = [
  { id: "dcgan1", label: "DCGAN G 512→256 @4² k4 s2 p1 N=8", op: "tconv", n: 8, cin: 512, cout: 256, h: 4, w: 4, k: 4, s: 2, p: 1 },
  { id: "dcgan2", label: "DCGAN G 256→128 @8² k4 s2 p1 N=8", op: "tconv", n: 8, cin: 256, cout: 128, h: 8, w: 8, k: 4, s: 2, p: 1 },
  { id: "dcgan3", label: "DCGAN G 128→64 @16² k4 s2 p1 N=8", op: "tconv", n: 8, cin: 128, cout: 64, h: 16, w: 16, k: 4, s: 2, p: 1 },
  { id: "dcgan4", label: "DCGAN G 64→3 @32² k4 s2 p1 N=8", op: "tconv", n: 8, cin: 64, cout: 3, h: 32, w: 32, k: 4, s: 2, p: 1 },
  { id: "unet1", label: "U-Net up 128→64 @64² k2 s2 p0 N=8", op: "tconv", n: 8, cin: 128, cout: 64, h: 64, w: 64, k: 2, s: 2, p: 0 },
  { id: "unet2", label: "U-Net up 512→256 @32² k2 s2 p0 N=8", op: "tconv", n: 8, cin: 512, cout: 256, h: 32, w: 32, k: 2, s: 2, p: 0 },
  { id: "fcn32", label: "FCN-32s 21→21 @10² k64 s32 p16 N=1", op: "tconv", n: 1, cin: 21, cout: 21, h: 10, w: 10, k: 64, s: 32, p: 16 },
  { id: "fcn32n8", label: "FCN-32s 21→21 @10² k64 s32 p16 N=8", op: "tconv", n: 8, cin: 21, cout: 21, h: 10, w: 10, k: 64, s: 32, p: 16 },
  { id: "tconv_s1", label: "tconv stride 1 64→64 @64² k3 p1 N=8", op: "tconv", n: 8, cin: 64, cout: 64, h: 64, w: 64, k: 3, s: 1, p: 1 },
  { id: "conv3", label: "conv 64→64 @56² k3 p1 N=8", op: "conv", n: 8, cin: 64, cout: 64, h: 56, w: 56, k: 3, s: 1, p: 1 },
  { id: "book2x2", label: "book 2×2 tconv (1×1×2×2 ⊛ 2×2, s1)", op: "tconv", n: 1, cin: 1, cout: 1, h: 2, w: 2, k: 2, s: 1, p: 0, unit: "us", fixedData: true },
];

export const caseById = new Map(CASES.map((c) => [c.id, c]));

/** Output spatial size and shapes. */
export function geometry(c) {
  const op = c.op_pad ?? 0;
  const oh = c.op === "tconv" ? c.s * (c.h - 1) + c.k - 2 * c.p + op : Math.floor((c.h + 2 * c.p - c.k) / c.s) + 1;
  const ow = c.op === "tconv" ? c.s * (c.w - 1) + c.k - 2 * c.p + op : Math.floor((c.w + 2 * c.p - c.k) / c.s) + 1;
  return {
    xShape: [c.n, c.cin, c.h, c.w],
    wShape: c.op === "tconv" ? [c.cin, c.cout, c.k, c.k] : [c.cout, c.cin, c.k, c.k],
    yShape: [c.n, c.cout, oh, ow],
    oh,
    ow,
  };
}

/** MACs: tconv N·Cin·H·W·Cout·kh·kw; conv N·Cout·Ho·Wo·Cin·kh·kw. FLOPs = 2·MACs. */
export function macs(c) {
  if (c.op === "tconv") return c.n * c.cin * c.h * c.w * c.cout * c.k * c.k;
  const g = geometry(c);
  return c.n * c.cout * g.oh * g.ow * c.cin * c.k * c.k;
}
export const flops = (c) => 2 * macs(c);

/** mulberry32: small, fast, seeded PRNG → uniform floats in [-1, 1). */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  };
}

function hashString(s) {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** Same inputs in every process: seeded by the case id. Weights scaled by 1/sqrt(fan-in). */
export function makeData(c) {
  const g = geometry(c);
  const size = (s) => s.reduce((a, b) => a * b, 1);
  if (c.fixedData) {
    // d2l's example: X = [[0,1],[2,3]], K = [[0,1],[2,3]] → Y = [[0,0,1],[0,4,6],[4,12,9]].
    return { ...g, x: Float32Array.from([0, 1, 2, 3]), w: Float32Array.from([0, 1, 2, 3]) };
  }
  const rx = prng(hashString(c.id + ":x"));
  const rw = prng(hashString(c.id + ":w"));
  const x = new Float32Array(size(g.xShape));
  for (let i = 0; i < x.length; i++) x[i] = rx();
  const fanIn = c.op === "tconv" ? (c.cin * c.k * c.k) / (c.s * c.s) : c.cin * c.k * c.k;
  const scale = 1 / Math.sqrt(Math.max(1, fanIn));
  const w = new Float32Array(size(g.wShape));
  for (let i = 0; i < w.length; i++) w[i] = rw() * scale;
  return { ...g, x, w };
}

/** NCHW → NHWC copy. */
export function nchwToNhwc(a, [n, c, h, w]) {
  const out = new Float32Array(a.length);
  for (let b = 0; b < n; b++) for (let ch = 0; ch < c; ch++) for (let i = 0; i < h * w; i++) out[(b * h * w + i) * c + ch] = a[(b * c + ch) * h * w + i];
  return out;
}

/** NHWC → NCHW copy (shape given as NCHW). */
export function nhwcToNchw(a, [n, c, h, w]) {
  const out = new Float32Array(a.length);
  for (let b = 0; b < n; b++) for (let ch = 0; ch < c; ch++) for (let i = 0; i < h * w; i++) out[(b * c + ch) * h * w + i] = a[(b * h * w + i) * c + ch];
  return out;
}

/** [A, B, kh, kw] → [kh, kw, B, A]: tconv weight [Cin,Cout,kh,kw] → tfjs conv2dTranspose filter [kh,kw,Cout,Cin];
 *  conv weight [Cout,Cin,kh,kw] → tfjs conv2d filter [kh,kw,Cin,Cout] is the [kh,kw,B,A] order as well. */
export function oihwToHwio(wt, [a, b, kh, kw]) {
  const out = new Float32Array(wt.length);
  for (let i = 0; i < a; i++)
    for (let j = 0; j < b; j++)
      for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) out[((y * kw + x) * b + j) * a + i] = wt[((i * b + j) * kh + y) * kw + x];
  return out;
}
