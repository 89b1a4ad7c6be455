// Convolution as a matrix (vec(conv(x)) = W·vec(x), vec(deconvolution(y)) = Wᵀ·vec(y)) and the overlap map of a transposed convolution.
import { NDArray } from "../ndarray/ndarray.js";
import { ones, zeros } from "../ndarray/create.js";
import { type ConvOptions, resolveConv } from "../params/conv-params.js";
import { gridShape, imageShape } from "../params/geometry.js";
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
  const rows = shapeSize(gridShape(g));
  const cols = shapeSize(imageShape(g));
  const W = zeros([rows, cols], { dtype: w.dtype });
  const wd = contiguous(w).hostData;
  const nd = g.nd,
    cl = g.channelsLast;
  const icPerGroup = g.imageChannels / g.groups;
  const gcPerGroup = g.gridChannels / g.groups;
  const gridSp = shapeSize(g.gridSize),
    imageSp = shapeSize(g.imageSize),
    taps = shapeSize(g.kernel);
  // row-major position strides of the grid, image and kernel boxes
  const boxStrides = (box: readonly number[]) => box.map((_, i) => shapeSize(box.slice(i + 1)));
  const [gS, iS, kS] = [boxStrides(g.gridSize), boxStrides(g.imageSize), boxStrides(g.kernel)];
  for (let n = 0; n < g.batch; n++)
    for (let gc = 0; gc < g.gridChannels; gc++)
      for (let q = 0; q < gridSp; q++) {
        const row = cl ? (n * gridSp + q) * g.gridChannels + gc : (n * g.gridChannels + gc) * gridSp + q;
        for (let icl = 0; icl < icPerGroup; icl++) {
          const ic = Math.floor(gc / gcPerGroup) * icPerGroup + icl;
          for (let a = 0; a < taps; a++) {
            // image position read at q·s − padBegin + a·d on every axis (through the mode's table), or none for a zero
            let p = 0;
            for (let e = 0; e < nd && p >= 0; e++) {
              const qe = Math.floor(q / gS[e]!) % g.gridSize[e]!,
                ae = Math.floor(a / kS[e]!) % g.kernel[e]!;
              const pe = tables[e]![qe * g.strides[e]! + ae * g.dilation[e]!]!;
              p = pe < 0 ? -1 : p + pe * iS[e]!;
            }
            if (p < 0) continue;
            const col = cl ? (n * imageSp + p) * g.imageChannels + ic : (n * g.imageChannels + ic) * imageSp + p;
            const wo = cl ? (gc * taps + a) * icPerGroup + icl : (gc * icPerGroup + icl) * taps + a;
            W.hostData[row * cols + col] = W.hostData[row * cols + col]! + wd[wo]!;
          }
        }
      }
  return W;
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
  const y = deconvolution(ones([1, 1, ...inputShape], { dtype: "float64" }), ones([1, 1, ...k], { dtype: "float64" }), {
    ...rest,
    layout: undefined,
    groups: 1,
  });
  return new NDArray(y.hostData, y.shape.slice(2));
}
