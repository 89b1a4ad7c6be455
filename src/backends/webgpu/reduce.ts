// Reductions over axes on WebGPU (sum, mean, max, min, prod of a strided view): one workgroup per output element.
import type { ReduceKernelOp } from "../js/elementwise.js";
import { allocTensor, type GpuTensor } from "./buffer-pool.js";
import { type GpuView, WGSL_FLOAT_HELPERS } from "./elementwise.js";
import { dispatch, grid2d } from "./pipelines.js";

const THREADS = 64;

/**
 * Reduces `x` (a view of `shape`) over `axes`; the result is dense with the kept axes in order (the reduced ones
 * dropped), as the reference's reduceReference. Each output's workgroup of 64 threads sums a strided slice of the
 * reduced elements per thread, then a tree in workgroup memory combines the 64 partial results (log2 64 = 6 steps).
 */
export function reduceGpu(op: ReduceKernelOp, shape: readonly number[], x: GpuView, axes: readonly number[]): GpuTensor {
  const name = `${op} reduction (webgpu)`;
  if (!["sum", "mean", "max", "min", "prod"].includes(op)) throw new Error(`${name}: unknown reduction "${String(op)}"`);
  if (x.tensor.dtype !== "float32") throw new Error(`${name}: x has dtype ${String(x.tensor.dtype)}; WebGPU has no float64, GPU arrays are float32`);
  if (x.strides.length !== shape.length) throw new Error(`${name}: ${x.strides.length} strides for a ${shape.length}-D shape`);
  for (const a of axes)
    if (!Number.isInteger(a) || a < 0 || a >= shape.length) throw new Error(`${name}: axis ${a} is out of range for a ${shape.length}-D shape`);
  if (new Set(axes).size !== axes.length) throw new Error(`${name}: repeated axis in [${axes.join(", ")}]`);
  const kept = [...shape.keys()].filter((a) => !axes.includes(a));
  const nOut = kept.reduce((p, a) => p * shape[a]!, 1);
  const count = axes.reduce((p, a) => p * shape[a]!, 1);
  const out = allocTensor(nOut, name);
  if (nOut === 0) return out;
  if (count > 0) {
    let hi = x.offset,
      lo = x.offset;
    shape.forEach((d, i) => {
      const s = x.strides[i]! * (d - 1);
      if (s < 0) lo += s;
      else hi += s;
    });
    if (lo < 0 || hi >= x.tensor.size) throw new Error(`${name}: view reaches elements ${lo}..${hi} of a tensor of ${x.tensor.size}`);
  }
  const decompose = (axesList: readonly number[], idx: string, into: string) => {
    const lines = [`  var rem_${into} = ${idx};`];
    for (let j = axesList.length - 1; j >= 0; j--) {
      const a = axesList[j]!;
      if (shape[a] === 1) continue;
      lines.push(`  { let c = rem_${into} % ${shape[a]}; rem_${into} = rem_${into} / ${shape[a]}; ${into} += c * ${x.strides[a]}; }`);
    }
    return lines.join("\n");
  };
  const init = op === "max" ? "-infF()" : op === "min" ? "infF()" : op === "prod" ? "1.0" : "0.0";
  const combine = (acc: string, v: string) =>
    op === "max"
      ? `select(${acc}, ${v}, ${v} > ${acc} || isNan(${v}))`
      : op === "min"
        ? `select(${acc}, ${v}, ${v} < ${acc} || isNan(${v}))`
        : op === "prod"
          ? `${acc} * ${v}`
          : `${acc} + ${v}`;
  const groups = grid2d(nOut);
  const code = `${WGSL_FLOAT_HELPERS}
@group(0) @binding(0) var<storage, read> xs: array<f32>;
@group(0) @binding(1) var<storage, read_write> outp: array<f32>;
var<workgroup> part: array<f32, ${THREADS}>;
@compute @workgroup_size(${THREADS})
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let o = i32(wid.y) * ${groups[0]} + i32(wid.x);
  let t = i32(lid.x);
  var acc = ${init};
  if (o < ${nOut}) {
    var base = ${x.offset};
${decompose(kept, "o", "base")}
    for (var j = t; j < ${count}; j += ${THREADS}) {
      var off = base;
${decompose(axes, "j", "off")}
      let v = xs[off];
      acc = ${combine("acc", "v")};
    }
  }
  part[t] = acc;
  workgroupBarrier();
  for (var w = ${THREADS / 2}; w > 0; w = w / 2) {
    if (t < w) { part[t] = ${combine("part[t]", "part[t + w]")}; }
    workgroupBarrier();
  }
  if (t == 0 && o < ${nOut}) { outp[o] = ${op === "mean" ? `part[0] / f32(${count})` : "part[0]"}; }
}`;
  dispatch(name, code, [x.tensor, out], groups);
  return out;
}
