#!/usr/bin/env node
// bench:gpu: tconv on WebGPU against onnxruntime-web's WebGPU EP and tfjs-webgpu on the same adapter, in one headless
// Chromium page (navigator.gpu on a 127.0.0.1 page) and in Node through the npm `webgpu` package (Dawn). Rows: the DCGAN
// generator (N = 16 and 64), its transposed convolutions one layer at a time, and a tconv training step. Every output is
// compared with tconv's CPU result (max |Δ| printed). On a software adapter (SwiftShader) the numbers are a smoke test
// of the pipelines, not GPU speed, and --quick is the default.
//
//   node bench/gpu.mjs [--where both|browser|node] [--batch 16,64] [--layer-batch N] [--train-batch N] [--reps N]
//                      [--quick | --full]
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { builtinModules } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { SOFTWARE, describeOpts, resolveOpts } from "./lib/gpu-cases.mjs";

const BENCH = dirname(fileURLToPath(import.meta.url));
const REPO = join(BENCH, "..");
const DIST = join(REPO, "dist");
const ORT_DIST = join(BENCH, "node_modules", "onnxruntime-web", "dist");
const CHROME = process.env.CHROME_PATH ?? "/usr/bin/chromium";
const SWIFTSHADER = "/usr/lib/chromium/vk_swiftshader_icd.json";

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
const value = (name) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const known = new Set(["--where", "--batch", "--layer-batch", "--train-batch", "--reps", "--quick", "--full"]);
for (let i = 0; i < argv.length; i++) {
  if (!known.has(argv[i])) throw new Error(`bench:gpu: unknown argument ${argv[i]}; use ${[...known].join(", ")}`);
  if (!["--quick", "--full"].includes(argv[i])) i++;
}
const where = value("where") ?? "both";
if (!["both", "browser", "node"].includes(where)) throw new Error(`bench:gpu: --where ${where} must be both, browser or node`);
const intArg = (name) => {
  const v = value(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`bench:gpu: --${name} ${v} must be an integer >= 1`);
  return n;
};
const batchArg = value("batch")
  ?.split(",")
  .map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 1) throw new Error(`bench:gpu: --batch ${value("batch")} must list integers >= 1, e.g. 16,64`);
    return n;
  });
const requested = {
  batch: batchArg,
  layerBatch: intArg("layer-batch"),
  trainBatch: intArg("train-batch"),
  reps: intArg("reps"),
  quick: flag("quick"),
  full: flag("full"),
};

// ------------------------------------------------------------------------------------------------- Node (Dawn) part
async function runNode() {
  console.log("\n=== Node, WebGPU through the npm `webgpu` package (Dawn) ===");
  const tconv = await import(join(DIST, "index.js"));
  const { onnx } = await import(join(DIST, "onnx", "index.js"));
  const G = await import(join(DIST, "backends", "webgpu", "index.js"));
  let gpuEntry;
  try {
    const { create, globals } = await import("webgpu");
    Object.assign(globalThis, globals);
    gpuEntry = create([]);
  } catch (e) {
    console.log(`bench:gpu (node): the npm package "webgpu" did not load: ${e.message}`);
    return;
  }
  if ((await tconv.npx.initGpu({ gpu: gpuEntry })) === 0) {
    try {
      tconv.npx.gpu();
    } catch (e) {
      console.log(`bench:gpu (node): no WebGPU adapter: ${e.message} (VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES ?? "unset"})`);
    }
    return;
  }
  const info = G.gpuInfo();
  const software = SOFTWARE.test(`${info.vendor} ${info.architecture} ${info.description}`);
  console.log(`tconv: adapter vendor="${info.vendor}" architecture="${info.architecture}" description="${info.description}"`);
  const opts = resolveOpts(requested, software);
  console.log(describeOpts(opts, software));
  // the peers look for navigator.gpu, which Node 20 does not have: give them Dawn's, the same adapter tconv uses
  if (globalThis.navigator === undefined) Object.defineProperty(globalThis, "navigator", { value: { gpu: gpuEntry }, configurable: true });
  else if (!globalThis.navigator.gpu) Object.defineProperty(globalThis.navigator, "gpu", { value: gpuEntry, configurable: true });
  let ort;
  try {
    ort = await import("onnxruntime-web/webgpu");
    ort.env.wasm.numThreads = 1;
    // probe: one session on the WebGPU EP, created and run, so a failure is reported once here rather than on every row
    // (with onnxruntime-web 1.30 and webgpu 0.6 the session is created, and run() throws "Invalid argument")
    const { buildConvModel } = await import("./lib/onnx.mjs");
    const probe = buildConvModel({
      op: "ConvTranspose",
      xShape: [1, 1, 2, 2],
      wShape: [1, 1, 2, 2],
      w: new Float32Array(4),
      yShape: [1, 1, 3, 3],
      strides: [1, 1],
      pads: [0, 0],
    });
    const s = await ort.InferenceSession.create(probe, { executionProviders: ["webgpu"] });
    try {
      await s.run({ x: new ort.Tensor("float32", new Float32Array(4), [1, 1, 2, 2]) });
    } catch (e) {
      throw new Error(`session.run on a 1-node ConvTranspose model: ${e?.message ?? e}`);
    }
    console.log(`onnxruntime-web ${ort.env.versions?.web ?? "?"} (WebGPU EP) in Node`);
  } catch (e) {
    ort = {
      error: `onnxruntime-web's WebGPU EP does not run in Node with Dawn: ${String(e?.message ?? e).split("\n")[0]}`,
    };
    console.log(ort.error);
  }
  let tf;
  try {
    tf = await import("@tensorflow/tfjs-core");
    await import("@tensorflow/tfjs-backend-webgpu");
    if (!(await tf.setBackend("webgpu"))) throw new Error("tf.setBackend('webgpu') returned false");
    await tf.ready();
    const a = tf.backend().adapterInfo;
    console.log(`tfjs ${tf.version_core} on backend "${tf.getBackend()}" in Node: adapter vendor="${a?.vendor ?? ""}" architecture="${a?.architecture ?? ""}"`);
  } catch (e) {
    tf = { error: `tfjs-webgpu did not start in Node: ${String(e?.message ?? e).split("\n")[0]}` };
    console.log(tf.error);
  }
  const { runGpuBench } = await import("./lib/gpu-cases.mjs");
  await runGpuBench({ tconv, onnx, ort, tf }, opts, (l) => console.log(l));
  G.destroyGpu();
}

// ------------------------------------------------------------------------------------------------ Chromium part
const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
/** Node builtins that dist/ reaches only at run time in Node: empty modules in the page (as web/build.mjs does). */
const nodeStubs = {
  name: "node-builtin-stubs",
  setup(build) {
    build.onResolve({ filter: /^(node:)?[a-z_/]+$/ }, (args) => (builtins.has(args.path) ? { path: args.path, namespace: "node-stub" } : undefined));
    build.onLoad({ filter: /.*/, namespace: "node-stub" }, () => ({ contents: "module.exports = {};", loader: "js" }));
  },
};

async function runBrowser() {
  console.log("\n=== Chromium, navigator.gpu (headless, --enable-unsafe-webgpu) ===");
  if (!existsSync(CHROME)) return console.log(`bench:gpu (browser): skipped: no Chromium at ${CHROME} (set CHROME_PATH)`);
  const esbuild = await import("esbuild");
  const { chromium } = await import("playwright-core");
  const built = await esbuild.build({
    entryPoints: [join(BENCH, "lib", "gpu-page.mjs")],
    bundle: true,
    format: "esm",
    platform: "browser",
    write: false,
    logLevel: "silent",
    plugins: [nodeStubs],
    alias: { tconv: DIST, "tconv-webgpu": join(DIST, "backends", "webgpu", "index.js") },
  });
  const script = built.outputFiles[0].text;
  const page = `<!doctype html><html><head><meta charset="utf-8"><title>tconv bench:gpu</title></head><body><script type="module" src="/bench.js"></script></body></html>`;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const send = (type, body) => {
      res.writeHead(200, { "Content-Type": type, "Cache-Control": "no-store" });
      res.end(body);
    };
    if (url.pathname === "/") return send("text/html", page);
    if (url.pathname === "/bench.js") return send("text/javascript", script);
    const ort = url.pathname.match(/^\/ort\/([\w.-]+\.(mjs|wasm))$/);
    if (ort && existsSync(join(ORT_DIST, ort[1])))
      return send(ort[2] === "wasm" ? "application/wasm" : "text/javascript", readFileSync(join(ORT_DIST, ort[1])));
    res.writeHead(url.pathname === "/favicon.ico" ? 204 : 404);
    res.end();
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const browser = await chromium.launch({
    executablePath: CHROME,
    headless: true,
    args: [
      "--headless=new",
      "--no-sandbox",
      "--enable-unsafe-webgpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  try {
    const p = await browser.newPage();
    p.on("console", (m) => {
      const t = m.text();
      if (t.startsWith("[bench:gpu] ")) {
        const line = t.slice(12);
        console.log(line);
      } else if (m.type() === "error" || m.type() === "warning") console.log(`  (page ${m.type()}: ${t.split("\n")[0].slice(0, 300)})`);
    });
    p.on("pageerror", (e) => console.log(`  (page error: ${e.message.split("\n")[0]})`));
    await p.goto(`http://127.0.0.1:${server.address().port}/`);
    await p.waitForFunction(() => "tconvGpuBench" in window);
    // the page resolves the sizes (resolveOpts) once it knows the adapter
    const r = await p.evaluate((req) => window.tconvGpuBench(req), requested);
    if (r.noGpu) console.log(`bench:gpu (browser): no WebGPU adapter in Chromium: ${r.noGpu}`);
  } finally {
    await browser.close();
    server.close();
  }
}

// ------------------------------------------------------------------------------------------------ main
const child = process.env.TCONV_BENCH_GPU_CHILD !== undefined;
if (!existsSync(join(DIST, "index.js"))) throw new Error(`bench:gpu: ${DIST}/index.js does not exist: run \`npm run build\``);
if (!child && (where === "both" || where === "browser")) await runBrowser();
if (where === "both" || where === "node") {
  // Dawn needs a Vulkan driver; without a GPU use the SwiftShader Chromium ships (its loader too, via LD_LIBRARY_PATH,
  // which only takes effect at process start: run the Node part in a child with the variables set)
  if (!child && process.env.VK_ICD_FILENAMES === undefined && existsSync(SWIFTSHADER)) {
    const env = { ...process.env, VK_ICD_FILENAMES: SWIFTSHADER, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? "/tmp", TCONV_BENCH_GPU_CHILD: "1" };
    if (!existsSync("/usr/lib/x86_64-linux-gnu/libvulkan.so.1")) env.LD_LIBRARY_PATH = ["/usr/lib/chromium", env.LD_LIBRARY_PATH].filter(Boolean).join(":");
    const r = spawnSync(
      process.execPath,
      [fileURLToPath(import.meta.url), ...argv.filter((a, i) => a !== "--where" && argv[i - 1] !== "--where"), "--where", "node"],
      {
        stdio: "inherit",
        env,
      },
    );
    process.exit(r.status ?? 1);
  }
  await runNode();
}
