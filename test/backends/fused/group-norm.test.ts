// The group-norm kernel on inputs whose statistics are known exactly: a large mean that Σx² − (Σx)²/m would cancel.
import { test } from "node:test";
import assert from "node:assert/strict";
import { groupNormForward } from "../../../src/backends/fused/group-norm.js";

test("groupNormForward: offset ± 1 per group (mean the offset, variance exactly 1) gives γ·(±1)/√(1 + eps) + β, also at offsets 1e8 (float64) and 1e6 (float32)", () => {
  // 2 samples × 2 groups × 3 channels × 38 positions: m = 114 per group, not a multiple of 8, so the loops' tails run too
  const v = { batch: 2, groups: 2, channelsPerGroup: 3, inner: 38 };
  const m = v.channelsPerGroup * v.inner,
    C = v.groups * v.channelsPerGroup,
    eps = 1e-5;
  const gamma = [0.5, 1.5, -2, 0.75, 1, 3],
    beta = [1, -1, 0.25, 2, -3, 0.5];
  for (const [dtype, offsets, tol] of [
    ["float64", [1e8, -3e8, 2.5e7, 7], 1e-12],
    ["float32", [1e6, -4e6, 3e5, 7], 1e-6],
  ] as const) {
    const make = dtype === "float64" ? (n: number) => new Float64Array(n) : (n: number) => new Float32Array(n);
    const x = make(2 * C * v.inner),
      y = make(x.length);
    // ±1 alternating inside each (sample, group): Σ(x − offset) = 0 and Σ(x − offset)² = m, both exact
    for (let ng = 0; ng < 4; ng++) for (let j = 0; j < m; j++) x[ng * m + j] = offsets[ng]! + (j % 2 === 0 ? 1 : -1);
    const mean = new Float64Array(4),
      invstd = new Float64Array(4);
    groupNormForward(
      v,
      x,
      make(C).map((_, c) => gamma[c]!),
      make(C).map((_, c) => beta[c]!),
      eps,
      y,
      mean,
      invstd,
    );
    const is = 1 / Math.sqrt(1 + eps);
    for (let ng = 0; ng < 4; ng++) {
      assert.equal(mean[ng], offsets[ng], `${dtype}: mean of (sample, group) ${ng}`);
      assert.ok(Math.abs(invstd[ng]! - is) <= 1e-14, `${dtype}: invstd of ${ng} is ${invstd[ng]}, want ${is}`);
      for (let j = 0; j < m; j++) {
        const c = (ng % 2) * v.channelsPerGroup + Math.floor(j / v.inner);
        const want = gamma[c]! * (j % 2 === 0 ? 1 : -1) * is + beta[c]!;
        const got = y[ng * m + j]!;
        // y = x·a + (β − μ·a) rounds x·a, of size |μ·a|: that rounding (2⁻⁵³·|μ·a| each) is the float64 floor here
        const floor = 4 * Number.EPSILON * Math.abs(offsets[ng]! * gamma[c]! * is);
        assert.ok(
          Math.abs(got - want) <= tol * 4 * Math.max(1, Math.abs(want)) + floor,
          `${dtype}: y at (sample, group) ${ng}, element ${j}: ${got}, want ${want}`,
        );
      }
    }
  }
});
