// padBorder / foldBorder: the four modes on a 1-D row (PyTorch's F.pad output), the adjoint pair, layouts.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { NDArray, np } from "../../src/index.js";
import { type BorderSpec, foldBorder, padBorder } from "../../src/ops/pad.js";
import type { PaddingMode } from "../../src/params/padding-mode.js";
import { randn } from "../helpers/gradcheck.js";

const row = (mode: PaddingMode, b: number, e: number, values = [0, 1, 2]) =>
  Array.from(
    padBorder(new NDArray(Float64Array.from(values), [1, 1, values.length]), {
      mode,
      axes: [2],
      padBegin: [b],
      padEnd: [e],
      smallShape: [1, 1, values.length],
    }).asTypedArray(),
  );

test("padBorder on [0, 1, 2] equals torch.nn.functional.pad for every mode", () => {
  // printed by PyTorch 1.13: F.pad(torch.arange(3.).reshape(1, 1, 3), p, mode)
  assert.deepEqual(row("reflect", 2, 2), [2, 1, 0, 1, 2, 1, 0]);
  assert.deepEqual(row("replicate", 2, 2), [0, 0, 0, 1, 2, 2, 2]);
  assert.deepEqual(row("replicate", 6, 0), [0, 0, 0, 0, 0, 0, 0, 1, 2]);
  assert.deepEqual(row("circular", 2, 2), [1, 2, 0, 1, 2, 0, 1]);
  assert.deepEqual(row("circular", 3, 0), [0, 1, 2, 0, 1, 2]);
  assert.deepEqual(row("zeros", 1, 2, [5, 6, 7]), [0, 5, 6, 7, 0, 0]);
});

test("foldBorder adds each border value back onto its source (reflect, replicate, circular) or drops it (zeros)", () => {
  const y = new NDArray(Float64Array.from([1, 10, 100, 1000, 10000, 100000, 1000000]), [1, 1, 7]);
  const fold = (mode: PaddingMode) => Array.from(foldBorder(y, { mode, axes: [2], padBegin: [2], padEnd: [2], smallShape: [1, 1, 3] }).asTypedArray());
  assert.deepEqual(fold("zeros"), [100, 1000, 10000]);
  // reflect reads sources [2, 1, 0, 1, 2, 1, 0] at the seven padded positions
  assert.deepEqual(fold("reflect"), [100 + 1000000, 1000 + 10 + 100000, 10000 + 1]);
  assert.deepEqual(fold("replicate"), [1 + 10 + 100, 1000, 10000 + 100000 + 1000000]);
  assert.deepEqual(fold("circular"), [100 + 100000, 1000 + 1 + 1000000, 10000 + 10]);
});

test("⟨pad(x), y⟩ = ⟨x, fold(y)⟩ for random shapes, axes and modes", () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }),
      fc.constantFrom<PaddingMode>("zeros", "reflect", "replicate", "circular"),
      fc.array(fc.tuple(fc.nat(4), fc.nat(4)), { minLength: 4, maxLength: 4 }),
      fc.nat(1000),
      (shape, mode, pads, seed) => {
        np.random.seed(seed);
        const axes = shape.map((_, i) => i).filter((i) => i % 2 === 0 || shape.length === 1);
        const cap = (p: number, n: number) => (mode === "reflect" ? Math.min(p, n - 1) : mode === "circular" ? Math.min(p, n) : p);
        const spec: BorderSpec = {
          mode,
          axes,
          padBegin: axes.map((a, i) => cap(pads[i]![0], shape[a]!)),
          padEnd: axes.map((a, i) => cap(pads[i]![1], shape[a]!)),
          smallShape: shape,
        };
        const x = randn(shape);
        const px = padBorder(x, spec);
        const y = randn(px.shape);
        const l = px.mul(y).sum().item(),
          r = x.mul(foldBorder(y, spec)).sum().item();
        assert.ok(Math.abs(l - r) <= 1e-12 * (1 + Math.abs(l)), `${l} vs ${r}`);
      },
    ),
    { numRuns: 200, seed: 5 },
  );
});
