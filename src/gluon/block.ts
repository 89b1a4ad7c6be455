// Gluon Block and Sequential: layers own named parameters; collectParams gathers them recursively.
import type { NDArray } from "../ndarray/ndarray.js";
import { Parameter, ParameterDict } from "./parameter.js";
import type { Initializer } from "../init/initializers.js";
import { type LoadParametersOptions, type NamedParameter, loadParametersFromBytesInto, parametersToBytes } from "./parameter-io.js";
import { readWholeFile, writeFileAtomic } from "../io/node-file.js";

const counters = new Map<string, number>();

/** Gluon-style unique prefixes: conv0_, conv1_, convtranspose0_ … */
export function uniquePrefix(base: string): string {
  const n = counters.get(base) ?? 0;
  counters.set(base, n + 1);
  return `${base}${n}_`;
}

export abstract class Block {
  readonly prefix: string;
  protected readonly children: Block[] = [];
  protected readonly ownParams: Parameter[] = [];

  constructor(base: string) {
    this.prefix = uniquePrefix(base);
  }

  abstract forward(x: NDArray, ...rest: unknown[]): NDArray;

  /** Every parameter of this block and its children, by name. */
  collectParams(): ParameterDict {
    const dict = new ParameterDict();
    for (const p of this.ownParams) dict.add(p);
    for (const c of this.children) for (const p of c.collectParams()) dict.add(p);
    return dict;
  }

  /**
   * Every parameter under its structural name, as PyTorch's state_dict and MXNet's save_parameters write them: own
   * parameters by their own name (`weight`), children's prefixed with the child's name (a Sequential's `0`, `1`, …).
   */
  namedParameters(): NamedParameter[] {
    const out: NamedParameter[] = [];
    for (const p of this.ownParams) out.push([p.name.startsWith(this.prefix) ? p.name.slice(this.prefix.length) : p.name, p]);
    this.children.forEach((c, i) => {
      for (const [n, p] of c.namedParameters()) out.push([`${i}.${n}`, p]);
    });
    return out;
  }

  /**
   * Writes every parameter to a safetensors file (structural names, PyTorch layouts, each parameter's dtype). The
   * bytes go to a temporary file in the same folder, are flushed to disk and renamed over `path`: the previous file
   * stays whole if anything fails. Node only; see saveParametersToBytes for browsers.
   */
  saveParameters(path: string): void {
    writeFileAtomic(path, parametersToBytes(this.namedParameters(), `saveParameters: ${path}`), "saveParameters");
  }

  /** The safetensors file saveParameters writes, as bytes (for browsers: download, IndexedDB, fetch body …). */
  saveParametersToBytes(): Uint8Array {
    return parametersToBytes(this.namedParameters(), "saveParametersToBytes");
  }

  /**
   * Loads a safetensors file written by saveParameters or from a PyTorch state dict. The whole file is checked
   * (structure, names, shapes, dtypes) before any parameter changes: on an error every parameter keeps its value.
   * Deferred shapes take the file's. Node only; see loadParametersFromBytes for browsers.
   */
  loadParameters(path: string, options: LoadParametersOptions = {}): void {
    const bytes = readWholeFile(path, "loadParameters");
    loadParametersFromBytesInto(this.namedParameters(), bytes, options, `loadParameters: ${path}`);
  }

  /** loadParameters from the bytes of a safetensors file. */
  loadParametersFromBytes(bytes: Uint8Array, options: LoadParametersOptions = {}): void {
    loadParametersFromBytesInto(this.namedParameters(), bytes, options, "loadParametersFromBytes");
  }

  /** Initializes every parameter (deferred where shapes are not known until the first forward). */
  initialize(initializer: Initializer | null = null, options: { forceReinit?: boolean } = {}): this {
    this.collectParams().initialize(initializer, options);
    return this;
  }
}

/** Runs its children in order. */
export class Sequential extends Block {
  constructor() {
    super("sequential");
  }
  add(...blocks: Block[]): this {
    for (const b of blocks) {
      if (!(b instanceof Block)) throw new Error("Sequential.add: every argument must be a Block (a layer)");
      this.children.push(b);
    }
    return this;
  }
  get length(): number {
    return this.children.length;
  }
  forward(x: NDArray): NDArray {
    return this.children.reduce((h, b) => b.forward(h), x);
  }
}
