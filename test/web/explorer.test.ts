// The explorer page in a real browser: builds web-dist, serves it, drives Chromium through playwright-core, checks the
// book's three transposed-convolution examples, a control change, an invalid outputPadding, phone widths (no sideways
// overflow, panel order, 40 px touch targets), channels and groups against the library run here in Node, the phase
// view, the picture demo, reduced motion and keyboard reach; takes screenshots (to the temp folder;
// UPDATE_SCREENSHOT=1 writes docs/explorer*.png for docs/explorer.md instead).
// Skipped (not failed) when no Chromium is available: set CHROME_PATH or install /usr/bin/chromium.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { tmpdir } from "node:os";
import type { Browser, Page } from "playwright-core";
import { CHROME, SKIP, launchChromium } from "../helpers/chromium.js";
import { np, npx } from "../../src/index.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const SHOTS = process.env.UPDATE_SCREENSHOT ? join(ROOT, "docs") : join(tmpdir(), "tconv-explorer-shots");
const SCREENSHOT = join(SHOTS, "explorer.png");
const shot = (name: string) => join(SHOTS, name);

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
  const server = spawn(process.execPath, [join(ROOT, "web", "serve.mjs")], {
    cwd: ROOT,
    env: { ...process.env, PORT: "0" },
    stdio: ["ignore", "pipe", "pipe"],
  });
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

const text = (page: Page, id: string) =>
  page
    .locator(`[data-testid=${id}]`)
    .textContent()
    .then((s) => s ?? "");

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

test("explorer: the page in Chromium", { skip: SKIP, timeout: 180_000 }, async (t: TestContext) => {
  assert.ok(existsSync(CHROME), `CHROME_PATH=${CHROME} does not exist`);
  const { url, server } = await startServer();
  let browser: Browser | undefined;
  try {
    browser = await launchChromium({ newHeadless: false });
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
      mkdirSync(SHOTS, { recursive: true });
      const png = await page.screenshot({ path: SCREENSHOT });
      assert.ok(png.length > 10_000, "screenshot is suspiciously small");
    });

    /** A page of the given size whose errors also land in pageErrors. */
    const open = async (width: number, height: number, reducedMotion: "reduce" | "no-preference" = "no-preference") => {
      const p = await browser!.newPage({ viewport: { width, height }, reducedMotion, hasTouch: width < 600 });
      p.on("pageerror", (e) => pageErrors.push(`${width}px: ${e.message}`));
      p.on("console", (m) => void (m.type() === "error" && pageErrors.push(`${width}px console: ${m.text()}`)));
      return p;
    };
    /** scrolls the element into view and checks it is visible inside the viewport */
    const visibleAfterScroll = async (p: Page, selector: string) => {
      const el = p.locator(selector);
      await el.scrollIntoViewIfNeeded();
      assert.equal(await el.isVisible(), true, `${selector} is not visible`);
      const box = await el.boundingBox();
      const vw = p.viewportSize()!;
      assert.ok(
        box && box.x >= 0 && box.x + box.width <= vw.width + 0.5 && box.y < vw.height && box.y + box.height > 0,
        `${selector} lies outside the ${vw.width}×${vw.height} viewport: ${JSON.stringify(box)}`,
      );
    };
    const noSidewaysScroll = async (p: Page, what: string) => {
      const [sw, iw] = await p.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
      assert.ok(sw <= iw, `${what}: scrollWidth ${sw} > innerWidth ${iw}`);
    };
    const CHECKER = "op=deconvolution&x=[[1,1,1],[1,1,1],[1,1,1]]&k=[[1,2,3],[4,5,6],[7,8,9]]&strides=2";
    const GROUPED_X = [
      [
        [0, 1],
        [2, 3],
      ],
      [
        [1, 0],
        [0, 1],
      ],
      [
        [2, 1],
        [1, 0],
      ],
      [
        [0, 0],
        [1, 2],
      ],
    ];
    const GROUPED_K = [
      [
        [
          [0, 1],
          [2, 3],
        ],
      ],
      [
        [
          [1, 1],
          [0, 1],
        ],
      ],
      [
        [
          [2, 0],
          [1, 1],
        ],
      ],
      [
        [
          [1, 2],
          [3, 0],
        ],
      ],
    ];
    const GROUPED = `op=deconvolution&cin=4&cout=2&groups=2&x=${JSON.stringify(GROUPED_X)}&k=${JSON.stringify(GROUPED_K)}&strides=2`;

    for (const [w, h] of [
      [360, 740],
      [420, 900],
    ] as const) {
      await t.test(`${w}×${h}: no sideways overflow, panels stacked in order, output / shape / error reachable`, async () => {
        const p = await open(w, h);
        try {
          for (const q of [BOOK_QUERY, CHECKER, GROUPED, `${BOOK_QUERY}&padding=1&dilation=2`, "op=convolution&x=[[0,1,2],[3,4,5],[6,7,8]]"]) {
            await load(p, url, q);
            await noSidewaysScroll(p, q);
            await visibleAfterScroll(p, "[data-testid=output]");
            await visibleAfterScroll(p, "[data-testid=shape]");
          }
          await load(p, url, GROUPED);
          const tops = await p.evaluate(() =>
            [".controls", ".panel.stage", ".panel.result", ".panel.matrix", ".panel.overlap", ".panel.phases", ".panel.image"].map(
              (s) => document.querySelector(s)!.getBoundingClientRect().top,
            ),
          );
          for (let i = 1; i < tops.length; i++) assert.ok(tops[i]! > tops[i - 1]!, `panel ${i} is not below panel ${i - 1}: ${tops.join(", ")}`);
          // touch targets: every visible button, select and input is at least 40 px in both directions
          const small = await p.evaluate(() =>
            Array.from(document.querySelectorAll<HTMLElement>("button, select, input"))
              .filter((e) => e.offsetParent !== null)
              .map((e) => ({ id: e.id || e.getAttribute("aria-label") || e.textContent, r: e.getBoundingClientRect() }))
              .filter((e) => e.r.height < 40 || e.r.width < 40)
              .map((e) => `${e.id} ${Math.round(e.r.width)}×${Math.round(e.r.height)}`),
          );
          assert.deepEqual(small, [], "touch targets under 40 px");
          // the step-through by touch: the player's buttons step
          await p.locator("#pl-first").tap();
          await p.locator("#pl-next").tap();
          assert.equal(await p.locator("#pl-step").textContent(), "step 1 / 5");
          // a swipe to the left over the stage steps forward, to the right back
          const swipe = (dx: number) =>
            p.locator("#stage-area").evaluate((el, d) => {
              const r = el.getBoundingClientRect(); // no inner functions: tsx would wrap them in __name
              for (const [type, x] of [
                ["pointerdown", r.left + 200],
                ["pointerup", r.left + 200 + d],
              ] as const)
                el.dispatchEvent(new PointerEvent(type, { pointerId: 7, pointerType: "touch", clientX: x, clientY: r.top + 50, bubbles: true }));
            }, dx);
          await swipe(-80);
          assert.equal(await p.locator("#pl-step").textContent(), "step 2 / 5");
          await swipe(80);
          await swipe(80);
          assert.equal(await p.locator("#pl-step").textContent(), "step 0 / 5");
          await load(p, url, `${BOOK_QUERY}&outputPadding=2`);
          await noSidewaysScroll(p, "error state");
          await visibleAfterScroll(p, "[data-testid=error]");
          assert.match((await p.locator("[data-testid=error]").textContent()) ?? "", /outputPadding/);
          // screenshots: the step-through of the grouped example, scrolled to it
          mkdirSync(SHOTS, { recursive: true });
          await load(p, url, w === 360 ? GROUPED : `${BOOK_QUERY}&strides=2`);
          await p.locator("#pl-first").tap();
          for (let i = 0; i < (w === 360 ? 2 : 3); i++) await p.locator("#pl-next").tap();
          await p.locator(".panel.stage").evaluate((e) => e.scrollIntoView());
          const png = await p.screenshot({ path: shot(w === 360 ? "explorer-phone.png" : "explorer-phone-420.png") });
          assert.ok(png.length > 10_000);
        } finally {
          await p.close();
        }
      });
    }

    await t.test("channels and groups: cin=4&cout=2&groups=2 gives the library's result", async () => {
      const want = npx.deconvolution(np.array(GROUPED_X).reshape([1, 4, 2, 2]), np.array(GROUPED_K), { strides: 2, groups: 2 });
      await load(page, url, GROUPED);
      await expectText(page, "output", String(want));
      await expectText(page, "shape", "[1, 2, 4, 4]");
      assert.equal(await page.locator("[data-testid=error]").isVisible(), false);
      assert.match((await page.locator("#call").textContent()) ?? "", /groups: 2/);
      // the weight grid: 4 × 1 kernels, two groups; the routing says where x[2] writes
      assert.equal(await page.locator("[data-testid=weights] .wk").count(), 4);
      assert.equal(await page.locator("[data-testid=weights] .wk.g1").count(), 2);
      await page.locator("[data-testid=weights] .wk[data-pair='2,1']").click();
      assert.match(
        (await page.locator("[data-testid=routing]").textContent()) ?? "",
        /x\[2\] \(group 1\) writes into output channel y\[1\]; y\[1\] sums .* x\[2\] \+ x\[3\]/,
      );
      // the routing strip picks pairs too: y[0] belongs to group 0, so the shown input becomes x[0]
      await page.locator("[data-testid=routing] [data-side=out][data-channel='0']").click();
      assert.match((await page.locator("[data-testid=routing]").textContent()) ?? "", /shows x\[0\] with kernel k\[0, 0\]: its share of y\[0\]/);
      await page.locator("[data-testid=routing] [data-side=in][data-channel='3']").click();
      assert.match((await page.locator("[data-testid=routing]").textContent()) ?? "", /shows x\[3\] with kernel k\[3, 0\]: its share of y\[1\]/);
      // editing input channel 2 changes the result as the library says
      await page.locator("#x-channels button", { hasText: "x[2]" }).click();
      await page.locator("#x-grid input").first().fill("7");
      const x2 = GROUPED_X.map((c) => c.map((r) => [...r]));
      x2[2]![0]![0] = 7;
      await expectText(page, "output", String(npx.deconvolution(np.array(x2).reshape([1, 4, 2, 2]), np.array(GROUPED_K), { strides: 2, groups: 2 })));
      assert.match(await search(page), /cin=4&cout=2&groups=2&x=\[\[\[0,1\],\[2,3\]\],\[\[1,0\],\[0,1\]\],\[\[7,1\]/);
      // the same counts from the controls, with the page's default values, still agree with the library on the values it shows
      await load(page, url, BOOK_QUERY);
      await page.locator("#p-cin").selectOption("4");
      await page.locator("#p-cout").selectOption("2");
      await page.locator("#p-groups").selectOption("2");
      await expectText(page, "shape", "[1, 2, 3, 3]");
      const q = new URLSearchParams(await search(page));
      const xs = JSON.parse(q.get("x")!) as number[][][];
      const ks = JSON.parse(q.get("k")!) as number[][][][];
      assert.deepEqual([xs.length, ks.length, ks[0]!.length], [4, 4, 1]);
      await expectText(page, "output", String(npx.deconvolution(np.array(xs).reshape([1, 4, 2, 2]), np.array(ks), { groups: 2 })));
      // the convolution's weight is [Cout, Cin/g, …]: toggling the op re-lays k out, and the result is still the library's
      await page.locator("#op-convolution").click();
      await expectText(page, "shape", "[1, 2, 1, 1]");
      const q2 = new URLSearchParams(await search(page));
      const kc = JSON.parse(q2.get("k")!) as number[][][][];
      assert.deepEqual([kc.length, kc[0]!.length], [2, 2]);
      await expectText(page, "output", String(npx.convolution(np.array(JSON.parse(q2.get("x")!)).reshape([1, 4, 2, 2]), np.array(kc), { groups: 2 })));
      assert.equal(await page.locator("[data-testid=weights] .wk").count(), 4);
      await page.locator("#op-deconvolution").click();
      await expectText(page, "shape", "[1, 2, 3, 3]");
      // groups that do not divide the channels: the library's error
      await page.locator("#p-groups").selectOption("3");
      const error = page.locator("[data-testid=error]");
      await error.waitFor({ state: "visible", timeout: 5000 });
      assert.match((await error.textContent()) ?? "", /groups=3/);
    });

    await t.test("padding modes: reflect, replicate and circular give the library's results, fold in the step-through", async () => {
      const X = [
        [1, 2, 3],
        [4, 5, 6],
        [7, 8, 9],
      ];
      const K = [
        [1, 0, 2],
        [0, 1, 0],
        [2, 0, 1],
      ];
      const x4 = np.array(X).reshape([1, 1, 3, 3]);
      const k4 = np.array(K).reshape([1, 1, 3, 3]);
      for (const mode of ["reflect", "replicate", "circular"] as const)
        for (const op of ["deconvolution", "convolution"] as const) {
          await load(page, url, `op=${op}&x=${JSON.stringify(X)}&k=${JSON.stringify(K)}&padding=1&paddingMode=${mode}`);
          const want =
            op === "deconvolution" ? npx.deconvolution(x4, k4, { padding: 1, paddingMode: mode }) : npx.convolution(x4, k4, { padding: 1, paddingMode: mode });
          await expectText(page, "output", String(want));
          // the matrix view (d2l.convMatrix with the mode) reproduces the op's result
          assert.match((await page.locator("#matrix-caption").textContent()) ?? "", /✓/, `${op} ${mode}: matrix check`);
          assert.equal(await page.locator("#pad-fill").inputValue(), mode);
        }
      // the transposed convolution's last step says where the border folds; the convolution's padding copies x
      await load(page, url, `op=deconvolution&x=${JSON.stringify(X)}&k=${JSON.stringify(K)}&padding=1&paddingMode=reflect`);
      assert.match((await page.locator("#caption").textContent()) ?? "", /folds back .* rows 0→1, 4→1; columns 0→1, 4→1/);
      assert.equal(await page.locator("#stage-svg .o-fold").count(), 8); // the border cells that fold onto the centre
      await load(page, url, `op=convolution&x=${JSON.stringify(X)}&k=${JSON.stringify(K)}&padding=1&paddingMode=replicate`);
      const titles = await page.locator("#stage-svg rect > title").allTextContents();
      assert.ok(titles.includes("replicate: copies x[0, 0]") && titles.includes("replicate: copies x[2, 2]"), titles.join(" | "));
      // the control writes the URL; zeros is left out of it
      await page.locator("#pad-fill").selectOption("circular");
      await expectText(page, "output", String(npx.convolution(x4, k4, { padding: 1, paddingMode: "circular" })));
      assert.match(await search(page), /paddingMode=circular/);
      await page.locator("#pad-fill").selectOption("zeros");
      await expectText(page, "output", String(npx.convolution(x4, k4, { padding: 1 })));
      assert.doesNotMatch(await search(page), /paddingMode/);
      // reflect padding as large as the input: the library's error
      await load(page, url, "op=convolution&x=[[1,2],[3,4]]&k=[[1,1],[1,1]]&padding=2&paddingMode=reflect");
      const error = page.locator("[data-testid=error]");
      await error.waitFor({ state: "visible", timeout: 5000 });
      assert.match((await error.textContent()) ?? "", /reflect/);
    });

    await t.test("phase view: k3 s2 has 2×2, 2×1, 1×2, 1×1 sub-kernels with the kernel's phase sums; clicking highlights", async () => {
      await load(page, url, CHECKER);
      const phases = page.locator("[data-testid=phases] [data-testid=phase]");
      assert.equal(await phases.count(), 4);
      assert.deepEqual(await phases.evaluateAll((els) => els.map((e) => e.getAttribute("data-size"))), ["2×2", "2×1", "1×2", "1×1"]);
      // sums of K[r::2, c::2] by direct loops over the kernel in the URL
      const K = [
        [1, 2, 3],
        [4, 5, 6],
        [7, 8, 9],
      ];
      const sums = [
        [0, 0],
        [0, 1],
        [1, 0],
        [1, 1],
      ].map(([r, c]) => K.reduce((acc, row, a) => acc + row.reduce((s2, v, b) => s2 + (a % 2 === r && b % 2 === c ? v : 0), 0), 0));
      assert.deepEqual(await page.locator("[data-testid=phases] .ph-sum b").allTextContents(), sums.map(String));
      assert.match((await page.locator("[data-testid=phase-verdict]").textContent()) ?? "", /^Uneven/);
      assert.match((await page.locator("#overlap-html .verdict").textContent()) ?? "", /Uneven/);
      await phases.nth(3).click();
      assert.equal(await phases.nth(3).getAttribute("aria-pressed"), "true");
      // only phase (1, 1)'s output positions and kernel tap stay bright
      const bright = await page.evaluate(() =>
        Array.from(document.querySelectorAll("[data-testid=phases] .phase-out rect"))
          .filter((r) => r.getAttribute("opacity") === "1")
          .map((r) => r.getAttribute("data-phase")),
      );
      assert.ok(bright.length > 0 && bright.every((v) => v === "3"), `highlighted: ${bright.join(",")}`);
      const brightTaps = await page.evaluate(
        () => Array.from(document.querySelectorAll("[data-testid=phases] .phase-k rect")).filter((r) => r.getAttribute("opacity") === "1").length,
      );
      assert.equal(brightTaps, 1); // K[1, 1]
      mkdirSync(SHOTS, { recursive: true });
      await page.locator(".panel.phases").screenshot({ path: shot("explorer-phases.png") });
      await phases.nth(3).click(); // again: off
      assert.equal(await phases.nth(3).getAttribute("aria-pressed"), "false");
    });

    await t.test("phase view: k4 s2 p1 has four 2×2 sub-kernels and says even, as the overlap map does", async () => {
      await load(page, url, "op=deconvolution&x=[[1,1,1],[1,1,1],[1,1,1]]&k=[[1,1,1,1],[1,1,1,1],[1,1,1,1],[1,1,1,1]]&strides=2&padding=1");
      const sizes = await page.locator("[data-testid=phase]").evaluateAll((els) => els.map((e) => e.getAttribute("data-size")));
      assert.deepEqual(sizes, ["2×2", "2×2", "2×2", "2×2"]);
      assert.match((await page.locator("[data-testid=phase-verdict]").textContent()) ?? "", /^Even/);
      assert.match((await page.locator("#overlap-html .verdict").textContent()) ?? "", /Even/);
      // verdicts agree on other shapes too: 1-D k3 s2, k5 s3 (uneven); k2 s2 d1 and 1-D k6 s3 (even)
      for (const [q, even] of [
        ["op=deconvolution&x=[1,2,3]&k=[1,1,1]&strides=2", false],
        ["op=deconvolution&x=[[1,2],[3,4]]&k=[[1,1,1,1,1],[1,1,1,1,1]]&strides=3,3", false],
        ["op=deconvolution&x=[[1,2],[3,4]]&k=[[1,1],[1,1]]&strides=2", true],
        ["op=deconvolution&x=[1,2,3]&k=[1,1,1,1,1,1]&strides=3", true],
      ] as const) {
        await load(page, url, q);
        const pv = (await page.locator("[data-testid=phase-verdict]").textContent()) ?? "";
        const ov = (await page.locator("#overlap-html .verdict").textContent()) ?? "";
        assert.equal(/^Even/.test(pv), even, `${q}: phase verdict ${pv}`);
        assert.equal(/Even/.test(ov), even, `${q}: overlap verdict ${ov}`);
      }
    });

    await t.test("picture demo: three upsampled canvases with different pixel sums; contrast changes them", async () => {
      await load(page, url, BOOK_QUERY);
      const sums = () =>
        page.evaluate(() =>
          Array.from(document.querySelectorAll<HTMLCanvasElement>("[data-testid=image-demo] canvas.up")).map((c) => {
            const d = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
            let s = 0;
            for (let i = 0; i < d.length; i += 4) s += d[i]!;
            return { w: c.width, h: c.height, s };
          }),
        );
      const a = await sums();
      assert.equal(a.length, 3);
      for (const c of a) assert.deepEqual([c.w, c.h], [64, 64]);
      assert.ok(a.every((c) => c.s > 0));
      assert.equal(new Set(a.map((c) => c.s)).size, 3, `pixel sums ${a.map((c) => c.s).join(", ")}`);
      // the checkerboard: mean |p − mean of its 4 neighbours| over the interior is several times larger for k3 s2
      const ripple = () =>
        page.evaluate(() =>
          Array.from(document.querySelectorAll<HTMLCanvasElement>("[data-testid=image-demo] canvas.up")).map((c) => {
            const d = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
            const w = c.width; // red channel of pixel (i, j) at 4·(i·w + j); no inner functions (tsx would name them)
            let s = 0;
            for (let i = 2; i < c.height - 2; i++)
              for (let j = 2; j < w - 2; j++)
                s += Math.abs(
                  d[4 * (i * w + j)]! - (d[4 * ((i - 1) * w + j)]! + d[4 * ((i + 1) * w + j)]! + d[4 * (i * w + j - 1)]! + d[4 * (i * w + j + 1)]!) / 4,
                );
            return s / ((c.height - 4) * (c.width - 4));
          }),
        );
      const [bilinear, uneven, resize] = await ripple();
      assert.ok(uneven! > 4 * bilinear! && uneven! > 4 * resize!, `ripple ${bilinear}, ${uneven}, ${resize}`);
      await page.locator("#image-contrast").fill("0.2");
      const b = await sums();
      assert.ok(
        b.every((c, i) => c.s !== a[i]!.s),
        "contrast did not change the pictures",
      );
      mkdirSync(SHOTS, { recursive: true });
      await page.locator(".panel.image").screenshot({ path: shot("explorer-image.png") });
    });

    await t.test("reduced motion: Play jumps to the result without animating; steps still work", async () => {
      const p = await open(1280, 800, "reduce");
      try {
        await load(p, url, BOOK_QUERY);
        await p.locator("#pl-first").click();
        assert.equal(await p.locator("#pl-step").textContent(), "step 0 / 5");
        await p.locator("#pl-play").click();
        assert.equal(await p.locator("#pl-step").textContent(), "step 5 / 5"); // at once, no timer
        assert.equal(await p.locator("#pl-play").getAttribute("aria-label"), "Play");
        await p.locator("#stage-area").focus();
        await p.keyboard.press("Home");
        await p.keyboard.press("ArrowRight");
        assert.equal(await p.locator("#pl-step").textContent(), "step 1 / 5");
      } finally {
        await p.close();
      }
    });

    await t.test("keyboard: Tab reaches every kind of control", async () => {
      await load(page, url, GROUPED);
      await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
      const seen = new Set<string>();
      for (let i = 0; i < 260; i++) {
        await page.keyboard.press("Tab");
        const id = await page.evaluate(() => {
          const e = document.activeElement as HTMLElement | null;
          if (!e) return "";
          return e.id || e.dataset.testid || e.dataset.pair || e.className || e.tagName;
        });
        seen.add(id);
      }
      for (const want of [
        "op-convolution",
        "copy-link",
        "p-cin",
        "p-cout",
        "p-groups",
        "x-random",
        "strides-0",
        "pad-mode",
        "outputPadding-1",
        "stage-area",
        "pl-play",
        "pl-next",
        "pl-speed",
        "matrix-canvas",
        "phase",
        "image-contrast",
        "2,1",
      ])
        assert.ok(seen.has(want), `Tab never reached ${want}; reached: ${[...seen].join(" ")}`);
    });

    await t.test("screenshot of the desktop layout (1280×800)", async () => {
      await load(page, url, CHECKER);
      await page.locator("#pl-first").click();
      for (let i = 0; i < 4; i++) await page.locator("#pl-next").click();
      await page.mouse.move(0, 0);
      mkdirSync(SHOTS, { recursive: true });
      const png = await page.screenshot({ path: shot("explorer-desktop.png"), fullPage: true });
      assert.ok(png.length > 10_000);
    });

    assert.deepEqual(pageErrors, [], "the page logged errors");
  } finally {
    await browser?.close().catch(() => undefined);
    await stopServer(server);
  }
});
