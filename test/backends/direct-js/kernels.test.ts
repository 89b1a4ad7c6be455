// The direct JS kernels' 1×1 (pointwise) convolution path against the reference loops and against the general sweep.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { directJsBackend } from "../../../src/backends/direct-js/index.js";
import { imageToGrid as reference } from "../../../src/backends/reference/image-to-grid.js";
import { resolveConv } from "../../../src/params/conv-params.js";
import { randomArray } from "../../helpers/geometry-arb.js";

test("pointwise convolution (1×1, stride 1, no padding, channels first): equal to the reference, and bit for bit to the general loop on the same values in channels-last order", () => {
  fc.assert(
    fc.property(
      fc.record({
        batch: fc.integer({ min: 1, max: 2 }),
        groups: fc.constantFrom(1, 2, 3),
        icpg: fc.integer({ min: 1, max: 40 }),
        gcpg: fc.integer({ min: 1, max: 5 }),
        // one position (a squeeze-excite block's FC layers) or small images, 1-D and 2-D
        spatial: fc.constantFrom<number[]>([1, 1], [1], [3, 4], [7], [2, 2]),
        dtype: fc.constantFrom("float32" as const, "float64" as const),
        bias: fc.boolean(),
        seed: fc.integer({ min: 1, max: 1 << 30 }),
      }),
      ({ batch, groups, icpg, gcpg, spatial, dtype, bias, seed }) => {
        const Ci = groups * icpg,
          Cg = groups * gcpg,
          P = spatial.reduce((p, d) => p * d, 1);
        const ones = spatial.map(() => 1);
        const g = resolveConv("convolution", [batch, Ci, ...spatial], [Cg, icpg, ...ones], { groups }).geometry;
        const make = (n: number, s: number) => (dtype === "float32" ? randomArray(n, s) : Float64Array.from(randomArray(n, s)));
        const image = make(batch * Ci * P, seed),
          w = make(Cg * icpg, seed + 1),
          b = bias ? make(Cg, seed + 2) : null;
        const got = directJsBackend.imageToGrid(g, image, w, b, { dtype, threads: 1 });
        const want = new Float64Array(batch * Cg * P);
        reference(g, Float64Array.from(image), Float64Array.from(w), b && Float64Array.from(b), want);
        for (let i = 0; i < want.length; i++)
          assert.ok(
            Math.abs(got[i]! - want[i]!) <= 1e-5 * (1 + icpg),
            `[${i}] ${got[i]} vs ${want[i]} ${JSON.stringify({ batch, groups, icpg, gcpg, spatial, dtype })}`,
          );
        // channels last takes the general sweep: the same products in the same order, so the same bits
        const layout = spatial.length === 2 ? "NHWC" : "NWC";
        const gl = resolveConv("convolution", [batch, ...spatial, Ci], [Cg, ...ones, icpg], { groups, layout }).geometry;
        const imageCl = make(image.length, 0);
        for (let n = 0; n < batch; n++) for (let c = 0; c < Ci; c++) for (let p = 0; p < P; p++) imageCl[(n * P + p) * Ci + c] = image[(n * Ci + c) * P + p]!;
        const cl = directJsBackend.imageToGrid(gl, imageCl, w, b, { dtype, threads: 1 });
        for (let n = 0; n < batch; n++)
          for (let c = 0; c < Cg; c++)
            for (let p = 0; p < P; p++) assert.ok(Object.is(got[(n * Cg + c) * P + p], cl[(n * P + p) * Cg + c]), `bits at n=${n} c=${c} p=${p}`);
      },
    ),
    { numRuns: 150, seed: 77 },
  );
});

test("pointwise convolution at one position, four grid channels at a time: bit for bit the general loop's float32 roundings, and within 1e-5 of the reference", () => {
  fc.assert(
    fc.property(
      fc.record({
        batch: fc.integer({ min: 1, max: 2 }),
        groups: fc.constantFrom(1, 2, 3),
        icpg: fc.integer({ min: 1, max: 300 }),
        // 4 to 11 channels per group: whole blocks of four, and the 1 to 3 left over that run one at a time
        gcpg: fc.integer({ min: 4, max: 11 }),
        bias: fc.boolean(),
        seed: fc.integer({ min: 1, max: 1 << 30 }),
      }),
      ({ batch, groups, icpg, gcpg, bias, seed }) => {
        const Ci = groups * icpg,
          Cg = groups * gcpg;
        const g = resolveConv("convolution", [batch, Ci, 1, 1], [Cg, icpg, 1, 1], { groups }).geometry;
        const image = randomArray(batch * Ci, seed),
          w = randomArray(Cg * icpg, seed + 1),
          b = bias ? randomArray(Cg, seed + 2) : null;
        const got = directJsBackend.imageToGrid(g, image, w, b, { dtype: "float32", threads: 1 });
        const want = new Float64Array(batch * Cg);
        reference(g, Float64Array.from(image), Float64Array.from(w), b && Float64Array.from(b), want);
        for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i]! - want[i]!) <= 1e-5 * (1 + icpg), `[${i}] ${got[i]} vs ${want[i]}`);
        // channels last (NHWC) takes the general sweep, which stores (and so rounds) after every multiply-add
        const gl = resolveConv("convolution", [batch, 1, 1, Ci], [Cg, 1, 1, icpg], { groups, layout: "NHWC" }).geometry;
        const cl = directJsBackend.imageToGrid(gl, image, w, b, { dtype: "float32", threads: 1 });
        for (let i = 0; i < want.length; i++) assert.ok(Object.is(got[i], cl[i]), `bits at ${i}: ${got[i]} vs ${cl[i]}`);
      },
    ),
    { numRuns: 100, seed: 78 },
  );
});
