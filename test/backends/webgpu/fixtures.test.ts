// Independent fixtures on gpu(0): the 17 ONNX Conv / ConvTranspose conformance cases (test/fixtures/onnx), PyTorch
// 1.13's layer outputs and gradients (test/fixtures/torch/layers.json) and PyTorch-exported ONNX models imported with
// onnx.importToGluon and moved with resetCtx, within float32 tolerance.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { autograd, init, type NDArray, nn, np, npx } from "../../../src/index.js";
import { onnx } from "../../../src/onnx/index.js";
import { compare, modelFixtures, toArray } from "../../helpers/onnx-models.js";
import { destroyGpu } from "../../../src/backends/webgpu/index.js";
import { openTestGpu } from "../../helpers/webgpu.js";
import { onnxCases, onnxOptions, type OnnxTensor } from "../../helpers/onnx-conformance.js";

const SKIP = await openTestGpu();
after(() => destroyGpu());

type Tensor = Pick<OnnxTensor, "shape" | "data">;

const onGpu = (t: Tensor) => np.array(Float32Array.from(t.data), { ctx: npx.gpu() }).reshape(t.shape);

async function close(got: NDArray, want: Tensor, tol: number, what: string): Promise<void> {
  assert.equal(String(got.ctx), "gpu(0)", `${what}: on the GPU`);
  await got.wait();
  assert.deepEqual(got.shape, want.shape, `${what}: shape`);
  const g = got.asTypedArray();
  want.data.forEach((w, i) => assert.ok(Math.abs(g[i]! - w) <= tol * (1 + Math.abs(w)), `${what}[${i}]: ${g[i]} on the GPU vs ${w}`));
}

test("the 17 ONNX Conv / ConvTranspose conformance cases on gpu(0)", { skip: SKIP }, async () => {
  assert.equal(onnxCases.length, 17);
  for (const c of onnxCases) {
    const [x, w, b] = c.inputs.map(onGpu);
    const options = { ...onnxOptions(c.attributes, x!.ndim - 2), bias: b ?? null };
    const y = c.op === "Conv" ? npx.convolution(x!, w!, options) : npx.deconvolution(x!, w!, options);
    const scale = Math.max(...c.output.data.map(Math.abs), 1);
    await close(y, c.output, 1e-5 * scale, c.name);
  }
});

interface TorchCase {
  name: string;
  x: Tensor;
  v: Tensor;
  y: Tensor;
  dx: Tensor;
  w?: Tensor;
  b?: Tensor;
  dw?: Tensor;
  db?: Tensor;
}
const torch = JSON.parse(readFileSync(new URL("../../fixtures/torch/layers.json", import.meta.url), "utf8")) as { cases: TorchCase[] };
const torchCase = (name: string): TorchCase => torch.cases.find((c) => c.name === name)!;

/** y = f(x) and d(Σ v·y)/dx on the GPU for the fixture's x and v. */
function run(f: (x: NDArray) => NDArray, c: TorchCase): { y: NDArray; dx: NDArray } {
  const x = onGpu(c.x).attachGrad();
  const y = autograd.record(() => f(x));
  y.backward(onGpu(c.v));
  return { y, dx: x.grad! };
}

test("PyTorch's leaky_relu 0.2, elu 0.7, selu and tanh outputs and input gradients on gpu(0)", { skip: SKIP }, async () => {
  const fns: Record<string, (x: NDArray) => NDArray> = {
    "leaky_relu 0.2": (x) => new nn.LeakyReLU(0.2).forward(x),
    "elu 0.7": (x) => new nn.ELU(0.7).forward(x),
    selu: (x) => new nn.SELU().forward(x),
    tanh: (x) => np.tanh(x),
  };
  for (const [name, f] of Object.entries(fns)) {
    const c = torchCase(name);
    const { y, dx } = run(f, c);
    await close(y, c.y, 1e-5, `${name}: y`);
    await close(dx, c.dx, 1e-5, `${name}: dx`);
  }
});

test("PyTorch's linear (nn.Dense without flatten) output and gradients on gpu(0)", { skip: SKIP }, async () => {
  const c = torchCase("linear");
  const cpu = (t: Tensor) => np.array(Float32Array.from(t.data)).reshape(t.shape);
  const d = new nn.Dense(5, { flatten: false, weightInitializer: init.Constant(cpu(c.w!)), biasInitializer: init.Constant(cpu(c.b!)) });
  d.initialize(null, { ctx: npx.gpu() });
  const { y, dx } = run((x) => d.forward(x), c);
  await close(y, c.y, 1e-5, "y");
  await close(dx, c.dx, 1e-5, "dx");
  await close(d.weight.grad()!, c.dw!, 1e-5, "dw");
  await close(d.bias!.grad()!, c.db!, 1e-5, "db");
});

interface BnCase extends TorchCase {
  gamma: Tensor;
  beta: Tensor;
  dgamma: Tensor;
  dbeta: Tensor;
  running_mean: Tensor;
  running_var: Tensor;
  batch_var_biased?: Tensor;
}

test("PyTorch's BatchNorm2d in training and eval mode on gpu(0): output, input / gamma / beta gradients, running mean", { skip: SKIP }, async () => {
  const cpu = (t: Tensor) => np.array(Float32Array.from(t.data)).reshape(t.shape);
  for (const mode of ["train", "eval"] as const) {
    const c = torchCase(`BatchNorm2d ${mode}`) as BnCase;
    const bn = new nn.BatchNorm({
      momentum: 0.9,
      gammaInitializer: init.Constant(cpu(c.gamma)),
      betaInitializer: init.Constant(cpu(c.beta)),
      ...(mode === "eval" ? { runningMeanInitializer: init.Constant(cpu(c.running_mean)), runningVarianceInitializer: init.Constant(cpu(c.running_var)) } : {}),
    });
    bn.initialize(null, { ctx: npx.gpu() });
    const x = onGpu(c.x).attachGrad();
    const y = autograd.record(() => bn.forward(x), { trainMode: mode === "train" });
    y.backward(onGpu(c.v));
    await close(y, c.y, 1e-4, `${mode}: y`);
    await close(x.grad!, c.dx, 1e-4, `${mode}: dx`);
    await close(bn.gamma.grad()!, c.dgamma, 1e-4, `${mode}: dgamma`);
    await close(bn.beta.grad()!, c.dbeta, 1e-4, `${mode}: dbeta`);
    if (mode === "train") {
      await close(bn.runningMean.data(), c.running_mean, 1e-5, "running_mean (PyTorch momentum 0.1 = MXNet 0.9)");
      // MXNet's running variance averages the biased batch variance (PyTorch's the unbiased one)
      await close(bn.runningVar.data(), { shape: [3], data: c.batch_var_biased!.data.map((v) => 0.9 + 0.1 * v) }, 1e-5, "running_var");
    }
  }
});

test("PyTorch's scaled-down DCGAN generator (ConvTranspose, BatchNorm, ReLU, tanh) on gpu(0): training- and predict-mode images", { skip: SKIP }, async () => {
  const c = torch.cases.find((k) => k.name === "dcgan generator") as unknown as {
    state: Record<string, Tensor>;
    z: Tensor;
    y_train: Tensor;
    y_eval: Tensor;
    running_after: Record<string, Tensor>;
  };
  const cpu = (t: Tensor) => np.array(Float32Array.from(t.data)).reshape(t.shape);
  const C = (k: string) => init.Constant(cpu(c.state[k]!));
  const bn = (i: number) =>
    new nn.BatchNorm({
      gammaInitializer: C(`${i}.weight`),
      betaInitializer: C(`${i}.bias`),
      runningMeanInitializer: C(`${i}.running_mean`),
      runningVarianceInitializer: C(`${i}.running_var`),
    });
  const tc = (i: number, ch: number, strides: number, padding: number, activation?: "tanh") =>
    new nn.Conv2DTranspose(ch, { kernelSize: 4, strides, padding, useBias: false, weightInitializer: C(`${i}.weight`), activation });
  const G = new nn.Sequential().add(tc(0, 6, 1, 0), bn(1), new nn.Activation("relu"), tc(3, 3, 2, 1), bn(4), new nn.Activation("relu"), tc(6, 2, 2, 1, "tanh"));
  G.initialize(null, { ctx: npx.gpu() });
  const z = onGpu(c.z);
  await close(
    autograd.record(() => G.forward(z)),
    c.y_train,
    1e-4,
    "training-mode image",
  );
  const params = G.collectParams();
  for (const i of [1, 4]) {
    await close(params.get(`${i}.running_mean`).data(), c.running_after[`${i}.running_mean`]!, 1e-5, `${i}.running_mean`);
    params.get(`${i}.running_var`).setData(cpu(c.running_after[`${i}.running_var`]!));
  }
  await close(G.forward(z), c.y_eval, 1e-4, "predict-mode image");
});

test("PyTorch's pixel_shuffle (factors 2 and 3) on gpu(0): PixelShuffle2D output and input gradient, up to float32 rounding of the data", {
  skip: SKIP,
}, async () => {
  for (const c of torch.cases.filter((k) => k.name.startsWith("pixel_shuffle"))) {
    const factor = (c as unknown as { factor: number }).factor;
    const { y, dx } = run((x) => new nn.PixelShuffle2D(factor).forward(x), c);
    await close(y, c.y, 1e-7, `${c.name}: y`);
    await close(dx, c.dx, 1e-7, `${c.name}: dx`);
  }
});

test("ONNX models exported from PyTorch, imported and moved to gpu(0) with resetCtx, give PyTorch's outputs (DCGAN generator, ESPCN, VAE decoder)", {
  skip: SKIP,
}, async () => {
  const fixtures = modelFixtures();
  for (const name of ["dcgan_generator", "espcn", "vae_decoder"]) {
    const f = fixtures.find((m) => m.name === name)!;
    const net = onnx.importToGluon(f.bytes);
    net.resetCtx(npx.gpu());
    const outs = net.run(...f.inputs.map((t) => toArray(t).asInCtx(npx.gpu())));
    assert.equal(outs.length, f.outputs.length);
    for (const [k, o] of outs.entries()) {
      assert.equal(String(o.ctx), "gpu(0)");
      await o.wait();
      assert.deepEqual(o.shape, f.outputs[k]!.shape);
      const { maxErr, scale } = compare(o.asTypedArray(), f.outputs[k]!.data);
      assert.ok(maxErr <= 1e-5 * scale, `${name} output ${k}: max error ${maxErr}`);
    }
  }
  await npx.waitAll();
});

test("ONNX models whose graph constants are not Parameters (Constant nodes, ConstantOfShape, Cast of int64 data) run on gpu(0) after resetCtx and equal the same model on the CPU; max pooling, Resize, Pad, Expand and Sin run there too", {
  skip: SKIP,
}, async () => {
  const fixtures = modelFixtures();
  for (const name of ["layout_ops", "conv_attrs", "misc_ops", "norm_acts", "unet_small", "diffusion_block"]) {
    const f = fixtures.find((m) => m.name === name)!;
    const inputs = f.inputs.map((t) => toArray(t));
    const want = onnx.importToGluon(f.bytes).run(...inputs);
    const net = onnx.importToGluon(f.bytes);
    net.resetCtx(npx.gpu());
    const outs = net.run(...inputs.map((x) => x.asInCtx(npx.gpu())));
    assert.equal(outs.length, want.length);
    for (const [k, o] of outs.entries()) {
      assert.equal(String(o.ctx), "gpu(0)", `${name} output ${k}`);
      await o.wait();
      assert.deepEqual(o.shape, want[k]!.shape);
      const { maxErr, scale } = compare(o.asTypedArray(), want[k]!.asTypedArray());
      assert.ok(maxErr <= 1e-5 * scale, `${name} output ${k}: max error ${maxErr} (scale ${scale})`);
    }
  }
});
