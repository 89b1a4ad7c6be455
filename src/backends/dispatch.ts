// The dispatcher: the one place that picks which backend runs a kernel for the arrays of a call.
import { NDArray } from "../ndarray/ndarray.js";
import { type Dtype, shapeSize } from "../ndarray/strided.js";
import { type DeviceStorage, isDeviceStorage, type Storage } from "../ndarray/storage.js";
import type { Context } from "../context.js";
import type { Backend, IndexStorage } from "./backend.js";
import { cpuBackend } from "./cpu/index.js";
import { setBackendLoader } from "./webgpu/device.js";

export type { Backend, BinaryKernelOp, IndexArray, IndexStorage, ReduceKernelOp, StridedView, UnaryKernelOp } from "./backend.js";

/**
 * The backend as the ops see it: over either storage. The CPU backend takes typed arrays and the WebGPU one device
 * storage; backendFor hands out the one matching the call's arrays, so each gets only its own kind (the interface's
 * methods are bivariant in their parameters, which is what lets both be typed as this without a cast).
 */
export type AnyBackend = Backend<Storage, IndexStorage>;

/** What the dispatcher needs of the WebGPU backend (src/backends/webgpu/backend.ts). */
export interface GpuBackendEntry {
  backend: Backend<DeviceStorage, DeviceStorage>;
  uploadStorage(values: Float32Array): DeviceStorage;
  readStorage(s: DeviceStorage): Promise<Float32Array>;
}

/**
 * The WebGPU backend, loaded by npx.initGpu once it has a device (with import(), so a page that never calls initGpu
 * does not run the GPU code, and a bundler with code splitting puts it in a chunk of its own). Device storage exists
 * only after that, so every path below that needs it finds it set.
 */
let gpuEntry: GpuBackendEntry | null = null;

setBackendLoader(async () => {
  const m = await import("./webgpu/backend.js");
  gpuEntry = { backend: m.webgpuBackend, uploadStorage: m.uploadStorage, readStorage: m.readStorage };
});

function gpuBackend(): GpuBackendEntry {
  if (gpuEntry === null) throw new Error("the WebGPU backend is not loaded: await npx.initGpu() before using GPU arrays");
  return gpuEntry;
}

/**
 * The backend of the device holding the arrays of a call. Arrays on different devices are an error naming both
 * devices (MXNet: "all operands must be on the same context"); nothing is copied behind the caller's back.
 */
export function backendFor(...arrays: readonly NDArray[]): AnyBackend {
  let device: DeviceStorage | null = null;
  let cpuSeen = false;
  for (let i = 0; i < arrays.length; i++) {
    const s = arrays[i]!.storage;
    if (!isDeviceStorage(s)) cpuSeen = true;
    else if (device === null) device = s;
    else if (!device.ctx.equals(s.ctx)) throw mixed(device.ctx, s.ctx);
  }
  if (device === null) return cpuBackend;
  if (cpuSeen) throw mixed(device.ctx, arrays.find((a) => !isDeviceStorage(a.storage))!.ctx);
  return gpuBackend().backend;
}

function mixed(a: Context, b: Context): Error {
  return new Error(
    `the arrays are on different devices, ${String(a)} and ${String(b)}: move one with x.asInCtx(ctx) first (nothing is copied between devices implicitly)`,
  );
}

/** The backend of arrays created without an input (creation functions, optimizer state): the CPU. */
export function defaultBackend(): AnyBackend {
  return cpuBackend;
}

/** The backend of a device (optimizer state created next to a parameter). */
export function backendOf(ctx: Context): AnyBackend {
  return ctx.deviceType === "gpu" ? gpuBackend().backend : cpuBackend;
}

/**
 * x's elements, dense, as storage on `ctx`: CPU → GPU uploads (float32 only), GPU → CPU needs the values read back
 * by `await x.wait()` first (a GPU read is asynchronous), and GPU → GPU is a device copy.
 */
export function storageOn(x: NDArray, ctx: Context): Storage {
  const from = x.ctx;
  if (ctx.deviceType === "cpu") return x.asTypedArray().slice();
  if (from.deviceType === "cpu") {
    const v = x.asTypedArray();
    if (!(v instanceof Float32Array))
      throw new Error(
        `asInCtx(${String(ctx)}): the array has dtype float64; WebGPU has no float64 (f64) type, so GPU arrays are float32 only (use x.astype("float32") first)`,
      );
    return gpuBackend().uploadStorage(v);
  }
  const gpu = gpuBackend().backend;
  const out = gpu.allocate("float32", x.size);
  gpu.unaryInto(
    "identity",
    x.shape,
    { data: out, strides: denseStrides(x.shape), offset: 0 },
    {
      data: deviceStorage(x),
      strides: x.strides,
      offset: x.offset,
    },
  );
  return out;
}

function deviceStorage(x: NDArray): DeviceStorage {
  const s = x.storage;
  if (!isDeviceStorage(s)) throw new Error(`copyto: the array is on ${String(x.ctx)}, expected device storage`);
  return s;
}

function denseStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  for (let i = shape.length - 1, m = 1; i >= 0; m *= shape[i]!, i--) s[i] = m;
  return s;
}

/** Waits until x's values exist on the host (a no-op on the CPU); errors of the ops that computed it are thrown here. */
export async function waitFor(x: NDArray): Promise<void> {
  const s = x.storage;
  if (isDeviceStorage(s)) await gpuBackend().readStorage(s);
}

/**
 * For ops that compute in JS on the CPU (softmax, the losses' gathers, batch norm's running statistics, batched
 * matmul, constant pad): arrays on a device are an error naming the op, never a silent round trip to the CPU.
 */
/** requireCpu, then the CPU backend typed over typed arrays (for ops that index the results in JS). */
export function cpuBackendFor(op: string, ...arrays: readonly NDArray[]): Backend {
  requireCpu(op, ...arrays);
  return cpuBackend;
}

export function requireCpu(op: string, ...arrays: readonly NDArray[]): void {
  for (const a of arrays)
    if (isDeviceStorage(a.storage))
      throw new Error(
        `${op}: no WebGPU kernel yet for arrays on ${String(a.ctx)}; move them to the CPU with x.asInCtx(npx.cpu()) (after await x.wait()) to run it there`,
      );
}

/** Zeros of `shape` on the device of `like` (gradient buffers and optimizer state next to their arrays). */
export function zerosOn(like: NDArray, shape: readonly number[], dtype: Dtype = like.dtype): NDArray {
  return new NDArray(backendFor(like).allocate(dtype, shapeSize(shape)), shape);
}

/** `v` repeated over `shape` on the device of `like` (backward's default head gradient of ones). */
export function fullOn(like: NDArray, shape: readonly number[], v: number, dtype: Dtype = like.dtype): NDArray {
  const be = backendFor(like);
  const out = new NDArray(be.allocate(dtype, shapeSize(shape)), shape);
  be.unaryInto("identity", shape, { data: out.storage, strides: out.strides, offset: 0 }, be.scalar(v, shape.length));
  return out;
}
