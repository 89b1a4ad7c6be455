// Gradient rules of convolution and transposed convolution w.r.t. input, weight and bias, from the shared geometry.
import { NDArray } from "../../ndarray/ndarray.js";
import type { ConvGeometry } from "../../params/geometry.js";
import { gridShape, imageShape, weightShape } from "../../params/geometry.js";
import { backendFor } from "../../backends/dispatch.js";
import { contiguous } from "../../ops/shape.js";
import { reduce } from "../../ops/reduce.js";
import { guarded } from "../../ops/guard.js";
import type { GradRule, RuleSet } from "./rule.js";

/** db[c] = Σ over batch and space of dy[…, c, …]: every axis but the channel axis (1, or last when channels-last). */
function biasGrad(geo: ConvGeometry, dy: NDArray): NDArray {
  const channelAxis = geo.channelsLast ? dy.ndim - 1 : 1;
  return reduce("sum", dy, { axis: [...dy.shape.keys()].filter((a) => a !== channelAxis) });
}

export const convRules: RuleSet<"convolution" | "deconvolution"> = {
  // y = conv(x, w) + b  (image x → grid y):
  //   dx = convTranspose(dy, w)          (grid → image, no bias)
  //   dw[a] = Σ_q x[q·s − pad + a·d] · dy[q]
  //   db = Σ_{n, space} dy
  convolution: ({ g, inputs: [x, w], attrs, needs }) => {
    const geo = attrs.geometry;
    const dy = contiguous(g).storage;
    return [
      needs[0] ? new NDArray(guarded("convolution backward", () => backendFor(g).gridToImage(geo, x!.dtype, dy, contiguous(w!).storage, null)), imageShape(geo)) : null,
      needs[1] ? new NDArray(guarded("convolution backward", () => backendFor(g).weightGrad(geo, x!.dtype, contiguous(x!).storage, dy)), weightShape(geo)) : null,
      ...(attrs.hasBias ? [needs[2] ? biasGrad(geo, g) : null] : []),
    ];
  },
  // y = convTranspose(x, w) + b  (grid x → image y):
  //   dx = conv(dy, w)                   (image → grid, no bias)
  //   dw[a] = Σ_q dy[q·s − pad + a·d] · x[q]   (the filter gradient with image = dy, grid = x)
  //   db = Σ_{n, space} dy
  deconvolution: ({ g, inputs: [x, w], attrs, needs }) => {
    const geo = attrs.geometry;
    const dy = contiguous(g).storage;
    return [
      needs[0] ? new NDArray(guarded("deconvolution backward", () => backendFor(g).imageToGrid(geo, x!.dtype, dy, contiguous(w!).storage, null)), gridShape(geo)) : null,
      needs[1] ? new NDArray(guarded("deconvolution backward", () => backendFor(g).weightGrad(geo, x!.dtype, dy, contiguous(x!).storage)), weightShape(geo)) : null,
      ...(attrs.hasBias ? [needs[2] ? biasGrad(geo, g) : null] : []),
    ];
  },
};
