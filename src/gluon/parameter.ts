// Gluon Parameter and ParameterDict: named arrays with an initializer, deferred shape and gradient.
import type { NDArray } from "../ndarray/ndarray.js";
import type { Dtype } from "../ndarray/strided.js";
import { formatShape } from "../ndarray/strided.js";
import { type InitContext, Initializer, Uniform } from "../init/initializers.js";

export class Parameter {
  /** shape with 0 where the size is inferred at the first forward (deferred initialization) */
  shape: number[];
  private value: NDArray | null = null;
  /**
   * Set by layers whose deferred shapes have rules beyond "positive" (e.g. groups dividing inChannels): returns why a
   * completed shape is not acceptable, or null. Loading a file into a deferred parameter asks it first.
   */
  acceptShape: ((shape: readonly number[]) => string | null) | null = null;
  private pendingInit: Initializer | null = null;

  constructor(
    readonly name: string,
    shape: readonly number[],
    /** changes only through cast() or a load with a dtype option */
    public dtype: Dtype = "float32",
    /** used when initialize() is given no initializer, or for every call of a bias */
    readonly defaultInit: Initializer | null = null,
    /** the layer that owns this parameter, named in errors */
    readonly owner = "",
    /** passed to the initializer: e.g. a channels-last convolution weight */
    readonly initContext: InitContext = {},
  ) {
    this.shape = [...shape];
  }

  /** True once the values exist (after initialize, and for deferred shapes after the first forward). */
  get isInitialized(): boolean {
    return this.value !== null;
  }

  /** Creates the values now, or at the first forward when the shape is not known yet. */
  initialize(initializer: Initializer | null = null, force = false): void {
    if (this.value && !force) return;
    const chosen = this.defaultInit ?? initializer;
    if (!chosen) throw new Error(`${this.name}: no initializer given`);
    if (!(chosen instanceof Initializer)) throw new Error(`${this.name}: initializer must come from init (e.g. init.Constant(K)), got ${typeof chosen}`);
    this.pendingInit = chosen;
    this.value = null;
    if (this.shape.every((d) => d > 0)) this.finishInit();
  }

  /** Fills the unknown (0) entries of the shape and runs a deferred initialization. */
  inferShape(shape: readonly number[]): void {
    this.shape = this.shape.map((d, i) => (d > 0 ? d : shape[i]!));
    if (this.pendingInit && !this.value) this.finishInit();
  }

  private finishInit(): void {
    this.adopt(this.pendingInit!.create(this.shape, this.dtype, this.name, this.initContext));
  }

  private adopt(v: NDArray): void {
    v.attachGrad();
    this.value = v;
  }

  /**
   * Takes loaded values (already checked by the caller against this parameter): copied into the current array when
   * shape and dtype match, so that holders of data() see them; otherwise (deferred shape, never initialized, other
   * dtype) `v` becomes the values and completes the shape.
   */
  loadData(v: NDArray): void {
    const cur = this.value;
    if (cur && cur.dtype === v.dtype && cur.shape.length === v.shape.length && cur.shape.every((d, i) => d === v.shape[i])) {
      cur.set(v);
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
    if (this.value) this.adopt(this.value.astype(dtype));
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
    cur.set(v);
  }

  /** The gradient backward writes here: zeros until the first backward (values carry attachGrad). */
  grad(): NDArray | null {
    return this.data().grad;
  }
}

/** Parameters by name, as `collectParams()` returns them. */
export class ParameterDict implements Iterable<Parameter> {
  private readonly params = new Map<string, Parameter>();

  add(p: Parameter): void {
    this.params.set(p.name, p);
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
  initialize(initializer: Initializer | null = null, options: { forceReinit?: boolean } = {}): void {
    for (const p of this.params.values()) p.initialize(initializer ?? new Uniform(0.07), options.forceReinit ?? false);
  }
}
