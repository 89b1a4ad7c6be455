// npx.convolution and npx.deconvolution: snapshot and validate options through params/, check sizes, run through dispatch, record for autograd.
import { NDArray } from "../ndarray/ndarray.js";
import { formatShape } from "../ndarray/strided.js";
import type { Storage } from "../ndarray/storage.js";
import { CONV_OPTIONS, type ConvOp, type ConvOptions, type ResolvedConv, resolveConvSnapshot } from "../params/conv-params.js";
import { readNumber, snapshotOptions } from "../params/options.js";
import { checkArraySize } from "../params/sizes.js";
import { type ConvGeometry, gridShape, imageShape, weightShape } from "../params/geometry.js";
import { paddedGeometry } from "../params/padding-mode.js";
import { backendFor } from "../backends/dispatch.js";
import { opsObserved, recordOp } from "../tape/tape.js";
import { binary, unary } from "./elementwise.js";
import { leakyRelu } from "./activation.js";
import type { ConvActivation } from "../params/kernel-records.js";
import { contiguous } from "./shape.js";
import { convBorder, foldBorder, padBorder } from "./pad.js";
import { guardedError } from "./guard.js";

export interface ConvCallOptions extends ConvOptions {
  /** per-output-channel bias, shape [outChannels] */
  bias?: NDArray | null;
}

function checkOperands(op: ConvOp, x: unknown, w: unknown, bias: unknown): asserts x is NDArray {
  if (!(x instanceof NDArray)) throw new Error(`${op}: input must be an NDArray`);
  if (!(w instanceof NDArray)) throw new Error(`${op}: weight must be an NDArray`);
  if (bias !== undefined && bias !== null && !(bias instanceof NDArray)) throw new Error(`${op}: bias must be an NDArray or null`);
  if (x.dtype !== w.dtype || (bias instanceof NDArray && bias.dtype !== x.dtype))
    throw new Error(`${op}: mixed dtypes: input ${x.dtype}, weight ${w.dtype}${bias instanceof NDArray ? `, bias ${bias.dtype}` : ""}; convert with astype`);
}

/**
 * The options are copied once here (own keys, dense arrays, no Proxy trusted past the copy; params/options.ts); the
 * geometry built from that copy is the only thing the kernels and the tape see, and the caller's objects are never
 * written. The output's size is checked before anything is allocated.
 */
function run(op: ConvOp, x: NDArray, w: NDArray, options: unknown, act: ConvActivation | null = null): NDArray {
  const { bias, resolved } = resolveCall(op, x, w, options);
  return runResolved(op, x, w, bias, resolved, act);
}

/** run's checks and resolution: the options' snapshot, the operands, the bias's shape and the output's size. */
function resolveCall(op: ConvOp, x: NDArray, w: NDArray, options: unknown): { bias: NDArray | null; resolved: ResolvedConv } {
  // the record and its arrays stay inside this call (the tape keeps the geometry built from them): left unfrozen
  const snap = snapshotOptions(op, options, CONV_OPTIONS, false);
  const bias = (snap.bias ?? null) as NDArray | null;
  checkOperands(op, x, w, bias);
  const resolved = resolveConvSnapshot(op, x.shape, w.shape, snap);
  const outChannels = op === "convolution" ? resolved.geometry.gridChannels : resolved.geometry.imageChannels;
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== outChannels))
    throw new Error(`${op}: bias shape ${formatShape(bias.shape)} must be [${outChannels}] (one value per output channel)`);
  checkArraySize(op, "the output", resolved.outputShape, x.dtype === "float32" ? 4 : 8);
  return { bias, resolved };
}

/** run once resolved: the padding modes around the zero-padding kernels, else the kernel itself. */
function runResolved(op: ConvOp, x: NDArray, w: NDArray, bias: NDArray | null, resolved: ResolvedConv, act: ConvActivation | null = null): NDArray {
  if (resolved.paddingMode !== "zeros") {
    const y = runPaddingMode(resolved, x, w, bias);
    return act ? activate(y, act) : y;
  }
  return runKernel(op, resolved.geometry, x, w, bias, resolved.outputShape, act);
}

/** act as its own op: relu, hardswish, or leaky_relu with the slope. */
function activate(y: NDArray, act: ConvActivation): NDArray {
  return act.kind === "leaky" ? leakyRelu(y, { actType: "leaky", slope: act.slope }) : unary(act.kind, y);
}

function runKernel(
  op: ConvOp,
  g: ConvGeometry,
  x: NDArray,
  w: NDArray,
  bias: NDArray | null,
  outShape: readonly number[],
  act: ConvActivation | null = null,
): NDArray {
  const xd = contiguous(x).storage,
    wd = contiguous(w).storage,
    bd = bias ? contiguous(bias).storage : null;
  let out: Storage;
  // guarded()'s work without its closure: this runs on every call
  try {
    const be = backendFor(x, w);
    out = op === "convolution" ? be.imageToGrid(g, x.dtype, xd, wd, bd, act) : be.gridToImage(g, x.dtype, xd, wd, bd, act);
  } catch (e) {
    throw guardedError(op, e);
  }
  const y = new NDArray(out, outShape);
  // a fused activation is never observed (convolutionActivated checks): nothing to record
  if (act) return y;
  const inputs = bias ? [x, w, bias] : [x, w];
  return recordOp(op, inputs, y, { geometry: g, hasBias: !!bias });
}

/**
 * A padding mode around the zero-padding kernels (P = padBorder, a 0/1 matrix): convolution = conv₀(P·x) + b, and
 * deconvolution is its adjoint, Pᵀ·deconv₀(y) + b = foldBorder(deconv₀(y)) + b, where conv₀/deconv₀ run on the padded image.
 */
function runPaddingMode(r: ResolvedConv, x: NDArray, w: NDArray, bias: NDArray | null): NDArray {
  const g = r.geometry,
    inner = paddedGeometry(g),
    border = convBorder(g, r.paddingMode);
  if (r.op === "convolution") return runKernel("convolution", inner, padBorder(x, border), w, bias, r.outputShape);
  return foldBorder(runKernel("deconvolution", inner, x, w, null, imageShape(inner)), border, bias, g.channelsLast ? g.nd + 1 : 1);
}

/**
 * Convolution (cross-correlation, as every DL framework): weight `[Cout, Cin/groups, ...k]`
 * (channels-last layouts: `[Cout, ...k, Cin/groups]`).
 */
export function convolution(x: NDArray, w: NDArray, options?: ConvCallOptions): NDArray {
  return run("convolution", x, w, options);
}

/**
 * act(convolution(x, w, options)) or act(deconvolution(…)): while no op is observed (outside autograd.record and export
 * tracing) the kernel applies the activation as it stores (the wasm im2col and depthwise kernels; Winograd for ReLU) or
 * one pass over the result follows; otherwise the two recorded ops, so gradients and traces see both. Bit for bit the
 * two-op result.
 */
export function convolutionActivated(op: ConvOp, x: NDArray, w: NDArray, act: ConvActivation, options?: ConvCallOptions): NDArray {
  // the separate op's check of its slope, so the fused call accepts exactly what leakyRelu does
  if (act.kind === "leaky") readNumber(op, "slope", act.slope, 0);
  if (opsObserved()) return activate(run(op, x, w, options), act);
  return run(op, x, w, options, act);
}

/**
 * convolution(x, w, options) + residual, for a residual of exactly the result's shape, dtype and device: while no op is
 * observed, one backend call that adds the residual to the finished result (the CPU backend's wasm kernels do it
 * before their copy-out: no JS pass, no second array); recorded or traced, or where the backend has no such call, or
 * the residual does not fit exactly (a broadcast), the two ops. Bit for bit the two-op result either way.
 */
export function convolutionAdd(x: NDArray, w: NDArray, residual: NDArray, options?: ConvCallOptions): NDArray {
  const op = "convolution";
  if (opsObserved() || !(residual instanceof NDArray)) return binary("add", run(op, x, w, options), residual);
  const { bias, resolved } = resolveCall(op, x, w, options);
  const be = backendFor(x, w);
  const fits =
    resolved.paddingMode === "zeros" &&
    be.imageToGridAdd !== undefined &&
    residual.dtype === x.dtype &&
    residual.ctx.equals(x.ctx) &&
    residual.ndim === resolved.outputShape.length &&
    residual.shape.every((d, i) => d === resolved.outputShape[i]);
  if (!fits) return binary("add", runResolved(op, x, w, bias, resolved), residual);
  const xd = contiguous(x).storage,
    wd = contiguous(w).storage,
    bd = bias ? contiguous(bias).storage : null,
    rd = contiguous(residual).storage;
  let out: Storage;
  try {
    out = be.imageToGridAdd!(resolved.geometry, x.dtype, xd, wd, bd, rd);
  } catch (e) {
    throw guardedError(op, e);
  }
  return new NDArray(out, resolved.outputShape);
}

const RELU: ConvActivation = { kind: "relu" };

/** relu(convolution(…)) or relu(deconvolution(…)) for layers with activation "relu": convolutionActivated with ReLU. */
export function convolutionRelu(op: ConvOp, x: NDArray, w: NDArray, options?: ConvCallOptions): NDArray {
  return convolutionActivated(op, x, w, RELU, options);
}

/**
 * Transposed convolution: weight `[Cin, Cout/groups, ...k]` as MXNet, PyTorch and ONNX
 * (channels-last layouts: `[Cin, ...k, Cout/groups]`).
 */
export function deconvolution(x: NDArray, w: NDArray, options?: ConvCallOptions): NDArray {
  return run("deconvolution", x, w, options);
}

/**
 * The zero-padding kernel of `op` for a geometry already resolved (no bias), recorded as that op: how the gradient
 * rules run a convolution's input gradient as a transposed convolution (and back), so the result is differentiable.
 */
export function convolutionWithGeometry(op: ConvOp, g: ConvGeometry, x: NDArray, w: NDArray): NDArray {
  return runKernel(op, g, x, w, null, op === "convolution" ? gridShape(g) : imageShape(g));
}

/**
 * The filter gradient dw[a] = Σ_q image[q·s − pad + a·d] · grid[q] of geometry `g` (convolution: image = x, grid = dy;
 * transposed convolution: image = dy, grid = x), recorded as "conv_weight_grad" so it can be differentiated again.
 */
export function convWeightGrad(g: ConvGeometry, image: NDArray, grid: NDArray): NDArray {
  for (const [name, a, want] of [
    ["image", image, imageShape(g)],
    ["grid", grid, gridShape(g)],
  ] as const)
    if (a.shape.length !== want.length || a.shape.some((d, i) => d !== want[i]))
      throw new Error(`convolution weight gradient: ${name} shape ${formatShape(a.shape)} does not match the geometry's ${formatShape(want)}`);
  if (image.dtype !== grid.dtype) throw new Error(`convolution weight gradient: mixed dtypes: image ${image.dtype}, grid ${grid.dtype}`);
  let out: Storage;
  try {
    out = backendFor(image, grid).weightGrad(g, image.dtype, contiguous(image).storage, contiguous(grid).storage);
  } catch (e) {
    throw guardedError("convolution weight gradient", e);
  }
  return recordOp("conv_weight_grad", [image, grid], new NDArray(out, weightShape(g)), { geometry: g });
}
