// The wasm group-norm passes (assembly/norm.ts through src/backends/wasm/norm.ts) against the JS kernel, bit for bit.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { groupNormForward } from "../../../src/backends/fused/group-norm.js";
import { groupNormForwardWasm } from "../../../src/backends/wasm/norm.js";
import { cpuBackend, GROUP_NORM_WASM_INNER, GROUP_NORM_WASM_SIZE } from "../../../src/backends/cpu/index.js";
import { type KernelExports, soloRuntime } from "../../../src/backends/wasm/runtime.js";

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1103515245 + 12345) >>> 0;
    return s / 2 ** 32;
  };
}

test("groupNormForwardWasm: y, mean and invstd equal the JS kernel's bit for bit (rows of 1 to 70, tails of every length, offsets, magnitudes 2^±40, ±Inf and NaN, float32 and float64 γ/β)", () => {
  fc.assert(
    fc.property(
      fc.record({
        batch: fc.integer({ min: 1, max: 3 }),
        groups: fc.integer({ min: 1, max: 3 }),
        channelsPerGroup: fc.integer({ min: 1, max: 4 }),
        inner: fc.integer({ min: 1, max: 70 }),
        offset: fc.constantFrom(0, 3, -1e4, 1e6),
        special: fc.boolean(),
        wide: fc.boolean(),
        f64Affine: fc.boolean(),
        seed: fc.integer({ min: 1, max: 1 << 30 }),
      }),
      ({ batch, groups, channelsPerGroup, inner, offset, special, wide, f64Affine, seed }) => {
        const next = lcg(seed);
        const v = { batch, groups, channelsPerGroup, inner };
        const C = groups * channelsPerGroup,
          n = batch * C * inner;
        const x = new Float32Array(n).map(() => {
          const u = next();
          if (special && u < 0.02) return Infinity;
          if (special && u < 0.04) return NaN;
          // wide: magnitudes 2^±40, so float64 sums of float32 values round and their order shows in the bits
          const scale = wide ? 2 ** Math.floor(next() * 81 - 40) : u < 0.5 ? 1 : 0.001;
          return offset + (next() * 8 - 4) * scale;
        });
        const affine = (k: number) =>
          f64Affine ? Float64Array.from({ length: C }, () => next() * 4 - 2 + k) : Float32Array.from({ length: C }, () => next() * 4 - 2 + k);
        const gamma = affine(0),
          beta = affine(1);
        const eps = 1e-5;
        const yJs = new Float32Array(n),
          yWasm = new Float32Array(n);
        const mJs = new Float64Array(batch * groups),
          iJs = new Float64Array(batch * groups),
          mWasm = new Float64Array(batch * groups),
          iWasm = new Float64Array(batch * groups);
        groupNormForward(v, x, gamma, beta, eps, yJs, mJs, iJs);
        groupNormForwardWasm(v, x, gamma, beta, eps, yWasm, mWasm, iWasm);
        for (let i = 0; i < mJs.length; i++) {
          assert.ok(Object.is(mWasm[i], mJs[i]), `mean[${i}] ${mWasm[i]} vs ${mJs[i]}`);
          assert.ok(Object.is(iWasm[i], iJs[i]), `invstd[${i}] ${iWasm[i]} vs ${iJs[i]}`);
        }
        for (let i = 0; i < n; i++) assert.ok(Object.is(yWasm[i], yJs[i]), `y[${i}] ${yWasm[i]} vs ${yJs[i]}`);
      },
    ),
    { numRuns: 200, seed: 61 },
  );
});

test("the CPU backend's group norm runs the wasm passes on Conv-TasNet's float32 shape (one group of 128 × 1001) and gives the JS kernel's bits", () => {
  const v = { batch: 1, groups: 1, channelsPerGroup: 128, inner: 1001 };
  assert.ok(v.inner >= GROUP_NORM_WASM_INNER && 128 * 1001 >= GROUP_NORM_WASM_SIZE);
  const next = lcg(5);
  const x = Float32Array.from({ length: 128 * 1001 }, () => next() * 6 - 2);
  const gamma = Float32Array.from({ length: 128 }, () => next() + 0.5),
    beta = Float32Array.from({ length: 128 }, () => next() - 0.5);
  const yJs = new Float32Array(x.length),
    yCpu = new Float32Array(x.length);
  const stats = () => [new Float64Array(1), new Float64Array(1)] as const;
  const [mJs, iJs] = stats(),
    [mCpu, iCpu] = stats();
  groupNormForward(v, x, gamma, beta, 1e-5, yJs, mJs, iJs);
  // count the wasm sums the backend's call makes (the runtime's exports swapped for a counting copy)
  const rt = soloRuntime() as unknown as { exports: KernelExports };
  const original = rt.exports;
  let sums = 0;
  rt.exports = { ...original, norm_sum: (p: number, n: number) => (sums++, original.norm_sum(p, n)) };
  try {
    cpuBackend.groupNormForward(v, x, gamma, beta, 1e-5, yCpu, mCpu, iCpu);
  } finally {
    rt.exports = original;
  }
  assert.equal(sums, 1, "one wasm sum: one group");
  assert.ok(Object.is(mCpu[0], mJs[0]) && Object.is(iCpu[0], iJs[0]), "statistics");
  for (let i = 0; i < x.length; i++) assert.ok(Object.is(yCpu[i], yJs[i]), `y[${i}] ${yCpu[i]} vs ${yJs[i]}`);
});
