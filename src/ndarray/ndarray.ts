// NDArray: a dtype, shape, strides and offset over a Float32Array/Float64Array, with numpy-style views.
import { formatArray } from "./format.js";
import { type Index, resolveIndex } from "./indexing.js";
import {
  allocate,
  contiguousStrides,
  type Dtype,
  elementOffsets,
  type FloatArray,
  formatShape,
  isContiguous,
  shapeSize,
} from "./strided.js";
import type { TapeNode } from "../autograd/tape.js";
import { backward as runBackward } from "../autograd/backward.js";
import * as ew from "../ops/elementwise.js";
import * as red from "../ops/reduce.js";
import * as shp from "../ops/shape.js";
import * as lin from "../ops/linalg.js";

export type { Dtype, FloatArray } from "./strided.js";
export type { Index } from "./indexing.js";

/** Nested number lists, as `tolist()` returns and `np.array` accepts. */
export type NestedArray = number | NestedArray[];

/** An operand of elementwise ops: an array or a number (broadcast like a 0-d array). */
export type Operand = NDArray | number;

export type GradReq = "write" | "add";

export class NDArray {
  readonly data: FloatArray;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
  /** set by attachGrad: the gradient that backward writes (or adds) here */
  grad: NDArray | null = null;
  /** null: no gradient requested; otherwise MXNet's grad_req */
  gradReq: GradReq | null = null;
  /** the op that computed this array while autograd recorded, or null */
  tapeNode: TapeNode | null = null;

  constructor(data: FloatArray, shape: readonly number[], strides?: readonly number[], offset = 0) {
    this.data = data;
    this.shape = Object.freeze([...shape]);
    this.strides = Object.freeze(strides ? [...strides] : contiguousStrides(shape));
    this.offset = offset;
  }

  get dtype(): Dtype {
    return this.data instanceof Float32Array ? "float32" : "float64";
  }
  get ndim(): number {
    return this.shape.length;
  }
  get size(): number {
    return shapeSize(this.shape);
  }
  /** True when the elements lie densely in row-major order from `offset`. */
  get isContiguous(): boolean {
    return isContiguous(this.shape, this.strides);
  }

  /**
   * Marks this array as a leaf that receives gradients: backward writes d(head)/d(this) into `.grad`
   * (`"write"`, MXNet's default) or adds to it (`"add"`). `.grad` starts as zeros of the same shape and dtype.
   */
  attachGrad(gradReq: GradReq = "write"): this {
    if (gradReq !== "write" && gradReq !== "add") throw new Error(`attachGrad: gradReq "${String(gradReq)}" must be "write" or "add"`);
    this.gradReq = gradReq;
    this.grad = new NDArray(allocate(this.dtype, this.size), this.shape);
    this.tapeNode = null;
    return this;
  }

  /**
   * Computes d(this)/d(leaf) for the attachGrad'ed arrays this was computed from under autograd.record, into their
   * `.grad`. `headGrad` (this shape) weights the outputs; it defaults to ones only when this has size 1.
   * `retainGraph` keeps the tape for another backward. See autograd/backward.ts.
   */
  backward(headGrad?: NDArray | null, retainGraph = false): void {
    runBackward(this, headGrad, retainGraph);
  }

  // ---- views and copies -------------------------------------------------------------------

  /** New shape with the same elements; one entry may be -1. A view when the array is contiguous. */
  reshape(...shape: number[] | [readonly number[]]): NDArray {
    return shp.reshape(this, (Array.isArray(shape[0]) ? shape[0] : shape) as readonly number[]);
  }

  /** Permutes the axes (reverses them when `axes` is omitted); always a view. */
  transpose(...axes: number[] | [readonly number[]]): NDArray {
    const list = (Array.isArray(axes[0]) ? axes[0] : axes) as readonly number[];
    return shp.transpose(this, list.length === 0 ? undefined : list);
  }

  get T(): NDArray {
    return this.transpose();
  }

  /**
   * numpy basic indexing as a view sharing memory. Each index is an integer (drops the axis; negative
   * counts from the end), a slice string `"start:stop:step"` (any part may be empty, e.g. `":2"`, `"3:"`,
   * `"::-1"`, `":"`), a `[start, stop, step?]` array (`null` for an open end), or `null` for the whole axis.
   * Missing trailing indices select whole axes: `X.at(i, j)` is `X[i, j]`, `Y.at(\`${i}:${i + h}\`, ":")` is `Y[i:i+h, :]`.
   */
  at(...index: Index[]): NDArray {
    const v = resolveIndex(this.shape, this.strides, this.offset, index);
    return shp.view(this, v.shape, v.strides, v.offset, index);
  }

  /** Dense row-major copy (never shares memory). */
  copy(): NDArray {
    return shp.copy(this);
  }

  astype(dtype: Dtype): NDArray {
    return shp.astype(this, dtype);
  }

  /** The only element of a size-1 array, as a number. */
  item(): number {
    if (this.size !== 1) throw new Error(`item: can only convert an array of size 1 to a number, got shape ${formatShape(this.shape)}`);
    return this.data[elementOffsets(this.shape, this.strides, this.offset)[0]!]!;
  }

  /** The elements as nested lists (a number for a 0-d array). */
  tolist(): NestedArray {
    const flat = this.asTypedArray();
    const build = (axis: number, start: number): NestedArray => {
      if (axis === this.ndim) return flat[start]!;
      const inner = shapeSize(this.shape.slice(axis + 1));
      return Array.from({ length: this.shape[axis]! }, (_, i) => build(axis + 1, start + i * inner));
    };
    return build(0, 0);
  }

  /**
   * The elements in row-major order: the underlying buffer itself when the array is contiguous and
   * covers it exactly (writes show through), otherwise a dense copy.
   */
  asTypedArray(): FloatArray {
    const n = this.size;
    if (this.isContiguous) {
      if (this.offset === 0 && n === this.data.length) return this.data;
      return this.data.slice(this.offset, this.offset + n) as FloatArray;
    }
    const out = allocate(this.dtype, n);
    const offs = elementOffsets(this.shape, this.strides, this.offset);
    for (let i = 0; i < n; i++) out[i] = this.data[offs[i]!]!;
    return out;
  }

  // ---- in-place writes (through views into the base array) ----------------------------------

  /** Writes `value` (broadcast to this shape) into these elements: numpy's `a[...] = value`. */
  set(value: Operand | NestedArray): this {
    ew.assignInPlace(this, value, "set");
    return this;
  }
  /** `this += other`, written through to the base array. */
  iadd(other: Operand): this {
    ew.updateInPlace(this, other, "add");
    return this;
  }
  isub(other: Operand): this {
    ew.updateInPlace(this, other, "sub");
    return this;
  }
  imul(other: Operand): this {
    ew.updateInPlace(this, other, "mul");
    return this;
  }
  idiv(other: Operand): this {
    ew.updateInPlace(this, other, "div");
    return this;
  }

  // ---- elementwise (numpy broadcasting) ------------------------------------------------------

  add(other: Operand): NDArray {
    return ew.binary("add", this, other);
  }
  sub(other: Operand): NDArray {
    return ew.binary("sub", this, other);
  }
  mul(other: Operand): NDArray {
    return ew.binary("mul", this, other);
  }
  div(other: Operand): NDArray {
    return ew.binary("div", this, other);
  }
  maximum(other: Operand): NDArray {
    return ew.binary("maximum", this, other);
  }
  minimum(other: Operand): NDArray {
    return ew.binary("minimum", this, other);
  }
  pow(other: Operand): NDArray {
    return ew.binary("pow", this, other);
  }
  /** 1. where equal, 0. elsewhere (MXNet's np returns floats; the book prints them). */
  eq(other: Operand): NDArray {
    return ew.binary("eq", this, other);
  }
  neg(): NDArray {
    return ew.unary("neg", this);
  }
  exp(): NDArray {
    return ew.unary("exp", this);
  }
  log(): NDArray {
    return ew.unary("log", this);
  }
  sqrt(): NDArray {
    return ew.unary("sqrt", this);
  }
  abs(): NDArray {
    return ew.unary("abs", this);
  }

  // ---- reductions -----------------------------------------------------------------------------

  sum(options?: red.ReduceOptions): NDArray {
    return red.reduce("sum", this, options);
  }
  mean(options?: red.ReduceOptions): NDArray {
    return red.reduce("mean", this, options);
  }
  max(options?: red.ReduceOptions): NDArray {
    return red.reduce("max", this, options);
  }
  min(options?: red.ReduceOptions): NDArray {
    return red.reduce("min", this, options);
  }

  dot(other: NDArray): NDArray {
    return lin.dot(this, other);
  }

  // ---- printing -------------------------------------------------------------------------------

  /** numpy's repr, as MXNet prints np arrays: `array([[ 0.,  1.], ...])`. */
  toString(): string {
    return formatArray(this.asTypedArray(), this.shape, this.dtype);
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}
