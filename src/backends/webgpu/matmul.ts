// Matrix product on WebGPU: C[M, N] = A[M, K] · B[K, N] of dense row-major float32 tensors, on the tiled GEMM core.
import { allocTensor, type GpuTensor } from "./buffer-pool.js";
import { gemmShader, gemmWorkgroups } from "./gemm-wgsl.js";
import { dispatch } from "./pipelines.js";

/**
 * C = A·B, queued; A and B are loaded as vec4 where their row length is a multiple of 4. With `batch` > 1, A, B and C
 * are stacks of matrices and workgroup layer z computes C[z] = A[z]·B[z] (np.matmul of 3-D and more, one dispatch).
 */
export function matmulGpu(M: number, N: number, K: number, a: GpuTensor, b: GpuTensor, batch = 1): GpuTensor {
  const op = "matmul (webgpu)";
  if (batch > 65535) throw new Error(`${op}: a batch of ${batch} matrices exceeds the 65535 workgroup layers of one dispatch`);
  for (const [what, t, n] of [
    ["A", a, batch * M * K],
    ["B", b, batch * K * N],
  ] as const) {
    if (t.dtype !== "float32") throw new Error(`${op}: ${what} has dtype ${String(t.dtype)}; WebGPU has no float64, GPU arrays are float32`);
    if (t.size !== n) throw new Error(`${op}: ${what} has ${t.size} elements, expected ${n} for M=${M}, N=${N}, K=${K}`);
  }
  const out = allocTensor(batch * M * N, op);
  if (out.size === 0) return out;
  const vecA = K % 4 === 0,
    vecB = N % 4 === 0;
  const code = gemmShader({
    decls: `@group(0) @binding(0) var<storage, read> A: ${vecA ? "array<vec4<f32>>" : "array<f32>"};
@group(0) @binding(1) var<storage, read> B: ${vecB ? "array<vec4<f32>>" : "array<f32>"};
@group(0) @binding(2) var<storage, read_write> C: array<f32>;
@group(0) @binding(3) var<uniform> u: vec4<i32>;  // M, N, K
// the first element of this layer's A, B and C (multiples of 4 where the vec4 readers are used: K or N % 4 = 0)
var<private> a0: i32;
var<private> b0: i32;
var<private> c0: i32;`,
    setup: `  a0 = z * u.x * u.z;
  b0 = z * u.z * u.y;
  c0 = z * u.x * u.y;
  return u.xyz;`,
    readA: vecA ? `  return A[(a0 + m * u.z + k) / 4][k % 4];` : `  return A[a0 + m * u.z + k];`,
    readA4: vecA ? `  return A[(a0 + m * u.z + k) / 4];` : undefined,
    readB: vecB ? `  return B[(b0 + k * u.y + n) / 4][n % 4];` : `  return B[b0 + k * u.y + n];`,
    readB4: vecB ? `  return B[(b0 + k * u.y + n) / 4];` : undefined,
    writeC: `  C[c0 + m * u.y + n] = v;`,
  });
  dispatch(op, code, [a, b, out], gemmWorkgroups(M, N, batch), Int32Array.of(M, N, K, 0));
  return out;
}
