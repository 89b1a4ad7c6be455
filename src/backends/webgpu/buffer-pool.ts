// GPU storage buffers pooled by size class; a tensor's buffer goes back to the pool when the tensor is garbage-collected.
import { gpuOp, gpuState } from "./device.js";

/** A float32 array on the GPU: `size` elements at the start of `buffer` (which may be larger: its pool size class). */
export interface GpuTensor {
  readonly buffer: GPUBuffer;
  readonly size: number;
  readonly dtype: "float32";
}

// GPUBufferUsage values (the global is absent in Node until the `webgpu` globals are installed)
export const USAGE = { MAP_READ: 0x0001, COPY_SRC: 0x0004, COPY_DST: 0x0008, UNIFORM: 0x0040, STORAGE: 0x0080 } as const;
const STORAGE_USAGE = USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST;

/**
 * Size class of a request in bytes: four classes per octave (2^k · {1, 1.25, 1.5, 1.75}), multiples of 16, at least 16.
 * A buffer wastes at most 25 % and one class serves nearby sizes (a batch of 63 and one of 64).
 */
export function sizeClass(bytes: number): number {
  if (bytes <= 16) return 16;
  const octave = 2 ** Math.floor(Math.log2(bytes));
  for (const f of [1, 1.25, 1.5, 1.75, 2]) {
    const c = Math.ceil((octave * f) / 16) * 16;
    if (c >= bytes) return c;
  }
  return Math.ceil((octave * 2) / 16) * 16;
}

interface Held {
  buffer: GPUBuffer;
  device: GPUDevice;
}

/** Free buffers of the current device, by size class. */
const pools = new Map<number, GPUBuffer[]>();
let poolDevice: GPUDevice | null = null;
let pooledBytes = 0;
/** Above this many pooled bytes a returned buffer is destroyed instead of kept. */
const MAX_POOLED_BYTES = 512 * 2 ** 20;

const stats = { created: 0, reused: 0, returned: 0, destroyed: 0, cleared: 0 };

function giveBack(h: Held): void {
  stats.returned++;
  if (h.device !== poolDevice || pooledBytes + h.buffer.size > MAX_POOLED_BYTES) {
    h.buffer.destroy();
    stats.destroyed++;
    return;
  }
  let list = pools.get(h.buffer.size);
  if (list === undefined) pools.set(h.buffer.size, (list = []));
  list.push(h.buffer);
  pooledBytes += h.buffer.size;
}

// Work already submitted with the buffer runs before any later submission that reuses it (one queue, in order), and an
// unreachable tensor cannot be part of new work: returning its buffer on collection is safe.
const registry = new FinalizationRegistry<Held>(giveBack);
const heldOf = new WeakMap<GpuTensor, Held>();

/**
 * A new tensor of `size` float32 elements. With `zeroed`, its elements are 0: a new buffer is (WebGPU zero-initialises
 * every buffer it creates) and a recycled one is cleared by a queued clearBuffer. Without, the contents are undefined (a
 * recycled buffer keeps its old values): for results the kernel writes in full.
 */
export function allocTensor(size: number, op: string, zeroed = false): GpuTensor {
  const s = gpuState(op);
  const device = s.device;
  if (poolDevice !== device) {
    emptyPools();
    poolDevice = device;
  }
  const bytes = size * 4;
  if (bytes > device.limits.maxBufferSize)
    throw new Error(`${op}: a result of ${size} float32 elements (${bytes} bytes) exceeds the device's maxBufferSize ${device.limits.maxBufferSize}`);
  const cls = Math.min(sizeClass(bytes), Math.max(16, Math.ceil(device.limits.maxBufferSize / 16) * 16));
  const list = pools.get(cls);
  let buffer = list?.pop();
  if (buffer !== undefined) {
    pooledBytes -= cls;
    stats.reused++;
    if (zeroed && size > 0) {
      const b = buffer;
      // the tensor's bytes only (a multiple of 4, as clearBuffer requires): the rest of the size class is never read
      gpuOp(op, (d) => {
        const enc = d.createCommandEncoder();
        enc.clearBuffer(b, 0, size * 4);
        d.queue.submit([enc.finish()]);
      });
      stats.cleared++;
    }
  } else {
    buffer = device.createBuffer({ size: cls, usage: STORAGE_USAGE, label: op });
    stats.created++;
  }
  const t: GpuTensor = { buffer, size, dtype: "float32" };
  const held = { buffer, device };
  registry.register(t, held, t);
  heldOf.set(t, held);
  return t;
}

/** Returns a tensor's buffer to the pool now (kernel temporaries); the tensor must not be used afterwards. */
export function releaseTensor(t: GpuTensor): void {
  const h = heldOf.get(t);
  if (h !== undefined && registry.unregister(t)) {
    heldOf.delete(t);
    giveBack(h);
  }
}

/** Run first by emptyPools: caches of live tensors (scalars.ts) give their buffers back so that they are destroyed too. */
const beforeEmpty: (() => void)[] = [];

/** Registers `f` to run at the start of every emptyPools() (a module of the lazily loaded backend hooks in here). */
export function onEmptyPools(f: () => void): void {
  beforeEmpty.push(f);
}

/** Destroys every pooled (free) buffer: part of releaseMemory(). Buffers of live tensors are untouched. */
export function emptyPools(): void {
  for (const f of beforeEmpty) f();
  for (const list of pools.values())
    for (const b of list) {
      b.destroy();
      stats.destroyed++;
    }
  pools.clear();
  pooledBytes = 0;
}

/** Pool counters and the bytes held free, for tests of memory staying flat. */
export function poolStats(): { created: number; reused: number; returned: number; destroyed: number; cleared: number; pooledBytes: number } {
  return { ...stats, pooledBytes };
}
