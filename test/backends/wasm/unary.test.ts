// The wasm float32 sigmoid (src/backends/wasm/unary.ts, assembly/sigmoid.ts) against the JS loop, bit for bit.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { sigmoidWasm } from "../../../src/backends/wasm/unary.js";
import { BINARY_WASM_MIN } from "../../../src/backends/wasm/elementwise.js";
import { unaryInto } from "../../../src/backends/js/elementwise.js";

test("sigmoidWasm equals the JS loop's f32(1/(1 + exp32Of(−x))) bit for bit: values from −800 to 800, the range edges −745.2 and 709.7, ±0, ±Inf, NaN, subnormals, offsets and tails", () => {
  fc.assert(
    fc.property(
      fc.record({
        n: fc.integer({ min: BINARY_WASM_MIN, max: BINARY_WASM_MIN + 37 }),
        scale: fc.constantFrom(1, 8, 30, 100, 800),
        offset: fc.integer({ min: 0, max: 3 }),
        seed: fc.integer({ min: 1, max: 1 << 30 }),
      }),
      ({ n, scale, offset, seed }) => {
        let s = seed >>> 0;
        const next = () => {
          s = (s * 1103515245 + 12345) >>> 0;
          return s / 2 ** 32;
        };
        const edges = [0, -0, Infinity, -Infinity, NaN, 745.2, -709.7, 745.3, -709.8, 745.1, 1e-40, -1e-40, 88.7, -103.9];
        const a = Float32Array.from({ length: n + offset }, (_, i) => (i < edges.length ? edges[i]! : (next() * 2 - 1) * scale));
        const want = new Float32Array(n),
          got = new Float32Array(n);
        unaryInto("sigmoid", [n], { data: want, strides: [1], offset: 0 }, { data: a, strides: [1], offset });
        assert.equal(sigmoidWasm([n], { data: got, strides: [1], offset: 0 }, { data: a, strides: [1], offset }), true);
        for (let i = 0; i < n; i++) assert.ok(Object.is(got[i], want[i]), `[${i}] x = ${a[i + offset]}: ${got[i]} vs ${want[i]}`);
      },
    ),
    { numRuns: 60, seed: 23 },
  );
});

test("sigmoidWasm declines strided and float64 operands and small calls (the JS loop runs them)", () => {
  const n = 2 * BINARY_WASM_MIN;
  const a = new Float32Array(2 * n);
  assert.equal(sigmoidWasm([n], { data: new Float32Array(n), strides: [1], offset: 0 }, { data: a, strides: [2], offset: 0 }), false);
  assert.equal(sigmoidWasm([n], { data: new Float64Array(n), strides: [1], offset: 0 }, { data: new Float64Array(n), strides: [1], offset: 0 }), false);
  assert.equal(sigmoidWasm([16], { data: new Float32Array(16), strides: [1], offset: 0 }, { data: a, strides: [1], offset: 0 }), false);
});
