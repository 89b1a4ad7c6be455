// The explorer page in a real browser: builds web-dist, serves it, drives Chromium through playwright-core, checks the
// book's three transposed-convolution examples, a control change, an invalid outputPadding, and takes a screenshot
// (to the temp folder; UPDATE_SCREENSHOT=1 writes docs/explorer.png for the README instead).
// Skipped (not failed) when no Chromium is available: set CHROME_PATH or install /usr/bin/chromium.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { tmpdir } from "node:os";
import { chromium, type Browser, type Page } from "playwright-core";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const CHROME = process.env.CHROME_PATH ?? "/usr/bin/chromium";
const SKIP = process.env.CHROME_PATH === undefined && !existsSync(CHROME) ? "no Chromium found: set CHROME_PATH or install /usr/bin/chromium" : false;
const SCREENSHOT = process.env.UPDATE_SCREENSHOT ? join(ROOT, "docs", "explorer.png") : join(tmpdir(), "tconv-explorer.png");

// D2L §12.10, as the book prints nn.Conv2DTranspose's results (4-D: batch and channel axes of size 1)
const BOOK = {
  basic: "array([[[[ 0.,  0.,  1.],\n         [ 0.,  4.,  6.],\n         [ 4., 12.,  9.]]]])",
  padding1: "array([[[[4.]]]])",
  strides2: "array([[[[0., 0., 0., 1.],\n         [0., 0., 2., 3.],\n         [0., 2., 0., 3.],\n         [4., 6., 6., 9.]]]])",
  // §12.10.3: corr2d(arange(9).reshape(3, 3), K), as npx.convolution prints it
  conv: "array([[[[19., 25.],\n         [37., 43.]]]])",
};
const BOOK_QUERY = "op=deconvolution&x=[[0,1],[2,3]]&k=[[0,1],[2,3]]";

/** Starts web/serve.mjs on a free port (PORT=0) and resolves with the URL it prints as its first stdout line. */
function startServer(): Promise<{ url: string; server: ChildProcess }> {
  const server = spawn(process.execPath, [join(ROOT, "web", "serve.mjs")], { cwd: ROOT, env: { ...process.env, PORT: "0" }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`web/serve.mjs printed no URL within 30 s; stderr:\n${err}`)), 30_000);
    server.stderr!.on("data", (d: Buffer) => (err += String(d)));
    server.stdout!.on("data", (d: Buffer) => {
      out += String(d);
      const nl = out.indexOf("\n");
      if (nl >= 0) {
        clearTimeout(timer);
        const url = out.slice(0, nl).trim();
        if (/^http:\/\/127\.0\.0\.1:\d+\/$/.test(url)) resolvePromise({ url, server });
        else reject(new Error(`web/serve.mjs first line is not its URL: ${JSON.stringify(url)}`));
      }
    });
    server.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`web/serve.mjs exited with ${code}; stderr:\n${err}`));
    });
  });
}

async function stopServer(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise<void>((r) => server.once("exit", () => r()));
  server.kill("SIGTERM");
  const timeout = new Promise<void>((r) => setTimeout(r, 3000).unref());
  await Promise.race([exited, timeout]);
  if (server.exitCode === null && server.signalCode === null) server.kill("SIGKILL");
}

const text = (page: Page, id: string) => page.locator(`[data-testid=${id}]`).textContent().then((s) => s ?? "");

/** Waits until [data-testid=id] has the wanted text (the page updates synchronously, so this is quick), then asserts it. */
async function expectText(page: Page, id: string, want: string): Promise<void> {
  await page
    .waitForFunction(([i, w]) => document.querySelector(`[data-testid=${i}]`)?.textContent === w, [id, want] as const, { timeout: 5000 })
    .catch(() => undefined);
  assert.equal(await text(page, id), want);
}

/** The page's own address (page.url() can lag behind history.replaceState). */
const search = (page: Page) => page.evaluate(() => decodeURIComponent(location.search));

async function load(page: Page, base: string, query: string): Promise<void> {
  await page.goto(`${base}?${query}`);
  await page.waitForSelector("html[data-ready=true]", { timeout: 10_000 });
}

test("explorer: the page in Chromium", { skip: SKIP, timeout: 60_000 }, async (t: TestContext) => {
  assert.ok(existsSync(CHROME), `CHROME_PATH=${CHROME} does not exist`);
  const { url, server } = await startServer();
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({
      executablePath: CHROME,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const pageErrors: string[] = [];
    page.on("pageerror", (e) => pageErrors.push(e.message));
    page.on("console", (m) => void (m.type() === "error" && pageErrors.push(`console: ${m.text()}`)));

    await t.test("serves the page cross-origin isolated", async () => {
      const res = await page.goto(url);
      assert.equal(res?.headers()["cross-origin-opener-policy"], "same-origin");
      assert.equal(res?.headers()["cross-origin-embedder-policy"], "require-corp");
      assert.equal(await page.evaluate(() => crossOriginIsolated), true);
    });

    await t.test("book, stride 1, no padding → the 3×3 result", async () => {
      await load(page, url, BOOK_QUERY);
      await expectText(page, "output", BOOK.basic);
      await expectText(page, "shape", "[1, 1, 3, 3]");
      assert.equal(await page.locator("[data-testid=error]").isVisible(), false);
    });

    await t.test("book, padding 1 → array([[[[4.]]]])", async () => {
      await load(page, url, `${BOOK_QUERY}&padding=1`);
      await expectText(page, "output", BOOK.padding1);
      await expectText(page, "shape", "[1, 1, 1, 1]");
    });

    await t.test("book, strides 2 → the 4×4 result", async () => {
      await load(page, url, `${BOOK_QUERY}&strides=2`);
      await expectText(page, "output", BOOK.strides2);
      await expectText(page, "shape", "[1, 1, 4, 4]");
    });

    await t.test("changing a control updates the shape and the URL", async () => {
      await load(page, url, `${BOOK_QUERY}&strides=2`);
      await page.locator("#strides-0").fill("3"); // H stride 3: (2 − 1)·3 + 2 = 5
      await expectText(page, "shape", "[1, 1, 5, 4]");
      assert.match(await search(page), /strides=3,2(&|$)/);
      await page.locator("#op-convolution").click(); // the same parameters, convolution: ⌊(2 − 2)/3⌋ + 1 = 1
      await expectText(page, "shape", "[1, 1, 1, 1]");
      assert.match(await search(page), /op=convolution/);
    });

    await t.test("convolution through the URL: the book's corr2d example", async () => {
      await load(page, url, "op=convolution&x=[[0,1,2],[3,4,5],[6,7,8]]&k=[[0,1],[2,3]]");
      await expectText(page, "output", BOOK.conv);
      await expectText(page, "shape", "[1, 1, 2, 2]");
    });

    await t.test("an invalid outputPadding shows the library's error, not a picture", async () => {
      await load(page, url, BOOK_QUERY);
      await page.locator("#outputPadding-0").fill("2"); // stride 1: outputPadding must be < 1
      const error = page.locator("[data-testid=error]");
      await error.waitFor({ state: "visible", timeout: 5000 });
      assert.match((await error.textContent()) ?? "", /outputPadding/);
      assert.equal(await text(page, "output"), "");
      assert.match(await search(page), /outputPadding=2,0/);
      // the same state loaded from its URL
      await load(page, url, `${BOOK_QUERY}&outputPadding=2`);
      assert.equal(await error.isVisible(), true);
      assert.match((await error.textContent()) ?? "", /outputPadding=\[2,2\] must be < max\(strides, dilation\)/);
      // a valid value clears it
      await page.locator("#outputPadding-0").fill("0");
      await page.locator("#outputPadding-1").fill("0");
      await expectText(page, "output", BOOK.basic);
      assert.equal(await error.isVisible(), false);
    });

    await t.test("playback: keyboard steps and Play runs to the end", async () => {
      await load(page, url, BOOK_QUERY); // 4 input elements: steps 0 … 5 (start, 4 writes, crop); it opens on the last
      const step = page.locator("#pl-step");
      assert.equal(await step.textContent(), "step 5 / 5");
      await page.locator("#stage-area").focus();
      await page.keyboard.press("Home");
      await page.keyboard.press("ArrowRight");
      await page.keyboard.press("ArrowRight");
      assert.equal(await step.textContent(), "step 2 / 5");
      assert.match((await page.locator("#caption").textContent()) ?? "", /x\[0, 1\] = 1/);
      await page.locator("#pl-speed").fill("4");
      await page.locator("#pl-play").click();
      await page.waitForFunction(() => document.getElementById("pl-step")?.textContent === "step 5 / 5", undefined, { timeout: 10_000 });
      await expectText(page, "output", BOOK.basic);
    });

    await t.test("screenshot of the strides-2 example mid-animation (1280×800)", async () => {
      await load(page, url, `${BOOK_QUERY}&strides=2`);
      // mid-animation: the third input element writes its scaled kernel copy
      await page.locator("#pl-first").click();
      for (let i = 0; i < 3; i++) await page.locator("#pl-next").click();
      await page.mouse.move(0, 0);
      mkdirSync(dirname(SCREENSHOT), { recursive: true });
      const png = await page.screenshot({ path: SCREENSHOT });
      assert.ok(png.length > 10_000, "screenshot is suspiciously small");
    });

    assert.deepEqual(pageErrors, [], "the page logged errors");
  } finally {
    await browser?.close().catch(() => undefined);
    await stopServer(server);
  }
});
