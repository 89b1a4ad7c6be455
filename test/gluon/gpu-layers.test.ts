// Gluon on gpu(0): D2L's transposed-convolution examples with net.initialize(init, { ctx }), Conv2D / Conv2DTranspose
// forward (bias, strides, padding) and backward, and SGD steps, against the same network on the CPU.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { autograd, type ConvTransposeLayerOptions, gluon, init, type NDArray, nn, np, npx } from "../../src/index.js";
import { destroyGpu } from "../../src/backends/webgpu/index.js";
import { openTestGpu } from "../helpers/webgpu.js";

const SKIP = await openTestGpu();
after(() => destroyGpu());

async function assertClose(gpuArr: NDArray, cpuArr: NDArray, what: string, atol = 1e-4, rtol = 1e-4): Promise<void> {
  assert.equal(String(gpuArr.ctx), "gpu(0)", `${what}: on the GPU`);
  await gpuArr.wait();
  assert.deepEqual(gpuArr.shape, cpuArr.shape, `${what}: shape`);
  const g = gpuArr.asTypedArray(),
    c = cpuArr.asTypedArray();
  for (let i = 0; i < c.length; i++)
    if (!(Math.abs(g[i]! - c[i]!) <= atol + rtol * Math.abs(c[i]!))) assert.fail(`${what}: element ${i} is ${g[i]} on the GPU and ${c[i]} on the CPU`);
}

test("D2L 12.10: nn.Conv2DTranspose with init.Constant(K) under initialize(…, { ctx: npx.gpu() }) gives the book's outputs on the GPU", {
  skip: SKIP,
}, async () => {
  const ctx = npx.gpu();
  const X = np
    .array(
      [
        [0, 1],
        [2, 3],
      ],
      { ctx },
    )
    .reshape(1, 1, 2, 2);
  const K = np
    .array([
      [0, 1],
      [2, 3],
    ])
    .reshape(1, 1, 2, 2);
  // the book's printed outputs (MXNet), for kernel 2 with no padding, padding 1, strides 2
  const book: [ConvTransposeLayerOptions, number[][]][] = [
    [
      { kernelSize: 2 },
      [
        [0, 0, 1],
        [0, 4, 6],
        [4, 12, 9],
      ],
    ],
    [{ kernelSize: 2, padding: 1 }, [[4]]],
    [
      { kernelSize: 2, strides: 2 },
      [
        [0, 0, 0, 1],
        [0, 0, 2, 3],
        [0, 2, 0, 3],
        [4, 6, 6, 9],
      ],
    ],
  ];
  for (const [options, want] of book) {
    const tconv = new nn.Conv2DTranspose(1, options);
    tconv.initialize(init.Constant(K), { ctx });
    const Y = tconv.forward(X);
    assert.equal(String(tconv.weight.data().ctx), "gpu(0)", "the deferred weight is created on the GPU");
    assert.equal(String(Y.ctx), "gpu(0)");
    await Y.wait();
    assert.deepEqual(Y.tolist(), [[want]], JSON.stringify(options));
  }
});

test("Conv2D then Conv2DTranspose (bias, strides, padding) on the GPU equal the CPU network, forward and gradients (property)", { skip: SKIP }, async () => {
  await fc.assert(
    fc.asyncProperty(
      fc
        .record({ k: fc.integer({ min: 1, max: 5 }), s: fc.integer({ min: 1, max: 3 }), p: fc.integer({ min: 0, max: 2 }), useBias: fc.boolean() })
        .filter((o) => o.p < o.k),
      fc.integer({ min: 0, max: 1000 }),
      async (o, seed) => {
        const build = () => {
          const net = new nn.Sequential();
          net.add(new nn.Conv2D(4, { kernelSize: o.k, strides: o.s, padding: o.p, useBias: o.useBias }));
          net.add(new nn.Conv2DTranspose(3, { kernelSize: o.k, strides: o.s, padding: o.p, useBias: o.useBias }));
          return net;
        };
        np.random.seed(seed);
        const cpuNet = build();
        cpuNet.initialize(init.Normal(0.5));
        const gpuNet = build();
        gpuNet.initialize(init.Normal(0.5), { ctx: npx.gpu() });
        const X = np.random.uniform({ low: -1, high: 1, size: [2, 3, 9, 9] });
        // same initial values: the first forward fixes the deferred shapes, then the CPU values are copied over
        cpuNet.forward(X);
        gpuNet.forward(X.asInCtx(npx.gpu()));
        const cpuParams = cpuNet.collectParams(),
          gpuParams = gpuNet.collectParams();
        for (const [name, p] of gpuParams.entries()) p.setData(cpuParams.get(name).data());
        const loss = (net: nn.Sequential, x: NDArray) =>
          autograd.record(() => {
            const y = net.forward(x);
            return y.mul(y).sum();
          });
        const lc = loss(cpuNet, X),
          lg = loss(gpuNet, X.asInCtx(npx.gpu()));
        lc.backward();
        lg.backward();
        const what = JSON.stringify(o);
        await assertClose(lg, lc, `${what}: loss`, 1e-3, 1e-4);
        for (const [name, p] of gpuParams.entries()) await assertClose(p.grad()!, cpuParams.get(name).grad()!, `${what}: gradient of ${name}`, 1e-3, 1e-3);
      },
    ),
    { numRuns: 4, seed: 2104 },
  );
});

test("a Trainer SGD step (with and without momentum) updates GPU parameters as on the CPU", { skip: SKIP }, async () => {
  for (const momentum of [0, 0.9]) {
    np.random.seed(7);
    const build = () => new nn.Conv2DTranspose(2, { kernelSize: 3, strides: 2, padding: 1, inChannels: 3 });
    const cpuNet = build(),
      gpuNet = build();
    cpuNet.initialize(init.Uniform(0.5));
    gpuNet.initialize(init.Uniform(0.5), { ctx: npx.gpu() });
    for (const [name, p] of gpuNet.collectParams().entries()) p.setData(cpuNet.collectParams().get(name).data());
    const X = np.random.uniform({ low: -1, high: 1, size: [2, 3, 4, 4] });
    const tc = new gluon.Trainer(cpuNet.collectParams(), "sgd", { learningRate: 0.1, momentum, wd: 0.01 });
    const tg = new gluon.Trainer(gpuNet.collectParams(), "sgd", { learningRate: 0.1, momentum, wd: 0.01 });
    for (let step = 0; step < 2; step++) {
      const lc = autograd.record(() => cpuNet.forward(X).sum());
      lc.backward();
      tc.step(2);
      const lg = autograd.record(() => gpuNet.forward(X.asInCtx(npx.gpu())).sum());
      lg.backward();
      tg.step(2);
    }
    for (const [name, p] of gpuNet.collectParams().entries())
      await assertClose(p.data(), cpuNet.collectParams().get(name).data(), `momentum ${momentum}: ${name} after 2 steps`, 1e-5, 1e-5);
  }
});

test("resetCtx moves parameters back to the CPU once their values are read back (before that it throws saying to wait)", { skip: SKIP }, async () => {
  const net = new nn.Conv2D(1, { kernelSize: 2, inChannels: 1 });
  net.initialize(init.Constant(np.ones([1, 1, 2, 2])), { ctx: npx.gpu() });
  const l = autograd.record(() => net.forward(np.ones([1, 1, 3, 3], { ctx: npx.gpu() })).sum());
  l.backward();
  new gluon.Trainer(net.collectParams(), "sgd", { learningRate: 0.25 }).step(1);
  assert.throws(() => net.resetCtx(npx.cpu()), /await x\.wait\(\)/);
  for (const p of net.collectParams()) await p.data().wait();
  net.resetCtx(npx.cpu());
  assert.equal(String(net.weight.data().ctx), "cpu(0)");
  // every weight saw the gradient 4 (four output positions of ones): 1 − 0.25·4 = 0
  assert.deepEqual(net.weight.data().tolist(), [
    [
      [
        [0, 0],
        [0, 0],
      ],
    ],
  ]);
  assert.equal(String(net.weight.grad()!.ctx), "cpu(0)");
});

test("Trainer with Adam (two steps, weight decay, gradient clipping) updates GPU parameters as on the CPU", { skip: SKIP }, async () => {
  np.random.seed(8);
  const build = () => new nn.Conv2DTranspose(2, { kernelSize: 4, strides: 2, padding: 1, inChannels: 3 });
  const cpuNet = build(),
    gpuNet = build();
  cpuNet.initialize(init.Uniform(0.5));
  gpuNet.initialize(init.Uniform(0.5), { ctx: npx.gpu() });
  for (const [name, p] of gpuNet.collectParams().entries()) p.setData(cpuNet.collectParams().get(name).data());
  const X = np.random.uniform({ low: -1, high: 1, size: [2, 3, 4, 4] });
  const options = { learningRate: 0.01, wd: 0.01, clipGradient: 5 };
  const tc = new gluon.Trainer(cpuNet.collectParams(), "adam", options),
    tg = new gluon.Trainer(gpuNet.collectParams(), "adam", options);
  for (let step = 0; step < 2; step++) {
    // a loss whose gradients are far from zero everywhere: Adam's first step is ±lr·sign(g)
    const lc = autograd.record(() => cpuNet.forward(X).sub(3).abs().sum());
    lc.backward();
    tc.step(2);
    const lg = autograd.record(() => gpuNet.forward(X.asInCtx(npx.gpu())).sub(3).abs().sum());
    lg.backward();
    tg.step(2);
  }
  for (const [name, p] of gpuNet.collectParams().entries())
    await assertClose(p.data(), cpuNet.collectParams().get(name).data(), `adam: ${name} after 2 steps`, 1e-5, 1e-5);
});

/** D2L §20.2's DCGAN pair scaled to 16×16 (width 4, 8 noise channels): G_block = ConvT → BatchNorm → ReLU, D_block = Conv → BatchNorm → LeakyReLU(0.2). */
function dcgan(): { G: nn.Sequential; D: nn.Sequential } {
  const g = (o: number, i: number, s = 2, p = 1) =>
    new nn.Sequential().add(
      new nn.Conv2DTranspose(o, { kernelSize: 4, strides: s, padding: p, useBias: false, inChannels: i }),
      new nn.BatchNorm({ inChannels: o }),
      new nn.Activation("relu"),
    );
  const d = (o: number, i: number) =>
    new nn.Sequential().add(
      new nn.Conv2D(o, { kernelSize: 4, strides: 2, padding: 1, useBias: false, inChannels: i }),
      new nn.BatchNorm({ inChannels: o }),
      new nn.LeakyReLU(0.2),
    );
  const G = new nn.Sequential().add(
    g(8, 8, 1, 0),
    g(4, 8),
    new nn.Conv2DTranspose(3, { kernelSize: 4, strides: 2, padding: 1, useBias: false, inChannels: 4 }),
    new nn.Activation("tanh"),
  );
  const D = new nn.Sequential().add(d(4, 3), d(8, 4), new nn.Conv2D(1, { kernelSize: 4, useBias: false, inChannels: 8 }));
  return { G, D };
}

test("the DCGAN generator and discriminator on the GPU: one SGD step of each (BatchNorm in training mode) equals the CPU", {
  skip: SKIP,
  timeout: 120_000,
}, async () => {
  const ctx = npx.gpu();
  np.random.seed(20);
  const cpu = dcgan(),
    gpu = dcgan();
  for (const [a, b] of [
    [cpu.G, gpu.G],
    [cpu.D, gpu.D],
  ] as const) {
    a.initialize(init.Normal(0.02));
    b.initialize(init.Normal(0.02), { ctx });
    for (const [name, p] of b.collectParams().entries()) p.setData(a.collectParams().get(name).data());
  }
  const Z = np.random.normal(0, 1, [4, 8, 1, 1]);
  const X = np.random.uniform({ low: -1, high: 1, size: [4, 3, 16, 16] });
  const ones = np.ones([4, 1, 1, 1]),
    zeros = np.zeros([4, 1, 1, 1]);
  const step = (n: { G: nn.Sequential; D: nn.Sequential }, on: (a: NDArray) => NDArray) => {
    const loss = new gluon.loss.SigmoidBCELoss();
    const trainerD = new gluon.Trainer(n.D.collectParams(), "sgd", { learningRate: 0.05 });
    const trainerG = new gluon.Trainer(n.G.collectParams(), "sgd", { learningRate: 0.05 });
    // the book's update_D: real images labelled 1, generated ones (detached by a pause) labelled 0
    const fake = autograd.pause(() => n.G.forward(on(Z)));
    const lossD = autograd.record(() =>
      loss
        .forward(n.D.forward(on(X)), on(ones))
        .add(loss.forward(n.D.forward(fake), on(zeros)))
        .div(2)
        .sum(),
    );
    lossD.backward();
    trainerD.step(4);
    // update_G: the generator's images labelled 1 through the updated discriminator
    const lossG = autograd.record(() => loss.forward(n.D.forward(n.G.forward(on(Z))), on(ones)).sum());
    lossG.backward();
    trainerG.step(4);
    return [lossD, lossG, n.G.forward(on(Z))];
  };
  const [dC, gC, imgC] = step(cpu, (a) => a);
  const [dG, gG, imgG] = step(gpu, (a) => a.asInCtx(ctx));
  await assertClose(dG!, dC!, "discriminator loss", 1e-4, 1e-4);
  await assertClose(gG!, gC!, "generator loss", 1e-4, 1e-4);
  await assertClose(imgG!, imgC!, "generated images after the step (BatchNorm in predict mode)", 1e-4, 1e-3);
  for (const [a, b] of [
    [cpu.G, gpu.G],
    [cpu.D, gpu.D],
  ] as const)
    for (const [name, p] of b.collectParams().entries())
      await assertClose(p.data(), a.collectParams().get(name).data(), `parameter ${name} after the step`, 1e-4, 1e-3);
});

test("Trainer states on gpu(0): saveStates asks for trainer.wait() first, and save → loadStates in a new trainer resumes Adam exactly as the unbroken GPU run and as the CPU", {
  skip: SKIP,
}, async () => {
  np.random.seed(9);
  const build = () => new nn.Conv2DTranspose(2, { kernelSize: 4, strides: 2, padding: 1, inChannels: 3 });
  const nets = [build(), build(), build()];
  nets[0]!.initialize(init.Uniform(0.5));
  for (const n of nets.slice(1)) n.initialize(init.Uniform(0.5), { ctx: npx.gpu() });
  const [cpuNet, gpuA, gpuB] = nets as [nn.Conv2DTranspose, nn.Conv2DTranspose, nn.Conv2DTranspose];
  for (const g of [gpuA, gpuB]) for (const [name, p] of g.collectParams().entries()) p.setData(cpuNet.collectParams().get(name).data());
  const X = np.random.uniform({ low: -1, high: 1, size: [2, 3, 4, 4] });
  const Xg = X.asInCtx(npx.gpu());
  const options = { learningRate: 0.01, beta1: 0.5 };
  const step = (net: nn.Conv2DTranspose, t: gluon.Trainer, x: NDArray) => {
    // gradients far from zero (Adam's first step is ±lr·sign(g))
    autograd.record(() => net.forward(x).sub(3).abs().sum()).backward();
    t.step(2);
  };
  const tc = new gluon.Trainer(cpuNet.collectParams(), "adam", options);
  const tA = new gluon.Trainer(gpuA.collectParams(), "adam", options);
  let tB = new gluon.Trainer(gpuB.collectParams(), "adam", options);
  const stepAll = (tCpu: gluon.Trainer) => {
    step(cpuNet, tCpu, X);
    step(gpuA, tA, Xg);
    step(gpuB, tB, Xg);
  };
  for (let k = 0; k < 2; k++) stepAll(tc);
  assert.throws(() => tB.saveStatesToBytes(), /^Error: Trainer\.saveStates: the optimizer states live on gpu\(0\).*await trainer\.wait\(\) before saving/);
  await tB.wait();
  const bytes = tB.saveStatesToBytes();
  const cpuBytes = tc.saveStatesToBytes();
  // new trainers over the same parameters: the GPU one's states are loaded onto gpu(0), where its parameters live
  // (before, they stayed on the CPU and its next step threw mixing devices)
  tB = new gluon.Trainer(gpuB.collectParams(), "adam", options);
  tB.loadStatesFromBytes(bytes);
  const tc2 = new gluon.Trainer(cpuNet.collectParams(), "adam", options);
  tc2.loadStatesFromBytes(cpuBytes);
  for (let k = 0; k < 3; k++) stepAll(tc2);
  for (const [name, p] of gpuB.collectParams().entries()) {
    await assertClose(p.data(), await gpuA.collectParams().get(name).data().wait(), `${name}: resumed on gpu(0) vs the unbroken gpu(0) run`, 0, 0);
    await assertClose(p.data(), cpuNet.collectParams().get(name).data(), `${name}: resumed on gpu(0) vs the CPU`, 1e-5, 1e-5);
  }
});
