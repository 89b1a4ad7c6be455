// Moving float32 values between the CPU and GPU tensors: upload (queued write) and readback (staging buffer + mapAsync).
import type { FloatArray } from "../kernel.js";
import { allocTensor, type GpuTensor, USAGE } from "./buffer-pool.js";
import { gpuOp, gpuState, keepAlive, throwReported } from "./device.js";

/** float64 cannot live on the GPU: WebGPU has no f64 type. */
export function requireFloat32(op: string, what: string, dtype: string): void {
  if (dtype !== "float32")
    throw new Error(`${op}: ${what} has dtype ${dtype}; WebGPU has no float64 (f64) type, so GPU arrays are float32 only (use astype("float32"))`);
}

/** A GPU tensor holding a copy of `data` (queued: returns at once). */
export function upload(data: FloatArray, op = "upload"): GpuTensor {
  if (!(data instanceof Float32Array)) requireFloat32(op, "the data", data instanceof Float64Array ? "float64" : typeof data);
  const t = allocTensor(data.length, op);
  if (data.length > 0) gpuOp(op, (d) => d.queue.writeBuffer(t.buffer, 0, data.buffer, data.byteOffset, data.byteLength));
  return t;
}

/**
 * The tensor's values once every op queued before has run. Throws the first error an op reported (naming it) instead of
 * returning values computed from a failed op.
 */
export async function readTensor(t: GpuTensor, op = "read"): Promise<Float32Array> {
  const s = gpuState(op);
  const bytes = t.size * 4;
  if (bytes === 0) {
    await keepAlive(Promise.all([...s.pending]));
    throwReported(s);
    return new Float32Array(0);
  }
  const staging = gpuOp(op, (d) => {
    const b = d.createBuffer({ size: Math.ceil(bytes / 4) * 4, usage: USAGE.MAP_READ | USAGE.COPY_DST, label: `${op} staging` });
    const enc = d.createCommandEncoder();
    enc.copyBufferToBuffer(t.buffer, 0, b, 0, bytes);
    d.queue.submit([enc.finish()]);
    return b;
  });
  try {
    await keepAlive(staging.mapAsync(0x0001 /* GPUMapMode.READ */));
  } catch (e) {
    await keepAlive(Promise.all([...s.pending]));
    throwReported(s);
    throw new Error(`${op}: mapAsync failed: ${(e as Error).message}`);
  }
  await keepAlive(Promise.all([...s.pending]));
  try {
    throwReported(s);
    return new Float32Array(staging.getMappedRange(0, bytes).slice(0));
  } finally {
    staging.unmap();
    staging.destroy();
  }
}
