// autograd.grad: MXNet's grad(heads, variables, head_grads, retain_graph, create_graph, train_mode) in camelCase.
import { NDArray } from "../ndarray/ndarray.js";
import { formatShape } from "../ndarray/strided.js";
import { zerosOn } from "../backends/dispatch.js";
import { checkHeadGrad, sweep } from "./backward.js";

export interface GradOptions {
  /** d(out)/d(head) per head (default ones, only for size-1 heads); one array, or one entry (or null) per head */
  headGrads?: NDArray | readonly (NDArray | null)[] | null;
  /** keep the recorded graph for another backward / grad; default createGraph */
  retainGraph?: boolean;
  /** record the gradient computation, so the gradients can be differentiated again; default false */
  createGraph?: boolean;
  /** the training mode the recorded gradient ops run in; default true (MXNet's) */
  trainMode?: boolean;
}

const KNOWN = ["headGrads", "retainGraph", "createGraph", "trainMode"];

function readBool(name: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== "boolean") throw new Error(`autograd.grad: ${name}=${String(v)} must be true or false`);
  return v;
}

function readArrays(name: string, v: unknown): NDArray[] {
  const list = v instanceof NDArray ? [v] : Array.isArray(v) ? (v as unknown[]) : null;
  if (!list || list.length === 0) throw new Error(`autograd.grad: ${name} must be an NDArray or a non-empty list of NDArrays`);
  list.forEach((x, k) => {
    if (!(x instanceof NDArray)) throw new Error(`autograd.grad: ${name}[${k}] must be an NDArray, got ${x === null ? "null" : typeof x}`);
  });
  return list as NDArray[];
}

/**
 * The gradients of the heads (weighted by `headGrads`) with respect to each variable, returned instead of written
 * into `.grad`: one NDArray per variable (a single NDArray when `variables` is one). Variables are arrays marked with
 * attachGrad or computed under autograd.record; a variable the heads do not depend on gets zeros. With
 * `createGraph: true` the gradients are computed by recorded ops, so a loss built from them (inside autograd.record)
 * can be differentiated again with backward() or another grad: second and higher orders.
 */
export function grad(heads: NDArray | readonly NDArray[], variables: NDArray, options?: GradOptions): NDArray;
export function grad(heads: NDArray | readonly NDArray[], variables: readonly NDArray[], options?: GradOptions): NDArray[];
export function grad(heads: NDArray | readonly NDArray[], variables: NDArray | readonly NDArray[], options?: GradOptions): NDArray | NDArray[] {
  if (options !== undefined && (options === null || typeof options !== "object" || Array.isArray(options)))
    throw new Error("autograd.grad: options must be an object like { headGrads, retainGraph, createGraph, trainMode }");
  for (const key of Object.keys(options ?? {}))
    if (!KNOWN.includes(key))
      throw new Error(`autograd.grad: unknown option '${key}'; the options are ${KNOWN.join(", ")}` + (/_/.test(key) ? " (camelCase names)" : ""));
  const o = (options ?? {}) as Record<string, unknown>;
  const createGraph = readBool("createGraph", o.createGraph, false);
  const retainGraph = readBool("retainGraph", o.retainGraph, createGraph);
  const trainMode = readBool("trainMode", o.trainMode, true);
  if (createGraph && !retainGraph)
    throw new Error("autograd.grad: createGraph: true needs retainGraph: true (the recorded gradients refer to the graph they were computed from)");
  const hs = readArrays("heads", heads);
  const vars = readArrays("variables", variables);
  hs.forEach((h, k) => {
    if (h.tapeNode === null && h.gradReq === null)
      throw new Error(
        `autograd.grad: heads[${k}] (shape ${formatShape(h.shape)}) was not computed under autograd.record from arrays with attachGrad() (or its graph was already freed), so there is nothing to differentiate`,
      );
  });
  vars.forEach((v, k) => {
    if (v.tapeNode === null && v.gradReq === null)
      throw new Error(
        `autograd.grad: variables[${k}] (shape ${formatShape(v.shape)}) is neither marked with attachGrad() nor computed under autograd.record, so no gradient can reach it`,
      );
  });
  const hg = o.headGrads;
  let headGrads: readonly (NDArray | null | undefined)[];
  if (hg === undefined || hg === null) headGrads = hs.map(() => null);
  else if (hg instanceof NDArray) {
    if (hs.length !== 1)
      throw new Error(`autograd.grad: headGrads is one NDArray but there are ${hs.length} heads; pass a list with one entry (or null) per head`);
    headGrads = [hg];
  } else if (Array.isArray(hg)) {
    if (hg.length !== hs.length) throw new Error(`autograd.grad: headGrads has ${hg.length} entries for ${hs.length} heads`);
    headGrads = hg as (NDArray | null)[];
  } else throw new Error(`autograd.grad: headGrads must be an NDArray, a list of NDArrays (or nulls), or null, got ${typeof hg}`);
  const seeds = hs.map((h, k) => checkHeadGrad(`autograd.grad: heads[${k}]`, h, headGrads[k]));
  const targets = new Set(vars);
  const found = sweep("autograd.grad", hs, seeds, (x) => targets.has(x), { retainGraph, createGraph, trainMode });
  const out = vars.map((v) => {
    const g = found.get(v);
    if (!g) return zerosOn(v, v.shape);
    return g;
  });
  return variables instanceof NDArray ? out[0]! : out;
}
