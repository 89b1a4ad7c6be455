// Gluon Parameter and ParameterDict: named arrays with an initializer, deferred shape and gradient.
import type { NDArray } from "../ndarray/ndarray.js";
import type { Dtype } from "../ndarray/strided.js";
import { formatShape } from "../ndarray/strided.js";
import { type InitContext, Initializer, Uniform } from "../init/initializers.js";
import { assignInPlace } from "../ops/elementwise.js";
import { astype } from "../ops/shape.js";
import { readBoolean, showValue, snapshotOptions } from "../params/options.js";
import { checkArraySize, formatBytes } from "../params/sizes.js";
import { Context, cpu } from "../context.js";

/** Options of initialize(): Gluon's force_reinit and ctx. */
export interface InitializeOptions {
  /** initialize again parameters that already have values */
  forceReinit?: boolean;
  /** the device of the values, e.g. npx.gpu() (default: where the parameters are, cpu(0) at first) */
  ctx?: Context;
}

function checkContext(ctx: unknown, where: string): Context {
  if (!(ctx instanceof Context)) throw new Error(`${where}: ctx must be a context such as npx.cpu() or npx.gpu(0), got ${showValue(ctx)}`);
  return ctx;
}

/** MXNet's grad_req: backward writes the gradient, adds to it, or the parameter gets none (not trained). */
export type ParameterGradReq = "write" | "add" | "null";
const GRAD_REQS: readonly ParameterGradReq[] = ["write", "add", "null"];

/** `new Parameter(name, { shape, dtype, init, gradReq })`, as Gluon's `Parameter(name, shape=…, init=…, grad_req=…)`. */
export interface ParameterOptions {
  /** 0 entries are inferred at the first forward (deferred initialization); default [] (a scalar) */
  shape?: readonly number[];
  dtype?: Dtype;
  /** used whatever initialize() is given (a bias's zeros, BatchNorm's ones …); default: initialize()'s */
  init?: Initializer | null;
  /** default "write" */
  gradReq?: ParameterGradReq;
  /** the layer that owns this parameter, named in errors */
  owner?: string;
  initContext?: InitContext;
}
const PARAMETER_OPTIONS = ["shape", "dtype", "init", "gradReq", "owner", "initContext"] as const;

function checkGradReq(where: string, v: unknown): ParameterGradReq {
  if (!(GRAD_REQS as readonly unknown[]).includes(v)) throw new Error(`${where}: gradReq=${showValue(v)} is not one of "write", "add", "null"`);
  return v as ParameterGradReq;
}

/** A trainable array of a Block (Gluon's Parameter): shape (0 where inferred at the first forward), dtype, initializer, gradReq; `data()` and `grad()` give its value and gradient. */
export class Parameter {
  /** shape with 0 where the size is inferred at the first forward (deferred initialization) */
  shape: number[];
  /** changes only through cast() or a load with a dtype option */
  dtype: Dtype;
  /** used when initialize() is given no initializer, or for every call of a bias */
  readonly defaultInit: Initializer | null;
  /** the layer that owns this parameter, named in errors */
  readonly owner: string;
  /** passed to the initializer: e.g. a channels-last convolution weight */
  readonly initContext: InitContext;
  private value: NDArray | null = null;
  /**
   * Set by layers whose deferred shapes have rules beyond "positive" (e.g. groups dividing inChannels): returns why a
   * completed shape is not acceptable, or null. Loading a file into a deferred parameter asks it first.
   */
  acceptShape: ((shape: readonly number[]) => string | null) | null = null;
  private pendingInit: Initializer | null = null;
  private req: ParameterGradReq = "write";

  /**
   * `new Parameter("scale", { shape: [1], init: init.One() })`; the positional form
   * `(name, shape, dtype?, defaultInit?, owner?, initContext?, gradReq?)` is what the layers use.
   */
  constructor(name: string, options?: ParameterOptions);
  constructor(
    name: string,
    shape: readonly number[],
    dtype?: Dtype,
    defaultInit?: Initializer | null,
    owner?: string,
    initContext?: InitContext,
    gradReq?: ParameterGradReq,
  );
  constructor(
    readonly name: string,
    shapeOrOptions: readonly number[] | ParameterOptions = {},
    dtype: Dtype = "float32",
    defaultInit: Initializer | null = null,
    owner = "",
    initContext: InitContext = {},
    gradReq: ParameterGradReq = "write",
  ) {
    if (typeof name !== "string" || name === "") throw new Error(`Parameter: name ${showValue(name)} must be a non-empty string`);
    let shape: readonly number[];
    if (Array.isArray(shapeOrOptions)) shape = shapeOrOptions;
    else {
      const o = snapshotOptions(`Parameter '${name}'`, shapeOrOptions, PARAMETER_OPTIONS);
      shape = (o.shape as readonly number[] | undefined) ?? [];
      dtype = (o.dtype as Dtype | undefined) ?? "float32";
      defaultInit = (o.init as Initializer | null | undefined) ?? null;
      owner = (o.owner as string | undefined) ?? "";
      initContext = (o.initContext as InitContext | undefined) ?? {};
      gradReq = (o.gradReq as ParameterGradReq | undefined) ?? "write";
    }
    if (!Array.isArray(shape) || !shape.every((d) => typeof d === "number" && Number.isInteger(d) && d >= 0))
      throw new Error(`Parameter '${name}': shape ${showValue(shape)} must be a list of non-negative integers (0 = inferred later)`);
    if (dtype !== "float32" && dtype !== "float64") throw new Error(`Parameter '${name}': dtype ${showValue(dtype)} must be "float32" or "float64"`);
    if (defaultInit !== null && !(defaultInit instanceof Initializer))
      throw new Error(`Parameter '${name}': init must come from init (e.g. init.Constant(K)), got ${showValue(defaultInit)}`);
    this.shape = [...shape];
    this.dtype = dtype;
    this.defaultInit = defaultInit;
    this.owner = owner;
    this.checkSize(this.shape);
    this.initContext = initContext;
    this.req = checkGradReq(`Parameter '${name}'`, gradReq);
  }

  /**
   * MXNet's grad_req: "write" (default; backward overwrites `grad()`), "add" (backward adds to it; zero it yourself)
   * or "null" (no gradient: the parameter is a constant to autograd and the Trainer skips it).
   */
  get gradReq(): ParameterGradReq {
    return this.req;
  }
  set gradReq(req: ParameterGradReq) {
    this.req = checkGradReq(`Parameter '${this.name}'`, req);
    if (this.value) this.applyGradReq(this.value);
  }

  private applyGradReq(v: NDArray): void {
    if (this.req === "null") {
      v.gradReq = null;
      v.grad = null;
    } else if (v.gradReq !== this.req) {
      const keep = v.grad;
      v.attachGrad(this.req);
      if (keep && keep.shape.length === v.shape.length) v.grad = keep;
    }
  }

  /** True once the values exist (after initialize, and for deferred shapes after the first forward). */
  get isInitialized(): boolean {
    return this.value !== null;
  }

  /** True once initialize() ran: the values exist, or wait for the first forward to complete a deferred shape. */
  get initializeCalled(): boolean {
    return this.value !== null || this.pendingInit !== null;
  }

  /** The device the values live on (set by initialize's ctx and resetCtx; cpu(0) by default). */
  get ctx(): Context {
    return this.place;
  }
  private place: Context = cpu();

  /**
   * Creates the values now, or at the first forward when the shape is not known yet, on `ctx` (default: where the
   * parameter is, cpu(0) at first). Initializers draw on the CPU; the values are then copied to the device once.
   */
  initialize(initializer: Initializer | null = null, force = false, ctx?: Context): void {
    if (ctx !== undefined) this.place = checkContext(ctx, `Parameter '${this.name}'.initialize`);
    if (this.value && !force) {
      if (ctx !== undefined) this.resetCtx(ctx);
      return;
    }
    const chosen = this.defaultInit ?? initializer;
    if (!chosen) throw new Error(`${this.name}: no initializer given`);
    if (!(chosen instanceof Initializer)) throw new Error(`${this.name}: initializer must come from init (e.g. init.Constant(K)), got ${typeof chosen}`);
    this.pendingInit = chosen;
    this.value = null;
    if (this.shape.every((d) => d > 0)) this.finishInit();
  }

  /** Fills the unknown (0) entries of the shape and runs a deferred initialization. */
  inferShape(shape: readonly number[]): void {
    const full = this.shape.map((d, i) => (d > 0 ? d : shape[i]!));
    this.checkSize(full);
    this.shape = full;
    if (this.pendingInit && !this.value) this.finishInit();
  }

  /**
   * The values (and their gradient) must fit one typed array: checked when the shape is given and when a deferred
   * shape completes (unknown 0 entries count as 1), so `nn.Conv2D(2 ** 31, …)` fails at once naming the layer.
   */
  private checkSize(shape: readonly number[]): void {
    const where = this.owner ? `${this.owner}` : `Parameter '${this.name}'`;
    checkArraySize(
      where,
      `parameter '${this.name}' of shape`,
      shape.map((d) => Math.max(d, 1)),
      this.dtype === "float64" ? 8 : 4,
    );
  }

  private finishInit(): void {
    let v: NDArray;
    try {
      v = this.pendingInit!.create(this.shape, this.dtype, this.name, this.initContext);
    } catch (e) {
      // under 2^32 elements but more memory than the engine gives (e.g. 2^31 float32 = 8 GiB): name the parameter
      if (!(e instanceof RangeError)) throw e;
      const n = this.shape.reduce((p, d) => p * d, 1);
      throw new Error(
        `${this.owner || "Parameter"}: cannot allocate parameter '${this.name}' of shape ${showValue(this.shape)} (${n} elements, ${formatBytes(n * (this.dtype === "float64" ? 8 : 4))}): ${e.message}`,
      );
    }
    this.adopt(v.asInCtx(this.place));
  }

  /**
   * Gluon's reset_ctx: moves the values to `ctx` (a new gradient buffer there, zeros). Moving from the GPU needs the
   * values on the host: `await p.data().wait()` first.
   */
  resetCtx(ctx: Context): void {
    this.place = checkContext(ctx, `Parameter '${this.name}'.resetCtx`);
    const v = this.value;
    if (v === null || v.ctx.equals(ctx)) return;
    this.adopt(v.asInCtx(ctx));
  }

  private adopt(v: NDArray): void {
    if (this.req !== "null") v.attachGrad(this.req);
    this.value = v;
  }

  /**
   * Takes loaded values (already checked by the caller against this parameter): copied into the current array when
   * shape and dtype match, so that holders of data() see them; otherwise (deferred shape, never initialized, other
   * dtype) `v` becomes the values and completes the shape.
   */
  loadData(v: NDArray): void {
    if (!v.ctx.equals(this.place)) v = v.asInCtx(this.place);
    const cur = this.value;
    if (cur && cur.dtype === v.dtype && cur.shape.length === v.shape.length && cur.shape.every((d, i) => d === v.shape[i])) {
      assignInPlace(cur, v, "loadParameters");
      return;
    }
    this.shape = [...v.shape];
    this.dtype = v.dtype;
    this.pendingInit = null;
    this.adopt(v);
  }

  /** Gluon's cast: the values (if any) and every later initialization use `dtype`. */
  cast(dtype: Dtype): void {
    if (dtype === this.dtype) return;
    this.dtype = dtype;
    if (this.value) this.adopt(astype(this.value, dtype));
  }

  /** The values; throws Gluon's deferred-initialization errors when they do not exist yet. */
  data(): NDArray {
    if (this.value) return this.value;
    const where = this.owner ? ` of ${this.owner}` : "";
    if (this.pendingInit)
      throw new Error(
        `Parameter '${this.name}'${where} has not been initialized yet because initialization was deferred: its shape ${formatShape(this.shape)} ` +
          `is known only after the first forward pass. Pass one batch of data through the network before accessing it.`,
      );
    throw new Error(`Parameter '${this.name}'${where} has not been initialized. Call initialize() on the layer (or on collectParams()) first.`);
  }

  /** Replaces the values (same shape), keeping gradient tracking. */
  setData(v: NDArray): void {
    const cur = this.data();
    if (v.shape.length !== cur.shape.length || v.shape.some((d, i) => d !== cur.shape[i]))
      throw new Error(`Parameter '${this.name}': setData got shape ${formatShape(v.shape)}, expected ${formatShape(cur.shape)}`);
    // Gluon's set_data copies across devices (from the GPU, wait for the values first)
    assignInPlace(cur, v.ctx.equals(cur.ctx) ? v : v.asInCtx(cur.ctx), "setData");
  }

  /** The gradient backward writes here: zeros until the first backward (values carry attachGrad). */
  grad(): NDArray | null {
    const v = this.data();
    if (this.req === "null")
      throw new Error(`Parameter '${this.name}'${this.owner ? ` of ${this.owner}` : ""} has no gradient because its gradReq is "null" (it is not trained)`);
    return v.grad;
  }

  /** Sets the gradient to zeros (for gradReq "add", between accumulations). */
  zeroGrad(): void {
    const g = this.value?.grad;
    if (g) assignInPlace(g, 0, "zeroGrad");
  }
}

/** Parameters by name, as `collectParams()` returns them (keyed by structural names such as `0.weight`). */
export class ParameterDict implements Iterable<Parameter> {
  private readonly params = new Map<string, Parameter>();

  /** Adds `p` under `key` (default its own name); a key holding another parameter is an error. */
  add(p: Parameter, key: string = p.name): void {
    const have = this.params.get(key);
    if (have && have !== p) throw new Error(`ParameterDict: the name '${key}' is already taken by another parameter`);
    this.params.set(key, p);
  }
  has(name: string): boolean {
    return this.params.has(name);
  }
  /** [structural name, parameter] pairs in order. */
  entries(): [string, Parameter][] {
    return [...this.params.entries()];
  }
  /** Sets gradReq on every parameter (MXNet's `collect_params().setattr('grad_req', …)`), e.g. "null" to freeze. */
  setGradReq(req: ParameterGradReq): void {
    for (const p of this.params.values()) p.gradReq = req;
  }
  /** Zeros every parameter's gradient. */
  zeroGrad(): void {
    for (const p of this.params.values()) if (p.gradReq !== "null") p.zeroGrad();
  }
  get(name: string): Parameter {
    const p = this.params.get(name);
    if (!p) throw new Error(`ParameterDict: no parameter named '${name}'; have ${[...this.params.keys()].join(", ") || "none"}`);
    return p;
  }
  keys(): string[] {
    return [...this.params.keys()];
  }
  values(): Parameter[] {
    return [...this.params.values()];
  }
  get size(): number {
    return this.params.size;
  }
  [Symbol.iterator](): Iterator<Parameter> {
    return this.params.values();
  }
  /** Initializes every parameter; Gluon's default for weights is Uniform(0.07), biases keep their own initializer. */
  initialize(initializer: Initializer | null = null, options?: InitializeOptions): void {
    const o = snapshotOptions("initialize", options, ["forceReinit", "ctx"]);
    const force = readBoolean("initialize", "forceReinit", o.forceReinit, false);
    const ctx = o.ctx === undefined ? undefined : checkContext(o.ctx, "initialize");
    for (const p of this.params.values()) p.initialize(initializer ?? new Uniform(0.07), force, ctx);
  }
  /** Moves every parameter to `ctx` (Gluon's reset_ctx). */
  resetCtx(ctx: Context): void {
    checkContext(ctx, "resetCtx");
    for (const p of this.params.values()) p.resetCtx(ctx);
  }
}
