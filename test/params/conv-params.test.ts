// The resolver: output shapes from the formulas, every padding mode, and errors that name op, option and values.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { resolveConv, type ConvOptions } from "../../src/params/conv-params.js";

const geo = (op: "convolution" | "deconvolution", x: number[], w: number[], o: ConvOptions = {}) => resolveConv(op, x, w, o).geometry;

test("a scalar option applies to every spatial axis", () => {
  const g = geo("convolution", [1, 1, 9, 9, 9], [1, 1, 3, 3, 3], { strides: 2, dilation: 2, padding: 1 });
  assert.deepEqual(
    [g.strides, g.dilation, g.padBegin, g.padEnd],
    [
      [2, 2, 2],
      [2, 2, 2],
      [1, 1, 1],
      [1, 1, 1],
    ],
  );
});

test("convolution output is ⌊(in + padBegin + padEnd − d·(k − 1) − 1)/s⌋ + 1", () => {
  // in 7, pads (1, 0), k 3, s 2: ⌊(7 + 1 − 2 − 1)/2⌋ + 1 = 3; in 5, pads (2, 2), d 2, k 3, s 1: 5 + 4 − 4 − 1 + 1 = 5
  const r = resolveConv("convolution", [2, 3, 7, 5], [4, 3, 3, 3], {
    strides: [2, 1],
    padding: [
      [1, 0],
      [2, 2],
    ],
    dilation: [1, 2],
  });
  assert.deepEqual(r.outputShape, [2, 4, 3, 5]);
});

test("deconvolution output is (in − 1)·s − padBegin − padEnd + d·(k − 1) + outputPadding + 1", () => {
  // (3 − 1)·3 − 1 − 0 + 2·2 + 1 + 1 = 11; (4 − 1)·1 − 0 − 2 + 1·3 + 0 + 1 = 5
  const r = resolveConv("deconvolution", [1, 2, 3, 4], [2, 5, 3, 4], {
    strides: [3, 1],
    padding: [
      [1, 0],
      [0, 2],
    ],
    dilation: [2, 1],
    outputPadding: [1, 0],
  });
  assert.deepEqual(r.outputShape, [1, 5, 11, 5]);
});

test("the book's examples: k2 gives 3×3, padding 1 gives 1×1, strides 2 gives 4×4", () => {
  assert.deepEqual(resolveConv("deconvolution", [1, 1, 2, 2], [1, 1, 2, 2]).outputShape, [1, 1, 3, 3]);
  assert.deepEqual(resolveConv("deconvolution", [1, 1, 2, 2], [1, 1, 2, 2], { padding: 1 }).outputShape, [1, 1, 1, 1]);
  assert.deepEqual(resolveConv("deconvolution", [1, 1, 2, 2], [1, 1, 2, 2], { strides: 2 }).outputShape, [1, 1, 4, 4]);
});

test("a tconv with the conv's hyper-parameters restores the conv's input shape (16 → 6 → 16)", () => {
  const c = resolveConv("convolution", [1, 10, 16, 16], [20, 10, 5, 5], { padding: 2, strides: 3 });
  assert.deepEqual(c.outputShape, [1, 20, 6, 6]);
  assert.deepEqual(resolveConv("deconvolution", c.outputShape, [20, 10, 5, 5], { padding: 2, strides: 3 }).outputShape, [1, 10, 16, 16]);
});

test("output padding restores the remainder lost to stride", () => {
  // conv 6 → ⌊(6 + 2 − 3)/2⌋ + 1 = 3 loses one position; tconv 3 → 5, with outputPadding 1 → 6
  assert.deepEqual(resolveConv("convolution", [1, 1, 6], [1, 1, 3], { strides: 2, padding: 1 }).outputShape, [1, 1, 3]);
  assert.deepEqual(resolveConv("deconvolution", [1, 1, 3], [1, 1, 3], { strides: 2, padding: 1 }).outputShape, [1, 1, 5]);
  assert.deepEqual(resolveConv("deconvolution", [1, 1, 3], [1, 1, 3], { strides: 2, padding: 1, outputPadding: 1 }).outputShape, [1, 1, 6]);
});

test("begin/end padding pairs are kept per axis", () => {
  const g = geo("deconvolution", [1, 1, 3, 3], [1, 1, 3, 3], {
    padding: [
      [0, 2],
      [1, 0],
    ],
  });
  assert.deepEqual(
    [g.padBegin, g.padEnd, g.imageSize],
    [
      [0, 1],
      [2, 0],
      [3, 4],
    ],
  );
});

test('"same" puts the odd padding unit at the end (SAME_UPPER), "same-lower" at the beginning', () => {
  // in 6, s 2, k 3: out ⌈6/2⌉ = 3, total = (3 − 1)·2 + 3 − 6 = 1
  const upper = geo("convolution", [1, 1, 6], [1, 1, 3], { strides: 2, padding: "same" });
  const lower = geo("convolution", [1, 1, 6], [1, 1, 3], { strides: 2, padding: "same-lower" });
  assert.deepEqual([upper.padBegin, upper.padEnd, upper.gridSize], [[0], [1], [3]]);
  assert.deepEqual([lower.padBegin, lower.padEnd, lower.gridSize], [[1], [0], [3]]);
  // in 5, s 1, d 2, k 3: out 5, total 4 → [2, 2]
  assert.deepEqual(geo("convolution", [1, 1, 5], [1, 1, 3], { dilation: 2, padding: "same" }).padBegin, [2]);
});

test('"same" on a transposed convolution gives out = in·s with ONNX total padding', () => {
  // in 3, s 2, k 3: total = 2·2 + 0 + 3 − 6 = 1 → SAME_UPPER [0, 1], SAME_LOWER [1, 0]
  const up = resolveConv("deconvolution", [1, 1, 3, 3], [1, 2, 3, 3], { strides: 2, padding: "same" });
  assert.deepEqual(up.outputShape, [1, 2, 6, 6]);
  assert.deepEqual(
    [up.geometry.padBegin, up.geometry.padEnd],
    [
      [0, 0],
      [1, 1],
    ],
  );
  const lo = geo("deconvolution", [1, 1, 3, 3], [1, 2, 3, 3], { strides: 2, padding: "same-lower" });
  assert.deepEqual(
    [lo.padBegin, lo.padEnd],
    [
      [1, 1],
      [0, 0],
    ],
  );
  // kernel shorter than the stride (k 1, s 3): total = 3·1 + 1 − 6 = −2 → the output is extended at the end
  const short = geo("deconvolution", [1, 1, 2], [1, 1, 1], { strides: 3, padding: "same" });
  assert.deepEqual([short.imageSize, short.padBegin, short.padEnd, short.outputPadding], [[6], [0], [0], [2]]);
});

test('"valid" means no padding', () => {
  assert.deepEqual(resolveConv("convolution", [1, 1, 5, 5], [1, 1, 3, 3], { padding: "valid" }).outputShape, [1, 1, 3, 3]);
});

test("outputShape picks the output padding, or names the reachable range", () => {
  const r = resolveConv("deconvolution", [1, 1, 3, 3], [1, 2, 3, 3], { strides: [3, 2], outputShape: [10, 8] });
  assert.deepEqual(r.geometry.outputPadding, [1, 1]);
  assert.deepEqual(r.outputShape, [1, 2, 10, 8]);
  assert.throws(() => resolveConv("deconvolution", [1, 1, 3, 3], [1, 1, 3, 3], { strides: 2, padding: 1, outputShape: [9, 9] }), {
    message: "deconvolution: outputShape [9,9] is unreachable; reachable range on axis 0 is 5..6",
  });
  assert.throws(
    () => resolveConv("deconvolution", [1, 1, 3], [1, 1, 3], { strides: 2, outputShape: [8], outputPadding: 0 }),
    /deconvolution: outputPadding=\[0\] disagrees with outputShape \[8\], which needs outputPadding=\[1\]/,
  );
});

test("outputShape with same padding sets the total padding as ONNX", () => {
  // total = 2·(3 − 1) + 0 + 3 − 5 = 2 → [1, 1]
  const g = geo("deconvolution", [1, 1, 3], [1, 1, 3], { strides: 2, padding: "same", outputShape: [5] });
  assert.deepEqual([g.imageSize, g.padBegin, g.padEnd], [[5], [1], [1]]);
});

test("channels-last layouts read channels from the last axis and weights as [O, ...k, I/groups]", () => {
  const r = resolveConv("convolution", [2, 8, 8, 6], [4, 3, 3, 3], { layout: "NHWC", groups: 2 });
  assert.deepEqual(r.outputShape, [2, 6, 6, 4]);
  assert.equal(r.geometry.channelsLast, true);
  const t = resolveConv("deconvolution", [2, 5, 4], [4, 3, 3], { layout: "NWC", groups: 2 });
  assert.deepEqual(t.outputShape, [2, 7, 6]);
  const d3 = resolveConv("convolution", [1, 4, 4, 4, 2], [3, 2, 2, 2, 2], { layout: "NDHWC" });
  assert.deepEqual(d3.outputShape, [1, 3, 3, 3, 3]);
});

test("groups split channels: deconvolution output channels are weight axis 1 × groups", () => {
  const g = geo("deconvolution", [1, 6, 3], [6, 2, 3], { groups: 3 });
  assert.deepEqual([g.gridChannels, g.imageChannels, g.groups], [6, 6, 3]);
});

test("batch 0 and size-1 axes resolve", () => {
  assert.deepEqual(resolveConv("convolution", [0, 1, 1, 1], [2, 1, 1, 1]).outputShape, [0, 2, 1, 1]);
  assert.deepEqual(resolveConv("deconvolution", [0, 1, 1], [1, 1, 1]).outputShape, [0, 1, 1]);
});

test("a kernel larger than the input works where padding makes room", () => {
  assert.deepEqual(resolveConv("convolution", [1, 1, 2], [1, 1, 5], { padding: 2 }).outputShape, [1, 1, 2]);
  assert.deepEqual(resolveConv("deconvolution", [1, 1, 2], [1, 1, 5]).outputShape, [1, 1, 6]);
});

const errors: [string, () => unknown, string | RegExp][] = [
  [
    "outputPadding ≥ max(strides, dilation)",
    () => resolveConv("deconvolution", [1, 1, 3, 3], [1, 1, 3, 3], { strides: [2, 1], outputPadding: [2, 0] }),
    "deconvolution: outputPadding=[2,0] must be < max(strides, dilation)=[2,1] on every axis",
  ],
  [
    "groups not dividing input channels",
    () => resolveConv("convolution", [1, 8, 5, 5], [6, 3, 3, 3], { groups: 3 }),
    "convolution: groups=3 must divide input channels 8",
  ],
  [
    "groups not dividing deconvolution input channels",
    () => resolveConv("deconvolution", [1, 8, 5], [8, 1, 3], { groups: 3 }),
    "deconvolution: groups=3 must divide input channels 8",
  ],
  [
    "padded input smaller than the dilated kernel",
    () => resolveConv("convolution", [1, 1, 3], [1, 1, 3], { dilation: 2 }),
    "convolution: padded input 3 is smaller than the dilated kernel 5 on axis 0",
  ],
  ["channel mismatch", () => resolveConv("convolution", [1, 3, 5, 5], [2, 4, 3, 3]), /^convolution: input has 3 channels, weight expects 4/],
  ["deconvolution channel mismatch", () => resolveConv("deconvolution", [1, 3, 5, 5], [4, 2, 3, 3]), /^deconvolution: input has 3 channels, weight expects 4/],
  ["unknown layout", () => resolveConv("convolution", [1, 1, 5, 5], [1, 1, 3, 3], { layout: "HWCN" as never }), /^convolution: unknown layout "HWCN"/],
  [
    "layout of another rank",
    () => resolveConv("convolution", [1, 1, 5, 5], [1, 1, 3, 3], { layout: "NWC" }),
    /^convolution: layout "NWC" is for 1-D convolution/,
  ],
  [
    "weight rank ≠ input rank",
    () => resolveConv("convolution", [1, 1, 5, 5], [1, 1, 3]),
    "convolution: weight rank 3 (shape [1,1,3]) != input rank 4 (shape [1,1,5,5])",
  ],
  ["input rank outside 3..5", () => resolveConv("convolution", [5, 5], [1, 1]), /^convolution: input must be 3-D, 4-D or 5-D/],
  ["non-integer strides", () => resolveConv("convolution", [1, 1, 5], [1, 1, 3], { strides: 1.5 }), "convolution: strides=[1.5] must be integers >= 1"],
  ["zero strides", () => resolveConv("convolution", [1, 1, 5, 5], [1, 1, 3, 3], { strides: [1, 0] }), "convolution: strides=[1,0] must be integers >= 1"],
  ["negative padding", () => resolveConv("convolution", [1, 1, 5], [1, 1, 3], { padding: -1 }), "convolution: padding=-1 must be an integer >= 0"],
  [
    "wrong number of per-axis values",
    () => resolveConv("convolution", [1, 1, 5, 5], [1, 1, 3, 3], { dilation: [1, 1, 1] }),
    "convolution: dilation=[1,1,1] must have 2 entries, one per spatial axis",
  ],
  ["unknown padding mode", () => resolveConv("convolution", [1, 1, 5], [1, 1, 3], { padding: "full" as never }), /^convolution: padding="full" is not one of/],
  [
    "outputPadding on a convolution",
    () => resolveConv("convolution", [1, 1, 5], [1, 1, 3], { outputPadding: 1 }),
    "convolution: outputPadding applies to deconvolution only",
  ],
  [
    "unknown option",
    () => resolveConv("convolution", [1, 1, 5], [1, 1, 3], { stride: 2 } as never),
    /^convolution: unknown option 'stride' \(did you mean 'strides'\?\)/,
  ],
  ["zero-size kernel", () => resolveConv("convolution", [1, 1, 5], [1, 1, 0]), /^convolution: kernel size \[0\]/],
  [
    "non-positive deconvolution output",
    () => resolveConv("deconvolution", [1, 1, 1], [1, 1, 1], { padding: 1 }),
    /^deconvolution: output size -1 on axis 0 is not positive/,
  ],
];
for (const [name, fn, message] of errors)
  test(`bad input is rejected with a message naming op, option and values: ${name}`, () => {
    assert.throws(fn, { message });
  });

test("random option sets either give the formula's shape or a clear error (property)", () => {
  const axis = fc.record({
    size: fc.integer({ min: 0, max: 9 }),
    k: fc.integer({ min: 0, max: 5 }),
    s: fc.integer({ min: -1, max: 4 }),
    d: fc.integer({ min: 0, max: 3 }),
    pb: fc.integer({ min: -1, max: 4 }),
    pe: fc.integer({ min: 0, max: 4 }),
    op: fc.integer({ min: 0, max: 3 }),
  });
  fc.assert(
    fc.property(
      fc.constantFrom<"convolution" | "deconvolution">("convolution", "deconvolution"),
      fc.integer({ min: 1, max: 3 }),
      fc.array(axis, { minLength: 3, maxLength: 3 }),
      fc.integer({ min: 0, max: 3 }),
      fc.integer({ min: 1, max: 6 }),
      fc.integer({ min: 1, max: 6 }),
      fc.boolean(),
      (op, nd, axes3, groups, cx, cw, pairs) => {
        const axes = axes3.slice(0, nd);
        const x = [2, cx, ...axes.map((a) => a.size)];
        const w = [op === "convolution" ? cw : cx, op === "convolution" ? Math.max(1, Math.floor(cx / Math.max(groups, 1))) : cw, ...axes.map((a) => a.k)];
        const o: ConvOptions = {
          strides: axes.map((a) => a.s),
          dilation: axes.map((a) => a.d),
          padding: pairs ? axes.map((a) => [a.pb, a.pe] as [number, number]) : axes.map((a) => a.pb),
          groups,
          ...(op === "deconvolution" ? { outputPadding: axes.map((a) => a.op) } : {}),
        };
        let out: readonly number[];
        try {
          out = resolveConv(op, x, w, o).outputShape;
        } catch (e) {
          assert.ok(e instanceof Error && e.message.startsWith(`${op}: `), String(e));
          return;
        }
        // accepted: every value was valid, and the shape is the formula's
        for (const a of axes) {
          assert.ok(a.size >= 1 && a.k >= 1 && a.s >= 1 && a.d >= 1 && a.pb >= 0);
          const pe = pairs ? a.pe : a.pb;
          const dk = a.d * (a.k - 1) + 1;
          const expected = op === "convolution" ? Math.floor((a.size + a.pb + pe - dk) / a.s) + 1 : (a.size - 1) * a.s - a.pb - pe + dk + a.op;
          if (op === "deconvolution") assert.ok(a.op < Math.max(a.s, a.d));
          assert.ok(expected >= 1);
          assert.equal(out[2 + axes.indexOf(a)], expected);
        }
        assert.equal(out[0], 2);
        assert.ok(groups >= 1 && cx % groups === 0);
      },
    ),
    { numRuns: 3000 },
  );
});
