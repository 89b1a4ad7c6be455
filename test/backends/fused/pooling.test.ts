// The CPU pooling kernel's whole-plane path (global average and sum pooling, four planes at a time) against its general loop, bit for bit.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { poolForward } from "../../../src/backends/fused/pooling.js";
import { resolvePooling } from "../../../src/params/pool-params.js";

test("global avg and sum pooling (channels first: whole planes, four at a time) equal the general loop's sums bit for bit (it runs them for channels last), and a float64 direct loop within rounding", () => {
  fc.assert(
    fc.property(
      fc.record({
        batch: fc.integer({ min: 1, max: 2 }),
        channels: fc.integer({ min: 1, max: 11 }),
        spatial: fc.constantFrom<number[]>([1], [7], [5, 6], [8, 8], [2, 3, 4]),
        poolType: fc.constantFrom("avg" as const, "sum" as const),
        f64: fc.boolean(),
        wide: fc.boolean(),
        seed: fc.integer({ min: 1, max: 1 << 30 }),
      }),
      ({ batch, channels, spatial, poolType, f64, wide, seed }) => {
        let s = seed >>> 0;
        const next = () => {
          s = (s * 1103515245 + 12345) >>> 0;
          return s / 2 ** 32;
        };
        const P = spatial.reduce((p, d) => p * d, 1);
        const n = batch * channels * P;
        const make = (len: number) => (f64 ? new Float64Array(len) : new Float32Array(len));
        // wide: magnitudes 2^±40, so the float64 sums round and their order shows in the bits
        const x = make(n).map(() => (next() * 8 - 4) * (wide ? 2 ** Math.floor(next() * 81 - 40) : 1));
        const nd = spatial.length;
        const first = resolvePooling("test", [batch, channels, ...spatial], { globalPool: true, poolType });
        const last = resolvePooling("test", [batch, ...spatial, channels], { globalPool: true, poolType, layout: (["NWC", "NHWC", "NDHWC"] as const)[nd - 1] });
        const xl = make(n);
        for (let b = 0; b < batch; b++)
          for (let c = 0; c < channels; c++) for (let p = 0; p < P; p++) xl[(b * P + p) * channels + c] = x[(b * channels + c) * P + p]!;
        const got = make(batch * channels),
          want = make(batch * channels);
        poolForward(first, x, got, null);
        poolForward(last, xl, want, null);
        for (let i = 0; i < want.length; i++) assert.ok(Object.is(got[i], want[i]), `[${i}] ${got[i]} vs ${want[i]}`);
        for (let p = 0; p < batch * channels; p++) {
          let t = 0,
            mag = 0;
          for (let k = 0; k < P; k++) (t += x[p * P + k]!), (mag += Math.abs(x[p * P + k]!));
          const v = poolType === "avg" ? t / P : t;
          const scale = poolType === "avg" ? mag / P : mag;
          assert.ok(Math.abs(got[p]! - v) <= (f64 ? 1e-15 : 1e-7) * scale + 1e-300, `plane ${p}: ${got[p]} vs ${v}`);
        }
      },
    ),
    { numRuns: 150, seed: 31 },
  );
});
