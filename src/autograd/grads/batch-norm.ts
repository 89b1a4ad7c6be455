// Gradient rule of npx.batchNorm in training mode (batch statistics) and predict mode (the affine map of the running ones).
import { NDArray } from "../../ndarray/ndarray.js";
import type { Storage } from "../../ndarray/storage.js";
import { contiguous } from "../../ops/shape.js";
import { backendFor } from "../../backends/dispatch.js";
import { binary as b, unary as u } from "../../ops/elementwise.js";
import { reduce } from "../../ops/reduce.js";
import { reshape } from "../../ops/shape.js";
import { isRecording } from "../../tape/tape.js";
import type { GradContext, RuleSet } from "./rule.js";

/**
 * Per-channel values (the forward's statistics buffer, or a strided 1-D view) copied into an unrecorded array of
 * `like`'s dtype and device, shape `shape` (float64 statistics round once to float32 data, as a typed-array set).
 */
function constant(src: Storage, strides: readonly number[], offset: number, shape: number[], like: NDArray): NDArray {
  const be = backendFor(like);
  const n = shape.reduce((p, d) => p * d, 1);
  const d = be.allocate(like.dtype, n);
  be.unaryInto("identity", [n], { data: d, strides: [1], offset: 0 }, { data: src, strides, offset });
  return new NDArray(d, shape);
}

/**
 * The same gradients written in recorded ops (createGraph), x viewed as [outer, C, inner] and the statistics as
 * [1, C, 1]; training recomputes μ and σ² from x so their dependence on x is differentiated too. The predict-mode
 * statistics are the values the forward read (attrs), joined to the recorded running arrays by r − r̃ + r_fwd (r̃: r's
 * current values, unrecorded), so the value is the forward's and the gradient reaches r.
 */
function recordedBatchNormGrad({ g, inputs, attrs, needs }: GradContext<"batch_norm">): (NDArray | null)[] {
  const [x, gamma, , runMean, runVar] = inputs as NDArray[];
  const view = attrs.view;
  const C = view.channels;
  const shape3 = [view.outer, C, view.inner],
    vec3 = [1, C, 1];
  const xv = reshape(x!, shape3),
    gv = reshape(g, shape3),
    gam = reshape(gamma!, vec3);
  const eps = attrs.eps;
  const sum = (a: NDArray) => reduce("sum", a, { axis: [0, 2], keepdims: true });
  const toC = (a: NDArray | null) => a && reshape(a, [C]);
  if (attrs.mode === "train") {
    const M = view.outer * view.inner;
    const mean = reduce("mean", xv, { axis: [0, 2], keepdims: true });
    const xc = b("sub", xv, mean);
    const invstd = b("div", 1, u("sqrt", b("add", reduce("mean", b("mul", xc, xc), { axis: [0, 2], keepdims: true }), eps)));
    const xhat = b("mul", xc, invstd);
    const sg = sum(gv),
      sgx = sum(b("mul", gv, xhat));
    // dx = γ·invstd·(dy − Σdy/M − x̂·Σ(dy·x̂)/M)
    const dx = needs[0] ? reshape(b("mul", b("mul", gam, invstd), b("sub", b("sub", gv, b("div", sg, M)), b("mul", xhat, b("div", sgx, M)))), x!.shape) : null;
    return [dx, needs[1] ? toC(sgx) : null, needs[2] ? toC(sg) : null, null, null];
  }
  const stat = (arr: NDArray, fwd: Storage) => {
    const v = constant(fwd, [1], 0, vec3, x!);
    if (!arr.tapeNode && !arr.gradReq) return v;
    const now = constant(arr.storage, arr.strides, arr.offset, vec3, x!);
    return b("add", b("sub", reshape(arr, vec3), now), v);
  };
  const mu = stat(runMean!, attrs.runMean),
    v = stat(runVar!, attrs.runVar);
  const s = b("div", 1, u("sqrt", b("add", v, eps)));
  const xc = b("sub", xv, mu);
  const sg = sum(gv),
    sgx = sum(b("mul", gv, xc));
  return [
    needs[0] ? reshape(b("mul", b("mul", gam, s), gv), x!.shape) : null,
    needs[1] ? toC(b("mul", s, sgx)) : null,
    needs[2] ? toC(sg) : null,
    needs[3] ? toC(b("mul", b("mul", u("neg", gam), s), sg)) : null,
    needs[4] ? toC(b("mul", b("mul", b("mul", gam, -0.5), b("mul", s, b("mul", s, s))), sgx)) : null,
  ];
}

export const batchNormRules: RuleSet<"batch_norm"> = {
  // training, x̂ = (x − μ)/σ over the batch: dβ = Σ dy, dγ = Σ dy·x̂, dx = γ/σ·(dy − mean(dy) − x̂·mean(dy·x̂));
  //   the running statistics do not enter y: no gradient.
  // predict, y = γ·(x − μ_r)·s + β with s = 1/√(σ²_r + eps): dx = γ·s·dy, dγ = Σ dy·(x − μ_r)·s, dβ = Σ dy,
  //   dμ_r = −γ·s·Σ dy, dσ²_r = −½·γ·s³·Σ dy·(x − μ_r).
  // (fused loops; under createGraph the same formulas in recorded ops, recordedBatchNormGrad)
  batch_norm: (ctx) => {
    if (isRecording()) return recordedBatchNormGrad(ctx);
    const {
      g,
      inputs: [x, gamma],
      attrs,
      needs,
    } = ctx;
    const view = attrs.view;
    const C = view.channels;
    const dt = x!.dtype;
    const xd = contiguous(x!).storage,
      dy = contiguous(g).storage,
      gd = contiguous(gamma!).storage;
    const be = backendFor(g);
    const dx = needs[0] ? be.allocate(dt, x!.size) : null;
    const dgamma = needs[1] ? be.allocate(dt, C) : null;
    const dbeta = needs[2] ? be.allocate(dt, C) : null;
    if (attrs.mode === "train") {
      be.batchNormTrainBackward(view, xd, dy, gd, attrs.mean, attrs.invstd, dx, dgamma, dbeta);
      return [dx && new NDArray(dx, x!.shape), dgamma && new NDArray(dgamma, [C]), dbeta && new NDArray(dbeta, [C]), null, null];
    }
    const dmean = needs[3] ? be.allocate(dt, C) : null;
    const dvar = needs[4] ? be.allocate(dt, C) : null;
    be.batchNormPredictBackward(view, xd, dy, gd, attrs.runMean, attrs.runVar, attrs.eps, dx, { dgamma, dbeta, dmean, dvar });
    const vecOf = (d: Storage | null) => d && new NDArray(d, [C]);
    return [dx && new NDArray(dx, x!.shape), vecOf(dgamma), vecOf(dbeta), vecOf(dmean), vecOf(dvar)];
  },
};
