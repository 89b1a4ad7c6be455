// The wasm float32 add/sub/mul/div over rows (src/backends/wasm/elementwise.ts) against the JS loops, bit for bit.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { binaryWasm, BINARY_WASM_MAX, BINARY_WASM_MIN } from "../../../src/backends/wasm/elementwise.js";
import { binaryInto, type StridedView } from "../../../src/backends/js/elementwise.js";

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1103515245 + 12345) >>> 0;
    return s / 2 ** 32;
  };
}

const contiguous = (shape: readonly number[]) => {
  const st = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) st[i] = st[i + 1]! * shape[i + 1]!;
  return st;
};

test("binaryWasm: add, sub, mul and div on NCHW shapes with the second operand whole, per channel, one row, one value, or the first repeated; with offsets, ±0, ±Inf and NaN: the JS loops' bits, and false where it does not apply", () => {
  fc.assert(
    fc.property(
      fc.record({
        op: fc.constantFrom("add" as const, "sub" as const, "mul" as const, "div" as const),
        n: fc.integer({ min: 1, max: 2 }),
        c: fc.integer({ min: 1, max: 70 }),
        hw: fc.integer({ min: 1, max: 300 }),
        pattern: fc.constantFrom("same", "perChannel", "row", "scalar", "swapped"),
        offset: fc.integer({ min: 0, max: 5 }),
        special: fc.boolean(),
        seed: fc.integer({ min: 1, max: 1 << 30 }),
      }),
      ({ op, n, c, hw, pattern, offset, special, seed }) => {
        const next = lcg(seed);
        const shape = [n, c, hw];
        const total = n * c * hw;
        const value = () => {
          const u = next();
          if (special && u < 0.03) return [NaN, Infinity, -Infinity, 0, -0][Math.floor(next() * 5)]!;
          return (next() * 8 - 4) * (u < 0.5 ? 1 : 1e-3);
        };
        const make = (len: number) => Float32Array.from({ length: len + offset }, value);
        const full: StridedView = { data: make(total), strides: contiguous(shape), offset };
        const other: StridedView =
          pattern === "perChannel"
            ? { data: make(c), strides: [0, 1, 0], offset }
            : pattern === "row"
              ? { data: make(hw), strides: [0, 0, 1], offset }
              : pattern === "scalar"
                ? { data: make(1), strides: [0, 0, 0], offset }
                : { data: make(total), strides: contiguous(shape), offset };
        const [a, b] = pattern === "swapped" ? [{ ...other, strides: [0, 1, 0], data: make(c) }, full] : [full, other];
        const want = new Float32Array(total + 3),
          got = new Float32Array(total + 3);
        binaryInto(op, shape, { data: want, strides: contiguous(shape), offset: 3 }, a, b);
        const ran = binaryWasm(op, shape, { data: got, strides: contiguous(shape), offset: 3 }, a, b);
        // a value per channel with two samples does not collapse to rows ([n, c, hw] stays three axes): the JS loops
        const rows = n === 1 || (pattern !== "perChannel" && pattern !== "swapped");
        assert.equal(ran, total >= BINARY_WASM_MIN && rows, `ran on wasm (${total} elements, ${pattern}, n = ${n})`);
        if (!ran) return;
        for (let i = 0; i < want.length; i++) assert.ok(Object.is(got[i], want[i]), `[${i}] ${got[i]} vs ${want[i]}`);
      },
    ),
    { numRuns: 150, seed: 17 },
  );
});

test("binaryWasm declines float64, other ops, transposed reads, small calls and huge ones, and writes in place safely (the result array is an operand)", () => {
  const shape = [64, 200];
  const a = Float32Array.from({ length: 64 * 200 }, (_, i) => Math.sin(i));
  const dense = { strides: [200, 1], offset: 0 };
  assert.equal(
    binaryWasm("add", shape, { data: new Float64Array(a.length), ...dense }, { data: Float64Array.from(a), ...dense }, { data: a, ...dense }),
    false,
  );
  assert.equal(binaryWasm("maximum", shape, { data: new Float32Array(a.length), ...dense }, { data: a, ...dense }, { data: a, ...dense }), false);
  // b read column-major (a transpose): not rows
  const bT = { data: a, strides: [1, 64], offset: 0 };
  assert.equal(binaryWasm("mul", shape, { data: new Float32Array(a.length), ...dense }, { data: a, ...dense }, bT), false);
  assert.equal(
    binaryWasm(
      "mul",
      [4, 4],
      { data: new Float32Array(16), strides: [4, 1], offset: 0 },
      { data: a, strides: [4, 1], offset: 0 },
      { data: a, strides: [4, 1], offset: 0 },
    ),
    false,
  );
  // past BINARY_WASM_MAX elements the JS loops run it (no arena three times the data)
  const big = new Float32Array(BINARY_WASM_MAX + 1);
  const bigView = { data: big, strides: [1], offset: 0 };
  assert.equal(binaryWasm("add", [big.length], bigView, bigView, bigView), false);
  // o is a: the operands are copied in before the result is copied out
  const x = Float32Array.from(a),
    want = new Float32Array(a.length);
  binaryInto("mul", shape, { data: want, ...dense }, { data: a, ...dense }, { data: a, ...dense });
  assert.equal(binaryWasm("mul", shape, { data: x, ...dense }, { data: x, ...dense }, { data: x, ...dense }), true);
  for (let i = 0; i < want.length; i++) assert.ok(Object.is(x[i], want[i]), `[${i}]`);
});
