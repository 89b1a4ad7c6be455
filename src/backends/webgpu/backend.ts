// The WebGPU backend object: the Backend interface over GPU storage, its kernels, and the errors of kernels it lacks.
import type { Backend, BinaryKernelOp, ReduceKernelOp, StridedView, UnaryKernelOp } from "../backend.js";
import { Context } from "../../context.js";
import type { Dtype } from "../../ndarray/dtype.js";
import { type DeviceStorage, registerDeviceAllocator } from "../../ndarray/storage.js";
import type { ConvGeometry } from "../../params/geometry.js";
import type { ConvActivation } from "../../params/kernel-records.js";
import { allocTensor, type GpuTensor, releaseTensor } from "./buffer-pool.js";
import { binaryGpu, copyIntoGpu, type GpuView, unaryGpu, whereGpu } from "./elementwise.js";
import { reduceGpu } from "./reduce.js";
import { gridToImageGpu, imageToGridGpu, weightGradGpu } from "./conv.js";
import { matmulGpu } from "./matmul.js";
import {
  batchNormAffineGpu,
  batchNormPredictAffineGpu,
  batchNormPredictBackwardGpu,
  batchNormRunningUpdateGpu,
  batchNormTrainBackwardGpu,
  batchNormTrainForwardGpu,
  groupNormForwardGpu,
} from "./batch-norm.js";
import { fillChannelsGpu, foldScatterGpu, padGatherGpu, resampleAxisAdjointGpu, resampleAxisGpu } from "./gather.js";
import { applyMaskGpu, dropoutMaskGpu } from "./dropout.js";
import { pickAxisGpu } from "./pick.js";
import { poolBackwardGpu, poolForwardGpu, poolGatherGpu } from "./pooling.js";
import { sgdUpdateGpu } from "./optimizer.js";
import { adamUpdateGpu, leakyBackwardGpu, leakyForwardGpu, preluBackwardGpu, preluForwardGpu, softsignBackwardGpu, softsignForwardGpu } from "./pointwise.js";
import { readTensor, requireFloat32, upload } from "./transfer.js";
import { scalarTensor } from "./scalars.js";

const GPU0 = new Context("gpu", 0);

/** An array's elements on the GPU: a pooled tensor, and the host copy `wait()` reads back. */
export class GpuStorage implements DeviceStorage {
  readonly dtype = "float32";
  host: Float32Array | null = null;
  version = 0;
  constructor(readonly tensor: GpuTensor) {}
  get ctx(): Context {
    return GPU0;
  }
  get size(): number {
    return this.tensor.size;
  }
}

/** The tensor behind device storage; storage of another device is an error naming the kernel. */
function tensorOf(s: DeviceStorage, kernel: string): GpuTensor {
  // CPU storage is a typed array (no ctx): named as the CPU, not "undefined"
  if (!(s instanceof GpuStorage))
    throw new Error(`${kernel} (webgpu): an operand lives on ${ArrayBuffer.isView(s) ? "cpu(0)" : String(s.ctx)}, not on the GPU`);
  return s.tensor;
}

/** Marks storage as written by a queued kernel: its host copy is stale. */
function wrote(s: DeviceStorage): void {
  s.host = null;
  s.version++;
}

const viewOf = (v: StridedView<DeviceStorage>, kernel: string): GpuView => ({ tensor: tensorOf(v.data, kernel), strides: v.strides, offset: v.offset });

/** Stores a fresh dense result into the view `o` and returns the temporary to the pool. */
function store(shape: readonly number[], r: GpuTensor, o: StridedView<DeviceStorage>, kernel: string): void {
  try {
    copyIntoGpu(shape, r, viewOf(o, kernel));
  } finally {
    releaseTensor(r);
  }
  wrote(o.data);
}

function denseStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  for (let i = shape.length - 1, m = 1; i >= 0; m *= shape[i]!, i--) s[i] = m;
  return s;
}

function fresh(t: GpuTensor): GpuStorage {
  return new GpuStorage(t);
}

/** act(t) as a new tensor, the temporary returned to the pool (the CPU kernels' fused activation, as a second pass). */
function activated(t: GpuTensor, act: ConvActivation | null | undefined): GpuTensor {
  if (!act) return t;
  let r: GpuTensor;
  if (act.kind !== "leaky") r = unaryGpu(act.kind, [t.size], { tensor: t, strides: [1], offset: 0 });
  else {
    r = allocTensor(t.size, "leaky_relu (webgpu)");
    leakyForwardGpu("leaky", act.slope, t, r, t.size);
  }
  releaseTensor(t);
  return r;
}

/** A zeroed buffer, or with `overwritten` (the caller's kernel writes every element) one left as the pool gave it. */
function allocate(dtype: Dtype, n: number, overwritten = false): GpuStorage {
  requireFloat32("allocate (webgpu)", "the array", dtype);
  return fresh(allocTensor(n, "allocate (webgpu)", !overwritten));
}

const float32 = (kernel: string, dtype: Dtype) => requireFloat32(kernel, "the operands", dtype);

export const webgpuBackend: Backend<DeviceStorage, DeviceStorage> = {
  name: "webgpu",
  dtypes: ["float32"],
  allocate,
  allocateIndices(n) {
    // i32 bits in a pooled buffer (GpuStorage's float32 is only its element size here): no values are read back, the
    // backward and the gather kernels read them as array<i32>; a binding holds < 2³¹ elements, so i32 suffices
    return fresh(allocTensor(n, "pooling argmax (webgpu)"));
  },
  scalar(v: number, ndim: number): StridedView<DeviceStorage> {
    // one cached read-only tensor per distinct value: a number operand uploads nothing after its first use
    return { data: fresh(scalarTensor(v, "scalar (webgpu)")), strides: new Array<number>(ndim).fill(0), offset: 0 };
  },
  unaryInto(op: UnaryKernelOp, shape, o, x) {
    store(shape, unaryGpu(op, shape, viewOf(x, op)), o, op);
  },
  binaryInto(op: BinaryKernelOp, shape, o, a, b) {
    store(shape, binaryGpu(op, shape, viewOf(a, op), viewOf(b, op)), o, op);
  },
  whereInto(shape, o, c, a, b) {
    store(shape, whereGpu(shape, viewOf(c, "where"), viewOf(a, "where"), viewOf(b, "where")), o, "where");
  },
  reduceInto(op: ReduceKernelOp, shape, x, axes, out) {
    const r = reduceGpu(op, shape, viewOf(x, op), axes);
    store([r.size], r, { data: out, strides: [1], offset: 0 }, op);
  },
  imageToGrid(g: ConvGeometry, dtype, image, w, bias, act) {
    float32("convolution", dtype);
    const r = imageToGridGpu(g, tensorOf(image, "convolution"), tensorOf(w, "convolution"), bias ? tensorOf(bias, "convolution") : null);
    return fresh(activated(r, act));
  },
  gridToImage(g: ConvGeometry, dtype, grid, w, bias, act) {
    float32("deconvolution", dtype);
    const r = gridToImageGpu(g, tensorOf(grid, "deconvolution"), tensorOf(w, "deconvolution"), bias ? tensorOf(bias, "deconvolution") : null);
    return fresh(activated(r, act));
  },
  weightGrad(g: ConvGeometry, dtype, image, grid) {
    float32("weight gradient", dtype);
    return fresh(weightGradGpu(g, tensorOf(image, "weight gradient"), tensorOf(grid, "weight gradient")));
  },
  matmul(dtype, M, N, K, a, b) {
    float32("matmul", dtype);
    return fresh(matmulGpu(M, N, K, tensorOf(a, "matmul"), tensorOf(b, "matmul")));
  },
  matmulBatched(dtype, batch, M, N, K, a, b) {
    float32("matmul", dtype);
    return fresh(matmulGpu(M, N, K, tensorOf(a, "matmul"), tensorOf(b, "matmul"), batch));
  },
  pickAxis(x, ids, outer, n, inner, mode, out, chosen) {
    const t = (s: DeviceStorage) => tensorOf(s, "npx.pick");
    // ids already read back (host copy current): checked here as the CPU does, before any work is queued; otherwise the
    // kernel records non-finite ids and the Error comes at the next wait() / data() (see pick.ts)
    const known = ids.host;
    if (known !== null)
      for (let j = 0; j < outer * inner; j++) if (!Number.isFinite(known[j]!)) throw new Error(`npx.pick: index holds ${known[j]}, not a class id`);
    pickAxisGpu(t(x), t(ids), outer, n, inner, mode, t(out), t(chosen));
    wrote(out);
    wrote(chosen);
  },
  padGather(small, smallShape, tables, big, bigShape) {
    padGatherGpu(tensorOf(small, "pad"), smallShape, tables, tensorOf(big, "pad"), bigShape);
    wrote(big);
  },
  foldScatter(big, bigShape, tables, small, smallShape) {
    foldScatterGpu(tensorOf(big, "pad (gradient)"), bigShape, tables, tensorOf(small, "pad (gradient)"), smallShape);
    wrote(small);
  },
  fillChannels(out, shape, axis, bias) {
    fillChannelsGpu(tensorOf(out, "fill channels"), shape, axis, tensorOf(bias, "fill channels"));
    wrote(out);
  },
  resampleAxis(x, outer, inSize, inner, taps, out) {
    resampleAxisGpu(tensorOf(x, "resample"), outer, inSize, inner, taps, tensorOf(out, "resample"));
    wrote(out);
  },
  resampleAxisAdjoint(g, outer, inSize, inner, taps, dx) {
    resampleAxisAdjointGpu(tensorOf(g, "resample (gradient)"), outer, inSize, inner, taps, tensorOf(dx, "resample (gradient)"));
    wrote(dx);
  },
  poolForward(g, x, y, argmax) {
    poolForwardGpu(g, tensorOf(x, "pooling"), tensorOf(y, "pooling"), argmax ? tensorOf(argmax, "pooling") : null);
    wrote(y);
    if (argmax) wrote(argmax);
  },
  poolBackward(g, dy, dx, argmax) {
    poolBackwardGpu(g, tensorOf(dy, "pooling (gradient)"), tensorOf(dx, "pooling (gradient)"), argmax ? tensorOf(argmax, "pooling (gradient)") : null);
    wrote(dx);
  },
  poolGather(x, argmax, y) {
    poolGatherGpu(tensorOf(x, "pooling (gather)"), tensorOf(argmax, "pooling (gather)"), tensorOf(y, "pooling (gather)"), y.size);
    wrote(y);
  },
  allocateStats: (n) => allocate("float32", n),
  batchNormTrainForward(v, x, gamma, beta, eps, y, mean, variance, invstd) {
    const t = (s: DeviceStorage) => tensorOf(s, "batch_norm");
    batchNormTrainForwardGpu(v, t(x), t(gamma), t(beta), eps, t(y), t(mean), t(variance), t(invstd));
    for (const s of [y, mean, variance, invstd]) wrote(s);
  },
  groupNormForward(v, x, gamma, beta, eps, y, mean, invstd) {
    const t = (s: DeviceStorage) => tensorOf(s, "group_norm");
    groupNormForwardGpu(v, t(x), t(gamma), t(beta), eps, t(y), t(mean), t(invstd));
    for (const s of [y, mean, invstd]) wrote(s);
  },
  batchNormPredictAffine(C, gamma, beta, runMean, runVar, eps, a, shift) {
    const t = (s: DeviceStorage) => tensorOf(s, "batch_norm");
    batchNormPredictAffineGpu(C, t(gamma), t(beta), t(runMean), t(runVar), eps, t(a), t(shift));
    wrote(a);
    wrote(shift);
  },
  batchNormAffineForward(v, x, a, b, y) {
    const t = (s: DeviceStorage) => tensorOf(s, "batch_norm");
    batchNormAffineGpu(v, t(x), t(a), t(b), null, 0, t(y));
    wrote(y);
  },
  batchNormAffineActForward(v, x, a, b, act, slope, y) {
    const t = (s: DeviceStorage) => tensorOf(s, "batch_norm");
    batchNormAffineGpu(v, t(x), t(a), t(b), act, slope, t(y));
    wrote(y);
  },
  batchNormTrainBackward(v, x, dy, gamma, mean, invstd, dx, dgamma, dbeta) {
    const t = (s: DeviceStorage) => tensorOf(s, "batch_norm (gradient)");
    batchNormTrainBackwardGpu(v, t(x), t(dy), t(gamma), t(mean), t(invstd), dx && t(dx), dgamma && t(dgamma), dbeta && t(dbeta));
    for (const s of [dx, dgamma, dbeta]) if (s) wrote(s);
  },
  batchNormPredictBackward(v, x, dy, gamma, runMean, runVar, eps, dx, grads) {
    const t = (s: DeviceStorage) => tensorOf(s, "batch_norm (gradient)");
    const outs = [grads.dgamma, grads.dbeta, grads.dmean, grads.dvar];
    batchNormPredictBackwardGpu(
      v,
      t(x),
      t(dy),
      t(gamma),
      t(runMean),
      t(runVar),
      eps,
      dx && t(dx),
      outs.map((s) => s && t(s)),
    );
    for (const s of [dx, ...outs]) if (s) wrote(s);
  },
  batchNormRunningUpdate(run, batch, n, momentum) {
    batchNormRunningUpdateGpu(tensorOf(run.data, "batch_norm"), run.offset, run.strides[0] ?? 1, tensorOf(batch, "batch_norm"), n, momentum);
    wrote(run.data);
  },
  leakyForward(act, slope, x, y) {
    leakyForwardGpu(act, slope, tensorOf(x, "leaky_relu"), tensorOf(y, "leaky_relu"), x.size);
    wrote(y);
  },
  leakyBackward(act, slope, x, dy, dx) {
    leakyBackwardGpu(act, slope, tensorOf(x, "leaky_relu"), tensorOf(dy, "leaky_relu"), tensorOf(dx, "leaky_relu"), x.size);
    wrote(dx);
  },
  softsignForward(x, y) {
    softsignForwardGpu(tensorOf(x, "softsign"), tensorOf(y, "softsign"), x.size);
    wrote(y);
  },
  softsignBackward(x, dy, dx) {
    softsignBackwardGpu(tensorOf(x, "softsign"), tensorOf(dy, "softsign"), tensorOf(dx, "softsign"), x.size);
    wrote(dx);
  },
  preluForward(outer, C, inner, x, alpha, y) {
    preluForwardGpu(outer, C, inner, tensorOf(x, "prelu"), tensorOf(alpha, "prelu"), tensorOf(y, "prelu"));
    wrote(y);
  },
  preluBackward(outer, C, inner, x, alpha, dy, dx, dalpha) {
    const t = (s: DeviceStorage) => tensorOf(s, "prelu (gradient)");
    preluBackwardGpu(outer, C, inner, t(x), t(alpha), t(dy), dx && t(dx), dalpha && t(dalpha));
    if (dx) wrote(dx);
    if (dalpha) wrote(dalpha);
  },
  concatRows(parts, blocks, outer, out) {
    // out viewed as [outer, row]; part k fills columns off … off + blocks[k] (a buffer copy when outer is 1)
    const row = blocks.reduce((p, b) => p + b, 0);
    const o = tensorOf(out, "concatenate");
    let off = 0;
    parts.forEach((part, k) => {
      const b = blocks[k]!;
      copyIntoGpu([outer, b], tensorOf(part, "concatenate"), { tensor: o, strides: [row, 1], offset: off });
      off += b;
    });
    wrote(out);
  },
  splitRows(src, blocks, outer, parts) {
    const row = blocks.reduce((p, b) => p + b, 0);
    const s = tensorOf(src, "split");
    let off = 0;
    parts.forEach((part, k) => {
      const b = blocks[k]!;
      if (part !== null)
        store([outer, b], unaryGpu("identity", [outer, b], { tensor: s, strides: [row, 1], offset: off }), { data: part, strides: [b, 1], offset: 0 }, "split");
      off += b;
    });
  },
  pixelShuffle(g, depth, space, toSpace) {
    // the space array is dense over [N, C, D, rd, H, rh, W, rw]; the depth array read or written through strides
    const [D, H, W] = g.size,
      [RD, RH, RW] = g.factors,
      C = g.channels;
    const S = D * H * W,
      R = RD * RH * RW;
    const shape = [g.batch, C, D, RD, H, RH, W, RW];
    // depth channel: DCR ((rd·RH + rh)·RW + rw)·C + c, CRD c·R + (rd·RH + rh)·RW + rw
    const [sc, srd, srh, srw] = g.mode === "DCR" ? [S, RH * RW * C * S, RW * C * S, C * S] : [R * S, RH * RW * S, RW * S, S];
    const depthView: GpuView = { tensor: tensorOf(depth, "depth_to_space"), strides: [C * R * S, sc, H * W, srd, W, srh, 1, srw], offset: 0 };
    if (toSpace) store(shape, unaryGpu("identity", shape, depthView), { data: space, strides: denseStrides(shape), offset: 0 }, "depth_to_space");
    else {
      copyIntoGpu(shape, tensorOf(space, "space_to_depth"), depthView);
      wrote(depth);
    }
  },
  dropoutMask(n, p, uniform) {
    const mask = fresh(allocTensor(n, "dropout (webgpu)")); // every element written by the mask kernel
    dropoutMaskGpu(tensorOf(mask, "dropout"), n, p, uniform);
    wrote(mask);
    return mask;
  },
  applyMask(x, mask, map, y) {
    applyMaskGpu(tensorOf(x, "dropout"), tensorOf(mask, "dropout"), map, tensorOf(y, "dropout"));
    wrote(y);
  },
  sgdUpdate(w, grad, v, n, p, lr, momentum) {
    sgdUpdateGpu(tensorOf(w, "sgd_update"), tensorOf(grad, "sgd_update"), v ? tensorOf(v, "sgd_update") : null, n, p, lr, momentum);
    wrote(w);
    if (v) wrote(v);
  },
  adamUpdate(w, grad, m, v, n, p, lrT, beta1, beta2, epsilon) {
    adamUpdateGpu(
      tensorOf(w, "adam_update"),
      tensorOf(grad, "adam_update"),
      tensorOf(m, "adam_update"),
      tensorOf(v, "adam_update"),
      n,
      p,
      lrT,
      beta1,
      beta2,
      epsilon,
    );
    for (const s of [w, m, v]) wrote(s);
  },
};

registerDeviceAllocator("gpu", allocate);

/** CPU values onto the GPU (queued): float32 only. */
export function uploadStorage(values: Float32Array): GpuStorage {
  return fresh(upload(values, "asInCtx (webgpu)"));
}

/** The storage's values once every queued op has run, kept as its host copy unless a write raced the read. */
export async function readStorage(s: DeviceStorage): Promise<Float32Array> {
  const t = tensorOf(s, "wait");
  for (;;) {
    const v = s.version;
    const values = await readTensor(t, "wait");
    if (s.version === v) {
      s.host = values;
      return values;
    }
  }
}
