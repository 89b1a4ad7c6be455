// Second-order penalties against PyTorch 1.13 (test/fixtures/torch/second-order.json, written by
// scripts/fixtures/make-second-order.py): WGAN-GP, R1 through a transposed convolution, and the path-length
// regulariser through a generator of transposed convolutions with predict-mode BatchNorm, float64 throughout.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { NDArray, autograd, init, nn } from "../../src/index.js";

interface T {
  shape: number[];
  data: number[];
}
interface Case {
  name: string;
  state: Record<string, T>;
  x: T;
  y?: T;
  penalty: number;
  dx: T;
  dparams: Record<string, T>;
}
const fixture = JSON.parse(readFileSync(new URL("../fixtures/torch/second-order.json", import.meta.url), "utf8")) as { cases: Case[] };
const get = (name: string): Case => fixture.cases.find((c) => c.name === name)!;
const arr = (t: T) => new NDArray(Float64Array.from(t.data), t.shape);

/** The largest |tconv − PyTorch| / (1 + |PyTorch|) per case, printed once at the end. */
const worst = new Map<string, number>();

function close(got: NDArray, want: T, tol: number, what: string, name = ""): void {
  assert.deepEqual(got.shape, want.shape, `${what}: shape`);
  const g = got.asTypedArray();
  for (let i = 0; i < want.data.length; i++) {
    const err = Math.abs(g[i]! - want.data[i]!) / (1 + Math.abs(want.data[i]!));
    worst.set(name, Math.max(worst.get(name) ?? 0, err));
    assert.ok(err <= tol, `${what}[${i}]: ${g[i]} vs PyTorch ${want.data[i]}`);
  }
}

/** Every parameter's gradient (by PyTorch's state-dict name; BatchNorm's weight/bias are Gluon's gamma/beta) equals PyTorch's. */
function checkParams(net: nn.Block, c: Case): void {
  const params = net.collectParams();
  const have = new Set(params.keys());
  const names = Object.keys(c.dparams);
  assert.ok(names.length > 0);
  for (const k of names) {
    const gluon = have.has(k) ? k : k.replace(/\.weight$/, ".gamma").replace(/\.bias$/, ".beta");
    close(params.get(gluon).grad()!, c.dparams[k]!, 1e-10, `d penalty / d ${k}`, c.name);
  }
}

const C = (c: Case, k: string) => init.Constant(arr(c.state[k]!));
const conv = (c: Case, i: number, ch: number, kernelSize: number, strides: number, padding: number) =>
  new nn.Conv2D(ch, { kernelSize, strides, padding, weightInitializer: C(c, `${i}.weight`), biasInitializer: C(c, `${i}.bias`), dtype: "float64" });
const convT = (c: Case, i: number, ch: number, strides: number, padding: number, useBias: boolean) =>
  new nn.Conv2DTranspose(ch, {
    kernelSize: 4,
    strides,
    padding,
    useBias,
    weightInitializer: C(c, `${i}.weight`),
    ...(useBias ? { biasInitializer: C(c, `${i}.bias`) } : {}),
    dtype: "float64",
  });
const batchNorm = (c: Case, i: number) =>
  new nn.BatchNorm({
    momentum: 0.9,
    gammaInitializer: C(c, `${i}.weight`),
    betaInitializer: C(c, `${i}.bias`),
    runningMeanInitializer: C(c, `${i}.running_mean`),
    runningVarianceInitializer: C(c, `${i}.running_var`),
    dtype: "float64",
  });

test("WGAN-GP: λ·mean(‖∂D(x̂)/∂x̂‖ − 1)² of a BatchNorm-free critic, and its gradients w.r.t. x̂ and every parameter, equal PyTorch's", () => {
  const c = get("wgan-gp critic");
  const D = new nn.Sequential().add(
    conv(c, 0, 8, 4, 2, 1),
    new nn.LeakyReLU(0.2),
    conv(c, 2, 16, 4, 2, 1),
    new nn.LeakyReLU(0.2),
    new nn.Flatten(),
    new nn.Dense(1, { weightInitializer: C(c, "5.weight"), biasInitializer: C(c, "5.bias"), dtype: "float64" }),
  );
  D.initialize();
  const x = arr(c.x).attachGrad();
  const gp = autograd.record(() => {
    const g = autograd.grad(D.forward(x).sum(), x, { createGraph: true });
    const norms = g.reshape(x.shape[0]!, -1).pow(2).sum({ axis: 1 }).sqrt();
    return norms.sub(1).pow(2).mean().mul(10);
  });
  assert.ok(Math.abs(gp.item() - c.penalty) <= 1e-12 * (1 + c.penalty), `penalty ${gp.item()} vs PyTorch ${c.penalty}`);
  gp.backward();
  close(x.grad!, c.dx, 1e-10, "d penalty / d x̂", c.name);
  checkParams(D, c);
});

test("R1: γ/2·mean‖∂D(x)/∂x‖² through a critic with a transposed convolution and training-mode BatchNorm equals PyTorch's", () => {
  const c = get("r1 critic with a transposed convolution");
  const D = new nn.Sequential().add(
    conv(c, 0, 6, 3, 2, 1),
    new nn.ELU(),
    convT(c, 2, 4, 2, 1, true),
    batchNorm(c, 3),
    new nn.Activation("softrelu"),
    conv(c, 5, 1, 8, 1, 0),
  );
  D.initialize();
  const x = arr(c.x).attachGrad();
  const r1 = autograd.record(() => {
    const g = autograd.grad(D.forward(x).sum(), x, { createGraph: true });
    return g
      .pow(2)
      .sum({ axis: [1, 2, 3] })
      .mean()
      .mul(5);
  });
  assert.ok(Math.abs(r1.item() - c.penalty) <= 1e-12 * (1 + c.penalty), `penalty ${r1.item()} vs PyTorch ${c.penalty}`);
  r1.backward();
  close(x.grad!, c.dx, 1e-10, "d penalty / d x", c.name);
  checkParams(D, c);
});

test("path length: mean(‖Jᵀy‖ − a)² through transposed convolutions with predict-mode BatchNorm equals PyTorch's", () => {
  const c = get("path length through a transposed-convolution generator");
  const G = new nn.Sequential().add(
    convT(c, 0, 8, 1, 0, false),
    batchNorm(c, 1),
    new nn.Activation("relu"),
    convT(c, 3, 4, 2, 1, false),
    batchNorm(c, 4),
    new nn.GELU(),
    convT(c, 6, 3, 2, 1, true),
    new nn.Activation("tanh"),
  );
  G.initialize();
  const z = arr(c.x).attachGrad();
  const y = arr(c.y!);
  const pl = autograd.record(
    () => {
      const jty = autograd.grad(G.forward(z).mul(y).sum(), z, { createGraph: true });
      return jty
        .pow(2)
        .sum({ axis: [1, 2, 3] })
        .sqrt()
        .sub(0.6)
        .pow(2)
        .mean();
    },
    { trainMode: false },
  );
  assert.ok(Math.abs(pl.item() - c.penalty) <= 1e-12 * (1 + c.penalty), `penalty ${pl.item()} vs PyTorch ${c.penalty}`);
  pl.backward();
  close(z.grad!, c.dx, 1e-10, "d penalty / d z", c.name);
  checkParams(G, c);
});

after(() =>
  console.log(
    `# second-order vs PyTorch, max |diff|/(1+|PyTorch|) over input and parameter gradients: ${[...worst].map(([k, v]) => `${k}=${v.toExponential(1)}`).join("; ")}`,
  ),
);
