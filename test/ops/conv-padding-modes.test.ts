// paddingMode on npx.convolution / npx.deconvolution: PyTorch fixtures, the adjoint identity, W and Wᵀ, gradients, errors.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { NDArray, d2l, np, npx, resolveConv, type ConvOptions, type Layout } from "../../src/index.js";
import type { PaddingMode } from "../../src/params/padding-mode.js";
import { gradcheck, randn } from "../helpers/gradcheck.js";

const MODES: PaddingMode[] = ["zeros", "reflect", "replicate", "circular"];
const LAYOUTS: Record<number, [Layout, Layout]> = { 1: ["NCW", "NWC"], 2: ["NCHW", "NHWC"], 3: ["NCDHW", "NDHWC"] };

interface TorchCase {
  name: string;
  xShape: number[];
  x: number[];
  wShape: number[];
  w: number[];
  bias: number[] | null;
  strides: number | number[];
  padding: number | number[] | "same";
  dilation: number | number[];
  groups: number;
  outputs: Record<PaddingMode, { shape: number[]; y: number[] } | { error: string }>;
}
const torch = JSON.parse(readFileSync(new URL("../fixtures/torch/padding-modes.json", import.meta.url), "utf8")) as { cases: TorchCase[] };

const f64 = (shape: readonly number[], data: readonly number[]) => new NDArray(Float64Array.from(data), shape);
function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}
function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
/** channels-first ↔ channels-last of a data tensor or (with the same axis moves) a weight */
const toLast = (x: NDArray) => x.transpose(0, ...x.shape.slice(2).map((_, i) => i + 2), 1);

test("there are 9 PyTorch padding-mode cases, 2 of them rejected by PyTorch for some mode", () => {
  assert.equal(torch.cases.length, 9);
  assert.equal(torch.cases.filter((c) => Object.values(c.outputs).some((o) => "error" in o)).length, 2);
});

for (const c of torch.cases)
  for (const mode of MODES)
    test(`PyTorch Conv${c.xShape.length - 2}d(padding_mode="${mode}"): ${c.name}`, () => {
      const x = f64(c.xShape, c.x),
        w = f64(c.wShape, c.w),
        bias = c.bias ? f64([c.bias.length], c.bias) : null;
      const options: ConvOptions = {
        strides: c.strides,
        padding: c.padding === "same" ? "same" : c.padding,
        dilation: c.dilation,
        groups: c.groups,
        paddingMode: mode,
      };
      const expected = c.outputs[mode];
      if ("error" in expected) {
        // PyTorch: reflect needs padding < size, circular ≤ size; tconv says the same naming the axis and sizes
        assert.throws(
          () => npx.convolution(x, w, { ...options, bias }),
          new RegExp(`convolution: paddingMode "${mode}" needs padding .* but axis 0 has padding`),
        );
        return;
      }
      const y = npx.convolution(x, w, { ...options, bias });
      assert.deepEqual(y.shape, expected.shape);
      const scale = maxAbs(expected.y) + 1;
      assert.ok(maxDiff(y.asTypedArray(), expected.y) <= 1e-12 * scale, `float64: ${maxDiff(y.asTypedArray(), expected.y)}`);
      // channels-last: same numbers moved
      const nd = c.xShape.length - 2;
      const yl = npx.convolution(toLast(x), toLast(w), { ...options, bias, layout: LAYOUTS[nd]![1] });
      assert.ok(maxDiff(yl.asTypedArray(), toLast(y).asTypedArray()) <= 1e-12 * scale, "channels-last");
      // float32 through the fast kernels (pad, then the zero-padding kernels)
      const y32 = npx.convolution(x.astype("float32"), w.astype("float32"), { ...options, bias: bias ? bias.astype("float32") : null });
      assert.ok(maxDiff(y32.asTypedArray(), expected.y) <= 1e-5 * scale, `float32: ${maxDiff(y32.asTypedArray(), expected.y)}`);
    });

interface Geo {
  nd: number;
  batch: number;
  groups: number;
  icpg: number;
  gcpg: number;
  size: number[];
  kernel: number[];
  strides: number[];
  dilation: number[];
  pads: [number, number][];
  channelsLast: boolean;
  mode: PaddingMode;
  seed: number;
}

/** Random conv geometries valid for their mode: reflect pads < size, circular ≤ size, padded size ≥ dilated kernel. */
const geoArb: fc.Arbitrary<Geo> = fc
  .integer({ min: 1, max: 3 })
  .chain((nd) => {
    const axis = fc.record({
      n: fc.integer({ min: 1, max: nd === 3 ? 4 : 7 }),
      k: fc.integer({ min: 1, max: 3 }),
      s: fc.integer({ min: 1, max: 3 }),
      d: fc.integer({ min: 1, max: 2 }),
      pb: fc.integer({ min: 0, max: 4 }),
      pe: fc.integer({ min: 0, max: 4 }),
    });
    return fc.record({
      nd: fc.constant(nd),
      axes: fc.array(axis, { minLength: nd, maxLength: nd }),
      batch: fc.integer({ min: 1, max: 2 }),
      groups: fc.integer({ min: 1, max: 2 }),
      icpg: fc.integer({ min: 1, max: 2 }),
      gcpg: fc.integer({ min: 1, max: 2 }),
      channelsLast: fc.boolean(),
      mode: fc.constantFrom(...MODES),
      seed: fc.nat(10_000),
    });
  })
  .map((r) => {
    const cap = (p: number, n: number) => (r.mode === "reflect" ? Math.min(p, n - 1) : r.mode === "circular" ? Math.min(p, n) : p);
    const pads = r.axes.map((a) => [cap(a.pb, a.n), cap(a.pe, a.n)] as [number, number]);
    return {
      nd: r.nd,
      batch: r.batch,
      groups: r.groups,
      icpg: r.icpg,
      gcpg: r.gcpg,
      channelsLast: r.channelsLast,
      mode: r.mode,
      seed: r.seed,
      size: r.axes.map((a) => a.n),
      kernel: r.axes.map((a) => a.k),
      strides: r.axes.map((a) => a.s),
      dilation: r.axes.map((a) => a.d),
      pads,
    };
  })
  .filter((g) => g.size.every((n, i) => n + g.pads[i]![0] + g.pads[i]![1] >= g.dilation[i]! * (g.kernel[i]! - 1) + 1));

function setup(g: Geo) {
  const ic = g.groups * g.icpg,
    gc = g.groups * g.gcpg;
  const xShape = g.channelsLast ? [g.batch, ...g.size, ic] : [g.batch, ic, ...g.size];
  const wShape = g.channelsLast ? [gc, ...g.kernel, g.icpg] : [gc, g.icpg, ...g.kernel];
  const options: ConvOptions = {
    strides: g.strides,
    dilation: g.dilation,
    padding: g.pads,
    groups: g.groups,
    layout: LAYOUTS[g.nd]![g.channelsLast ? 1 : 0],
    paddingMode: g.mode,
  };
  // the transposed convolution back onto the conv's input size (outputShape picks the outputPadding)
  const back: ConvOptions = { ...options, outputShape: g.size };
  return { xShape, wShape, options, back };
}

const dot = (a: NDArray, b: NDArray) => {
  const x = a.asTypedArray(),
    y = b.asTypedArray();
  assert.equal(x.length, y.length);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * y[i]!;
  return s;
};

let adjointWorst = 0;
const seenModes = new Set<string>();
test("adjoint identity ⟨conv(x), y⟩ = ⟨x, deconv(y)⟩ for every mode over random geometries (float64)", () => {
  fc.assert(
    fc.property(geoArb, (g) => {
      np.random.seed(g.seed);
      const { xShape, wShape, options, back } = setup(g);
      const x = randn(xShape),
        w = randn(wShape);
      const cx = npx.convolution(x, w, options);
      const y = randn(cx.shape);
      const dy = npx.deconvolution(y, w, back);
      assert.deepEqual(dy.shape, xShape);
      const lhs = dot(cx, y),
        rhs = dot(x, dy);
      const err = Math.abs(lhs - rhs) / (Math.abs(lhs) + Math.abs(rhs) + 1e-300);
      adjointWorst = Math.max(adjointWorst, Math.abs(lhs - rhs));
      assert.ok(Math.abs(lhs - rhs) <= 1e-10 * (1 + Math.abs(lhs)), `${g.mode}: ${lhs} vs ${rhs} (rel ${err})`);
      seenModes.add(`${g.mode}-${g.nd}d${g.pads.some((p) => p[0] > 0 || p[1] > 0) ? "-padded" : ""}`);
    }),
    { numRuns: 300, seed: 15 },
  );
  for (const m of MODES) for (const nd of [1, 2, 3]) assert.ok(seenModes.has(`${m}-${nd}d-padded`), `${m} ${nd}-D with padding was drawn`);
});

test("W·x = conv(x) and Wᵀ·y = deconv(y) through d2l.convMatrix for every mode", () => {
  fc.assert(
    fc.property(geoArb, (g) => {
      np.random.seed(g.seed);
      const { xShape, wShape, options, back } = setup(g);
      const x = randn(xShape),
        w = randn(wShape);
      const W = d2l.convMatrix(xShape, w, options);
      const cx = npx.convolution(x, w, options);
      const y = randn(cx.shape);
      const Wx = np.dot(W, x.reshape([-1]));
      const Wty = np.dot(W.T, y.reshape([-1]));
      assert.ok(maxDiff(Wx.asTypedArray(), cx.asTypedArray()) <= 1e-10, "W·x");
      assert.ok(maxDiff(Wty.asTypedArray(), npx.deconvolution(y, w, back).asTypedArray()) <= 1e-10, "Wᵀ·y");
    }),
    { numRuns: 120, seed: 16 },
  );
});

test("float32 (fast kernels around pad/fold) agrees with the float64 reference for every mode, both ops", () => {
  fc.assert(
    fc.property(geoArb, (g) => {
      np.random.seed(g.seed);
      const { xShape, wShape, options, back } = setup(g);
      const x = randn(xShape),
        w = randn(wShape);
      const cx = npx.convolution(x, w, options);
      const cx32 = npx.convolution(x.astype("float32"), w.astype("float32"), options);
      assert.ok(maxDiff(cx32.asTypedArray(), cx.asTypedArray()) <= 1e-4 * (1 + maxAbs(cx.asTypedArray())), "conv");
      const y = randn(cx.shape);
      const d = npx.deconvolution(y, w, back);
      const d32 = npx.deconvolution(y.astype("float32"), w.astype("float32"), back);
      assert.ok(maxDiff(d32.asTypedArray(), d.asTypedArray()) <= 1e-4 * (1 + maxAbs(d.asTypedArray())), "deconv");
    }),
    { numRuns: 80, seed: 17 },
  );
});

test("deconvolution with a mode and a bias adds the bias once per output element", () => {
  np.random.seed(3);
  for (const mode of MODES)
    for (const layout of ["NCHW", "NHWC"] as const) {
      const last = layout === "NHWC";
      const x = randn(last ? [2, 3, 4, 3] : [2, 3, 3, 4]),
        w = randn(last ? [3, 3, 2, 2] : [3, 2, 3, 2]),
        b = randn([2]);
      const o: ConvOptions = {
        strides: [2, 1],
        padding: [
          [1, 1],
          [1, 0],
        ],
        layout,
        paddingMode: mode,
      };
      const y = npx.deconvolution(x, w, { ...o, bias: b }),
        y0 = npx.deconvolution(x, w, o);
      const want = y0.add(last ? b : b.reshape([2, 1, 1]));
      assert.ok(maxDiff(y.asTypedArray(), want.asTypedArray()) <= 1e-12, `${mode} ${layout}`);
    }
});

test("deconvolution with SAME padding and a mode is the adjoint of the convolution with the pads it resolved", () => {
  np.random.seed(6);
  for (const mode of MODES)
    for (const padding of ["same", "same-lower"] as const) {
      const y = randn([2, 2, 4, 3]),
        w = randn([2, 3, 3, 4]);
      const o: ConvOptions = { strides: [2, 1], padding, paddingMode: mode };
      const d = npx.deconvolution(y, w, o);
      const g = resolveConv("deconvolution", y.shape, w.shape, o).geometry;
      const pads = g.padBegin.map((b, i) => [b, g.padEnd[i]!] as [number, number]);
      const x = randn(d.shape);
      const cx = npx.convolution(x, w, { strides: [2, 1], padding: pads, paddingMode: mode });
      assert.deepEqual(cx.shape, y.shape);
      const l = dot(cx, y),
        r = dot(x, d);
      assert.ok(Math.abs(l - r) <= 1e-10 * (1 + Math.abs(l)), `${mode} ${padding}: ${l} vs ${r}`);
    }
});

test('zeros mode is the default: paddingMode "zeros" gives the same numbers as no paddingMode', () => {
  np.random.seed(4);
  const x = randn([1, 2, 5, 5]),
    w = randn([3, 2, 3, 3]);
  const o: ConvOptions = { strides: 2, padding: 1 };
  assert.equal(maxDiff(npx.convolution(x, w, o).asTypedArray(), npx.convolution(x, w, { ...o, paddingMode: "zeros" }).asTypedArray()), 0);
  const y = randn([1, 2, 3, 3]),
    v = randn([2, 3, 3, 3]);
  assert.equal(maxDiff(npx.deconvolution(y, v, o).asTypedArray(), npx.deconvolution(y, v, { ...o, paddingMode: "zeros" }).asTypedArray()), 0);
});

let gradWorst = 0;
for (const mode of MODES)
  for (const op of ["convolution", "deconvolution"] as const)
    test(`gradcheck ${op} paddingMode "${mode}" (input, weight, bias; 1-D, 2-D, 3-D)`, () => {
      np.random.seed(MODES.indexOf(mode) * 2 + (op === "deconvolution" ? 1 : 0));
      const cases: { xShape: number[]; wShape: number[]; o: ConvOptions; nOut: number }[] = [
        { xShape: [2, 2, 6], wShape: op === "convolution" ? [3, 2, 3] : [2, 3, 3], o: { strides: 2, padding: [[2, 1]] }, nOut: 3 },
        {
          xShape: [1, 2, 4, 3],
          wShape: op === "convolution" ? [2, 1, 2, 3] : [2, 1, 2, 3],
          o: { strides: [1, 2], padding: [1, 2], dilation: [2, 1], groups: 2 },
          nOut: 2,
        },
        { xShape: [1, 3, 3, 3, 2], wShape: op === "convolution" ? [1, 2, 2, 2, 2] : [2, 2, 2, 2, 1], o: { padding: [1, 1, 1], layout: "NDHWC" }, nOut: 1 },
      ];
      for (const c of cases) {
        const r = gradcheck((x, w, b) => npx[op](x, w, { ...c.o, paddingMode: mode, bias: b }), [randn(c.xShape), randn(c.wShape), randn([c.nOut])]);
        gradWorst = Math.max(gradWorst, ...r.maxRelErr);
      }
    });

test("paddingMode errors: unknown name, reflect/circular padding too large (conv and deconv), named axis and sizes", () => {
  const x = np.ones([1, 1, 3, 5]),
    w = np.ones([1, 1, 3, 3]);
  assert.throws(
    () => npx.convolution(x, w, { padding: 1, paddingMode: "mirror" as PaddingMode }),
    /convolution: paddingMode="mirror" is not one of "zeros", "reflect", "replicate", "circular"/,
  );
  assert.throws(
    () => npx.convolution(x, w, { padding: [3, 1], paddingMode: "reflect" }),
    /^Error: convolution: paddingMode "reflect" needs padding < the input size on every axis \(a reflection cannot pass the far edge\), but axis 0 has padding \[3, 3\] for input size 3$/,
  );
  assert.throws(
    () =>
      npx.convolution(x, w, {
        padding: [
          [0, 0],
          [0, 6],
        ],
        paddingMode: "circular",
      }),
    /convolution: paddingMode "circular" needs padding <= the input size .* axis 1 has padding \[0, 6\] for input size 5/,
  );
  assert.doesNotThrow(() =>
    npx.convolution(x, w, {
      padding: [
        [3, 3],
        [5, 5],
      ],
      paddingMode: "circular",
    }),
  );
  assert.doesNotThrow(() => npx.convolution(x, w, { padding: 7, paddingMode: "replicate" }));
  // deconvolution: the image side is its output
  assert.throws(
    () => npx.deconvolution(np.ones([1, 1, 4]), np.ones([1, 1, 3]), { padding: 2, strides: 1, paddingMode: "reflect" }),
    /deconvolution: paddingMode "reflect" needs padding < the output size on every axis .* axis 0 has padding \[2, 2\] for output size 2/,
  );
});

after(() =>
  console.log(`# padding modes: adjoint max |⟨Ax,y⟩ − ⟨x,Aᵀy⟩| ${adjointWorst.toExponential(1)}, gradcheck max rel error ${gradWorst.toExponential(1)}`),
);
