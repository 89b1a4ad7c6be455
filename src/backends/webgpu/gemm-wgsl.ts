// The tiled GEMM shader template every convolution kernel and matmul instantiate with its own operand readers.
//
// Design (after tfjs-backend-webgpu's matmul_packed / conv2d_mm: one GEMM core, operands read through mm_readA /
// mm_readB snippets that gather im2col on the fly, results stored through mm_write): a workgroup of 8×8 threads
// computes a 32×32 tile of C = A·B, each thread a 4×4 block held in four vec4 accumulators. Each step stages a
// 32(m)×32(k) tile of A and a 32(k)×32(n) tile of B in workgroup memory (4 KiB + 4 KiB, within the 16 KiB default),
// B as vec4 rows so the inner product reads one vec4 of B and four scalars of A per k. Operands that are dense
// along the staged direction (A along k, B along n, with the length a multiple of 4) are loaded as vec4.

export const TILE = 32;
/** Workgroup size (x = columns of C, y = rows) and the 4×4 outputs of each thread. */
export const WG = 8;

export interface GemmSpec {
  /** module-scope declarations: bindings, private variables, helper functions */
  decls: string;
  /**
   * body of `fn setup(z: i32) -> vec3<i32>`: may set private variables for the readers, and returns (M, N, K) of the
   * GEMM that workgroup layer z computes (it must depend on z and constants only: the tile loop's barriers need it uniform)
   */
  setup: string;
  /** body of `fn readA(m: i32, k: i32) -> f32`, called only with m < M, k < K */
  readA: string;
  /** body of `fn readA4(m: i32, k: i32) -> vec4<f32>` (A[m, k..k+3]), only when K % 4 = 0 and A is dense along k */
  readA4?: string;
  /** body of `fn readB(k: i32, n: i32) -> f32`, called only with k < K, n < N */
  readB: string;
  /** body of `fn readB4(k: i32, n: i32) -> vec4<f32>` (B[k, n..n+3]), only when N % 4 = 0 and B is dense along n */
  readB4?: string;
  /** body of `fn writeC(m: i32, n: i32, v: f32)`, called once per m < M, n < N */
  writeC: string;
}

/** The full WGSL module of a GEMM spec, dispatched as (⌈N/32⌉, ⌈M/32⌉, layers). */
export function gemmShader(s: GemmSpec): string {
  const loadA = s.readA4
    ? `if (m < M && k < K) { return readA4(m, k); }
    return vec4<f32>(0.0);`
    : `var v = vec4<f32>(0.0);
    if (m < M) {
      for (var j = 0; j < 4; j++) { if (k + j < K) { v[j] = readA(m, k + j); } }
    }
    return v;`;
  const loadB = s.readB4
    ? `if (k < K && n < N) { return readB4(k, n); }
    return vec4<f32>(0.0);`
    : `var v = vec4<f32>(0.0);
    if (k < K) {
      for (var j = 0; j < 4; j++) { if (n + j < N) { v[j] = readB(k, n + j); } }
    }
    return v;`;
  return `${s.decls}
fn setup(z: i32) -> vec3<i32> {
${s.setup}
}
fn readA(m: i32, k: i32) -> f32 {
${s.readA}
}
${s.readA4 ? `fn readA4(m: i32, k: i32) -> vec4<f32> {\n${s.readA4}\n}` : ""}
fn readB(k: i32, n: i32) -> f32 {
${s.readB}
}
${s.readB4 ? `fn readB4(k: i32, n: i32) -> vec4<f32> {\n${s.readB4}\n}` : ""}
fn writeC(m: i32, n: i32, v: f32) {
${s.writeC}
}
fn loadA(m: i32, k: i32, M: i32, K: i32) -> vec4<f32> {
    ${loadA}
}
fn loadB(k: i32, n: i32, K: i32, N: i32) -> vec4<f32> {
    ${loadB}
}

var<workgroup> tileA: array<array<f32, ${TILE}>, ${TILE}>;            // [m][k]
var<workgroup> tileB: array<array<vec4<f32>, ${TILE / 4}>, ${TILE}>;  // [k][n / 4]

@compute @workgroup_size(${WG}, ${WG}, 1)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let dims = setup(i32(wid.z));
  let M = dims.x;
  let N = dims.y;
  let K = dims.z;
  let m0 = i32(wid.y) * ${TILE};
  let n0 = i32(wid.x) * ${TILE};
  if (m0 >= M || n0 >= N) { return; }
  let tx = i32(lid.x);
  let ty = i32(lid.y);
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var k0 = 0; k0 < K; k0 += ${TILE}) {
    // thread (tx, ty) stages A rows ty·4 … ty·4+3 at k = tx·4 … tx·4+3, and B rows k = ty·4 + i at n = tx·4 … tx·4+3
    for (var i = 0; i < 4; i++) {
      let a = loadA(m0 + ty * 4 + i, k0 + tx * 4, M, K);
      tileA[ty * 4 + i][tx * 4] = a.x;
      tileA[ty * 4 + i][tx * 4 + 1] = a.y;
      tileA[ty * 4 + i][tx * 4 + 2] = a.z;
      tileA[ty * 4 + i][tx * 4 + 3] = a.w;
      tileB[ty * 4 + i][tx] = loadB(k0 + ty * 4 + i, n0 + tx * 4, K, N);
    }
    workgroupBarrier();
    for (var kk = 0; kk < ${TILE}; kk++) {
      let b = tileB[kk][tx];
      acc0 += tileA[ty * 4][kk] * b;
      acc1 += tileA[ty * 4 + 1][kk] * b;
      acc2 += tileA[ty * 4 + 2][kk] * b;
      acc3 += tileA[ty * 4 + 3][kk] * b;
    }
    workgroupBarrier();
  }
  var acc = array<vec4<f32>, 4>(acc0, acc1, acc2, acc3);
  for (var i = 0; i < 4; i++) {
    let m = m0 + ty * 4 + i;
    if (m < M) {
      for (var j = 0; j < 4; j++) {
        let n = n0 + tx * 4 + j;
        if (n < N) { writeC(m, n, acc[i][j]); }
      }
    }
  }
}
`;
}

/** Workgroup counts of a GEMM with at most `maxN` columns and `M` rows over `layers` layers. */
export function gemmWorkgroups(M: number, maxN: number, layers: number): [number, number, number] {
  return [Math.ceil(maxN / TILE), Math.ceil(M / TILE), layers];
}
