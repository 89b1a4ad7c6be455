// npx.leakyRelu (MXNet's LeakyReLU op: leaky, elu, selu, gelu) and softsign: validate, run the fused loops, record.
import { NDArray } from "../ndarray/ndarray.js";
import { recordOp } from "../tape/tape.js";
import { readEnum, readNumber, showValue, snapshotOptions } from "../params/options.js";
import { backendFor, fullOn } from "../backends/dispatch.js";
import type { LeakyActType } from "../params/kernel-records.js";
import { formatShape } from "../ndarray/strided.js";
import { contiguous } from "./shape.js";

export type { LeakyActType } from "../params/kernel-records.js";

export interface LeakyReluOptions {
  /** "leaky" (default), "elu", "selu", "gelu" or "prelu" (learned slopes `gamma`) */
  actType?: LeakyActType | "prelu";
  /** prelu: the negative slopes, one per channel (axis 1) or one shared, shape [C] or [1] */
  gamma?: NDArray;
  /** leaky: the negative slope; elu: α. Default 0.25 (MXNet's op; Gluon's LeakyReLU(alpha) passes alpha) */
  slope?: number;
}

export const LEAKY_ACT_TYPES: readonly (LeakyActType | "prelu")[] = ["leaky", "elu", "selu", "gelu", "prelu"];

function checkInput(where: string, x: unknown): asserts x is NDArray {
  if (!(x instanceof NDArray)) throw new Error(`${where}: input must be an NDArray, got ${showValue(x)}`);
}

/**
 * MXNet's LeakyReLU: leaky x>0 ? x : slope·x; elu x>0 ? x : slope·(eˣ − 1); selu λ·(x>0 ? x : α(eˣ − 1)) with
 * λ ≈ 1.0507, α ≈ 1.6733; gelu x·Φ(x) = ½x(1 + erf(x/√2)) (the exact form, as MXNet).
 */
export function leakyRelu(x: NDArray, options?: LeakyReluOptions): NDArray {
  checkInput("leakyRelu", x);
  const o = snapshotOptions("leakyRelu", options, ["actType", "slope", "gamma"]);
  const actType = readEnum("leakyRelu", "actType", o.actType, LEAKY_ACT_TYPES, "leaky");
  if (actType === "prelu") return prelu(x, o.gamma);
  if (o.gamma !== undefined) throw new Error(`leakyRelu: gamma is used by actType "prelu" only (got actType "${actType}")`);
  const slope = readNumber("leakyRelu", "slope", o.slope, 0.25);
  const be = backendFor(x);
  const y = be.allocate(x.dtype, x.size, true);
  be.leakyForward(actType, slope, contiguous(x).storage, y);
  return recordOp("leaky_relu", [x], new NDArray(y, x.shape), { actType, slope });
}

/** softsign: x / (1 + |x|). */
export function softsign(x: NDArray): NDArray {
  checkInput("softsign", x);
  const be = backendFor(x);
  const y = be.allocate(x.dtype, x.size, true);
  be.softsignForward(contiguous(x).storage, y);
  return recordOp("softsign", [x], new NDArray(y, x.shape), {});
}

/** MXNet's LeakyReLU(act_type="prelu"): y = x for x > 0, γ[c]·x otherwise, γ per channel on axis 1 (or one shared). */
function prelu(x: NDArray, gamma: unknown): NDArray {
  const where = "leakyRelu";
  if (!(gamma instanceof NDArray)) throw new Error(`${where}: actType "prelu" needs gamma, an NDArray of slopes, got ${showValue(gamma)}`);
  const C = x.ndim >= 2 ? x.shape[1]! : 1;
  if (gamma.ndim !== 1 || (gamma.shape[0] !== C && gamma.shape[0] !== 1))
    throw new Error(
      `${where}: gamma shape ${formatShape(gamma.shape)} must be [${C}] (one slope per channel on axis 1 of input shape ${formatShape(x.shape)}) or [1]`,
    );
  if (gamma.dtype !== x.dtype) throw new Error(`${where}: gamma is ${gamma.dtype} but the input is ${x.dtype}; convert with astype`);
  const outer = x.ndim >= 2 ? x.shape[0]! : 1;
  const inner = x.ndim >= 2 ? x.shape.slice(2).reduce((p, d) => p * d, 1) : x.size;
  const be = backendFor(x, gamma);
  const y = be.allocate(x.dtype, x.size, true);
  be.preluForward(outer, x.ndim >= 2 ? C : 1, inner, contiguous(x).storage, contiguous(gamma).storage, y);
  return recordOp("prelu", [x, gamma], new NDArray(y, x.shape), { outer, channels: x.ndim >= 2 ? C : 1, inner });
}

/**
 * f′(x) of leakyRelu's act type (leaky 1 | slope; elu 1 | slope·eˣ; selu λ | λα·eˣ; gelu Φ(x) + x·φ(x)), recorded as
 * "leaky_relu_derivative": leaky_relu's gradient is g·f′(x), differentiable again through this op's rule (f″).
 */
export function leakyReluDerivative(x: NDArray, actType: LeakyActType, slope: number): NDArray {
  const be = backendFor(x);
  const xd = contiguous(x).storage;
  const onesData = fullOn(x, [x.size], 1).storage;
  const d = be.allocate(x.dtype, x.size);
  be.leakyBackward(actType, slope, xd, onesData, d);
  return recordOp("leaky_relu_derivative", [x], new NDArray(d, x.shape), { actType, slope });
}
