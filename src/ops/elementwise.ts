// Elementwise math with numpy broadcasting (optionally into `out`), where, and in-place writes through views.
import { NDArray, type NestedArray, type Operand } from "../ndarray/ndarray.js";
import { broadcastShapes, broadcastStrides } from "../ndarray/broadcast.js";
import { type Dtype, formatShape, shapeSize } from "../ndarray/strided.js";
import { isRecording, needsGrad, noteInPlaceWrite, recordOp } from "../tape/tape.js";
import { BINARY_OPS, type BinaryOp, UNARY_OPS, type UnaryOp } from "../tape/op-types.js";
import { fromNested } from "../ndarray/create.js";
import { type AnyBackend as Backend, backendFor, type StridedView as View } from "../backends/dispatch.js";
import type { Storage } from "../ndarray/storage.js";

/** A strided view over either storage (the backend of the call reads its own kind). */
type StridedView = View<Storage>;
import { checkArraySize } from "../params/sizes.js";
import { guardedError } from "./guard.js";

export type { BinaryOp, UnaryOp } from "../tape/op-types.js";

/** MXNet's `out=`: write the result into this existing array (its shape must be the result's) and return it. */
export interface OutOptions {
  out?: NDArray | null;
}

/** numpy's result dtype: float64 if any array operand is float64; a number takes the arrays' dtype. */
function resultDtype(...vs: Operand[]): Dtype {
  return vs.some((v) => v instanceof NDArray && v.dtype === "float64") ? "float64" : "float32";
}

function checkOperand(v: unknown, op: string): void {
  if (v instanceof NDArray) return;
  if (typeof v !== "number") throw new Error(`${op}: operand must be an NDArray or a number, got ${v === null ? "null" : typeof v}`);
}

/** The arrays among a call's operands (numbers are not stored anywhere). */
const arraysOf = (...vs: Operand[]): NDArray[] => vs.filter((v): v is NDArray => v instanceof NDArray);

/** backendFor for an op's arrays, with a mixed-device error named after the op ("add: … on different devices …"). */
function backendOf(op: string, arrays: readonly NDArray[], inPlace = false): Backend {
  try {
    return backendFor(...arrays);
  } catch (e) {
    throw guardedError(inPlace ? `i${op}` : op, e);
  }
}

/** `v` read as if it had `shape` (zero strides on broadcast axes); a number repeats. */
function readView(be: Backend, v: Operand, shape: readonly number[]): StridedView {
  if (typeof v === "number") return be.scalar(v, shape.length);
  return { data: v.storage, strides: broadcastStrides(v.shape, v.strides, shape), offset: v.offset };
}

const sameView = (a: StridedView, b: StridedView) => a.offset === b.offset && a.strides.every((s, i) => s === b.strides[i]);

/**
 * A read view of `v` that is safe to read while `target` is written: when both share a buffer and `v` is not
 * element-for-element the target itself, `v` is first copied (e.g. `x.at("1:").set(x.at(":-1"))`).
 */
function safeView(be: Backend, v: Operand, shape: readonly number[], target: StridedView): StridedView {
  const r = readView(be, v, shape);
  if (typeof v === "number" || v.storage !== target.data || sameView(r, target)) return r;
  const copy = be.allocate(v.dtype, v.size, true);
  be.unaryInto("identity", v.shape, { data: copy, strides: denseStrides(v.shape), offset: 0 }, { data: v.storage, strides: v.strides, offset: v.offset });
  return readView(be, new NDArray(copy, v.shape), shape);
}

function denseStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  for (let i = shape.length - 1, m = 1; i >= 0; m *= shape[i]!, i--) s[i] = m;
  return s;
}

const writeView = (t: NDArray): StridedView => ({ data: t.storage, strides: t.strides, offset: t.offset });

/** Validates `out` (an NDArray of exactly the result's shape, not recorded) before any work. */
function checkOut(out: unknown, shape: readonly number[], op: string, inputs: readonly Operand[]): NDArray {
  if (!(out instanceof NDArray)) throw new Error(`${op}: out must be an NDArray, got ${out === null ? "null" : typeof out}`);
  if (out.ndim !== shape.length || out.shape.some((d, i) => d !== shape[i]))
    throw new Error(`${op}: out has shape ${formatShape(out.shape)} but the result has shape ${formatShape(shape)}`);
  if (isRecording() && (needsGrad(out) || inputs.some((v) => v instanceof NDArray && needsGrad(v))))
    throw new Error(`${op}: out= writes in place and is not recorded by autograd; leave out unset inside autograd.record`);
  noteInPlaceWrite(out, arraysOf(...inputs), `${op}(…, { out })`);
  return out;
}

function readOptions(options: unknown, op: string): NDArray | null {
  if (options === undefined || options === null) return null;
  if (typeof options !== "object") throw new Error(`${op}: options must be an object like { out }, got ${typeof options}`);
  for (const k of Object.keys(options)) if (k !== "out") throw new Error(`${op}: unknown option "${k}"; the known option is out`);
  // an own key only: Object.prototype.out must not redirect the result
  const out = Object.hasOwn(options, "out") ? (options as OutOptions).out : undefined;
  return out === undefined || out === null ? null : (out as NDArray);
}

export function binary(op: BinaryOp, a: Operand, b: Operand, options?: OutOptions): NDArray {
  if (!(BINARY_OPS as readonly string[]).includes(op)) throw new Error(`elementwise: unknown binary op "${String(op)}"`);
  checkOperand(a, op);
  checkOperand(b, op);
  const shape = broadcastShapes(a instanceof NDArray ? a.shape : [], b instanceof NDArray ? b.shape : [], op);
  const outArg = readOptions(options, op);
  if (outArg) {
    const out = checkOut(outArg, shape, op, [a, b]);
    const be = backendOf(op, [out, ...arraysOf(a, b)]);
    const w = writeView(out);
    be.binaryInto(op, shape, w, safeView(be, a, shape, w), safeView(be, b, shape, w));
    return out;
  }
  const dtype = resultDtype(a, b);
  checkArraySize(op, "the broadcast result", shape, dtype === "float32" ? 4 : 8);
  const be = backendOf(op, arraysOf(a, b));
  const out = new NDArray(be.allocate(dtype, shapeSize(shape), true), shape);
  be.binaryInto(op, shape, writeView(out), readView(be, a, shape), readView(be, b, shape));
  const inputs = [a, b].filter((v): v is NDArray => v instanceof NDArray);
  return recordOp(op, inputs, out, { a, b });
}

export function unary(op: UnaryOp, x: NDArray, options?: OutOptions): NDArray {
  if (!(UNARY_OPS as readonly string[]).includes(op)) throw new Error(`elementwise: unknown unary op "${String(op)}"`);
  if (!(x instanceof NDArray)) throw new Error(`${op}: operand must be an NDArray, got ${x === null ? "null" : typeof x}`);
  const outArg = readOptions(options, op);
  if (outArg) {
    const out = checkOut(outArg, x.shape, op, [x]);
    const be = backendOf(op, [out, x]);
    const w = writeView(out);
    be.unaryInto(op, x.shape, w, safeView(be, x, x.shape, w));
    return out;
  }
  const be = backendFor(x);
  const out = new NDArray(be.allocate(x.dtype, x.size, true), x.shape);
  be.unaryInto(op, x.shape, writeView(out), readView(be, x, x.shape));
  return recordOp(op, [x], out, {});
}

/** numpy's where: `a` where `cond` is nonzero, else `b`, all three broadcast together. */
export function where(cond: Operand, a: Operand, b: Operand, options?: OutOptions): NDArray {
  checkOperand(cond, "where");
  checkOperand(a, "where");
  checkOperand(b, "where");
  const shapeOf = (v: Operand) => (v instanceof NDArray ? v.shape : []);
  const shape = broadcastShapes(broadcastShapes(shapeOf(cond), shapeOf(a), "where"), shapeOf(b), "where");
  const outArg = readOptions(options, "where");
  if (outArg) {
    const out = checkOut(outArg, shape, "where", [cond, a, b]);
    const be = backendOf("where", [out, ...arraysOf(cond, a, b)]);
    const w = writeView(out);
    be.whereInto(shape, w, safeView(be, cond, shape, w), safeView(be, a, shape, w), safeView(be, b, shape, w));
    return out;
  }
  const dtype = a instanceof NDArray || b instanceof NDArray ? resultDtype(a, b) : resultDtype(cond);
  const be = backendOf("where", arraysOf(cond, a, b));
  const out = new NDArray(be.allocate(dtype, shapeSize(shape), true), shape);
  be.whereInto(shape, writeView(out), readView(be, cond, shape), readView(be, a, shape), readView(be, b, shape));
  const inputs = [a, b].filter((v): v is NDArray => v instanceof NDArray);
  return recordOp("where", inputs, out, { cond, a, b });
}

function refuseWhileRecording(target: NDArray, value: unknown, op: string): void {
  if (isRecording() && (needsGrad(target) || (value instanceof NDArray && needsGrad(value))))
    throw new Error(`${op}: in-place writes are not recorded by autograd; compute a new array inside autograd.record instead`);
}

function checkFits(target: NDArray, srcShape: readonly number[], op: string, what: string): void {
  const shape = broadcastShapes(target.shape, srcShape, op);
  if (shape.length !== target.ndim || shape.some((d, i) => d !== target.shape[i]))
    throw new Error(`${op}: could not broadcast ${what} of shape ${formatShape(srcShape)} into target of shape ${formatShape(target.shape)}`);
}

/** Writes `value` broadcast to `target`'s shape into target's elements (through the view). */
export function assignInPlace(target: NDArray, value: Operand | NestedArray, op: string): void {
  const v: Operand = typeof value === "number" || value instanceof NDArray ? value : fromNested(value, target.dtype, op);
  refuseWhileRecording(target, v, op);
  checkFits(target, v instanceof NDArray ? v.shape : [], op, "value");
  noteInPlaceWrite(target, arraysOf(v), op);
  const be = backendOf(op, [target, ...arraysOf(v)]);
  const w = writeView(target);
  be.unaryInto("identity", target.shape, w, safeView(be, v, target.shape, w));
}

/** target ∘= other, through the view (numpy's `Y[i:i+h] += ...`). */
export function updateInPlace(target: NDArray, other: Operand, op: "add" | "sub" | "mul" | "div"): void {
  checkOperand(other, `i${op}`);
  refuseWhileRecording(target, other, `i${op}`);
  checkFits(target, other instanceof NDArray ? other.shape : [], `i${op}`, "operand");
  noteInPlaceWrite(target, arraysOf(other), `i${op}`);
  const be = backendOf(op, [target, ...arraysOf(other)], true);
  const w = writeView(target);
  be.binaryInto(op, target.shape, w, w, safeView(be, other, target.shape, w));
}
