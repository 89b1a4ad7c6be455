// The wasm worker pool in Chromium: a cross-origin-isolated page (first call before the workers report in, then 1 vs 2
// threads), the library inside a Web Worker, and a page without isolation (one thread). Asserts results, never time.
// Skipped (not failed) when no Chromium is available: set CHROME_PATH or install /usr/bin/chromium.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import type { Browser, Page } from "playwright-core";
import { SKIP, launchChromium } from "../helpers/chromium.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const ISOLATION = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
  "Cross-Origin-Resource-Policy": "same-origin",
};

/**
 * The browser-side check, as source text (it runs in a page and in a Web Worker): a DCGAN-sized deconvolution
 * [16,256,8,8] ⊛ᵀ [256,128,4,4] (stride 2, pad 1) right away (workers not ready), then at 1 and 2 threads once the
 * workers have reported in; float64 (which runs the reference kernels) is the expected value on the first image.
 */
const CHECK = `
async function check(t) {
  const { np, npx, setNumThreads, threadsReady, getNumThreads, workerTasks } = t;
  np.random.seed(3);
  const x = np.random.uniform({ low: -1, high: 1, size: [16, 256, 8, 8] });
  const w = np.random.uniform({ low: -0.1, high: 0.1, size: [256, 128, 4, 4] });
  const opts = { strides: 2, padding: 1 };
  // float64 takes the plain reference loops: checked on the first image only (1/16 of the work)
  const want = npx.deconvolution(x.at("0:1").astype("float64"), w.astype("float64"), opts).asTypedArray();
  const err = (y) => { let m = 0; for (let i = 0; i < want.length; i++) m = Math.max(m, Math.abs(y[i] - want[i])); return m; };
  setNumThreads(2);
  let t0 = performance.now();
  const first = npx.deconvolution(x, w, opts).asTypedArray();
  const firstMs = performance.now() - t0;
  const ready = await threadsReady();
  const time = (threads) => {
    setNumThreads(threads);
    const ms = [];
    let y;
    for (let r = 0; r < 3; r++) { t0 = performance.now(); y = npx.deconvolution(x, w, opts).asTypedArray(); ms.push(performance.now() - t0); }
    ms.sort((a, b) => a - b);
    return { y, ms: ms[1] };
  };
  const before = workerTasks();
  const two = time(2);
  const workerTasksIn2 = workerTasks() - before;
  const one = time(1);
  let same = true;
  for (let i = 0; i < one.y.length; i++) if (one.y[i] !== two.y[i]) same = false;
  return { isolated: globalThis.crossOriginIsolated === true, threads: getNumThreads(), ready, firstMs, errFirst: err(first),
    err1: err(one.y), err2: err(two.y), same, ms1: one.ms, ms2: two.ms, workerTasksIn2 };
}`;

function page(worker: boolean): string {
  const body = worker
    ? `const wk = new Worker("/worker.js", { type: "module" });
       wk.onmessage = (e) => { window.result = e.data; document.documentElement.dataset.done = "true"; };
       wk.onerror = (e) => { window.result = { error: String(e.message) }; document.documentElement.dataset.done = "true"; };`
    : `import * as t from "/tconv.js";
       check(t).then((r) => { window.result = r; }, (e) => { window.result = { error: String(e && e.stack || e) }; })
         .finally(() => { document.documentElement.dataset.done = "true"; });`;
  return `<!doctype html><html><body><script type="module">${CHECK}\n${body}</script></body></html>`;
}
const WORKER = `import * as t from "/tconv.js";${CHECK}\ncheck(t).then((r) => postMessage(r), (e) => postMessage({ error: String(e && e.stack || e) }));`;

async function serve(bundle: string): Promise<{ server: Server; base: string }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const isolated = url.searchParams.get("iso") === "1" || !url.pathname.endsWith(".html");
    const headers = isolated ? ISOLATION : {};
    const send = (type: string, body: string) => {
      res.writeHead(200, { "Content-Type": type, ...headers });
      res.end(body);
    };
    if (url.pathname === "/tconv.js") return send("text/javascript", bundle);
    if (url.pathname === "/worker.js") return send("text/javascript", WORKER);
    if (url.pathname === "/page.html") return send("text/html", page(false));
    if (url.pathname === "/worker.html") return send("text/html", page(true));
    if (url.pathname === "/favicon.ico") {
      res.writeHead(204, headers);
      return res.end();
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address() as { port: number };
  return { server, base: `http://127.0.0.1:${addr.port}` };
}

interface Result {
  isolated: boolean;
  threads: number;
  ready: number;
  firstMs: number;
  errFirst: number;
  err1: number;
  err2: number;
  same: boolean;
  ms1: number;
  ms2: number;
  workerTasksIn2: number;
  error?: string;
}

async function run(p: Page, url: string): Promise<Result> {
  await p.goto(url);
  await p.waitForSelector("html[data-done=true]", { timeout: 120_000 });
  const r = (await p.evaluate(() => (window as unknown as { result: unknown }).result)) as Result;
  assert.equal(r.error, undefined, r.error);
  return r;
}

test("threads in Chromium", { skip: SKIP, timeout: 300_000 }, async (t: TestContext) => {
  const built = await esbuild.build({
    entryPoints: [join(ROOT, "test", "web", "threads-entry.ts")],
    bundle: true,
    format: "esm",
    platform: "browser",
    write: false,
    logLevel: "silent",
  });
  const { server, base } = await serve(built.outputFiles[0]!.text);
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const p = await browser.newPage();
    const errors: string[] = [];
    p.on("pageerror", (e) => errors.push(e.message));
    p.on("console", (m) => void (m.type() === "error" && errors.push(`console: ${m.text()}`)));
    const tol = 1e-4; // float32 against float64 over K = 256·4 taps of |x·w| ≤ 0.1

    await t.test("cross-origin-isolated page: first call runs at once on the page thread, then 1 and 2 threads agree", async () => {
      const r = await run(p, `${base}/page.html?iso=1`);
      assert.equal(r.isolated, true);
      assert.equal(r.ready, 2, "threadsReady() resolves with 2 once the worker has reported in");
      assert.ok(r.errFirst < tol && r.err1 < tol && r.err2 < tol, JSON.stringify(r));
      assert.ok(r.same, "1 and 2 threads give the same floats");
      assert.ok(r.workerTasksIn2 > 0, "the 2-thread calls ran tasks on the worker");
      // not a timing assertion: a call that waited for the worker to start would have hung (the worker cannot start
      // while the page thread is busy) and then thrown
      console.log(
        `# chromium (isolated page) deconvolution [16,256,8,8]→[16,128,16,16]: first call ${r.firstMs.toFixed(1)} ms, ` +
          `1 thread ${r.ms1.toFixed(1)} ms, 2 threads ${r.ms2.toFixed(1)} ms, speed-up ${(r.ms1 / r.ms2).toFixed(2)}×`,
      );
    });

    await t.test("the library inside a Web Worker of an isolated page uses 2 threads and agrees", async () => {
      const r = await run(p, `${base}/worker.html?iso=1`);
      assert.equal(r.isolated, true);
      assert.equal(r.ready, 2);
      assert.ok(r.errFirst < tol && r.err1 < tol && r.err2 < tol, JSON.stringify(r));
      assert.ok(r.same && r.workerTasksIn2 > 0, JSON.stringify(r));
      console.log(`# chromium (inside a Web Worker) 1 thread ${r.ms1.toFixed(1)} ms, 2 threads ${r.ms2.toFixed(1)} ms`);
    });

    await t.test("a page without cross-origin isolation runs on one thread and agrees", async () => {
      const r = await run(p, `${base}/page.html`);
      assert.equal(r.isolated, false);
      assert.equal(r.threads, 1, "setNumThreads(2) falls back to 1 without shared memory");
      assert.equal(r.ready, 1);
      assert.ok(r.errFirst < tol && r.err1 < tol && r.err2 < tol, JSON.stringify(r));
      assert.equal(r.workerTasksIn2, 0);
    });

    assert.deepEqual(errors, []);
  } finally {
    await browser?.close();
    await new Promise((r) => server.close(r));
  }
});
