// Whole-model rows: a DCGAN generator and a small U-Net built with tconv and exported with onnx.exportModel, and two
// third-party models exported by PyTorch (bench/models/, scripts/fixtures/make-bench-models.py) and imported with
// onnx.importToGluon; each run by tconv, onnxruntime-web and onnxruntime-node on the same input at one thread count
// (child process of run.mjs), interleaved call by call at 1 thread.
//   node lib/models.mjs --threads 1 [--target-ms 500] [--max-ms 4000] [--min-reps 3] [--models dcgan,unet,convtasnet,lraspp]
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { tconvDistEntry } from "./peers.mjs";
import { dcganGenerator } from "./dcgan.mjs";

const args = Object.fromEntries(process.argv.slice(2).flatMap((a, i, all) => (a.startsWith("--") ? [[a.slice(2), all[i + 1]]] : [])));
const THREADS = Number(args.threads ?? 1);
const TARGET_MS = Number(args["target-ms"] ?? 500);
const MAX_MS = Number(args["max-ms"] ?? 4000);
const MIN_REPS = Number(args["min-reps"] ?? 3);
const ONLY = args.models ? args.models.split(",") : null;
const emit = (o) => process.stdout.write("@@" + JSON.stringify(o) + "\n");

// no network: wasm files come from node_modules
const realFetch = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  const url = String(input?.url ?? input);
  if (/^(file|data|blob):/.test(url)) return realFetch(input, init);
  throw new Error(`bench: network fetch blocked (${url})`);
};

const tconv = await import(pathToFileURL(tconvDistEntry()).href);
const { nn, np } = tconv;
// ONNX moved to the tconv/onnx entry in 0.2.0; TCONV_DIST may name an older build that still exports it from the main one
const { onnx } = tconv.onnx ? tconv : await import(pathToFileURL(join(dirname(tconvDistEntry()), "onnx", "index.js")).href);
tconv.setNumThreads?.(THREADS);
const hasBatchNorm = typeof nn.BatchNorm === "function";
const hasMaxPool = typeof nn.MaxPool2D === "function";

/** A small 3-level U-Net: [N,3,64,64] → [N,2,64,64], 16/32/64 channels, k2 s2 up-convolutions, concatenated skips. */
class SmallUNet extends nn.Block {
  constructor() {
    super();
    const conv = (c, k = 3) => new nn.Conv2D(c, { kernelSize: k, padding: k === 3 ? 1 : 0, activation: k === 3 ? "relu" : undefined });
    this.enc1 = conv(16);
    this.down1 = hasMaxPool ? new nn.MaxPool2D({ poolSize: 2 }) : new nn.Conv2D(16, { kernelSize: 2, strides: 2 });
    this.enc2 = conv(32);
    this.down2 = hasMaxPool ? new nn.MaxPool2D({ poolSize: 2 }) : new nn.Conv2D(32, { kernelSize: 2, strides: 2 });
    this.enc3 = conv(64);
    this.up2 = new nn.Conv2DTranspose(32, { kernelSize: 2, strides: 2 });
    this.dec2 = conv(32);
    this.up1 = new nn.Conv2DTranspose(16, { kernelSize: 2, strides: 2 });
    this.dec1 = conv(16);
    this.out = conv(2, 1);
  }
  forward(x) {
    const e1 = this.enc1.forward(x);
    const e2 = this.enc2.forward(this.down1.forward(e1));
    const e3 = this.enc3.forward(this.down2.forward(e2));
    const d2 = this.dec2.forward(np.concatenate([this.up2.forward(e3), e2], { axis: 1 }));
    const d1 = this.dec1.forward(np.concatenate([this.up1.forward(d2), e1], { axis: 1 }));
    return this.out.forward(d1);
  }
}

const MODELS = [
  {
    id: "dcgan",
    label: `DCGAN generator (noise 100 → 3×64×64, N = 16${hasBatchNorm ? "" : ", no BatchNorm in this build"})`,
    build: () => dcganGenerator(nn),
    shape: [16, 100, 1, 1],
  },
  {
    id: "unet",
    label: `small U-Net (3×64×64 → 2×64×64, N = 4, 16/32/64 channels${hasMaxPool ? "" : ", strided-conv downsampling"}; hybridize({ staticAlloc: true }))`,
    build: () => new SmallUNet(),
    // a user's block, as a Gluon user runs one: hybridized with static allocation (MXNet's static_alloc), so its
    // intermediates' buffers are reused from one forward to the next, as onnxruntime's memory planner reuses its own
    hybridize: { staticAlloc: true },
    shape: [4, 3, 64, 64],
  },
  {
    id: "convtasnet",
    label: "Conv-TasNet (torchaudio, quarter width: 1-D k16 s8 encoder/decoder, depthwise 1-D TCN; 1 s of 8 kHz audio, N = 1)",
    file: "convtasnet.onnx",
    shape: [1, 1, 8000],
  },
  {
    id: "lraspp",
    label: "LR-ASPP MobileNetV3-Large (torchvision, width 0.5: depthwise 3×3/5×5, squeeze-excite; 3×128×128, N = 1)",
    file: "lraspp.onnx",
    shape: [1, 3, 128, 128],
  },
].filter((m) => !ONLY || ONLY.includes(m.id));
const MODEL_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "models");

/**
 * At 1 thread the runs interleaved call by call, the order rotating each round, after one warm-up call each, so that
 * every library sees the same moments of the machine (this VM's speed drifts by a third within minutes): per run, the
 * median over ≥ MIN_REPS rounds and ≥ TARGET_MS in total (at most MAX_MS).
 */
async function measureInterleaved(runs) {
  // with threads, each library's pool spins for a while after its call (onnxruntime's intra-op threads, tconv's
  // workers) and would take the cores from the next library's call: there, each runs its own block of calls
  if (THREADS > 1) {
    const out = [];
    for (const run of runs) out.push((await measureRounds([run]))[0]);
    return out;
  }
  return measureRounds(runs);
}

async function measureRounds(runs) {
  for (const run of runs) await run();
  const times = runs.map(() => []);
  const start = performance.now();
  for (let r = 0; r < MIN_REPS || (performance.now() - start < TARGET_MS && performance.now() - start < MAX_MS); r++) {
    for (let k = 0; k < runs.length; k++) {
      const i = (k + r) % runs.length;
      const t0 = performance.now();
      await runs[i]();
      times[i].push(performance.now() - t0);
    }
    if (performance.now() - start > MAX_MS) break;
  }
  return times.map((t) => {
    t.sort((a, b) => a - b);
    return { ms: t[t.length >> 1], reps: t.length };
  });
}

function maxRel(a, b) {
  let m = 0;
  let scale = 1e-6;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  for (let i = 0; i < b.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m / scale;
}

const ortNode = await import("onnxruntime-node");
const ortWeb = await import("onnxruntime-web");
ortWeb.env.wasm.numThreads = THREADS;
ortWeb.env.wasm.proxy = false;
const sessionOptions = (ep) => ({
  executionProviders: [ep],
  intraOpNumThreads: THREADS,
  interOpNumThreads: 1,
  executionMode: "sequential",
  graphOptimizationLevel: "all",
});

for (const m of MODELS) {
  emit({ event: "start", case: m.id });
  try {
    np.random.seed(1);
    let net, bytes;
    if (m.file) {
      bytes = new Uint8Array(readFileSync(join(MODEL_DIR, m.file)));
      net = onnx.importToGluon(bytes);
    } else {
      net = m.build();
      net.initialize();
    }
    const x = np.random.uniform({ low: -1, high: 1, size: m.shape });
    const ref = net.forward(x).asTypedArray();
    if (m.hybridize) net.hybridize(m.hybridize);
    bytes ??= onnx.exportModel(net, [m.shape]);
    const row = { event: "model", id: m.id, label: m.label, threads: THREADS, bytes: bytes.length, nodes: null, imported: !!m.file };
    const xd = Float32Array.from(x.asTypedArray());
    const runs = [() => net.forward(x).asTypedArray()];
    const keys = ["tconv"];
    const sessions = [];
    for (const [key, ort, ep] of [
      ["ortWeb", ortWeb, "wasm"],
      ["ortNode", ortNode, "cpu"],
    ]) {
      try {
        const session = await ort.InferenceSession.create(bytes, sessionOptions(ep));
        const feed = { [session.inputNames[0]]: new ort.Tensor("float32", xd, m.shape) };
        const out = (await session.run(feed))[session.outputNames[0]].data;
        row[key] = { err: maxRel(out, ref) };
        runs.push(async () => (await session.run(feed))[session.outputNames[0]].data);
        keys.push(key);
        sessions.push(session);
      } catch (e) {
        row[key] = { error: String(e?.message ?? e).split("\n")[0] };
      }
    }
    const measured = await measureInterleaved(runs);
    keys.forEach((key, i) => (row[key] = { ...row[key], ...measured[i] }));
    for (const session of sessions) await session.release?.();
    emit(row);
  } catch (e) {
    emit({
      event: "error",
      case: m.id,
      error: String(e?.stack ?? e)
        .split("\n")
        .slice(0, 3)
        .join(" "),
    });
  }
}
emit({ event: "done" });
process.exit(0);
