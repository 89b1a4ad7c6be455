// Convolution as a matrix (vec(conv(x)) = W·vec(x), vec(deconvolution(y)) = Wᵀ·vec(y)) and the overlap map of a transposed convolution.
import { NDArray } from "../ndarray/ndarray.js";
import { ones, zeros } from "../ndarray/create.js";
import { type ConvOptions, resolveConv } from "../params/conv-params.js";
import { type ConvGeometry, gridShape, imageShape } from "../params/geometry.js";
import { dataOffset, multiIndices, weightOffset } from "../backends/reference/indexing.js";
import { sourceTable } from "../params/padding-mode.js";
import { shapeSize } from "../ndarray/strided.js";
import { contiguous } from "../ops/shape.js";
import { deconvolution } from "../ops/conv.js";

/**
 * The dense matrix W of `npx.convolution(x, w, params)` for inputs of `inputShape`: shape
 * [size(conv output), size(x)], W[row(n, co, q), col(n, ci, q·s − padBegin + a·d)] = w[co, ci, a].
 * The same W read transposed is `npx.deconvolution` with these params (and outputShape = the input's spatial size).
 * With a `paddingMode`, a tap in the padding adds w onto the column of the element the padding copies (W = W₀·P).
 */
export function convMatrix(inputShape: readonly number[], w: NDArray, params: ConvOptions = {}): NDArray {
  const { geometry: g, paddingMode } = resolveConv("convolution", inputShape, w.shape, params);
  // padded position t = q·s + a·d reads image element table[t] (−1: a zero), per axis
  const tables = g.imageSize.map((n, i) => sourceTable(paddingMode, n, g.padBegin[i]!, g.padEnd[i]!));
  const p: number[] = g.imageSize.map(() => 0);
  const rows = shapeSize(gridShape(g));
  const cols = shapeSize(imageShape(g));
  const W = zeros([rows, cols], { dtype: w.dtype });
  const wd = contiguous(w).data;
  const icPerGroup = g.imageChannels / g.groups;
  const gcPerGroup = g.gridChannels / g.groups;
  const taps = multiIndices(g.kernel);
  for (let n = 0; n < g.batch; n++)
    for (let gc = 0; gc < g.gridChannels; gc++)
      for (const q of multiIndices(g.gridSize)) {
        const row = dataOffset(g, g.gridChannels, g.gridSize, n, gc, q);
        for (let icl = 0; icl < icPerGroup; icl++) {
          const ic = Math.floor(gc / gcPerGroup) * icPerGroup + icl;
          for (const a of taps) {
            if (!sourcePosition(g, tables, q, a, p)) continue;
            W.data[row * cols + dataOffset(g, g.imageChannels, g.imageSize, n, ic, p)] += wd[weightOffset(g, gc, icl, a)]!;
          }
        }
      }
  return W;
}

/** The image position read by grid index q and tap a through the per-axis source tables, into `p`; false for a zero. */
function sourcePosition(g: ConvGeometry, tables: readonly Int32Array[], q: readonly number[], a: readonly number[], p: number[]): boolean {
  for (let i = 0; i < g.nd; i++) {
    const src = tables[i]![q[i]! * g.strides[i]! + a[i]! * g.dilation[i]!]!;
    if (src < 0) return false;
    p[i] = src;
  }
  return true;
}

export interface OverlapParams extends ConvOptions {
  kernelSize: number | readonly number[];
}

/**
 * For each output position of a transposed convolution with these params and a spatial input of
 * `inputShape`, how many input elements write to it. Uneven counts are the checkerboard pattern of
 * Odena et al. (2016), "Deconvolution and Checkerboard Artifacts"; they are even in the interior when
 * the kernel size is divisible by the stride.
 */
export function overlapCount(params: OverlapParams, inputShape: readonly number[]): NDArray {
  const nd = inputShape.length;
  const { kernelSize, ...rest } = params;
  const k = typeof kernelSize === "number" ? new Array<number>(nd).fill(kernelSize) : [...kernelSize];
  if (nd < 1 || nd > 3 || k.length !== nd)
    throw new Error(`overlapCount: inputShape must be 1 to 3 spatial sizes and kernelSize one per axis, got [${inputShape.join(",")}] and [${k.join(",")}]`);
  const y = deconvolution(ones([1, 1, ...inputShape], { dtype: "float64" }), ones([1, 1, ...k], { dtype: "float64" }), { ...rest, layout: undefined, groups: 1 });
  return new NDArray(y.data, y.shape.slice(2));
}
