// Gradient rule of npx.batchNorm in training mode (batch statistics) and predict mode (the affine map of the running ones).
import { NDArray } from "../../ndarray/ndarray.js";
import { allocate } from "../../ndarray/strided.js";
import { contiguous } from "../../ops/shape.js";
import { backendFor } from "../../backends/dispatch.js";
import type { ChannelView } from "../../params/kernel-records.js";
import type { GradRule, RuleSet } from "./rule.js";

export const batchNormRules: RuleSet<"batch_norm"> = {
  // training, x̂ = (x − μ)/σ over the batch: dβ = Σ dy, dγ = Σ dy·x̂, dx = γ/σ·(dy − mean(dy) − x̂·mean(dy·x̂));
  //   the running statistics do not enter y: no gradient.
  // predict, y = γ·(x − μ_r)·s + β with s = 1/√(σ²_r + eps): dx = γ·s·dy, dγ = Σ dy·(x − μ_r)·s, dβ = Σ dy,
  //   dμ_r = −γ·s·Σ dy, dσ²_r = −½·γ·s³·Σ dy·(x − μ_r).
  batch_norm: ({ g, inputs: [x, gamma], attrs, needs }) => {
    const view = attrs.view;
    const C = view.channels;
    const dt = x!.dtype;
    const xd = contiguous(x!).storage, dy = contiguous(g).storage, gd = contiguous(gamma!).storage;
    const dx = needs[0] ? allocate(dt, x!.size) : null;
    const dgamma = needs[1] ? allocate(dt, C) : null;
    const dbeta = needs[2] ? allocate(dt, C) : null;
    if (attrs.mode === "train") {
      backendFor(g).batchNormTrainBackward(view, xd, dy, gd, attrs.mean, attrs.invstd, dx, dgamma, dbeta);
      return [dx && new NDArray(dx, x!.shape), dgamma && new NDArray(dgamma, [C]), dbeta && new NDArray(dbeta, [C]), null, null];
    }
    const dmean = needs[3] ? allocate(dt, C) : null;
    const dvar = needs[4] ? allocate(dt, C) : null;
    backendFor(g).batchNormPredictBackward(view, xd, dy, gd, attrs.runMean, attrs.runVar, attrs.eps, dx, { dgamma, dbeta, dmean, dvar });
    const vecOf = (d: ReturnType<typeof allocate> | null) => d && new NDArray(d, [C]);
    return [dx && new NDArray(dx, x!.shape), vecOf(dgamma), vecOf(dbeta), vecOf(dmean), vecOf(dvar)];
  },
};
