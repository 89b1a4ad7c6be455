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
import { allocTensor, type GpuTensor, releaseTensor } from "./buffer-pool.js";
import { gemmShader, gemmWorkgroups, type GemmSpec } from "./gemm-wgsl.js";
import { dispatch } from "./pipelines.js";

const prod = (a: readonly number[]) => a.reduce((p, v) => p * v, 1);

function checkOperand(op: string, what: string, t: GpuTensor | null, shape: number[]): void {
  if (t === null) return;
  if (t.dtype !== "float32") throw new Error(`${op}: ${what} has dtype ${String(t.dtype)}; WebGPU has no float64, GPU arrays are float32`);
  const n = prod(shape);
  if (t.size !== n) throw new Error(`${op}: ${what} has ${t.size} elements but the geometry needs [${shape.join(", ")}] = ${n}`);
}

/**
 * The geometry as the uniform block `u` of every convolution shader (padded to 3 axes, Layout3's strides), so one
 * pipeline per kernel variant serves every layer. Vectors use .xyz for the axes; .w carries one more size.
 */
const GEO_STRUCT = `struct Geo {
  k: vec4<i32>,   // kernel; w = taps per weight row ∏k
  s: vec4<i32>,   // strides; w = phases ∏s
  d: vec4<i32>,   // dilation; w = channels-last (1) or first (0)
  p: vec4<i32>,   // padBegin; w = 1 when a bias is bound
  I: vec4<i32>,   // image size; w = image batch stride
  G: vec4<i32>,   // grid size; w = grid batch stride
  iX: vec4<i32>,  // image position strides; w = image channel stride
  gX: vec4<i32>,  // grid position strides; w = grid channel stride
  wA: vec4<i32>,  // weight tap strides; w = weight grid-channel stride
  c: vec4<i32>,   // batch, image channels per group, grid channels per group, weight image-channel stride
  t: vec4<i32>,   // gridToImage tap step per axis s / gcd(s, d); w = ∏grid (at least 1)
}`;

function geoUniforms(g: ConvGeometry, L: Layout3): Int32Array {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const T = [0, 1, 2].map((e) => L.s[e]! / gcd(L.s[e]!, L.d[e]!));
  const kp = L.k[0]! * L.k[1]! * L.k[2]!,
    gp = L.G[0]! * L.G[1]! * L.G[2]!;
  return Int32Array.from([
    ...L.k,
    kp,
    ...L.s,
    L.s[0]! * L.s[1]! * L.s[2]!,
    ...L.d,
    g.channelsLast ? 1 : 0,
    ...L.p,
    0,
    ...L.I,
    L.iN,
    ...L.G,
    L.gN,
    ...L.iX,
    L.iC,
    ...L.gX,
    L.gC,
    ...L.wA,
    L.wG,
    g.batch,
    L.icpg,
    L.gcpg,
    L.wI,
    ...T,
    Math.max(1, gp),
  ]);
}

/**
 * WGSL of `fn gather(kk: i32, pos: i32) -> f32`: the im2col element of weight column kk (the weight row's own order:
 * (ic, a) channels-first, (a, ic) channels-last) and grid position pos = n·∏G + q, in the group `grp`; and the offset
 * of a grid position in channel 0. Grid axes of size 0 divide as 1 (no reader runs then: the GEMM's N or K is 0).
 */
const GATHER = `fn gather(kk: i32, pos: i32) -> f32 {
  var t = kk % u.k.w;
  var icl = kk / u.k.w;
  if (u.d.w == 1) { t = kk / u.c.y; icl = kk % u.c.y; }
  let a = vec3<i32>(t / (u.k.y * u.k.z), (t / u.k.z) % u.k.y, t % u.k.z);
  let g1 = max(u.G.y, 1);
  let g2 = max(u.G.z, 1);
  let qi = pos % u.t.w;
  let q = vec3<i32>(qi / (g1 * g2), (qi / g2) % g1, qi % g2);
  let x = q * u.s.xyz - u.p.xyz + a * u.d.xyz;
  if (any(x < vec3<i32>(0)) || any(x >= u.I.xyz)) { return 0.0; }
  return img[(pos / u.t.w) * u.I.w + (grp * u.c.y + icl) * u.iX.w + dot(x, u.iX.xyz)];
}
fn gridOffset(pos: i32) -> i32 {
  let g1 = max(u.G.y, 1);
  let g2 = max(u.G.z, 1);
  let qi = pos % u.t.w;
  let q = vec3<i32>(qi / (g1 * g2), (qi / g2) % g1, qi % g2);
  return (pos / u.t.w) * u.G.w + dot(q, u.gX.xyz);
}`;

/**
 * Dispatches a kernel that binds a bias: a 1-element placeholder when the call has none (u.p.w = 0 says to ignore it),
 * returned to the pool right after the submission (any reuse is a later queue operation, so it runs after this one).
 */
function dispatchWithBias(
  op: string,
  code: string,
  bindings: GpuTensor[],
  biasAt: number,
  bias: GpuTensor | null,
  wg: [number, number, number],
  uniforms: Int32Array,
): void {
  const placeholder = bias === null ? allocTensor(1, op) : null;
  bindings.splice(biasAt, 0, bias ?? placeholder!);
  try {
    dispatch(op, code, bindings, wg, uniforms);
  } finally {
    if (placeholder !== null) releaseTensor(placeholder);
  }
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
    decls: `${GEO_STRUCT}
@group(0) @binding(0) var<storage, read> img: array<f32>;
@group(0) @binding(1) var<storage, read> ${vecA ? "wt: array<vec4<f32>>" : "wt: array<f32>"};
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> outp: array<f32>;
@group(0) @binding(4) var<uniform> u: Geo;
var<private> grp: i32;
${GATHER}`,
    setup: `  grp = z;
  return vec3<i32>(u.c.z, u.c.x * u.t.w * select(1, 0, u.G.x * u.G.y * u.G.z == 0), u.c.y * u.k.w);`,
    readA: vecA
      ? `  let i = (grp * u.c.z + m) * u.c.y * u.k.w + k;
  return wt[i / 4][i % 4];`
      : `  return wt[(grp * u.c.z + m) * u.c.y * u.k.w + k];`,
    readA4: vecA ? `  return wt[((grp * u.c.z + m) * u.c.y * u.k.w + k) / 4];` : undefined,
    readB: `  return gather(k, n);`,
    writeC: `  let gc = grp * u.c.z + m;
  var r = v;
  if (u.p.w == 1) { r += bias[gc]; }
  outp[gridOffset(n) + gc * u.gX.w] = r;`,
  };
  const uniforms = geoUniforms(g, L);
  uniforms[15] = bias ? 1 : 0; // p.w
  dispatchWithBias(op, gemmShader(spec), [image, w, out], 2, bias, gemmWorkgroups(L.gcpg, g.batch * prod(g.gridSize), g.groups), uniforms);
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
    decls: `${GEO_STRUCT}
@group(0) @binding(0) var<storage, read> img: array<f32>;
@group(0) @binding(1) var<storage, read> grd: array<f32>;
@group(0) @binding(2) var<storage, read_write> outp: array<f32>;
@group(0) @binding(3) var<uniform> u: Geo;
var<private> grp: i32;
${GATHER}`,
    // rows: grid channels of the group; columns: the weight row (ic, a); reduction: every grid position of the batch
    setup: `  grp = z;
  return vec3<i32>(u.c.z, u.c.y * u.k.w, u.c.x * u.G.x * u.G.y * u.G.z);`,
    readA: `  return grd[gridOffset(k) + (grp * u.c.z + m) * u.gX.w];`,
    readB: `  return gather(n, k);`,
    writeC: `  outp[(grp * u.c.z + m) * u.c.y * u.k.w + n] = v;`,
  };
  dispatch(op, gemmShader(spec), [image, grid, out], gemmWorkgroups(L.gcpg, KW, g.groups), geoUniforms(g, L));
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
  const phases = L.s[0]! * L.s[1]! * L.s[2]!;
  const axis = (e: number, x: string) => `
  let r${e} = ${e === 0 ? "ph / (u.s.y * u.s.z)" : e === 1 ? "(ph / u.s.z) % u.s.y" : "ph % u.s.z"};
  var f${e} = u.k.${x};
  for (var a = 0; a < min(u.k.${x}, u.t.${x}); a++) {
    if (f${e} == u.k.${x} && ((r${e} + u.p.${x} - a * u.d.${x}) % u.s.${x} + u.s.${x}) % u.s.${x} == 0) { f${e} = a; }
  }
  let c${e} = (u.k.${x} - f${e} + u.t.${x} - 1) / u.t.${x};
  let n${e} = max(0, (u.I.${x} - r${e} + u.s.${x} - 1) / u.s.${x});`;
  const spec: GemmSpec = {
    decls: `${GEO_STRUCT}
@group(0) @binding(0) var<storage, read> grd: array<f32>;
@group(0) @binding(1) var<storage, read> wt: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> outp: array<f32>;
@group(0) @binding(4) var<uniform> u: Geo;
var<private> grp: i32;
var<private> r: vec3<i32>;   // the phase: image positions p ≡ r (mod s)
var<private> f: vec3<i32>;   // its first tap per axis
var<private> c: vec3<i32>;   // its number of taps per axis
var<private> np: vec3<i32>;  // its number of image positions per axis
/** the tap (a0, a1, a2) of phase tap index j */
fn tapOf(j: i32) -> vec3<i32> {
  return f + vec3<i32>(j / (c.y * c.z), (j / c.z) % c.y, j % c.z) * u.t.xyz;
}
/** image position (xyz) and batch index (w) of phase position pos = n·∏np + i */
fn posOf(pos: i32) -> vec4<i32> {
  let pp = np.x * np.y * np.z;
  let i = pos % pp;
  let p = r + vec3<i32>(i / (np.y * np.z), (i / np.z) % np.y, i % np.z) * u.s.xyz;
  return vec4<i32>(p, pos / pp);
}`,
    setup: `  grp = z / u.s.w;
  let ph = z % u.s.w;${axis(0, "x")}${axis(1, "y")}${axis(2, "z")}
  r = vec3<i32>(r0, r1, r2);
  f = vec3<i32>(f0, f1, f2);
  c = vec3<i32>(c0, c1, c2);
  np = vec3<i32>(n0, n1, n2);
  return vec3<i32>(u.c.y, u.c.x * n0 * n1 * n2, u.c.z * c0 * c1 * c2);`,
    // A[ic, (gc, tap)] = W[gc, ic, a]
    readA: `  let taps = c.x * c.y * c.z;
  let a = tapOf(k % taps);
  return wt[(grp * u.c.z + k / taps) * u.wA.w + m * u.c.w + dot(a, u.wA.xyz)];`,
    // B[(gc, tap), (n, p)] = grid[n, gc, (p + p_begin − a·d) / s] (exact division; zero outside the grid)
    readB: `  let taps = c.x * c.y * c.z;
  let a = tapOf(k % taps);
  let p = posOf(n);
  let num = p.xyz + u.p.xyz - a * u.d.xyz;
  let q = num / u.s.xyz;
  if (any(num < vec3<i32>(0)) || any(q >= u.G.xyz)) { return 0.0; }
  return grd[p.w * u.G.w + (grp * u.c.z + k / taps) * u.gX.w + dot(q, u.gX.xyz)];`,
    writeC: `  let p = posOf(n);
  let ic = grp * u.c.y + m;
  var v2 = v;
  if (u.p.w == 1) { v2 += bias[ic]; }
  outp[p.w * u.I.w + ic * u.iX.w + dot(p.xyz, u.iX.xyz)] = v2;`,
  };
  const uniforms = geoUniforms(g, L);
  uniforms[15] = bias ? 1 : 0; // p.w
  // phase 0 has the most positions: ⌈I/s⌉ per axis
  const maxN = g.batch * [0, 1, 2].reduce((p, e) => p * Math.ceil(L.I[e]! / L.s[e]!), 1);
  dispatchWithBias(op, gemmShader(spec), [grid, w, out], 2, bias, gemmWorkgroups(L.icpg, maxN, g.groups * phases), uniforms);
  return out;
}
