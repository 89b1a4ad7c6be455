// Gluon Block and Sequential: layers own named parameters; collectParams gathers them recursively.
import type { NDArray } from "../ndarray/ndarray.js";
import { Parameter, ParameterDict } from "./parameter.js";
import type { Initializer } from "../init/initializers.js";

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
