// Demo (D2L §20.2): train a DCGAN on seeded synthetic shapes, with progress, per-epoch sample grids, a loss plot and resumable checkpoints.
import { accessSync, constants, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import cliProgress from "cli-progress";
import { type Context, getNumThreads, npx, setNumThreads, type nn } from "tconv";
import { writePNG } from "tconv/node";
import { generator, levels } from "./dcgan-nets.js";
import { openGpu } from "./gpu-device.js";
import { buildNets, DCGANSteps, FIXED_NOISE_KEY, GP_LAMBDA, N_CRITIC, noise } from "./dcgan-train.js";
import { sampleGrid } from "./sample-grid.js";
import { lossPlotSVG, type LossHistory } from "./loss-plot.js";
import {
  CheckpointError,
  hasCheckpoint,
  loadCheckpoint,
  lockFolder,
  readableNets,
  makeFolder,
  saveCheckpoint,
  type Architecture,
  type Progress,
  type RunConfig,
} from "./dcgan-checkpoint.js";

export interface DCGANOptions {
  /** epochs to reach (counted from the start of training, also when resuming); default 20 */
  epochs?: number;
  /** output folder for samples, the loss plot and checkpoints; default "dcgan-out" */
  out?: string;
  /** continue from the checkpoint in `out` */
  resume?: boolean;
  /** with resume: start fresh when the checkpoint is damaged (otherwise that is an error) */
  fresh?: boolean;
  threads?: number;
  seed?: number;
  /** 16 or 32; default 16 */
  imageSize?: number;
  /** the book's n_G = n_D (64 there); default 32 */
  width?: number;
  /** default 100, as the book */
  latentDim?: number;
  /** default 4096 images */
  datasetSize?: number;
  /** default 32 (the book: 256; smaller batches gave more updates per second of training here) */
  batchSize?: number;
  /** Adam's learning rate; default 0.001 (the book: 0.005 at batch 256; 0.002 here lets D win sooner); β1 = 0.5 as the book.
   * With loss "wgan-gp": default 0.0002, β1 = 0, β2 = 0.9 (Gulrajani et al. use 0.0001) */
  learningRate?: number;
  /** "bce" (default: the book's sigmoid cross-entropy, BatchNorm in D) or "wgan-gp": a critic without BatchNorm trained on
   * D(fake) − D(real) + λ·(‖∇D(x̂)‖ − 1)² (λ = 10, x̂ between a real and a fake image), the generator every 5th batch */
  loss?: "bce" | "wgan-gp";
  /** stop after this many batches in this run (a checkpoint is saved), as Ctrl-C does */
  maxBatches?: number;
  /** fixed-noise samples in each grid; default 64 (8×8) */
  samples?: number;
  /** write sample grids and the loss plot (default true) */
  pictures?: boolean;
  /** no progress output */
  quiet?: boolean;
  /** set `requested` to stop after the current batch (the CLI's Ctrl-C) */
  stop?: { requested: boolean };
  /** the device to train on (npx.cpu() by default; the CLI's --gpu passes d2l.tryGpu()) */
  ctx?: Context;
}

export interface DCGANResult {
  generator: nn.Sequential;
  discriminator: nn.Sequential;
  /** epoch and batch the next run would start at */
  epoch: number;
  batch: number;
  /** batches run by this call */
  batchesRun: number;
  history: LossHistory;
  epochSeconds: number[];
  stopped: boolean;
  resumedFrom: { epoch: number; batch: number } | null;
}

const DEFAULTS = {
  epochs: 20,
  out: "dcgan-out",
  seed: 0,
  imageSize: 16,
  width: 32,
  latentDim: 100,
  datasetSize: 4096,
  batchSize: 32,
  learningRate: 0.001,
  samples: 64,
};

/** Demo limits: absurd flags are refused in one line before anything is allocated (docs/demos.md, "A DCGAN that learns to draw"). */
export const LIMITS = { width: 512, latentDim: 4096, datasetSize: 65536, batchSize: 4096, epochs: 100000, samples: 1024, seed: 2 ** 32 - 1, maxBatches: 1e9 };

function checkInt(name: string, v: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(v) || v < min || v > max) throw new Error(`${name}=${v} must be an integer from ${min} to ${max}`);
  return v;
}

function checkOutFolder(out: string): void {
  try {
    makeFolder(out);
    accessSync(out, constants.W_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(
      `cannot write to output folder ${out}: ${code === "EACCES" || code === "EPERM" ? "permission denied" : code === "EEXIST" || code === "ENOTDIR" ? "a file is in the way" : (e as Error).message}`,
    );
  }
}

export async function trainDCGAN(options: DCGANOptions = {}): Promise<DCGANResult> {
  const lossKind = options.loss ?? "bce";
  if (lossKind !== "bce" && lossKind !== "wgan-gp") throw new Error(`loss=${String(lossKind)} must be "bce" or "wgan-gp"`);
  const defaults = lossKind === "wgan-gp" ? { ...DEFAULTS, learningRate: 0.0002 } : DEFAULTS;
  const o = { ...defaults, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as typeof DEFAULTS & DCGANOptions;
  const arch: Architecture = {
    imageSize: o.imageSize,
    width: checkInt("width", o.width, 1, LIMITS.width),
    latentDim: checkInt("latentDim", o.latentDim, 1, LIMITS.latentDim),
    loss: lossKind,
  };
  levels(arch.imageSize);
  const config: RunConfig = {
    seed: checkInt("seed", o.seed, 0, LIMITS.seed),
    datasetSize: checkInt("datasetSize", o.datasetSize, 1, LIMITS.datasetSize),
    batchSize: checkInt("batchSize", o.batchSize, 2, LIMITS.batchSize),
    learningRate: o.learningRate,
  };
  checkInt("samples", o.samples, 1, LIMITS.samples);
  if (!(config.learningRate > 0 && Number.isFinite(config.learningRate))) throw new Error(`learningRate=${config.learningRate} must be a positive number`);
  if (config.datasetSize < config.batchSize) throw new Error(`datasetSize=${config.datasetSize} must be at least batchSize=${config.batchSize}`);
  checkInt("epochs", o.epochs, 1, LIMITS.epochs);
  if (o.maxBatches !== undefined) checkInt("maxBatches", o.maxBatches, 1, LIMITS.maxBatches);
  if (o.threads !== undefined) setNumThreads(checkInt("threads", o.threads, 1));
  const pictures = o.pictures ?? true;
  const log = o.quiet ? () => {} : (s: string) => console.log(s);
  checkOutFolder(o.out);
  const ckptDir = join(o.out, "checkpoint");
  // one run per output folder: a second one is refused in one line instead of racing on the same files
  const release = lockFolder(o.out);
  try {
    return await train(o, arch, config, ckptDir, log, pictures);
  } finally {
    release();
  }
}

async function train(
  o: typeof DEFAULTS & DCGANOptions,
  arch: Architecture,
  config: RunConfig,
  ckptDir: string,
  log: (s: string) => void,
  pictures: boolean,
): Promise<DCGANResult> {
  const ctx = o.ctx ?? npx.cpu();
  let nets = buildNets(arch, config, generator, ctx);
  let progress: Progress = {
    architecture: arch,
    config,
    epoch: 0,
    batch: 0,
    sums: { lossD: 0, lossG: 0, count: 0 },
    history: { batches: [], epochs: [] },
    epochSeconds: [],
  };
  let resumedFrom: DCGANResult["resumedFrom"] = null;
  if (o.resume) {
    if (!hasCheckpoint(ckptDir)) throw new Error(`no checkpoint to resume in ${ckptDir} (run without --resume to start)`);
    try {
      progress = loadCheckpoint(ckptDir, nets, arch, config);
      resumedFrom = { epoch: progress.epoch, batch: progress.batch };
      log(`resuming from ${ckptDir}: epoch ${progress.epoch + 1}, batch ${progress.batch + 1}`);
    } catch (e) {
      if (!(e instanceof CheckpointError) || !e.damaged || !o.fresh)
        throw e instanceof CheckpointError && e.damaged ? new Error(`${e.message}; run with --fresh to start over`) : e;
      log(`${e.message}; starting fresh as --fresh asks`);
      nets = buildNets(arch, config, generator, ctx);
    }
  }

  const { generator: netG, discriminator: netD } = nets;
  const { imageSize: S } = arch;
  const B = config.batchSize;
  const steps = new DCGANSteps(arch, config, ctx);
  const perEpoch = steps.perEpoch;
  const fixedZ = noise(o.samples, arch.latentDim, config.seed, FIXED_NOISE_KEY).asInCtx(ctx);

  const tty = !o.quiet && process.stdout.isTTY;
  const bar = tty
    ? new cliProgress.SingleBar(
        { format: "epoch {epoch}/{epochs} [{bar}] batch {value}/{total} | loss_D {lossD} | loss_G {lossG} | {speed} examples/s", hideCursor: true },
        cliProgress.Presets.shades_classic,
      )
    : null;

  let batchesRun = 0;
  let stopped = false;
  let epochStarted = performance.now();
  let epochBatchTime = 0;
  // on a GPU the values are read back first (saving reads them synchronously)
  const save = async () => {
    await readableNets(nets);
    saveCheckpoint(ckptDir, progress.epoch * perEpoch + progress.batch, nets, progress);
  };

  if (progress.epoch >= o.epochs) log(`the checkpoint has finished ${progress.epoch} epochs already; ask for more with --epochs`);
  const adam = arch.loss === "bce" ? "β1 0.5" : `β1 0 β2 0.9, WGAN-GP λ ${GP_LAMBDA}, ${N_CRITIC} critic steps per G step`;
  const where = ctx.deviceType === "cpu" ? `${getNumThreads()} thread(s)` : String(ctx);
  log(`DCGAN ${S}×${S}, width ${arch.width}, ${config.datasetSize} shapes, batch ${B}, Adam lr ${config.learningRate} ${adam}, ${where}`);
  while (progress.epoch < o.epochs && !stopped) {
    const e = progress.epoch;
    bar?.start(perEpoch, progress.batch, { epoch: e + 1, epochs: o.epochs, lossD: "…", lossG: "…", speed: "…" });
    epochStarted = performance.now();
    epochBatchTime = 0;
    const batchesAtStart = progress.batch;
    while (progress.batch < perEpoch) {
      const t0 = performance.now();
      const k = progress.batch;
      const [lD, lG] = await steps.stepAsync(nets, e, k);
      progress.sums.lossD += lD;
      progress.sums.lossG += lG;
      progress.sums.count += B;
      progress.history.batches.push([e + (k + 1) / perEpoch, lD / B, lG / B]);
      progress.batch++;
      batchesRun++;
      epochBatchTime += performance.now() - t0;
      const speed = ((progress.batch - batchesAtStart) * B) / (epochBatchTime / 1000);
      if (bar) bar.update(progress.batch, { lossD: (lD / B).toFixed(3), lossG: (lG / B).toFixed(3), speed: speed.toFixed(1) });
      else if (!o.quiet && (progress.batch % Math.max(1, Math.round(perEpoch / 4)) === 0 || progress.batch === perEpoch))
        log(
          `epoch ${e + 1}/${o.epochs} batch ${progress.batch}/${perEpoch}: loss_D ${(lD / B).toFixed(3)}, loss_G ${(lG / B).toFixed(3)}, ${speed.toFixed(1)} examples/s`,
        );
      if (!Number.isFinite(lD) || !Number.isFinite(lG)) {
        bar?.stop();
        throw new Error(`training diverged at epoch ${e + 1}, batch ${k + 1}: loss_D ${lD / B}, loss_G ${lG / B}; try a smaller --lr`);
      }
      await new Promise((r) => setImmediate(r)); // lets a Ctrl-C handler run between batches
      if (o.stop?.requested || (o.maxBatches !== undefined && batchesRun >= o.maxBatches)) {
        stopped = progress.batch < perEpoch;
        if (stopped) break;
      }
    }
    bar?.stop();
    if (stopped) break;
    const seconds = (performance.now() - epochStarted) / 1000;
    const { lossD, lossG, count } = progress.sums;
    progress.history.epochs.push([e + 1, lossD / count, lossG / count]);
    progress.epochSeconds.push(seconds);
    log(
      `epoch ${e + 1}/${o.epochs}: loss_D ${(lossD / count).toFixed(3)}, loss_G ${(lossG / count).toFixed(3)}; ${seconds.toFixed(1)} s ` +
        `(${(epochBatchTime / ((perEpoch - batchesAtStart) * B) || 0).toFixed(1)} ms per image)`,
    );
    progress.epoch++;
    progress.batch = 0;
    progress.sums = { lossD: 0, lossG: 0, count: 0 };
    if (pictures) {
      const name = `samples-epoch-${String(e + 1).padStart(2, "0")}.png`;
      const samples = await netG.forward(fixedZ).wait();
      writePNG(join(o.out, name), sampleGrid(samples, Math.ceil(Math.sqrt(o.samples)), 64 / S)); // tiles 64 px wide at either size
      writeFileSync(
        join(o.out, "loss.svg"),
        lossPlotSVG(progress.history, arch.loss === "bce" ? undefined : "WGAN-GP losses (critic: D(fake) − D(real) + penalty)"),
      );
    }
    await save();
    if (o.stop?.requested || (o.maxBatches !== undefined && batchesRun >= o.maxBatches)) stopped = progress.epoch < o.epochs;
  }
  if (stopped) {
    if (progress.batch > 0) await save(); // at an epoch's end the checkpoint is already written
    log(`stopped at epoch ${progress.epoch + 1}, batch ${progress.batch + 1}; checkpoint saved in ${ckptDir} (continue with --resume)`);
  }
  return {
    generator: netG,
    discriminator: netD,
    epoch: progress.epoch,
    batch: progress.batch,
    batchesRun,
    history: progress.history,
    epochSeconds: progress.epochSeconds,
    stopped,
    resumedFrom,
  };
}

const USAGE =
  "usage: npm run demo:dcgan [-- --epochs N --out dir --resume [--fresh] --threads N --seed N --size 16|32 --width N --lr X --batch N --data N --loss bce|wgan-gp --gpu]";

export function parseDCGANArgs(argv: readonly string[]): DCGANOptions & { gpu?: boolean } {
  const o: DCGANOptions & { gpu?: boolean } = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    const num = () => {
      const s = value();
      const v = Number(s);
      if (s.trim() === "" || !Number.isFinite(v)) throw new Error(`${arg} needs a number, got ${s}`);
      return v;
    };
    switch (arg) {
      case "--epochs":
        o.epochs = num();
        break;
      case "--out":
        o.out = value();
        break;
      case "--resume":
        o.resume = true;
        break;
      case "--fresh":
        o.fresh = true;
        break;
      case "--threads":
        o.threads = num();
        break;
      case "--seed":
        o.seed = num();
        break;
      case "--size":
        o.imageSize = num();
        break;
      case "--width":
        o.width = num();
        break;
      case "--lr":
        o.learningRate = num();
        break;
      case "--batch":
        o.batchSize = num();
        break;
      case "--data":
        o.datasetSize = num();
        break;
      case "--quiet":
        o.quiet = true;
        break;
      case "--gpu":
        o.gpu = true;
        break;
      case "--loss": {
        const v = value();
        if (v !== "bce" && v !== "wgan-gp") throw new Error(`--loss must be bce or wgan-gp, got ${v}`);
        o.loss = v;
        break;
      }
      default:
        throw new Error(arg === "--help" || arg === "-h" ? USAGE : `unknown argument ${arg}; ${USAGE}`);
    }
  }
  return o;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const stop = { requested: false };
  process.on("SIGINT", () => {
    if (stop.requested) process.exit(130);
    stop.requested = true;
    process.stderr.write("\nstopping after this batch and saving a checkpoint (Ctrl-C again to quit at once)\n");
  });
  try {
    const { gpu, ...options } = parseDCGANArgs(process.argv.slice(2));
    // --gpu: gpu(0) when WebGPU gives an adapter (Dawn through the npm package "webgpu"), else cpu(0) with the reason
    const ctx = gpu ? await openGpu() : npx.cpu();
    console.log(`device: ${ctx}`);
    const r = await trainDCGAN({ ...options, ctx, stop });
    const out = parseDCGANArgs(process.argv.slice(2)).out ?? DEFAULTS.out;
    if (!r.stopped) console.log(`done: samples and loss.svg in ${out}/`);
    process.exit(r.stopped && stop.requested ? 130 : 0);
  } catch (e) {
    console.error(`demo:dcgan: ${(e as Error).message}`);
    process.exit(1);
  }
}
