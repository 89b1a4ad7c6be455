// One-thread-per-element WebGPU kernels over dense tensors with scalar parameters in a uniform block: the leaky family
// of activations (forward and backward) and Adam's update, as the CPU loops of fused/activation.ts and js/optimizer.ts.
import type { GradPrep, LeakyActType } from "../../params/kernel-records.js";
import { allocTensor, type GpuTensor, releaseTensor } from "./buffer-pool.js";
import { MATH_FNS } from "./elementwise.js";
import { reduceGpu } from "./reduce.js";
import { dispatch, grid2d } from "./pipelines.js";

const WORKGROUP = 256;
// SELU's constants (Klambauer et al. 2017), as the CPU kernel
const SELU_LAMBDA = 1.0507009873554805,
  SELU_ALPHA = 1.6732632423543772;

/**
 * Runs `body` (WGSL statements over index i, reading `in0…`, writing `out0…`, with the scalars s(0)…s(9) as f32) for
 * i < n. The scalars and n travel in the uniform block, so one pipeline serves every size and parameter.
 */
function pointwise(op: string, body: string, inputs: readonly GpuTensor[], outputs: readonly GpuTensor[], n: number, scalars: readonly number[]): void {
  if (n === 0) return;
  const groups = grid2d(Math.ceil(n / WORKGROUP));
  const decls = [
    ...inputs.map((_, j) => `@group(0) @binding(${j}) var<storage, read> in${j}: array<f32>;`),
    ...outputs.map((_, j) => `@group(0) @binding(${inputs.length + j}) var<storage, read_write> out${j}: array<f32>;`),
    `@group(0) @binding(${inputs.length + outputs.length}) var<uniform> u: array<vec4<i32>, 3>;  // n, groupsX·${WORKGROUP}, s0…s9 (f32 bits)`,
  ].join("\n");
  const code = `${decls}
${MATH_FNS}
fn s(k: i32) -> f32 { let q = k + 2; return bitcast<f32>(u[q / 4][q % 4]); }
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = i32(gid.y) * u[0].y + i32(gid.x);
  if (i >= u[0].x) { return; }
${body}
}`;
  if (scalars.length > 10) throw new Error(`${op}: ${scalars.length} scalars, at most 10 fit the uniform block`);
  const f = new Float32Array(12);
  const ints = new Int32Array(f.buffer);
  ints[0] = n;
  ints[1] = groups[0] * WORKGROUP;
  scalars.forEach((v, k) => (f[k + 2] = v));
  dispatch(op, code, [...inputs, ...outputs], groups, ints);
}

/** y = f(x) for leaky (slope·x below 0), elu (slope·(eˣ−1)), selu, gelu x·Φ(x) = ½x(1 + erf(x/√2)) (erfF: A&S 7.1.26). */
export function leakyForwardGpu(act: LeakyActType, slope: number, x: GpuTensor, y: GpuTensor, n: number): void {
  const op = `leaky_relu ${act} (webgpu)`;
  const f: Record<LeakyActType, string> = {
    leaky: "select(s(0) * v, v, v > 0.0)",
    elu: "select(s(0) * (exp(v) - 1.0), v, v > 0.0)",
    selu: "s(1) * select(s(2) * (exp(v) - 1.0), v, v > 0.0)",
    gelu: "0.5 * v * (1.0 + erfF(v * 0.70710678118654752))",
  };
  const e = f[act];
  pointwise(op, `  let v = in0[i];\n  out0[i] = ${e};`, [x], [y], n, [slope, SELU_LAMBDA, SELU_ALPHA]);
}

/** dx = dy·f′(x): leaky 1 | slope; elu 1 | slope·eˣ; selu λ | λα·eˣ; gelu Φ(x) + x·φ(x). */
export function leakyBackwardGpu(act: LeakyActType, slope: number, x: GpuTensor, dy: GpuTensor, dx: GpuTensor, n: number): void {
  const op = `leaky_relu ${act} gradient (webgpu)`;
  const d: Record<LeakyActType, string> = {
    leaky: "select(s(0), 1.0, v > 0.0)",
    elu: "select(s(0) * exp(v), 1.0, v > 0.0)",
    selu: "s(1) * select(s(2) * exp(v), 1.0, v > 0.0)",
    gelu: "(0.5 * (1.0 + erfF(v * 0.70710678118654752)) + v * 0.39894228040143268 * exp(-0.5 * v * v))",
  };
  const e = d[act];
  pointwise(op, `  let v = in0[i];\n  out0[i] = in1[i] * ${e};`, [x, dy], [dx], n, [slope, SELU_LAMBDA, SELU_ALPHA]);
}

/**
 * MXNet's Adam in place: g = clip(grad·rescale) + wd·w; m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; w ← w − lrT·m/(√v + ε).
 */
export function adamUpdateGpu(
  w: GpuTensor,
  grad: GpuTensor,
  m: GpuTensor,
  v: GpuTensor,
  n: number,
  p: GradPrep,
  lrT: number,
  beta1: number,
  beta2: number,
  epsilon: number,
): void {
  pointwise(
    "adam_update (webgpu)",
    `  let g = clamp(in0[i] * s(0), -s(1), s(1)) + out0[i] * s(2);
  let mi = out1[i] * s(4) + g * (1.0 - s(4));
  let vi = out2[i] * s(5) + g * g * (1.0 - s(5));
  out1[i] = mi;
  out2[i] = vi;
  out0[i] = out0[i] - (mi / (sqrt(vi) + s(6))) * s(3);`,
    [grad],
    [w, m, v],
    n,
    [p.rescale, p.clip, p.wd, lrT, beta1, beta2, epsilon],
  );
}

/** softsign y = x / (1 + |x|). */
export function softsignForwardGpu(x: GpuTensor, y: GpuTensor, n: number): void {
  pointwise("softsign (webgpu)", "  out0[i] = in0[i] / (1.0 + abs(in0[i]));", [x], [y], n, []);
}

/** dx = dy / (1 + |x|)². */
export function softsignBackwardGpu(x: GpuTensor, dy: GpuTensor, dx: GpuTensor, n: number): void {
  pointwise("softsign gradient (webgpu)", "  let d = 1.0 + abs(in0[i]);\n  out0[i] = in1[i] / (d * d);", [x, dy], [dx], n, []);
}

// PReLU's channel of element i in x viewed as [outer, C, inner], with C and inner as f32 scalars (exact below 2²⁴) and
// s(2) = 1 when one α is shared
const PRELU_ALPHA = "in1[select((i / i32(s(1))) % i32(s(0)), 0, s(2) > 0.5)]";

/** PReLU: y = x for x > 0, α[c]·x otherwise. */
export function preluForwardGpu(outer: number, C: number, inner: number, x: GpuTensor, alpha: GpuTensor, y: GpuTensor): void {
  pointwise("prelu (webgpu)", `  let v = in0[i];\n  out0[i] = select(${PRELU_ALPHA} * v, v, v > 0.0);`, [x, alpha], [y], outer * C * inner, [
    C,
    inner,
    alpha.size === 1 ? 1 : 0,
  ]);
}

/**
 * dx = dy·(x > 0 ? 1 : α[c]); dα[c] = Σ_{x ≤ 0 in channel c} dy·x (one sum when α is shared): the products on the GPU,
 * then reduceGpu over the batch and inner axes. dα is written, not accumulated (the caller's buffer is fresh).
 */
export function preluBackwardGpu(
  outer: number,
  C: number,
  inner: number,
  x: GpuTensor,
  alpha: GpuTensor,
  dy: GpuTensor,
  dx: GpuTensor | null,
  dalpha: GpuTensor | null,
): void {
  const n = outer * C * inner;
  const shared = alpha.size === 1 ? 1 : 0;
  if (dx)
    pointwise("prelu gradient (webgpu)", `  out0[i] = select(${PRELU_ALPHA} * in2[i], in2[i], in0[i] > 0.0);`, [x, alpha, dy], [dx], n, [C, inner, shared]);
  if (!dalpha) return;
  const t = allocTensor(n, "prelu gradient (webgpu)");
  try {
    pointwise("prelu gradient (webgpu)", "  let v = in0[i];\n  out0[i] = select(in1[i] * v, 0.0, v > 0.0);", [x, dy], [t], n, []);
    const r = reduceGpu("sum", [outer, C, inner], { tensor: t, strides: [C * inner, inner, 1], offset: 0 }, shared ? [0, 1, 2] : [0, 2]);
    try {
      pointwise("prelu gradient (webgpu)", "  out0[i] = in0[i];", [r], [dalpha], r.size, []);
    } finally {
      releaseTensor(r);
    }
  } finally {
    releaseTensor(t);
  }
}
