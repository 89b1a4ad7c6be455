// The float32 loops' exp and tanh (exp32Of for exp and sigmoid, tanh32Of for tanh) against Math.exp / Math.tanh rounded to float32.
import { test } from "node:test";
import assert from "node:assert/strict";
import { exp32Of, tanh32Of, unaryRuns } from "../../../src/backends/js/elementwise-loops.generated.js";
import { UNARY } from "../../../src/backends/reference/elementwise.js";

/** A seeded xorshift32 stream of uniform numbers in [0, 1). */
function uniforms(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

/** Distance in float32 units in the last place between two float32 values of the same sign (0 when equal). */
function ulps32(a: number, b: number): number {
  const f = new Float32Array([a, b]);
  const i = new Int32Array(f.buffer);
  return Math.abs(i[0]! - i[1]!);
}

/** Float32 inputs over exp's whole float32 range and past it, denser near 0, with the values where the code branches. */
function inputs(): Float32Array {
  const next = uniforms(20261207);
  const edges = [0, -0, 1e-30, -1e-30, 1e-8, -1e-8, 0.5, -0.5, 88.72, 88.73, 89, -87.3, -103.2, -103.97, -104, -105, 709.7, -745.2, 1e6, -1e6];
  const n = 200_000;
  const x = new Float32Array(n + edges.length);
  for (let i = 0; i < n; i++) {
    const u = next();
    // a third in [-4, 4), a third in [-110, 95), a third of magnitudes 2^-30 … 2^6 with random signs
    x[i] = i % 3 === 0 ? u * 8 - 4 : i % 3 === 1 ? u * 205 - 110 : (next() < 0.5 ? -1 : 1) * 2 ** (u * 36 - 30);
  }
  x.set(edges, n);
  return x;
}

test("exp32Of: rounded to float32 it equals Math.fround(Math.exp(x)) on 200,000 sampled float32 inputs", () => {
  const x = inputs();
  let differ = 0;
  for (const v of x) {
    const want = Math.fround(Math.exp(v));
    const got = Math.fround(exp32Of(v));
    if (got !== want) {
      differ++;
      // a float64 error of a few ulps can only move the rounding by one float32 step
      assert.ok(ulps32(got, want) <= 1, `exp32Of(${v}) = ${got}, Math.exp gives ${want}`);
    }
  }
  // differences need e^x within ~1e-15 of a float32 rounding boundary: expect none in this sample
  assert.ok(differ <= 2, `${differ} of ${x.length} differ by one ulp`);
});

test("exp32Of: NaN, ±Infinity, overflow and underflow", () => {
  assert.ok(Number.isNaN(exp32Of(NaN)));
  assert.equal(exp32Of(Infinity), Infinity);
  assert.equal(exp32Of(-Infinity), 0);
  assert.equal(exp32Of(710), Infinity);
  assert.equal(exp32Of(-746), 0);
  assert.equal(exp32Of(0), 1);
  assert.equal(exp32Of(-0), 1);
  // float32 overflow and its smallest subnormal, where the float64 value decides the rounding
  assert.equal(Math.fround(exp32Of(89)), Infinity);
  assert.equal(Math.fround(exp32Of(-103.2)), Math.fround(Math.exp(-103.2)));
  assert.ok(Math.fround(exp32Of(-103.2)) > 0);
});

test("tanh32Of: NaN, ±0, ±Infinity, both sides of the series' threshold, saturation", () => {
  assert.ok(Number.isNaN(tanh32Of(NaN)));
  assert.ok(Object.is(tanh32Of(0), 0));
  assert.ok(Object.is(tanh32Of(-0), -0));
  assert.equal(tanh32Of(Infinity), 1);
  assert.equal(tanh32Of(-Infinity), -1);
  for (const v of [1e-30, -1e-30, 1e-8, 0.0009765, 0.0009765625, -0.0009766, 0.5, -3, 9, 20, -20, 400])
    assert.equal(Math.fround(tanh32Of(v)), Math.fround(Math.tanh(v)), `tanh32Of(${v})`);
});

test("exp32Of, tanh32Of: the float32 exp, sigmoid and tanh loops match the float64 reference rounded to float32 (tiny and saturated ends included)", () => {
  const x = inputs();
  for (const op of ["exp", "sigmoid", "tanh"] as const) {
    const out = new Float32Array(x.length);
    unaryRuns[op][0]!(out, 0, 1, x, 0, 1, x.length);
    let differ = 0;
    for (let i = 0; i < x.length; i++) {
      const want = Math.fround(UNARY[op](x[i]!));
      if (out[i] !== want) {
        differ++;
        assert.ok(ulps32(out[i]!, want) <= 1, `${op}(${x[i]}) = ${out[i]}, reference ${want}`);
      }
    }
    assert.ok(differ <= 2, `${op}: ${differ} of ${x.length} differ by one ulp`);
  }
});
