// Elementwise math with numpy broadcasting, and in-place writes through views.
import { NDArray, type NestedArray, type Operand } from "../ndarray/ndarray.js";
import { broadcastShapes, broadcastStrides } from "../ndarray/broadcast.js";
import { allocate, type Dtype, elementOffsets, formatShape } from "../ndarray/strided.js";
import { isRecording, needsGrad, recordOp } from "../autograd/tape.js";
import { fromNested } from "../ndarray/create.js";

export type BinaryOp = "add" | "sub" | "mul" | "div" | "maximum" | "minimum" | "pow" | "eq";
export type UnaryOp = "neg" | "exp" | "log" | "sqrt" | "abs" | "relu" | "sigmoid" | "tanh" | "softrelu";

const BINARY: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  maximum: (a, b) => (a >= b || Number.isNaN(a) ? a : b),
  minimum: (a, b) => (a <= b || Number.isNaN(a) ? a : b),
  pow: (a, b) => a ** b,
  eq: (a, b) => (a === b ? 1 : 0),
};

const UNARY: Record<UnaryOp, (a: number) => number> = {
  neg: (a) => -a,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  abs: Math.abs,
  relu: (a) => (a > 0 ? a : 0),
  sigmoid: (a) => 1 / (1 + Math.exp(-a)),
  tanh: Math.tanh,
  // log(1 + e^a) without overflow for large a
  softrelu: (a) => (a > 0 ? a + Math.log1p(Math.exp(-a)) : Math.log1p(Math.exp(a))),
};

/** numpy's result dtype: float64 if either array operand is float64; a number takes the array's dtype. */
function resultDtype(a: Operand, b: Operand): Dtype {
  const dts = [a, b].filter((v): v is NDArray => v instanceof NDArray).map((v) => v.dtype);
  return dts.includes("float64") ? "float64" : "float32";
}

function checkOperand(v: unknown, op: string): void {
  if (v instanceof NDArray) return;
  if (typeof v !== "number") throw new Error(`${op}: operand must be an NDArray or a number, got ${typeof v}`);
}

/** Reads `v` broadcast to `shape`: a function from row-major element number to value. */
function reader(v: Operand, shape: readonly number[]): (i: number) => number {
  if (typeof v === "number") return () => v;
  const offs = elementOffsets(shape, broadcastStrides(v.shape, v.strides, shape), v.offset);
  const data = v.data;
  return (i) => data[offs[i]!]!;
}

export function binary(op: BinaryOp, a: Operand, b: Operand): NDArray {
  checkOperand(a, op);
  checkOperand(b, op);
  const shapeA = a instanceof NDArray ? a.shape : [];
  const shapeB = b instanceof NDArray ? b.shape : [];
  const shape = broadcastShapes(shapeA, shapeB, op);
  const n = shape.reduce((p, d) => p * d, 1);
  const out = allocate(resultDtype(a, b), n);
  const f = BINARY[op];
  const ra = reader(a, shape);
  const rb = reader(b, shape);
  for (let i = 0; i < n; i++) out[i] = f(ra(i), rb(i));
  const inputs = [a, b].filter((v): v is NDArray => v instanceof NDArray);
  return recordOp(op, inputs, new NDArray(out, shape), { a, b });
}

export function unary(op: UnaryOp, x: NDArray): NDArray {
  checkOperand(x, op);
  const n = x.size;
  const out = allocate(x.dtype, n);
  const f = UNARY[op];
  const r = reader(x, x.shape);
  for (let i = 0; i < n; i++) out[i] = f(r(i));
  return recordOp(op, [x], new NDArray(out, x.shape));
}

function refuseWhileRecording(target: NDArray, value: unknown, op: string): void {
  if (isRecording() && (needsGrad(target) || (value instanceof NDArray && needsGrad(value))))
    throw new Error(`${op}: in-place writes are not recorded by autograd; compute a new array inside autograd.record instead`);
}

/** Writes `value` broadcast to `target`'s shape into target's elements (through the view). */
export function assignInPlace(target: NDArray, value: Operand | NestedArray, op: string): void {
  const v: Operand = typeof value === "number" || value instanceof NDArray ? value : fromNested(value, target.dtype, op);
  refuseWhileRecording(target, v, op);
  const srcShape = v instanceof NDArray ? v.shape : [];
  const shape = broadcastShapes(target.shape, srcShape, op);
  if (shape.length !== target.ndim || shape.some((d, i) => d !== target.shape[i]))
    throw new Error(`${op}: could not broadcast value of shape ${formatShape(srcShape)} into target of shape ${formatShape(target.shape)}`);
  // read everything first: the value may overlap the target (e.g. x.at("1:").set(x.at(":-1")))
  const n = target.size;
  const r = reader(v, shape);
  const vals = new Float64Array(n);
  for (let i = 0; i < n; i++) vals[i] = r(i);
  const offs = elementOffsets(target.shape, target.strides, target.offset);
  for (let i = 0; i < n; i++) target.data[offs[i]!] = vals[i]!;
}

/** target ∘= other, through the view (numpy's `Y[i:i+h] += ...`). */
export function updateInPlace(target: NDArray, other: Operand, op: "add" | "sub" | "mul" | "div"): void {
  checkOperand(other, `i${op}`);
  refuseWhileRecording(target, other, `i${op}`);
  const srcShape = other instanceof NDArray ? other.shape : [];
  const shape = broadcastShapes(target.shape, srcShape, `i${op}`);
  if (shape.length !== target.ndim || shape.some((d, i) => d !== target.shape[i]))
    throw new Error(`i${op}: could not broadcast operand of shape ${formatShape(srcShape)} into target of shape ${formatShape(target.shape)}`);
  const n = target.size;
  const r = reader(other, shape);
  const vals = new Float64Array(n);
  for (let i = 0; i < n; i++) vals[i] = r(i);
  const f = BINARY[op];
  const offs = elementOffsets(target.shape, target.strides, target.offset);
  for (let i = 0; i < n; i++) target.data[offs[i]!] = f(target.data[offs[i]!]!, vals[i]!);
}
