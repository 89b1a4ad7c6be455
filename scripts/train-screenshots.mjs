// Screenshots of the explorer's train panel for docs/ (desktop, phone, the sample grid at several steps) and the page's
// training speed at 1 and 2 threads (demo's default DCGAN). Needs Chromium (CHROME_PATH or /usr/bin/chromium) and
// `npm run build` first. Usage: node scripts/train-screenshots.mjs [--speed-only | --shots-only] [--steps 0,100,400] [--rounds 3] [--speed-steps 30]
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const DOCS = join(ROOT, "docs");
const arg = (name, fallback) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : fallback);
const speedOnly = process.argv.includes("--speed-only");
const shotsOnly = process.argv.includes("--shots-only");
const gridSteps = arg("--steps", "0,100,300").split(",").map(Number);
const speedSteps = Number(arg("--speed-steps", "30"));
const rounds = Number(arg("--rounds", "3"));
/** the grids' generator width (the demo's default 32 is slower on a shared machine) */
const gridWidth = Number(arg("--grid-width", "16"));

const server = spawn(process.execPath, [join(ROOT, "web", "serve.mjs"), "--out", mkdtempSync(join(tmpdir(), "tconv-train-shots-"))], {
  cwd: ROOT,
  env: { ...process.env, PORT: "0" },
  stdio: ["ignore", "pipe", "inherit"],
});
const url = await new Promise((ok) => server.stdout.once("data", (d) => ok(String(d).split("\n")[0].trim())));
const browser = await chromium.launch({
  executablePath: process.env.CHROME_PATH ?? "/usr/bin/chromium",
  args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run"],
});
const errors = [];
const open = async (width, height, query = "") => {
  const p = await browser.newPage({ viewport: { width, height }, hasTouch: width < 600 });
  p.on("pageerror", (e) => errors.push(e.message));
  await p.goto(`${url}?${query}`);
  await p.waitForSelector("html[data-ready=true]");
  return p;
};
const step = (p) => p.evaluate("globalThis.tconvTrain.step()");
const start = (p) => p.getByRole("button", { name: "Start", exact: true }).click();
async function pause(p) {
  await p.getByRole("button", { name: "Pause", exact: true }).click();
  await p.waitForFunction(() => document.getElementById("train").dataset.running === "false");
}

try {
  // speed, page against Node in alternation (the machine is shared: rounds in the same minutes give fair ratios):
  // page = wall-clock steps per second from step 10 to 10 + STEPS with samples every 10 steps (the default);
  // Node = the same step function in `node` (Node 20: SIMD128; Chromium: relaxed SIMD)
  const results = { page: { 1: [], 2: [] }, node: { 1: [], 2: [] } };
  for (let round = 0; round < (shotsOnly ? 0 : rounds); round++) {
    for (const threads of [1, 2]) {
      const child = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "scripts", "train-node-speed.ts"), String(threads), String(speedSteps)], {
        cwd: ROOT,
        encoding: "utf8",
      });
      const r = JSON.parse(child.stdout.trim().split("\n").pop());
      results.node[threads].push(r.steps / r.seconds);
      const p = await open(1280, 900, `tthreads=${threads}&tevery=10`);
      await start(p);
      await p.waitForFunction(() => globalThis.tconvTrain.step() >= 10, null, { timeout: 120_000 });
      const s0 = await step(p);
      const t0 = Date.now();
      await p.waitForFunction((n) => globalThis.tconvTrain.step() >= n, s0 + speedSteps, { timeout: 600_000, polling: 20 });
      const s1 = await step(p);
      const t1 = Date.now();
      await pause(p);
      await p.close();
      results.page[threads].push(((s1 - s0) * 1000) / (t1 - t0));
      console.log(
        `round ${round + 1}, ${threads} thread(s): page ${results.page[threads].at(-1).toFixed(2)} steps/s, Node ${results.node[threads].at(-1).toFixed(2)} steps/s`,
      );
    }
  }
  const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  for (const threads of shotsOnly ? [] : [1, 2])
    console.log(
      `median of ${rounds}, ${threads} thread(s): page ${median(results.page[threads]).toFixed(2)} steps/s (${(median(results.page[threads]) * 32).toFixed(0)} examples/s), ` +
        `Node ${median(results.node[threads]).toFixed(2)} steps/s; page / Node ${(median(results.page[threads]) / median(results.node[threads])).toFixed(2)}`,
    );
  if (!speedOnly) {
    // the sample grid at several steps (demo defaults, 2 threads), then the whole panel at desktop width
    const p = await open(1280, 900, `twidth=${gridWidth}&tthreads=1&tevery=50`);
    await p.locator("#train-resize").click();
    await p.locator("#train-overlay").click();
    for (const n of gridSteps) {
      if (n > 0) {
        await start(p);
        await p.waitForFunction((m) => globalThis.tconvTrain.step() >= m, n, { timeout: 600_000 });
        await pause(p);
      }
      const at = await step(p); // Pause lands a step or more after n on a busy machine: the file is named by the real step
      await p.locator(".train-grids").screenshot({ path: join(DOCS, `train-samples-step-${String(at).padStart(4, "0")}.png`) });
      console.log(`samples at step ${at}`);
    }
    await p.locator("#train-layer").selectOption("2");
    await p.locator("[data-testid=train]").screenshot({ path: join(DOCS, "train-desktop.png") });
    await p.close();
    const phone = await open(360, 740, "twidth=8&tlatent=16&tdata=256&tbatch=8&tthreads=1&tstop=40&tevery=10");
    await phone.locator("#train-resize").click();
    await start(phone);
    await phone.waitForFunction(() => document.getElementById("train").dataset.running === "false" && globalThis.tconvTrain.step() >= 40, null, {
      timeout: 120_000,
    });
    await phone.locator("[data-testid=train]").scrollIntoViewIfNeeded();
    await phone.locator("[data-testid=train]").screenshot({ path: join(DOCS, "train-phone.png") });
  }
  if (errors.length) throw new Error(`page errors: ${errors.join("; ")}`);
} finally {
  await browser.close();
  server.kill("SIGTERM");
}
