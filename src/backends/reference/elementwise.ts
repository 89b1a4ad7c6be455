// Plain-loop elementwise, where and reduction kernels: the source of truth the fast backend is tested against.
import { elementOffsets, shapeSize } from "../../ndarray/strided.js";
import type { BinaryKernelOp, ReduceKernelOp, StridedView, UnaryKernelOp } from "../js/elementwise.js";
import { erf } from "../fused/activation.js";

export const BINARY: Record<BinaryKernelOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  maximum: (a, b) => (a >= b || Number.isNaN(a) ? a : b),
  minimum: (a, b) => (a <= b || Number.isNaN(a) ? a : b),
  // C99 / IEEE 754 pow: 1^y = 1 for every y including NaN, (−1)^±∞ = 1 (JS ** gives NaN for both)
  pow: (a, b) => (a === 1 || (a === -1 && Math.abs(b) === Infinity) ? 1 : a ** b),
  eq: (a, b) => (a === b ? 1 : 0),
  ne: (a, b) => (a !== b ? 1 : 0),
  lt: (a, b) => (a < b ? 1 : 0),
  le: (a, b) => (a <= b ? 1 : 0),
  gt: (a, b) => (a > b ? 1 : 0),
  ge: (a, b) => (a >= b ? 1 : 0),
  // numpy's mod: the remainder with the divisor's sign (a zero remainder too: +0 or −0 as b)
  mod: (a, b) => {
    const r = a % b;
    if (r === 0) return b < 0 ? -0 : 0;
    return r < 0 !== b < 0 ? r + b : r;
  },
  // C's fmod (numpy's fmod): the remainder with the dividend's sign; JavaScript's % is exactly that
  fmod: (a, b) => a % b,
};

export const UNARY: Record<UnaryKernelOp, (a: number) => number> = {
  identity: (a) => a,
  neg: (a) => -a,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  abs: Math.abs,
  // max(a, 0) propagating NaN (numpy's maximum, PyTorch); relu(−0) = +0
  relu: (a) => (a > 0 || Number.isNaN(a) ? a : 0),
  sigmoid: (a) => 1 / (1 + Math.exp(-a)),
  tanh: Math.tanh,
  // log(1 + e^a) without overflow for large a
  softrelu: (a) => (a > 0 ? a + Math.log1p(Math.exp(-a)) : Math.log1p(Math.exp(a))),
  // PyTorch's relu6(a + 3)/6 and a·relu6(a + 3)/6, written as clamps (NaN stays NaN; hardswish(−∞) = 0, not ∞·0)
  hardsigmoid: (a) => (Number.isNaN(a) ? a : Math.min(Math.max(a + 3, 0), 6) / 6),
  hardswish: (a) => (Number.isNaN(a) ? a : a < -3 ? 0 : a > 3 ? a : (a * (a + 3)) / 6),
  // the one erf of the library (GELU's); its values are checked against tabulated ones in test/ops/elementwise.test.ts
  erf: erf,
  sin: (a) => Math.sin(a),
  cos: (a) => Math.cos(a),
};

const offsets = (shape: readonly number[], v: StridedView) => elementOffsets(shape, v.strides, v.offset);

export function binaryReference(op: BinaryKernelOp, shape: readonly number[], o: StridedView, a: StridedView, b: StridedView): void {
  const f = BINARY[op];
  const [oo, ao, bo] = [offsets(shape, o), offsets(shape, a), offsets(shape, b)];
  for (let i = 0; i < oo.length; i++) o.data[oo[i]!] = f(a.data[ao[i]!]!, b.data[bo[i]!]!);
}

export function unaryReference(op: UnaryKernelOp, shape: readonly number[], o: StridedView, a: StridedView): void {
  const f = UNARY[op];
  const [oo, ao] = [offsets(shape, o), offsets(shape, a)];
  for (let i = 0; i < oo.length; i++) o.data[oo[i]!] = f(a.data[ao[i]!]!);
}

export function whereReference(shape: readonly number[], o: StridedView, c: StridedView, a: StridedView, b: StridedView): void {
  const [oo, co, ao, bo] = [offsets(shape, o), offsets(shape, c), offsets(shape, a), offsets(shape, b)];
  for (let i = 0; i < oo.length; i++) o.data[oo[i]!] = c.data[co[i]!] !== 0 ? a.data[ao[i]!]! : b.data[bo[i]!]!;
}

/** Kept axes outermost, reduced axes innermost (in their order), one accumulator per kept position. */
export function reduceReference(op: ReduceKernelOp, shape: readonly number[], x: StridedView, axes: readonly number[], out: Float32Array | Float64Array): void {
  const perm = [...shape.keys()].filter((i) => !axes.includes(i)).concat(axes);
  const offs = elementOffsets(
    perm.map((a) => shape[a]!),
    perm.map((a) => x.strides[a]!),
    x.offset,
  );
  const count = shapeSize(axes.map((a) => shape[a]!));
  const nOut = shapeSize(shape) === 0 ? shapeSize(perm.slice(0, perm.length - axes.length).map((a) => shape[a]!)) : offs.length / count;
  for (let o = 0; o < nOut; o++) {
    let acc = op === "max" ? -Infinity : op === "min" ? Infinity : op === "prod" ? 1 : 0;
    for (let j = 0; j < count; j++) {
      const v = x.data[offs[o * count + j]!]!;
      if (op === "max") acc = v > acc || Number.isNaN(v) ? v : acc;
      else if (op === "min") acc = v < acc || Number.isNaN(v) ? v : acc;
      else if (op === "prod") acc *= v;
      else acc += v;
    }
    out[o] = op === "mean" ? acc / count : acc;
  }
}
