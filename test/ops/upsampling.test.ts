// npx.upsampling and nn.Upsample: PyTorch 1.13 F.interpolate fixtures, layouts, gradients, the transpose pair, errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { NDArray, nn, np, npx } from "../../src/index.js";
import { gradcheck, randn } from "../helpers/gradcheck.js";
import { axisTaps, resample, resampleTranspose } from "../../src/ops/upsampling.js";

interface UpCase {
  name: string;
  xShape: number[];
  x: number[];
  scale: number | number[];
  mode: string;
  alignCorners: boolean | null;
  shape: number[];
  y: number[];
}
const fixtures = JSON.parse(readFileSync(new URL("../fixtures/torch/upsampling.json", import.meta.url), "utf8")) as { cases: UpCase[] };

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
const toLast = (x: NDArray) => x.transpose(0, ...x.shape.slice(2).map((_, i) => i + 2), 1);
const LAST = { 1: "NWC", 2: "NHWC", 3: "NDHWC" } as const;

test("there are 13 PyTorch upsampling cases", () => assert.equal(fixtures.cases.length, 13));

for (const c of fixtures.cases)
  test(`PyTorch F.interpolate: ${c.name}`, () => {
    const x = new NDArray(Float64Array.from(c.x), c.xShape);
    const options = {
      scale: c.scale,
      sampleType: c.mode === "nearest" ? ("nearest" as const) : ("bilinear" as const),
      ...(c.alignCorners ? { alignCorners: true } : {}),
    };
    const y = npx.upsampling(x, options);
    assert.deepEqual(y.shape, c.shape);
    assert.ok(maxDiff(y.asTypedArray(), c.y) <= 1e-12, `max diff ${maxDiff(y.asTypedArray(), c.y)}`);
    const nd = (c.xShape.length - 2) as 1 | 2 | 3;
    const yl = npx.upsampling(toLast(x), { ...options, layout: LAST[nd] });
    assert.ok(maxDiff(yl.asTypedArray(), toLast(y).asTypedArray()) <= 1e-12, "channels-last");
    const layer = new nn.Upsample(options);
    assert.ok(maxDiff(layer.forward(x.astype("float32")).asTypedArray(), c.y) <= 1e-5, "nn.Upsample float32");
  });

test("nearest ×2 repeats every element (MXNet UpSampling's example)", () => {
  const x = np.array([
    [
      [
        [1, 2],
        [3, 4],
      ],
    ],
  ]);
  assert.deepEqual(npx.upsampling(x, { scale: 2 }).tolist(), [
    [
      [
        [1, 1, 2, 2],
        [1, 1, 2, 2],
        [3, 3, 4, 4],
        [3, 3, 4, 4],
      ],
    ],
  ]);
});

test("gradcheck upsampling: nearest and bilinear, with and without alignCorners, 1-D/2-D/3-D", () => {
  np.random.seed(11);
  for (const [shape, scale] of [
    [[2, 1, 4], 2.5],
    [
      [1, 2, 3, 2],
      [2, 3],
    ],
    [[1, 1, 2, 3, 2], 2],
  ] as const)
    for (const o of [{ sampleType: "nearest" as const }, { sampleType: "bilinear" as const }, { sampleType: "bilinear" as const, alignCorners: true }])
      gradcheck((x) => npx.upsampling(x, { scale: scale as number | number[], ...o }), [randn(shape as readonly number[])]);
});

test("the per-axis resampling and its transpose are adjoint, and each one's gradient is the other", () => {
  np.random.seed(12);
  const plan = { axis: 2, taps: axisTaps(4, 7, 1.75, true, false) };
  const x = randn([2, 3, 4, 2]);
  const y = randn([2, 3, 7, 2]);
  const l = resample(x, plan).mul(y).sum().item(),
    r = x
      .mul(resampleTranspose(y, plan, x.shape))
      .sum()
      .item();
  assert.ok(Math.abs(l - r) <= 1e-12 * (1 + Math.abs(l)), `${l} vs ${r}`);
  gradcheck((g) => resampleTranspose(g, plan, [2, 3, 4, 2]), [y]);
  gradcheck((v) => resample(v, plan), [x]);
});

test("upsampling errors name the op, the option and the value", () => {
  const x = np.ones([1, 1, 2, 2]);
  assert.throws(() => npx.upsampling(x, {} as never), /^Error: upsampling: scale is required \(a positive number or 2 of them\), e.g. \{ scale: 2 \}$/);
  assert.throws(() => npx.upsampling(x, { scale: [2] }), /upsampling: scale=\[2\] must be a positive number or 2 positive numbers/);
  assert.throws(() => npx.upsampling(x, { scale: 0 }), /upsampling: scale=0 must be a positive number/);
  assert.throws(() => npx.upsampling(x, { scale: 0.2 }), /upsampling: spatial axis 0 of size 2 with scale 0.2 gives output size 0/);
  assert.throws(() => npx.upsampling(x, { scale: 2, sampleType: "bicubic" as never }), /upsampling: sampleType="bicubic" is not one of "nearest", "bilinear"/);
  assert.throws(() => npx.upsampling(x, { scale: 2, alignCorners: true }), /upsampling: alignCorners applies to sampleType "bilinear" only/);
  assert.throws(() => npx.upsampling(x, { scale: 2, layout: "NCW" }), /upsampling: layout="NCW" is not one of "NCHW", "NHWC"/);
  assert.throws(() => npx.upsampling(x, { scale: 2, scal: 3 } as never), /upsampling: unknown option 'scal' \(did you mean 'scale'\?\)/);
  assert.throws(() => npx.upsampling(np.ones([2, 2]), { scale: 2 }), /upsampling: input must be 3-D, 4-D or 5-D/);
  assert.throws(() => new nn.Upsample({} as never), /^Error: Upsample: scale is required/);
  assert.throws(() => new nn.Upsample({ scale: 2, sampleType: "bilinear" }).forward(np.ones([2, 2])), /^Error: Upsample: input must be 3-D/);
});
