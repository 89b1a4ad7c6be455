// Gradient rules of npx.leakyRelu, prelu and softsign (one backend kernel each; recorded ops under createGraph).
import { NDArray } from "../../ndarray/ndarray.js";
import { contiguous, reshape } from "../../ops/shape.js";
import { binary as b, unary as u } from "../../ops/elementwise.js";
import { leakyReluDerivative } from "../../ops/activation.js";
import { backendFor, zerosOn } from "../../backends/dispatch.js";
import { isRecording } from "../../tape/tape.js";
import { type RuleSet, sumTo } from "./rule.js";

// SELU's λ·α (Klambauer et al. 2017) and 1/√(2π)
const SELU_LAMBDA_ALPHA = 1.0507009873554805 * 1.6732632423543772;
const INV_SQRT_2PI = 0.3989422804014327;

export const activationRules: RuleSet<"leaky_relu" | "leaky_relu_derivative" | "softsign" | "prelu"> = {
  // dx = dy·f′(x): leaky [x>0] + slope·[x≤0]; elu slope·eˣ for x ≤ 0; selu λ or λα·eˣ; gelu Φ(x) + x·φ(x)
  // (one fused loop; under createGraph the product of g and the recorded f′(x))
  leaky_relu: ({ g, inputs: [x], attrs }) => {
    const { actType, slope } = attrs;
    if (isRecording()) return [b("mul", g, leakyReluDerivative(x!, actType, slope))];
    const be = backendFor(g, x!);
    const dx = be.allocate(x!.dtype, x!.size);
    be.leakyBackward(actType, slope, contiguous(x!).storage, contiguous(g).storage, dx);
    return [new NDArray(dx, x!.shape)];
  },
  // y = f′(x): dx = dy·f″(x) with [x≤0] = 1 − [x>0] and eˣ read as e^min(x,0) (no overflow where the mask is 0):
  //   leaky 0; elu slope·eˣ·[x≤0]; selu λα·eˣ·[x≤0]; gelu φ(x)·(2 − x²), φ(x) = e^(−x²/2)/√(2π)
  leaky_relu_derivative: ({ g, inputs: [x], attrs }) => {
    const { actType, slope } = attrs;
    const xx = x!;
    if (actType === "leaky") return [zerosOn(g, xx.shape)]; // piecewise linear: f″ = 0 away from 0
    if (actType === "gelu") {
      const sq = b("mul", xx, xx);
      const phi = b("mul", u("exp", b("mul", sq, -0.5)), INV_SQRT_2PI);
      return [b("mul", g, b("mul", phi, b("sub", 2, sq)))];
    }
    const k = actType === "elu" ? slope : SELU_LAMBDA_ALPHA;
    const negPart = b("mul", b("sub", 1, b("gt", xx, 0)), u("exp", b("minimum", xx, 0)));
    return [b("mul", g, b("mul", negPart, k))];
  },
  // y = x>0 ? x : γ[c]·x:  dx = dy·(x > 0 ? 1 : γ[c]),  dγ[c] = Σ_{x ≤ 0} dy·x
  prelu: ({ g, inputs: [x, gamma], attrs, needs }) => {
    const { outer, channels: C, inner } = attrs;
    if (isRecording()) {
      // x viewed as [outer, C, inner], γ as [1, C or 1, 1]; [x ≤ 0] = 1 − [x > 0]
      const view = [outer, C, inner];
      const xv = reshape(x!, view),
        gv = reshape(g, view);
      const neg = b("sub", 1, b("gt", xv, 0));
      const gb = reshape(gamma!, [1, gamma!.size, 1]);
      const dx = needs[0] ? reshape(b("mul", gv, b("add", b("sub", 1, neg), b("mul", neg, gb))), x!.shape) : null;
      const dgamma = needs[1] ? reshape(sumTo(b("mul", b("mul", gv, xv), neg), [1, gamma!.size, 1]), gamma!.shape) : null;
      return [dx, dgamma];
    }
    const be = backendFor(g, x!, gamma!);
    const dx = needs[0] ? be.allocate(x!.dtype, x!.size) : null;
    const dgamma = needs[1] ? be.allocate(gamma!.dtype, gamma!.size) : null;
    be.preluBackward(outer, C, inner, contiguous(x!).storage, contiguous(gamma!).storage, contiguous(g).storage, dx, dgamma);
    return [dx && new NDArray(dx, x!.shape), dgamma && new NDArray(dgamma, gamma!.shape)];
  },
  // d softsign x = dx / (1 + |x|)²
  softsign: ({ g, inputs: [x] }) => {
    if (isRecording()) {
      const d = b("add", u("abs", x!), 1);
      return [b("div", g, b("mul", d, d))];
    }
    const be = backendFor(g, x!);
    const dx = be.allocate(x!.dtype, x!.size);
    be.softsignBackward(contiguous(x!).storage, contiguous(g).storage, dx);
    return [new NDArray(dx, x!.shape)];
  },
};
