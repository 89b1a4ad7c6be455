// NDArray's math, view and backward methods, installed on the prototype from above ops/ (tfjs's chained-op style).
// ndarray/ndarray.ts holds storage only, so nothing below ops/ imports an op; the declaration merge below gives the
// methods their types. Every public namespace (index, np, npx, gluon, d2l) imports this module first.
import { NDArray, type NestedArray, type Operand } from "./ndarray/ndarray.js";
import type { Dtype, FloatArray } from "./ndarray/dtype.js";
import type { Index } from "./ndarray/indexing.js";
import * as ew from "./ops/elementwise.js";
import * as red from "./ops/reduce.js";
import * as shp from "./ops/shape.js";
import * as lin from "./ops/linalg.js";
import { backward as runBackward } from "./autograd/backward.js";
import { Context } from "./context.js";
import { storageOn, waitFor } from "./backends/dispatch.js";

declare module "./ndarray/ndarray.js" {
  interface NDArray {
    /**
     * Computes d(this)/d(leaf) for the attachGrad'ed arrays this was computed from under autograd.record, into their
     * `.grad`. `headGrad` (this shape) weights the outputs; it defaults to ones of this shape, as MXNet (for a non-scalar
     * array that is the gradient of its sum).
     * `retainGraph` keeps the tape for another backward. See autograd/backward.ts.
     */
    backward(headGrad?: NDArray | null, retainGraph?: boolean): void;
    /** New shape with the same elements; one entry may be -1. A view when the array is contiguous. */
    reshape(...shape: number[] | [readonly number[]]): NDArray;
    /** Permutes the axes (reverses them when `axes` is omitted); always a view. */
    transpose(...axes: number[] | [readonly number[]]): NDArray;
    /** The transpose (all axes reversed), a view. */
    readonly T: NDArray;
    /**
     * numpy basic indexing as a view sharing memory. Each index is an integer (drops the axis; negative
     * counts from the end), a slice string `"start:stop:step"` (any part may be empty, e.g. `":2"`, `"3:"`,
     * `"::-1"`, `":"`), a `[start, stop, step?]` array (`null` for an open end), or `null` for the whole axis.
     * Missing trailing indices select whole axes: `X.at(i, j)` is `X[i, j]`, `Y.at(\`${i}:${i + h}\`, ":")` is `Y[i:i+h, :]`.
     */
    at(...index: Index[]): NDArray;
    /** Dense row-major copy (never shares memory). */
    copy(): NDArray;
    astype(dtype: Dtype): NDArray;
    /** Writes `value` (broadcast to this shape) into these elements: numpy's `a[...] = value`. */
    set(value: Operand | NestedArray): this;
    /** `this += other`, written through to the base array. */
    iadd(other: Operand): this;
    isub(other: Operand): this;
    imul(other: Operand): this;
    idiv(other: Operand): this;
    add(other: Operand): NDArray;
    sub(other: Operand): NDArray;
    mul(other: Operand): NDArray;
    div(other: Operand): NDArray;
    maximum(other: Operand): NDArray;
    minimum(other: Operand): NDArray;
    pow(other: Operand): NDArray;
    /** 1. where equal, 0. elsewhere (MXNet's np returns floats; the book prints them). */
    eq(other: Operand): NDArray;
    neg(): NDArray;
    exp(): NDArray;
    log(): NDArray;
    sqrt(): NDArray;
    abs(): NDArray;
    sum(options?: red.ReduceOptions): NDArray;
    mean(options?: red.ReduceOptions): NDArray;
    max(options?: red.ReduceOptions): NDArray;
    min(options?: red.ReduceOptions): NDArray;
    prod(options?: red.ReduceOptions): NDArray;
    dot(other: NDArray): NDArray;
    /**
     * MXNet's wait_to_read: resolves once the values exist on the host (at once on the CPU). GPU ops are queued and
     * return at once; after this, the synchronous reads (asTypedArray, item, tolist, String) work until a later op
     * writes the array. Errors of the GPU ops that computed it (validation, out-of-memory, device loss) reject here.
     */
    wait(): Promise<this>;
    /**
     * The values in row-major order, as a new typed array, once they exist on the host: `await x.wait()` then a copy
     * of `asTypedArray()`. On the CPU it resolves at once.
     */
    data(): Promise<FloatArray>;
    /** This array on `ctx`: itself when already there, else a copy (GPU → CPU needs `await x.wait()` first). */
    asInCtx(ctx: Context): NDArray;
    /** A dense copy on `ctx`, always a new array (MXNet's copyto with a context). */
    copyto(ctx: Context): NDArray;
  }
}

const listArg = <T>(args: T[] | [readonly T[]]): readonly T[] => (Array.isArray(args[0]) ? (args[0] as readonly T[]) : (args as T[]));

const binaryMethod = (op: ew.BinaryOp) =>
  function (this: NDArray, other: Operand): NDArray {
    return ew.binary(op, this, other);
  };
const unaryMethod = (op: ew.UnaryOp) =>
  function (this: NDArray): NDArray {
    return ew.unary(op, this);
  };
const inPlaceMethod = (op: "add" | "sub" | "mul" | "div") =>
  function <T extends NDArray>(this: T, other: Operand): T {
    ew.updateInPlace(this, other, op);
    return this;
  };
const reduceMethod = (op: red.ReduceOp) =>
  function (this: NDArray, options?: red.ReduceOptions): NDArray {
    return red.reduce(op, this, options);
  };

const methods: Omit<{ [K in keyof NDArray]?: unknown }, "T"> = {
  backward(this: NDArray, headGrad?: NDArray | null, retainGraph = false): void {
    runBackward(this, headGrad, retainGraph);
  },
  reshape(this: NDArray, ...shape: number[] | [readonly number[]]): NDArray {
    return shp.reshape(this, listArg(shape));
  },
  transpose(this: NDArray, ...axes: number[] | [readonly number[]]): NDArray {
    const list = listArg(axes);
    return shp.transpose(this, list.length === 0 ? undefined : list);
  },
  at(this: NDArray, ...index: Index[]): NDArray {
    return shp.at(this, index);
  },
  copy(this: NDArray): NDArray {
    return shp.copy(this);
  },
  astype(this: NDArray, dtype: Dtype): NDArray {
    return shp.astype(this, dtype);
  },
  set<T extends NDArray>(this: T, value: Operand | NestedArray): T {
    ew.assignInPlace(this, value, "set");
    return this;
  },
  iadd: inPlaceMethod("add"),
  isub: inPlaceMethod("sub"),
  imul: inPlaceMethod("mul"),
  idiv: inPlaceMethod("div"),
  add: binaryMethod("add"),
  sub: binaryMethod("sub"),
  mul: binaryMethod("mul"),
  div: binaryMethod("div"),
  maximum: binaryMethod("maximum"),
  minimum: binaryMethod("minimum"),
  pow: binaryMethod("pow"),
  eq: binaryMethod("eq"),
  neg: unaryMethod("neg"),
  exp: unaryMethod("exp"),
  log: unaryMethod("log"),
  sqrt: unaryMethod("sqrt"),
  abs: unaryMethod("abs"),
  sum: reduceMethod("sum"),
  mean: reduceMethod("mean"),
  max: reduceMethod("max"),
  min: reduceMethod("min"),
  prod: reduceMethod("prod"),
  dot(this: NDArray, other: NDArray): NDArray {
    return lin.dot(this, other);
  },
  async wait<T extends NDArray>(this: T): Promise<T> {
    await waitFor(this);
    return this;
  },
  async data(this: NDArray): Promise<FloatArray> {
    await waitFor(this);
    return this.asTypedArray().slice() as FloatArray;
  },
  asInCtx(this: NDArray, ctx: Context): NDArray {
    checkCtx(ctx, "asInCtx");
    return this.ctx.equals(ctx) ? this : new NDArray(storageOn(this, ctx), this.shape);
  },
  copyto(this: NDArray, ctx: Context): NDArray {
    checkCtx(ctx, "copyto");
    return new NDArray(storageOn(this, ctx), this.shape);
  },
};

function checkCtx(ctx: unknown, op: string): asserts ctx is Context {
  if (!(ctx instanceof Context)) throw new Error(`${op}: expected a context such as npx.cpu() or npx.gpu(0), got ${ctx === null ? "null" : typeof ctx}`);
}

// non-enumerable, like class methods, so `for…in` and spreads of an array see only its data fields
for (const [name, fn] of Object.entries(methods))
  Object.defineProperty(NDArray.prototype, name, { value: fn, writable: true, configurable: true, enumerable: false });
Object.defineProperty(NDArray.prototype, "T", {
  get(this: NDArray): NDArray {
    return shp.transpose(this);
  },
  configurable: true,
  enumerable: false,
});
