// The "In the browser" section of bench/RESULTS.md: tconv (and onnxruntime-web) in headless Chromium, 1 vs 2 threads in a
// cross-origin-isolated page and 1 thread in a plain page; runs in run.mjs's process or standalone:
//   node bench/lib/browser-section.mjs [--target-ms 1000] [--min-reps 10] [--no-ort]
import { existsSync, readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import { createServer } from "node:http";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { tconvDistEntry } from "./peers.mjs";

const BENCH_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const ORT_DIST = join(BENCH_DIR, "node_modules", "onnxruntime-web", "dist");
const CHROME = process.env.CHROME_PATH ?? "/usr/bin/chromium";
const ISOLATION = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
  "Cross-Origin-Resource-Policy": "same-origin",
};
/** the whole section, setup included, is abandoned after this long */
const SECTION_CAP_MS = 150_000;

export const BROWSER_CASES = [
  { id: "deconv-8", label: "`npx.deconvolution` [16,256,8,8] → [16,128,16,16], k4 s2 p1" },
  { id: "deconv-16", label: "`npx.deconvolution` [16,128,16,16] → [16,64,32,32], k4 s2 p1" },
  { id: "generator", label: "DCGAN generator forward, noise [16,100,1,1] → [16,3,64,64], predict mode" },
];

/** Why the section cannot run here, or null. */
function skipReason() {
  if (!existsSync(CHROME)) return `no Chromium at ${CHROME} (set CHROME_PATH)`;
  if (!existsSync(tconvDistEntry())) return `${tconvDistEntry()} does not exist (run \`npm run build\`)`;
  return null;
}

async function bundle() {
  const esbuild = await import("esbuild");
  const dist = dirname(tconvDistEntry());
  const built = await esbuild.build({
    entryPoints: [join(BENCH_DIR, "lib", "browser-page.mjs")],
    bundle: true,
    format: "esm",
    platform: "browser",
    write: false,
    logLevel: "silent",
    alias: { tconv: dist, "tconv-wasm-runtime": join(dist, "backends", "wasm", "runtime.js") },
  });
  return built.outputFiles[0].text;
}

/** 127.0.0.1 server: /page.html (isolated with ?iso=1), /bench.js, /ort/* from onnxruntime-web's dist, /blob/* (POST, GET). */
async function serve(script) {
  const blobs = new Map();
  const page = `<!doctype html><html><head><meta charset="utf-8"><title>tconv bench</title></head><body><script type="module" src="/bench.js"></script></body></html>`;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const headers = url.pathname !== "/page.html" || url.searchParams.get("iso") === "1" ? ISOLATION : {};
    const send = (type, body) => {
      res.writeHead(200, { "Content-Type": type, "Cache-Control": "no-store", ...headers });
      res.end(body);
    };
    if (url.pathname === "/page.html") return send("text/html", page);
    if (url.pathname === "/bench.js") return send("text/javascript", script);
    const ort = url.pathname.match(/^\/ort\/([\w.-]+\.(mjs|wasm))$/);
    if (ort && existsSync(join(ORT_DIST, ort[1])))
      return send(ort[2] === "wasm" ? "application/wasm" : "text/javascript", readFileSync(join(ORT_DIST, ort[1])));
    const blob = url.pathname.match(/^\/blob\/([\w.-]+)$/);
    if (blob && req.method === "POST") {
      const parts = [];
      req.on("data", (d) => parts.push(d));
      req.on("end", () => {
        blobs.set(blob[1], Buffer.concat(parts));
        send("text/plain", "ok");
      });
      return;
    }
    if (blob && blobs.has(blob[1])) return send("application/octet-stream", blobs.get(blob[1]));
    res.writeHead(url.pathname === "/favicon.ico" ? 204 : 404, headers);
    res.end();
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { server, base: `http://127.0.0.1:${server.address().port}` };
}

/** The pids under ours (Chromium's browser, renderer, GPU and utility processes), from /proc; [] where there is none. */
function descendants() {
  const parent = new Map();
  try {
    for (const d of readdirSync("/proc")) {
      if (!/^\d+$/.test(d)) continue;
      try {
        const st = readFileSync(`/proc/${d}/stat`, "utf8");
        parent.set(Number(d), Number(st.slice(st.lastIndexOf(")") + 2).split(" ")[1]));
      } catch {
        /* gone */
      }
    }
  } catch {
    return [];
  }
  const out = [];
  let frontier = [process.pid];
  while (frontier.length) {
    const next = [];
    for (const [pid, pp] of parent) if (frontier.includes(pp)) next.push(pid);
    out.push(...next);
    frontier = next;
  }
  return out;
}
/** CPU seconds (user + system, all threads) used so far by `pids` (clock ticks of 10 ms). */
function cpuSeconds(pids) {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const st = readFileSync(`/proc/${pid}/stat`, "utf8");
      const f = st.slice(st.lastIndexOf(")") + 2).split(" ");
      ticks += Number(f[11]) + Number(f[12]); // utime, stime: fields 14 and 15
    } catch {
      /* exited */
    }
  }
  return ticks / 100;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * Runs the section and returns { skipped } or { chromium, hardwareConcurrency, wasmBuild, ..., rows, ort, errors }.
 * `log` gets one line per step; warm-up then rounds in which every runner makes one call (order reversed every other
 * round) until each has ≥ minReps calls and ≥ targetMs of them, at most maxCaseMs per case.
 */
export async function runBrowser({ log = console.log, targetMs = 1000, minReps = 10, maxCaseMs = 12_000, withOrt = true } = {}) {
  const why = skipReason();
  if (why) {
    log(`[browser] skipped: ${why}`);
    return { skipped: why };
  }
  const started = Date.now();
  let playwright;
  try {
    playwright = await import("playwright-core");
  } catch (e) {
    const skipped = `playwright-core not installed (${String(e?.message ?? e).split("\n")[0]})`;
    log(`[browser] skipped: ${skipped}`);
    return { skipped };
  }
  const { server, base } = await serve(await bundle());
  let browser;
  let timer;
  const out = { rows: [], ort: [], errors: [], loadStart: os.loadavg(), targetMs, minReps, maxCaseMs };
  const work = (async () => {
    browser = await playwright.chromium.launch({
      executablePath: CHROME,
      headless: true,
      args: [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    out.chromium = browser.version();
    const open = async (name, path, setup) => {
      const p = await browser.newPage();
      // nothing leaves 127.0.0.1
      await p.route(
        (u) => !u.href.startsWith(base),
        (r) => r.abort(),
      );
      p.on("pageerror", (e) => out.errors.push(`${name}: ${e.message}`));
      p.on("console", (m) => void (m.type() === "error" && out.errors.push(`${name} console: ${m.text()}`)));
      await p.goto(`${base}${path}`);
      await p.waitForSelector("html[data-ready=true]", { state: "attached", timeout: 60_000 });
      const info = await p.evaluate((o) => window.tconvBench.setup(o), setup);
      return { name, page: p, info };
    };
    const iso = await open("isolated", "/page.html?iso=1", { kind: "tconv", publish: true });
    if (!iso.info.isolated || iso.info.ready < 2)
      throw new Error(`the isolated page has crossOriginIsolated ${iso.info.isolated} and ${iso.info.ready} thread(s) ready`);
    const plain = await open("plain", "/page.html", { kind: "tconv", publish: false });
    Object.assign(out, {
      hardwareConcurrency: iso.info.hardwareConcurrency,
      iso: iso.info,
      plain: plain.info,
    });
    log(
      `[browser] Chromium ${out.chromium}, hardwareConcurrency ${iso.info.hardwareConcurrency}; isolated page: ${iso.info.isolated}, ` +
        `threadsReady ${iso.info.ready}, wasm ${iso.info.wasmBuild}; plain page: isolated ${plain.info.isolated}, wasm ${plain.info.wasmBuild}`,
    );
    const ortPages = [];
    if (withOrt) {
      if (!existsSync(join(ORT_DIST, "ort.wasm.min.mjs"))) out.ortSkipped = `onnxruntime-web is not installed in bench/node_modules`;
      else
        for (const t of [1, 2]) {
          try {
            const o = await open(`ort-web t${t}`, "/page.html?iso=1", { kind: "ort", threads: t });
            if (!o.info.isolated) throw new Error("its page is not cross-origin isolated");
            ortPages.push({ ...o, threads: t });
            out.ortVersion = o.info.version;
          } catch (e) {
            out.ortSkipped = `onnxruntime-web failed in the page: ${String(e?.message ?? e).split("\n")[0]}`;
            break;
          }
        }
    }
    const hidden = [iso, plain, ...ortPages].filter((p) => p.info.visibility !== "visible").map((p) => `${p.name} ${p.info.visibility}`);
    if (hidden.length) out.errors.push(`pages not visible (timers may be throttled): ${hidden.join(", ")}`);
    // Chromium's processes: their CPU time over a run's calls ÷ the calls' wall time ≈ the cores that run really had
    const pids = descendants();
    const busy = {};
    const call = async (r, id) => {
      const c0 = cpuSeconds(pids),
        w0 = performance.now();
      const ms = await r.page.evaluate(([i, t]) => window.tconvBench.rep(i, t), [id, r.threads]);
      const b = (busy[r.key] ??= { cpu: 0, wall: 0 });
      b.cpu += cpuSeconds(pids) - c0;
      b.wall += (performance.now() - w0) / 1000;
      return ms;
    };
    for (const c of BROWSER_CASES) {
      const runners = [
        { key: "iso1", page: iso.page, threads: 1 },
        { key: "iso2", page: iso.page, threads: 2 },
        { key: "plain1", page: plain.page, threads: 1 },
        ...(c.id === "generator" && ortPages.length === 2 ? ortPages.map((o) => ({ key: `ort${o.threads}`, page: o.page, threads: o.threads })) : []),
      ];
      const first = {};
      for (const r of runners) first[r.key] = await call(r, c.id);
      for (const k in busy) delete busy[k];
      const times = Object.fromEntries(runners.map((r) => [r.key, []]));
      const t0 = Date.now();
      for (let round = 0; ; round++) {
        for (const r of round % 2 ? [...runners].reverse() : runners) times[r.key].push(await call(r, c.id));
        const enough = runners.every((r) => times[r.key].length >= minReps && times[r.key].reduce((a, b) => a + b, 0) >= targetMs);
        if (enough) break;
        if (Date.now() - t0 > maxCaseMs) {
          out.capped = [...(out.capped ?? []), c.id];
          break;
        }
      }
      // agreement: 1 vs 2 threads in the isolated page; the plain page and onnxruntime-web against the isolated page's 1-thread output
      const diff12 = await iso.page.evaluate((id) => window.tconvBench.diff(id, 1, 2), c.id);
      await iso.page.evaluate((id) => window.tconvBench.publish(id, 1), c.id);
      const plainCmp = await plain.page.evaluate((id) => window.tconvBench.compare(id, 1), c.id);
      const row = { ...c, diff12, diffPlain: plainCmp.maxAbsDiff, scale: plainCmp.scale };
      for (const r of runners)
        row[r.key] = {
          ms: median(times[r.key]),
          reps: times[r.key].length,
          firstMs: first[r.key],
          cores: pids.length ? busy[r.key].cpu / busy[r.key].wall : null,
        };
      out.rows.push(row);
      log(
        `[browser] ${c.id.padEnd(9)} isolated 1t ${row.iso1.ms.toFixed(1)} ms, 2t ${row.iso2.ms.toFixed(1)} ms (${(row.iso1.ms / row.iso2.ms).toFixed(2)}×), ` +
          `plain ${row.plain1.ms.toFixed(1)} ms; reps ${row.iso1.reps}; cores busy ${row.iso1.cores?.toFixed(2)} / ${row.iso2.cores?.toFixed(2)}; max |Δ| 1 vs 2 threads ${diff12}, plain vs isolated ${row.diffPlain}`,
      );
      if (row.ort1) {
        for (const o of ortPages) {
          const cmp = await o.page.evaluate((t) => window.tconvBench.compare("generator", t), o.threads);
          out.ort.push({
            threads: o.threads,
            ms: row[`ort${o.threads}`].ms,
            reps: row[`ort${o.threads}`].reps,
            firstMs: row[`ort${o.threads}`].firstMs,
            tconvMs: row[`iso${o.threads}`].ms,
            cores: row[`ort${o.threads}`].cores,
            tconvCores: row[`iso${o.threads}`].cores,
            maxAbsDiff: cmp?.maxAbsDiff,
            scale: cmp?.scale,
          });
        }
        log(
          `[browser] onnxruntime-web ${out.ortVersion}: 1t ${row.ort1.ms.toFixed(1)} ms, 2t ${row.ort2.ms.toFixed(1)} ms; ort-web ÷ tconv ${(row.ort1.ms / row.iso1.ms).toFixed(2)}× / ${(row.ort2.ms / row.iso2.ms).toFixed(2)}×`,
        );
      }
    }
  })();
  try {
    await Promise.race([
      work,
      new Promise((_, rej) => (timer = setTimeout(() => rej(new Error(`section exceeded ${SECTION_CAP_MS / 1000} s`)), SECTION_CAP_MS))),
    ]);
  } catch (e) {
    out.error = String(e?.message ?? e).split("\n")[0];
    log(`[browser] failed: ${out.error}`);
  } finally {
    clearTimeout(timer);
    await browser?.close().catch(() => {});
    await new Promise((r) => server.close(r));
    server.closeAllConnections?.();
  }
  out.seconds = (Date.now() - started) / 1000;
  out.loadEnd = os.loadavg();
  log(`[browser] took ${out.seconds.toFixed(0)} s`);
  return out;
}

const fmt = (ms) => (ms == null ? "—" : `${ms.toFixed(ms >= 10 ? 1 : 2)} ms`);
const fmtLoad = (l) => (l ? l.map((x) => x.toFixed(2)).join(" / ") : "?");
const fmtDiff = (d) => (d == null ? "—" : d === 0 ? "0" : d.toExponential(1));

/** Markdown for the section ("" when it was not run). */
export function renderBrowser(r) {
  if (!r) return "";
  let md = "## In the browser: headless Chromium, 1 vs 2 threads\n\n";
  if (r.skipped) return md + `Not run: ${r.skipped}.\n`;
  md +=
    `Chromium ${r.chromium ?? "?"} (Debian, \`--headless=new\`, driven by playwright-core), \`navigator.hardwareConcurrency\` ${r.hardwareConcurrency ?? "?"}; ` +
    `tconv's wasm build: ${r.iso?.wasmBuild ?? "?"} (isolated page), ${r.plain?.wasmBuild ?? "?"} (plain page). ` +
    "Pages served from 127.0.0.1, the library bundled from dist/ by esbuild (`bench/lib/browser-page.mjs`). " +
    "Isolated page: COOP same-origin + COEP require-corp (`crossOriginIsolated`, shared memory, the worker pool), `setNumThreads(1 | 2)` switched call by call " +
    `after \`await threadsReady()\` = ${r.iso?.ready ?? "?"}; plain page: no isolation headers, so no SharedArrayBuffer and one thread on the plain-memory build. ` +
    "Float32, NCHW; the timed unit is one call that returns its result as a typed array. After a warm-up call of each, the runs alternate one call each per round " +
    `(order reversed every other round) so they see the same load; median of ≥ ${r.minReps} calls and ≥ ${r.targetMs / 1000} s per run` +
    (r.capped ? ` (${r.capped.join(", ")}: stopped at the ${r.maxCaseMs / 1000} s cap per case)` : "") +
    ". " +
    "max |Δ|: largest absolute difference between the outputs (1 vs 2 threads in the isolated page; plain page vs isolated page at 1 thread).\n\n";
  if (r.error) md += `**The section stopped early: ${r.error}.**\n\n`;
  md +=
    "| case | isolated, 1 thread | isolated, 2 threads | 2-thread speed-up | cores busy, 1 / 2 threads | max \\|Δ\\| 1 vs 2 threads | plain page (1 thread) | max \\|Δ\\| plain vs isolated | output max \\|y\\| | calls per run |\n";
  md += "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n";
  const cores = (x) => (x?.cores == null ? "—" : x.cores.toFixed(2));
  for (const row of r.rows)
    md += `| ${row.label} | ${fmt(row.iso1.ms)} | ${fmt(row.iso2.ms)} | **${(row.iso1.ms / row.iso2.ms).toFixed(2)}×** | ${cores(row.iso1)} / ${cores(row.iso2)} | ${fmtDiff(row.diff12)} | ${fmt(row.plain1.ms)} | ${fmtDiff(row.diffPlain)} | ${row.scale.toPrecision(3)} | ${row.iso1.reps} |\n`;
  md +=
    "\nCores busy: CPU time of all of Chromium's processes (from /proc, 10 ms ticks summed over the run's calls) ÷ the calls' wall time — ≈ the cores a run really had; " +
    `a 2-thread run far below 2 shared the CPU with something else (load average at the section's start ${fmtLoad(r.loadStart)}, at its end ${fmtLoad(r.loadEnd)}, on ${os.cpus().length} logical CPUs).\n`;
  if (r.ort.length) {
    md += `\n### DCGAN generator: tconv vs onnxruntime-web ${r.ortVersion ?? ""} in the same browser\n\n`;
    md +=
      "The generator above written by `onnx.exportModel` in the isolated page and run by onnxruntime-web's wasm backend in isolated pages of the same browser " +
      "(`ort.env.wasm.numThreads` = 1 or 2 — fixed when its wasm starts, so one page per thread count — and its wasm files served from bench/node_modules by the same server), " +
      "in the same rounds as tconv's calls. Ratio = onnxruntime-web's time ÷ tconv's, as in the Node tables (above 1: tconv faster).\n\n";
    md +=
      "| threads | tconv | onnxruntime-web | ort-web ÷ tconv | cores busy, tconv / ort-web | max \\|Δ\\| ort-web vs tconv |\n| ---: | ---: | ---: | ---: | ---: | ---: |\n";
    for (const o of r.ort)
      md += `| ${o.threads} | ${fmt(o.tconvMs)} | ${fmt(o.ms)} | ${(o.ms / o.tconvMs).toFixed(2)}× | ${o.tconvCores?.toFixed(2) ?? "—"} / ${o.cores?.toFixed(2) ?? "—"} | ${fmtDiff(o.maxAbsDiff)} |\n`;
  } else if (r.ortSkipped) md += `\nonnxruntime-web not run: ${r.ortSkipped}.\n`;
  const cold = r.rows.map((row) => `${row.id} ${fmt(row.iso1.firstMs)}`).join(", ");
  md += `\nFirst (warm-up) call in the isolated page at 1 thread: ${cold}. Section took ${r.seconds?.toFixed(0) ?? "?"} s.`;
  if (r.errors?.length) md += ` Page errors: ${[...new Set(r.errors)].slice(0, 3).join("; ")}.`;
  return md + "\n";
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const argv = process.argv.slice(2);
  const opt = (name, dflt) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : dflt);
  const r = await runBrowser({ targetMs: Number(opt("target-ms", 1000)), minReps: Number(opt("min-reps", 10)), withOrt: !argv.includes("--no-ort") });
  process.stdout.write("\n" + renderBrowser(r));
  process.exit(0);
}
