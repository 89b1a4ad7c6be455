// NDArray storage: a dtype, shape, strides and offset over a Float32Array/Float64Array or device storage; imports no op.
// The math, view and backward() methods are installed on the prototype by src/methods.ts (above ops/), so this module
// sits below everything that computes with arrays and can be loaded first.
import { formatArray } from "./format.js";
import { allocate, contiguousStrides, type Dtype, elementOffsets, type FloatArray, formatShape, isContiguous, shapeSize } from "./strided.js";
import { allocateLike, type DeviceStorage, isDeviceStorage, type Storage } from "./storage.js";
import { type Context, cpu } from "../context.js";

/** Nested number lists, as `tolist()` returns and `np.array` accepts. */
export type NestedArray = number | NestedArray[];

/** An operand of elementwise ops: an array or a number (broadcast like a 0-d array). */
export type Operand = NDArray | number;

export type GradReq = "write" | "add";

/** The link an op recorded on its output while autograd recorded; src/tape/ types its attributes by the op catalogue. */
export interface TapeLink {
  readonly op: string;
  readonly inputs: readonly NDArray[];
  readonly attrs: unknown;
}

/**
 * An n-dimensional float32 or float64 array (MXNet's `np.ndarray`): shape, strides and offset over shared storage, so
 * `at`, `reshape` and `transpose` can be views. Math, view and backward methods are installed by the package entry.
 */
export class NDArray {
  /** The elements: a CPU typed array, or device storage (a GPU buffer) that only its backend reads. */
  readonly storage: Storage;
  /** the typed array when on the CPU, else null (kept apart so that reading `hostData` on the CPU is one field load) */
  private readonly cpuData: FloatArray | null;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
  /** set by attachGrad: the gradient that backward writes (or adds) here */
  grad: NDArray | null = null;
  /** null: no gradient requested; otherwise MXNet's grad_req */
  gradReq: GradReq | null = null;
  /** the op that computed this array while autograd recorded, or null */
  tapeNode: TapeLink | null = null;

  constructor(data: Storage, shape: readonly number[], strides?: readonly number[], offset = 0) {
    this.storage = data;
    this.cpuData = isDeviceStorage(data) ? null : data;
    this.shape = Object.freeze([...shape]);
    this.strides = Object.freeze(strides ? [...strides] : contiguousStrides(shape));
    this.offset = offset;
  }

  /**
   * The backing typed array, synchronously: the storage itself, which a view indexes with `strides` and `offset` (use
   * `asTypedArray()` or `await x.data()` for the values in row-major order). On a device, the host copy read back by
   * `await x.wait()`; before that (or after a later op wrote this array) it throws: GPU ops are queued and their values
   * do not exist on the CPU yet.
   */
  get hostData(): FloatArray {
    const d = this.cpuData;
    return d !== null ? d : this.hostValues();
  }

  /** The device storage (cpuData is null exactly for it). */
  private device(): DeviceStorage {
    const s = this.storage;
    if (!isDeviceStorage(s)) throw new Error("NDArray: CPU array without cpuData (internal error)");
    return s;
  }

  private hostValues(): Float32Array {
    const s = this.device();
    if (s.host !== null) return s.host;
    throw new Error(
      `reading an array on ${String(s.ctx)}: its values are computed asynchronously on the device; await x.wait() before reading it synchronously (asTypedArray, item, tolist, String), or read it with await x.data() (npx.waitAll() waits for the device but copies nothing back)`,
    );
  }

  /** The device this array lives on: cpu(0), or gpu(i) for device storage. */
  get ctx(): Context {
    return this.cpuData !== null ? cpu() : this.device().ctx;
  }

  get dtype(): Dtype {
    const d = this.cpuData;
    if (d === null) return this.device().dtype;
    return d instanceof Float32Array ? "float32" : "float64";
  }
  get ndim(): number {
    return this.shape.length;
  }
  get size(): number {
    if (this.sizeCache < 0) this.sizeCache = shapeSize(this.shape);
    return this.sizeCache;
  }
  /** True when the elements lie densely in row-major order from `offset`. */
  get isContiguous(): boolean {
    if (this.contiguousCache === null) this.contiguousCache = isContiguous(this.shape, this.strides);
    return this.contiguousCache;
  }
  // size and isContiguous computed on first use: shape and strides are frozen, and every op call asks for both
  private sizeCache = -1;
  private contiguousCache: boolean | null = null;

  /**
   * Marks this array as a leaf that receives gradients: backward writes d(head)/d(this) into `.grad`
   * (`"write"`, MXNet's default) or adds to it (`"add"`). `.grad` starts as zeros of the same shape and dtype.
   */
  attachGrad(gradReq: GradReq = "write"): this {
    if (gradReq !== "write" && gradReq !== "add") throw new Error(`attachGrad: gradReq "${String(gradReq)}" must be "write" or "add"`);
    this.gradReq = gradReq;
    this.grad = new NDArray(this.cpuData !== null ? allocate(this.dtype, this.size) : allocateLike(this.device(), this.dtype, this.size), this.shape);
    this.tapeNode = null;
    return this;
  }

  // ---- reading elements ----------------------------------------------------------------

  /** The only element of a size-1 array, as a number. */
  item(): number {
    if (this.size !== 1) throw new Error(`item: can only convert an array of size 1 to a number, got shape ${formatShape(this.shape)}`);
    return this.hostData[elementOffsets(this.shape, this.strides, this.offset)[0]!]!;
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
      // a device array's host copy is never handed out: writes to it would not reach the device
      if (this.offset === 0 && n === this.hostData.length && this.cpuData !== null) return this.hostData;
      return this.hostData.slice(this.offset, this.offset + n) as FloatArray;
    }
    const out = allocate(this.dtype, n);
    const offs = elementOffsets(this.shape, this.strides, this.offset);
    for (let i = 0; i < n; i++) out[i] = this.hostData[offs[i]!]!;
    return out;
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
