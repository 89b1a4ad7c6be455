// Page side of the browser section: bundled by browser-section.mjs (esbuild, from the built library in dist/), it builds
// the cases in a Chromium page and times one call at a time when the Node side asks (window.tconvBench).
import * as tconv from "tconv";
import { onnx } from "tconv/onnx";
import { wasmBuild } from "tconv-wasm-runtime";
import { dcganGenerator } from "./dcgan.mjs";
import { maxAbs, maxAbsDiff } from "./diff.mjs";

const { np, npx, nn, init, setNumThreads, getNumThreads, threadsReady } = tconv;
const N = 16;
const DECONV = { strides: 2, padding: 1 };

/** id → () => Float32Array: the timed unit is one call that hands back its result as a typed array. */
const runs = new Map();
/** `${id}|${threads}` → the latest output */
const outputs = new Map();
let ortSession = null,
  ortFeed = null;

async function post(name, bytes) {
  const r = await fetch(`/blob/${name}`, { method: "POST", body: bytes });
  if (!r.ok) throw new Error(`POST /blob/${name}: ${r.status}`);
}
async function get(name) {
  const r = await fetch(`/blob/${name}`);
  if (!r.ok) throw new Error(`GET /blob/${name}: ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}
const f32 = (u8) => new Float32Array(u8.buffer, u8.byteOffset, u8.byteLength >> 2);
const bytesOf = (a) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** tconv's cases; the isolated page also publishes the generator's ONNX file and input for the onnxruntime-web pages. */
async function setupTconv({ publish }) {
  np.random.seed(1);
  for (const [id, xShape, wShape] of [
    ["deconv-8", [N, 256, 8, 8], [256, 128, 4, 4]],
    ["deconv-16", [N, 128, 16, 16], [128, 64, 4, 4]],
  ]) {
    const x = np.random.uniform({ low: -1, high: 1, size: xShape });
    const w = np.random.uniform({ low: -0.1, high: 0.1, size: wShape });
    runs.set(id, () => npx.deconvolution(x, w, DECONV).asTypedArray());
  }
  np.random.seed(0);
  const net = dcganGenerator(nn); // the whole-network rows' generator
  net.initialize(new init.Normal(0.02));
  const z = np.random.normal({ size: [N, 100, 1, 1] });
  net.forward(z); // deferred shapes
  runs.set("generator", () => net.forward(z).asTypedArray());
  if (publish) {
    await post("generator.onnx", onnx.exportModel(net, [[N, 100, 1, 1]]));
    await post("z.f32", bytesOf(Float32Array.from(z.asTypedArray())));
  }
  setNumThreads(2);
  const ready = await threadsReady();
  return { ready, threads: getNumThreads(), wasmBuild: wasmBuild() };
}

async function setupOrt({ threads }) {
  const ortUrl = "/ort/ort.wasm.min.mjs"; // a variable: esbuild leaves this import to the browser
  const ort = await import(ortUrl);
  ort.env.wasm.wasmPaths = "/ort/";
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.proxy = false;
  ortSession = await ort.InferenceSession.create(await get("generator.onnx"), {
    executionProviders: ["wasm"],
    graphOptimizationLevel: "all",
    executionMode: "sequential",
  });
  ortFeed = { [ortSession.inputNames[0]]: new ort.Tensor("float32", f32(await get("z.f32")).slice(), [N, 100, 1, 1]) };
  const out = ortSession.outputNames[0];
  runs.set("generator", async () => (await ortSession.run(ortFeed))[out].data);
  return { version: ort.env.versions?.web ?? ort.env.versions?.common ?? null, threads: ort.env.wasm.numThreads };
}

window.tconvBench = {
  /** kind "tconv" (publish: also post the ONNX file and the input) or "ort" (threads). */
  async setup(o) {
    const base = {
      isolated: globalThis.crossOriginIsolated === true,
      hardwareConcurrency: navigator.hardwareConcurrency,
      visibility: document.visibilityState,
    };
    return { ...base, ...(o.kind === "ort" ? await setupOrt(o) : await setupTconv(o)) };
  },
  /** Runs case `id` once at `threads` (tconv's thread count; the ort pages' is fixed) and returns the wall time in ms. */
  async rep(id, threads) {
    if (!ortSession && getNumThreads() !== threads) setNumThreads(threads);
    const t0 = performance.now();
    const y = await runs.get(id)();
    const ms = performance.now() - t0;
    outputs.set(`${id}|${threads}`, y);
    return ms;
  },
  /** max |a − b| between this page's latest outputs of `id` at thread counts a and b. */
  diff(id, a, b) {
    return maxAbsDiff(outputs.get(`${id}|${a}`), outputs.get(`${id}|${b}`));
  },
  /** Posts this page's output of `id` at `threads`, for other pages to compare with. */
  async publish(id, threads) {
    await post(`out-${id}.f32`, bytesOf(outputs.get(`${id}|${threads}`)));
  },
  /** max |mine − published| for `id` and the published output's max |value| (the scale). */
  async compare(id, threads) {
    const ref = f32(await get(`out-${id}.f32`));
    return { maxAbsDiff: maxAbsDiff(outputs.get(`${id}|${threads}`), ref), scale: maxAbs(ref) };
  },
};
document.documentElement.dataset.ready = "true";
