// Where an array's elements live: a CPU typed array, or a device buffer that only that device's backend reads.
import type { Context } from "../context.js";
import type { Dtype, FloatArray } from "./dtype.js";

/**
 * An array's elements on a device other than the CPU. The device's backend defines the buffer behind it; the array
 * layer only knows its context, size, and the host copy `wait()` reads back.
 */
export interface DeviceStorage {
  readonly ctx: Context;
  readonly dtype: "float32";
  /** elements held */
  readonly size: number;
  /** the values as of the last `wait()`, or null: every kernel that writes this storage drops them */
  host: Float32Array | null;
  /** bumped by every kernel that writes this storage (a read-back that raced a write is not kept as `host`) */
  version: number;
}

/** An array's elements: a typed array on the CPU, or device storage. */
export type Storage = FloatArray | DeviceStorage;

export function isDeviceStorage(s: Storage): s is DeviceStorage {
  return !ArrayBuffer.isView(s);
}

/** Elements a storage holds. */
export function storageLength(s: Storage): number {
  return isDeviceStorage(s) ? s.size : s.length;
}

/**
 * Zeroed storage on a device, by device type: a device backend registers its allocator when its module loads (the
 * array layer sits below every backend and imports none). attachGrad uses it to keep `.grad` on the array's device.
 */
const allocators = new Map<string, (dtype: Dtype, n: number) => DeviceStorage>();

export function registerDeviceAllocator(deviceType: string, allocate: (dtype: Dtype, n: number) => DeviceStorage): void {
  allocators.set(deviceType, allocate);
}

export function allocateLike(s: DeviceStorage, dtype: Dtype, n: number): DeviceStorage {
  const a = allocators.get(s.ctx.deviceType);
  if (a === undefined) throw new Error(`allocate: no backend is loaded for ${String(s.ctx)}`);
  return a(dtype, n);
}

/**
 * Indices a kernel writes for its backward (max pooling's argmax), on the kernel's device: a typed array on the CPU,
 * device storage holding i32 bits on a GPU (which cannot hand indices to the CPU without waiting for the device). Ops
 * keep it opaque and pass it back only to the backend that made it.
 */
export type IndexStorage = Int32Array | Float64Array | DeviceStorage;
