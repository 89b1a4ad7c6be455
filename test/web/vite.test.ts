// A Vite production build of a page that uses tconv as an installed package, served with COOP/COEP and a strict CSP
// (script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'), in Chromium: the worker script is emitted by Vite
// (`tconv/worker.js?url&no-inline`: Vite would inline a file this small as a data: URL, which worker-src 'self' refuses), two threads start, and the deconvolution equals the float64 one. Skipped without Chromium.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { extname, join, normalize, resolve } from "node:path";
import type { Browser } from "playwright-core";
import { SKIP, launchChromium } from "../helpers/chromium.js";

const ROOT = resolve(import.meta.dirname, "..", "..");
const HEADERS = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
  "Content-Security-Policy": "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'",
};

const MAIN = `import { np, npx, setNumThreads, setWorkerUrl, threadsReady, warnings } from "tconv";
import workerUrl from "tconv/worker.js?url&no-inline";
const warned = [];
warnings.setHandler((w) => warned.push(w.code));
setWorkerUrl(workerUrl);
setNumThreads(2);
async function run() {
  const ready = await threadsReady();
  np.random.seed(5);
  const x = np.random.uniform({ low: -1, high: 1, size: [2, 64, 8, 8] });
  const w = np.random.uniform({ low: -0.1, high: 0.1, size: [64, 32, 4, 4] });
  const o = { strides: 2, padding: 1 };
  const want = npx.deconvolution(x.astype("float64"), w.astype("float64"), o).asTypedArray();
  const y = npx.deconvolution(x, w, o).asTypedArray();
  let err = 0;
  for (let i = 0; i < want.length; i++) err = Math.max(err, Math.abs(y[i] - want[i]));
  return { ready, err, n: y.length, warned, workerUrl };
}
run().then((r) => { window.result = r; }, (e) => { window.result = { failed: String(e && e.stack || e) }; })
  .finally(() => { document.documentElement.dataset.done = "true"; });
`;

const TYPES: Record<string, string> = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css" };

function serve(dir: string): Promise<{ server: Server; base: string }> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    const file = normalize(join(dir, path === "/" ? "index.html" : path));
    try {
      if (!file.startsWith(dir)) throw new Error("outside");
      const body = readFileSync(file);
      res.writeHead(200, { "Content-Type": TYPES[extname(file)] ?? "application/octet-stream", ...HEADERS });
      res.end(body);
    } catch {
      res.writeHead(404, HEADERS);
      res.end();
    }
  });
  return new Promise((r) => server.listen(0, "127.0.0.1", () => r({ server, base: `http://127.0.0.1:${(server.address() as { port: number }).port}` })));
}

test("a Vite build under a strict CSP: the emitted tconv/worker.js starts 2 threads, same result as float64", { skip: SKIP, timeout: 180_000 }, async () => {
  const app = mkdtempSync(join(tmpdir(), "tconv-vite-"));
  let server: Server | undefined;
  let browser: Browser | undefined;
  try {
    // the app installs tconv as a package: node_modules/tconv is this repository (its exports map and dist/)
    mkdirSync(join(app, "node_modules"));
    symlinkSync(ROOT, join(app, "node_modules", "tconv"), "dir");
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
    writeFileSync(join(app, "index.html"), `<!doctype html><html><body><script type="module" src="/main.js"></script></body></html>`);
    writeFileSync(join(app, "main.js"), MAIN);
    const { build } = await import("vite");
    await build({ root: app, configFile: false, logLevel: "silent", build: { outDir: join(app, "dist"), emptyOutDir: true } });
    const out = join(app, "dist");
    const emitted = readdirSync(join(out, "assets"));
    assert.ok(
      emitted.some((f) => /^worker-.*\.js$/.test(f)),
      `Vite emitted no worker file: ${emitted.join(", ")}`,
    );
    const served = await serve(out);
    server = served.server;
    const base = served.base;
    browser = await launchChromium();
    const page = await (await browser.newContext()).newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`${base}/`);
    await page.waitForSelector("html[data-done=true]", { timeout: 60_000 });
    const r = (await page.evaluate(() => (window as unknown as { result: unknown }).result)) as {
      ready: number;
      err: number;
      n: number;
      warned: string[];
      workerUrl: string;
      failed?: string;
    };
    assert.equal(r.failed, undefined, r.failed);
    assert.deepEqual(errors, []);
    assert.match(r.workerUrl, /^\/assets\/worker-.*\.js$/);
    assert.equal(r.ready, 2);
    assert.equal(r.n, 2 * 32 * 16 * 16);
    assert.ok(r.err < 1e-4, `max |Δ| = ${r.err}`);
    assert.deepEqual(r.warned, []);
  } finally {
    await browser?.close();
    if (server) await new Promise((r) => server!.close(r));
    rmSync(app, { recursive: true, force: true });
  }
});
