// Demo: recover an unknown transposed-conv kernel (k4 s2 p1, 3→3 channels) from input/output pairs with autograd + Adam (--gpu: on gpu(0)).
import { pathToFileURL } from "node:url";
import cliProgress from "cli-progress";
import { autograd, type Context, gluon, nn, np, npx, type NDArray } from "tconv";
import { openGpu } from "./gpu-device.js";

export interface FitKernelOptions {
  /** optimization steps; default 300 */
  steps?: number;
  /** seed of np.random (the hidden kernel, the data, the initial guess); default 0 */
  seed?: number;
  optimizer?: "adam" | "sgd";
  /** default 0.05 for adam, 2 for sgd */
  learningRate?: number;
  /** samples per step; default 4 */
  batchSize?: number;
  /** no progress output */
  quiet?: boolean;
  /** the device to train on (npx.cpu() by default; the CLI's --gpu passes d2l.tryGpu()) */
  ctx?: Context;
}

export interface FitKernelResult {
  steps: number;
  lossStart: number;
  lossEnd: number;
  /** max |recovered − hidden| over the 3·3·4·4 kernel entries */
  maxAbsError: number;
  seconds: number;
  /** where it ran: "cpu(0)" or "gpu(0)" */
  device: string;
}

/** max |a − b|, read once the device has computed it (on the GPU values become readable after `await wait()`) */
const maxAbsDiff = async (a: NDArray, b: NDArray) => (await a.sub(b).abs().max().wait()).item();

/**
 * The hidden kernel K maps x [N,3,8,8] to y = deconv(x, K) [N,3,16,16] (the 2× upsampler of FCN / D2L §14.11).
 * A Conv2DTranspose layer with the same geometry starts from Gluon's default init and learns K from fresh
 * (x, y) batches by minimising L2Loss; since y is exactly reachable, the loss goes to ~0 and K is recovered.
 * Everything lives on `options.ctx`; on the GPU each step's loss is awaited before it is printed.
 */
export async function fitKernel(options: FitKernelOptions = {}): Promise<FitKernelResult> {
  const { steps = 300, seed = 0, optimizer = "adam", batchSize = 4, quiet = false, ctx = npx.cpu() } = options;
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`fitKernel: steps=${steps} must be an integer >= 1`);
  const learningRate = options.learningRate ?? (optimizer === "adam" ? 0.05 : 2);
  np.random.seed(seed);
  const geometry = { strides: 2, padding: 1 } as const;
  const hidden = np.random.normal({ scale: 0.5, size: [3, 3, 4, 4], ctx });
  const net = new nn.Conv2DTranspose(3, { kernelSize: 4, ...geometry, inChannels: 3, useBias: false });
  net.initialize(undefined, { ctx });
  const trainer = new gluon.Trainer(net.collectParams(), optimizer, { learningRate });
  const l2 = new gluon.loss.L2Loss();

  const tty = !quiet && process.stdout.isTTY;
  const bar = tty
    ? new cliProgress.SingleBar({ format: "fit-kernel [{bar}] {value}/{total} | loss {loss}", hideCursor: true }, cliProgress.Presets.shades_classic)
    : null;
  bar?.start(steps, 0, { loss: "…" });
  const started = performance.now();
  let lossStart = NaN;
  let lossEnd = NaN;
  for (let step = 1; step <= steps; step++) {
    const x = np.random.normal({ size: [batchSize, 3, 8, 8], ctx });
    const y = npx.deconvolution(x, hidden, geometry);
    const loss = autograd.record(() => l2.forward(net.forward(x), y));
    loss.backward(np.ones(loss.shape, { ctx })); // the summed per-sample loss, as Gluon's loss.backward()
    trainer.step(batchSize);
    const value = (await loss.mean().wait()).item();
    if (step === 1) lossStart = value;
    lossEnd = value;
    if (bar) bar.update(step, { loss: value.toExponential(3) });
    else if (!quiet && (step === 1 || step % Math.max(1, Math.round(steps / 10)) === 0 || step === steps))
      console.log(`step ${String(step).padStart(String(steps).length)}/${steps}  loss ${value.toExponential(3)}`);
  }
  bar?.stop();
  const seconds = (performance.now() - started) / 1000;
  return { steps, lossStart, lossEnd, maxAbsError: await maxAbsDiff(net.weight.data(), hidden), seconds, device: String(ctx) };
}

function parseArgs(argv: readonly string[]): FitKernelOptions & { gpu?: boolean } {
  const options: FitKernelOptions & { gpu?: boolean } = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v)) throw new Error(`fit-kernel: ${arg} needs a number, got ${argv[i]}`);
      return v;
    };
    if (arg === "--steps") options.steps = value();
    else if (arg === "--seed") options.seed = value();
    else if (arg === "--lr") options.learningRate = value();
    else if (arg === "--batch") options.batchSize = value();
    else if (arg === "--sgd") options.optimizer = "sgd";
    else if (arg === "--quiet") options.quiet = true;
    else if (arg === "--gpu") options.gpu = true;
    else throw new Error(`fit-kernel: unknown argument ${arg}; use --steps N, --seed N, --lr X, --batch N, --sgd, --quiet, --gpu`);
  }
  return options;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { gpu, ...options } = parseArgs(process.argv.slice(2));
  const ctx = gpu ? await openGpu() : npx.cpu();
  console.log(`device: ${ctx}`);
  const r = await fitKernel({ ...options, ctx });
  console.log(
    `loss ${r.lossStart.toExponential(3)} → ${r.lossEnd.toExponential(3)} in ${r.steps} steps on ${r.device} (${r.seconds.toFixed(1)} s); ` +
      `max |recovered − hidden kernel| = ${r.maxAbsError.toExponential(2)}`,
  );
}
