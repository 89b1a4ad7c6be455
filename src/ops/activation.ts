// npx.leakyRelu (MXNet's LeakyReLU op: leaky, elu, selu, gelu) and softsign: validate, run the fused loops, record.
import { NDArray } from "../ndarray/ndarray.js";
import { allocate } from "../ndarray/strided.js";
import { recordOp } from "../autograd/tape.js";
import { readEnum, readNumber, showValue, snapshotOptions } from "../params/options.js";
import { type LeakyActType, leakyForward, softsignForward } from "../backends/fused/activation.js";
import { contiguous } from "./shape.js";

export type { LeakyActType } from "../backends/fused/activation.js";

export interface LeakyReluOptions {
  /** "leaky" (default), "elu", "selu" or "gelu" */
  actType?: LeakyActType;
  /** leaky: the negative slope; elu: α. Default 0.25 (MXNet's op; Gluon's LeakyReLU(alpha) passes alpha) */
  slope?: number;
}

export const LEAKY_ACT_TYPES: readonly LeakyActType[] = ["leaky", "elu", "selu", "gelu"];

function checkInput(where: string, x: unknown): asserts x is NDArray {
  if (!(x instanceof NDArray)) throw new Error(`${where}: input must be an NDArray, got ${showValue(x)}`);
}

/**
 * MXNet's LeakyReLU: leaky x>0 ? x : slope·x; elu x>0 ? x : slope·(eˣ − 1); selu λ·(x>0 ? x : α(eˣ − 1)) with
 * λ ≈ 1.0507, α ≈ 1.6733; gelu x·Φ(x) = ½x(1 + erf(x/√2)) (the exact form, as MXNet).
 */
export function leakyRelu(x: NDArray, options?: LeakyReluOptions): NDArray {
  checkInput("leakyRelu", x);
  const o = snapshotOptions("leakyRelu", options, ["actType", "slope"]);
  const actType = readEnum("leakyRelu", "actType", o.actType, LEAKY_ACT_TYPES, "leaky");
  const slope = readNumber("leakyRelu", "slope", o.slope, 0.25);
  const y = allocate(x.dtype, x.size);
  leakyForward(actType, slope, contiguous(x).data, y);
  return recordOp("leaky_relu", [x], new NDArray(y, x.shape), { actType, slope });
}

/** softsign: x / (1 + |x|). */
export function softsign(x: NDArray): NDArray {
  checkInput("softsign", x);
  const y = allocate(x.dtype, x.size);
  softsignForward(contiguous(x).data, y);
  return recordOp("softsign", [x], new NDArray(y, x.shape));
}
