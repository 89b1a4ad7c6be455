// Elementwise unary and binary kernels on WebGPU over strided (broadcast) views, with the CPU kernels' op names.
import type { BinaryKernelOp, UnaryKernelOp } from "../js/elementwise.js";
import { allocTensor, type GpuTensor } from "./buffer-pool.js";
import { dispatch, grid2d } from "./pipelines.js";
import { gpuOp } from "./device.js";

/** An operand read through strides already broadcast to the call's shape (0 = repeated), in elements. */
export interface GpuView {
  readonly tensor: GpuTensor;
  readonly strides: readonly number[];
  readonly offset: number;
}

/** A dense tensor as a view of `shape`. */
export function denseView(tensor: GpuTensor, shape: readonly number[]): GpuView {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = shape[i] === 1 ? 0 : s;
    s *= shape[i]!;
  }
  return { tensor, strides, offset: 0 };
}

// NaN tests on the bits: WGSL lets compilers assume floats are never NaN, so `x != x` may fold to false. NaN and ∞
// come from private variables: a constant bitcast<f32>(0x7fc00000u) is a shader-creation error ("value nan cannot be
// represented as 'f32'").
export const WGSL_FLOAT_HELPERS = `
var<private> NAN_BITS: u32 = 0x7fc00000u;
var<private> INF_BITS: u32 = 0x7f800000u;
fn isNan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn nanF() -> f32 { return bitcast<f32>(NAN_BITS); }
fn infF() -> f32 { return bitcast<f32>(INF_BITS); }`;

/**
 * WGSL expressions of the binary ops on a, b (numpy / the reference's semantics, NaN-propagating max/min). mod and
 * fmod are written out (fmodF, modF below): WGSL's % is x − y·trunc(x/y), inexact for large quotients and undefined at
 * ±∞ and zero divisors, where JS's % is exact.
 */
const BINARY_WGSL: Record<BinaryKernelOp, string> = {
  add: "a + b",
  sub: "a - b",
  mul: "a * b",
  div: "a / b",
  maximum: "select(b, a, a >= b || isNan(a))",
  minimum: "select(b, a, a <= b || isNan(a))",
  pow: "powF(a, b)",
  eq: "select(0.0, 1.0, a == b)",
  ne: "select(0.0, 1.0, a != b)",
  lt: "select(0.0, 1.0, a < b)",
  le: "select(0.0, 1.0, a <= b)",
  gt: "select(0.0, 1.0, a > b)",
  ge: "select(0.0, 1.0, a >= b)",
  mod: "modF(a, b)",
  fmod: "fmodF(a, b)",
};

/**
 * WGSL expressions of the unary ops on a; tanh and softrelu in forms that cannot overflow. sin and cos are written out
 * (WGSL's builtins only promise 2⁻¹¹ absolute error, and only on [−π, π]), and so is erf (no WGSL builtin).
 */
const UNARY_WGSL: Record<UnaryKernelOp, string> = {
  identity: "a",
  neg: "-a",
  exp: "exp(a)",
  log: "log(a)",
  sqrt: "sqrt(a)",
  abs: "abs(a)",
  relu: "select(0.0, a, a > 0.0 || isNan(a))",
  sigmoid: "1.0 / (1.0 + exp(-a))",
  tanh: "tanhF(a)",
  softrelu: "select(log(1.0 + exp(a)), a + log(1.0 + exp(-a)), a > 0.0)",
  hardsigmoid: "select(select((a + 3.0) / 6.0, 1.0, a >= 3.0), 0.0, a <= -3.0)",
  hardswish: "select(select(a * (a + 3.0) / 6.0, a, a >= 3.0), 0.0, a < -3.0)",
  erf: "erfF(a)",
  sin: "sinF(a)",
  cos: "cosF(a)",
};

/** The WGSL math functions the elementwise expressions call (powF, tanhF, fmodF, modF, sinF, cosF, erfF). */
export const MATH_FNS = `${WGSL_FLOAT_HELPERS}
// a^b with numpy's results for a ≤ 0 (WGSL pow is exp2(b·log2 a), undefined there)
fn powF(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 1.0; }
  if (isNan(a) || isNan(b)) { return nanF(); }
  if (a == 0.0) { return select(0.0, infF(), b < 0.0); }
  let m = pow(abs(a), b);
  if (a > 0.0) { return m; }
  if (b != floor(b)) { return nanF(); }
  return select(m, -m, b * 0.5 != floor(b * 0.5));
}
fn tanhF(a: f32) -> f32 {
  let e = exp(-2.0 * abs(a));
  return sign(a) * (1.0 - e) / (1.0 + e);
}
fn isInf(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }
// JS's a % b (C's fmod, the dividend's sign), exact: NaN for a NaN operand, an infinite a or b = 0; a for an infinite
// b; otherwise |a| is reduced by the largest d·2^k ≤ r while r ≥ d (d = |b|). Each step r − t with t ≤ r < 2t is exact
// (Sterbenz), and leaves r < t, so the exponent gap shrinks every step: at most 277 steps for f32.
fn fmodF(a: f32, b: f32) -> f32 {
  if (isNan(a) || isNan(b) || isInf(a) || b == 0.0) { return nanF(); }
  if (isInf(b)) { return a; }
  let d = abs(b);
  var r = abs(a);
  for (var step = 0; step < 300 && r >= d; step++) {
    var t = ldexp(d, frexp(r).exp - frexp(d).exp);
    if (t > r) { t = t * 0.5; }
    r = r - t;
  }
  return select(r, -r, a < 0.0 || (a == 0.0 && (bitcast<u32>(a) >> 31u) == 1u));
}
// numpy's mod (the divisor's sign), the CPU's formula: r = fmod(a, b); r = 0 → ±0 with b's sign; r and b of different
// signs → r + b
fn modF(a: f32, b: f32) -> f32 {
  let r = fmodF(a, b);
  // ±0 from the runtime negation of +0 (a literal -0.0 may fold to +0)
  if (r == 0.0) { return select(abs(r), -abs(r), b < 0.0); }
  if ((r < 0.0) != (b < 0.0)) { return r + b; }
  return r;
}
// sin and cos after Cephes' sinf / cosf (S. L. Moshier, Cephes Math Library 2.2): j = ⌊|x|·4/π⌋ rounded up to even,
// y = |x| − j·π/4 in three parts of π/4 (Cody–Waite: the first two products are exact for j < 2¹³), then the minimax
// polynomials on [−π/4, π/4] (Cephes states a peak relative error of about 1 ulp there). For |x| < 8192 the result is
// within about 2⁻²³ of sin x; beyond that the reduction loses bits (Cephes gives up at 8192), so tests stay below it.
fn sincosReduce(x: f32) -> vec2<f32> {
  var j = floor(abs(x) * 1.2732395447351628);
  j = j + (j - 2.0 * floor(j * 0.5));
  let y = ((abs(x) - j * 0.78515625) - j * 2.4187564849853515625e-4) - j * 3.77489497744594108e-8;
  return vec2<f32>(y, j - 8.0 * floor(j * 0.125));
}
fn sinPoly(y: f32) -> f32 {
  let z = y * y;
  return ((-1.9515295891e-4 * z + 8.3321608736e-3) * z - 1.6666654611e-1) * z * y + y;
}
fn cosPoly(y: f32) -> f32 {
  let z = y * y;
  return ((2.443315711809948e-5 * z - 1.388731625493765e-3) * z + 4.166664568298827e-2) * z * z - 0.5 * z + 1.0;
}
fn sinF(x: f32) -> f32 {
  if (isNan(x) || isInf(x)) { return nanF(); }
  let r = sincosReduce(x);
  // octant j mod 8 ∈ {0, 2, 4, 6}: sin, cos, −sin, −cos of the reduced argument; a negative x flips the sign
  let oct = i32(r.y);
  var v = select(sinPoly(r.x), cosPoly(r.x), oct == 2 || oct == 6);
  if (oct >= 4) { v = -v; }
  return select(v, -v, x < 0.0);
}
fn cosF(x: f32) -> f32 {
  if (isNan(x) || isInf(x)) { return nanF(); }
  let r = sincosReduce(x);
  let oct = i32(r.y);
  var v = select(cosPoly(r.x), sinPoly(r.x), oct == 2 || oct == 6);
  if (oct == 2 || oct == 4) { v = -v; }
  return v;
}
// erf by Abramowitz & Stegun 7.1.26 (Handbook of Mathematical Functions, 1964, p. 299): for x ≥ 0,
// erf x = 1 − (a₁t + a₂t² + a₃t³ + a₄t⁴ + a₅t⁵)·e^(−x²), t = 1/(1 + p·x), with |ε(x)| ≤ 1.5·10⁻⁷; odd in x. In f32 the
// subtraction from 1 adds a few ulp of 1 (≈ 6·10⁻⁸ each), so the absolute error stays below about 4·10⁻⁷.
fn erfF(x: f32) -> f32 {
  if (isNan(x)) { return x; }
  let a = abs(x);
  let t = 1.0 / (1.0 + 0.3275911 * a);
  let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  let e = 1.0 - poly * exp(-a * a);
  return select(e, -e, x < 0.0);
}`;

const WORKGROUP = 256;

function checkView(op: string, what: string, shape: readonly number[], v: GpuView): void {
  if (v.tensor.dtype !== "float32") throw new Error(`${op}: ${what} has dtype ${String(v.tensor.dtype)}; WebGPU has no float64, GPU arrays are float32`);
  if (v.strides.length !== shape.length) throw new Error(`${op}: ${what} has ${v.strides.length} strides for a ${shape.length}-D shape [${shape.join(", ")}]`);
  if (shape.some((d) => d === 0)) return;
  let lo = v.offset,
    hi = v.offset;
  shape.forEach((d, i) => {
    const s = v.strides[i]! * (d - 1);
    if (s < 0) lo += s;
    else hi += s;
  });
  if (lo < 0 || hi >= v.tensor.size)
    throw new Error(
      `${op}: ${what} view (offset ${v.offset}, strides [${v.strides.join(", ")}]) over [${shape.join(", ")}] reaches elements ${lo}..${hi} of a tensor of ${v.tensor.size}`,
    );
}

/** WGSL that turns the flat output index `i` into the element offsets `o0`, `o1`, … of the views. */
function offsetsCode(shape: readonly number[], views: readonly GpuView[]): string {
  const lines = views.map((v, j) => `  var o${j} = ${v.offset};`);
  lines.push("  var rem = i;");
  for (let ax = shape.length - 1; ax >= 0; ax--) {
    const d = shape[ax]!;
    if (d === 1) continue;
    lines.push(`  { let c = rem % ${d}; rem = rem / ${d};${views.map((v, j) => (v.strides[ax] ? ` o${j} += c * ${v.strides[ax]};` : "")).join("")} }`);
  }
  return lines.join("\n");
}

function run(op: string, shape: readonly number[], views: readonly GpuView[], expr: string): GpuTensor {
  const names = ["a", "b", "c"];
  views.forEach((v, j) => checkView(op, names[j]!, shape, v));
  let total = 1;
  for (const d of shape) total *= d;
  const out = allocTensor(total, op);
  if (total === 0) return out;
  const groups = grid2d(Math.ceil(total / WORKGROUP));
  const code = `${MATH_FNS}
${views.map((_, j) => `@group(0) @binding(${j}) var<storage, read> in${j}: array<f32>;`).join("\n")}
@group(0) @binding(${views.length}) var<storage, read_write> outp: array<f32>;
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = i32(gid.y) * ${groups[0] * WORKGROUP} + i32(gid.x);
  if (i >= ${total}) { return; }
${offsetsCode(shape, views)}
${views.map((_, j) => `  let ${names[j]} = in${j}[o${j}];`).join("\n")}
  outp[i] = ${expr};
}`;
  dispatch(op, code, [...views.map((v) => v.tensor), out], groups);
  return out;
}

/** out = op(a) over `shape`, a new dense tensor (queued). */
export function unaryGpu(op: UnaryKernelOp, shape: readonly number[], a: GpuView): GpuTensor {
  const expr = UNARY_WGSL[op];
  if (expr === undefined) throw new Error(`unary (webgpu): no GPU kernel for op "${String(op)}"`);
  return run(`${op} (webgpu)`, shape, [a], expr);
}

/** out = op(a, b) over `shape` (both views already broadcast to it), a new dense tensor (queued). */
export function binaryGpu(op: BinaryKernelOp, shape: readonly number[], a: GpuView, b: GpuView): GpuTensor {
  const expr = BINARY_WGSL[op];
  if (expr === undefined) throw new Error(`binary (webgpu): no GPU kernel for op "${String(op)}"`);
  return run(`${op} (webgpu)`, shape, [a, b], expr);
}

/** out = a ≠ 0 ? b : c over `shape` (numpy's where; a NaN condition counts as true), a new dense tensor (queued). */
export function whereGpu(shape: readonly number[], cond: GpuView, a: GpuView, b: GpuView): GpuTensor {
  return run("where (webgpu)", shape, [cond, a, b], "select(c, b, a != 0.0 || isNan(a))");
}

/**
 * dst[view] ← src (dense, `shape`): the store of every kernel whose result goes into an existing array (in-place writes
 * through views, `out=`). A dense destination is one buffer copy; a strided one gets a scatter kernel.
 */
export function copyIntoGpu(shape: readonly number[], src: GpuTensor, dst: GpuView): void {
  const op = "copy into view (webgpu)";
  let total = 1;
  for (const d of shape) total *= d;
  if (src.size !== total) throw new Error(`${op}: source has ${src.size} elements for shape [${shape.join(", ")}]`);
  if (total === 0) return;
  checkView(op, "destination", shape, dst);
  let dense = true;
  for (let ax = shape.length - 1, s = 1; ax >= 0; s *= shape[ax]!, ax--) if (shape[ax] !== 1 && dst.strides[ax] !== s) dense = false;
  if (dense) {
    gpuOp(op, (d) => {
      const enc = d.createCommandEncoder({ label: op });
      enc.copyBufferToBuffer(src.buffer, 0, dst.tensor.buffer, dst.offset * 4, total * 4);
      d.queue.submit([enc.finish()]);
    });
    return;
  }
  const groups = grid2d(Math.ceil(total / WORKGROUP));
  const code = `@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = i32(gid.y) * ${groups[0] * WORKGROUP} + i32(gid.x);
  if (i >= ${total}) { return; }
${offsetsCode(shape, [dst])}
  dst[o0] = src[i];
}`;
  dispatch(op, code, [src, dst.tensor], groups);
}
