// Gradient rules of npx.leakyRelu and softsign (fused loops in backends/fused/activation.ts).
import { NDArray } from "../../ndarray/ndarray.js";
import { contiguous } from "../../ops/shape.js";
import { backendFor } from "../../backends/dispatch.js";
import type { LeakyActType } from "../../params/kernel-records.js";
import type { GradRule, RuleSet } from "./rule.js";

export const activationRules: RuleSet<"leaky_relu" | "softsign" | "prelu"> = {
  // dx = dy·f′(x): leaky [x>0] + slope·[x≤0]; elu slope·eˣ for x ≤ 0; selu λ or λα·eˣ; gelu Φ(x) + x·φ(x)
  leaky_relu: ({ g, inputs: [x], attrs }) => {
    const be = backendFor(g, x!);
    const dx = be.allocate(x!.dtype, x!.size);
    be.leakyBackward(attrs.actType, attrs.slope, contiguous(x!).storage, contiguous(g).storage, dx);
    return [new NDArray(dx, x!.shape)];
  },
  // y = x>0 ? x : γ[c]·x:  dx = dy·(x > 0 ? 1 : γ[c]),  dγ[c] = Σ_{x ≤ 0} dy·x
  prelu: ({ g, inputs: [x, gamma], attrs, needs }) => {
    const be = backendFor(g, x!, gamma!);
    const dx = needs[0] ? be.allocate(x!.dtype, x!.size) : null;
    const dgamma = needs[1] ? be.allocate(gamma!.dtype, gamma!.size) : null;
    const { outer, channels: C, inner } = attrs;
    be.preluBackward(outer!, C!, inner!, contiguous(x!).storage, contiguous(gamma!).storage, contiguous(g).storage, dx, dgamma);
    return [dx && new NDArray(dx, x!.shape), dgamma && new NDArray(dgamma, gamma!.shape)];
  },
  // d softsign x = dx / (1 + |x|)²
  softsign: ({ g, inputs: [x] }) => {
    const be = backendFor(g, x!);
    const dx = be.allocate(x!.dtype, x!.size);
    be.softsignBackward(contiguous(x!).storage, contiguous(g).storage, dx);
    return [new NDArray(dx, x!.shape)];
  },
};
