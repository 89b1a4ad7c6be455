// npx.convolution / npx.deconvolution: ONNX conformance, PyTorch-semantics cases from the formulas, dtypes and errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { np, npx, resolveConv, type ConvOptions } from "../../src/index.js";
import { directConv, directConvTranspose, maxAbsDiff, prod, randomArray } from "../helpers/conv-direct.js";
import { onnxCases, onnxFixtureDir, onnxOptions } from "../helpers/onnx-conformance.js";

const fixtures = onnxFixtureDir;
const cases = onnxCases;

test("the vendored ONNX data is the shared conformance set", {
  skip: !existsSync(new URL("../../../shared/conformance/onnx", import.meta.url)) && "no ../shared here",
}, () => {
  const shared = new URL("../../../shared/conformance/onnx/", import.meta.url);
  for (const f of readdirSync(shared)) assert.equal(readFileSync(new URL(f, fixtures), "utf8"), readFileSync(new URL(f, shared), "utf8"), f);
});

test("there are 17 ONNX Conv/ConvTranspose conformance cases", () => assert.equal(cases.length, 17));

for (const c of cases)
  test(`ONNX conformance: ${c.name}`, () => {
    const [x, w, b] = c.inputs.map((t) => np.array(Float32Array.from(t.data)).reshape(t.shape));
    const options = { ...onnxOptions(c.attributes, x!.ndim - 2), bias: b ?? null };
    const y = c.op === "Conv" ? npx.convolution(x!, w!, options) : npx.deconvolution(x!, w!, options);
    assert.deepEqual(y.shape, c.output.shape);
    const got = y.asTypedArray();
    const scale = Math.max(...c.output.data.map(Math.abs), 1);
    assert.ok(maxAbsDiff(got, c.output.data) <= 1e-5 * scale, `max diff ${maxAbsDiff(got, c.output.data)}`);
  });

/** Runs an op in float64 and compares it with the direct definition for the same resolved geometry. */
function checkAgainstDirect(op: "convolution" | "deconvolution", xShape: number[], wShape: number[], options: ConvOptions, withBias: boolean) {
  const { geometry: g, outputShape } = resolveConv(op, xShape, wShape, options);
  const x = randomArray(prod(xShape), 21);
  const w = randomArray(prod(wShape), 22);
  const b = withBias ? randomArray(outputShape[1]!, 23) : null;
  const X = np.array(x).reshape(xShape);
  const W = np.array(w).reshape(wShape);
  const call = { ...options, bias: b ? np.array(b) : null };
  const y = op === "convolution" ? npx.convolution(X, W, call) : npx.deconvolution(X, W, call);
  assert.equal(y.dtype, "float64");
  assert.deepEqual(y.shape, outputShape);
  const expected = op === "convolution" ? directConv(g, x, w, b) : directConvTranspose(g, x, w, b);
  assert.ok(maxAbsDiff(y.asTypedArray(), expected) < 1e-12);
}

test("PyTorch semantics: conv_transpose1d with output_padding, stride 3, dilation 2 and bias", () => {
  // L_out = (5 − 1)·3 − 2·1 + 2·(3 − 1) + 2 + 1 = 17 (torch.nn.ConvTranspose1d docs formula)
  assert.deepEqual(resolveConv("deconvolution", [2, 3, 5], [3, 4, 3], { strides: 3, padding: 1, dilation: 2, outputPadding: 2 }).outputShape, [2, 4, 17]);
  checkAgainstDirect("deconvolution", [2, 3, 5], [3, 4, 3], { strides: 3, padding: 1, dilation: 2, outputPadding: 2 }, true);
});

test("PyTorch semantics: grouped conv_transpose2d, weight [Cin, Cout/groups, kh, kw]", () => {
  checkAgainstDirect("deconvolution", [1, 4, 3, 4], [4, 3, 2, 3], { groups: 2, strides: [2, 1], padding: [1, 0] }, true);
});

test("PyTorch semantics: conv3d with groups, dilation and strides", () => {
  checkAgainstDirect("convolution", [1, 4, 5, 6, 5], [6, 2, 2, 3, 2], { groups: 2, dilation: [2, 1, 1], strides: [1, 2, 2], padding: 1 }, true);
});

test("PyTorch semantics: conv_transpose3d with output_padding", () => {
  checkAgainstDirect("deconvolution", [1, 2, 2, 3, 2], [2, 1, 3, 2, 2], { strides: 2, padding: [1, 0, 1], outputPadding: [1, 1, 0] }, false);
});

test("depthwise convolution (groups = channels)", () => {
  checkAgainstDirect("convolution", [2, 3, 6, 6], [3, 1, 3, 3], { groups: 3, padding: 1 }, true);
});

test("asymmetric begin/end padding on a transposed convolution crops begin and end separately", () => {
  checkAgainstDirect(
    "deconvolution",
    [1, 1, 4, 4],
    [1, 2, 3, 3],
    {
      strides: 2,
      padding: [
        [0, 2],
        [1, 0],
      ],
    },
    false,
  );
});

test("channels-last layouts give the channels-first result with moved axes", () => {
  const x = np.array(randomArray(2 * 3 * 5 * 4, 31)).reshape(2, 3, 5, 4);
  const w = np.array(randomArray(3 * 2 * 3 * 2, 32)).reshape(3, 2, 3, 2);
  const first = npx.deconvolution(x, w, { strides: 2, padding: 1 });
  const last = npx.deconvolution(x.transpose(0, 2, 3, 1), w.transpose(0, 2, 3, 1), { strides: 2, padding: 1, layout: "NHWC" });
  assert.deepEqual(last.shape, [2, 9, 6, 2]); // (5 − 1)·2 − 2 + 3, (4 − 1)·2 − 2 + 2
  assert.ok(maxAbsDiff(last.transpose(0, 3, 1, 2).asTypedArray(), first.asTypedArray()) < 1e-12);
});

test("float32 in gives float32 out; float64 in gives float64 out", () => {
  const x = np.ones([1, 1, 3]);
  assert.equal(npx.deconvolution(x, np.ones([1, 1, 2])).dtype, "float32");
  assert.equal(npx.convolution(x.astype("float64"), np.ones([1, 1, 2], { dtype: "float64" })).dtype, "float64");
});

test("mixing float32 and float64 is an error naming both", () => {
  assert.throws(() => npx.convolution(np.ones([1, 1, 3]), np.ones([1, 1, 2], { dtype: "float64" })), {
    message: "convolution: mixed dtypes: input float32, weight float64; convert with astype",
  });
});

test("a bias of the wrong length is rejected before any work", () => {
  assert.throws(() => npx.deconvolution(np.ones([1, 2, 3]), np.ones([2, 3, 2]), { bias: np.ones([2]) }), {
    message: "deconvolution: bias shape [2] must be [3] (one value per output channel)",
  });
});

test("batch 0 computes an empty result of the right shape", () => {
  const y = npx.deconvolution(np.zeros([0, 2, 3, 3]), np.ones([2, 1, 2, 2]), { strides: 2 });
  assert.deepEqual(y.shape, [0, 1, 6, 6]);
  assert.equal(y.size, 0);
});

test("non-array operands are rejected", () => {
  assert.throws(() => npx.convolution([[1]] as never, np.ones([1, 1, 1])), { message: "convolution: input must be an NDArray" });
});
