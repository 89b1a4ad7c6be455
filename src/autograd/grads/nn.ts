import { binary as b, unary as u } from "../../ops/elementwise.js";
import { reduce } from "../../ops/reduce.js";
import { arange } from "../../ndarray/create.js";
import { reshape } from "../../ops/shape.js";
import type { RuleSet } from "./rule.js";

export const nnRules: RuleSet<"softmax" | "log_softmax" | "pick"> = {
  // y = log softmax(x): dx = g − softmax(x)·Σ_axis g,  softmax(x) = exp(y)
  log_softmax: ({ g, output, attrs }) => {
    const axis = attrs.axis;
    return [b("sub", g, b("mul", u("exp", output), reduce("sum", g, { axis, keepdims: true })))];
  },
  // y = softmax(x): dx = y·(g − Σ_axis g·y)
  softmax: ({ g, output, attrs }) => {
    const axis = attrs.axis;
    return [b("mul", output, b("sub", g, reduce("sum", b("mul", g, output), { axis, keepdims: true })))];
  },
  // y = x[…, id, …]: dx = onehot(id along axis) · g   (g broadcast along the axis)
  pick: ({ g, inputs, attrs }) => {
    const x = inputs[0]!;
    const axis = attrs.axis;
    const ids = attrs.ids;
    const classes = reshape(
      arange(x.shape[axis]!, undefined, 1, { dtype: x.dtype }).asInCtx(x.ctx),
      x.shape.map((d, i) => (i === axis ? d : 1)),
    );
    return [b("mul", b("eq", classes, ids), reshape(g, ids.shape))];
  },
};
