// Convolution kernels on WebGPU over the same ConvGeometry as the CPU kernels: imageToGrid, gridToImage, weightGrad.
//
// All three are implicit GEMMs on the tiled core of gemm-wgsl.ts, one workgroup layer per group (im2col is gathered by
// the readers and never stored):
//  - imageToGrid (convolution; tfjs-webgpu conv2d_mm): C[gc, (n, q)] = Σ_(ic, a) W[gc, (ic, a)] · image[n, ic, q·s − p + a·d];
//  - gridToImage (transposed convolution): the phase decomposition. Image positions p ≡ r (mod s) per axis receive
//    only the taps a with (r + p_begin − a·d) ≡ 0 (mod s), every T = s / gcd(s, d)-th tap from the first one, so phase
//    r is a dense GEMM C[ic, (n, p)] = Σ_(gc, tap) W[gc, ic, a] · grid[n, gc, (p + p_begin − a·d) / s] with no zero
//    taps. Each image element belongs to exactly one phase, so every output is written once: no atomics, no
//    scatter. (onnxruntime-web's conv-transpose and tfjs's conv_backprop_mm gather the same sum but loop over all taps
//    and skip the ones that fail the divisibility test; the phases do only the s^-D useful part.)
//  - weightGrad: dW[gc, (ic, a)] = Σ_(n, q) grid[n, gc, q] · image[n, ic, q·s − p + a·d] (reduction over positions).
import type { ConvGeometry } from "../../params/geometry.js";
import { gridShape, imageShape, weightShape } from "../../params/geometry.js";
import { layout3, type Layout3 } from "../reference/layout.js";
import { allocTensor, type GpuTensor } from "./buffer-pool.js";
import { gemmShader, gemmWorkgroups, type GemmSpec } from "./gemm-wgsl.js";
import { dispatch } from "./pipelines.js";

const prod = (a: readonly number[]) => a.reduce((p, v) => p * v, 1);

function checkOperand(op: string, what: string, t: GpuTensor | null, shape: number[]): void {
  if (t === null) return;
  if (t.dtype !== "float32") throw new Error(`${op}: ${what} has dtype ${String(t.dtype)}; WebGPU has no float64, GPU arrays are float32`);
  const n = prod(shape);
  if (t.size !== n) throw new Error(`${op}: ${what} has ${t.size} elements but the geometry needs [${shape.join(", ")}] = ${n}`);
}

/** WGSL constants of a geometry padded to 3 axes (Layout3) and the derived sizes. */
function constants(g: ConvGeometry, L: Layout3): string {
  const c: Record<string, number> = {
    BATCH: g.batch, ICPG: L.icpg, GCPG: L.gcpg, IMGC: g.imageChannels, GRIDC: g.gridChannels,
    K0: L.k[0]!, K1: L.k[1]!, K2: L.k[2]!, S0: L.s[0]!, S1: L.s[1]!, S2: L.s[2]!, D0: L.d[0]!, D1: L.d[1]!, D2: L.d[2]!,
    P0: L.p[0]!, P1: L.p[1]!, P2: L.p[2]!, I0: L.I[0]!, I1: L.I[1]!, I2: L.I[2]!, G0: L.G[0]!, G1: L.G[1]!, G2: L.G[2]!,
    IN: L.iN, IC: L.iC, IX0: L.iX[0]!, IX1: L.iX[1]!, IX2: L.iX[2]!, GN: L.gN, GC: L.gC, GX0: L.gX[0]!, GX1: L.gX[1]!, GX2: L.gX[2]!,
    WG: L.wG, WI: L.wI, WA0: L.wA[0]!, WA1: L.wA[1]!, WA2: L.wA[2]!,
    KP: L.k[0]! * L.k[1]! * L.k[2]!, GP: L.G[0]! * L.G[1]! * L.G[2]!,
    // GP as a divisor: an empty grid makes the GEMM's K or N zero (no reader runs), but `x / 0` would not compile
    GPD: Math.max(1, L.G[0]! * L.G[1]! * L.G[2]!), G1D: Math.max(1, L.G[1]!), G2D: Math.max(1, L.G[2]!),
  };
  return Object.entries(c).map(([k, v]) => `const ${k}: i32 = ${v};`).join("\n");
}

/**
 * WGSL of `fn gather(kk: i32, pos: i32) -> f32`: the im2col element of weight column kk (the weight row's own order:
 * (ic, a) channels-first, (a, ic) channels-last) and grid position pos = n·GP + q, in the group `grp`.
 */
function gatherFn(channelsLast: boolean): string {
  const split = channelsLast ? "let t = kk / ICPG;\n  let icl = kk % ICPG;" : "let icl = kk / KP;\n  let t = kk % KP;";
  return `fn gather(kk: i32, pos: i32) -> f32 {
  ${split}
  let a0 = t / (K1 * K2);
  let a1 = (t / K2) % K1;
  let a2 = t % K2;
  let b = pos / GPD;
  let qi = pos % GPD;
  let x0 = (qi / (G1D * G2D)) * S0 - P0 + a0 * D0;
  let x1 = ((qi / G2D) % G1D) * S1 - P1 + a1 * D1;
  let x2 = (qi % G2D) * S2 - P2 + a2 * D2;
  if (x0 < 0 || x0 >= I0 || x1 < 0 || x1 >= I1 || x2 < 0 || x2 >= I2) { return 0.0; }
  return img[b * IN + (grp * ICPG + icl) * IC + x0 * IX0 + x1 * IX1 + x2 * IX2];
}
/** offset of grid position pos = n·GP + q in channel 0 */
fn gridOffset(pos: i32) -> i32 {
  let qi = pos % GPD;
  return (pos / GPD) * GN + (qi / (G1D * G2D)) * GX0 + ((qi / G2D) % G1D) * GX1 + (qi % G2D) * GX2;
}`;
}

/** Convolution forward (and transposed convolution's input gradient): the grid-shaped result, queued. */
export function imageToGridGpu(g: ConvGeometry, image: GpuTensor, w: GpuTensor, bias: GpuTensor | null): GpuTensor {
  const op = "imageToGrid (webgpu)";
  checkOperand(op, "image", image, imageShape(g));
  checkOperand(op, "weight", w, weightShape(g));
  checkOperand(op, "bias", bias, [g.gridChannels]);
  const out = allocTensor(prod(gridShape(g)), op);
  if (out.size === 0) return out;
  const L = layout3(g);
  const KW = L.icpg * L.k[0]! * L.k[1]! * L.k[2]!; // weight row length = GEMM K
  const vecA = KW % 4 === 0;
  const spec: GemmSpec = {
    decls: `${constants(g, L)}
@group(0) @binding(0) var<storage, read> img: array<f32>;
@group(0) @binding(1) var<storage, read> ${vecA ? "wt: array<vec4<f32>>" : "wt: array<f32>"};
@group(0) @binding(2) var<storage, read_write> outp: array<f32>;
${bias ? "@group(0) @binding(3) var<storage, read> bias: array<f32>;" : ""}
var<private> grp: i32;
${gatherFn(g.channelsLast)}`,
    setup: `  grp = z;\n  return vec3<i32>(GCPG, BATCH * GP, ${KW});`,
    readA: vecA ? `  return wt[((grp * GCPG + m) * ${KW} + k) / 4][k % 4];` : `  return wt[(grp * GCPG + m) * ${KW} + k];`,
    readA4: vecA ? `  return wt[((grp * GCPG + m) * ${KW} + k) / 4];` : undefined,
    readB: `  return gather(k, n);`,
    writeC: `  let gc = grp * GCPG + m;\n  outp[gridOffset(n) + gc * GC] = v${bias ? " + bias[gc]" : ""};`,
  };
  const bindings = bias ? [image, w, out, bias] : [image, w, out];
  dispatch(op, gemmShader(spec), bindings, gemmWorkgroups(L.gcpg, g.batch * prod(g.gridSize), g.groups));
  return out;
}

/** Convolution's weight gradient from the image-side and grid-side tensors: the weight-shaped result, queued. */
export function weightGradGpu(g: ConvGeometry, image: GpuTensor, grid: GpuTensor): GpuTensor {
  const op = "weightGrad (webgpu)";
  checkOperand(op, "image", image, imageShape(g));
  checkOperand(op, "grid", grid, gridShape(g));
  const out = allocTensor(prod(weightShape(g)), op);
  if (out.size === 0) return out;
  const L = layout3(g);
  const KW = L.icpg * L.k[0]! * L.k[1]! * L.k[2]!;
  const spec: GemmSpec = {
    decls: `${constants(g, L)}
@group(0) @binding(0) var<storage, read> img: array<f32>;
@group(0) @binding(1) var<storage, read> grd: array<f32>;
@group(0) @binding(2) var<storage, read_write> outp: array<f32>;
var<private> grp: i32;
${gatherFn(g.channelsLast)}`,
    // rows: grid channels of the group; columns: the weight row (ic, a); reduction: every grid position of the batch
    setup: `  grp = z;\n  return vec3<i32>(GCPG, ${KW}, BATCH * GP);`,
    readA: `  return grd[gridOffset(k) + (grp * GCPG + m) * GC];`,
    readB: `  return gather(n, k);`,
    writeC: `  outp[(grp * GCPG + m) * ${KW} + n] = v;`,
  };
  dispatch(op, gemmShader(spec), [image, grid, out], gemmWorkgroups(L.gcpg, KW, g.groups));
  return out;
}

/** Transposed convolution forward (and convolution's input gradient): the image-shaped result, queued. */
export function gridToImageGpu(g: ConvGeometry, grid: GpuTensor, w: GpuTensor, bias: GpuTensor | null): GpuTensor {
  const op = "gridToImage (webgpu)";
  checkOperand(op, "grid", grid, gridShape(g));
  checkOperand(op, "weight", w, weightShape(g));
  checkOperand(op, "bias", bias, [g.imageChannels]);
  const out = allocTensor(prod(imageShape(g)), op);
  if (out.size === 0) return out;
  const L = layout3(g);
  const [S0, S1, S2] = L.s as [number, number, number];
  const phases = S0 * S1 * S2;
  // tap step per axis: taps of one phase are T = s / gcd(s, d) apart
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const T = [0, 1, 2].map((e) => L.s[e]! / gcd(L.s[e]!, L.d[e]!));
  const axis = (e: number) => `
  let r${e} = ${e === 0 ? `ph / (S1 * S2)` : e === 1 ? `(ph / S2) % S1` : `ph % S2`};
  var f${e} = K${e};
  for (var a = 0; a < min(K${e}, ${T[e]}); a++) {
    if (f${e} == K${e} && ((r${e} + P${e} - a * D${e}) % S${e} + S${e}) % S${e} == 0) { f${e} = a; }
  }
  let c${e} = (K${e} - f${e} + ${T[e] - 1}) / ${T[e]};
  let n${e} = max(0, (I${e} - r${e} + S${e} - 1) / S${e});`;
  const spec: GemmSpec = {
    decls: `${constants(g, L)}
@group(0) @binding(0) var<storage, read> grd: array<f32>;
@group(0) @binding(1) var<storage, read> wt: array<f32>;
@group(0) @binding(2) var<storage, read_write> outp: array<f32>;
${bias ? "@group(0) @binding(3) var<storage, read> bias: array<f32>;" : ""}
const T0: i32 = ${T[0]};
const T1: i32 = ${T[1]};
const T2: i32 = ${T[2]};
var<private> grp: i32;
var<private> r: vec3<i32>;   // the phase: image positions p ≡ r (mod s)
var<private> f: vec3<i32>;   // its first tap per axis
var<private> c: vec3<i32>;   // its number of taps per axis
var<private> np: vec3<i32>;  // its number of image positions per axis
/** the tap (a0, a1, a2) of phase tap index j and the image offset of phase position pos = n·∏np + i */
fn tapOf(j: i32) -> vec3<i32> {
  return f + vec3<i32>(j / (c.y * c.z), (j / c.z) % c.y, j % c.z) * vec3<i32>(T0, T1, T2);
}
fn posOf(pos: i32) -> vec4<i32> {
  let pp = np.x * np.y * np.z;
  let i = pos % pp;
  let p = r + vec3<i32>(i / (np.y * np.z), (i / np.z) % np.y, i % np.z) * vec3<i32>(S0, S1, S2);
  return vec4<i32>(p, pos / pp);
}`,
    setup: `  grp = z / ${phases};
  let ph = z % ${phases};${axis(0)}${axis(1)}${axis(2)}
  r = vec3<i32>(r0, r1, r2);
  f = vec3<i32>(f0, f1, f2);
  c = vec3<i32>(c0, c1, c2);
  np = vec3<i32>(n0, n1, n2);
  return vec3<i32>(ICPG, BATCH * n0 * n1 * n2, GCPG * c0 * c1 * c2);`,
    // A[ic, (gc, tap)] = W[gc, ic, a]
    readA: `  let taps = c.x * c.y * c.z;
  let a = tapOf(k % taps);
  return wt[(grp * GCPG + k / taps) * WG + m * WI + a.x * WA0 + a.y * WA1 + a.z * WA2];`,
    // B[(gc, tap), (n, p)] = grid[n, gc, (p + p_begin − a·d) / s] (exact division; zero outside the grid)
    readB: `  let taps = c.x * c.y * c.z;
  let a = tapOf(k % taps);
  let p = posOf(n);
  let num = p.xyz + vec3<i32>(P0, P1, P2) - a * vec3<i32>(D0, D1, D2);
  let q = num / vec3<i32>(S0, S1, S2);
  if (any(num < vec3<i32>(0)) || any(q >= vec3<i32>(G0, G1, G2))) { return 0.0; }
  return grd[p.w * GN + (grp * GCPG + k / taps) * GC + q.x * GX0 + q.y * GX1 + q.z * GX2];`,
    writeC: `  let p = posOf(n);
  let ic = grp * ICPG + m;
  outp[p.w * IN + ic * IC + p.x * IX0 + p.y * IX1 + p.z * IX2] = v${bias ? " + bias[ic]" : ""};`,
  };
  const bindings = bias ? [grid, w, out, bias] : [grid, w, out];
  // phase 0 has the most positions: ⌈I/s⌉ per axis
  const maxN = g.batch * [0, 1, 2].reduce((p, e) => p * Math.ceil(L.I[e]! / L.s[e]!), 1);
  dispatch(op, gemmShader(spec), bindings, gemmWorkgroups(L.icpg, maxN, g.groups * phases));
  return out;
}
