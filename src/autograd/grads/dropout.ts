// Gradient rule of npx.dropout.
import { NDArray } from "../../ndarray/ndarray.js";
import { allocate } from "../../ndarray/strided.js";
import { contiguous } from "../../ops/shape.js";
import { applyMask } from "../../backends/fused/dropout.js";
import type { GradRule } from "./rule.js";

export const dropoutRules: Record<string, GradRule> = {
  // y = x ⊙ mask (mask fixed in the forward): dx = dy ⊙ mask
  dropout: ({ g, inputs: [x], attrs }) => {
    const dx = allocate(x!.dtype, x!.size);
    applyMask(contiguous(g).data, attrs.mask as Float64Array, attrs.map as Int32Array | Float64Array | null, dx);
    return [new NDArray(dx, x!.shape)];
  },
};
