// Device contexts with MXNet's names (npx.cpu(), npx.gpu(i), d2l.tryGpu()): a small value type that imports nothing.

/**
 * Anything shaped like `navigator.gpu`: the browser's, or the npm `webgpu` package's `create([])` in Node (typed
 * structurally so that the public declarations need no WebGPU type package).
 */
export interface GpuLike {
  requestAdapter(options?: { powerPreference?: "low-power" | "high-performance" }): Promise<unknown>;
}

/** Options of npx.initGpu. */
export interface InitGpuOptions {
  /** the WebGPU entry point to use instead of `navigator.gpu` */
  gpu?: GpuLike;
  /** passed to requestAdapter */
  powerPreference?: "low-power" | "high-performance";
}

/** Where an array lives: the CPU (wasm / JS kernels) or a WebGPU device. */
export type DeviceType = "cpu" | "gpu";

/** A device, as MXNet's `Context`: `String(ctx)` is `cpu(0)` or `gpu(0)`. */
export class Context {
  constructor(
    readonly deviceType: DeviceType,
    readonly deviceId: number = 0,
  ) {}

  toString(): string {
    return `${this.deviceType}(${this.deviceId})`;
  }

  /** Same device type and id (contexts are values, not identities). */
  equals(other: Context): boolean {
    return this.deviceType === other.deviceType && this.deviceId === other.deviceId;
  }
}

/**
 * The number of usable GPUs and, when there is none, why: set by the WebGPU backend's initGpu (this module stays below
 * every backend, so the backend reports to it rather than being imported by it).
 */
let gpuCount = 0;
let noGpuReason = "npx.initGpu() has not been called: await npx.initGpu() before npx.gpu()";

/** Called by the WebGPU backend after initGpu and on device loss. */
export function setGpuCount(count: number, reason: string): void {
  gpuCount = count;
  noGpuReason = reason;
}

/** How many GPUs initGpu found (0 before it resolves). */
export function numGpus(): number {
  return gpuCount;
}

const CPU = new Context("cpu", 0);

/** The CPU context, `cpu(0)`. */
export function cpu(): Context {
  return CPU;
}

/** GPU `i` (default 0); throws when initGpu has not run, found no GPU, or `i` is out of range. */
export function gpu(i = 0): Context {
  if (!Number.isInteger(i) || i < 0) throw new Error(`npx.gpu: device id ${String(i)} is not a non-negative integer`);
  if (gpuCount === 0) throw new Error(`npx.gpu(${i}): no GPU available: ${noGpuReason}`);
  if (i >= gpuCount) throw new Error(`npx.gpu(${i}): only ${gpuCount} GPU(s) available (ids 0..${gpuCount - 1})`);
  return new Context("gpu", i);
}

/** D2L's try_gpu(): gpu(0) when initGpu found one, otherwise cpu(). */
export function tryGpu(): Context {
  return gpuCount > 0 ? new Context("gpu", 0) : CPU;
}
