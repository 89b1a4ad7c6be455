// Page side of bench:gpu in Chromium: bundled by gpu.mjs (esbuild, tconv from dist/, tfjs from bench/node_modules;
// onnxruntime-web's WebGPU build is served as /ort/ort.webgpu.min.mjs) and run by window.tconvGpuBench(opts).
import * as tconv from "tconv";
import { onnx } from "tconv/onnx";
import { gpuInfo } from "tconv-webgpu";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-webgpu";
import { SOFTWARE, describeOpts, resolveOpts, runGpuBench } from "./gpu-cases.mjs";

const firstLine = (e) => String(e?.message ?? e).split("\n")[0];
const describe = (a) => (a ? `vendor="${a.vendor ?? ""}" architecture="${a.architecture ?? ""}" description="${a.description ?? ""}"` : "?");

/** `req`: the command line's sizes; the rest is resolved here once the adapter is known */
window.tconvGpuBench = async (req) => {
  const log = (line) => console.log(`[bench:gpu] ${line}`);
  if ((await tconv.npx.initGpu()) === 0) {
    try {
      tconv.npx.gpu();
    } catch (e) {
      return { noGpu: firstLine(e) };
    }
  }
  const info = gpuInfo();
  log(`tconv: adapter ${describe(info)}`);
  const software = SOFTWARE.test(describe(info));
  const opts = resolveOpts(req, software);
  for (const line of describeOpts(opts, software).split("\n")) log(line);
  let ort;
  try {
    const url = "/ort/ort.webgpu.min.mjs"; // a variable: esbuild leaves this import to the browser
    ort = await import(url);
    ort.env.wasm.wasmPaths = "/ort/";
    ort.env.wasm.numThreads = 1; // the page is not cross-origin isolated; the work is on the GPU
    log(`onnxruntime-web ${ort.env.versions?.web ?? "?"} (WebGPU EP)`);
  } catch (e) {
    ort = { error: `onnxruntime-web's WebGPU build did not load: ${firstLine(e)}` };
  }
  let tfm;
  try {
    if (!(await tf.setBackend("webgpu"))) throw new Error("tf.setBackend('webgpu') returned false");
    await tf.ready();
    const b = tf.backend();
    log(`tfjs ${tf.version_core} on backend "${tf.getBackend()}": adapter ${describe(b.adapterInfo)}`);
    tfm = tf;
  } catch (e) {
    tfm = { error: `tfjs-webgpu did not start: ${firstLine(e)}` };
  }
  const rows = await runGpuBench({ tconv, onnx, ort, tf: tfm }, opts, log);
  if (!ort.error) {
    const a = await ort.env.webgpu?.adapter;
    const ai = a?.info ?? (await ort.env.webgpu?.device)?.adapterInfo;
    log(`onnxruntime-web's adapter after its sessions: ${ai ? describe(ai) : "not exposed"}`);
  }
  return { adapter: describe(info), rows };
};
document.documentElement.dataset.ready = "true";
