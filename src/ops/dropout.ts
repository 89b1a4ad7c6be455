// npx.dropout: inverted dropout with seeded masks in training mode, the identity in predict mode.
import { NDArray } from "../ndarray/ndarray.js";
import { contiguousStrides, elementOffsets } from "../ndarray/strided.js";
import type { Storage } from "../ndarray/storage.js";
import { broadcastStrides } from "../ndarray/broadcast.js";
import { nextUniform } from "../ndarray/random.js";
import { isTraining, recordOp } from "../tape/tape.js";
import { readEnum, readNumber, showValue, snapshotOptions } from "../params/options.js";
import { backendFor } from "../backends/dispatch.js";
import { contiguous } from "./shape.js";

export interface DropoutOptions {
  /** the probability of zeroing an element, in [0, 1); default 0.5 */
  p?: number;
  /** "training" (default): drop only in training mode; "always": drop in predict mode too (MXNet's modes) */
  mode?: "training" | "always";
  /** axes along which one mask value is shared (MXNet's variational dropout); default none */
  axes?: readonly number[];
}

/**
 * MXNet's Dropout: in training mode (autograd.record / trainMode) each element is zeroed with probability p and the
 * rest are scaled by 1/(1 − p); the mask comes from np.random, so np.random.seed makes it repeatable. In predict mode
 * the input is returned unchanged.
 */
export function dropout(x: NDArray, options?: DropoutOptions): NDArray {
  const where = "dropout";
  if (!(x instanceof NDArray)) throw new Error(`${where}: input must be an NDArray, got ${showValue(x)}`);
  const o = snapshotOptions(where, options, ["p", "mode", "axes"]);
  const p = readNumber(where, "p", o.p, 0.5, 0, 1);
  if (p >= 1) throw new Error(`${where}: p=${p} must be in [0, 1) (p = 1 would drop everything)`);
  const mode = readEnum(where, "mode", o.mode, ["training", "always"], "training");
  const axes: number[] = [];
  if (o.axes !== undefined && o.axes !== null) {
    if (!Array.isArray(o.axes)) throw new Error(`${where}: axes=${showValue(o.axes)} must be a list of axes`);
    for (const a of o.axes as unknown[]) {
      if (typeof a !== "number" || !Number.isInteger(a) || a < -x.ndim || a >= x.ndim)
        throw new Error(`${where}: axes=${showValue(o.axes)} must hold axes of the ${x.ndim}-D input in [${-x.ndim}, ${x.ndim - 1}]`);
      axes.push(a < 0 ? a + x.ndim : a);
    }
  }
  if (p === 0 || (mode === "training" && !isTraining())) return x;
  const maskShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const maskSize = maskShape.reduce((s, d) => s * d, 1);
  const be = backendFor(x);
  const mask = be.dropoutMask(maskSize, p, nextUniform);
  const map = maskSize === x.size ? null : elementOffsets(x.shape, broadcastStrides(maskShape, contiguousStrides(maskShape), x.shape), 0);
  const y = be.allocate(x.dtype, x.size);
  be.applyMask(contiguous(x).storage, mask, map, y);
  return recordOp("dropout", [x], new NDArray(y, x.shape), { mask, map });
}

/** y = x ⊙ mask with a mask already drawn (dropout's gradient, recorded as "dropout" so it is differentiable again). */
export function applyDropoutMask(x: NDArray, mask: Storage, map: Int32Array | Float64Array | null): NDArray {
  const be = backendFor(x);
  const y = be.allocate(x.dtype, x.size);
  be.applyMask(contiguous(x).storage, mask, map, y);
  return recordOp("dropout", [x], new NDArray(y, x.shape), { mask, map });
}
