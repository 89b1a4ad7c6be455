// Readers for the option values only layers take (initializers, dtypes, activations), beside params/options.ts's.
import type { Dtype } from "../ndarray/strided.js";
import { Initializer } from "../init/initializers.js";
import { ACTIVATIONS, type Activation } from "../ops/activation.js";
import { readEnum, showValue } from "../params/options.js";

/** An Initializer (init.Zero(), init.Constant(…), …), or `dflt` when absent. */
export function readInitializer<T extends Initializer | null>(where: string, name: string, v: unknown, dflt: T): Initializer | T {
  if (v === undefined || v === null) return dflt;
  if (!(v instanceof Initializer)) throw new Error(`${where}: ${name} must come from init (e.g. init.Zero(), init.Constant(1)), got ${showValue(v)}`);
  return v;
}

export function readDtype(where: string, v: unknown): Dtype {
  return readEnum<Dtype>(where, "dtype", v, ["float32", "float64"], "float32");
}

/** An npx.activation name or null (none). */
export function readActivation(where: string, v: unknown): Activation | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== "string" || !(ACTIVATIONS as readonly string[]).includes(v))
    throw new Error(`${where}: activation ${showValue(v)} is not one of ${ACTIVATIONS.map((a) => `"${a}"`).join(", ")}`);
  return v as Activation;
}
