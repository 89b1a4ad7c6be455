// npx.gridSample: PyTorch's grid_sample (bilinear, zeros or border padding, alignCorners), written as four gathers of
// the input weighted by bilinear weights that are recorded functions of the grid, so it differentiates (to any order)
// in the input and the grid. The corner indices are read off the grid's values (piecewise constant in it).
import { NDArray } from "../ndarray/ndarray.js";
import { formatShape } from "../ndarray/strided.js";
import { pause, traceOp, tracing, untraced } from "../tape/tape.js";
import { readBoolean, readEnum, showValue, snapshotOptions } from "../params/options.js";
import { binary } from "./elementwise.js";
import { gatherAxis } from "./gather.js";
import { contiguous, reshape, transpose } from "./shape.js";
import { split } from "./join.js";

export interface GridSampleOptions {
  /** only "bilinear" (default) */
  mode?: "bilinear";
  /** "zeros" (default): outside the input reads 0; "border": coordinates clamped to the edge */
  paddingMode?: "zeros" | "border";
  /** grid −1 and 1 are the centres of the corner pixels (true) or their outer edges (false, default) */
  alignCorners?: boolean;
}

/** Grid coordinates in [−1, 1] → pixel coordinates along an axis of `size` (PyTorch's grid_sampler_unnormalize). */
function unnormalize(g: NDArray, size: number, alignCorners: boolean): NDArray {
  // alignCorners: (g + 1)/2·(size − 1);  otherwise ((g + 1)·size − 1)/2
  return alignCorners ? binary("mul", binary("add", g, 1), (size - 1) / 2) : binary("div", binary("sub", binary("mul", binary("add", g, 1), size), 1), 2);
}

/**
 * y[n, c, i, j] = bilinear sample of x[n, c] at grid[n, i, j] = (x, y) in [−1, 1] (x along the width), as
 * torch.nn.functional.grid_sample(x, grid, mode="bilinear") with padding_mode zeros/border. x [N, C, H, W],
 * grid [N, Ho, Wo, 2] → [N, C, Ho, Wo].
 */
export function gridSample(x: NDArray, grid: NDArray, options?: GridSampleOptions): NDArray {
  const where = "npx.gridSample";
  for (const [name, v] of [
    ["input", x],
    ["grid", grid],
  ] as const)
    if (!(v instanceof NDArray)) throw new Error(`${where}: ${name} must be an NDArray, got ${showValue(v)}`);
  const o = snapshotOptions(where, options, ["mode", "paddingMode", "alignCorners"]);
  readEnum(where, "mode", o.mode, ["bilinear"] as const, "bilinear");
  const paddingMode = readEnum(where, "paddingMode", o.paddingMode, ["zeros", "border"] as const, "zeros");
  const alignCorners = readBoolean(where, "alignCorners", o.alignCorners, false);
  if (x.ndim !== 4) throw new Error(`${where}: input must be 4-D [N, C, H, W], got shape ${formatShape(x.shape)}`);
  const [N, , H, W] = x.shape as [number, number, number, number];
  if (grid.ndim !== 4 || grid.shape[0] !== N || grid.shape[3] !== 2)
    throw new Error(`${where}: grid must be [N, Ho, Wo, 2] with N = ${N}, got shape ${formatShape(grid.shape)} for input ${formatShape(x.shape)}`);
  if (grid.dtype !== x.dtype) throw new Error(`${where}: grid is ${grid.dtype} but the input is ${x.dtype}; convert with astype`);
  if (H === 0 || W === 0) throw new Error(`${where}: input shape ${formatShape(x.shape)} has no pixels to sample`);
  // an export trace sees one GridSample node, not the gathers (whose indices come from the grid's values)
  if (tracing())
    return traceOp(
      "grid_sample",
      [x, grid],
      untraced(() => sample(x, grid, paddingMode, alignCorners)),
      { paddingMode, alignCorners },
    );
  return sample(x, grid, paddingMode, alignCorners);
}

/** The bilinear sampling as recorded ops (arguments checked by gridSample). */
function sample(x: NDArray, grid: NDArray, paddingMode: "zeros" | "border", alignCorners: boolean): NDArray {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [Ho, Wo] = [grid.shape[1]!, grid.shape[2]!];
  const P = N * Ho * Wo;
  const [gx, gy] = split(grid, 2, { axis: 3 }).map((g) => reshape(g, [P])) as [NDArray, NDArray];
  let ix = unnormalize(gx, W, alignCorners);
  let iy = unnormalize(gy, H, alignCorners);
  if (paddingMode === "border") {
    // clamp into [0, size − 1]; on the clamp the gradient is 0 (PyTorch's clip_coordinates_set_grad), at the edge 1
    ix = binary("minimum", binary("maximum", ix, 0), W - 1);
    iy = binary("minimum", binary("maximum", iy, 0), H - 1);
  }
  // corner indices from the coordinates' values: constants of the recorded graph
  const [x0, y0] = pause(() => [ix, iy].map((a) => contiguous(a).hostData.map(Math.floor))) as [Float64Array | Float32Array, Float64Array | Float32Array];
  const fx = binary("sub", ix, new NDArray(x0, [P]));
  const fy = binary("sub", iy, new NDArray(y0, [P]));
  const wx = [binary("sub", 1, fx), fx];
  const wy = [binary("sub", 1, fy), fy];
  // x as [C, N·H·W]: one gather along axis 1 per corner reads every channel of each sample point
  const flat = reshape(transpose(x, [1, 0, 2, 3]), [C, N * H * W]);
  let out: NDArray | null = null;
  for (const dy of [0, 1])
    for (const dx of [0, 1]) {
      const table = new Int32Array(P);
      for (let p = 0; p < P; p++) {
        const cx = x0[p]! + dx;
        const cy = y0[p]! + dy;
        const n = Math.floor(p / (Ho * Wo));
        table[p] = cx >= 0 && cx < W && cy >= 0 && cy < H ? n * H * W + cy * W + cx : -1; // NaN fails every test: −1
      }
      const v = gatherAxis(flat, { axis: 1, table, n: N * H * W, fromData: true });
      const term = binary("mul", v, binary("mul", wy[dy]!, wx[dx]!));
      out = out ? binary("add", out, term) : term;
    }
  return transpose(reshape(out!, [C, N, Ho, Wo]), [1, 0, 2, 3]);
}
