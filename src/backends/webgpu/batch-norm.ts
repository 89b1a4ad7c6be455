// WebGPU batch normalization, as fused/batch-norm.ts: per-channel statistics (one workgroup per channel), the normalise /
// affine (+ relu / leaky) pass, both backwards, the running-statistics update and predict mode's affine map.
import type { AffineActivation, ChannelView, GroupNormView } from "../../params/kernel-records.js";
import { allocTensor, type GpuTensor, releaseTensor } from "./buffer-pool.js";
import { gpuOp } from "./device.js";
import { dispatch, grid2d } from "./pipelines.js";

// Per-channel reductions: one workgroup of 256 threads per channel. Consecutive threads read consecutive elements of the
// channel's runs of `inner` elements (coalesced), then a tree in workgroup memory (1 KiB) combines the 256 partial sums.
// This fills a real GPU when C is at least its number of compute units; a layer with few channels and a large batch
// would want a split reduction (partial sums per chunk of the batch, then a second pass), not done yet.
const REDUCE = 256;
// Elementwise passes: one thread per element, 256 per workgroup, as pointwise.ts.
const WORKGROUP = 256;

/** The uniform block: u[0] outer, C, inner, groupsX (workgroups per row of the grid); u[1] f32 bits of eps / slope / momentum, n. */
function uniforms(v: ChannelView, groupsX: number, scalar = 0, n = 0): Int32Array {
  const u = new Int32Array(8);
  u.set([v.outer, v.channels, v.inner, groupsX]);
  new Float32Array(u.buffer, 16, 1)[0] = scalar;
  u[5] = n;
  return u;
}

const UNIFORM = (binding: number) => `@group(0) @binding(${binding}) var<uniform> u: array<vec4<i32>, 2>;
fn scalar() -> f32 { return bitcast<f32>(u[1].x); }`;

const bindings = (specs: readonly string[]) => specs.map((s, i) => `@group(0) @binding(${i}) var<storage, ${s};`).join("\n");

// The j-th element of channel c (j < outer·inner) in x viewed as [outer, C, inner], and a workgroup sum.
const REDUCE_HELPERS = `
var<workgroup> part: array<f32, ${REDUCE}>;
fn at(c: i32, j: i32) -> i32 { let inner = u[0].z; return (j / inner) * u[0].y * inner + c * inner + j % inner; }
fn count() -> i32 { return u[0].x * u[0].z; }
fn workgroupSum(t: u32, v: f32) -> f32 {
  part[t] = v;
  workgroupBarrier();
  for (var s = ${REDUCE / 2}u; s > 0u; s = s >> 1u) {
    if (t < s) { part[t] = part[t] + part[t + s]; }
    workgroupBarrier();
  }
  let r = part[0];
  workgroupBarrier();
  return r;
}`;

const REDUCE_MAIN = `@compute @workgroup_size(${REDUCE})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let c = i32(wid.y) * u[0].w + i32(wid.x);
  if (c >= u[0].y) { return; }
  let m = count();`;

/** Channel c of element i in the elementwise passes. */
const ELEMENT_MAIN = `@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = i32(gid.y) * u[0].w * ${WORKGROUP} + i32(gid.x);
  if (i >= u[0].x * u[0].y * u[0].z) { return; }
  let c = (i / u[0].z) % u[0].y;`;

// mean and biased variance per channel in two passes over x (the centred second pass, as the CPU kernel: no
// cancellation of Σx² − (Σx)²/m), invstd = 1/√(σ² + eps)
const STATS = `${bindings(["read> x: array<f32>", "read_write> mean: array<f32>", "read_write> variance: array<f32>", "read_write> invstd: array<f32>"])}
${UNIFORM(4)}
${REDUCE_HELPERS}
${REDUCE_MAIN}
  var s = 0.0;
  for (var j = i32(t); j < m; j += ${REDUCE}) { s += x[at(c, j)]; }
  let mu = workgroupSum(t, s) / f32(m);
  var ss = 0.0;
  for (var j = i32(t); j < m; j += ${REDUCE}) { let d = x[at(c, j)] - mu; ss += d * d; }
  let vr = workgroupSum(t, ss) / f32(m);
  if (t == 0u) {
    mean[c] = mu;
    variance[c] = vr;
    invstd[c] = 1.0 / sqrt(vr + scalar());
  }
}`;

// y = x·a + b with a = γ·invstd, b = β − μ·a (the CPU kernel's order of operations)
const NORMALISE = `${bindings(["read> x: array<f32>", "read> gamma: array<f32>", "read> beta: array<f32>", "read> mean: array<f32>", "read> invstd: array<f32>", "read_write> y: array<f32>"])}
${UNIFORM(6)}
${ELEMENT_MAIN}
  let a = gamma[c] * invstd[c];
  y[i] = x[i] * a + (beta[c] - mean[c] * a);
}`;

// group norm: x viewed as [N·C rows, inner]; row r is channel r mod C of sample r div C, and its statistics are those of
// (sample, group) r div cpg (u[1].y = cpg, u[1].z = C): y = x·a + b with a = γ[c]·invstd, b = β[c] − μ·a
const GROUP_NORMALISE = `${bindings(["read> x: array<f32>", "read> gamma: array<f32>", "read> beta: array<f32>", "read> mean: array<f32>", "read> invstd: array<f32>", "read_write> y: array<f32>"])}
${UNIFORM(6)}
${ELEMENT_MAIN}
  let s = c / u[1].y;
  let ch = c % u[1].z;
  let a = gamma[ch] * invstd[s];
  y[i] = x[i] * a + (beta[ch] - mean[s] * a);
}`;

/** y = act(x·a[c] + b[c]); relu keeps NaN (tested on the bits: compilers may fold t != t), leaky is t or slope·t. */
function affineCode(act: AffineActivation | null): string {
  const store =
    act === null
      ? "y[i] = t;"
      : act === "leaky"
        ? "y[i] = select(scalar() * t, t, t > 0.0);"
        : "y[i] = select(0.0, t, t > 0.0 || (bitcast<u32>(t) & 0x7fffffffu) > 0x7f800000u);";
  return `${bindings(["read> x: array<f32>", "read> a: array<f32>", "read> b: array<f32>", "read_write> y: array<f32>"])}
${UNIFORM(4)}
${ELEMENT_MAIN}
  let t = x[i] * a[c] + b[c];
  ${store}
}`;
}

/** A workgroup's channel sums a = Σ dy and b = Σ dy·(x − μ) over the channel's m elements, μ read from `mean`. */
const dySums = (mean: string) => `  let mu = ${mean}[c];
  var s = 0.0;
  var sx = 0.0;
  for (var j = i32(t); j < m; j += ${REDUCE}) {
    let k = at(c, j);
    let g = dy[k];
    s += g;
    sx += g * (x[k] - mu);
  }
  let a = workgroupSum(t, s);
  let b = workgroupSum(t, sx);`;

// training backward, per channel: Σ dy and Σ dy·x̂ = invstd·Σ dy·(x − μ)
const TRAIN_SUMS = `${bindings(["read> x: array<f32>", "read> dy: array<f32>", "read> mean: array<f32>", "read> invstd: array<f32>", "read_write> sg: array<f32>", "read_write> sgx: array<f32>"])}
${UNIFORM(6)}
${REDUCE_HELPERS}
${REDUCE_MAIN}
${dySums("mean")}
  if (t == 0u) {
    sg[c] = a;
    sgx[c] = b * invstd[c];
  }
}`;

// dx = γ·invstd·(dy − Σdy/M − (x − μ)·invstd·Σ(dy·x̂)/M)
const TRAIN_DX = `${bindings([
  "read> x: array<f32>",
  "read> dy: array<f32>",
  "read> gamma: array<f32>",
  "read> mean: array<f32>",
  "read> invstd: array<f32>",
  "read> sg: array<f32>",
  "read> sgx: array<f32>",
  "read_write> dx: array<f32>",
])}
${UNIFORM(8)}
${ELEMENT_MAIN}
  let m = f32(u[0].x * u[0].z);
  let is = invstd[c];
  dx[i] = gamma[c] * is * (dy[i] - sg[c] / m - (x[i] - mean[c]) * (sgx[c] * is / m));
}`;

// predict backward, per channel, into out = [dγ | dβ | dμ | dσ²] (4·C): s = 1/√(σ²_run + eps), Σ dy, Σ dy·(x − μ_run)
const PREDICT_SUMS = `${bindings(["read> x: array<f32>", "read> dy: array<f32>", "read> gamma: array<f32>", "read> rmean: array<f32>", "read> rvar: array<f32>", "read_write> out: array<f32>"])}
${UNIFORM(6)}
${REDUCE_HELPERS}
${REDUCE_MAIN}
${dySums("rmean")}
  if (t == 0u) {
    let C = u[0].y;
    let r = 1.0 / sqrt(rvar[c] + scalar());
    let gm = gamma[c];
    out[c] = r * b;
    out[C + c] = a;
    out[2 * C + c] = -gm * r * a;
    out[3 * C + c] = -0.5 * gm * r * r * r * b;
  }
}`;

// dx = γ·s·dy
const PREDICT_DX = `${bindings(["read> dy: array<f32>", "read> gamma: array<f32>", "read> rvar: array<f32>", "read_write> dx: array<f32>"])}
${UNIFORM(4)}
${ELEMENT_MAIN}
  dx[i] = gamma[c] / sqrt(rvar[c] + scalar()) * dy[i];
}`;

// a = γ/√(σ²_run + eps), shift = β − μ_run·a, one thread per channel (u[1].y = C)
const PREDICT_AFFINE = `${bindings(["read> gamma: array<f32>", "read> beta: array<f32>", "read> rmean: array<f32>", "read> rvar: array<f32>", "read_write> a: array<f32>", "read_write> shift: array<f32>"])}
${UNIFORM(6)}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = i32(gid.x);
  if (c >= u[1].y) { return; }
  let k = gamma[c] / sqrt(rvar[c] + scalar());
  a[c] = k;
  shift[c] = beta[c] - rmean[c] * k;
}`;

// run[offset + c·stride] ← momentum·run + (1 − momentum)·batch[c]  (u[0] = offset, stride; u[1] = momentum bits, C)
const RUNNING = `${bindings(["read_write> run: array<f32>", "read> batch: array<f32>"])}
${UNIFORM(2)}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = i32(gid.x);
  if (c >= u[1].y) { return; }
  let k = u[0].x + c * u[0].y;
  let mo = scalar();
  run[k] = mo * run[k] + (1.0 - mo) * batch[c];
}`;

const total = (v: ChannelView) => v.outer * v.channels * v.inner;

function perChannel(op: string, code: string, v: ChannelView, ts: readonly GpuTensor[], scalar: number): void {
  const groups = grid2d(v.channels);
  dispatch(op, code, ts, groups, uniforms(v, groups[0], scalar));
}

function perElement(op: string, code: string, v: ChannelView, ts: readonly GpuTensor[], scalar: number): void {
  const groups = grid2d(Math.ceil(total(v) / WORKGROUP));
  dispatch(op, code, ts, groups, uniforms(v, groups[0], scalar));
}

/** Copies n elements from src (starting at element `from`) to the start of dst. */
function copySlice(op: string, src: GpuTensor, from: number, n: number, dst: GpuTensor): void {
  if (n === 0) return;
  gpuOp(op, (d) => {
    const enc = d.createCommandEncoder({ label: op });
    enc.copyBufferToBuffer(src.buffer, from * 4, dst.buffer, 0, n * 4);
    d.queue.submit([enc.finish()]);
  });
}

/** Training forward: μ, biased σ², invstd per channel, then y = γ·(x − μ)·invstd + β (2 passes over x, then 1). */
export function batchNormTrainForwardGpu(
  v: ChannelView,
  x: GpuTensor,
  gamma: GpuTensor,
  beta: GpuTensor,
  eps: number,
  y: GpuTensor,
  mean: GpuTensor,
  variance: GpuTensor,
  invstd: GpuTensor,
): void {
  if (total(v) === 0) return;
  perChannel("batch_norm statistics (webgpu)", STATS, v, [x, mean, variance, invstd], eps);
  perElement("batch_norm normalise (webgpu)", NORMALISE, v, [x, gamma, beta, mean, invstd, y], 0);
}

/** Group norm's forward: μ, invstd per (sample, group) as batch norm's statistics of x viewed as [1, N·G, cpg·inner], then one affine pass. */
export function groupNormForwardGpu(
  v: GroupNormView,
  x: GpuTensor,
  gamma: GpuTensor,
  beta: GpuTensor,
  eps: number,
  y: GpuTensor,
  mean: GpuTensor,
  invstd: GpuTensor,
): void {
  const { batch: N, groups: G, channelsPerGroup: cpg, inner } = v;
  if (N * G * cpg * inner === 0) return;
  const op = "group_norm (webgpu)";
  const variance = allocTensor(N * G, op);
  try {
    perChannel(op, STATS, { outer: 1, channels: N * G, inner: cpg * inner }, [x, mean, variance, invstd], eps);
  } finally {
    releaseTensor(variance);
  }
  const rows: ChannelView = { outer: 1, channels: N * G * cpg, inner };
  const groups = grid2d(Math.ceil(total(rows) / WORKGROUP));
  const u = uniforms(rows, groups[0], 0, cpg);
  u[6] = G * cpg;
  dispatch(op, GROUP_NORMALISE, [x, gamma, beta, mean, invstd, y], groups, u);
}

/** y = act(x·a[c] + b[c]) (predict mode's affine map; act null for none). */
export function batchNormAffineGpu(v: ChannelView, x: GpuTensor, a: GpuTensor, b: GpuTensor, act: AffineActivation | null, slope: number, y: GpuTensor): void {
  if (total(v) === 0) return;
  perElement(`batch_norm affine${act ? ` ${act}` : ""} (webgpu)`, affineCode(act), v, [x, a, b, y], slope);
}

/** Training backward: dβ = Σ dy, dγ = Σ dy·x̂, dx = γ·invstd·(dy − dβ/M − x̂·dγ/M). */
export function batchNormTrainBackwardGpu(
  v: ChannelView,
  x: GpuTensor,
  dy: GpuTensor,
  gamma: GpuTensor,
  mean: GpuTensor,
  invstd: GpuTensor,
  dx: GpuTensor | null,
  dgamma: GpuTensor | null,
  dbeta: GpuTensor | null,
): void {
  if (total(v) === 0) return;
  const op = "batch_norm gradient (webgpu)";
  const sg = dbeta ?? allocTensor(v.channels, op),
    sgx = dgamma ?? allocTensor(v.channels, op);
  try {
    perChannel(op, TRAIN_SUMS, v, [x, dy, mean, invstd, sg, sgx], 0);
    if (dx) perElement(op, TRAIN_DX, v, [x, dy, gamma, mean, invstd, sg, sgx, dx], 0);
  } finally {
    if (!dbeta) releaseTensor(sg);
    if (!dgamma) releaseTensor(sgx);
  }
}

/** Predict backward: dx = γ·s·dy, dγ = s·Σ dy·(x − μ), dβ = Σ dy, dμ = −γ·s·Σ dy, dσ² = −½·γ·s³·Σ dy·(x − μ). */
export function batchNormPredictBackwardGpu(
  v: ChannelView,
  x: GpuTensor,
  dy: GpuTensor,
  gamma: GpuTensor,
  runMean: GpuTensor,
  runVar: GpuTensor,
  eps: number,
  dx: GpuTensor | null,
  grads: readonly (GpuTensor | null)[],
): void {
  if (total(v) === 0) return;
  const op = "batch_norm gradient (webgpu)";
  const C = v.channels;
  if (grads.some((g) => g !== null)) {
    const out = allocTensor(4 * C, op);
    try {
      perChannel(op, PREDICT_SUMS, v, [x, dy, gamma, runMean, runVar, out], eps);
      grads.forEach((g, k) => {
        if (g) copySlice(op, out, k * C, C, g);
      });
    } finally {
      releaseTensor(out);
    }
  }
  if (dx) perElement(op, PREDICT_DX, v, [dy, gamma, runVar, dx], eps);
}

/** a = γ/√(σ²_run + eps), shift = β − μ_run·a for C channels. */
export function batchNormPredictAffineGpu(
  C: number,
  gamma: GpuTensor,
  beta: GpuTensor,
  runMean: GpuTensor,
  runVar: GpuTensor,
  eps: number,
  a: GpuTensor,
  shift: GpuTensor,
): void {
  if (C === 0) return;
  const u = uniforms({ outer: 1, channels: C, inner: 1 }, 1, eps, C);
  dispatch("batch_norm affine map (webgpu)", PREDICT_AFFINE, [gamma, beta, runMean, runVar, a, shift], [Math.ceil(C / 64), 1, 1], u);
}

/** run[offset + c·stride] ← momentum·run + (1 − momentum)·batch[c] for C channels. */
export function batchNormRunningUpdateGpu(run: GpuTensor, offset: number, stride: number, batch: GpuTensor, C: number, momentum: number): void {
  if (C === 0) return;
  const u = new Int32Array(8);
  u.set([offset, stride, 0, 0]);
  new Float32Array(u.buffer, 16, 1)[0] = momentum;
  u[5] = C;
  dispatch("batch_norm running statistics (webgpu)", RUNNING, [run, batch], [Math.ceil(C / 64), 1, 1], u);
}
