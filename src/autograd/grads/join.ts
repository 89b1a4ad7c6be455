// Gradient rule of np.concatenate (stack and split are reshape / index views with their own rules).
import { NDArray } from "../../ndarray/ndarray.js";
import type { Index } from "../../ndarray/indexing.js";
import { at, contiguous } from "../../ops/shape.js";
import { isRecording } from "../../tape/tape.js";
import { backendFor } from "../../backends/dispatch.js";
import type { RuleSet } from "./rule.js";

export const joinRules: RuleSet<"concatenate"> = {
  // y = [x₀ | x₁ | …] along the axis: dxₖ = the slice of dy that xₖ filled
  concatenate: ({ g, inputs, attrs, needs }) => {
    if (isRecording()) {
      // createGraph: the slices as recorded index views (their rule scatters back), so the gradient stays differentiable
      const axis = attrs.axis;
      let start = 0;
      return inputs.map((x, k) => {
        const len = x.shape[axis]!;
        const index: Index[] = x.shape.map((_, i) => (i === axis ? ([start, start + len] as const) : null));
        start += len;
        return needs[k] ? at(g, index) : null;
      });
    }
    const blocks = attrs.blocks;
    const outer = attrs.outer;
    const be = backendFor(g);
    const parts = inputs.map((x, k) => (needs[k] ? be.allocate(g.dtype, x.size) : null));
    be.splitRows(contiguous(g).storage, blocks, outer, parts);
    return parts.map((p, k) => p && new NDArray(p, inputs[k]!.shape));
  },
};
