// onnx.importToGluon: an ONNX ModelProto → a Gluon Block whose forward runs the graph on tconv's ops.
import { NDArray } from "../ndarray/ndarray.js";
import type { FloatArray } from "../ndarray/dtype.js";
import { isDeviceStorage } from "../ndarray/storage.js";
import { RecycleScope, withRecycling } from "../ndarray/recycle.js";
import { opsObserved } from "../tape/tape.js";
import type { Dtype } from "../ndarray/strided.js";
import { Block, markKeepsNothing } from "../gluon/block.js";
import { Parameter } from "../gluon/parameter.js";
import { Constant } from "../init/initializers.js";
import { showValue, snapshotOptions } from "../params/options.js";
import { type AttributeRecord, decodeModel, readTensor, type GraphRecord, type ModelRecord, type ValueInfoRecord } from "./proto.js";
import { fuseConvActivation, fuseConvAdd, fuseGroupNorm } from "./import-fuse.js";
import { type ActivatedRunner, compileConvActivated, compileConvResidual, type ResidualRunner } from "./import-ops-conv.js";
import { arity, compileNode, IMPORT_OPS, type Runner, SUPPORTED_OPS, tensorValue, type Value } from "./import-ops.js";
import { constantOn } from "./import-ops-common.js";
import type { IntTensor } from "./int-tensor.js";
import type { Context } from "../context.js";

const OP = "onnx.importToGluon";
/** The default-domain opsets whose semantics the importer follows. */
const MIN_OPSET = 7;
const MAX_OPSET = 22;

export interface ImportOptions {
  /** dtype of the parameters and of float constants; default "float32" (use "float64" for gradient checks) */
  dtype?: Dtype;
}

interface Step {
  readonly op: string;
  readonly attributes: readonly AttributeRecord[];
  readonly where: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly run: Runner;
  readonly withActivation?: () => ActivatedRunner;
  readonly withResidual?: () => ResidualRunner;
  /** the values whose last reader this step is (or that no step reads), graph outputs excepted */
  dies?: readonly string[];
}

/** A graph input: its name and declared dims (null where symbolic or unknown). */
export interface GraphInput {
  readonly name: string;
  readonly dims: readonly (number | null)[] | null;
}

const nodeLabel = (name: string | undefined, i: number) => (name ? `'${name}'` : `#${i}`);

function inputInfo(v: ValueInfoRecord): GraphInput {
  const dims = v.type?.tensor_type?.shape?.dim;
  return { name: v.name ?? "", dims: dims ? dims.map((d) => (d.dim_value !== undefined && d.dim_value > 0 ? Number(d.dim_value) : null)) : null };
}

/** Dotted names deeper than this are kept flat: collectParams() and friends recurse once per level. */
const MAX_SCOPE_DEPTH = 32;

/** `enc1.0.weight` is a path of scopes; `a..b`, `.a`, `a.` and names over MAX_SCOPE_DEPTH levels are not. */
function isStructural(name: string): boolean {
  let segments = 1,
    start = 0;
  for (let i = 0; i <= name.length; i++)
    if (i === name.length || name[i] === ".") {
      if (i === start) return false; // an empty segment
      if (i < name.length && ++segments > MAX_SCOPE_DEPTH) return false;
      start = i + 1;
    }
  return segments > 1;
}

/**
 * The own name of an initializer's Parameter: its last segment when the name is structural, else the whole name
 * escaped reversibly ("%" → "%25", "." → "%2E"), so `a..b` and `a__b` stay two distinct parameters.
 */
export function parameterOwnName(name: string): string {
  if (isStructural(name)) return name.slice(name.lastIndexOf(".") + 1);
  return name.replace(/%/g, "%25").replace(/\./g, "%2E");
}

/** A level of a dotted initializer name (`enc1` in `enc1.0.weight`): holds parameters, runs nothing itself. */
class OnnxScope extends Block {
  forward(): never {
    throw new Error("OnnxScope.forward: this block only groups the parameters of an imported ONNX graph; call the OnnxBlock");
  }
}

/** The block `importToGluon` returns: parameters named after the initializers, forward = the graph. */
export class OnnxBlock extends Block {
  /** the graph inputs forward takes, in order (initializers listed as inputs are not among them) */
  readonly inputs: readonly GraphInput[];
  /** the graph output names, in the order forward returns them */
  readonly outputNames: readonly string[];
  /** Parameter by initializer name */
  readonly params: ReadonlyMap<string, Parameter>;
  private readonly constants: ReadonlyMap<string, Value>;
  private readonly steps: readonly Step[];
  /** the forward's dead intermediates, reused by the next layers and the next forward (outside autograd.record) */
  private readonly recycler = new RecycleScope();

  constructor(graph: { inputs: GraphInput[]; outputs: string[]; params: Map<string, Parameter>; constants: Map<string, Value>; steps: Step[] }) {
    super("onnx");
    this.inputs = graph.inputs;
    this.outputNames = graph.outputs;
    this.params = graph.params;
    this.constants = graph.constants;
    this.steps = graph.steps;
    markLastUses(graph.steps, graph.outputs);
    const scopes = new Map<string, Block>();
    for (const [name, p] of graph.params) this.place(name, p, scopes);
  }

  /**
   * Registers `p` so that collectParams() keys it by the initializer's own name: `enc1.0.weight` → child enc1 → 0.
   * Scopes are found through one map of dotted prefixes (linear in the total name length, not in the siblings);
   * names that are not structural (an empty segment, or deeper than MAX_SCOPE_DEPTH) sit at the top, escaped.
   */
  private place(name: string, p: Parameter, scopes: Map<string, Block>): void {
    if (!isStructural(name)) {
      this.registerParameter(p);
      return;
    }
    let at: Block = this;
    let prefix = "";
    const parts = name.split(".");
    for (let i = 0; i < parts.length - 1; i++) {
      prefix = i === 0 ? parts[0]! : `${prefix}.${parts[i]}`;
      let scope = scopes.get(prefix);
      if (!scope) {
        scope = at.registerChild(new OnnxScope(), parts[i]);
        scopes.set(prefix, scope);
      }
      at = scope;
    }
    at.registerParameter(p);
  }

  /** Runs the graph: one NDArray per graph input; returns the output, or an array when the graph has several. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  forward(...args: NDArray[]): NDArray | NDArray[] {
    const outs = this.run(...args);
    return outs.length === 1 ? outs[0]! : outs;
  }

  /** Like forward, but always an array of the graph's outputs. */
  run(...args: NDArray[]): NDArray[] {
    if (args.length !== this.inputs.length)
      throw new Error(`OnnxBlock.forward: the graph takes ${this.inputs.length} input(s) (${this.inputs.map((i) => i.name).join(", ")}), got ${args.length}`);
    const env = new Map<string, Value>(this.constants);
    for (const [name, p] of this.params) env.set(name, p.data());
    const device = deviceOf(args, this.params);
    this.inputs.forEach((inp, i) => {
      const x = args[i];
      if (!(x instanceof NDArray)) throw new Error(`OnnxBlock.forward: input ${i} ('${inp.name}') must be an NDArray`);
      if (inp.dims) {
        const bad = inp.dims.length !== x.ndim || inp.dims.some((d, k) => d !== null && d !== x.shape[k]);
        if (bad)
          throw new Error(
            `OnnxBlock.forward: input '${inp.name}' has shape [${x.shape.join(",")}], the graph declares [${inp.dims.map((d) => d ?? "?").join(",")}]`,
          );
      }
      env.set(inp.name, x);
    });
    // on a device run, CPU float constants move to the device; graph inputs never move (mixing devices stays an error)
    const onDevice = device ? { ctx: device, given: new Set<Value>(args) } : null;
    // recorded (the tape keeps intermediates for backward) or traced for export: nothing is dead before the end
    if (opsObserved()) this.runSteps(env, null, onDevice);
    else withRecycling(this.recycler, () => this.runSteps(env, this.recycler, onDevice));
    return this.outputNames.map((n) => {
      const v = env.get(n);
      if (v === undefined) throw new Error(`OnnxBlock.forward: graph output '${n}' was not produced (an optional output of its node)`);
      return v instanceof NDArray ? v : intToArray(v);
    });
  }

  /** Runs the nodes in order; with a scope, each value's buffer goes back to it after its last reader. */
  private runSteps(env: Map<string, Value>, scope: RecycleScope | null, onDevice: { ctx: Context; given: ReadonlySet<Value> } | null): void {
    for (const s of this.steps) {
      const ins = s.inputs.map((n) => {
        const v = n === "" ? undefined : env.get(n);
        // a float constant (a Constant node's value, an empty initializer, ConstantOfShape, a Cast of int64 data) is
        // made on the CPU; on a device run it moves there (graph inputs never move: mixing devices stays an error)
        return onDevice && v instanceof NDArray && v.ctx.deviceType === "cpu" && !onDevice.given.has(v) ? constantOn(v, onDevice.ctx) : v;
      });
      let outs: Value[];
      try {
        outs = s.run(ins);
      } catch (e) {
        const msg = (e as Error).message;
        // a fused step's errors already name the node of the chain that failed
        throw new Error(msg.startsWith(s.where) || msg.startsWith("onnx node ") ? msg : `${s.where}: ${msg}`);
      }
      s.outputs.forEach((n, k) => {
        if (n === "" || outs[k] === undefined) return;
        env.set(n, outs[k]!);
        const st = cpuStorage(outs[k]);
        if (scope && st) scope.hold(st);
      });
      if (!scope) continue;
      for (const n of s.dies!) {
        const st = cpuStorage(env.get(n));
        // inputs, weights and constants were never held: release ignores them
        if (st) scope.release(st);
        env.delete(n);
      }
    }
  }
}

/** CPU storage of a value, or null (int tensors, device arrays). */
const cpuStorage = (v: Value | undefined): FloatArray | null => (v instanceof NDArray && !isDeviceStorage(v.storage) ? v.storage : null);

/** Sets each step's `dies`: the values it reads (or writes) for the last time, except the graph outputs. */
function markLastUses(steps: Step[], outputs: readonly string[]): void {
  const last = new Map<string, number>();
  steps.forEach((s, i) => {
    for (const n of s.outputs) if (n !== "") last.set(n, i);
    for (const n of s.inputs) if (n !== "") last.set(n, i);
  });
  for (const n of outputs) last.delete(n);
  const dies: string[][] = steps.map(() => []);
  for (const [n, i] of last) dies[i]!.push(n);
  steps.forEach((s, i) => {
    s.dies = dies[i]!;
  });
}

const intToArray = (v: IntTensor): NDArray => new NDArray(Float64Array.from(v.data), v.dims);

/** The device of a run: the graph inputs', else the parameters' (after resetCtx); null for the CPU. */
function deviceOf(args: readonly NDArray[], params: ReadonlyMap<string, Parameter>): Context | null {
  const first = args.find((a) => a instanceof NDArray && a.ctx.deviceType !== "cpu");
  if (first) return first.ctx;
  for (const p of params.values()) return p.ctx.deviceType === "cpu" ? null : p.ctx;
  return null;
}

function checkOpset(m: ModelRecord): number {
  const imports = m.opset_import ?? [];
  const def = imports.find((o) => !o.domain || o.domain === "ai.onnx");
  if (!def) throw new Error(`${OP}: the model imports no default-domain opset (opset_import is ${imports.length === 0 ? "empty" : "only custom domains"})`);
  const v = Number(def.version ?? 0);
  if (v < MIN_OPSET || v > MAX_OPSET) throw new Error(`${OP}: the model uses opset ${v}; tconv reads opsets ${MIN_OPSET} to ${MAX_OPSET}`);
  return v;
}

function buildGraph(g: GraphRecord, opset: number, dtype: Dtype) {
  const defined = new Set<string>();
  const params = new Map<string, Parameter>();
  const constants = new Map<string, Value>();
  const define = (name: string, what: string) => {
    if (name === "") throw new Error(`${OP}: ${what} has an empty name`);
    if (defined.has(name)) throw new Error(`${OP}: tensor '${name}' is defined twice (${what})`);
    defined.add(name);
  };
  for (const t of g.initializer ?? []) {
    const name = t.name ?? "";
    define(name, `initializer '${name}'`);
    const v = readTensor(t, `${OP}: initializer`);
    // an empty float tensor stays a constant: a Parameter of shape [0] would read as a deferred (unknown) shape
    if (v.kind === "int" || v.data.length === 0) constants.set(name, tensorValue(v, dtype));
    else {
      const arr = new NDArray(dtype === "float32" ? Float32Array.from(v.data) : Float64Array.from(v.data), v.dims);
      // the Parameter's own name is the last dotted segment; its structural name in collectParams() is the whole name
      const p = new Parameter(parameterOwnName(name), v.dims, dtype, new Constant(arr), `OnnxBlock initializer '${name}'`);
      p.initialize();
      params.set(name, p);
    }
  }
  const inputs: GraphInput[] = [];
  for (const vi of g.input ?? []) {
    const name = vi.name ?? "";
    if (defined.has(name) && (params.has(name) || constants.has(name))) continue; // IR < 4 lists initializers as inputs
    define(name, `graph input '${name}'`);
    const elem = vi.type?.tensor_type?.elem_type;
    if (elem !== undefined && elem !== 1 && elem !== 11)
      throw new Error(`${OP}: graph input '${name}' has element type ${elem}; tconv feeds FLOAT or DOUBLE inputs`);
    inputs.push(inputInfo(vi));
  }
  const steps: Step[] = [];
  const nodeNames = new Set<string>();
  (g.node ?? []).forEach((n, i) => {
    const op = n.op_type ?? "";
    const label = nodeLabel(n.name, i);
    if (n.name) {
      if (nodeNames.has(n.name)) throw new Error(`${OP}: node name '${n.name}' is used by two nodes (node #${i} is the second)`);
      nodeNames.add(n.name);
    }
    if (n.domain && n.domain !== "ai.onnx")
      throw new Error(`${OP}: node ${label} uses op ${op} from domain '${n.domain}', which tconv does not implement (only the default ONNX domain)`);
    if (!Object.hasOwn(IMPORT_OPS, op))
      throw new Error(`${OP}: node ${label} uses op ${op || "(empty)"}, which tconv does not implement (supported: ${SUPPORTED_OPS.join(", ")})`);
    const where = `${OP}: node ${label} (${op})`;
    const ins = n.input ?? [];
    const outsGiven = n.output ?? [];
    // input and output counts as the operator's specification at this opset (onnxruntime refuses the model otherwise)
    const {
      inputs: [minIn, maxIn],
      outputs: [minOut, maxOut],
    } = arity(op, opset);
    if (ins.length > maxIn || ins.length < minIn)
      throw new Error(`${where} has ${ins.length} input(s); ${op} at opset ${opset} takes ${minIn === maxIn ? minIn : `${minIn} to ${maxIn}`}`);
    for (let k = 0; k < minIn; k++) if (ins[k] === "") throw new Error(`${where}: required input ${k} is empty`);
    if (outsGiven.length > maxOut || outsGiven.length < minOut)
      throw new Error(`${where} has ${outsGiven.length} output(s); ${op} at opset ${opset} gives ${minOut === maxOut ? minOut : `${minOut} to ${maxOut}`}`);
    for (const name of ins)
      if (name !== "" && !defined.has(name)) throw new Error(`${where} reads tensor '${name}', which no earlier node, initializer or graph input defines`);
    const outs = n.output ?? [];
    const ctx = {
      where: `onnx node ${label} (${op})`,
      opset,
      dtype,
      outputs: outs.length,
      inputsGiven: ins.map((name) => name !== ""),
    };
    const run = compileNode(op, n.attribute ?? [], ctx);
    for (const name of outs) if (name !== "") define(name, `output of node ${label}`);
    const step: Step = { op, attributes: n.attribute ?? [], where: ctx.where, inputs: ins, outputs: outs, run };
    const conv = op === "Conv" || op === "ConvTranspose";
    const withActivation = () => compileConvActivated(op === "ConvTranspose", n.attribute ?? [], ctx);
    const withResidual = () => compileConvResidual(n.attribute ?? [], ctx);
    steps.push(conv ? { ...step, withActivation, ...(op === "Conv" ? { withResidual } : {}) } : step);
  });
  // BatchNormalization's running mean and variance are state, not weights (PyTorch's buffers): no gradient, the
  // Trainer leaves them alone, unless another node also reads them
  const stats = new Set<string>();
  const otherUse = new Set<string>();
  (g.node ?? []).forEach((n) =>
    (n.input ?? []).forEach((name, k) => (n.op_type === "BatchNormalization" && (k === 3 || k === 4) ? stats : otherUse).add(name)),
  );
  for (const name of stats) if (!otherUse.has(name) && params.has(name)) params.get(name)!.gradReq = "null";
  const outputs = (g.output ?? []).map((o) => o.name ?? "");
  if (outputs.length === 0) throw new Error(`${OP}: the graph has no outputs`);
  for (const o of outputs) if (!defined.has(o)) throw new Error(`${OP}: graph output '${o}' is not defined by any node, initializer or input`);
  const fused = fuseConvAdd(
    fuseConvActivation(
      fuseGroupNorm(foldConstantsAndIdentities(steps, constants, outputs), outputs, (f) => ({ ...f })),
      outputs,
      (f) => ({ ...f }),
    ),
    outputs,
    (f) => ({ ...f }),
  );
  return { inputs, outputs, params, constants, steps: fused };
}

/**
 * Constant nodes become graph constants (their step returns the one value it compiled, every time) and Identity
 * nodes become renames (their step returns its input itself): later steps read the constant or the source by name, so
 * a forward runs neither (Conv-TasNet: 115 Constant and 96 Identity steps, about 3.6 µs each). A node whose output is
 * a graph output keeps its step. The values every step sees are the same objects as before.
 */
function foldConstantsAndIdentities(steps: readonly Step[], constants: Map<string, Value>, outputs: readonly string[]): Step[] {
  const graphOutputs = new Set(outputs);
  const renamed = new Map<string, string>();
  const kept: Step[] = [];
  for (const s of steps) {
    const inputs = s.inputs.some((n) => renamed.has(n)) ? s.inputs.map((n) => renamed.get(n) ?? n) : s.inputs;
    const out = s.outputs.length === 1 ? s.outputs[0]! : "";
    if (out !== "" && !graphOutputs.has(out)) {
      if (s.op === "Constant" && inputs.length === 0) {
        constants.set(out, s.run([])[0]!);
        continue;
      }
      if (s.op === "Identity" && inputs.length === 1 && inputs[0] !== "") {
        renamed.set(out, inputs[0]!);
        continue;
      }
    }
    kept.push(inputs === s.inputs ? s : { ...s, inputs });
  }
  return kept;
}

/**
 * Reads an ONNX model (the bytes of a .onnx file) into a Block: `forward(...inputs)` runs the graph with tconv's ops
 * (differentiable end to end), `collectParams()` holds one trainable Parameter per float initializer, under its name.
 */
export function importToGluon(bytes: Uint8Array, options: ImportOptions = {}): OnnxBlock {
  const o = snapshotOptions(OP, options, ["dtype"]);
  const dtype = (o.dtype ?? "float32") as Dtype;
  if (dtype !== "float32" && dtype !== "float64") throw new Error(`${OP}: dtype ${showValue(dtype)} must be "float32" or "float64"`);
  const m = decodeModel(bytes, OP);
  if (!m.graph) throw new Error(`${OP}: the model has no graph`);
  if ((m.functions ?? []).length > 0) throw new Error(`${OP}: the model defines local functions, which tconv does not support`);
  // onnxruntime refuses a model without ir_version (and one newer than it knows: IR 3 to 11 here)
  const ir = Number(m.ir_version ?? 0);
  if (!(ir >= 3 && ir <= 11))
    throw new Error(`${OP}: the model's ir_version is ${m.ir_version === undefined ? "missing" : ir}; tconv reads IR versions 3 to 11`);
  const opset = checkOpset(m);
  return new OnnxBlock(buildGraph(m.graph, opset, dtype));
}

// forward keeps no reference to its input or output (Sequential reuses dead intermediates)
markKeepsNothing(OnnxBlock);
