// Real networks from the new layers: D2L §20.2's DCGAN blocks (scaled down) and a small U-Net, forward, backward, gradcheck, training.
import { test } from "node:test";
import assert from "node:assert/strict";
import { NDArray, autograd, gluon, nn, np, npx } from "../../src/index.js";
import { gradcheck, randn } from "../helpers/gradcheck.js";

type Dtype = "float32" | "float64";

/** D2L §20.2's G_block: Conv2DTranspose (no bias) → BatchNorm → ReLU. */
class GBlock extends nn.Block {
  convTrans: nn.Conv2DTranspose;
  batchNorm: nn.BatchNorm;
  activation = new nn.Activation("relu");
  constructor(channels: number, { kernelSize = 4, strides = 2, padding = 1, dtype = "float32" as Dtype } = {}) {
    super();
    this.convTrans = new nn.Conv2DTranspose(channels, { kernelSize, strides, padding, useBias: false, dtype });
    this.batchNorm = new nn.BatchNorm({ dtype });
  }
  forward(x: NDArray): NDArray {
    return this.activation.forward(this.batchNorm.forward(this.convTrans.forward(x)));
  }
}

/** D2L §20.2's D_block: Conv2D (no bias) → BatchNorm → LeakyReLU(0.2). */
class DBlock extends nn.Block {
  conv: nn.Conv2D;
  batchNorm: nn.BatchNorm;
  activation = new nn.LeakyReLU(0.2);
  constructor(channels: number, { dtype = "float32" as Dtype } = {}) {
    super();
    this.conv = new nn.Conv2D(channels, { kernelSize: 4, strides: 2, padding: 1, useBias: false, dtype });
    this.batchNorm = new nn.BatchNorm({ dtype });
  }
  forward(x: NDArray): NDArray {
    return this.activation.forward(this.batchNorm.forward(this.conv.forward(x)));
  }
}

/** The generator scaled down: noise [N, latent, 1, 1] → [N, 3, 16, 16] (§20.2 goes to 64×64 with n_G = 64). */
function generator(nG: number, dtype: Dtype = "float32"): nn.Sequential {
  return new nn.Sequential().add(
    new GBlock(nG * 4, { strides: 1, padding: 0, dtype }), // 4×4
    new GBlock(nG * 2, { dtype }), // 8×8
    new GBlock(nG, { dtype }), // 16×16
    new nn.Conv2DTranspose(3, { kernelSize: 4, strides: 2, padding: 1, useBias: false, activation: "tanh", dtype }), // 32×32
  );
}

function discriminator(nD: number, dtype: Dtype = "float32"): nn.Sequential {
  return new nn.Sequential().add(
    new DBlock(nD, { dtype }), // 16×16
    new DBlock(nD * 2, { dtype }), // 8×8
    new DBlock(nD * 4, { dtype }), // 4×4
    new nn.Conv2D(1, { kernelSize: 4, useBias: false, dtype }), // 1×1
  );
}

test("DCGAN (§20.2, scaled down): generator and discriminator run forward and backward with the book's shapes", () => {
  np.random.seed(0);
  const G = generator(4).initialize();
  const D = discriminator(4).initialize();
  assert.deepEqual(G.collectParams().keys().slice(0, 5), [
    "0.convTrans.weight",
    "0.batchNorm.gamma",
    "0.batchNorm.beta",
    "0.batchNorm.running_mean",
    "0.batchNorm.running_var",
  ]);
  const Z = np.random.normal({ size: [4, 8, 1, 1] });
  const loss = new gluon.loss.SigmoidBCELoss();
  const { fake, l } = autograd.record(() => {
    const fake = G.forward(Z);
    return { fake, l: loss.forward(D.forward(fake).reshape(4), np.ones([4])).sum() };
  });
  assert.deepEqual(fake.shape, [4, 3, 32, 32]);
  assert.ok(
    fake.asTypedArray().every((v) => v >= -1 && v <= 1),
    "tanh output",
  );
  l.backward();
  for (const [name, p] of [...G.collectParams().entries(), ...D.collectParams().entries()]) {
    if (p.gradReq === "null") continue;
    const g = p.grad()!.asTypedArray();
    assert.ok(g.every(Number.isFinite) && g.some((v) => v !== 0), `${name} got a gradient`);
  }
  const rm = G.collectParams().get("0.batchNorm.running_mean").data().asTypedArray();
  assert.ok(
    rm.some((v) => v !== 0),
    "training-mode forward moved the running mean",
  );
  // predict mode: the same noise through running statistics gives another (still bounded) image
  const predicted = G.forward(Z);
  assert.ok(predicted.asTypedArray().some((v, i) => v !== fake.asTypedArray()[i]));
});

/**
 * Parameter gradients of a network against central differences: backward of Σ v·net(x) in training mode, then each
 * element of each trained parameter moved by ±eps (outside record, still in training mode). Returns the largest error.
 */
function paramGradcheck(net: nn.Block, x: NDArray, eps = 1e-6): { rel: number; abs: number } {
  const y0 = autograd.trainMode(() => net.forward(x) as NDArray);
  const v = randn(y0.shape);
  autograd.record(() => net.forward(x) as NDArray).backward(v);
  const objective = () => {
    const y = autograd.trainMode(() => net.forward(x) as NDArray).asTypedArray();
    const w = v.asTypedArray();
    let s = 0;
    for (let i = 0; i < y.length; i++) s += y[i]! * w[i]!;
    return s;
  };
  let rel = 0,
    abs = 0;
  for (const [name, p] of net.collectParams().entries()) {
    if (p.gradReq === "null") continue;
    const data = p.data().hostData,
      g = p.grad()!.asTypedArray();
    for (let i = 0; i < data.length; i++) {
      const keep = data[i]!;
      data[i] = keep + eps;
      const up = objective();
      data[i] = keep - eps;
      const down = objective();
      data[i] = keep;
      const numeric = (up - down) / (2 * eps);
      const err = Math.abs(g[i]! - numeric);
      assert.ok(err <= 1e-6 + 1e-4 * Math.abs(numeric), `${name}[${i}]: autograd ${g[i]}, numeric ${numeric}`);
      abs = Math.max(abs, err);
      if (Math.abs(numeric) > 1e-6) rel = Math.max(rel, err / Math.abs(numeric));
    }
  }
  return { rel, abs };
}

test("DCGAN generator and discriminator gradchecks in float64 (training-mode BatchNorm, every layer and parameter)", () => {
  np.random.seed(1);
  const G = new nn.Sequential().add(new GBlock(3, { strides: 1, padding: 0, dtype: "float64" }), new GBlock(2, { dtype: "float64" })).initialize();
  const D = new nn.Sequential().add(new DBlock(2, { dtype: "float64" }), new nn.Conv2D(1, { kernelSize: 2, dtype: "float64" })).initialize();
  const r = gradcheck((z) => autograd.trainMode(() => G.forward(z)), [randn([2, 2, 1, 1])], { rtol: 1e-4, atol: 1e-6 });
  const pg = paramGradcheck(G, randn([2, 2, 1, 1]));
  const rd = gradcheck((img) => autograd.trainMode(() => D.forward(img)), [randn([2, 3, 4, 4])], { rtol: 1e-4, atol: 1e-6 });
  const pd = paramGradcheck(D, randn([2, 3, 4, 4]));
  const e = (v: number) => v.toExponential(1);
  console.log(
    `# DCGAN gradcheck max rel/abs: G input ${e(r.maxRelErr[0]!)}/${e(r.maxAbsErr[0]!)}, G params ${e(pg.rel)}/${e(pg.abs)}, D input ${e(rd.maxRelErr[0]!)}/${e(rd.maxAbsErr[0]!)}, D params ${e(pd.rel)}/${e(pd.abs)}`,
  );
});

/** A small U-Net: one pooling level, a k2 s2 up-convolution and the skip connection concatenated on the channel axis. */
class TinyUNet extends nn.Block {
  enc1: nn.Sequential;
  pool = new nn.MaxPool2D();
  enc2: nn.Sequential;
  up: nn.Conv2DTranspose;
  dec1: nn.Sequential;
  head: nn.Conv2D;
  constructor(c: number, dtype: Dtype = "float32") {
    super();
    const block = (ch: number) =>
      new nn.Sequential().add(new nn.Conv2D(ch, { kernelSize: 3, padding: 1, dtype }), new nn.BatchNorm({ dtype }), new nn.Activation("relu"));
    this.enc1 = block(c);
    this.enc2 = block(2 * c);
    this.up = new nn.Conv2DTranspose(c, { kernelSize: 2, strides: 2, dtype });
    this.dec1 = block(c);
    this.head = new nn.Conv2D(1, { kernelSize: 1, dtype });
  }
  forward(x: NDArray): NDArray {
    const e1 = this.enc1.forward(x);
    const e2 = this.enc2.forward(this.pool.forward(e1));
    const u = this.up.forward(e2);
    return this.head.forward(this.dec1.forward(np.concatenate([u, e1], { axis: 1 })));
  }
}

test("U-Net with a skip connection: structural names, forward and backward", () => {
  np.random.seed(2);
  const net = new TinyUNet(4).initialize();
  const x = np.random.normal({ size: [2, 1, 8, 8] });
  const y = autograd.record(() => net.forward(x));
  assert.deepEqual(y.shape, [2, 1, 8, 8]);
  y.backward(np.ones([2, 1, 8, 8]));
  const names = net.collectParams().keys();
  for (const n of ["enc1.0.weight", "enc1.1.gamma", "enc1.1.running_var", "enc2.0.bias", "up.weight", "dec1.0.weight", "head.bias"])
    assert.ok(names.includes(n), n);
  assert.deepEqual(net.collectParams().get("dec1.0.weight").shape, [4, 8, 3, 3], "dec1 sees 4 up-sampled + 4 skip channels");
  for (const [name, p] of net.collectParams().entries())
    if (p.gradReq !== "null")
      assert.ok(
        p
          .grad()!
          .asTypedArray()
          .some((v) => v !== 0),
        name,
      );
});

test("U-Net gradcheck in float64 w.r.t. the input and every parameter", () => {
  np.random.seed(3);
  const net = new TinyUNet(2, "float64").initialize();
  const r = gradcheck((x) => autograd.trainMode(() => net.forward(x)), [randn([2, 1, 4, 4])], { rtol: 1e-4, atol: 1e-6 });
  const p = paramGradcheck(net, randn([2, 1, 4, 4]));
  console.log(
    `# U-Net gradcheck max rel/abs: input ${r.maxRelErr[0]!.toExponential(1)}/${r.maxAbsErr[0]!.toExponential(1)}, params ${p.rel.toExponential(1)}/${p.abs.toExponential(1)}`,
  );
});

test("a short training run of a tiny U-Net on synthetic segmentation reduces its loss", () => {
  np.random.seed(4);
  // images: noise plus a bright 3×3 square at a random place; the label marks the square
  const makeBatch = (n: number) => {
    const x = new Float32Array(n * 64),
      m = new Float32Array(n * 64);
    for (let i = 0; i < n; i++) {
      const noise = np.random.normal({ scale: 0.3, size: [64] }).asTypedArray();
      const r0 = Math.floor(np.random.uniform({ high: 6 }).item()),
        c0 = Math.floor(np.random.uniform({ high: 6 }).item());
      for (let p = 0; p < 64; p++) {
        const [r, c] = [Math.floor(p / 8), p % 8];
        const inside = r >= r0 && r < r0 + 3 && c >= c0 && c < c0 + 3 ? 1 : 0;
        x[i * 64 + p] = inside + noise[p]!;
        m[i * 64 + p] = inside;
      }
    }
    return [new NDArray(x, [n, 1, 8, 8]), new NDArray(m, [n, 1, 8, 8])] as const;
  };
  const net = new TinyUNet(4).initialize();
  const trainer = new gluon.Trainer(net.collectParams(), "adam", { learningRate: 0.02 });
  const loss = new gluon.loss.SigmoidBCELoss();
  const [testX, testM] = makeBatch(16);
  const evalLoss = () => loss.forward(net.forward(testX), testM).mean().item();
  const before = evalLoss();
  for (let step = 0; step < 40; step++) {
    const [x, m] = makeBatch(8);
    autograd.record(() => loss.forward(net.forward(x), m).sum()).backward();
    trainer.step(8);
  }
  const after = evalLoss();
  console.log(`# tiny U-Net segmentation: held-out BCE ${before.toFixed(3)} → ${after.toFixed(3)} after 40 Adam steps`);
  assert.ok(after < 0.5 * before, `loss ${before} → ${after}`);
  // predict mode: the prediction marks the square better than chance
  const pred = npx.sigmoid(net.forward(testX)).asTypedArray();
  const truth = testM.asTypedArray();
  let correct = 0;
  for (let i = 0; i < pred.length; i++) if ((pred[i]! > 0.5 ? 1 : 0) === truth[i]) correct++;
  assert.ok(correct / pred.length > 0.9, `pixel accuracy ${correct / pred.length}`);
});
