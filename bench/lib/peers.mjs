// Adapters: one per implementation. Each `create(threads)` loads the library in the current
// (child) process, applies the thread count, and returns
//   { version, actualThreads, threadNote, prepare(case, data) }
// where prepare returns { run, sync, toNCHW, dispose }:
//   run()       one call of the op on already-prepared inputs, returning the output as a JS
//               typed array (the timed unit: compute + handing the result back to JS);
//   sync        true if run() returns the array directly (no Promise);
//   toNCHW(out) the output as a NCHW Float32Array (untimed; for the cross-check).
import { readFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { geometry, nchwToNhwc, nhwcToNchw, oihwToHwio } from "./cases.mjs";
import { buildConvModel } from "./onnx.mjs";

const here = dirname(fileURLToPath(import.meta.url));
export const BENCH_DIR = resolve(here, "..");
export const REPO_DIR = resolve(BENCH_DIR, "..");
const require = createRequire(join(BENCH_DIR, "package.json"));

/** Where tconv's build is: TCONV_DIST (a folder) or ../dist. */
export function tconvDistEntry() {
  const dir = process.env.TCONV_DIST ? resolve(process.env.TCONV_DIST) : join(REPO_DIR, "dist");
  return join(dir, "index.js");
}

export function pkgVersion(name) {
  try {
    // package.json may not be in "exports": read it from the resolved folder.
    let dir = dirname(require.resolve(name));
    for (let i = 0; i < 5; i++) {
      const p = join(dir, "package.json");
      if (existsSync(p)) {
        const j = JSON.parse(readFileSync(p, "utf8"));
        if (j.name === name) return j.version;
      }
      dir = dirname(dir);
    }
  } catch {
    /* not installed */
  }
  return null;
}

/** Peer metadata: kind "self" (tconv), "js", "wasm" (the JS/WASM peers) or "native" (reference only). */
export const PEERS = [
  { id: "tconv", label: "tconv", kind: "self", pkg: null },
  // the same library in a Node started with relaxed SIMD enabled (V8 flag set before the wasm module compiles)
  { id: "tconv-relaxed", label: "tconv relaxed-SIMD", kind: "self-variant", pkg: null },
  { id: "ort-node", label: "onnxruntime-node", kind: "native", pkg: "onnxruntime-node" },
  { id: "tfjs-cpu", label: "tfjs-cpu", kind: "js", pkg: "@tensorflow/tfjs-backend-cpu", singleThreadOnly: true },
  { id: "tfjs-wasm", label: "tfjs-wasm", kind: "wasm", pkg: "@tensorflow/tfjs-backend-wasm" },
  { id: "ort-web", label: "onnxruntime-web", kind: "wasm", pkg: "onnxruntime-web" },
  { id: "jax-js", label: "jax-js (wasm)", kind: "wasm", pkg: "@jax-js/jax" },
];
export const peerById = new Map(PEERS.map((p) => [p.id, p]));

// ---------------------------------------------------------------- tconv
async function createTconv(threads, relaxed = false) {
  if (relaxed) (await import("node:v8")).setFlagsFromString("--experimental-wasm-relaxed-simd");
  const entry = tconvDistEntry();
  if (!existsSync(entry)) throw new Unavailable(`${entry} does not exist (run \`npm run build\` in the repo root)`);
  const mod = await import(pathToFileURL(entry).href);
  const { np, npx } = mod;
  if (!np?.array || !npx?.deconvolution || !npx?.convolution)
    throw new Unavailable(`${entry} does not export np.array / npx.deconvolution / npx.convolution yet`);
  let actualThreads = null;
  let threadNote = "";
  if (typeof mod.setNumThreads === "function") {
    const r = await mod.setNumThreads(threads);
    actualThreads = typeof r === "number" ? r : typeof mod.getNumThreads === "function" ? mod.getNumThreads() : threads;
  } else {
    threadNote = "setNumThreads is not exported yet: thread count not set";
  }
  await mod.threadsReady?.(); // workers start in the background: time the threaded path, not the start
  const rtMod = await import(pathToFileURL(entry.replace(/index\.js$/, "backends/wasm/runtime.js")).href).catch(() => null);
  const build = rtMod?.wasmBuild?.() ?? "unknown";
  if (relaxed && build !== "relaxed-simd") throw new Unavailable(`relaxed SIMD requested but the runtime runs ${build}`);
  threadNote = [threadNote, `wasm build: ${build}`].filter(Boolean).join("; ");
  return {
    version: JSON.parse(readFileSync(join(REPO_DIR, "package.json"), "utf8")).version + ` (${entry.replace(REPO_DIR + "/", "")}, ${build})`,
    actualThreads,
    threadNote,
    prepare(c, d) {
      const X = np.array(d.x, { dtype: "float32" }).reshape(d.xShape);
      const W = np.array(d.w, { dtype: "float32" }).reshape(d.wShape);
      const opts =
        c.op === "tconv"
          ? { strides: [c.s, c.s], padding: [c.p, c.p], outputPadding: [c.op_pad ?? 0, c.op_pad ?? 0] }
          : { strides: [c.s, c.s], padding: [c.p, c.p] };
      const f = c.op === "tconv" ? npx.deconvolution : npx.convolution;
      return {
        sync: true,
        run: () => f(X, W, opts).asTypedArray(),
        toNCHW: (out) => Float32Array.from(out),
        dispose() {},
      };
    },
  };
}

// ---------------------------------------------------------------- onnxruntime (node + web)
async function createOrt(threads, which) {
  const ort = await import(which === "node" ? "onnxruntime-node" : "onnxruntime-web");
  let threadNote = "";
  if (which === "web") {
    ort.env.wasm.numThreads = threads;
    ort.env.wasm.proxy = false;
    threadNote = "ort.env.wasm.numThreads (emscripten pthreads on worker_threads)";
  } else {
    threadNote = "intraOpNumThreads";
  }
  const version = pkgVersion(which === "node" ? "onnxruntime-node" : "onnxruntime-web");
  const sessionOptions = {
    executionProviders: [which === "node" ? "cpu" : "wasm"],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: "sequential",
    graphOptimizationLevel: "all",
  };
  return {
    version,
    actualThreads: threads,
    threadNote,
    ort,
    async prepare(c, d) {
      const model = buildConvModel({
        op: c.op === "tconv" ? "ConvTranspose" : "Conv",
        xShape: d.xShape,
        wShape: d.wShape,
        w: d.w,
        yShape: d.yShape,
        strides: [c.s, c.s],
        pads: [c.p, c.p],
        outputPadding: c.op === "tconv" ? [c.op_pad ?? 0, c.op_pad ?? 0] : undefined,
      });
      const session = await ort.InferenceSession.create(model, sessionOptions);
      const xt = new ort.Tensor("float32", d.x, d.xShape);
      return {
        sync: false,
        run: async () => (await session.run({ x: xt })).y.data,
        toNCHW: (out) => Float32Array.from(out),
        dispose: () => session.release?.(),
      };
    },
  };
}

// ---------------------------------------------------------------- tfjs (cpu + wasm)
async function createTfjs(threads, backend) {
  const tf = await import("@tensorflow/tfjs-core");
  await import("@tensorflow/tfjs-backend-cpu");
  let actualThreads = 1;
  let threadNote = "";
  if (backend === "wasm") {
    const tfwasm = await import("@tensorflow/tfjs-backend-wasm");
    const wasmDir = dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm"));
    tfwasm.setWasmPaths(wasmDir + "/");
    tfwasm.setThreadsCount(threads);
    const ok = await tf.setBackend("wasm");
    if (!ok) throw new Error("tf.setBackend('wasm') failed");
    await tf.ready();
    actualThreads = tfwasm.getThreadsCount();
    const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
    const mt = await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT");
    threadNote =
      `setThreadsCount(${threads}) → getThreadsCount() = ${actualThreads}; SIMD ${simd ? "on" : "off"}` +
      (mt ? "" : "; tfjs disables wasm multithreading under Node (WASM_HAS_MULTITHREAD_SUPPORT=false), so it runs 1 thread");
  } else {
    const ok = await tf.setBackend("cpu");
    if (!ok) throw new Error("tf.setBackend('cpu') failed");
    await tf.ready();
    threadNote = "plain JavaScript, single-threaded by design";
  }
  return {
    version: pkgVersion(backend === "wasm" ? "@tensorflow/tfjs-backend-wasm" : "@tensorflow/tfjs-backend-cpu"),
    actualThreads,
    threadNote,
    prepare(c, d) {
      // tfjs convolutions are NHWC: inputs are re-laid out once here (untimed), the output back for the check.
      const [n, , h, w] = d.xShape;
      const x = tf.tensor4d(nchwToNhwc(d.x, d.xShape), [n, h, w, d.xShape[1]]);
      const filt = tf.tensor4d(oihwToHwio(d.w, d.wShape), [d.wShape[2], d.wShape[3], d.wShape[1], d.wShape[0]]);
      const [yn, yc, yh, yw] = d.yShape;
      const pad = c.p === 0 ? "valid" : c.p;
      const run =
        c.op === "tconv"
          ? () => {
              const y = tf.conv2dTranspose(x, filt, [yn, yh, yw, yc], c.s, pad);
              const out = y.dataSync();
              y.dispose();
              return out;
            }
          : () => {
              const y = tf.conv2d(x, filt, c.s, pad);
              const out = y.dataSync();
              y.dispose();
              return out;
            };
      return {
        sync: true,
        run,
        toNCHW: (out) => nhwcToNchw(out, d.yShape),
        dispose() {
          x.dispose();
          filt.dispose();
        },
      };
    },
  };
}

// ---------------------------------------------------------------- jax-js
async function createJax(threads) {
  let threadNote;
  if (threads > 1) {
    const { installWebWorkerShim } = await import("./web-worker-shim.mjs");
    installWebWorkerShim(threads);
    threadNote = `Node 20 has no Web Worker: a worker_threads shim (bench/lib/web-worker-shim.mjs) gives jax-js a pool of ${threads} workers`;
  } else {
    threadNote = "no Worker global in Node: kernels run on the main thread";
  }
  const jax = await import("@jax-js/jax");
  const devices = await jax.init("wasm");
  if (!devices.includes("wasm")) throw new Error(`jax-js: wasm device unavailable (got ${devices})`);
  jax.defaultDevice("wasm");
  const { numpy: np, lax } = jax;
  return {
    version: pkgVersion("@jax-js/jax"),
    actualThreads: threads,
    threadNote,
    prepare(c, d) {
      const x = np.array(d.x, { dtype: "float32" }).reshape(d.xShape);
      const w = np.array(d.w, { dtype: "float32" }).reshape(d.wShape);
      const pads = [
        [c.p, c.p],
        [c.p, c.p],
      ];
      const f =
        c.op === "tconv" ? () => lax.convTranspose(x.ref, w.ref, [c.s, c.s], pads, { transposeKernel: true }) : () => lax.conv(x.ref, w.ref, [c.s, c.s], pads);
      return {
        sync: false,
        run: async () => await f().data(),
        toNCHW: (out) => Float32Array.from(out),
        dispose() {
          x.dispose();
          w.dispose();
        },
      };
    },
  };
}

export class Unavailable extends Error {}

export async function createPeer(id, threads) {
  switch (id) {
    case "tconv":
      return createTconv(threads);
    case "tconv-relaxed":
      return createTconv(threads, true);
    case "ort-node":
      return createOrt(threads, "node");
    case "ort-web":
      return createOrt(threads, "web");
    case "tfjs-cpu":
      return createTfjs(threads, "cpu");
    case "tfjs-wasm":
      return createTfjs(threads, "wasm");
    case "jax-js":
      return createJax(threads);
    default:
      throw new Error(`unknown peer ${id}`);
  }
}

export { geometry };
