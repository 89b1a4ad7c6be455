// The border ops behind padding modes: padBorder (pad the image side by a mode) and foldBorder, its exact adjoint.
import { NDArray } from "../ndarray/ndarray.js";
import { recordOp } from "../tape/tape.js";
import { type PaddingMode, sourceTable } from "../params/padding-mode.js";
import type { BorderSpec } from "../params/kernel-records.js";
import { backendFor } from "../backends/dispatch.js";
import { contiguous } from "./shape.js";
import { type ConvGeometry, imageShape } from "../params/geometry.js";

export type { BorderSpec } from "../params/kernel-records.js";

function tablesOf(spec: BorderSpec): { tables: (Int32Array | null)[]; bigShape: number[] } {
  const tables: (Int32Array | null)[] = spec.smallShape.map(() => null);
  const bigShape = [...spec.smallShape];
  spec.axes.forEach((axis, i) => {
    const n = spec.smallShape[axis]!,
      b = spec.padBegin[i]!,
      e = spec.padEnd[i]!;
    bigShape[axis] = n + b + e;
    if (b > 0 || e > 0) tables[axis] = sourceTable(spec.mode, n, b, e);
  });
  return { tables, bigShape };
}

/** x (smallShape) → x padded by the spec's mode: each border position holds the element sourceIndex names. */
export function padBorder(x: NDArray, spec: BorderSpec): NDArray {
  const { tables, bigShape } = tablesOf(spec);
  const be = backendFor(x);
  const out = be.allocate(
    x.dtype,
    bigShape.reduce((p, v) => p * v, 1),
  );
  be.padGather(contiguous(x).storage, spec.smallShape, tables, out, bigShape);
  return recordOp("padBorder", [x], new NDArray(out, bigShape), { spec });
}

/**
 * The adjoint of padBorder: y (padded shape) → smallShape, every border element added onto its source; with `bias`,
 * plus bias[c] along `biasAxis` (written as the fold's starting value: the transposed convolution's bias at no extra pass).
 */
export function foldBorder(y: NDArray, spec: BorderSpec, bias: NDArray | null = null, biasAxis = 1): NDArray {
  const { tables, bigShape } = tablesOf(spec);
  const be = bias ? backendFor(y, bias) : backendFor(y);
  const out = be.allocate(
    y.dtype,
    spec.smallShape.reduce((p, v) => p * v, 1),
  );
  if (bias) be.fillChannels(out, spec.smallShape, biasAxis, contiguous(bias).storage);
  be.foldScatter(contiguous(y).storage, bigShape, tables, out, spec.smallShape);
  return recordOp("foldBorder", bias ? [y, bias] : [y], new NDArray(out, spec.smallShape), { spec, biasAxis });
}

/** The border of a convolution's image side (its spatial axes, by layout) padded with `mode`. */
export function convBorder(g: ConvGeometry, mode: PaddingMode): BorderSpec {
  const first = g.channelsLast ? 1 : 2;
  return { mode, axes: g.imageSize.map((_, i) => first + i), padBegin: g.padBegin, padEnd: g.padEnd, smallShape: imageShape(g) };
}
