// The new layers against PyTorch 1.13's outputs and gradients (test/fixtures/torch/layers.json, written by
// scripts/fixtures/make-layers.py), float64 throughout.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { NDArray, autograd, init, nn, np, npx } from "../../src/index.js";

interface T {
  shape: number[];
  data: number[];
}
// biome-ignore lint/suspicious/noExplicitAny: the fixture JSON holds cases of many shapes; each test reads its own fields
type Case = Record<string, any> & { name: string };
const fixture = JSON.parse(readFileSync(new URL("../fixtures/torch/layers.json", import.meta.url), "utf8")) as { cases: Case[] };
const get = (name: string): Case => fixture.cases.find((c) => c.name === name)!;
const arr = (t: T) => new NDArray(Float64Array.from(t.data), t.shape);

function close(got: NDArray, want: T, tol: number, what: string): void {
  assert.deepEqual(got.shape, want.shape, `${what}: shape`);
  const g = got.asTypedArray();
  for (let i = 0; i < want.data.length; i++)
    assert.ok(Math.abs(g[i]! - want.data[i]!) <= tol * (1 + Math.abs(want.data[i]!)), `${what}[${i}]: ${g[i]} vs PyTorch ${want.data[i]}`);
}

/** y = f(x) and d(Σ v·y)/dx for the fixture's v. */
function run(f: (x: NDArray) => NDArray, c: Case, mode: "train" | "predict" = "predict"): { y: NDArray; dx: NDArray } {
  const x = arr(c.x).attachGrad();
  const y = autograd.record(() => f(x), { trainMode: mode === "train" });
  y.backward(arr(c.v));
  return { y, dx: x.grad! };
}

test("BatchNorm in training mode: output and gradients equal PyTorch's BatchNorm2d; running mean follows MXNet's rule", () => {
  const c = get("BatchNorm2d train");
  const bn = new nn.BatchNorm({
    momentum: 0.9,
    gammaInitializer: init.Constant(arr(c.gamma)),
    betaInitializer: init.Constant(arr(c.beta)),
    dtype: "float64",
  }).initialize();
  const { y, dx } = run((x) => bn.forward(x), c, "train");
  close(y, c.y, 1e-12, "y");
  close(dx, c.dx, 1e-12, "dx");
  close(bn.gamma.grad()!, c.dgamma, 1e-12, "dgamma");
  close(bn.beta.grad()!, c.dbeta, 1e-12, "dbeta");
  close(bn.runningMean.data(), c.running_mean, 1e-12, "running_mean (PyTorch momentum 0.1 = MXNet 0.9)");
  // MXNet's running variance averages the biased batch variance (PyTorch's the unbiased one)
  const want = (c.batch_var_biased as T).data.map((v) => 0.9 * 1 + 0.1 * v);
  close(bn.runningVar.data(), { shape: [3], data: want }, 1e-12, "running_var");
});

test("BatchNorm in predict mode equals PyTorch's eval mode, gradients included", () => {
  const c = get("BatchNorm2d eval");
  const bn = new nn.BatchNorm({
    gammaInitializer: init.Constant(arr(c.gamma)),
    betaInitializer: init.Constant(arr(c.beta)),
    runningMeanInitializer: init.Constant(arr(c.running_mean)),
    runningVarianceInitializer: init.Constant(arr(c.running_var)),
    dtype: "float64",
  }).initialize();
  const { y, dx } = run((x) => bn.forward(x), c, "predict");
  close(y, c.y, 1e-12, "y");
  close(dx, c.dx, 1e-12, "dx");
  close(bn.gamma.grad()!, c.dgamma, 1e-12, "dgamma");
  close(bn.beta.grad()!, c.dbeta, 1e-12, "dbeta");
});

test("pooling layers equal PyTorch's max/avg pooling (ceil_mode, count_include_pad, 1-D to 3-D), gradients included", () => {
  type Opts = { kernel_size: number; stride: number; padding: number; ceil_mode: boolean; count_include_pad?: boolean };
  const layers: Record<string, (o: Opts) => nn.Block> = {
    max_pool1d: (o) => new nn.MaxPool1D({ poolSize: o.kernel_size, strides: o.stride, padding: o.padding, ceilMode: o.ceil_mode }),
    max_pool2d: (o) => new nn.MaxPool2D({ poolSize: o.kernel_size, strides: o.stride, padding: o.padding, ceilMode: o.ceil_mode }),
    max_pool3d: (o) => new nn.MaxPool3D({ poolSize: o.kernel_size, strides: o.stride, padding: o.padding, ceilMode: o.ceil_mode }),
    avg_pool1d: (o) =>
      new nn.AvgPool1D({ poolSize: o.kernel_size, strides: o.stride, padding: o.padding, ceilMode: o.ceil_mode, countIncludePad: o.count_include_pad }),
    avg_pool2d: (o) =>
      new nn.AvgPool2D({ poolSize: o.kernel_size, strides: o.stride, padding: o.padding, ceilMode: o.ceil_mode, countIncludePad: o.count_include_pad }),
    avg_pool3d: (o) =>
      new nn.AvgPool3D({ poolSize: o.kernel_size, strides: o.stride, padding: o.padding, ceilMode: o.ceil_mode, countIncludePad: o.count_include_pad }),
  };
  let n = 0;
  for (const c of fixture.cases.filter((k) => /pool/.test(k.name))) {
    const layer = layers[c.name.split(" ")[0]!]!(c.opts as Opts);
    const { y, dx } = run((x) => layer.forward(x) as NDArray, c);
    close(y, c.y, 1e-12, `${c.name} y`);
    close(dx, c.dx, 1e-12, `${c.name} dx`);
    n++;
  }
  assert.equal(n, 7);
});

test("PixelShuffle2D equals PyTorch's pixel_shuffle (and depthToSpace CRD), gradients included", () => {
  for (const c of fixture.cases.filter((k) => k.name.startsWith("pixel_shuffle"))) {
    const { y, dx } = run((x) => new nn.PixelShuffle2D(c.factor as number).forward(x), c);
    close(y, c.y, 0, `${c.name} y`);
    close(dx, c.dx, 0, `${c.name} dx`);
    close(npx.depthToSpace(arr(c.x), c.factor as number, { mode: "CRD" }), c.y, 0, `${c.name} depthToSpace CRD`);
  }
});

test("activations equal PyTorch's leaky_relu, elu, selu, gelu (exact), softsign and tanh, gradients included", () => {
  const fns: Record<string, (x: NDArray) => NDArray> = {
    "leaky_relu 0.2": (x) => new nn.LeakyReLU(0.2).forward(x),
    "elu 0.7": (x) => new nn.ELU(0.7).forward(x),
    selu: (x) => new nn.SELU().forward(x),
    gelu: (x) => new nn.GELU().forward(x),
    softsign: (x) => new nn.Activation("softsign").forward(x),
    tanh: (x) => np.tanh(x),
  };
  for (const [name, f] of Object.entries(fns)) {
    const c = get(name);
    const { y, dx } = run(f, c);
    close(y, c.y, 1e-13, `${name} y`);
    close(dx, c.dx, 1e-13, `${name} dx`);
  }
});

test("PReLU with per-channel slopes equals PyTorch's prelu, gradients included", () => {
  const c = get("prelu");
  const p = new nn.PReLU({ inChannels: 3, alphaInitializer: init.Constant(arr(c.alpha)), dtype: "float64" }).initialize();
  const { y, dx } = run((x) => p.forward(x), c);
  close(y, c.y, 1e-13, "y");
  close(dx, c.dx, 1e-13, "dx");
  close(p.alpha.grad()!, c.dalpha, 1e-12, "dalpha");
});

test("Dense with flatten: false equals PyTorch's Linear (weight [out, in]), gradients included", () => {
  const c = get("linear");
  const d = new nn.Dense(5, {
    flatten: false,
    weightInitializer: init.Constant(arr(c.w)),
    biasInitializer: init.Constant(arr(c.b)),
    dtype: "float64",
  }).initialize();
  const { y, dx } = run((x) => d.forward(x), c);
  close(y, c.y, 1e-12, "y");
  close(dx, c.dx, 1e-12, "dx");
  close(d.weight.grad()!, c.dw, 1e-12, "dw");
  close(d.bias!.grad()!, c.db, 1e-12, "db");
});

test("a scaled-down DCGAN generator with PyTorch's weights gives PyTorch's images in training and predict mode", () => {
  const c = get("dcgan generator");
  const s = c.state as Record<string, T>;
  const C = (k: string) => init.Constant(arr(s[k]!));
  const bn = (i: number) =>
    new nn.BatchNorm({
      gammaInitializer: C(`${i}.weight`),
      betaInitializer: C(`${i}.bias`),
      runningMeanInitializer: C(`${i}.running_mean`),
      runningVarianceInitializer: C(`${i}.running_var`),
      dtype: "float64",
    });
  const tc = (i: number, ch: number, strides: number, padding: number, activation?: "tanh") =>
    new nn.Conv2DTranspose(ch, { kernelSize: 4, strides, padding, useBias: false, weightInitializer: C(`${i}.weight`), dtype: "float64", activation });
  const G = new nn.Sequential().add(tc(0, 6, 1, 0), bn(1), new nn.Activation("relu"), tc(3, 3, 2, 1), bn(4), new nn.Activation("relu"), tc(6, 2, 2, 1, "tanh"));
  G.initialize();
  const z = arr(c.z);
  close(
    autograd.record(() => G.forward(z)),
    c.y_train,
    1e-12,
    "training-mode image",
  );
  const after = c.running_after as Record<string, T>;
  const params = G.collectParams();
  for (const i of [1, 4]) {
    close(params.get(`${i}.running_mean`).data(), after[`${i}.running_mean`]!, 1e-12, `${i}.running_mean`);
    // PyTorch's running variance averages the unbiased batch variance: take it over to compare predict mode
    params.get(`${i}.running_var`).setData(arr(after[`${i}.running_var`]!));
  }
  close(G.forward(z), c.y_eval, 1e-12, "predict-mode image");
});
