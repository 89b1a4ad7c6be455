// Gradient rules of npx.leakyRelu and softsign (fused loops in backends/fused/activation.ts).
import { NDArray } from "../../ndarray/ndarray.js";
import { allocate } from "../../ndarray/strided.js";
import { contiguous } from "../../ops/shape.js";
import { type LeakyActType, leakyBackward, softsignBackward } from "../../backends/fused/activation.js";
import type { GradRule } from "./rule.js";

export const activationRules: Record<string, GradRule> = {
  // dx = dy·f′(x): leaky [x>0] + slope·[x≤0]; elu slope·eˣ for x ≤ 0; selu λ or λα·eˣ; gelu Φ(x) + x·φ(x)
  leaky_relu: ({ g, inputs: [x], attrs }) => {
    const dx = allocate(x!.dtype, x!.size);
    leakyBackward(attrs.actType as LeakyActType, attrs.slope as number, contiguous(x!).data, contiguous(g).data, dx);
    return [new NDArray(dx, x!.shape)];
  },
  // d softsign x = dx / (1 + |x|)²
  softsign: ({ g, inputs: [x] }) => {
    const dx = allocate(x!.dtype, x!.size);
    softsignBackward(contiguous(x!).data, contiguous(g).data, dx);
    return [new NDArray(dx, x!.shape)];
  },
};
