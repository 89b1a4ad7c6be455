// npx.instanceNorm and npx.groupNorm outside autograd.record (one fused group-norm kernel) against the recorded float64 ops.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { autograd, type NDArray, np, npx } from "../../src/index.js";
import { cpuBackend } from "../../src/backends/cpu/index.js";

test("instanceNorm and groupNorm unobserved (the fused group-norm kernel) equal the recorded float64 ops: float64 to 1e-12, float32 to 1e-5", () => {
  const original = cpuBackend.groupNormForward;
  let fused = 0;
  cpuBackend.groupNormForward = (...args) => {
    fused++;
    original(...args);
  };
  try {
    fc.assert(
      fc.property(
        fc.record({
          n: fc.integer({ min: 1, max: 3 }),
          groups: fc.integer({ min: 1, max: 3 }),
          perGroup: fc.integer({ min: 1, max: 3 }),
          instance: fc.boolean(),
          spatial: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 3 }),
          eps: fc.constantFrom(1e-5, 1e-3, 0.5),
          seed: fc.integer({ min: 1, max: 1 << 20 }),
          shift: fc.constantFrom(0, 100),
        }),
        (r) => {
          np.random.seed(r.seed);
          const C = r.groups * r.perGroup;
          const shape = [r.n, C, ...r.spatial];
          const norm = (a: NDArray, g: NDArray, b: NDArray) =>
            r.instance ? npx.instanceNorm(a, g, b, { eps: r.eps }) : npx.groupNorm(a, g, b, { numGroups: r.groups, eps: r.eps });
          // a large common offset: the statistics must not lose the variance to cancellation
          const x = np.add(np.random.normal({ size: shape, dtype: "float64" }), r.shift);
          const gamma = np.random.uniform({ low: 0.5, high: 1.5, size: [C], dtype: "float64" });
          const beta = np.random.normal({ size: [C], dtype: "float64" });
          // the reference: the recorded float64 ops
          const want = autograd.record(() => norm(x.attachGrad(), gamma, beta)).asTypedArray();
          for (const [dtype, tol] of [
            ["float64", 1e-12],
            ["float32", 1e-5],
          ] as const) {
            const [xs, gs, bs] = [x, gamma, beta].map((a) => a.astype(dtype)) as [NDArray, NDArray, NDArray];
            const before = fused;
            const fast = norm(xs, gs, bs).asTypedArray();
            assert.equal(fused, before + 1, "the unobserved call ran the fused kernel");
            let err = 0;
            for (let i = 0; i < fast.length; i++) err = Math.max(err, Math.abs(fast[i]! - want[i]!));
            assert.ok(err <= tol * 4, `${dtype} ${JSON.stringify(r)}: max difference ${err}`);
          }
        },
      ),
      { numRuns: 60, seed: 2624 },
    );
  } finally {
    cpuBackend.groupNormForward = original;
  }
});

test("layerNorm unobserved over the last axis (rows through the group-norm kernel) equals the recorded float64 ops: float64 to 1e-12, float32 to 1e-5", () => {
  const original = cpuBackend.groupNormForward;
  let fused = 0;
  cpuBackend.groupNormForward = (...args) => {
    fused++;
    original(...args);
  };
  try {
    fc.assert(
      fc.property(
        fc.record({
          lead: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 2 }),
          d: fc.integer({ min: 1, max: 19 }),
          // trailing size-1 axes keep the rows contiguous; a trailing axis of 3 is not rows (the recorded ops run)
          trail: fc.constantFrom([], [1], [1, 1], [3]),
          transposed: fc.boolean(),
          eps: fc.constantFrom(1e-5, 0.5),
          seed: fc.integer({ min: 1, max: 1 << 20 }),
          shift: fc.constantFrom(0, 100),
        }),
        (r) => {
          np.random.seed(r.seed);
          const shape = [...r.lead, r.d, ...r.trail];
          const axis = r.lead.length;
          const rows = r.trail.every((t) => t === 1);
          // transposed: x is a non-contiguous view (its axes swapped back), values the same
          const raw = np.add(np.random.normal({ size: r.transposed ? [...shape].reverse() : shape, dtype: "float64" }), r.shift);
          const x = r.transposed ? raw.transpose(...[...shape.keys()].reverse()) : raw;
          const gamma = np.random.uniform({ low: 0.5, high: 1.5, size: [r.d], dtype: "float64" });
          const beta = np.random.normal({ size: [r.d], dtype: "float64" });
          const want = autograd.record(() => npx.layerNorm(x.attachGrad(), gamma, beta, { axis, eps: r.eps })).asTypedArray();
          for (const [dtype, tol] of [
            ["float64", 1e-12],
            ["float32", 1e-5],
          ] as const) {
            const [xs, gs, bs] = [x, gamma, beta].map((a) => a.astype(dtype)) as [NDArray, NDArray, NDArray];
            const before = fused;
            const fast = npx.layerNorm(xs, gs, bs, { axis, eps: r.eps });
            assert.deepEqual(fast.shape, shape);
            assert.equal(fused, before + (rows ? 1 : 0), rows ? "rows: the group-norm kernel ran" : "not rows: the recorded ops ran");
            const got = fast.asTypedArray();
            let err = 0;
            for (let i = 0; i < got.length; i++) err = Math.max(err, Math.abs(got[i]! - want[i]!));
            assert.ok(err <= tol * 4, `${dtype} ${JSON.stringify(r)}: max difference ${err}`);
          }
        },
      ),
      { numRuns: 60, seed: 2625 },
    );
  } finally {
    cpuBackend.groupNormForward = original;
  }
});
