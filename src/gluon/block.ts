// Gluon Block and Sequential: named children and parameters, structural parameter names, forward with any arity.
import { type InitializeOptions, Parameter, ParameterDict } from "./parameter.js";
import type { Context } from "../context.js";
import type { Initializer } from "../init/initializers.js";
import { NDArray as NDArrayClass, type NDArray } from "../ndarray/ndarray.js";
import { type LoadParametersOptions, type NamedParameter, type SaveParametersOptions, loadParametersFromBytesInto, parametersToBytes } from "./parameter-io.js";
import { readWholeFile, writeFileAtomic } from "../io/node-file.js";
import { summaryTable } from "./summary.js";
import { isDeviceStorage } from "../ndarray/storage.js";
import { activeRecycleScope, RecycleScope, withRecycling } from "../ndarray/recycle.js";
import { opsObserved } from "../tape/tape.js";
import { readBoolean, snapshotOptions } from "../params/options.js";

const counters = new Map<string, number>();

/** Gluon-style display prefixes: conv0_, conv1_, convtranspose0_ … (display only; never used as a key). */
export function uniquePrefix(base: string): string {
  const n = counters.get(base) ?? 0;
  counters.set(base, n + 1);
  return `${base}${n}_`;
}

/** A child or parameter name: a non-empty string without dots (dots separate the levels of a structural name). */
function checkName(where: string, what: string, name: unknown): string {
  if (typeof name !== "string" || name === "" || name.includes("."))
    throw new Error(`${where}: ${what} name ${typeof name === "string" ? JSON.stringify(name) : String(name)} must be a non-empty string without dots`);
  return name;
}

/** forward and forwardFused methods of built-in layers: they keep no reference to an input or output once they return. */
const KEEP_NOTHING = new WeakSet<object>();
/** prototypes of built-in layers whose forward keeps arrays between calls (SpectralNorm's power-iteration vector) */
const KEEPS_STATE = new WeakSet<object>();

/** Registers a built-in layer class (its own forward and forwardFused) as keeping nothing (see Block.forwardKeepsNothing). */
export function markKeepsNothing(cls: { prototype: Block }): void {
  KEEP_NOTHING.add(cls.prototype.forward);
  KEEP_NOTHING.add(cls.prototype.forwardFused);
}

/** the forward wrappers hybridize({ staticAlloc: true }) installs (so that a second hybridize replaces, not stacks, one) */
const STATIC_FORWARDS = new WeakSet<object>();

/** Registers a built-in layer class whose forward keeps arrays it makes for later calls: never reused by staticAlloc. */
export function markKeepsState(cls: { prototype: Block }): void {
  KEEPS_STATE.add(cls.prototype);
}

/** Gluon's `hybridize(active=True, static_alloc=False)` options. */
export interface HybridizeOptions {
  /** false turns a previous hybridize off (default true) */
  active?: boolean;
  /**
   * Reuse the buffers of a forward's intermediates in the next forward (MXNet's static_alloc). The forward must keep
   * nothing it makes (as a hybridized MXNet block cannot): no intermediate stored on the block or elsewhere.
   */
  staticAlloc?: boolean;
}

/** The ArrayBuffers of the CPU arrays in `v` (an NDArray, or arrays and plain objects of them), into `into`. */
function buffersIn(v: unknown, into: Set<ArrayBuffer>, depth = 0): void {
  if (depth > 8 || v === null || typeof v !== "object") return;
  if (v instanceof NDArrayClass) {
    const st = v.storage;
    if (!isDeviceStorage(st)) into.add(st.buffer as ArrayBuffer);
    return;
  }
  if (Array.isArray(v)) for (const e of v) buffersIn(e, into, depth + 1);
  else if (Object.getPrototypeOf(v) === Object.prototype) for (const e of Object.values(v)) buffersIn(e, into, depth + 1);
}

/**
 * The base of every layer and network. A subclass registers children under names, either explicitly with
 * `registerChild(block, "enc1")` or by assigning a Block to a property (`this.enc1 = new nn.Sequential()`, as Gluon's
 * `__setattr__`; found when the structure is read, in property order). Parameters are registered the same two ways
 * (`registerParameter(p)` or a Parameter-valued property), under the Parameter's own name.
 *
 * Structural names: `collectParams()` keys every parameter by the path of names from the block it is called on,
 * e.g. `0.weight`, `1.running_mean`, `enc1.0.bias` (PyTorch's state-dict names). They depend only on the structure,
 * never on what else the process built; `prefix` (conv0_, …) is a display label only.
 */
export abstract class Block {
  /** Gluon 1.x-style display label (a process-wide counter); never part of a parameter's structural name */
  readonly prefix: string;
  private readonly registeredChildren = new Map<string, Block>();
  private readonly registeredParams = new Map<string, Parameter>();

  /** `base`: the display prefix's stem; default the class name in lower case (Gluon's choice). */
  constructor(base?: string) {
    this.prefix = uniquePrefix(base ?? new.target.name.toLowerCase());
  }

  /**
   * Runs the block. Subclasses define it with the inputs and outputs they need: `forward(x)`, `forward(x, skip)`,
   * or returning an array of outputs.
   */
  abstract forward(...inputs: unknown[]): unknown;

  /**
   * Sequential's one-step path for this block followed by `next` on one input: the two blocks' result computed
   * together (bit for bit what forward then next.forward give), or null to run them one by one (the default).
   */
  forwardFused(_x: NDArray, _next: Block): NDArray | null {
    return null;
  }

  /**
   * True when forward keeps no reference to its inputs or outputs after it returns: a built-in layer whose forward is
   * neither overridden nor replaced. A Sequential of such layers reuses its intermediates' buffers outside
   * `autograd.record` (a user's block may keep what it is given, so it is never assumed to).
   */
  forwardKeepsNothing(): boolean {
    if (this.pureDeclared) {
      for (let p: object | null = Object.getPrototypeOf(this); p !== null; p = Object.getPrototypeOf(p)) if (KEEPS_STATE.has(p)) return false;
      return this.namedChildren().every(([, b]) => b.forwardKeepsNothing());
    }
    return KEEP_NOTHING.has(this.forward) && KEEP_NOTHING.has(this.forwardFused);
  }

  /** set by hybridize({ staticAlloc: true }) on this block and its descendants: the user's forward keeps nothing */
  private pureDeclared = false;
  /** the buffers a static-alloc forward handed back, kept for the next one */
  private staticScope: RecycleScope | undefined;

  /** Registers `block` as the child `name` (returns it, for `this.enc = this.registerChild(new …, "enc")`). */
  registerChild<B extends Block>(block: B, name?: string): B {
    const where = `${this.constructor.name}.registerChild`;
    if (!(block instanceof Block)) throw new Error(`${where}: expects a Block (a layer), got ${block === null ? "null" : typeof block}`);
    const key = checkName(where, "child", name ?? String(this.registeredChildren.size));
    if (block === (this as Block)) throw new Error(`${where}: a block cannot be its own child`);
    if (this.registeredChildren.has(key) && this.registeredChildren.get(key) !== block)
      throw new Error(`${where}: a child named '${key}' is already registered`);
    this.registeredChildren.set(key, block);
    return block;
  }

  /** Registers a parameter of this block under its own name (`weight`, `gamma`, `running_mean`, …). */
  registerParameter(p: Parameter): Parameter {
    const where = `${this.constructor.name}.registerParameter`;
    if (!(p instanceof Parameter)) throw new Error(`${where}: expects a Parameter, got ${p === null ? "null" : typeof p}`);
    const key = checkName(where, "parameter", p.name);
    const have = this.registeredParams.get(key);
    if (have && have !== p) throw new Error(`${where}: a parameter named '${key}' is already registered`);
    this.registeredParams.set(key, p);
    return p;
  }

  /** The direct children by name: registered ones first, then Block-valued own properties not registered yet. */
  namedChildren(): [string, Block][] {
    const out = [...this.registeredChildren.entries()];
    const seen = new Set<Block>(this.registeredChildren.values());
    for (const key of Object.keys(this)) {
      const v = (this as Record<string, unknown>)[key];
      if (v instanceof Block && v !== (this as Block) && !seen.has(v)) {
        if (key.includes(".")) throw new Error(`${this.constructor.name}: child property '${key}' contains a dot; register it under another name`);
        if (this.registeredChildren.has(key))
          throw new Error(`${this.constructor.name}: property '${key}' holds a different block than the child registered as '${key}'`);
        seen.add(v);
        out.push([key, v]);
      }
    }
    return out;
  }

  /** This block's own parameters by name: registered ones, then Parameter-valued own properties. */
  namedOwnParameters(): [string, Parameter][] {
    const out = [...this.registeredParams.entries()];
    const seen = new Set<Parameter>(this.registeredParams.values());
    for (const key of Object.keys(this)) {
      const v = (this as Record<string, unknown>)[key];
      if (v instanceof Parameter && !seen.has(v)) {
        const name = checkName(this.constructor.name, "parameter", v.name);
        if (out.some(([k]) => k === name)) throw new Error(`${this.constructor.name}: two parameters are named '${name}'`);
        seen.add(v);
        out.push([name, v]);
      }
    }
    return out;
  }

  /**
   * Every parameter of this block and its descendants, keyed by structural name (`0.weight`, `enc1.0.bias`,
   * `1.running_mean`): the names of the children on the path from this block, then the parameter's name.
   * A parameter shared by several blocks appears once, under the first name found (depth-first, in registration
   * order). `select` (a RegExp or a regular-expression string, as Gluon's) keeps the names it matches.
   */
  collectParams(select?: RegExp | string): ParameterDict {
    if (select !== undefined && typeof select !== "string" && !(select instanceof RegExp))
      throw new Error(`${this.constructor.name}.collectParams: select must be a RegExp or a string, got ${typeof select}`);
    const re = select === undefined ? null : typeof select === "string" ? new RegExp(select) : select;
    const dict = new ParameterDict();
    const seen = new Set<Parameter>();
    const onPath = new Set<Block>();
    const walk = (b: Block, path: string) => {
      if (onPath.has(b)) throw new Error(`${this.constructor.name}.collectParams: block '${path.slice(0, -1)}' contains itself`);
      onPath.add(b);
      for (const [name, p] of b.namedOwnParameters()) {
        if (seen.has(p)) continue;
        seen.add(p);
        if (!re || re.test(path + name)) dict.add(p, path + name);
      }
      for (const [name, c] of b.namedChildren()) walk(c, `${path}${name}.`);
      onPath.delete(b);
    };
    walk(this, "");
    return dict;
  }

  /** [structural name, parameter] pairs: collectParams() in order (what saveParameters writes). */
  namedParameters(): NamedParameter[] {
    return this.collectParams().entries();
  }

  /**
   * Writes every parameter to a safetensors file (structural names, PyTorch layouts, each parameter's dtype). The
   * bytes go to a temporary file in the same folder, are flushed to disk and renamed over `path`: the previous file
   * stays whole if anything fails. `{ names: "pytorch" }` writes PyTorch's state-dict names (BatchNorm
   * `weight`/`bias` for `gamma`/`beta`). Node only; see saveParametersToBytes for browsers.
   */
  saveParameters(path: string, options: SaveParametersOptions = {}): void {
    writeFileAtomic(path, parametersToBytes(this, this.namedParameters(), options, `saveParameters: ${path}`), "saveParameters");
  }

  /** The safetensors file saveParameters writes, as bytes (for browsers: download, IndexedDB, fetch body …). */
  saveParametersToBytes(options: SaveParametersOptions = {}): Uint8Array {
    return parametersToBytes(this, this.namedParameters(), options, "saveParametersToBytes");
  }

  /** The name PyTorch's state dict gives this block's own parameter `own`; the same unless a layer overrides it. */
  pytorchParameterName(own: string): string {
    return own;
  }

  /**
   * Loads a safetensors file written by saveParameters or from a PyTorch state dict. The whole file is checked
   * (structure, names, shapes, dtypes) before any parameter changes: on an error every parameter keeps its value.
   * Deferred shapes take the file's. Node only; see loadParametersFromBytes for browsers.
   */
  loadParameters(path: string, options: LoadParametersOptions = {}): void {
    const bytes = readWholeFile(path, "loadParameters");
    loadParametersFromBytesInto(this, this.namedParameters(), bytes, options, `loadParameters: ${path}`);
  }

  /** loadParameters from the bytes of a safetensors file. */
  loadParametersFromBytes(bytes: Uint8Array, options: LoadParametersOptions = {}): void {
    loadParametersFromBytesInto(this, this.namedParameters(), bytes, options, "loadParametersFromBytes");
  }

  /**
   * Called by loadParameters before anything changes, with the shapes the file gives this block's own parameters
   * (own name → shape, deferred ones completed): returns why the block cannot take them together, or null. Layers
   * whose parameters share a deferred size (a BatchNorm's channel count) override it.
   */
  checkLoadedShapes(_shapes: ReadonlyMap<string, readonly number[]>): string | null {
    return null;
  }

  /** Initializes every parameter (deferred where shapes are not known until the first forward). */
  initialize(initializer: Initializer | null = null, options: InitializeOptions = {}): this {
    this.collectParams().initialize(initializer, options);
    return this;
  }

  /** Moves every parameter to `ctx` (Gluon's reset_ctx); from the GPU, wait for the values first. */
  resetCtx(ctx: Context): this {
    this.collectParams().resetCtx(ctx);
    return this;
  }

  /**
   * Gluon's `summary(*inputs)`: runs one forward pass on `inputs` (predict mode, nothing recorded) and prints a table
   * of every layer it calls, in call order, with its output shape and its own parameter count, then the totals
   * (trainable, non-trainable, shared, unique). Returns the table as well (for browsers, logs and tests).
   * Parameters must be initialized (deferred shapes are completed by this pass).
   */
  summary(...inputs: NDArray[]): string {
    const table = summaryTable(this, inputs);
    console.log(table);
    return table;
  }

  /**
   * Gluon's hybridize. tconv runs every block eagerly, so without options this changes nothing (book code calls it).
   * With `{ staticAlloc: true }` (MXNet's static_alloc), a forward outside `autograd.record` gives the buffers of its
   * intermediates back when it returns, and the next forward reuses them: no page faults on fresh memory for any
   * layer but the output. The block and every descendant must keep nothing a forward makes (as a hybridized MXNet
   * block, whose intermediates are symbols); a descendant that keeps state (SpectralNorm) turns it off, and so does an
   * uninitialized parameter (the forward that completes deferred shapes runs as usual). `{ active: false }` undoes it.
   */
  hybridize(options?: HybridizeOptions): this {
    const where = `${this.constructor.name}.hybridize`;
    const o = snapshotOptions(where, options, ["active", "staticAlloc"]);
    const on = readBoolean(where, "active", o.active, true) && readBoolean(where, "staticAlloc", o.staticAlloc, false);
    const mark = (b: Block) => {
      b.pureDeclared = on;
      for (const [, c] of b.namedChildren()) mark(c);
    };
    mark(this);
    const own = Object.getOwnPropertyDescriptor(this, "forward");
    if (own && STATIC_FORWARDS.has(own.value as object)) delete (this as { forward?: unknown }).forward;
    if (on) {
      const inner = this.forward.bind(this) as (...inputs: unknown[]) => unknown;
      const wrapped = (...inputs: unknown[]) => this.staticForward(inner, inputs);
      STATIC_FORWARDS.add(wrapped);
      Object.defineProperty(this, "forward", { value: wrapped, writable: true, configurable: true, enumerable: false });
    } else this.staticScope = undefined;
    return this;
  }

  /** One forward under hybridize({ staticAlloc: true }): reuse the last forward's intermediates, give this one's back. */
  private staticForward(inner: (...inputs: unknown[]) => unknown, inputs: unknown[]): unknown {
    const params = [...this.collectParams().values()];
    if (opsObserved() || activeRecycleScope() !== null || !this.forwardKeepsNothing() || params.some((p) => !p.isInitialized)) return inner(...inputs);
    const scope = (this.staticScope ??= new RecycleScope());
    return withRecycling(scope, () => {
      const y = inner(...inputs);
      const keep = new Set<ArrayBuffer>();
      buffersIn(y, keep);
      for (const p of params) buffersIn(p.data(), keep);
      scope.giveBackAllBut(keep);
      return y;
    });
  }

  /** A one-line description of this layer (its options), shown by toString. */
  protected describe(): string {
    return "";
  }

  /** Gluon's repr: the class, its options, and the named children indented below. */
  toString(): string {
    const kids = this.namedChildren();
    const head = `${this.constructor.name}(${this.describe()}`;
    if (kids.length === 0) return `${head})`;
    const body = kids.map(([n, c]) => `  (${n}): ${c.toString().replace(/\n/g, "\n  ")}`).join("\n");
    return `${head}\n${body}\n)`;
  }
}

/**
 * Runs its children in order, named `0`, `1`, … . Like Gluon's, a child that returns an array passes its first
 * element on as the input and the rest as extra inputs of the next child; the last child's output is returned.
 */
export class Sequential extends Block {
  constructor() {
    super("sequential");
  }
  add(...blocks: Block[]): this {
    for (const b of blocks) {
      if (!(b instanceof Block)) throw new Error("Sequential.add: every argument must be a Block (a layer)");
      this.registerChild(b, String(this.length));
    }
    return this;
  }
  get length(): number {
    return this.namedChildren().length;
  }
  /** The i-th child (negative counts from the end). */
  at(i: number): Block {
    const kids = this.namedChildren();
    const j = Number.isInteger(i) && i < 0 ? i + kids.length : i;
    if (!Number.isInteger(j) || j < 0 || j >= kids.length) throw new Error(`Sequential.at: index ${i} is out of range for ${kids.length} children`);
    return kids[j]![1];
  }
  override forwardKeepsNothing(): boolean {
    return super.forwardKeepsNothing() && this.namedChildren().every(([, b]) => b.forwardKeepsNothing());
  }

  /**
   * One input through the chain; children that pass several values on (arrays) make the result unknown to the types.
   * Unobserved (no tape, no export trace), a chain of built-in layers hands each intermediate's buffer back once the
   * next layer has read it, and later layers and the next forward reuse it (no page faults on their outputs).
   */
  forward(x: NDArray): NDArray;
  forward(x: unknown, ...args: unknown[]): unknown;
  forward(x: unknown, ...args: unknown[]): unknown {
    if (args.length > 0 || opsObserved() || !this.forwardKeepsNothing()) return this.chain(x, args, null);
    const outer = activeRecycleScope();
    if (outer) return this.chain(x, args, outer);
    this.recycler ??= new RecycleScope();
    const scope = this.recycler;
    return withRecycling(scope, () => this.chain(x, args, scope));
  }

  /** the buffers this chain handed back, kept for its next forward */
  private recycler: RecycleScope | undefined;

  private chain(x: unknown, args: unknown[], scope: RecycleScope | null): unknown {
    const input = x;
    const kids = this.namedChildren();
    const giveBack = (dead: unknown, next: unknown) => {
      if (!scope || dead === input || !(dead instanceof Object) || !("storage" in dead)) return;
      const st = (dead as NDArray).storage;
      if (isDeviceStorage(st)) return;
      const nst = next instanceof Object && "storage" in next ? (next as NDArray).storage : null;
      // the next result may be a view of the dead one (Flatten, a reshape) or the same array (Dropout when predicting)
      if (nst && !isDeviceStorage(nst) && nst.buffer === st.buffer) return;
      scope.giveBack(st);
    };
    for (let i = 0; i < kids.length; i++) {
      const b = kids[i]![1];
      if (args.length === 0 && i + 1 < kids.length) {
        // e.g. BatchNorm then Activation("relu") in predict mode: one pass (see Block.forwardFused)
        const y = b.forwardFused(x as NDArray, kids[i + 1]![1]);
        if (y !== null) {
          giveBack(x, y);
          x = y;
          i++;
          continue;
        }
      }
      const before = x;
      x = b.forward(x, ...args);
      if (!Array.isArray(x)) giveBack(before, x);
      else scope = null; // several values passed on: stop reusing
      args = [];
      if (Array.isArray(x)) {
        args = x.slice(1);
        x = x[0];
      }
    }
    return args.length > 0 ? [x, ...args] : x;
  }
}
markKeepsNothing(Sequential);
