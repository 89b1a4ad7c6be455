// WebGPU pooling over a folded 3-D PoolGeometry: max / avg / sum forward (with max's argmax as i32 on the GPU), its
// adjoint as a gather over the windows that hold each input element (no atomics), and the argmax gather.
import type { PoolGeometry, PoolType } from "../../params/pool-params.js";
import type { GpuTensor } from "./buffer-pool.js";
import { dispatch, grid2d } from "./pipelines.js";

// One thread per output (forward, gather) or per input element (backward), consecutive threads on consecutive elements
// of the dense layout: writes are coalesced, and so are reads for channels-last (channel fastest); channels-first
// neighbours read one stride apart, which the windows' overlap keeps in cache. 256 threads per workgroup, as the other
// one-thread-per-element kernels (pointwise.ts).
const WORKGROUP = 256;

/** Element strides [n, c, d, h, w] of a dense array with these sizes in the geometry's layout (as fused/pooling.ts). */
function strides(g: PoolGeometry, size: readonly [number, number, number]): [number, number, number, number, number] {
  const [D, H, W] = size;
  const C = g.channels;
  return g.channelsLast ? [D * H * W * C, 1, H * W * C, W * C, C] : [C * D * H * W, D * H * W, H * W, W, 1];
}

/**
 * The geometry as the uniform block (9 × vec4<i32>), so one pipeline serves every shape of a variant:
 * u[0] total, groupsX·WORKGROUP, C, channelsLast · u[1] D, H, W, batch · u[2] OD, OH, OW, countIncludePad ·
 * u[3] kernel · u[4] stride · u[5] pad · u[6] x strides n, c, d, h · u[7] x stride w, y strides n, c, d · u[8] y strides h, w.
 */
function uniforms(g: PoolGeometry, total: number, groupsX: number): Int32Array {
  const u = new Int32Array(36);
  u.set([total, groupsX * WORKGROUP, g.channels, g.channelsLast ? 1 : 0], 0);
  u.set([...g.inSize, g.batch], 4);
  u.set([...g.outSize, g.countIncludePad ? 1 : 0], 8);
  u.set(g.kernel, 12);
  u.set(g.stride, 16);
  u.set(g.pad, 20);
  const [xn, xc, xd, xh, xw] = strides(g, g.inSize);
  const [yn, yc, yd, yh, yw] = strides(g, g.outSize);
  u.set([xn, xc, xd, xh, xw, yn, yc, yd, yh, yw], 24);
  return u;
}

// Shared WGSL: the uniform block, the element index, a dense index split into (n, c, d, h, w) in either layout, and the
// element count an avg window divides by (clipped to the padded input, or to the input without countIncludePad).
const COMMON = `
fn total() -> i32 { return u[0].x; }
fn index(gid: vec3<u32>) -> i32 { return i32(gid.y) * u[0].y + i32(gid.x); }
// (n, c, d, h, w) of dense index i over sizes s = (D, H, W) in the geometry's layout
fn split(i: i32, s: vec3<i32>) -> array<i32, 5> {
  let C = u[0].z;
  var r = i;
  var c = 0;
  if (u[0].w == 1) { c = r % C; r = r / C; }
  let w = r % s.z; r = r / s.z;
  let h = r % s.y; r = r / s.y;
  let d = r % s.x; r = r / s.x;
  if (u[0].w == 0) { c = r % C; r = r / C; }
  return array<i32, 5>(r, c, d, h, w);
}
fn xAt(n: i32, c: i32, d: i32, h: i32, w: i32) -> i32 { return n * u[6].x + c * u[6].y + d * u[6].z + h * u[6].w + w * u[7].x; }
fn yAt(n: i32, c: i32, d: i32, h: i32, w: i32) -> i32 { return n * u[7].y + c * u[7].z + d * u[7].w + h * u[8].x + w * u[8].y; }
// the window of output o along the axes: first tap o·s − p, clipped bounds [lo, hi)
fn start(o: vec3<i32>) -> vec3<i32> { return o * u[4].xyz - u[5].xyz; }
fn avgCount(a: vec3<i32>) -> f32 {
  let inSize = u[1].xyz;
  var e: vec3<i32>;
  if (u[2].w == 1) { e = min(a + u[3].xyz, inSize + u[5].xyz) - a; }
  else { e = min(a + u[3].xyz, inSize) - max(a, vec3<i32>(0)); }
  return f32(e.x * e.y * e.z);
}`;

const HEADER = (bindings: readonly string[]) =>
  `${bindings.map((b, i) => `@group(0) @binding(${i}) var<storage, ${b};`).join("\n")}
@group(0) @binding(${bindings.length}) var<uniform> u: array<vec4<i32>, 9>;
// -∞ from a private variable: a constant bitcast of ∞ bits is rejected at shader creation (docs/gpu.md)
var<private> NEG_INF_BITS: u32 = 0xff800000u;
${COMMON}`;

/**
 * y[n, c, o] = max / Σ / mean of x over window o, clipped to the input (fused/pooling.ts's rule). Max keeps the first
 * element of the window in row-major order unless a later one is strictly greater, and writes its index in x to
 * argmax (i32) when one is given.
 */
function forwardCode(type: PoolType, withArgmax: boolean): string {
  const bindings = ["read> x: array<f32>", "read_write> y: array<f32>", ...(withArgmax ? ["read_write> am: array<i32>"] : [])];
  const body =
    type === "max"
      ? `  var best = bitcast<f32>(NEG_INF_BITS);
  var arg = -1;
  for (var d = lo.x; d < hi.x; d++) {
    for (var h = lo.y; h < hi.y; h++) {
      for (var w = lo.z; w < hi.z; w++) {
        let xi = xAt(p[0], p[1], d, h, w);
        let v = x[xi];
        if (v > best || arg < 0) { best = v; arg = xi; }
      }
    }
  }
  y[o] = best;${withArgmax ? "\n  am[o] = arg;" : ""}`
      : `  var s = 0.0;
  for (var d = lo.x; d < hi.x; d++) {
    for (var h = lo.y; h < hi.y; h++) {
      for (var w = lo.z; w < hi.z; w++) { s += x[xAt(p[0], p[1], d, h, w)]; }
    }
  }
  y[o] = ${type === "avg" ? "s / avgCount(a)" : "s"};`;
  return `${HEADER(bindings)}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let o = index(gid);
  if (o >= total()) { return; }
  let p = split(o, u[2].xyz);
  let a = start(vec3<i32>(p[2], p[3], p[4]));
  let lo = max(a, vec3<i32>(0));
  let hi = min(a + u[3].xyz, u[1].xyz);
${body}
}`;
}

/**
 * dx[i] = Σ over the windows o that hold input element i of: dy[o] where argmax[o] = i (max), dy[o] (sum), dy[o] ÷
 * count(o) (avg). Along an axis, the windows holding position t are o ∈ [⌈(t + p − k + 1)/s⌉, ⌊(t + p)/s⌋] ∩ [0, O).
 * A gather, so overlapping windows need no float atomics (WGSL has none) and the result does not depend on timing.
 */
function backwardCode(type: PoolType): string {
  const bindings = ["read> dy: array<f32>", "read_write> dx: array<f32>", ...(type === "max" ? ["read> am: array<i32>"] : [])];
  const term = type === "max" ? "select(0.0, dy[yi], am[yi] == i)" : type === "avg" ? "dy[yi] / avgCount(start(vec3<i32>(od, oh, ow)))" : "dy[yi]";
  return `${HEADER(bindings)}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = index(gid);
  if (i >= total()) { return; }
  let p = split(i, u[1].xyz);
  let t = vec3<i32>(p[2], p[3], p[4]);
  let first = t + u[5].xyz - u[3].xyz + vec3<i32>(1);
  // ⌈first / s⌉ for first > 0; windows before 0 do not exist
  let lo = select(vec3<i32>(0), (first + u[4].xyz - vec3<i32>(1)) / u[4].xyz, first > vec3<i32>(0));
  let hi = min((t + u[5].xyz) / u[4].xyz, u[2].xyz - vec3<i32>(1));
  var s = 0.0;
  for (var od = lo.x; od <= hi.x; od++) {
    for (var oh = lo.y; oh <= hi.y; oh++) {
      for (var ow = lo.z; ow <= hi.z; ow++) {
        let yi = yAt(p[0], p[1], od, oh, ow);
        s += ${term};
      }
    }
  }
  dx[i] = s;
}`;
}

const GATHER = `@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> am: array<i32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<uniform> u: array<vec4<i32>, 1>;  // n, groupsX·${WORKGROUP}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let o = i32(gid.y) * u[0].y + i32(gid.x);
  if (o >= u[0].x) { return; }
  // every window holds at least one input element (params/pool-params drops windows that start in the end padding),
  // so a winner exists; a negative index would read nothing
  let k = am[o];
  y[o] = select(0.0, x[max(k, 0)], k >= 0);
}`;

const count = (s: readonly number[]) => s[0]! * s[1]! * s[2]!;

/** y ← pooling of x; argmax (i32 bits) ← the winners of max pooling when given. */
export function poolForwardGpu(g: PoolGeometry, x: GpuTensor, y: GpuTensor, argmax: GpuTensor | null): void {
  const total = g.batch * g.channels * count(g.outSize);
  if (total === 0) return;
  const groups = grid2d(Math.ceil(total / WORKGROUP));
  const withArgmax = g.poolType === "max" && argmax !== null;
  dispatch(`pooling ${g.poolType} (webgpu)`, forwardCode(g.poolType, withArgmax), withArgmax ? [x, y, argmax] : [x, y], groups, uniforms(g, total, groups[0]));
}

/** dx ← the adjoint of poolForward applied to dy (every element of dx written). */
export function poolBackwardGpu(g: PoolGeometry, dy: GpuTensor, dx: GpuTensor, argmax: GpuTensor | null): void {
  const total = g.batch * g.channels * count(g.inSize);
  if (total === 0) return;
  if (g.poolType === "max" && argmax === null) throw new Error("pooling (gradient, webgpu): max pooling needs the forward's argmax");
  const groups = grid2d(Math.ceil(total / WORKGROUP));
  dispatch(
    `pooling ${g.poolType} gradient (webgpu)`,
    backwardCode(g.poolType),
    g.poolType === "max" ? [dy, dx, argmax!] : [dy, dx],
    groups,
    uniforms(g, total, groups[0]),
  );
}

/** y[o] = x[argmax[o]] for o < n. */
export function poolGatherGpu(x: GpuTensor, argmax: GpuTensor, y: GpuTensor, n: number): void {
  if (n === 0) return;
  const groups = grid2d(Math.ceil(n / WORKGROUP));
  dispatch("pooling gather (webgpu)", GATHER, [x, argmax, y], groups, Int32Array.of(n, groups[0] * WORKGROUP, 0, 0));
}
