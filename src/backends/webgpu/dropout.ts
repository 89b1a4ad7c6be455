// WebGPU dropout: a keep mask hashed from element indices and a seed (counter-based, so no generator state lives on
// the GPU and every element is independent of the launch order), and its application through an optional map.
import type { IndexArray } from "../backend.js";
import { type GpuTensor, releaseTensor } from "./buffer-pool.js";
import { dispatch, grid2d } from "./pipelines.js";
import { upload } from "./transfer.js";

const WORKGROUP = 256;

// The PCG hash of Jarzynski & Olano, "Hash Functions for GPU Rendering" (JCGT 9(3), 2020), after O'Neill's PCG: one
// LCG step and PCG's RXS-M-XS output permutation; it passes BigCrush as a 1-D hash there. Two rounds mix the element
// index with the two 32-bit seed words; the top 24 bits give r in [0, 1), and the element is kept when r ≥ p
// (probability 1 − ⌈p·2²⁴⌉/2²⁴, within 2⁻²⁴ of 1 − p).
const MASK = `@group(0) @binding(0) var<storage, read_write> mask: array<f32>;
@group(0) @binding(1) var<uniform> u: array<vec4<u32>, 2>;  // n, threads per grid row, seed words; p, keep (f32 bits)
fn pcg(v: u32) -> u32 {
  let state = v * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.y * u[0].y + gid.x;
  if (i >= u[0].x) { return; }
  let h = pcg(pcg(i ^ u[0].z) + u[0].w);
  let r = f32(h >> 8u) * (1.0 / 16777216.0);
  mask[i] = select(0.0, bitcast<f32>(u[1].y), r >= bitcast<f32>(u[1].x));
}`;

const APPLY = (mapped: boolean) => `@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> mask: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
${mapped ? "@group(0) @binding(3) var<storage, read> map: array<i32>;\n" : ""}@group(0) @binding(${mapped ? 4 : 3}) var<uniform> u: array<vec4<u32>, 1>;
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.y * u[0].y + gid.x;
  if (i >= u[0].x) { return; }
  y[i] = x[i] * mask[${mapped ? "map[i]" : "i"}];
}`;

/** A mask of n elements: 1/(1 − p) with probability 1 − p, else 0, from two seed words drawn with `uniform`. */
export function dropoutMaskGpu(mask: GpuTensor, n: number, p: number, uniform: () => number): void {
  // the seed comes from np.random (so np.random.seed repeats the mask), drawn even when n = 0 to keep the stream aligned
  const seedA = Math.floor(uniform() * 2 ** 32) >>> 0,
    seedB = Math.floor(uniform() * 2 ** 32) >>> 0;
  if (n === 0) return;
  const groups = grid2d(Math.ceil(n / WORKGROUP));
  const u = new Uint32Array(8);
  u.set([n, groups[0] * WORKGROUP, seedA, seedB]);
  new Float32Array(u.buffer, 16, 2).set([p, 1 / (1 - p)]);
  dispatch("dropout mask (webgpu)", MASK, [mask], groups, new Int32Array(u.buffer));
}

/** y = x · mask[map[i]] (map: a CPU table, uploaded for the call) or x · mask. */
export function applyMaskGpu(x: GpuTensor, mask: GpuTensor, map: IndexArray | null, y: GpuTensor): void {
  const n = x.size;
  if (n === 0) return;
  const op = "dropout (webgpu)";
  const groups = grid2d(Math.ceil(n / WORKGROUP));
  const u = Int32Array.of(n, groups[0] * WORKGROUP, 0, 0);
  if (!map) {
    dispatch(op, APPLY(false), [x, mask, y], groups, u);
    return;
  }
  // a GPU array has fewer than 2³¹ elements (a binding is at most 4 GiB), so the map fits i32
  const m = Int32Array.from(map);
  const t = upload(new Float32Array(m.buffer), op);
  try {
    dispatch(op, APPLY(true), [x, mask, y, t], groups, u);
  } finally {
    releaseTensor(t);
  }
}
