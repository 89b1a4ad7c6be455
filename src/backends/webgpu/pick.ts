// WebGPU npx.pick: one thread per picked element gathers x[o, c, i] at the rounded, clipped or wrapped class id c.
import type { GpuTensor } from "./buffer-pool.js";
import { MATH_FNS } from "./elementwise.js";
import { dispatch, grid2d } from "./pipelines.js";

const WORKGROUP = 256;

// round as Math.round (half up: floor(v + ½)); wrap by modF (numpy's mod, exact); a non-finite id gives NaN in out and
// chosen (the CPU throws; a GPU cannot report it without a read-back, and NaN cannot pass for a class). u: n of
// elements, threads per row, outer·0 + n classes, inner, mode (0 clip, 1 wrap)
const PICK = `@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> ids: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<storage, read_write> chosen: array<f32>;
@group(0) @binding(4) var<uniform> u: array<vec4<i32>, 2>;
${MATH_FNS}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let j = i32(gid.y) * u[0].y + i32(gid.x);
  if (j >= u[0].x) { return; }
  let n = u[0].z;
  let inner = u[0].w;
  let v = ids[j];
  if (isNan(v) || isInf(v)) { out[j] = nanF(); chosen[j] = nanF(); return; }
  let raw = floor(v + 0.5);
  var c: f32;
  if (u[1].x == 0) { c = clamp(raw, 0.0, f32(n - 1)); } else { c = modF(raw, f32(n)); }
  chosen[j] = c;
  out[j] = x[((j / inner) * n + i32(c)) * inner + j % inner];
}`;

/** out[o, i] = x[o, c, i], chosen[o, i] = c (x viewed as [outer, n, inner]). */
export function pickAxisGpu(
  x: GpuTensor,
  ids: GpuTensor,
  outer: number,
  n: number,
  inner: number,
  mode: "clip" | "wrap",
  out: GpuTensor,
  chosen: GpuTensor,
): void {
  const total = outer * inner;
  if (total === 0) return;
  const groups = grid2d(Math.ceil(total / WORKGROUP));
  dispatch("npx.pick (webgpu)", PICK, [x, ids, out, chosen], groups, Int32Array.of(total, groups[0] * WORKGROUP, n, inner, mode === "wrap" ? 1 : 0, 0, 0, 0));
}
