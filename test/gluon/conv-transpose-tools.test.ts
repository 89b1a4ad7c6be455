// Transposed-layer tools: ConvNDTranspose.inverseOf, layer.overlapCount, the checkerboard warning, paddingMode on layers.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { type NDArray, d2l, nn, np, npx, warnings, type Layout, type PaddingMode, type TconvWarning } from "../../src/index.js";
import { randn } from "../helpers/gradcheck.js";

const LAYOUTS: Record<number, [Layout, Layout]> = { 1: ["NCW", "NWC"], 2: ["NCHW", "NHWC"], 3: ["NCDHW", "NDHWC"] };
const CONV = [nn.Conv1D, nn.Conv2D, nn.Conv3D] as const;
const TRANSPOSE = [nn.Conv1DTranspose, nn.Conv2DTranspose, nn.Conv3DTranspose] as const;

test("conv layers take paddingMode and give npx.convolution's numbers; bad names are rejected by the layer", () => {
  np.random.seed(1);
  const x = randn([1, 2, 5, 4]);
  for (const mode of ["zeros", "reflect", "replicate", "circular"] as PaddingMode[]) {
    const conv = new nn.Conv2D(3, { kernelSize: 3, padding: [2, 1], strides: 2, paddingMode: mode, dtype: "float64" }).initialize();
    const got = conv.forward(x);
    const want = npx.convolution(x, conv.weight.data(), { padding: [2, 1], strides: 2, paddingMode: mode, bias: conv.bias!.data() });
    assert.deepEqual(Array.from(got.asTypedArray()), Array.from(want.asTypedArray()), mode);
    const up = new nn.Conv2DTranspose(2, { kernelSize: 2, strides: 2, padding: 1, paddingMode: mode, dtype: "float64" }).initialize();
    const y = randn([1, 3, 3, 3]);
    up.forward(y);
    const wantUp = npx.deconvolution(y, up.weight.data(), { strides: 2, padding: 1, paddingMode: mode, bias: up.bias!.data() });
    assert.deepEqual(Array.from(up.forward(y).asTypedArray()), Array.from(wantUp.asTypedArray()), `${mode} transposed`);
  }
  assert.throws(
    () => new nn.Conv2D(3, { kernelSize: 3, paddingMode: "wrap" as PaddingMode }),
    /^Error: Conv2D: paddingMode="wrap" is not one of "zeros", "reflect", "replicate", "circular"$/,
  );
  assert.throws(
    () => new nn.Conv1DTranspose(3, { kernelSize: 4, strides: 2, paddingMode: "same" as PaddingMode }),
    /Conv1DTranspose: paddingMode="same" is not one of/,
  );
});

interface Draw {
  nd: number;
  kernel: number[];
  strides: number[];
  dilation: number[];
  pad: number[] | "same";
  mode: PaddingMode;
  extra: number[];
  groups: number;
  channelsLast: boolean;
  seed: number;
}
const drawArb: fc.Arbitrary<Draw> = fc.integer({ min: 1, max: 3 }).chain((nd) => {
  const per = (min: number, max: number) => fc.array(fc.integer({ min, max }), { minLength: nd, maxLength: nd });
  return fc.record({
    nd: fc.constant(nd),
    kernel: per(1, 4),
    strides: per(1, 4),
    dilation: per(1, 2),
    pad: fc.oneof(per(0, 2), fc.constant("same" as const)),
    mode: fc.constantFrom<PaddingMode>("zeros", "reflect", "replicate", "circular"),
    extra: per(0, nd === 3 ? 3 : 6),
    groups: fc.integer({ min: 1, max: 2 }),
    channelsLast: fc.boolean(),
    seed: fc.nat(1000),
  });
});

test("inverseOf restores the input shape on random strided convs, and with the conv's weight it is the conv's adjoint", () => {
  let strided = 0;
  fc.assert(
    fc.property(drawArb, (d) => {
      // smallest input the conv accepts on each axis, plus extra; reflect/circular need size > padding
      const size = d.kernel.map(
        (k, i) =>
          Math.max(1, d.dilation[i]! * (k - 1) + 1 - (d.pad === "same" ? 0 : 2 * d.pad[i]!), d.mode === "zeros" || d.mode === "replicate" ? 1 : 3) +
          d.extra[i]!,
      );
      const inC = 2 * d.groups,
        layout = LAYOUTS[d.nd]![d.channelsLast ? 1 : 0];
      const inputShape = d.channelsLast ? [2, ...size, inC] : [2, inC, ...size];
      const conv = new CONV[d.nd - 1]!(d.groups, {
        kernelSize: d.kernel,
        strides: d.strides,
        dilation: d.dilation,
        padding: d.pad,
        groups: d.groups,
        layout,
        paddingMode: d.mode,
        dtype: "float64",
      });
      conv.initialize();
      np.random.seed(d.seed);
      const x = randn(inputShape);
      let y: NDArray;
      try {
        y = conv.forward(x);
      } catch (e) {
        // reflect/circular with SAME padding larger than a small input: the conv itself rejects it, and so must inverseOf
        assert.match((e as Error).message, /paddingMode "(reflect|circular)" needs padding/);
        assert.throws(() => TRANSPOSE[d.nd - 1]!.inverseOf(conv, inputShape), /inverseOf: the Conv\dD rejects inputShape .* paddingMode/);
        return;
      }
      if (d.strides.some((s) => s > 1)) strided++;
      const inv = TRANSPOSE[d.nd - 1]!.inverseOf(conv, inputShape, { useBias: false, dtype: "float64" });
      assert.equal(inv.channels, inC);
      inv.initialize();
      inv.weight.setData(conv.weight.data());
      const back = inv.forward(y);
      assert.deepEqual(back.shape, inputShape);
      const u = randn(y.shape);
      const lhs = npx.convolution(x, conv.weight.data(), conv.convParams()).mul(u).sum().item();
      const rhs = x.mul(inv.forward(u)).sum().item();
      assert.ok(Math.abs(lhs - rhs) <= 1e-10 * (1 + Math.abs(lhs)), `${lhs} vs ${rhs}`);
    }),
    { numRuns: 100, seed: 9 },
  );
  assert.ok(strided > 30, `only ${strided} strided cases`);
});

test("inverseOf errors: not a conv layer, wrong dimension, a shape the conv rejects, unknown option", () => {
  const conv = new nn.Conv2D(4, { kernelSize: 3, strides: 2, inChannels: 3 });
  assert.throws(
    () => nn.Conv2DTranspose.inverseOf(new nn.Conv2DTranspose(4, { kernelSize: 2 }) as never, [1, 3, 8, 8]),
    /^Error: Conv2DTranspose.inverseOf: conv must be a convolution layer \(nn.Conv1D, Conv2D or Conv3D\), got a Conv2DTranspose$/,
  );
  assert.throws(() => nn.Conv2DTranspose.inverseOf({} as never, [1, 3, 8, 8]), /Conv2DTranspose.inverseOf: conv must be a convolution layer/);
  assert.throws(
    () => nn.Conv1DTranspose.inverseOf(conv, [1, 3, 8, 8]),
    /^Error: Conv1DTranspose.inverseOf: conv is a Conv2D; use nn.Conv2DTranspose.inverseOf$/,
  );
  assert.throws(
    () => nn.Conv2DTranspose.inverseOf(conv, [1, 3, 8]),
    /Conv2DTranspose.inverseOf: inputShape=\[1,3,8\] must be the conv's full input shape, 4 positive integers \(NCHW\)/,
  );
  assert.throws(() => nn.Conv2DTranspose.inverseOf(conv, [1, 5, 8, 8]), /inputShape=\[1,5,8,8\] has 5 channels, but the Conv2D takes 3/);
  assert.throws(
    () => nn.Conv2DTranspose.inverseOf(conv, [1, 3, 2, 8]),
    /Conv2DTranspose.inverseOf: the Conv2D rejects inputShape \[1,3,2,8\]: convolution: padded input 2 is smaller than the dilated kernel 3 on axis 0/,
  );
  assert.throws(() => nn.Conv2DTranspose.inverseOf(conv, [1, 3, 8, 8], { strides: 1 } as never), /Conv2DTranspose.inverseOf: unknown option 'strides'/);
});

test("inverseOf copies the conv's options and resolves SAME padding for the input shape", () => {
  const conv = new nn.Conv2D(8, { kernelSize: [3, 4], strides: [2, 3], dilation: [1, 2], padding: "same", paddingMode: "replicate", layout: "NHWC" });
  const inv = nn.Conv2DTranspose.inverseOf(conv, [1, 7, 10, 6], { activation: "relu" });
  assert.equal(inv.channels, 6);
  assert.deepEqual(inv.kernel, [3, 4]);
  assert.equal(inv.layout, "NHWC");
  // SAME: axis 0: out 4, total (4−1)·2 + 3 − 7 = 2 → [1, 1]; axis 1: out 4, total (4−1)·3 + 7 − 10 = 6 → [3, 3]
  assert.deepEqual(inv.options.padding, [
    [1, 1],
    [3, 3],
  ]);
  assert.deepEqual(inv.options.outputPadding, [0, 0]);
  assert.equal(inv.options.paddingMode, "replicate");
  assert.equal(inv.options.inChannels, 8);
  assert.equal(inv.options.activation, "relu");
});

test("layer.overlapCount equals d2l.overlapCount with the layer's parameters", () => {
  const up = new nn.Conv2DTranspose(4, { kernelSize: [3, 4], strides: 2, padding: 1 });
  assert.deepEqual(up.overlapCount([3, 3]).tolist(), d2l.overlapCount({ kernelSize: [3, 4], strides: 2, padding: 1 }, [3, 3]).tolist());
  assert.deepEqual(up.overlapCount([1, 7, 3, 3]).tolist(), up.overlapCount([3, 3]).tolist());
  // 1-D by hand: k3 s2 over 3 inputs writes positions 0-2, 2-4, 4-6: counts 1 1 2 1 2 1 1
  assert.deepEqual(new nn.Conv1DTranspose(1, { kernelSize: 3, strides: 2 }).overlapCount([3]).tolist(), [1, 1, 2, 1, 2, 1, 1]);
  // circular folds the border writes back: every position of k4 s2 p1 circular gets exactly 2
  assert.deepEqual(
    new nn.Conv1DTranspose(1, { kernelSize: 4, strides: 2, padding: 1, paddingMode: "circular" }).overlapCount([4]).tolist(),
    [2, 2, 2, 2, 2, 2, 2, 2],
  );
  assert.throws(() => up.overlapCount([3]), /Conv2DTranspose.overlapCount: inputShape must be 2 spatial sizes or the full 4-D input shape, got \[3\]/);
});

test("checkerboard warning: once per process, names the axis, the rule and overlapCount; silenceable; a custom handler", () => {
  const got: TconvWarning[] = [];
  warnings.setHandler((w) => got.push(w));
  try {
    warnings.reset();
    new nn.Conv2DTranspose(4, { kernelSize: 4, strides: 2 }); // divisible: no warning
    new nn.Conv2DTranspose(4, { kernelSize: [4, 3], strides: [2, 2] });
    new nn.Conv2DTranspose(4, { kernelSize: 5, strides: 2 }); // a second offender: already reported
    assert.equal(got.length, 1);
    assert.equal(got[0]!.code, "checkerboard");
    assert.equal(
      got[0]!.message,
      "Conv2DTranspose: kernel size 3 is not divisible by stride 2 on spatial axis 1 (W), so neighbouring outputs receive unequal numbers of writes " +
        "(checkerboard artifacts; rule: kernel size % stride == 0 gives even overlap): d2l.overlapCount({kernelSize:3,strides:2}, [4]) = [1, 1, 2, 1, 2, 1, 2, 1, 1]. " +
        'Consider resize-convolution (nn.Upsample then a convolution). Silence with warnings.silence("checkerboard").',
    );
    warnings.reset();
    warnings.silence("checkerboard");
    new nn.Conv1DTranspose(4, { kernelSize: 3, strides: 2 });
    assert.equal(got.length, 1, "silenced");
    warnings.unsilence();
    new nn.Conv1DTranspose(4, { kernelSize: 3, strides: 2 });
    assert.equal(got.length, 2, "unsilenced");
    assert.match(got[1]!.message, /^Conv1DTranspose: kernel size 3 is not divisible by stride 2 on spatial axis 0 \(W\)/);
    assert.throws(() => warnings.silence("nope" as never), /warnings.silence: unknown warning code "nope"; codes are "checkerboard"/);
    assert.throws(() => warnings.setHandler(5 as never), /warnings.setHandler: expects a function or null, got number/);
  } finally {
    warnings.setHandler(null);
  }
});
