// Gradient rules of npx.pooling and of its gradient ops (pooling_backward, pooling_gather), each the other's transpose.
import { poolingBackward, poolingGather, poolingWithGeometry } from "../../ops/pooling.js";
import type { RuleSet } from "./rule.js";

export const poolingRules: RuleSet<"pooling" | "pooling_backward" | "pooling_gather"> = {
  // max: dx[argmax(o)] += dy[o], the first maximum of each window in row-major order (MXNet's tie rule);
  // sum: dx[i] = Σ_{windows o ∋ i} dy[o];  avg: the same with dy[o] / count(o), count as in the forward.
  pooling: ({ g, inputs: [x], attrs }) => [poolingBackward(attrs.geometry, g, attrs.argmax, x!.shape)],
  // dx = Pᵀ·dy (P: the pooling's linear map for avg/sum, the winners' selection for max)  ⇒  d dy = P·g:
  //   avg/sum pool g again, max gathers g at the winners (the winners are constant: the second derivative of max is 0 a.e.)
  pooling_backward: ({ g, attrs }) => {
    const { geometry: geo, argmax } = attrs;
    if (geo.poolType !== "max") return [poolingWithGeometry(geo, g)];
    if (!argmax) throw new Error("pooling backward: max pooling recorded without its argmax");
    return [poolingGather(geo, g, argmax)];
  },
  // y = S·x (S selects the winners)  ⇒  dx = Sᵀ·dy, the max scatter
  pooling_gather: ({ g, attrs }) => [poolingBackward(attrs.geometry, g, attrs.argmax, attrs.inShape)],
};
