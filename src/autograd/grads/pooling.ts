// Gradient rule of npx.pooling.
import { NDArray } from "../../ndarray/ndarray.js";
import { allocate } from "../../ndarray/strided.js";
import { contiguous } from "../../ops/shape.js";
import type { PoolGeometry } from "../../params/pool-params.js";
import { backendFor } from "../../backends/dispatch.js";
import type { GradRule, RuleSet } from "./rule.js";

export const poolingRules: RuleSet<"pooling"> = {
  // max: dx[argmax(o)] += dy[o], the first maximum of each window in row-major order (MXNet's tie rule);
  // sum: dx[i] = Σ_{windows o ∋ i} dy[o];  avg: the same with dy[o] / count(o), count as in the forward.
  pooling: ({ g, inputs: [x], attrs }) => {
    const dx = allocate(x!.dtype, x!.size);
    backendFor(g).poolBackward(attrs.geometry, contiguous(g).storage, dx, attrs.argmax);
    return [new NDArray(dx, x!.shape)];
  },
};
