// Shared by the ONNX importer's operator files: the run-time Value, the compile context and readers of node inputs.
import { NDArray } from "../ndarray/ndarray.js";
import type { Dtype } from "../ndarray/strided.js";
import type { Context } from "../context.js";
import type { Attributes } from "./attributes.js";
import { DataType, dataTypeName, type TensorValue } from "./proto.js";
import { type IntTensor, intTensor } from "./int-tensor.js";

/** A tensor while a graph runs: float data as an NDArray, shape arithmetic as an IntTensor. */
export type Value = NDArray | IntTensor;

export interface CompileContext {
  /** `node 'Conv_3' (Conv)`: the start of every error */
  readonly where: string;
  readonly opset: number;
  /** the dtype float tensors are created in (the model's parameters) */
  readonly dtype: Dtype;
  /** how many outputs the node lists (Split without sizes cuts that many pieces) */
  readonly outputs?: number;
  /** per listed input, whether it is given (a non-empty name): optional inputs an op refuses are refused at import */
  readonly inputsGiven?: readonly boolean[];
}

export type Runner = (inputs: readonly (Value | undefined)[]) => Value[];

export interface OpDef {
  readonly attrs: readonly string[];
  compile(a: Attributes, ctx: CompileContext): Runner;
}

export const isInt = (v: Value | undefined): v is IntTensor => v !== undefined && !(v instanceof NDArray);

export function need(ins: readonly (Value | undefined)[], i: number, ctx: CompileContext, what: string): Value {
  const v = ins[i];
  if (v === undefined) throw new Error(`${ctx.where}: input ${i} (${what}) is missing`);
  return v;
}

/**
 * A float tensor input. An integer tensor there breaks the op's ONNX type constraint (onnxruntime refuses such a
 * model at load), so it is refused, not converted; explicit conversions use toFloat.
 */
export function float(v: Value, ctx: CompileContext): NDArray {
  if (v instanceof NDArray) return v;
  throw new Error(
    `${ctx.where}: an integer tensor of shape [${v.dims.join(",")}] is given where the op takes a float tensor (ONNX type constraint; add a Cast)`,
  );
}

/** An integer tensor converted to the model's float dtype (Cast, Pow's integer exponent); a float one as is. */
export function toFloat(v: Value, ctx: CompileContext): NDArray {
  if (v instanceof NDArray) return v;
  return new NDArray(ctx.dtype === "float32" ? Float32Array.from(v.data) : Float64Array.from(v.data), v.dims);
}

/** Integer values of a small tensor (shapes, axes, pads, indices). */
export function ints(v: Value, ctx: CompileContext, what: string): number[] {
  if (!(v instanceof NDArray)) {
    if (v.type !== DataType.INT64 && v.type !== DataType.INT32) throw new Error(`${ctx.where}: ${what} must be an int64 tensor, got ${dataTypeName(v.type)}`);
    return [...v.data];
  }
  // ONNX types these inputs int64 (or int32); onnxruntime refuses a float tensor there at load
  throw new Error(`${ctx.where}: ${what} must be an integer tensor, got a float tensor of shape [${v.shape.join(",")}]`);
}

/** Device copies of CPU constants, kept while the constant lives (a Constant node's value is the same array every run). */
const deviceCopies = new WeakMap<NDArray, NDArray>();
/** The CPU constant behind a device copy: its numbers stay readable without waiting for the device. */
const hostOf = new WeakMap<NDArray, NDArray>();

/** A float constant made on the CPU, as an array on the run's device `ctx` (uploaded once per constant). */
export function constantOn(v: NDArray, ctx: Context): NDArray {
  const hit = deviceCopies.get(v);
  if (hit?.ctx.equals(ctx)) return hit;
  const moved = v.asInCtx(ctx);
  deviceCopies.set(v, moved);
  hostOf.set(moved, v);
  return moved;
}

/** Numbers of a small tensor (scales, clip bounds); a constant moved to a device is read from its CPU original. */
export function numbers(v: Value, ctx: CompileContext, what: string): number[] {
  if (!(v instanceof NDArray)) return [...v.data];
  v = hostOf.get(v) ?? v;
  if (v.size > 1024) throw new Error(`${ctx.where}: ${what} must be a small tensor, got ${v.size} elements`);
  return Array.from(v.asTypedArray());
}

export const shapeOf = (v: Value): readonly number[] => (v instanceof NDArray ? v.shape : v.dims);

export function normAxis(axis: number, rank: number, ctx: CompileContext, what = "axis"): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) throw new Error(`${ctx.where}: ${what}=${axis} is out of range for a tensor of rank ${rank}`);
  return a;
}

/** A tensor read from a Constant / ConstantOfShape attribute as a Value of the model's dtype. */
export function tensorValue(t: TensorValue, dtype: Dtype): Value {
  if (t.kind === "int") return intTensor(t.dims, t.data, t.type);
  const data = dtype === "float32" ? Float32Array.from(t.data) : Float64Array.from(t.data);
  return new NDArray(data, t.dims);
}
