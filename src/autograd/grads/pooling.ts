// Gradient rules of npx.pooling and of its gradient ops (pooling_backward, pooling_gather), each the other's transpose.
import type { PoolGeometry } from "../../params/pool-params.js";
import { poolingBackward, poolingGather, poolingWithGeometry } from "../../ops/pooling.js";
import type { GradRule } from "./rule.js";

type Argmax = Int32Array | Float64Array | null;

export const poolingRules: Record<string, GradRule> = {
  // max: dx[argmax(o)] += dy[o], the first maximum of each window in row-major order (MXNet's tie rule);
  // sum: dx[i] = Σ_{windows o ∋ i} dy[o];  avg: the same with dy[o] / count(o), count as in the forward.
  pooling: ({ g, inputs: [x], attrs }) => [poolingBackward(attrs.geometry as PoolGeometry, g, attrs.argmax as Argmax, x!.shape)],
  // dx = Pᵀ·dy (P: the pooling's linear map for avg/sum, the winners' selection for max)  ⇒  d dy = P·g:
  //   avg/sum pool g again, max gathers g at the winners (the winners are constant: the second derivative of max is 0 a.e.)
  pooling_backward: ({ g, attrs }) => {
    const geo = attrs.geometry as PoolGeometry;
    const argmax = attrs.argmax as Argmax;
    return [geo.poolType === "max" ? poolingGather(geo, g, argmax!) : poolingWithGeometry(geo, g)];
  },
  // y = S·x (S selects the winners)  ⇒  dx = Sᵀ·dy, the max scatter
  pooling_gather: ({ g, attrs }) => [poolingBackward(attrs.geometry as PoolGeometry, g, attrs.argmax as Argmax, attrs.inShape as number[])],
};
