// The CPU backend's convolution plus residual (conv-dispatch.ts imageToGridAdd) against imageToGrid and the add, bit for bit, on every algorithm it can pick.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { imageToGrid, imageToGridAdd } from "../../../src/backends/cpu/conv-dispatch.js";
import { hooks } from "../../../src/backends/hooks.js";
import { resolveConv } from "../../../src/params/conv-params.js";
import { randomArray } from "../../helpers/geometry-arb.js";

test("imageToGridAdd equals imageToGrid then the elementwise add bit for bit: wasm im2col and depthwise (the residual added in the arena), direct and float64 reference, and residuals with ±Inf and NaN", () => {
  fc.assert(
    fc.property(
      fc.record({
        depthwise: fc.boolean(),
        channels: fc.integer({ min: 8, max: 40 }),
        length: fc.integer({ min: 1, max: 300 }),
        k: fc.constantFrom(1, 3),
        dtype: fc.constantFrom("float32" as const, "float32" as const, "float64" as const),
        special: fc.boolean(),
        bias: fc.boolean(),
        seed: fc.integer({ min: 1, max: 1 << 30 }),
      }),
      ({ depthwise, channels, length, k, dtype, special, bias, seed }) => {
        const Cg = depthwise ? channels : channels + 3;
        const groups = depthwise ? channels : 1;
        const g = resolveConv("convolution", [1, channels, length], [Cg, channels / groups, k], { groups, padding: (k - 1) / 2 }).geometry;
        const make = (a: Float32Array) => (dtype === "float32" ? a : Float64Array.from(a));
        const image = make(randomArray(channels * length, seed)),
          w = make(randomArray((Cg * channels * k) / groups, seed + 1)),
          b = bias ? make(randomArray(Cg, seed + 2)) : null,
          r = make(randomArray(Cg * length, seed + 3));
        if (special) (r[0] = Infinity), (r[r.length >> 1] = NaN), (r[r.length - 1] = -Infinity);
        const want = imageToGrid(g, dtype, image, w, b);
        const wantAlg = hooks.lastAlgorithm;
        for (let i = 0; i < want.length; i++) want[i] = want[i]! + r[i]!;
        const got = imageToGridAdd(g, dtype, image, w, b, r);
        assert.equal(got.constructor, want.constructor);
        for (let i = 0; i < want.length; i++) assert.ok(Object.is(got[i], want[i]), `[${i}] ${got[i]} vs ${want[i]} (${wantAlg})`);
      },
    ),
    { numRuns: 120, seed: 91 },
  );
});

test("imageToGridAdd takes the wasm kernels on Conv-TasNet's shapes (1×1 128→64 and depthwise k3 over 1001 positions)", () => {
  for (const [Ci, Cg, groups, k, alg] of [
    [128, 64, 1, 1, "wasm-im2col"],
    [128, 128, 128, 3, "wasm-depthwise"],
  ] as const) {
    const g = resolveConv("convolution", [1, Ci, 1001], [Cg, Ci / groups, k], { groups, padding: (k - 1) / 2 }).geometry;
    const image = randomArray(Ci * 1001, 3),
      w = randomArray((Cg * Ci * k) / groups, 4),
      r = randomArray(Cg * 1001, 5);
    const want = imageToGrid(g, "float32", image, w, null);
    for (let i = 0; i < want.length; i++) want[i] = want[i]! + r[i]!;
    const got = imageToGridAdd(g, "float32", image, w, null, r);
    assert.equal(hooks.lastAlgorithm, alg);
    for (let i = 0; i < want.length; i++) assert.ok(Object.is(got[i], want[i]), `${alg} [${i}]`);
  }
});

test("imageToGrid with a hardswish activation (stored by the wasm im2col and depthwise kernels in float64 lanes) equals the convolution then the hardswish loop bit for bit, also around ±3, at ±0 and for NaN", () => {
  fc.assert(
    fc.property(
      fc.record({
        depthwise: fc.boolean(),
        channels: fc.integer({ min: 8, max: 40 }),
        length: fc.integer({ min: 1, max: 300 }),
        k: fc.constantFrom(1, 3),
        scale: fc.constantFrom(1, 4, 12),
        special: fc.boolean(),
        seed: fc.integer({ min: 1, max: 1 << 30 }),
      }),
      ({ depthwise, channels, length, k, scale, special, seed }) => {
        const Cg = depthwise ? channels : channels + 3;
        const groups = depthwise ? channels : 1;
        const g = resolveConv("convolution", [1, channels, length], [Cg, channels / groups, k], { groups, padding: (k - 1) / 2 }).geometry;
        const image = randomArray(channels * length, seed).map((v) => v * scale),
          w = randomArray((Cg * channels * k) / groups, seed + 1),
          b = randomArray(Cg, seed + 2).map((v) => v * 3);
        if (special) (image[0] = NaN), (b[1] = -3), (b[2] = 3);
        const want = imageToGrid(g, "float32", image, w, b);
        for (let i = 0; i < want.length; i++) {
          const x = want[i]!;
          want[i] = x < -3 ? 0 : x >= 3 ? x : (x * (x + 3)) / 6;
        }
        const got = imageToGrid(g, "float32", image, w, b, { kind: "hardswish" });
        const alg = hooks.lastAlgorithm;
        for (let i = 0; i < want.length; i++) assert.ok(Object.is(got[i], want[i]), `[${i}] ${got[i]} vs ${want[i]} (${alg})`);
      },
    ),
    { numRuns: 120, seed: 92 },
  );
});
