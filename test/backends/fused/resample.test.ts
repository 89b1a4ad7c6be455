// The CPU backend's per-axis resampling (its last-axis loop) against the reference loops, bit for bit.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { resampleAxis } from "../../../src/backends/fused/resample.js";
import { resampleAxis as reference } from "../../../src/backends/reference/resample.js";

test("resampleAxis: every axis (inner 1, 2, 5), taps with zero and non-zero second weights, ±Inf and NaN inputs, equals the reference bit for bit", () => {
  fc.assert(
    fc.property(
      fc.record({
        outer: fc.integer({ min: 1, max: 4 }),
        inSize: fc.integer({ min: 1, max: 6 }),
        outSize: fc.integer({ min: 1, max: 9 }),
        inner: fc.constantFrom(1, 1, 2, 5),
        f64: fc.boolean(),
        seed: fc.integer({ min: 1, max: 1 << 30 }),
      }),
      ({ outer, inSize, outSize, inner, f64, seed }) => {
        let s = seed;
        const next = () => {
          s = (s * 1103515245 + 12345) >>> 0;
          return s / 2 ** 32;
        };
        const taps = {
          i0: Int32Array.from({ length: outSize }, () => Math.floor(next() * inSize)),
          i1: Int32Array.from({ length: outSize }, () => Math.floor(next() * inSize)),
          l0: Float64Array.from({ length: outSize }, () => next()),
          // a third of the second weights are 0 (edges, nearest): then an infinite neighbour must not make NaN
          l1: Float64Array.from({ length: outSize }, () => (next() < 0.33 ? 0 : next())),
        };
        const n = outer * inSize * inner;
        const make = (len: number) => (f64 ? new Float64Array(len) : new Float32Array(len));
        const x = make(n).map(() => {
          const u = next();
          return u < 0.05 ? Infinity : u < 0.1 ? -Infinity : u < 0.12 ? NaN : u * 8 - 4;
        });
        const got = make(outer * outSize * inner),
          want = make(outer * outSize * inner);
        resampleAxis(x, outer, inSize, inner, taps, got);
        reference(x, outer, inSize, inner, taps, want);
        for (let i = 0; i < want.length; i++) assert.ok(Object.is(got[i], want[i]), `[${i}] ${got[i]} vs ${want[i]}`);
      },
    ),
    { numRuns: 300, seed: 41 },
  );
});

test("resampleAxis float32 rows (inner 3 to 13: four per iteration and the rest), taps with zero and non-zero second weights, ±Inf and NaN inputs: equal to the reference bit for bit", () => {
  fc.assert(
    fc.property(
      fc.record({
        outer: fc.integer({ min: 1, max: 3 }),
        inSize: fc.integer({ min: 1, max: 6 }),
        outSize: fc.integer({ min: 1, max: 9 }),
        inner: fc.integer({ min: 3, max: 13 }),
        seed: fc.integer({ min: 1, max: 1 << 30 }),
      }),
      ({ outer, inSize, outSize, inner, seed }) => {
        let s = seed;
        const next = () => {
          s = (s * 1103515245 + 12345) >>> 0;
          return s / 2 ** 32;
        };
        const taps = {
          i0: Int32Array.from({ length: outSize }, () => Math.floor(next() * inSize)),
          i1: Int32Array.from({ length: outSize }, () => Math.floor(next() * inSize)),
          l0: Float64Array.from({ length: outSize }, () => next()),
          l1: Float64Array.from({ length: outSize }, () => (next() < 0.33 ? 0 : next())),
        };
        const x = new Float32Array(outer * inSize * inner).map(() => {
          const u = next();
          return u < 0.05 ? Infinity : u < 0.1 ? -Infinity : u < 0.12 ? NaN : u * 8 - 4;
        });
        const got = new Float32Array(outer * outSize * inner),
          want = new Float32Array(outer * outSize * inner);
        resampleAxis(x, outer, inSize, inner, taps, got);
        reference(x, outer, inSize, inner, taps, want);
        for (let i = 0; i < want.length; i++) assert.ok(Object.is(got[i], want[i]), `[${i}] ${got[i]} vs ${want[i]}`);
      },
    ),
    { numRuns: 200, seed: 42 },
  );
});
