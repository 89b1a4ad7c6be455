// Debian's Chromium for the browser tests: where it is, why a test is skipped without it, and one way to launch it.
import { existsSync } from "node:fs";
import { createServer } from "node:http";
import { builtinModules } from "node:module";
import * as esbuild from "esbuild";
import { chromium, type Browser } from "playwright-core";

export const CHROME = process.env.CHROME_PATH ?? "/usr/bin/chromium";

/** A skip reason when no Chromium is available (the tests are skipped, not failed), else false. */
export const SKIP: string | false =
  process.env.CHROME_PATH === undefined && !existsSync(CHROME) ? "no Chromium found: set CHROME_PATH or install /usr/bin/chromium" : false;

/**
 * Headless Chromium as root on a machine without network: no sandbox, no GPU, and no background connections (they are
 * refused here, many at a time). `newHeadless` selects Chromium's new headless mode. `webgpu` keeps the GPU process and
 * enables WebGPU (--enable-unsafe-webgpu; without a GPU Chromium's adapter is its bundled SwiftShader), which
 * navigator.gpu exposes only on a real origin such as http://127.0.0.1, not on about:blank.
 */
export function launchChromium(options: { newHeadless?: boolean; webgpu?: boolean } = {}): Promise<Browser> {
  const mode = options.newHeadless === false ? [] : ["--headless=new"];
  const gpu = options.webgpu === true ? ["--enable-unsafe-webgpu"] : ["--disable-gpu"];
  return chromium.launch({
    executablePath: CHROME,
    headless: true,
    args: [...mode, "--no-sandbox", ...gpu, "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/**
 * Bundles `entry` for the browser with esbuild and serves it on 127.0.0.1 (a real origin, which navigator.gpu needs) as
 * /entry.js under a page at /. Returns the page's URL and a close function.
 */
export async function serveEntry(entry: string, plugins: esbuild.Plugin[] = []): Promise<{ url: string; close: () => void }> {
  const built = await esbuild.build({ entryPoints: [entry], bundle: true, format: "esm", platform: "browser", write: false, logLevel: "silent", plugins });
  const bundle = built.outputFiles[0]!.text;
  const server = createServer((req, res) => {
    if (req.url === "/entry.js") {
      res.writeHead(200, { "Content-Type": "text/javascript" });
      return res.end(bundle);
    }
    if (req.url === "/") {
      res.writeHead(200, { "Content-Type": "text/html" });
      return res.end(`<!doctype html><script type="module" src="/entry.js"></script>`);
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/`, close: () => server.close() };
}

const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

/** Node builtins the library reaches only at run time in Node: empty modules in the page (as web/build.mjs does). */
export const nodeStubs: esbuild.Plugin = {
  name: "node-builtin-stubs",
  setup(build) {
    build.onResolve({ filter: /^(node:)?[a-z_/]+$/ }, (args) =>
      builtins.has(args.path) || args.path.startsWith("node:") ? { path: args.path, namespace: "node-stub" } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: "node-stub" }, () => ({ contents: "module.exports = {};", loader: "js" }));
  },
};

/** What a GPU test page's check function returns at least: how many GPUs it opened, and why none. */
export interface GpuPageResult {
  gpus: number;
  reason?: string;
}

/**
 * Serves `entry` (bundled with `plugins`), opens it in Chromium with WebGPU, waits for the page's global function `fn`,
 * calls it with `arg` and returns its result with the page's errors; the browser and the server are closed before it
 * returns, whatever happened.
 */
export async function runGpuPage<T extends GpuPageResult>(
  entry: string,
  plugins: esbuild.Plugin[],
  fn: string,
  arg?: unknown,
): Promise<{ result: T; errors: string[] }> {
  const server = await serveEntry(entry, plugins);
  let browser: Browser | undefined;
  try {
    browser = await launchChromium({ webgpu: true });
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(server.url);
    await page.waitForFunction((name) => name in globalThis, fn);
    const result = (await page.evaluate(([name, a]) => (globalThis as unknown as Record<string, (x: unknown) => Promise<unknown>>)[name as string]!(a), [
      fn,
      arg,
    ] as const)) as T;
    return { result, errors };
  } finally {
    await browser?.close();
    server.close();
  }
}
