// The normalisation loops over a run (sums, affine pass) against plain sequential loops, on every length mod 8 and offset sub-runs.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { affineRun, runSquares, runSum } from "../../../src/backends/fused/run-sums.js";

test("runSum and runSquares: equal to the sequential sums within float64 rounding, for runs of any length and offset", () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 0, maxLength: 40 }),
      fc.nat(),
      fc.nat(),
      fc.boolean(),
      (values, a, b, f32) => {
        const x = f32 ? Float32Array.from(values) : Float64Array.from(values);
        const start = values.length === 0 ? 0 : a % (values.length + 1),
          end = start + (values.length === 0 ? 0 : b % (values.length - start + 1));
        let s = 0,
          abs = 0;
        for (let i = start; i < end; i++) {
          s += x[i]!;
          abs += Math.abs(x[i]!);
        }
        assert.ok(Math.abs(runSum(x, start, end) - s) <= 1e-13 * (abs + 1), `sum over [${start}, ${end})`);
        const mu = end > start ? s / (end - start) : 0;
        let q = 0;
        for (let i = start; i < end; i++) q += (x[i]! - mu) ** 2;
        assert.ok(Math.abs(runSquares(x, start, end, mu) - q) <= 1e-13 * (q + 1), `squares over [${start}, ${end})`);
      },
    ),
    { numRuns: 300, seed: 91 },
  );
  // an empty run is 0, and elements outside the run are not read
  const x = Float64Array.of(1e300, 2, 3, 1e300);
  assert.equal(runSum(x, 1, 3), 5);
  assert.equal(runSquares(x, 1, 3, 2.5), 0.5);
  assert.equal(runSum(x, 2, 2), 0);
});

test("affineRun: y[j] = x[j]·a + b bit for bit on [start, end) of any length and offset, nothing outside the run written", () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 0, maxLength: 40 }),
      fc.nat(),
      fc.nat(),
      fc.double({ min: -10, max: 10, noNaN: true }),
      fc.double({ min: -10, max: 10, noNaN: true }),
      fc.boolean(),
      (values, p, q, a, b, f32) => {
        const x = f32 ? Float32Array.from(values) : Float64Array.from(values);
        const start = values.length === 0 ? 0 : p % (values.length + 1),
          end = start + (values.length === 0 ? 0 : q % (values.length - start + 1));
        const y = f32 ? new Float32Array(x.length).fill(7) : new Float64Array(x.length).fill(7);
        const want = f32 ? new Float32Array(x.length).fill(7) : new Float64Array(x.length).fill(7);
        for (let j = start; j < end; j++) want[j] = x[j]! * a + b;
        affineRun(x, y, start, end, a, b);
        assert.deepEqual(y, want, `[${start}, ${end})`);
      },
    ),
    { numRuns: 200, seed: 92 },
  );
});
