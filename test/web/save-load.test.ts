// saveParametersToBytes / loadParametersFromBytes in Chromium: a PyTorch state dict fetched by a page loads, gives
// PyTorch's outputs, and saves to the same bytes as in Node; a cut file throws; the file variants say what to use.
// Skipped (not failed) when no Chromium is available: set CHROME_PATH or install /usr/bin/chromium.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import type { Browser } from "playwright-core";
import { SKIP, launchChromium } from "../helpers/chromium.js";
import { parseSafetensors, readTensor } from "../../src/io/safetensors.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const FIXTURES = join(ROOT, "test", "fixtures", "safetensors");

const PAGE = `<!doctype html><html><body><script type="module">
import * as t from "/tconv.js";
const { nn, np } = t;
async function run() {
  const get = async (u) => new Uint8Array(await (await fetch(u)).arrayBuffer());
  const [params, io] = await Promise.all([get("/dcgan-f32.safetensors"), get("/dcgan-f32-io.safetensors")]);
  const up = (c, s, p) => new nn.Conv2DTranspose(c, { kernelSize: 4, strides: s, padding: p, useBias: false });
  const G = new nn.Sequential().add(up(32, 1, 0), new nn.BatchNorm(), new nn.Activation("relu"),
    up(16, 2, 1), new nn.BatchNorm(), new nn.Activation("relu"), up(3, 2, 1), new nn.Activation("tanh"));
  G.initialize();
  G.loadParametersFromBytes(params);
  const f = t.parseSafetensors(io, "io");
  const z = np.array(t.readTensor(f, f.entries.get("z"), "float32", "io")).reshape(2, 16, 1, 1);
  const y = Array.from(G.forward(z).asTypedArray());
  const saved = Array.from(G.saveParametersToBytes());
  const message = (fn) => { try { fn(); return null; } catch (e) { return e instanceof Error ? e.message : String(e); } };
  return { y, saved, cut: message(() => G.loadParametersFromBytes(params.slice(0, 5000))),
    file: message(() => G.saveParameters("model.safetensors")), yAfter: Array.from(G.forward(z).asTypedArray()) };
}
run().then((r) => { window.result = r; }, (e) => { window.result = { error: String(e && e.stack || e) }; })
  .finally(() => { document.documentElement.dataset.done = "true"; });
</script></body></html>`;

interface Result {
  y: number[];
  saved: number[];
  cut: string | null;
  file: string | null;
  yAfter: number[];
  error?: string;
}

test("save and load as bytes in Chromium", { skip: SKIP, timeout: 180_000 }, async () => {
  const built = await esbuild.build({
    entryPoints: [join(ROOT, "test", "web", "save-load-entry.ts")],
    bundle: true,
    format: "esm",
    platform: "browser",
    write: false,
    logLevel: "silent",
  });
  const files: Record<string, [string, string | Uint8Array]> = {
    "/tconv.js": ["text/javascript", built.outputFiles[0]!.text],
    "/page.html": ["text/html", PAGE],
    "/dcgan-f32.safetensors": ["application/octet-stream", readFileSync(join(FIXTURES, "dcgan-f32.safetensors"))],
    "/dcgan-f32-io.safetensors": ["application/octet-stream", readFileSync(join(FIXTURES, "dcgan-f32-io.safetensors"))],
  };
  const server = createServer((req, res) => {
    const hit = files[new URL(req.url ?? "/", "http://127.0.0.1").pathname];
    if (!hit) return void (res.writeHead(404), res.end());
    res.writeHead(200, { "Content-Type": hit[0] });
    res.end(hit[1]);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const p = await browser.newPage();
    const errors: string[] = [];
    p.on("pageerror", (e) => errors.push(e.message));
    await p.goto(`http://127.0.0.1:${(server.address() as { port: number }).port}/page.html`);
    await p.waitForSelector("html[data-done=true]", { timeout: 120_000 });
    const r = (await p.evaluate(() => (window as unknown as { result: unknown }).result)) as Result;
    assert.equal(r.error, undefined, r.error);
    assert.deepEqual(errors, []);
    // PyTorch's output for the same noise
    const io = parseSafetensors(new Uint8Array(readFileSync(join(FIXTURES, "dcgan-f32-io.safetensors"))), "io");
    const want = readTensor(io, io.entries.get("y")!, "float32", "io");
    assert.equal(r.y.length, want.length);
    let maxDiff = 0;
    for (let i = 0; i < want.length; i++) maxDiff = Math.max(maxDiff, Math.abs(r.y[i]! - want[i]!));
    assert.ok(maxDiff <= 3e-7, `max |browser − PyTorch| = ${maxDiff}`);
    // the browser writes the bytes Node writes (the committed file that PyTorch loads back)
    assert.deepEqual(new Uint8Array(r.saved), new Uint8Array(readFileSync(join(FIXTURES, "dcgan-f32-from-tconv.safetensors"))));
    assert.match(r.cut ?? "", /^loadParametersFromBytes: truncated: /);
    assert.deepEqual(r.yAfter, r.y, "the failed load changed nothing");
    assert.match(r.file ?? "", /^saveParameters: files need Node ≥ 20\.16; in a browser use the byte-array variant/);
  } finally {
    await browser?.close();
    await new Promise((r) => server.close(r));
  }
});
