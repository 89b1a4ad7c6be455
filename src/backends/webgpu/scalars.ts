// Number operands (x.mul(2)) as cached 1-element GPU tensors: one upload per distinct float32 value, not one per call.
import { allocTensor, type GpuTensor, onEmptyPools, releaseTensor } from "./buffer-pool.js";
import { gpuOp, gpuState } from "./device.js";

/** At most this many values are kept per device (16 bytes each); the least recently used one is dropped beyond it. */
export const MAX_CACHED_SCALARS = 256;

/** float32 bits → the tensor holding that value on `cacheDevice`, least recently used first (Map keeps insertion order). */
const cache = new Map<number, GpuTensor>();
let cacheDevice: GPUDevice | null = null;
const f32 = new Float32Array(1);
const bits = new Uint32Array(f32.buffer);
const stats = { hits: 0, uploads: 0 };

/**
 * The GPU tensor holding `v` rounded to float32. Keyed by the float32 bits, so −0 and 0 stay apart and every NaN is one
 * value. The tensors are only ever read (kernels take them as broadcast operands with zero strides, never as outputs),
 * so one serves every call. A dropped one goes back to the pool: work already queued that reads it runs before any
 * later submission that reuses its buffer (one queue, in order).
 */
export function scalarTensor(v: number, op: string): GpuTensor {
  const device = gpuState(op).device;
  if (device !== cacheDevice) {
    // a new device (after destroyGpu or a loss): the old tensors go with their device (the pool destroys them when collected)
    cache.clear();
    cacheDevice = device;
  }
  f32[0] = v;
  const key = bits[0]!;
  const hit = cache.get(key);
  if (hit !== undefined) {
    cache.delete(key);
    cache.set(key, hit);
    stats.hits++;
    return hit;
  }
  const t = allocTensor(1, op);
  const data = Float32Array.of(v);
  gpuOp(op, (d) => d.queue.writeBuffer(t.buffer, 0, data.buffer, 0, 4));
  stats.uploads++;
  cache.set(key, t);
  if (cache.size > MAX_CACHED_SCALARS) {
    const [oldKey, old] = cache.entries().next().value as [number, GpuTensor];
    cache.delete(oldKey);
    releaseTensor(old);
  }
  return t;
}

/** Returns every cached scalar's buffer to the pool: run by emptyPools() (releaseMemory, a new device) before it empties it. */
function forgetScalars(): void {
  for (const t of cache.values()) releaseTensor(t);
  cache.clear();
}
onEmptyPools(forgetScalars);

/** Cache hits and uploads so far, and the values cached now (tests: a repeated number operand uploads nothing). */
export function scalarStats(): { hits: number; uploads: number; cached: number } {
  return { ...stats, cached: cache.size };
}
