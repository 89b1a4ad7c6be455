// Block.summary: MXNet's table of the layers a forward pass runs, their output shapes and parameter counts.
import { NDArray } from "../ndarray/ndarray.js";
import { autograd } from "../autograd/index.js";
import type { Parameter } from "./parameter.js";

/** What the summary reads of a Block; structural, so that block.ts (which calls summaryTable) is not imported back. */
export interface SummaryBlock {
  forward(...inputs: unknown[]): unknown;
  namedChildren(): [string, SummaryBlock][];
  namedOwnParameters(): [string, Parameter][];
  collectParams(): { values(): Parameter[] };
}

interface Row {
  name: string;
  shape: string;
  params: number;
}

/** numpy's repr of a shape: (1, 6, 24, 24), and (3,) for one axis. */
function tupleOf(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
}

function shapeOf(v: unknown): string {
  if (v instanceof NDArray) return tupleOf(v.shape);
  if (Array.isArray(v)) return `[${v.map(shapeOf).join(", ")}]`;
  return "-";
}

const sizeOf = (p: Parameter) => p.shape.reduce((a, b) => a * b, 1);

function descendants(root: SummaryBlock): SummaryBlock[] {
  const out: SummaryBlock[] = [];
  const seen = new Set<SummaryBlock>();
  const walk = (b: SummaryBlock) => {
    if (seen.has(b)) return;
    seen.add(b);
    out.push(b);
    for (const [, c] of b.namedChildren()) walk(c);
  };
  walk(root);
  return out;
}

/**
 * Runs `root.forward(...inputs)` once in predict mode without recording, with a hook on every block in the tree
 * (MXNet's summary registers forward hooks the same way), and formats one row per block call in the order the calls
 * finish: `Class-k`, the output shape, and the block's own parameters (MXNet counts `_reg_params`, so a container's
 * row shows 0). Fused shortcuts are switched off for the run so that every layer appears.
 */
export function summaryTable(root: SummaryBlock, inputs: readonly NDArray[]): string {
  if (inputs.length === 0) throw new Error(`${root.constructor.name}.summary: pass the inputs of a forward pass, e.g. net.summary(np.zeros([1, 1, 28, 28]))`);
  inputs.forEach((x, i) => {
    if (!(x instanceof NDArray)) throw new Error(`${root.constructor.name}.summary: input ${i} must be an NDArray, got ${x === null ? "null" : typeof x}`);
  });
  const rows: Row[] = [
    { name: "Input", shape: inputs.length === 1 ? tupleOf(inputs[0]!.shape) : `[${inputs.map((x) => tupleOf(x.shape)).join(", ")}]`, params: 0 },
  ];
  const counted = new Set<Parameter>();
  let total = 0;
  let trainable = 0;
  let shared = 0;
  const blocks = descendants(root);
  const hooked = blocks.map((b) => {
    const own = b as unknown as Record<"forward" | "forwardFused", unknown>;
    const saved = { forward: Object.getOwnPropertyDescriptor(b, "forward"), forwardFused: Object.getOwnPropertyDescriptor(b, "forwardFused") };
    const original = b.forward;
    own.forward = (...args: unknown[]): unknown => {
      const y: unknown = original.apply(b, args);
      let params = 0;
      for (const [, p] of b.namedOwnParameters()) {
        const n = sizeOf(p);
        params += n;
        total += n;
        if (p.gradReq !== "null") trainable += n;
        if (counted.has(p)) shared += n;
        counted.add(p);
      }
      rows.push({ name: `${b.constructor.name}-${rows.length}`, shape: shapeOf(y), params });
      return y;
    };
    own.forwardFused = () => null;
    return { b, saved };
  });
  try {
    autograd.pause(() => root.forward(...inputs));
  } finally {
    for (const { b, saved } of hooked) {
      const own = b as unknown as Record<string, unknown>;
      for (const key of ["forward", "forwardFused"] as const) {
        const d = saved[key];
        if (d) Object.defineProperty(b, key, d);
        else delete own[key];
      }
    }
  }
  const unique = root
    .collectParams()
    .values()
    .reduce((s, p) => s + sizeOf(p), 0);
  const line = (a: string, b: string, c: string) => `${a.padStart(20)}  ${b.padStart(42)} ${c.padStart(15)}`;
  return [
    "-".repeat(80),
    line("Layer (type)", "Output Shape", "Param #"),
    "=".repeat(80),
    ...rows.map((r) => line(r.name, r.shape, String(r.params))),
    "=".repeat(80),
    "Parameters in forward computation graph, duplicate included",
    `   Total params: ${total}`,
    `   Trainable params: ${trainable}`,
    `   Non-trainable params: ${total - trainable}`,
    `Shared params in forward computation graph: ${shared}`,
    `Unique parameters in model: ${unique}`,
    "-".repeat(80),
  ].join("\n");
}
