// np.pad: a new array with `[before, after]` elements around each axis: a constant here, numpy's reflect / edge / wrap
// through the padding-mode border op (padBorder, whose adjoint is its gradient).
import { NDArray } from "../ndarray/ndarray.js";
import { formatShape } from "../ndarray/strided.js";
import { backendFor } from "../backends/dispatch.js";
import { recordOp } from "../tape/tape.js";
import type { PaddingMode } from "../params/padding-mode.js";
import { padBorder } from "./pad.js";
import { snapshotOptions } from "../params/options.js";

/** numpy's mode names: "constant", "reflect" (d c b | a b c d | c b a), "edge" (a a | a b c d | d d), "wrap" (c d | a b c d | a b). */
export type PadMode = "constant" | "reflect" | "edge" | "wrap";
const BORDER_MODES: Readonly<Record<Exclude<PadMode, "constant">, PaddingMode>> = { reflect: "reflect", edge: "replicate", wrap: "circular" };

export interface PadOptions {
  /** default "constant" (the value of constantValues) */
  mode?: PadMode;
  /** the fill value of mode "constant"; default 0 */
  constantValues?: number;
}

/** numpy's pad_width: a number, one [before, after] pair for all axes, or one pair per axis; values ≥ 0. */
export function resolvePadWidth(shape: readonly number[], padWidth: unknown, op = "np.pad"): [number, number][] {
  const nd = shape.length;
  const ok = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0;
  let pairs: unknown[];
  if (typeof padWidth === "number") pairs = Array.from({ length: nd }, () => [padWidth, padWidth]);
  else if (Array.isArray(padWidth) && padWidth.length === 2 && padWidth.every((v) => typeof v === "number")) pairs = Array.from({ length: nd }, () => padWidth);
  else if (Array.isArray(padWidth)) pairs = padWidth;
  else throw new Error(`${op}: padWidth must be a number or [before, after] pairs, got ${JSON.stringify(padWidth)}`);
  if (pairs.length !== nd)
    throw new Error(`${op}: padWidth ${JSON.stringify(padWidth)} needs one [before, after] pair per axis of shape ${formatShape(shape)}`);
  return pairs.map((p, i) => {
    if (!Array.isArray(p) || p.length !== 2 || !ok(p[0]) || !ok(p[1]))
      throw new Error(`${op}: padWidth entry ${JSON.stringify(p)} for axis ${i} must be a pair of integers >= 0`);
    return [p[0], p[1]] as [number, number];
  });
}

export function pad(x: NDArray, padWidth: number | readonly number[] | readonly (readonly number[])[], options?: PadOptions): NDArray {
  if (!(x instanceof NDArray)) throw new Error("np.pad: x must be an NDArray");
  const o = snapshotOptions("np.pad", options, ["mode", "constantValues"]);
  const mode = (o.mode ?? "constant") as PadMode;
  if (mode !== "constant") {
    if (!Object.hasOwn(BORDER_MODES, mode)) throw new Error(`np.pad: mode "${String(mode)}" is not supported; use "constant", "reflect", "edge" or "wrap"`);
    return padByMode(x, padWidth, mode, o.constantValues);
  }
  const value = o.constantValues ?? 0;
  if (typeof value !== "number") throw new Error(`np.pad: constantValues must be a number, got ${typeof value}`);
  const pads = resolvePadWidth(x.shape, padWidth);
  const shape = x.shape.map((d, i) => d + pads[i]![0] + pads[i]![1]);
  const nd = shape.length;
  const be = backendFor(x);
  const out = be.allocate(
    x.dtype,
    shape.reduce((p, d) => p * d, 1),
  );
  const outStrides = new Array<number>(nd);
  for (let i = nd - 1, s = 1; i >= 0; s *= shape[i]!, i--) outStrides[i] = s;
  // the fill, then x copied into the interior view (two strided copies on any backend)
  if (value !== 0) be.unaryInto("identity", shape, { data: out, strides: outStrides, offset: 0 }, be.scalar(value, nd));
  if (x.size > 0) {
    const interior = pads.reduce((o, [b], i) => o + b * outStrides[i]!, 0);
    be.unaryInto("identity", x.shape, { data: out, strides: outStrides, offset: interior }, { data: x.storage, strides: x.strides, offset: x.offset });
  }
  return recordOp("pad", [x], new NDArray(out, shape), { pads, constantValues: value });
}

/**
 * reflect / edge / wrap. A pad longer than one reflection (or one wrap) repeats the pattern, as numpy: reflect keeps
 * reflecting at the edges (a triangle wave of period 2(n − 1); a single element is repeated, numpy's legacy rule) and
 * wrap keeps wrapping (period n). numpy fills long pads in rounds, which gives these values when the two pads of an
 * axis are equal or one is 0; when they differ, numpy 1.24 drops values of the repetition (numpy issues #25926 for
 * reflect, #22464 for wrap, the latter fixed in numpy 2), and tconv keeps the regular pattern. The modes read an
 * element, so a padded axis must not be empty.
 */
function padByMode(x: NDArray, padWidth: unknown, mode: Exclude<PadMode, "constant">, constantValues: unknown): NDArray {
  if (constantValues !== undefined) throw new Error(`np.pad: constantValues is used by mode "constant" only (got mode "${mode}")`);
  const pads = resolvePadWidth(x.shape, padWidth);
  const axes: number[] = [];
  pads.forEach(([b, e], axis) => {
    if (b === 0 && e === 0) return;
    if (x.shape[axis] === 0)
      throw new Error(`np.pad: mode "${mode}" needs a non-empty axis, but axis ${axis} of shape ${formatShape(x.shape)} is empty and has pads [${b}, ${e}]`);
    axes.push(axis);
  });
  return padBorder(x, { mode: BORDER_MODES[mode], axes, padBegin: axes.map((a) => pads[a]![0]), padEnd: axes.map((a) => pads[a]![1]), smallShape: x.shape });
}
