// The explorer's train panel in Chromium: 50 steps in the page equal 50 steps of the same seed in Node bit for bit
// (1 thread), the sample grid changes, the downloaded checkpoint loads in Node, the demo's checkpoint loads into the
// page and training continues from it exactly, feature maps equal net.at(i) in Node, 360 px without overflow.
// Small nets (width 8, batch 8) keep it short. Skipped (not failed) when no Chromium is available.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { SKIP, launchChromium } from "../helpers/chromium.js";
import { DCGANPair } from "../../examples/dcgan-nets.js";
import { buildNets, type Nets } from "../../examples/dcgan-train.js";
import { parseSafetensors } from "../../src/io/safetensors.js";
import { ARCH, CONFIG, DEMO_STEPS, STEPS } from "./train-reference.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const QUERY =
  `tsize=${ARCH.imageSize}&twidth=${ARCH.width}&tlatent=${ARCH.latentDim}&tdata=${CONFIG.datasetSize}&tbatch=${CONFIG.batchSize}` +
  `&tlr=${CONFIG.learningRate}&tseed=${CONFIG.seed}&tthreads=1&tevery=10&tstop=${STEPS}`;

/** Builds the explorer into its own folder (other tests build web-dist) and serves it; resolves with the URL. */
function startServer(out: string): Promise<{ url: string; server: ChildProcess }> {
  const server = spawn(process.execPath, [join(ROOT, "web", "serve.mjs"), "--out", out], {
    cwd: ROOT,
    env: { ...process.env, PORT: "0" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  server.stderr!.on("data", (d: Buffer) => (err += String(d)));
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`web/serve.mjs printed no URL within 60 s; stderr:\n${err}`)), 60_000);
    server.stdout!.once("data", (d: Buffer) => (clearTimeout(timer), ok({ url: String(d).split("\n")[0]!.trim(), server })));
    server.on("exit", (code) => (clearTimeout(timer), fail(new Error(`web/serve.mjs exited with ${code}; stderr:\n${err}`))));
  });
}

/** Every parameter of both nets by structural name (generator.0.0.weight, …, discriminator.…) as plain numbers. */
function parameters(nets: Pick<Nets, "generator" | "discriminator">): [string, number[]][] {
  return [...new DCGANPair(nets.generator, nets.discriminator).collectParams().entries()].map(([k, p]) => [k, Array.from(p.data().asTypedArray())]);
}

/** Bit for bit: same names, same float32 values (−0 and NaN included, through Object.is). */
function assertSame(got: [string, number[]][], want: [string, number[]][], what: string): void {
  assert.deepEqual(
    got.map(([k]) => k),
    want.map(([k]) => k),
    `${what}: parameter names`,
  );
  for (let i = 0; i < want.length; i++) {
    const [name, w] = want[i]!;
    const g = got[i]![1];
    assert.equal(g.length, w.length, `${what}: ${name} size`);
    const bad = w.findIndex((v, j) => !Object.is(v, g[j]));
    assert.equal(bad, -1, `${what}: ${name}[${bad}] page ${g[bad]} ≠ Node ${w[bad]}`);
  }
}

/** Calls the page's test hooks (web/src/train.ts TrainHooks), e.g. `parameters()`, as an expression string. */
const hook = <T>(page: Page, call: string) => page.evaluate(`globalThis.tconvTrain.${call}`) as Promise<T>;
type Params = [string, number[]][];
/** Keeps the sample grid's pixels in the page (as `name`) and, given `against`, counts the bytes that differ from that copy. */
const gridPixels = (page: Page, name: string, against?: string) =>
  page.evaluate(
    ([n, a]) => {
      const c = document.querySelector("[data-testid=train-samples]") as HTMLCanvasElement;
      const px = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
      const keep = globalThis as unknown as Record<string, Uint8ClampedArray>;
      keep[n] = px;
      const old = a ? keep[a]! : px;
      let changed = old.length === px.length ? 0 : -1;
      for (let i = 0; i < px.length && changed >= 0; i++) if (px[i] !== old[i]) changed++;
      return { bytes: px.length, changed };
    },
    [name, against ?? ""] as const,
  );
const stepText = (page: Page) => page.locator("[data-testid=train-step]").textContent();
async function trainUntilPaused(page: Page, step: number): Promise<void> {
  await page.getByRole("button", { name: "Start", exact: true }).click();
  await page.waitForFunction(
    (n) => document.getElementById("train")?.dataset.running === "false" && document.querySelector("[data-testid=train-step]")?.textContent === `step ${n}`,
    step,
    { timeout: 120_000 },
  );
}

test("train panel: the demo's DCGAN in Chromium", { skip: SKIP, timeout: 300_000 }, async (t: TestContext) => {
  // Node's side first, in a child with relaxed SIMD (the kernels Chromium runs; Node 20 needs the flag for them):
  // 50 steps at 1 thread, the layer outputs, and the demo's checkpoint after 13 steps
  const out = mkdtempSync(join(tmpdir(), "tconv-train-"));
  const child = spawnSync(process.execPath, ["--experimental-wasm-relaxed-simd", "--import", "tsx", join(ROOT, "test", "web", "train-reference.ts"), out], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 120_000,
  });
  assert.equal(child.status, 0, `train-reference.ts failed:\n${child.stderr}`);
  assert.deepEqual(JSON.parse(readFileSync(join(out, "node-done.json"), "utf8")), { relaxed: true });
  /** parameters of a fresh pair (another seed, so every value must come from the file) after loadParameters(file) */
  const loaded = (file: string) => {
    const nets = buildNets(ARCH, { ...CONFIG, seed: 7 });
    new DCGANPair(nets.generator, nets.discriminator).loadParameters(file);
    return parameters(nets);
  };
  const refParams = loaded(join(out, "node-50.safetensors"));
  const refMaps = JSON.parse(readFileSync(join(out, "node-maps.json"), "utf8")) as { shape: number[]; data: number[] }[];
  const ckpt = join(out, "demo", "checkpoint");
  const ckptFolder = join(ckpt, readdirSync(ckpt).find((n) => n.startsWith("step-"))!);
  const demoNets = buildNets(ARCH, { ...CONFIG, seed: 7 });
  demoNets.generator.loadParameters(join(ckptFolder, "generator.safetensors"));
  demoNets.discriminator.loadParameters(join(ckptFolder, "discriminator.safetensors"));
  const demoParams = parameters(demoNets);

  const { url, server } = await startServer(join(out, "web"));
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => void (m.type() === "error" && errors.push(`console: ${m.text()}`)));
    await page.goto(`${url}?${QUERY}`);
    await page.waitForSelector("html[data-ready=true]", { timeout: 30_000 });
    await page.locator("[data-testid=train]").scrollIntoViewIfNeeded(); // the panel makes its nets when it comes into view
    await page.waitForSelector("#train[data-ready=true]", { timeout: 30_000 });

    await t.test("the panel has its contract: buttons, step counter, thread count", async () => {
      assert.equal(await page.locator("[data-testid=train]").count(), 1);
      for (const name of ["Start", "Pause", "Reset", "Download checkpoint"])
        assert.equal(await page.getByRole("button", { name, exact: true }).count(), 1, name);
      assert.equal(await stepText(page), "step 0");
      assert.equal(await page.locator("#train-threads").inputValue(), "1");
      assert.equal(await page.locator("#train-device-row").isVisible(), false, "no GPU choice without npx.numGpus() > 0");
    });

    const grid0 = await gridPixels(page, "grid0");
    await t.test("50 steps in the page equal 50 steps of the same seed in Node, bit for bit at 1 thread", async () => {
      await trainUntilPaused(page, STEPS);
      assert.equal(await hook<number>(page, "step()"), STEPS);
      assertSame(await hook<Params>(page, "parameters()"), refParams, "after 50 steps");
    });

    await t.test("the sample grid changes between step 0 and step 50", async () => {
      const { bytes, changed } = await gridPixels(page, "grid50", "grid0");
      assert.equal(bytes, grid0.bytes);
      assert.ok(changed > bytes / 10, `only ${changed} of ${bytes} bytes changed`);
    });

    await t.test("feature maps of every generator layer equal net.at(i) outputs in Node", async () => {
      const g = buildNets(ARCH, CONFIG).generator;
      assert.equal(refMaps.length, g.length);
      for (let i = 0; i < refMaps.length; i++) {
        const got = await hook<{ shape: number[]; data: number[] }>(page, `featureMaps(${i})`);
        assert.deepEqual(got.shape, refMaps[i]!.shape, `layer ${i} shape`);
        const want = refMaps[i]!.data;
        const bad = want.findIndex((v, j) => !Object.is(v, got.data[j]));
        assert.equal(bad, -1, `layer ${i}[${bad}]: page ${got.data[bad]} ≠ Node ${want[bad]}`);
      }
    });

    await t.test("a downloaded checkpoint loads in Node with loadParameters and equals the page's parameters", async () => {
      const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download checkpoint", exact: true }).click()]);
      assert.equal(download.suggestedFilename(), "tconv-dcgan-step-50.safetensors");
      const path = join(out, download.suggestedFilename());
      await download.saveAs(path);
      const names = [...parseSafetensors(new Uint8Array(readFileSync(path)), "download").entries.keys()];
      assert.ok(names.includes("generator.0.1.weight") && !names.some((n) => n.endsWith(".gamma")), `PyTorch names: ${names.slice(0, 4).join(", ")}, …`);
      assertSame(loaded(path), await hook<Params>(page, "parameters()"), "downloaded file");
    });

    await t.test("the demo's checkpoint (Node, 13 steps) uploads into the page, and training continues to Node's step 50 exactly", async () => {
      await page.getByRole("button", { name: "Reset", exact: true }).click();
      assert.equal(await stepText(page), "step 0");
      await page.locator("#train-upload").setInputFiles(readdirSync(ckptFolder).map((f) => join(ckptFolder, f)));
      await page.waitForFunction(
        (n) => document.querySelector("[data-testid=train-step]")?.textContent === `step ${n}` && !document.getElementById("train")?.dataset.loading,
        DEMO_STEPS,
        { timeout: 30_000 },
      );
      assert.equal(await page.locator("#train-error").isVisible(), false, (await page.locator("#train-error").textContent()) ?? "");
      assertSame(await hook<Params>(page, "parameters()"), demoParams, "uploaded demo checkpoint");
      await trainUntilPaused(page, STEPS);
      assertSame(await hook<Params>(page, "parameters()"), refParams, "13 steps in Node + 37 in the page");
    });

    await t.test("a file that does not fit is an error in the panel and changes nothing", async () => {
      const before = await hook<Params>(page, "parameters()");
      await page
        .locator("#train-upload")
        .setInputFiles({ name: "bad.safetensors", mimeType: "application/octet-stream", buffer: Buffer.from("not a safetensors file") });
      await page.locator("#train-error").waitFor({ state: "visible", timeout: 10_000 });
      assert.match((await page.locator("#train-error").textContent()) ?? "", /loadParametersFromBytes/);
      assert.equal(await stepText(page), `step ${STEPS}`);
      assertSame(await hook<Params>(page, "parameters()"), before, "after a bad file");
    });

    await t.test("360 px: no horizontal overflow, 40 px targets", async () => {
      const phone = await browser!.newPage({ viewport: { width: 360, height: 740 }, hasTouch: true });
      phone.on("pageerror", (e) => errors.push(`phone: ${e.message}`));
      await phone.goto(`${url}?${QUERY}`);
      await phone.waitForSelector("html[data-ready=true]", { timeout: 30_000 });
      await phone.locator("#train-resize").click(); // the widest state: both grids
      const [sw, iw] = await phone.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
      assert.ok(sw <= iw, `scrollWidth ${sw} > innerWidth ${iw}`);
      const small = await phone.evaluate(() =>
        Array.from(document.querySelectorAll("#train button, #train select, #train input, #train .file-btn, #train a, #train summary"))
          .map((e) => [e.id || e.textContent!.trim().slice(0, 24), e.getBoundingClientRect()] as const)
          .filter(([, r]) => r.width > 0 && (r.width < 40 || r.height < 40))
          .map(([n, r]) => `${n} ${r.width.toFixed(0)}×${r.height.toFixed(0)}`),
      );
      assert.deepEqual(small, []);
      await phone.close();
    });

    assert.deepEqual(errors, []);
  } finally {
    await browser?.close();
    server.kill("SIGTERM");
  }
});
