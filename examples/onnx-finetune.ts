// Demo: import a PyTorch-exported ESPCN (.onnx), fine-tune it with tconv's autograd (--gpu: on gpu(0)), export it, run it in onnxruntime.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import ort from "onnxruntime-node";
import { autograd, type Context, gluon, type NDArray, np, npx } from "tconv";
import { onnx } from "tconv/onnx";
import { openGpu } from "./gpu-device.js";

export interface OnnxFinetuneOptions {
  /** the .onnx file; default the ESPCN (×2 super-resolution) that scripts/fixtures/make-onnx-models.py exported */
  model?: string;
  /** fine-tuning steps; default 30 */
  steps?: number;
  /** samples per step; default 8 */
  batchSize?: number;
  learningRate?: number;
  seed?: number;
  quiet?: boolean;
  /** the device to fine-tune on (npx.cpu() by default; the CLI's --gpu passes d2l.tryGpu()) */
  ctx?: Context;
}

export interface OnnxFinetuneResult {
  lossStart: number;
  lossEnd: number;
  /** max |onnxruntime − tconv| on a held-out batch, for the fine-tuned model after export */
  maxDiffOrt: number;
  /** size of the exported ModelProto */
  bytes: number;
  params: string[];
  /** where the fine-tuning ran: "cpu(0)" or "gpu(0)" */
  device: string;
}

const DEFAULT_MODEL = new URL("../test/fixtures/onnx/models/espcn.onnx", import.meta.url);

/** Smooth 16×16 images (a few random sinusoids in [0, 1]) and their 2×2-averaged 8×8 versions. */
function batch(n: number): { lr: NDArray; hr: NDArray } {
  const u = np.random.uniform({ size: [n, 4] }).asTypedArray();
  const hr = new Float32Array(n * 256);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < 16; i++)
      for (let j = 0; j < 16; j++)
        hr[b * 256 + i * 16 + j] = 0.5 + 0.25 * Math.sin(u[b * 4]! * 0.9 * i + u[b * 4 + 1]! * 6) + 0.2 * Math.cos(u[b * 4 + 2]! * 0.9 * j + u[b * 4 + 3]! * 6);
  const HR = np.array(hr).reshape(n, 1, 16, 16);
  const LR = HR.reshape(n, 1, 8, 2, 8, 2).mean({ axis: [3, 5] });
  return { lr: LR, hr: HR };
}

export async function onnxFinetune(options: OnnxFinetuneOptions = {}): Promise<OnnxFinetuneResult> {
  const { steps = 30, batchSize = 8, learningRate = 0.01, seed = 0, quiet = false, ctx = npx.cpu() } = options;
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`onnxFinetune: steps=${steps} must be an integer >= 1`);
  const log = (s: string) => quiet || console.log(s);
  np.random.seed(seed);

  // 1. a PyTorch model, exported with torch.onnx.export (opset 17), becomes a Gluon block with trainable parameters
  const net = onnx.importToGluon(new Uint8Array(readFileSync(options.model ?? DEFAULT_MODEL)));
  const params = net.collectParams();
  log(`imported: ${params.keys().join(", ")}`);
  net.resetCtx(ctx); // the parameters move to the device once; Trainer's updates run there

  // 2. fine-tune with autograd and a Trainer, as any Gluon block
  const trainer = new gluon.Trainer(params, "adam", { learningRate });
  const l2 = new gluon.loss.L2Loss();
  let lossStart = NaN;
  let lossEnd = NaN;
  for (let step = 1; step <= steps; step++) {
    const { lr, hr } = batch(batchSize);
    const loss = autograd.record(() => l2.forward(net.forward(lr.asInCtx(ctx)) as NDArray, hr.asInCtx(ctx)));
    loss.backward(np.ones(loss.shape, { ctx }));
    trainer.step(batchSize);
    lossEnd = (await loss.mean().wait()).item(); // on the GPU values are readable after wait()
    if (step === 1) lossStart = lossEnd;
    if (step === 1 || step % Math.max(1, Math.round(steps / 5)) === 0 || step === steps) log(`step ${step}/${steps}  loss ${lossEnd.toExponential(3)}`);
  }

  // 3. export the fine-tuned block and run it in onnxruntime-node (from the CPU: the parameters come back once computed)
  for (const p of params.values()) await p.data().wait();
  net.resetCtx(npx.cpu());
  const bytes = onnx.exportModel(net, [[1, 1, 8, 8]], { opset: 17, dynamicBatch: true });
  const session = await ort.InferenceSession.create(bytes);
  const { lr } = batch(3);
  const ours = (net.forward(lr) as NDArray).asTypedArray();
  const out = await session.run({ [session.inputNames[0]!]: new ort.Tensor("float32", Float32Array.from(lr.asTypedArray()), [...lr.shape]) });
  const theirs = out[session.outputNames[0]!]!.data as Float32Array;
  await session.release();
  let maxDiffOrt = 0;
  for (let i = 0; i < theirs.length; i++) maxDiffOrt = Math.max(maxDiffOrt, Math.abs(theirs[i]! - ours[i]!));
  log(`exported ${bytes.length} bytes; onnxruntime vs tconv on a batch of 3: max |diff| = ${maxDiffOrt.toExponential(2)}`);
  return { lossStart, lossEnd, maxDiffOrt, bytes: bytes.length, params: params.keys(), device: String(ctx) };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const steps = args.includes("--steps") ? Number(args[args.indexOf("--steps") + 1]) : undefined;
  const model = args.includes("--model") ? args[args.indexOf("--model") + 1] : undefined;
  const ctx = args.includes("--gpu") ? await openGpu() : npx.cpu();
  console.log(`device: ${ctx}`);
  const r = await onnxFinetune({ ...(steps !== undefined ? { steps } : {}), ...(model !== undefined ? { model } : {}), ctx });
  console.log(`loss ${r.lossStart.toExponential(3)} → ${r.lossEnd.toExponential(3)} on ${r.device}`);
}
