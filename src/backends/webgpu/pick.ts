// WebGPU npx.pick: one thread per picked element gathers x[o, c, i] at the rounded, clipped or wrapped class id c.
import { allocTensor, type GpuTensor, releaseTensor, USAGE } from "./buffer-pool.js";
import { gpuOp, gpuState } from "./device.js";
import { MATH_FNS } from "./elementwise.js";
import { dispatch, grid2d } from "./pipelines.js";

const WORKGROUP = 256;

// round as Math.round (half up: floor(v + ½)); wrap by modF (numpy's mod, exact). A non-finite id writes NaN to out and
// chosen and is recorded in `err` (the CPU throws; the GPU cannot throw from a queued kernel): err[0] counts them,
// err[1] = 0xffffffff − the lowest flat position, err[2] ORs 1 (NaN), 2 (+∞), 4 (−∞). The host reads err back and
// reports an Error naming npx.pick at the next wait()/data()/waitAll(). u: n of elements, threads per row, n classes,
// inner, mode (0 clip, 1 wrap)
const PICK = `@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> ids: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<storage, read_write> chosen: array<f32>;
@group(0) @binding(4) var<storage, read_write> err: array<atomic<u32>>;
@group(0) @binding(5) var<uniform> u: array<vec4<i32>, 2>;
${MATH_FNS}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let j = i32(gid.y) * u[0].y + i32(gid.x);
  if (j >= u[0].x) { return; }
  let n = u[0].z;
  let inner = u[0].w;
  let v = ids[j];
  if (isNan(v) || isInf(v)) {
    out[j] = nanF();
    chosen[j] = nanF();
    atomicAdd(&err[0], 1u);
    atomicMax(&err[1], 0xffffffffu - u32(j));
    atomicOr(&err[2], select(select(4u, 2u, v > 0.0), 1u, isNan(v)));
    return;
  }
  let raw = floor(v + 0.5);
  var c: f32;
  if (u[1].x == 0) { c = clamp(raw, 0.0, f32(n - 1)); } else { c = modF(raw, f32(n)); }
  chosen[j] = c;
  out[j] = x[((j / inner) * n + i32(c)) * inner + j % inner];
}`;

/** The Error of a pick whose ids held `count` non-finite values (`kinds` as in err[2]), the first at `first`. */
export function pickIdError(count: number, first: number, kinds: number): Error {
  const names = ["NaN", "Infinity", "-Infinity"].filter((_, bit) => ((kinds >> bit) & 1) !== 0);
  return new Error(
    `npx.pick: index holds ${names.join(" and ")}, not a class id (${count} non-finite id(s), the first at flat position ${first}; found on gpu(0) after the op was queued, so its result holds NaN there)`,
  );
}

/**
 * out[o, i] = x[o, c, i], chosen[o, i] = c (x viewed as [outer, n, inner]). Non-finite ids are found by the kernel and
 * reported asynchronously: the read-back of its 16-byte error record joins the device's pending checks, which every
 * wait() / data() / npx.waitAll() awaits before returning values, so the Error names npx.pick there.
 */
export function pickAxisGpu(
  x: GpuTensor,
  ids: GpuTensor,
  outer: number,
  n: number,
  inner: number,
  mode: "clip" | "wrap",
  out: GpuTensor,
  chosen: GpuTensor,
): void {
  const op = "npx.pick (webgpu)";
  const total = outer * inner;
  if (total === 0) return;
  const s = gpuState(op);
  const err = allocTensor(4, op);
  const groups = grid2d(Math.ceil(total / WORKGROUP));
  let staging: GPUBuffer | null = null;
  try {
    gpuOp(op, (d) => {
      const enc = d.createCommandEncoder();
      enc.clearBuffer(err.buffer, 0, 16);
      d.queue.submit([enc.finish()]);
    });
    dispatch(op, PICK, [x, ids, out, chosen, err], groups, Int32Array.of(total, groups[0] * WORKGROUP, n, inner, mode === "wrap" ? 1 : 0, 0, 0, 0));
    staging = gpuOp(op, (d) => {
      const b = d.createBuffer({ size: 16, usage: USAGE.MAP_READ | USAGE.COPY_DST, label: `${op} error record` });
      const enc = d.createCommandEncoder();
      enc.copyBufferToBuffer(err.buffer, 0, b, 0, 16);
      d.queue.submit([enc.finish()]);
      return b;
    });
  } finally {
    // queued work that reads err runs before any later submission that reuses its buffer
    releaseTensor(err);
  }
  const b = staging;
  const check = b.mapAsync(0x0001 /* GPUMapMode.READ */).then(
    () => {
      const rec = new Uint32Array(b.getMappedRange(0, 16).slice(0));
      b.unmap();
      b.destroy();
      if (rec[0]! > 0) s.errors.push(pickIdError(rec[0]!, 0xffffffff - rec[1]!, rec[2]!));
    },
    (e: unknown) => {
      b.destroy();
      s.errors.push(new Error(`${op}: reading back the class-id check failed: ${(e as Error).message}`));
    },
  );
  s.pending.add(check);
  void check.finally(() => s.pending.delete(check));
}
