// One DCGAN training step (D2L §20.2's update_D then update_G), shared by `npm run demo:dcgan` and the explorer's train panel.
import { autograd, type Context, gluon, init, np, type NDArray, type nn, npx } from "tconv";
import { Stream, makeShapes } from "./shapes-dataset.js";
import { discriminator, generator, type DCGANShape } from "./dcgan-nets.js";

/** The nets' shapes and the loss (what a checkpoint must match). */
export interface Architecture extends DCGANShape {
  /** "bce" (the book's, BatchNorm in D) or "wgan-gp" (a critic without BatchNorm); absent (the explorer, checkpoints written before --loss): "bce" */
  loss?: "bce" | "wgan-gp";
}

/** WGAN-GP's penalty weight λ and critic steps per generator step (Gulrajani et al. 2017, Algorithm 1). */
export const GP_LAMBDA = 10;
export const N_CRITIC = 5;

/** What decides the data, the noise and the updates (so a resumed run equals an uninterrupted one). */
export interface RunConfig {
  seed: number;
  datasetSize: number;
  batchSize: number;
  learningRate: number;
}

export interface Nets {
  generator: nn.Sequential;
  discriminator: nn.Sequential;
  trainerG: gluon.Trainer;
  trainerD: gluon.Trainer;
}

/** Key of the fixed noise the sample grids use (with the seed). */
export const FIXED_NOISE_KEY = 0xf1ced;

/** Normal noise [n, latentDim, 1, 1] from a stream keyed by its purpose, epoch and batch: resuming needs no RNG state. */
export function noise(n: number, latentDim: number, ...key: number[]): NDArray {
  const s = new Stream(...key);
  const z = new Float32Array(n * latentDim);
  for (let i = 0; i < z.length; i++) z[i] = s.normal();
  return np.array(z).reshape(n, latentDim, 1, 1);
}

/** ε ~ U(0, 1) per sample, [n, 1, 1, 1], from a stream keyed like the noise (resuming needs no RNG state). */
export function uniformPerSample(n: number, ...key: number[]): NDArray {
  const s = new Stream(0xe95, ...key);
  return np.array(Float32Array.from({ length: n }, () => s.next())).reshape(n, 1, 1, 1);
}

/**
 * WGAN-GP's critic loss per sample: D(fake) − D(real) + λ·(‖∂D(x̂)/∂x̂‖₂ − 1)² with x̂ = ε·real + (1 − ε)·fake. The
 * gradient is taken with createGraph, so backward() of this loss differentiates the penalty too (second order).
 */
export function wganCriticLoss(netD: nn.Sequential, real: NDArray, fake: NDArray, eps: NDArray): NDArray {
  const B = real.shape[0]!;
  const xHat = eps.mul(real).add(eps.neg().add(1).mul(fake)).attachGrad();
  return autograd.record(() => {
    const grads = autograd.grad(netD.forward(xHat), xHat, { headGrads: np.ones([B, 1, 1, 1], { ctx: real.ctx }), createGraph: true });
    const penalty = grads.reshape(B, -1).pow(2).sum({ axis: 1 }).sqrt().sub(1).pow(2).mul(GP_LAMBDA);
    return netD.forward(fake).reshape(B).sub(netD.forward(real).reshape(B)).add(penalty);
  });
}

/**
 * Builds both nets and their Adam trainers, weights N(0, 0.02) as the book (np.random seeded by `seed`); with loss
 * "wgan-gp" the critic has no BatchNorm and Adam uses β1 = 0, β2 = 0.9 (the paper's).
 * `makeGenerator` swaps the book's generator for another of the same interface (the explorer's resize-convolution one).
 * The weights are drawn on the CPU and placed on `ctx` (the same values on every device).
 */
export function buildNets(
  arch: Architecture,
  config: RunConfig,
  makeGenerator: (a: Architecture) => nn.Sequential = generator,
  ctx: Context = npx.cpu(),
): Nets {
  np.random.seed(config.seed);
  const g = makeGenerator(arch);
  const wgan = arch.loss === "wgan-gp";
  const d = discriminator(arch, !wgan);
  g.initialize(init.Normal(0.02), { ctx });
  d.initialize(init.Normal(0.02), { ctx });
  const hp = wgan ? { learningRate: config.learningRate, beta1: 0, beta2: 0.9 } : { learningRate: config.learningRate, beta1: 0.5 };
  return {
    generator: g,
    discriminator: d,
    trainerG: new gluon.Trainer(g.collectParams(), "adam", hp),
    trainerD: new gluon.Trainer(d.collectParams(), "adam", hp),
  };
}

/** The data set and the constants of a run on `ctx` (the nets' device); `step(nets, e, k)` trains batch k of epoch e. */
export class DCGANSteps {
  readonly data: Float32Array;
  readonly perEpoch: number;
  private readonly loss = new gluon.loss.SigmoidBCELoss();
  private readonly ones: NDArray;
  private readonly zeros: NDArray;
  private readonly head: NDArray;
  private order: Int32Array | null = null;
  private orderEpoch = -1;

  constructor(
    readonly arch: Architecture,
    readonly config: RunConfig,
    readonly ctx: Context = npx.cpu(),
  ) {
    const B = config.batchSize;
    this.data = makeShapes(config.datasetSize, arch.imageSize, config.seed);
    this.perEpoch = Math.floor(config.datasetSize / B);
    this.ones = np.ones([B, 1, 1, 1], { ctx });
    this.zeros = np.zeros([B, 1, 1, 1], { ctx });
    this.head = np.ones([B], { ctx });
  }

  /** The shuffled order of epoch e (a stream keyed by the seed and the epoch). */
  orderOf(e: number): Int32Array {
    if (this.orderEpoch !== e) {
      this.order = new Stream(this.config.seed, e, 0x5bff1e).permutation(this.config.datasetSize);
      this.orderEpoch = e;
    }
    return this.order!;
  }

  /** The real batch k of epoch e [B, 3, S, S] and its noise [B, latentDim, 1, 1], on the run's device. */
  batch(e: number, k: number): { X: NDArray; Z: NDArray } {
    const { batchSize: B, seed } = this.config;
    const S = this.arch.imageSize;
    const size = 3 * S * S;
    const order = this.orderOf(e);
    const xs = new Float32Array(B * size);
    for (let i = 0; i < B; i++) xs.set(this.data.subarray(order[k * B + i]! * size, (order[k * B + i]! + 1) * size), i * size);
    return { X: np.array(xs).reshape(B, 3, S, S).asInCtx(this.ctx), Z: noise(B, this.arch.latentDim, seed, e, k).asInCtx(this.ctx) };
  }

  /** step() on the CPU; on a GPU the losses are read once the device has computed them. */
  async stepAsync(nets: Nets, e: number, k: number): Promise<[number, number]> {
    const [lD, lG] = this.stepLosses(nets, e, k);
    return [(await lD.wait()).item(), (await lG.wait()).item()];
  }

  /**
   * One update of D then of G on batch k of epoch e; returns the summed per-example losses [loss_D, loss_G]. With
   * loss "wgan-gp" G is updated on every N_CRITIC-th batch only (between, its loss is evaluated off the tape).
   * CPU only (the values are read at once): on a GPU use stepAsync.
   */
  step(nets: Nets, e: number, k: number): [number, number] {
    const [lD, lG] = this.stepLosses(nets, e, k);
    return [lD.item(), lG.item()];
  }

  /** The update of step(), its two summed losses left as arrays on the run's device (queued on a GPU). */
  stepLosses(nets: Nets, e: number, k: number): [NDArray, NDArray] {
    const { generator: netG, discriminator: netD, trainerG, trainerD } = nets;
    const B = this.config.batchSize;
    const { X, Z } = this.batch(e, k);
    const { loss, ones, zeros, head } = this;
    // update_D: the fake batch comes from G in training mode but off the tape (the book's fake_X.detach())
    const fakeX = autograd.trainMode(() => netG.forward(Z));
    if (this.arch.loss === "wgan-gp") {
      const lossD = wganCriticLoss(netD, X, fakeX, uniformPerSample(B, this.config.seed, e, k).asInCtx(this.ctx));
      lossD.backward(head);
      trainerD.step(B);
      // the generator minimises −D(G(z))
      let lossG: NDArray;
      if (k % N_CRITIC === N_CRITIC - 1) {
        lossG = autograd.record(() => netD.forward(netG.forward(Z)).reshape(B).neg());
        lossG.backward(head);
        trainerG.step(B);
      } else lossG = autograd.trainMode(() => netD.forward(netG.forward(Z)).reshape(B).neg());
      return [lossD.sum(), lossG.sum()];
    }
    const lossD = autograd.record(() =>
      loss
        .forward(netD.forward(X), ones)
        .add(loss.forward(netD.forward(fakeX), zeros))
        .div(2),
    );
    lossD.backward(head);
    trainerD.step(B);
    // update_G: recompute fake_Y through the updated D, labels "real"
    const lossG = autograd.record(() => loss.forward(netD.forward(netG.forward(Z)), ones));
    lossG.backward(head);
    trainerG.step(B);
    return [lossD.sum(), lossG.sum()];
  }
}
