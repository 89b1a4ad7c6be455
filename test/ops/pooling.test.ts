// npx.pooling: values and gradients against the definition (fast-check), MXNet's tie rule, known values, errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { NDArray, autograd, np, npx } from "../../src/index.js";
import { directPool } from "../helpers/pool-direct.js";

const f64 = { dtype: "float64" } as const;

test("max and avg pooling of the book's 3×3 example (D2L §7.5)", () => {
  const X = np.arange(9, undefined, 1, f64).reshape(1, 1, 3, 3);
  assert.deepEqual(npx.pooling(X, { kernel: 2 }).tolist(), [
    [
      [
        [4, 5],
        [7, 8],
      ],
    ],
  ]);
  assert.deepEqual(npx.pooling(X, { kernel: 2, poolType: "avg" }).tolist(), [
    [
      [
        [2, 3],
        [5, 6],
      ],
    ],
  ]);
  // padding 1, stride 2 on a 4×4 arange: windows [−1,1)×[−1,1), … (D2L's pool2d with padding)
  const Y = np.arange(16, undefined, 1, f64).reshape(1, 1, 4, 4);
  assert.deepEqual(npx.pooling(Y, { kernel: 3, pad: 1, stride: 2 }).tolist(), [
    [
      [
        [5, 7],
        [13, 15],
      ],
    ],
  ]);
});

test("avg pooling divides by the padded window (countIncludePad, MXNet's default) or by the real elements", () => {
  const x = np.array([[[1, 2, 3]]], f64);
  // windows [−1,1) and [1,3): sums 1 and 5
  assert.deepEqual(npx.pooling(x, { kernel: 2, stride: 2, pad: 1, poolType: "avg" }).tolist(), [[[0.5, 2.5]]]);
  assert.deepEqual(npx.pooling(x, { kernel: 2, stride: 2, pad: 1, poolType: "avg", countIncludePad: false }).tolist(), [[[1, 2.5]]]);
  // "full" on [1,2,3,4], k3 s2: ⌈1/2⌉ + 1 = 2 windows; the second, [2,5), runs past the end: divided by the 2 real taps
  const x4 = np.array([[[1, 2, 3, 4]]], f64);
  assert.deepEqual(npx.pooling(x4, { kernel: 3, stride: 2, poolType: "avg" }).tolist(), [[[2]]]);
  assert.deepEqual(npx.pooling(x4, { kernel: 3, stride: 2, poolType: "avg", poolingConvention: "full" }).tolist(), [[[2, 3.5]]]);
});

test("'full' convention drops a last window that would start in the end padding (every window sees input)", () => {
  // n = 5, k = 2, s = 2, p = 1: ⌈5/2⌉ + 1 = 4 windows by the formula, the 4th would start at 5 = n: dropped
  const y = npx.pooling(np.arange(5, undefined, 1, f64).reshape(1, 1, 5), { kernel: 2, stride: 2, pad: 1, poolingConvention: "full" });
  assert.deepEqual(y.tolist(), [[[0, 2, 4]]]);
});

test("max-pool ties: the whole gradient goes to the first maximum of the window in row-major order (MXNet)", () => {
  const x = np
    .array(
      [
        [
          [
            [1, 3, 3],
            [3, 0, 3],
            [2, 3, 1],
          ],
        ],
      ],
      f64,
    )
    .attachGrad();
  autograd.record(() => npx.pooling(x, { kernel: 2, stride: 1 })).backward(np.ones([1, 1, 2, 2], f64));
  // windows: TL {1,3,3,0} → (0,1); TR {3,3,0,3} → (0,1); BL {3,0,2,3} → (1,0); BR {0,3,3,1} → (1,2)
  assert.deepEqual(x.grad!.tolist(), [
    [
      [
        [0, 2, 0],
        [1, 0, 1],
        [0, 0, 0],
      ],
    ],
  ]);
});

test("globalPool pools the whole spatial extent; channels-last layouts pool the middle axes", () => {
  const x = np.arange(24, undefined, 1, f64).reshape(2, 3, 4);
  assert.deepEqual(npx.pooling(x, { globalPool: true, poolType: "avg" }).tolist(), [
    [[1.5], [5.5], [9.5]],
    [[13.5], [17.5], [21.5]],
  ]);
  const nwc = npx.pooling(x.transpose(0, 2, 1), { kernel: 4, layout: "NWC" });
  assert.deepEqual(nwc.shape, [2, 1, 3]);
  assert.deepEqual(nwc.tolist(), [[[3, 7, 11]], [[15, 19, 23]]]);
});

test("property: pooling and its gradient equal the definition (1-D to 3-D, both layouts, ties included)", () => {
  const arb = fc
    .record({
      nd: fc.integer({ min: 1, max: 3 }),
      batch: fc.integer({ min: 1, max: 2 }),
      channels: fc.integer({ min: 1, max: 3 }),
      axes: fc.array(
        fc.record({
          n: fc.integer({ min: 1, max: 6 }),
          k: fc.integer({ min: 1, max: 3 }),
          s: fc.integer({ min: 1, max: 3 }),
          p: fc.integer({ min: 0, max: 2 }),
        }),
        { minLength: 3, maxLength: 3 },
      ),
      poolType: fc.constantFrom("max" as const, "avg" as const, "sum" as const),
      countIncludePad: fc.boolean(),
      full: fc.boolean(),
      channelsLast: fc.boolean(),
      seed: fc.integer({ min: 1, max: 1e6 }),
    })
    .map((r) => {
      const axes = r.axes.slice(0, r.nd).map((a) => {
        const p = Math.min(a.p, a.k - 1);
        return { ...a, p, n: Math.max(a.n, a.k - 2 * p) };
      });
      return { ...r, axes };
    });
  fc.assert(
    fc.property(arb, (r) => {
      const spatial = r.axes.map((a) => a.n);
      const o = {
        kernel: r.axes.map((a) => a.k),
        stride: r.axes.map((a) => a.s),
        pad: r.axes.map((a) => a.p),
        poolType: r.poolType,
        countIncludePad: r.countIncludePad,
        full: r.full,
      };
      const planes = r.batch * r.channels;
      // small integers: many ties inside windows
      let s = r.seed;
      const xs = Float64Array.from({ length: planes * spatial.reduce((a, b) => a * b, 1) }, () => ((s = (s * 16807) % 2147483647) % 5) - 2);
      const ref = directPool(xs, planes, spatial, o, null);
      const dy = Float64Array.from({ length: ref.y.length }, (_, i) => ((i * 7919) % 13) - 6);
      const want = directPool(xs, planes, spatial, o, dy);
      const xcf = new NDArray(xs, [r.batch, r.channels, ...spatial]);
      const perm = [0, ...spatial.map((_, i) => i + 2), 1];
      const x = (r.channelsLast ? xcf.transpose(perm).copy() : xcf).attachGrad();
      const layout = (r.channelsLast ? ["NWC", "NHWC", "NDHWC"] : ["NCW", "NCHW", "NCDHW"])[r.nd - 1] as "NCW";
      const opts = {
        kernel: o.kernel,
        stride: o.stride,
        pad: o.pad,
        poolType: r.poolType,
        countIncludePad: r.countIncludePad,
        poolingConvention: r.full ? ("full" as const) : ("valid" as const),
        layout,
      };
      const y = autograd.record(() => npx.pooling(x, opts));
      const dyArr = new NDArray(dy, [r.batch, r.channels, ...want.outSize]);
      y.backward(r.channelsLast ? dyArr.transpose(perm).copy() : dyArr);
      const inv = [0, r.nd + 1, ...spatial.map((_, i) => i + 1)];
      const yc = r.channelsLast ? y.transpose(inv).copy() : y;
      const gx = r.channelsLast ? x.grad!.transpose(inv).copy() : x.grad!;
      assert.deepEqual(yc.shape, [r.batch, r.channels, ...want.outSize]);
      yc.asTypedArray().forEach((v, i) => assert.ok(Math.abs(v - want.y[i]!) < 1e-12, `y[${i}] ${v} vs ${want.y[i]}`));
      gx.asTypedArray().forEach((v, i) => assert.ok(Math.abs(v - want.dx[i]!) < 1e-12, `dx[${i}] ${v} vs ${want.dx[i]}`));
    }),
    { numRuns: 150, seed: 42 },
  );
});

test("property: outside autograd.record (no argmax kept) max pooling gives the same values; 2×2 stride-2 windows too", () => {
  fc.assert(
    fc.property(
      fc.record({
        batch: fc.integer({ min: 1, max: 2 }),
        channels: fc.integer({ min: 1, max: 3 }),
        h: fc.integer({ min: 1, max: 9 }),
        w: fc.integer({ min: 1, max: 9 }),
        d: fc.integer({ min: 1, max: 3 }),
        k: fc.integer({ min: 1, max: 3 }),
        s: fc.integer({ min: 1, max: 3 }),
        p: fc.integer({ min: 0, max: 1 }),
        twoByTwo: fc.boolean(),
        nd3: fc.boolean(),
        full: fc.boolean(),
        seed: fc.integer({ min: 1, max: 1e6 }),
      }),
      (r) => {
        // the 2×2 stride-2 unpadded windows take their own loop (also in 3-D with a depth window of 1)
        const k = r.twoByTwo ? 2 : r.k,
          st = r.twoByTwo ? 2 : r.s,
          pad = r.twoByTwo ? 0 : Math.min(r.p, k - 1);
        const hw = [Math.max(r.h, k), Math.max(r.w, k)];
        const spatial = r.nd3 ? [r.d, ...hw] : hw;
        const o = {
          kernel: r.nd3 ? [1, k, k] : [k, k],
          stride: r.nd3 ? [1, st, st] : [st, st],
          pad: r.nd3 ? [0, pad, pad] : [pad, pad],
          poolType: "max" as const,
          countIncludePad: true,
          full: r.full,
        };
        let s = r.seed;
        const xs = Float64Array.from({ length: r.batch * r.channels * spatial.reduce((a, b) => a * b, 1) }, () => ((s = (s * 16807) % 2147483647) % 7) - 3);
        const want = directPool(xs, r.batch * r.channels, spatial, o, null);
        for (const dtype of ["float64", "float32"] as const) {
          const x = new NDArray(dtype === "float64" ? xs : Float32Array.from(xs), [r.batch, r.channels, ...spatial]);
          const y = npx.pooling(x, { kernel: o.kernel, stride: o.stride, pad: o.pad, poolType: "max", poolingConvention: r.full ? "full" : "valid" });
          assert.deepEqual(y.shape, [r.batch, r.channels, ...want.outSize]);
          assert.deepEqual(Array.from(y.asTypedArray()), Array.from(want.y));
        }
      },
    ),
    { numRuns: 200, seed: 7 },
  );
});

test("float32 pooling keeps float32", () => {
  const y = npx.pooling(np.ones([1, 1, 4, 4]), { kernel: 2, stride: 2, poolType: "avg" });
  assert.equal(y.dtype, "float32");
  assert.deepEqual(y.tolist(), [
    [
      [
        [1, 1],
        [1, 1],
      ],
    ],
  ]);
});

test("pooling errors name the option and the values", () => {
  const x = np.ones([1, 2, 3, 3]);
  assert.throws(() => npx.pooling(x, { kernel: 5 }), /pooling: window 5 on spatial axis 0 is larger than the input 3 padded to 3/);
  assert.throws(() => npx.pooling(x, { kernel: 2, pad: 2 }), /pooling: pad=2 must be smaller than the window kernel=2 on every axis \(axis 0: 2 >= 2\)/);
  assert.throws(() => npx.pooling(x, {}), /pooling: kernel is required \(or globalPool: true\)/);
  assert.throws(() => npx.pooling(x, { kernel: [2, 2, 2] }), /pooling: kernel=\[2,2,2\] must have 2 entries, one per axis/);
  assert.throws(() => npx.pooling(x, { kernel: 2, strides: 2 } as never), /pooling: unknown option 'strides' \(did you mean 'stride'\?\)/);
  assert.throws(() => npx.pooling(x, { kernel: 2, poolType: "min" as never }), /pooling: poolType="min" is not one of "max", "avg", "sum"/);
  assert.throws(() => npx.pooling(x, { kernel: 2, layout: "NCW" }), /pooling: layout="NCW" is not one of "NCHW", "NHWC"/);
  assert.throws(() => npx.pooling(np.ones([2, 3]), { kernel: 2 }), /pooling: expects a 3-D, 4-D or 5-D input .* got shape \[2,3\]/);
  assert.throws(() => npx.pooling([1, 2] as never, { kernel: 1 }), /pooling: input must be an NDArray/);
});
