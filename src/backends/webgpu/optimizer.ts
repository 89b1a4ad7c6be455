// Fused optimizer updates on WebGPU (the CPU's js/optimizer.ts, one thread per element): SGD with or without momentum.
import type { GradPrep } from "../../params/kernel-records.js";
import type { GpuTensor } from "./buffer-pool.js";
import { dispatch, grid2d } from "./pipelines.js";

const WORKGROUP = 256;

/** The scalars travel as f32 bits in the uniform block, so one pipeline serves every learning rate and size. */
function sgdShader(momentum: boolean): string {
  return `@group(0) @binding(0) var<storage, read_write> w: array<f32>;
@group(0) @binding(1) var<storage, read> grad: array<f32>;
${momentum ? "@group(0) @binding(2) var<storage, read_write> v: array<f32>;\n" : ""}@group(0) @binding(${momentum ? 3 : 2}) var<uniform> u: array<vec4<i32>, 2>;  // n, groupsX·${WORKGROUP}; rescale, clip, wd, lr, momentum (f32 bits)
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = i32(gid.y) * u[0].y + i32(gid.x);
  if (i >= u[0].x) { return; }
  let rescale = bitcast<f32>(u[0].z);
  let clip = bitcast<f32>(u[0].w);
  let wd = bitcast<f32>(u[1].x);
  let lr = bitcast<f32>(u[1].y);
  // g = clip(grad · rescale) + wd · w   (clip = +inf for none)
  var g = clamp(grad[i] * rescale, -clip, clip) + w[i] * wd;
${momentum ? "  let mom = bitcast<f32>(u[1].z);\n  v[i] = v[i] * mom - g * lr;\n  w[i] = w[i] + v[i];" : "  w[i] = w[i] - g * lr;"}
}`;
}

/** w ← w − lr·g, or v ← momentum·v − lr·g; w ← w + v (queued), over the first n elements. */
export function sgdUpdateGpu(w: GpuTensor, grad: GpuTensor, v: GpuTensor | null, n: number, p: GradPrep, lr: number, momentum: number): void {
  if (n === 0) return;
  const groups = grid2d(Math.ceil(n / WORKGROUP));
  const f = new Float32Array(8);
  const u = new Int32Array(f.buffer);
  u[0] = n;
  u[1] = groups[0] * WORKGROUP;
  f[2] = p.rescale;
  f[3] = p.clip; // Infinity stays +inf in f32
  f[4] = p.wd;
  f[5] = lr;
  f[6] = momentum;
  dispatch("sgd_update (webgpu)", sgdShader(v !== null), v === null ? [w, grad] : [w, grad, v], groups, u);
}
