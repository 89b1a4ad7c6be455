// Import-time fusion: PyTorch's GroupNorm export (Reshape → InstanceNormalization → Reshape → Mul γ → Add β), Conv → Relu / LeakyRelu / PRelu and Conv → residual Add, each as one step.
import { NDArray } from "../ndarray/ndarray.js";
import { isDeviceStorage } from "../ndarray/storage.js";
import { binary } from "../ops/elementwise.js";
import { broadcastTo } from "../ops/broadcast.js";
import { groupNormChannels } from "../ops/normalization.js";
import { reshape } from "../ops/shape.js";
import { opsObserved } from "../tape/tape.js";
import type { AttributeRecord } from "./proto.js";
import type { Runner, Value } from "./import-ops.js";
import type { ActivatedRunner, ResidualRunner } from "./import-ops-conv.js";
import { repeatPerGroup } from "./import-ops-norm.js";
import type { ConvActivation } from "../params/kernel-records.js";

/** A compiled node as the importer keeps it (the fields fusion reads). */
export interface FusableStep {
  readonly op: string;
  readonly where: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: readonly AttributeRecord[];
  readonly run: Runner;
  /** Conv / ConvTranspose only: the node compiled to take the activation that follows it (see fuseConvActivation) */
  readonly withActivation?: () => ActivatedRunner;
  /** Conv only: the node compiled to add a residual to its result (see fuseConvAdd) */
  readonly withResidual?: () => ResidualRunner;
}

/**
 * Conv or ConvTranspose → Relu, LeakyRelu, PRelu or HardSwish (MobileNetV3's 20), where only the activation reads the convolution's output: one step,
 * whose kernel applies the activation as it stores (ops/conv.ts convolutionActivated: no pass over the result, no
 * second array) when nothing observes the ops, and which runs the two imported steps otherwise, so gradients and exports
 * see the graph's own nodes. PRelu fuses at run time only when its slope is one number (PyTorch's nn.PReLU() default,
 * 33 of them in Conv-TasNet): a slope per channel runs the two steps.
 */
export function fuseConvActivation<S extends FusableStep>(steps: readonly S[], graphOutputs: readonly string[], make: (fused: FusableStep) => S): S[] {
  const readers = countReaders(steps, graphOutputs);
  const producer = new Map<string, number>();
  steps.forEach((s, i) => s.outputs.forEach((n) => n !== "" && producer.set(n, i)));
  const removed = new Set<number>();
  const out: S[] = steps.map((s) => {
    if (!ACTIVATIONS.has(s.op) || s.inputs.length !== (s.op === "PRelu" ? 2 : 1)) return s;
    const name = s.inputs[0]!;
    const p = producer.get(name);
    const c = p === undefined ? undefined : steps[p]!;
    if (c === undefined || c.withActivation === undefined || readers.get(name) !== 1 || c.outputs.filter((n) => n !== "").length !== 1) return s;
    const run = fusedRun(c, s, c.withActivation());
    removed.add(p!);
    // the fused step sits at the activation's place: every input of the convolution is defined before it; a PRelu's
    // slope is its fourth input (after an absent bias, "")
    const inputs = s.op === "PRelu" ? [c.inputs[0]!, c.inputs[1] ?? "", c.inputs[2] ?? "", s.inputs[1]!] : c.inputs;
    return make({ op: `${c.op}+${s.op}`, where: c.where, inputs, outputs: s.outputs, attributes: c.attributes, run });
  });
  return out.filter((_, i) => !removed.has(i));
}

const ACTIVATIONS = new Set(["Relu", "LeakyRelu", "PRelu", "HardSwish"]);

/**
 * Conv → Add (a residual or skip sum: Conv-TasNet's 31), where only the Add reads the convolution's output and it is no
 * graph output: one step at the Add's place whose kernel adds the Add's other input to the finished result
 * (ops/conv.ts convolutionAdd: the wasm kernels add it in their arena, no JS pass and no second array) when nothing
 * observes the ops; recorded or traced, or when the other input is not a float array of the input's dtype, it runs the
 * two imported steps, so gradients and exports see the graph's own nodes. Bit for bit the two steps' result.
 */
export function fuseConvAdd<S extends FusableStep>(steps: readonly S[], graphOutputs: readonly string[], make: (fused: FusableStep) => S): S[] {
  const readers = countReaders(steps, graphOutputs);
  const producer = new Map<string, number>();
  steps.forEach((s, i) => s.outputs.forEach((n) => n !== "" && producer.set(n, i)));
  const removed = new Set<number>();
  const out: S[] = steps.map((s) => {
    if (s.op !== "Add" || s.inputs.length !== 2 || s.outputs.length !== 1) return s;
    for (const k of [0, 1] as const) {
      const name = s.inputs[k]!,
        other = s.inputs[1 - k]!;
      const p = producer.get(name);
      const c = p === undefined ? undefined : steps[p]!;
      if (c === undefined || c.op !== "Conv" || c.withResidual === undefined || removed.has(p!) || readers.get(name) !== 1) continue;
      if (c.outputs.filter((n) => n !== "").length !== 1) continue;
      removed.add(p!);
      const convAdd = c.withResidual();
      const run: Runner = (ins) => {
        const x = ins[0],
          r = ins[3];
        const convIns = ins.slice(0, 3);
        if (r instanceof NDArray && x instanceof NDArray && r.dtype === x.dtype && !opsObserved()) return convAdd(convIns, r);
        const y = runAs(c, convIns)[0];
        return runAs(s, k === 0 ? [y, r] : [r, y]);
      };
      const inputs = [c.inputs[0]!, c.inputs[1] ?? "", c.inputs[2] ?? "", other];
      return make({ op: "Conv+Add", where: c.where, inputs, outputs: s.outputs, attributes: c.attributes, run });
    }
    return s;
  });
  return out.filter((_, i) => !removed.has(i));
}
const RELU: ConvActivation = { kind: "relu" };
const HARDSWISH: ConvActivation = { kind: "hardswish" };

/** The fused step's runner for convolution `c` followed by activation step `a` (Relu, LeakyRelu, PRelu or HardSwish). */
function fusedRun(c: FusableStep, a: FusableStep, convAct: ActivatedRunner): Runner {
  if (a.op === "Relu") return (ins) => convAct(ins, RELU);
  if (a.op === "HardSwish") return (ins) => convAct(ins, HARDSWISH);
  if (a.op === "LeakyRelu") {
    // ONNX's default alpha; an attribute is a float32, so the kernels can multiply by it exactly
    const alpha = a.attributes.find((t) => t.name === "alpha")?.f ?? 0.01;
    const act: ConvActivation = { kind: "leaky", slope: alpha };
    return (ins) => convAct(ins, act);
  }
  return (ins) => {
    const x = ins[0],
      slope = ins[3];
    const convIns = ins.slice(0, 3);
    const shared =
      slope instanceof NDArray &&
      x instanceof NDArray &&
      slope.size === 1 &&
      slope.ndim <= x.ndim &&
      slope.dtype === x.dtype &&
      slope.ctx.deviceType === "cpu" &&
      !opsObserved();
    const v = shared ? slope.item() : Number.NaN;
    if (Number.isFinite(v)) return convAct(convIns, { kind: "leaky", slope: v });
    // a slope per channel (or not finite), or observed (PRelu's own op records the slope's gradient): the two steps
    const y = runAs(c, convIns);
    return runAs(a, [y[0], slope]);
  };
}

/** A step's run, its errors naming its own node. */
function runAs(s: FusableStep, ins: readonly (Value | undefined)[]): Value[] {
  try {
    return s.run(ins);
  } catch (e) {
    const msg = (e as Error).message;
    throw new Error(msg.startsWith(s.where) ? msg : `${s.where}: ${msg}`);
  }
}

/** How many steps read each value; graph outputs count as two more, so they are never fused away. */
function countReaders(steps: readonly FusableStep[], graphOutputs: readonly string[]): Map<string, number> {
  const readers = new Map<string, number>();
  for (const s of steps) for (const n of s.inputs) if (n !== "") readers.set(n, (readers.get(n) ?? 0) + 1);
  for (const n of graphOutputs) readers.set(n, (readers.get(n) ?? 0) + 2);
  return readers;
}

/*
 * torch.onnx exports GroupNorm(G, C) as x [N, C, …] → Reshape [N, G, −1] → InstanceNormalization(scale = 1, B = 0 over
 * G "channels") → Reshape back → Mul γ[C, 1, …] → Add β[C, 1, …]: five steps, three full passes and two new arrays after
 * the normalisation. Outside autograd.record and export, the five run as group norm's one kernel (3 passes) with
 *   y = γ_c·(scale_g·x̂ + B_g) + β_c = (γ_c·scale_g)·x̂ + (γ_c·B_g + β_c),
 * so the fused step passes γ' = γ·scale and β' = γ·B + β per channel. Recorded or traced, and whenever a value at run time
 * does not fit the pattern (another grouping, a γ that is not per channel, mixed dtypes), it runs the five steps as
 * imported, so the result, the tape and an export are always the graph's own.
 */

/** Replaces each matching five-step chain by one step; other steps are returned unchanged, in order. */
export function fuseGroupNorm<S extends FusableStep>(steps: readonly S[], graphOutputs: readonly string[], make: (fused: FusableStep) => S): S[] {
  const readers = countReaders(steps, graphOutputs);
  const producer = new Map<string, number>();
  steps.forEach((s, i) => s.outputs.forEach((n) => n !== "" && producer.set(n, i)));
  // a value read only by the next step of the chain, and not a graph output
  const onlyInto = (name: string | undefined) => name !== undefined && name !== "" && readers.get(name) === 1;
  const replaced = new Map<number, FusableStep>();
  const removed = new Set<number>();
  steps.forEach((add, iAdd) => {
    if (add.op !== "Add" || add.outputs.length !== 1) return;
    const chain = walkBack(steps, producer, add, onlyInto);
    if (chain === null) return;
    const indices = chain.map((s) => steps.indexOf(s as S));
    if (indices.some((i) => removed.has(i) || replaced.has(i))) return;
    indices.slice(0, -1).forEach((i) => removed.add(i));
    replaced.set(iAdd, fusedStep(chain as Chain));
  });
  const out: S[] = [];
  steps.forEach((s, i) => {
    if (removed.has(i)) return;
    const f = replaced.get(i);
    out.push(f ? make(f) : s);
  });
  return out;
}

type Chain = readonly [FusableStep, FusableStep, FusableStep, FusableStep, FusableStep];

/** Add ← Mul ← Reshape ← InstanceNormalization ← Reshape, each intermediate read only by the next; or null. */
function walkBack(
  steps: readonly FusableStep[],
  producer: ReadonlyMap<string, number>,
  add: FusableStep,
  onlyInto: (n: string | undefined) => boolean,
): Chain | null {
  // the step of kind `op` that makes `name`, when only the chain's next step reads it
  const made = (name: string | undefined, op: string): FusableStep | null => {
    const p = name === undefined || !onlyInto(name) ? undefined : producer.get(name);
    const s = p === undefined ? null : steps[p]!;
    return s?.op === op && s.outputs.length === 1 ? s : null;
  };
  const mul = add.inputs.map((n) => made(n, "Mul")).find((s) => s !== null) ?? null;
  const back = mul === null ? null : (mul.inputs.map((n) => made(n, "Reshape")).find((s) => s !== null) ?? null);
  const norm = made(back?.inputs[0], "InstanceNormalization");
  const group = made(norm?.inputs[0], "Reshape");
  return group && norm && back && mul ? [group, norm, back, mul, add] : null;
}

function fusedStep(chain: Chain): FusableStep {
  const [group, norm, back, mul, add] = chain;
  const internal = new Set(chain.slice(0, -1).flatMap((s) => s.outputs));
  const inputs: string[] = [];
  for (const s of chain) for (const n of s.inputs) if (!internal.has(n) && !inputs.includes(n)) inputs.push(n);
  const epsAttr = norm.attributes.find((a) => a.name === "epsilon");
  const eps = epsAttr?.f ?? 1e-5;
  const other = (s: FusableStep, known: string) => s.inputs.find((n) => n !== known) ?? known;
  const gammaName = other(mul, back.outputs[0]!),
    betaName = other(add, mul.outputs[0]!);
  // positions in `inputs` of the values the fast path reads (−1: absent)
  const at = (name: string | undefined) => (name === undefined || name === "" ? -1 : inputs.indexOf(name));
  const iX = at(group.inputs[0]),
    iGroupShape = at(group.inputs[1]),
    iBackShape = at(back.inputs[1]),
    iScale = at(norm.inputs[1]),
    iBias = at(norm.inputs[2]),
    iGamma = at(gammaName),
    iBeta = at(betaName);
  const run: Runner = (ins) => {
    const asImported = (): Value[] => {
      const env = new Map<string, Value | undefined>(inputs.map((n, k) => [n, ins[k]]));
      for (const s of chain) {
        let outs: Value[];
        try {
          outs = s.run(s.inputs.map((n) => (n === "" ? undefined : env.get(n))));
        } catch (e) {
          const msg = (e as Error).message;
          throw new Error(msg.startsWith(s.where) ? msg : `${s.where}: ${msg}`);
        }
        env.set(s.outputs[0]!, outs[0]);
      }
      return [env.get(add.outputs[0]!)!];
    };
    if (opsObserved() || !(eps > 0)) return asImported();
    const get = (k: number) => (k < 0 ? undefined : ins[k]);
    const x = get(iX),
      scale = get(iScale),
      bias = get(iBias),
      gamma = get(iGamma),
      beta = get(iBeta);
    if (!(x instanceof NDArray && scale instanceof NDArray && bias instanceof NDArray && gamma instanceof NDArray && beta instanceof NDArray))
      return asImported();
    if (x.ndim < 2 || [scale, bias, gamma, beta].some((a) => a.dtype !== x.dtype || !a.ctx.equals(x.ctx))) return asImported();
    const N = x.shape[0]!,
      C = x.shape[1]!;
    // the two reshapes, run on x's shape (views: no data moves): [N, G, L] with whole channels per group, and back to x's shape
    const grouped = group.run([x, get(iGroupShape)])[0];
    if (!(grouped instanceof NDArray) || grouped.ndim !== 3 || grouped.shape[0] !== N) return asImported();
    const G = grouped.shape[1]!;
    if (G === 0 || C % G !== 0 || grouped.shape[2] !== x.size / N / G || x.size === 0) return asImported();
    const restored = back.run([grouped, get(iBackShape)])[0];
    if (!(restored instanceof NDArray) || restored.shape.join() !== x.shape.join()) return asImported();
    if (scale.shape.join() !== `${G}` || bias.shape.join() !== `${G}`) return asImported();
    const gS = channelStride(gamma, x.shape),
      bS = channelStride(beta, x.shape);
    if (gS === null || bS === null) return asImported();
    const folded = foldOnHost(gamma, gS, beta, bS, scale, bias, C, G);
    if (folded !== null) return [groupNormChannels(x, folded[0], folded[1], G, eps)];
    // on a device: γ′ and β′ by the elementwise ops (γ and β are one value per channel, checked above)
    const gC = broadcastTo(reshape(gamma, [gamma.size]), [C]),
      bC = broadcastTo(reshape(beta, [beta.size]), [C]);
    const g2 = binary("mul", gC, repeatPerGroup(scale, G, C));
    const b2 = binary("add", binary("mul", gC, repeatPerGroup(bias, G, C)), bC);
    return [groupNormChannels(x, g2, b2, G, eps)];
  };
  return { op: "GroupNorm (fused)", where: norm.where, inputs, outputs: add.outputs, attributes: [], run };
}

/**
 * The step through v's storage along x's channel axis when v broadcasts against `shape` along axis 1 only (0 when v has
 * one value), else null (then v is not one value per channel).
 */
function channelStride(v: NDArray, shape: readonly number[]): number | null {
  if (v.ndim > shape.length) return null;
  const lead = shape.length - v.ndim;
  let stride = 0;
  for (let k = 0; k < v.ndim; k++) {
    const d = v.shape[k]!;
    if (d === 1) continue;
    if (!(lead + k === 1 && d === shape[1])) return null;
    stride = v.strides[k]!;
  }
  return stride;
}

/**
 * γ'[c] = γ[c]·scale[g] and β'[c] = γ[c]·B[g] + β[c] (g the group of channel c) in one loop over the host values, each
 * product and sum stored in the dtype as the elementwise ops store theirs, so γ', β' equal the ops' path (mul, mul, add)
 * bit for bit without its five small ops and their arrays; null when an operand lives on a device.
 */
function foldOnHost(
  gamma: NDArray,
  gStride: number,
  beta: NDArray,
  bStride: number,
  scale: NDArray,
  bias: NDArray,
  C: number,
  G: number,
): [NDArray, NDArray] | null {
  const gd = gamma.storage,
    bd = beta.storage,
    sd = scale.storage,
    Bd = bias.storage;
  if (isDeviceStorage(gd) || isDeviceStorage(bd) || isDeviceStorage(sd) || isDeviceStorage(Bd)) return null;
  const f32 = gamma.dtype === "float32";
  const g2 = f32 ? new Float32Array(C) : new Float64Array(C),
    b2 = f32 ? new Float32Array(C) : new Float64Array(C);
  const cpg = C / G;
  for (let g = 0; g < G; g++) {
    const s = sd[scale.offset + g * scale.strides[0]!]!,
      B = Bd[bias.offset + g * bias.strides[0]!]!;
    for (let c = g * cpg; c < (g + 1) * cpg; c++) {
      const gc = gd[gamma.offset + c * gStride]!;
      g2[c] = gc * s;
      b2[c] = gc * B; // rounded to the dtype here, as binary("mul") stores it, before β is added
      b2[c] = b2[c]! + bd[beta.offset + c * bStride]!;
    }
  }
  return [new NDArray(g2, [C]), new NDArray(b2, [C])];
}
