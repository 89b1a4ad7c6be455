// Gradient rules of convolution and transposed convolution w.r.t. input, weight and bias, from the shared geometry.
import type { NDArray } from "../../ndarray/ndarray.js";
import type { ConvGeometry } from "../../params/geometry.js";
import { convolutionWithGeometry, convWeightGrad } from "../../ops/conv.js";
import { reduce } from "../../ops/reduce.js";
import type { RuleSet } from "./rule.js";

/** db[c] = Σ over batch and space of dy[…, c, …]: every axis but the channel axis (1, or last when channels-last). */
function biasGrad(geo: ConvGeometry, dy: NDArray): NDArray {
  const channelAxis = geo.channelsLast ? dy.ndim - 1 : 1;
  return reduce("sum", dy, { axis: [...dy.shape.keys()].filter((a) => a !== channelAxis) });
}

export const convRules: RuleSet<"convolution" | "deconvolution" | "conv_weight_grad"> = {
  // y = conv(x, w) + b  (image x → grid y):
  //   dx = convTranspose(dy, w)          (grid → image, no bias)
  //   dw[a] = Σ_q x[q·s − pad + a·d] · dy[q]
  //   db = Σ_{n, space} dy
  // each a recorded op, so the gradient of a convolution is a transposed convolution and the gradient of that a convolution
  convolution: ({ g, inputs: [x, w], attrs, needs }) => {
    const geo = attrs.geometry;
    return [
      needs[0] ? convolutionWithGeometry("deconvolution", geo, g, w!) : null,
      needs[1] ? convWeightGrad(geo, x!, g) : null,
      ...(attrs.hasBias ? [needs[2] ? biasGrad(geo, g) : null] : []),
    ];
  },
  // y = convTranspose(x, w) + b  (grid x → image y):
  //   dx = conv(dy, w)                   (image → grid, no bias)
  //   dw[a] = Σ_q dy[q·s − pad + a·d] · x[q]   (the filter gradient with image = dy, grid = x)
  //   db = Σ_{n, space} dy
  deconvolution: ({ g, inputs: [x, w], attrs, needs }) => {
    const geo = attrs.geometry;
    return [
      needs[0] ? convolutionWithGeometry("convolution", geo, g, w!) : null,
      needs[1] ? convWeightGrad(geo, g, x!) : null,
      ...(attrs.hasBias ? [needs[2] ? biasGrad(geo, g) : null] : []),
    ];
  },
  // dw = W(image, grid), bilinear: ⟨ddw, W(image, grid)⟩ = ⟨grid, conv(image, ddw)⟩ = ⟨image, convTranspose(grid, ddw)⟩, so
  //   d image = convTranspose(grid, ddw),  d grid = conv(image, ddw)   (the same geometry, ddw as the filter)
  conv_weight_grad: ({ g, inputs: [image, grid], attrs, needs }) => {
    const geo = attrs.geometry;
    return [
      needs[0] ? convolutionWithGeometry("deconvolution", geo, grid!, g) : null,
      needs[1] ? convolutionWithGeometry("convolution", geo, image!, g) : null,
    ];
  },
};
