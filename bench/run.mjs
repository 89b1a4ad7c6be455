#!/usr/bin/env node
// tconv benchmark: tconv vs the JavaScript/WebAssembly convolution peers (tfjs-cpu, tfjs-wasm,
// onnxruntime-web, jax-js), with onnxruntime-node as a native reference, on the same seeded NCHW
// float32 inputs; plus the chapter's "convolution as a matrix product" exercise, whole networks and models, and
// tconv at 1 vs 2 threads in headless Chromium (lib/browser-section.mjs).
//
//   node bench/run.mjs [--threads 1,2] [--peers tconv,ort-web,...] [--cases dcgan1,...]
//                      [--case-cap 20] [--budget 540] [--target-ms 1000] [--max-ms 5000] [--min-reps 5]
//                      [--no-exercise] [--exercise-sizes 8,16,32,64,128,256] [--no-write] [--quick] [--verbose]
//                      [--no-networks] [--networks-only] [--no-torch] [--no-models] [--models-only] [--models dcgan,unet]
//                      [--no-browser]
//
// Every (implementation, thread count) runs in its own child process (lib/child.mjs): peers fix their
// thread pools at initialisation, and a child that overruns the per-case time cap is killed and
// restarted on the remaining cases. See bench/README.md.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const REPO_DIR = join(BENCH_DIR, "..");

// ------------------------------------------------------------------ options
const argv = process.argv.slice(2);
if (argv.includes("--help") || argv.includes("-h")) {
  console.log(
    readFileSync(fileURLToPath(import.meta.url), "utf8")
      .split("\n")
      .slice(1, 15)
      .join("\n")
      .replace(/^\/\/ ?/gm, ""),
  );
  process.exit(0);
}
const flag = (name) => argv.includes(`--${name}`);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : dflt;
};
const quick = flag("quick");
const OPTS = {
  threads: opt("threads", "1,2").split(",").map(Number),
  peers: opt("peers", null)?.split(","),
  cases: opt("cases", null)?.split(","),
  caseCapMs: Number(opt("case-cap", quick ? 10 : 20)) * 1000,
  budgetMs: Number(opt("budget", 540)) * 1000,
  targetMs: Number(opt("target-ms", quick ? 200 : 1000)),
  maxMs: Number(opt("max-ms", quick ? 1500 : 5000)),
  minReps: Number(opt("min-reps", quick ? 3 : 5)),
  exercise: !flag("no-exercise"),
  exerciseSizes: opt("exercise-sizes", "8,16,32,64,128,256"),
  // --networks-only / --models-only would overwrite RESULTS.md without the convolution tables: they never write
  write: !flag("no-write") && !flag("networks-only") && !flag("models-only"),
  networks: !flag("no-networks"),
  networksOnly: flag("networks-only"),
  torch: !flag("no-torch"),
  models: !flag("no-models"),
  modelsOnly: flag("models-only"),
  modelIds: opt("models", null),
  browser: !flag("no-browser"),
  verbose: flag("verbose"),
};

// ------------------------------------------------------------------ dependencies
const REQUIRED = [
  "@tensorflow/tfjs-core",
  "@tensorflow/tfjs-backend-cpu",
  "@tensorflow/tfjs-backend-wasm",
  "onnxruntime-web",
  "onnxruntime-node",
  "@jax-js/jax",
];
const missing = REQUIRED.filter((p) => !existsSync(join(BENCH_DIR, "node_modules", p, "package.json")));
if (missing.length) {
  // --ignore-scripts: onnxruntime-node's install script only downloads optional GPU (CUDA/TensorRT)
  // files; its CPU binary ships inside the package. The wasm peers need no install scripts.
  const useCi = existsSync(join(BENCH_DIR, "package-lock.json")) && !existsSync(join(BENCH_DIR, "node_modules"));
  const npmArgs = [useCi ? "ci" : "install", "--ignore-scripts", "--no-audit", "--no-fund"];
  console.log(`bench: installing bench dependencies (missing: ${missing.join(", ")}): npm ${npmArgs.join(" ")} in bench/`);
  const r = spawnSync(process.platform === "win32" ? "npm.cmd" : "npm", npmArgs, { cwd: BENCH_DIR, stdio: "inherit" });
  if (r.status !== 0) {
    console.error("bench: npm install failed; peers that are missing will be reported as unavailable");
  }
}

const { CASES, caseById, flops } = await import("./lib/cases.mjs");
const { PEERS, peerById, pkgVersion, tconvDistEntry } = await import("./lib/peers.mjs");
const { maxRelError, readF32, TOLERANCE } = await import("./lib/compare.mjs");
const { runNetworks, renderNetworks } = await import("./lib/networks-section.mjs");
const { runBrowser, renderBrowser } = await import("./lib/browser-section.mjs");
const networkRows = [];

const cases = OPTS.cases ? OPTS.cases.map((id) => caseById.get(id) ?? die(`unknown case ${id}`)) : CASES;
const peers = OPTS.peers ? OPTS.peers.map((id) => peerById.get(id) ?? die(`unknown peer ${id}`)) : PEERS;
function die(msg) {
  console.error(`bench: ${msg}`);
  process.exit(2);
}

// Cheap cases first: when a case exceeds the cap, bigger cases of the same op are skipped for that peer.
const runOrder = [...cases].sort((a, b) => flops(a) - flops(b));

// ------------------------------------------------------------------ state
const startedAt = Date.now();
const loadAtStart = os.loadavg();
const outdir = mkdtempSync(join(os.tmpdir(), "tconv-bench-"));
/** key `${peer}|${threads}|${case}` → result record */
const results = new Map();
/** key `${peer}|${threads}` → { version, actualThreads, threadNote, error } */
const peerInfo = new Map();
const key = (p, t, c) => `${p}|${t}|${c}`;
const elapsed = () => Date.now() - startedAt;

const fmtMs = (ms) =>
  ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : ms >= 10 ? `${ms.toFixed(1)} ms` : ms >= 0.1 ? `${ms.toFixed(2)} ms` : `${(ms * 1000).toFixed(2)} µs`;
const fmtErr = (e) => (e === undefined ? "" : e === Infinity ? "∞" : e === 0 ? "0" : e.toExponential(1));

/** 3 significant digits at most, no exponent for the usual ranges. */
function fmtNum(v) {
  if (!Number.isFinite(v)) return String(v);
  if (v >= 100) return v.toFixed(0);
  if (v >= 10) return v.toFixed(1);
  if (v >= 0.1) return v.toFixed(2);
  return v.toPrecision(2);
}
function log(line) {
  process.stdout.write(line + "\n");
}

// ------------------------------------------------------------------ child runner
function runChild(script, args, { onEvent, caseCapMs, overallCapMs }) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...(script.endsWith("exercise.mjs") ? ["--expose-gc"] : []), join(BENCH_DIR, "lib", script), ...args], {
      cwd: BENCH_DIR,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env },
    });
    let buf = "";
    let stderr = "";
    let current = null;
    let timer = null;
    let killedFor = null;
    const arm = (ms, why) => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        killedFor = why;
        child.kill("SIGKILL");
      }, ms);
    };
    if (overallCapMs) arm(overallCapMs, { kind: "overall" });
    child.stdout.on("data", (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (!line.startsWith("@@")) {
          if (OPTS.verbose && line.trim()) log(`    | ${line}`);
          continue;
        }
        let ev;
        try {
          ev = JSON.parse(line.slice(2));
        } catch {
          continue;
        }
        if (ev.event === "start") {
          current = ev.case;
          if (caseCapMs) arm(caseCapMs, { kind: "case", case: ev.case });
        }
        if (ev.event === "result" || ev.event === "error") current = null;
        if (onEvent(ev) === "stop") {
          killedFor = { kind: "stop" };
          child.kill("SIGKILL");
        }
      }
    });
    child.stderr.on("data", (d) => {
      stderr = (stderr + d).slice(-4000);
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, killedFor, current, stderr });
    });
  });
}

// ------------------------------------------------------------------ cross-check
/** Reference output for case c at thread count t: tconv's, unless tconv has none or disagrees with onnxruntime-node. */
function referenceFor(c, t, forPeer) {
  const tc = results.get(key("tconv", t, c));
  const on = results.get(key("ort-node", t, c));
  if (forPeer === "tconv") return on?.file ? { peer: "ort-node", file: on.file } : null;
  if (forPeer === "ort-node") return tc?.file ? { peer: "tconv", file: tc.file } : null;
  if (tc?.file && !(tc.flagged && on?.file)) return { peer: "tconv", file: tc.file };
  if (on?.file) return { peer: "ort-node", file: on.file };
  return null;
}
function check(p, t, c) {
  const r = results.get(key(p, t, c));
  if (!r?.file || !existsSync(r.file)) return;
  const ref = referenceFor(c, t, p);
  if (!ref || !existsSync(ref.file)) return;
  const { error, reason } = maxRelError(readF32(r.file), readF32(ref.file));
  r.err = error;
  r.errReason = reason;
  r.refPeer = ref.peer;
  // onnxruntime-node is the native reference: when it and tconv disagree, tconv is the one flagged.
  r.flagged = p === "ort-node" ? false : !(error <= TOLERANCE);
  // Only the two references' outputs are kept (up to ~70 MB per case): drop the others once checked.
  if (p !== "tconv" && p !== "ort-node") {
    try {
      unlinkSync(r.file);
    } catch {
      /* already gone */
    }
  }
}

// ------------------------------------------------------------------ one peer at one thread count
async function runPeer(peer, t) {
  const infoKey = `${peer.id}|${t}`;
  const one = t > 1 ? peerInfo.get(`${peer.id}|1`) : null;
  const reuse1 = (why) => {
    for (const c of cases) {
      const r1 = results.get(key(peer.id, 1, c.id));
      if (r1) results.set(key(peer.id, t, c.id), { ...r1, reused: true, file: undefined, note: why });
    }
  };
  // Single-threaded by design: reuse the 1-thread numbers.
  if (peer.singleThreadOnly && one && !one.error) {
    peerInfo.set(infoKey, { ...one, reusedFrom1: true });
    reuse1("single-threaded; same run as 1 thread");
    log(`[t=${t}] ${peer.label.padEnd(17)} single-threaded: 1-thread results reused`);
    return;
  }
  // Cases to run (skip those that exceeded the cap at 1 thread).
  let todo = [];
  for (const c of runOrder) {
    const r1 = t > 1 ? results.get(key(peer.id, 1, c.id)) : null;
    if (r1 && r1.status === "skipped") results.set(key(peer.id, t, c.id), { ...r1 });
    else if (r1 && r1.status === "timeout" && !r1.firstMs)
      results.set(key(peer.id, t, c.id), { status: "skipped", note: `exceeded the ${OPTS.caseCapMs / 1000} s cap at 1 thread` });
    else todo.push(c.id);
  }
  let initSeen = false;
  let abandoned = false;
  while (todo.length && !abandoned) {
    if (elapsed() > OPTS.budgetMs) {
      for (const id of todo) results.set(key(peer.id, t, id), { status: "skipped", note: `run budget (${OPTS.budgetMs / 1000} s) used up` });
      log(`[t=${t}] ${peer.label.padEnd(17)} skipped ${todo.length} case(s): run budget used up`);
      return;
    }
    const done = new Set();
    const args = [
      "--peer",
      peer.id,
      "--threads",
      String(t),
      "--cases",
      todo.join(","),
      "--outdir",
      outdir,
      "--target-ms",
      String(OPTS.targetMs),
      "--max-ms",
      String(OPTS.maxMs),
      "--min-reps",
      String(OPTS.minReps),
    ];
    let stopForReuse = false;
    const res = await runChild("child.mjs", args, {
      caseCapMs: OPTS.caseCapMs,
      overallCapMs: 120000, // initialisation must not hang either
      onEvent(ev) {
        if (ev.event === "init") {
          if (!ev.ok) {
            peerInfo.set(infoKey, { error: ev.error, unavailable: ev.unavailable });
            for (const id of todo) results.set(key(peer.id, t, id), { status: ev.unavailable ? "unavailable" : "error", note: ev.error.split("\n")[0] });
            log(`[t=${t}] ${peer.label.padEnd(17)} ${ev.unavailable ? "unavailable" : "failed to initialise"}: ${ev.error.split("\n")[0]}`);
            abandoned = true;
            return;
          }
          if (!initSeen) {
            peerInfo.set(infoKey, { version: ev.version, actualThreads: ev.actualThreads, threadNote: ev.threadNote });
            log(`[t=${t}] ${peer.label.padEnd(17)} ${ev.version ?? ""}  threads: ${ev.actualThreads ?? "?"}${ev.threadNote ? ` (${ev.threadNote})` : ""}`);
          }
          initSeen = true;
          // A peer that silently runs fewer threads than asked: reuse its 1-thread numbers.
          if (t > 1 && ev.actualThreads != null && ev.actualThreads < t && one && !one.error) {
            stopForReuse = true;
            return "stop";
          }
          return;
        }
        if (ev.event === "first") {
          results.set(key(peer.id, t, ev.case), { status: "running", firstMs: ev.firstMs, file: ev.file });
          return;
        }
        if (ev.event === "result") {
          done.add(ev.case);
          const r = { status: "ok", ...ev };
          results.set(key(peer.id, t, ev.case), r);
          report(peer, t, ev.case);
          return;
        }
        if (ev.event === "error") {
          done.add(ev.case);
          results.set(key(peer.id, t, ev.case), { status: "error", note: ev.error.split("\n")[0] });
          log(`[t=${t}] ${peer.label.padEnd(17)} ${ev.case.padEnd(9)} ERROR ${ev.error.split("\n")[0]}`);
        }
      },
    });
    if (stopForReuse) {
      // It runs the 1-thread configuration whatever it is asked: its 1-thread numbers stand for t threads.
      reuse1(`runs ${peerInfo.get(infoKey).actualThreads} thread(s) when asked for ${t}: same as its 1-thread run`);
      peerInfo.get(infoKey).reusedFrom1 = true;
      log(`[t=${t}] ${peer.label.padEnd(17)} uses ${peerInfo.get(infoKey).actualThreads} thread(s) when asked for ${t}: 1-thread results reused`);
      return;
    }
    if (abandoned) return;
    // A case that overran the cap (or crashed the child): record it, skip bigger ones, restart on the rest.
    const cur = res.current;
    if (cur) {
      done.add(cur);
      const prev = results.get(key(peer.id, t, cur));
      const why = res.killedFor?.kind === "case" ? "timeout" : "error";
      const rec = {
        status: why,
        firstMs: prev?.firstMs,
        file: prev?.file,
        note:
          why === "timeout"
            ? prev?.firstMs
              ? `first call ${fmtMs(prev.firstMs)}; warm repetitions did not finish within the ${OPTS.caseCapMs / 1000} s cap`
              : `first call did not finish within the ${OPTS.caseCapMs / 1000} s cap`
            : `child exited (${res.signal ?? res.code}): ${res.stderr.trim().split("\n").slice(-1)[0] ?? ""}`,
      };
      results.set(key(peer.id, t, cur), rec);
      if (rec.file) check(peer.id, t, cur);
      log(`[t=${t}] ${peer.label.padEnd(17)} ${cur.padEnd(9)} ${why.toUpperCase()}: ${rec.note}`);
      if (why === "timeout" && !prev?.firstMs) {
        const big = caseById.get(cur);
        for (const id of todo) {
          const c = caseById.get(id);
          if (!done.has(id) && c.op === big.op && flops(c) >= flops(big)) {
            done.add(id);
            results.set(key(peer.id, t, id), {
              status: "skipped",
              note: `${cur} (${(flops(big) / 1e9).toFixed(2)} GFLOP) already exceeded the ${OPTS.caseCapMs / 1000} s cap`,
            });
          }
        }
      }
    } else if (res.code !== 0 && !initSeen) {
      peerInfo.set(infoKey, { error: `child exited ${res.signal ?? res.code}: ${res.stderr.trim().split("\n").slice(-3).join(" / ")}` });
      for (const id of todo) results.set(key(peer.id, t, id), { status: "error", note: "child process failed" });
      log(`[t=${t}] ${peer.label.padEnd(17)} child failed: ${res.stderr.trim().split("\n").slice(-3).join(" / ")}`);
      return;
    }
    const before = todo.length;
    todo = todo.filter((id) => !done.has(id));
    if (todo.length === before) break; // no progress: give up on this peer
  }
  const info = peerInfo.get(infoKey);
  if (t > 1 && info && info.actualThreads != null && info.actualThreads < t) info.ranThreads = info.actualThreads;
}

function report(peer, t, caseId) {
  check(peer.id, t, caseId);
  // Once onnxruntime-node has run, tconv's own output is checked against it too.
  if (peer.id === "ort-node") {
    check("tconv", t, caseId);
    const tr = results.get(key("tconv", t, caseId));
    if (tr?.flagged) log(`[t=${t}] tconv             ${caseId.padEnd(9)} ✗ DISAGREES with onnxruntime-node: normalized max error ${fmtErr(tr.err)}`);
  }
  const r = results.get(key(peer.id, t, caseId));
  const c = caseById.get(caseId);
  const gf = flops(c) / (r.medianMs * 1e6);
  log(
    `[t=${t}] ${peer.label.padEnd(17)} ${caseId.padEnd(9)} ${fmtMs(r.medianMs).padStart(10)}  ${gf.toFixed(c.unit === "us" ? 4 : 2).padStart(8)} GFLOP/s` +
      `  reps ${String(r.reps).padStart(4)}${r.batch > 1 ? `×${r.batch}` : ""}  first ${fmtMs(r.firstMs)}  cpu/wall ${r.cpuPerWall?.toFixed(2)}` +
      (r.refPeer ? `  err vs ${r.refPeer} ${fmtErr(r.err)}${r.flagged ? "  ✗ DISAGREES" : ""}` : ""),
  );
}

// ------------------------------------------------------------------ exercise
async function runExercise() {
  const rows = [];
  let init = null;
  const res = await runChild(
    "exercise.mjs",
    ["--sizes", OPTS.exerciseSizes, "--target-ms", String(Math.min(OPTS.targetMs, 300)), "--max-ms", String(Math.min(OPTS.maxMs, 3000))],
    {
      overallCapMs: 180000,
      onEvent(ev) {
        if (ev.event === "init") init = ev;
        if (ev.event === "exercise") {
          rows.push(ev);
          log(
            `[exercise] n=${String(ev.n).padEnd(4)} W ${ev.rows}×${ev.cols} = ${fmtBytes(ev.wBytes)}` +
              (ev.skipped
                ? `  skipped: ${ev.skipped}`
                : `  JS W·x ${fmtMs(ev.jsDenseMs)}  JS direct ${fmtMs(ev.jsDirectMs)}` +
                  (ev.tconvDenseMs != null ? `  tconv np.dot ${fmtMs(ev.tconvDenseMs)}` : "") +
                  (ev.tconvDirectMs != null ? `  tconv conv ${fmtMs(ev.tconvDirectMs)}` : "") +
                  (ev.tconvError ? `  tconv error: ${ev.tconvError}` : "")),
          );
        }
      },
    },
  );
  if (res.killedFor) log(`[exercise] stopped after ${rows.length} sizes (time cap)`);
  else if (res.code !== 0) log(`[exercise] child exited ${res.signal ?? res.code}: ${res.stderr.trim().split("\n").slice(-1)[0]}`);
  return { rows, init, truncated: !!res.killedFor || res.code !== 0 };
}
// ------------------------------------------------------------------ whole models
async function runModels(t, only = OPTS.modelIds) {
  const rows = [];
  const args = ["--threads", String(t), "--target-ms", String(OPTS.targetMs), "--max-ms", String(OPTS.maxMs), "--min-reps", String(Math.min(OPTS.minReps, 3))];
  if (only) args.push("--models", only);
  const res = await runChild("models.mjs", args, {
    caseCapMs: Math.max(OPTS.caseCapMs, 60000) * 2,
    onEvent(ev) {
      if (ev.event === "model") {
        rows.push(ev);
        const cellOf = (r) => (r?.ms != null ? fmtMs(r.ms) : `error: ${r?.error}`);
        log(
          `[model] ${ev.id} ${t} thread${t > 1 ? "s" : ""}: tconv ${cellOf(ev.tconv)}  onnxruntime-web ${cellOf(ev.ortWeb)}  onnxruntime-node ${cellOf(ev.ortNode)}`,
        );
      } else if (ev.event === "error") log(`[model] ${ev.case}: ${ev.error}`);
    },
  });
  if (res.killedFor) log(`[model] stopped (time cap) after ${rows.length} models`);
  else if (res.code !== 0) log(`[model] child exited ${res.signal ?? res.code}: ${res.stderr.trim().split("\n").slice(-1)[0]}`);
  return rows;
}

function renderModels() {
  if (modelRows.length === 0) return "";
  const ms = (r) => (r?.ms != null ? fmtMs(r.ms) : r?.error ? `error: ${r.error}` : "—");
  const q = (a, b) => (a?.ms != null && b?.ms != null ? `${(a.ms / b.ms).toFixed(2)}×` : "—");
  const e = (r) => (r?.err != null ? fmtErr(r.err) : "—");
  const table = (rows) => {
    let t = "| model | threads | tconv | onnxruntime-web | onnxruntime-node | ort-web ÷ tconv | ort-node ÷ tconv | max error (web / node) | ONNX file |\n";
    t += "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |\n";
    for (const r of rows)
      t += `| ${r.label} | ${r.threads} | ${ms(r.tconv)} | ${ms(r.ortWeb)} | ${ms(r.ortNode)} | ${q(r.ortWeb, r.tconv)} | ${q(r.ortNode, r.tconv)} | ${e(r.ortWeb)} / ${e(r.ortNode)} | ${fmtBytes(r.bytes)} |\n`;
    return t;
  };
  const common =
    "Median ms per batch of warm calls; ratios are the peer's time over tconv's, as in every table here (above 1: tconv faster). " +
    "\"max error\" is the peer's max |difference| from tconv's output, relative to the output's largest magnitude. tfjs has no ONNX reader, so it has no row here.\n\n";
  let md = "";
  const own = modelRows.filter((r) => !r.imported),
    imported = modelRows.filter((r) => r.imported);
  if (own.length > 0) {
    md += "## Whole models, exported from tconv with `onnx.exportModel`\n\n";
    md +=
      "Each net is built from tconv layers, initialized with a fixed seed, written as ONNX (opset 17) by `onnx.exportModel`, and run on the same float32 input by " +
      "tconv (`net.forward`), onnxruntime-web (wasm) and onnxruntime-node (native CPU). " +
      common;
    md += table(own);
  }
  if (imported.length > 0) {
    md += `${md ? "\n" : ""}## Third-party models, exported by PyTorch and imported with \`onnx.importToGluon\`\n\n`;
    md +=
      "torchaudio's Conv-TasNet and torchvision's LR-ASPP (MobileNetV3-Large backbone) at reduced widths with seeded random weights, written by " +
      "`torch.onnx.export` (opset 17; `scripts/fixtures/make-bench-models.py`, files in `bench/models/`). tconv runs the imported block's `forward` " +
      "outside `autograd.record`, where dead intermediates' buffers are reused; the peers run the same file. " +
      common;
    md += table(imported);
  }
  return md;
}

function fmtBytes(b) {
  if (b >= 2 ** 30) return `${(b / 2 ** 30).toFixed(2)} GiB`;
  if (b >= 2 ** 20) return `${(b / 2 ** 20).toFixed(1)} MiB`;
  if (b >= 2 ** 10) return `${(b / 2 ** 10).toFixed(1)} KiB`;
  return `${b} B`;
}

// ------------------------------------------------------------------ main
const cpuModel = (() => {
  try {
    const m = readFileSync("/proc/cpuinfo", "utf8").match(/^model name\s*:\s*(.+)$/m);
    if (m) return m[1].trim();
  } catch {
    /* not Linux */
  }
  return os.cpus()[0]?.model ?? "unknown";
})();
log(`tconv bench — ${new Date().toISOString()}`);
log(
  `machine: ${cpuModel}, ${os.cpus().length} logical CPUs, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB; Node ${process.version}; load average ${os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(" ")}`,
);
log(`tconv build: ${existsSync(tconvDistEntry()) ? tconvDistEntry() : `missing (${tconvDistEntry()})`}`);
log(
  `per-case cap ${OPTS.caseCapMs / 1000} s, run budget ${OPTS.budgetMs / 1000} s, ≥ ${OPTS.targetMs} ms and ≥ ${OPTS.minReps} warm repetitions per measurement (≤ ${OPTS.maxMs} ms)\n`,
);

let exercise = null;
const modelRows = [];
for (const t of OPTS.threads) {
  const onlyWhole = OPTS.networksOnly || OPTS.modelsOnly;
  if (!onlyWhole) for (const peer of peers) await runPeer(peer, t);
  if ((OPTS.networks && !OPTS.modelsOnly) || OPTS.networksOnly)
    networkRows.push(await runNetworks({ t, benchDir: BENCH_DIR, runChild, log, targetMs: OPTS.targetMs, withTorch: OPTS.torch }));
  if (exercise === null && OPTS.exercise && !onlyWhole) {
    log("");
    exercise = await runExercise();
  }
  if ((OPTS.models && !OPTS.networksOnly) || OPTS.modelsOnly) modelRows.push(...(await runModels(t)));
  // the networks table's onnxruntime columns: the DCGAN generator row of the whole-model child
  else if (OPTS.networksOnly && OPTS.models) modelRows.push(...(await runModels(t, "dcgan")));
  log("");
}
if (exercise === null && OPTS.exercise && !OPTS.networksOnly && !OPTS.modelsOnly) exercise = await runExercise();
// Chromium: one run covers both thread counts (they alternate call by call in one page)
const browserResult = OPTS.browser && !OPTS.networksOnly && !OPTS.modelsOnly ? await runBrowser({ log, targetMs: OPTS.targetMs }) : null;

const totalS = elapsed() / 1000;
const md = renderMarkdown();
process.stdout.write("\n" + md.warn + md.tables + "\n");
if (OPTS.write) {
  writeFileSync(join(BENCH_DIR, "RESULTS.md"), md.full + handWrittenNotes());
  log(`wrote bench/RESULTS.md (run took ${totalS.toFixed(0)} s)`);
} else log(`run took ${totalS.toFixed(0)} s (RESULTS.md not written: --no-write)`);
try {
  rmSync(outdir, { recursive: true, force: true });
} catch {
  /* ignore */
}

// ------------------------------------------------------------------ rendering
function cell(p, t, c) {
  const r = results.get(key(p, t, c.id));
  if (!r) return "—";
  const mark = (r.flagged ? " ✗" : "") + (r.reused ? " ¹" : "");
  if (r.status === "ok") {
    const gf = flops(c) / (r.medianMs * 1e6);
    return `${fmtMs(r.medianMs)} · ${fmtNum(gf)}${mark}`;
  }
  if (r.status === "timeout") return r.firstMs ? `≈${fmtMs(r.firstMs)} · ${fmtNum(flops(c) / (r.firstMs * 1e6))} ᶜ${mark}` : `> ${OPTS.caseCapMs / 1000} s`;
  if (r.status === "skipped") return r.note?.startsWith("run budget") ? "budget" : `> ${OPTS.caseCapMs / 1000} s ˢ`;
  if (r.status === "unavailable") return "n/a";
  return "error";
}
function timeOf(p, t, c) {
  const r = results.get(key(p, t, c.id));
  if (!r || r.flagged) return null;
  if (r.status === "ok") return r.medianMs;
  return null;
}
// The hand-written notes at the end of RESULTS.md (from NOTES_MARKER on) survive every run: they hold measurements
// made outside this script (demos, profiles, earlier runs), each with its own date and conditions.
function handWrittenNotes() {
  const NOTES_MARKER = "<!-- hand-written below:";
  const path = join(BENCH_DIR, "RESULTS.md");
  if (!existsSync(path)) return "";
  const old = readFileSync(path, "utf8");
  const i = old.indexOf(NOTES_MARKER);
  return i < 0 ? "" : `\n${old.slice(i)}`;
}

function renderMarkdown() {
  const jsPeers = peers.filter((p) => p.kind === "js" || p.kind === "wasm");
  const hasSelf = peers.some((p) => p.id === "tconv");
  const variants = peers.filter((p) => p.kind === "self-variant");
  const native = peers.filter((p) => p.kind === "native");
  let tables = "";
  for (const t of OPTS.threads) {
    tables += `### ${t} thread${t > 1 ? "s" : ""}\n\n`;
    const head = [
      "case",
      "GFLOP",
      ...(hasSelf ? ["tconv"] : []),
      ...variants.map((p) => p.label),
      ...jsPeers.map((p) => p.label),
      "best JS/WASM peer",
      ...(hasSelf ? ["best peer ÷ tconv"] : []),
      ...native.map((p) => `${p.label} (native)`),
    ];
    tables += `| ${head.join(" | ")} |\n| ${head.map((_h, i) => (i < 1 ? "---" : "---:")).join(" | ")} |\n`;
    for (const c of cases) {
      const best = jsPeers
        .map((p) => ({ p, ms: timeOf(p.id, t, c) }))
        .filter((x) => x.ms != null)
        .sort((a, b) => a.ms - b.ms)[0];
      const tcR = results.get(key("tconv", t, c.id));
      const tc = tcR?.status === "ok" ? tcR.medianMs : null;
      const tcMs = tc ?? (tcR?.status === "timeout" && tcR.firstMs ? tcR.firstMs : null);
      const ratio = best && tcMs ? `${fmtNum(best.ms / tcMs)}×${tc == null ? " ᶜ" : ""}${tcR.flagged ? " ✗" : ""}` : "—";
      const gflop = flops(c) / 1e9;
      const row = [
        c.label,
        c.unit === "us" ? `${flops(c)} FLOP` : gflop.toFixed(gflop < 0.1 ? 3 : 2),
        ...(hasSelf ? [cell("tconv", t, c)] : []),
        ...variants.map((p) => cell(p.id, t, c)),
        ...jsPeers.map((p) => cell(p.id, t, c)),
        best ? best.p.label : "—",
        ...(hasSelf ? [ratio] : []),
        ...native.map((p) => cell(p.id, t, c)),
      ];
      tables += `| ${row.join(" | ")} |\n`;
    }
    tables += "\n";
  }
  tables +=
    "Cells: median warm time · GFLOP/s (FLOPs = 2·MACs; book case in µs). `best peer ÷ tconv` = best JS/WASM peer's time ÷ tconv's time (> 1: tconv faster; onnxruntime-node is not counted). " +
    `✗ output disagrees with the reference (normalized max error > ${TOLERANCE}; excluded from "best"). ¹ peer ignores the thread setting: its 1-thread run. ` +
    `ᶜ only the cold first call finished within the ${OPTS.caseCapMs / 1000} s cap (no warm repetitions). ˢ not run: a smaller case of the same op already exceeded the cap. \`> N s\`: did not finish within the cap. budget: not run, run budget used up.\n`;

  // accuracy
  let acc = `### Cross-check: normalized max error max|y − ref| / max|ref|\n\nReference: tconv's output at the same thread count (tconv itself is checked against onnxruntime-node; if tconv has no output or disagrees with onnxruntime-node, onnxruntime-node is the reference). ✗ > ${TOLERANCE}.\n\n`;
  const allPeers = peers;
  const accHead = ["case", ...OPTS.threads.flatMap((t) => allPeers.map((p) => `${p.label} t${t}`))];
  acc += `| ${accHead.join(" | ")} |\n| ${accHead.map((_, i) => (i ? "---:" : "---")).join(" | ")} |\n`;
  for (const c of cases) {
    const row = [c.id];
    for (const t of OPTS.threads)
      for (const p of allPeers) {
        const r = results.get(key(p.id, t, c.id));
        row.push(
          r?.err !== undefined && !r.reused
            ? `${fmtErr(r.err)}${r.flagged ? " ✗" : ""}${r.refPeer === "ort-node" && p.id !== "tconv" ? " ⁿ" : ""}`
            : r?.reused
              ? "¹"
              : "—",
        );
      }
    acc += `| ${row.join(" | ")} |\n`;
  }
  acc += `\nⁿ checked against onnxruntime-node (no tconv output). ¹ same run as 1 thread.\n`;

  // cold first calls
  let cold = `### First (cold) call\n\nTime of the very first call in a fresh process (includes kernel compilation / selection, allocation, JIT warm-up); not part of the medians above.\n\n`;
  const coldHead = ["case", ...OPTS.threads.flatMap((t) => peers.map((p) => `${p.label} t${t}`))];
  cold += `| ${coldHead.join(" | ")} |\n| ${coldHead.map((_, i) => (i ? "---:" : "---")).join(" | ")} |\n`;
  for (const c of cases) {
    const row = [c.id];
    for (const t of OPTS.threads)
      for (const p of peers) {
        const r = results.get(key(p.id, t, c.id));
        row.push(r?.reused ? "¹" : r?.firstMs != null ? fmtMs(r.firstMs) : r?.status === "timeout" ? `> ${OPTS.caseCapMs / 1000} s` : "—");
      }
    cold += `| ${row.join(" | ")} |\n`;
  }

  // cores busy
  let busy =
    `### Cores busy: process CPU time ÷ wall time during the repetitions\n\n` +
    `≈ the number of threads really working (all threads of the child process: worker_threads, wasm pthreads, native pools; spinning pool threads count too). ` +
    `Well below the thread count means the run shared the CPU with something else or the op has serial parts.\n\n`;
  const busyHead = ["case", ...OPTS.threads.flatMap((t) => peers.map((p) => `${p.label} t${t}`))];
  busy += `| ${busyHead.join(" | ")} |\n| ${busyHead.map((_, i) => (i ? "---:" : "---")).join(" | ")} |\n`;
  for (const c of cases) {
    const row = [c.id];
    for (const t of OPTS.threads)
      for (const p of peers) {
        const r = results.get(key(p.id, t, c.id));
        row.push(r?.reused ? "¹" : r?.cpuPerWall != null ? r.cpuPerWall.toFixed(2) : "—");
      }
    busy += `| ${row.join(" | ")} |\n`;
  }

  // peers
  let peersMd = "| implementation | kind | version | threads asked → used | notes |\n| --- | --- | --- | --- | --- |\n";
  for (const p of peers) {
    for (const t of OPTS.threads) {
      const info = peerInfo.get(`${p.id}|${t}`);
      if (!info) continue;
      const used = info.error ? "—" : info.reusedFrom1 ? "1 (reused)" : (info.actualThreads ?? "?");
      const note = info.error ? `**could not run**: ${info.error.split("\n")[0]}` : (info.threadNote ?? "");
      peersMd += `| ${p.label} | ${p.kind === "self" ? "this library" : p.kind} | ${info.version ?? (p.pkg ? (pkgVersion(p.pkg) ?? "") : "")} | ${t} → ${used} | ${note} |\n`;
    }
  }

  // notes: timeouts, errors
  const notes = [];
  for (const t of OPTS.threads)
    for (const p of peers) {
      const groups = new Map(); // same status + note → list of cases
      for (const c of cases) {
        const r = results.get(key(p.id, t, c.id));
        let text = null;
        if (r && r.status !== "ok" && !r.reused && r.status !== "unavailable") text = `${r.status} — ${r.note ?? ""}`;
        else if (r?.flagged) text = `output disagrees with ${r.refPeer} (normalized max error ${fmtErr(r.err)}${r.errReason ? `, ${r.errReason}` : ""})`;
        if (text) groups.set(text, [...(groups.get(text) ?? []), c.id]);
      }
      for (const [text, ids] of groups) notes.push(`- ${p.label}, ${t} thread${t > 1 ? "s" : ""}, ${ids.join(", ")}: ${text}`);
    }

  // exercise
  let ex = "";
  if (exercise) {
    ex += `## Exercise: is it efficient to implement convolution as a matrix multiplication?\n\n`;
    ex +=
      "Single-channel 2-D convolution (cross-correlation), 3×3 kernel, n×n input, stride 1, no padding: y has (n−2)² entries. " +
      "Dense form: y = W·vec(x) with W the (n−2)² × n² matrix (float32). Direct form: 9 multiply-adds per output. " +
      "All single-threaded; median of warm calls.\n\n";
    if (exercise.init && !exercise.init.tconv) ex += `tconv columns empty: ${exercise.init.tconvNote}.\n\n`;
    else if (exercise.init)
      ex += `tconv's W is built by ${exercise.init.hasConvMatrix ? "`d2l.convMatrix`" : "plain loops (d2l.convMatrix not exported)"}; tconv's dense product is \`np.dot(W, vec(x))\`, its direct form \`npx.convolution\`.\n\n`;
    ex +=
      "| n | W shape | W memory (float32) | MACs dense / direct | plain JS W·x | plain JS direct | dense ÷ direct (JS) | tconv np.dot(W, x) | tconv npx.convolution | dense ÷ direct (tconv) | build W (JS loops / tconv) |\n";
    ex += "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n";
    for (const r of exercise.rows) {
      const ratio = r.denseMacs / r.directMacs;
      if (r.skipped) {
        ex += `| ${r.n} | ${r.rows} × ${r.cols} | ${fmtBytes(r.wBytes)} (${r.wBytes.toLocaleString("en-US")} B) | ${ratio.toFixed(0)}× | not run: ${r.skipped} | | | | | | |\n`;
        continue;
      }
      const q = (a, b) => (a != null && b != null ? `${(a / b).toFixed(a / b >= 10 ? 0 : 1)}×` : "—");
      ex += `| ${r.n} | ${r.rows} × ${r.cols} | ${fmtBytes(r.wBytes)} (${r.wBytes.toLocaleString("en-US")} B) | ${ratio.toFixed(0)}× | ${fmtMs(r.jsDenseMs)} | ${fmtMs(r.jsDirectMs)} | ${q(r.jsDenseMs, r.jsDirectMs)} | ${r.tconvDenseMs != null ? fmtMs(r.tconvDenseMs) : r.tconvError ? "error" : "—"} | ${r.tconvDirectMs != null ? fmtMs(r.tconvDirectMs) : "—"} | ${q(r.tconvDenseMs, r.tconvDirectMs)} | ${fmtMs(r.jsBuildMs)} / ${r.tconvBuildMs != null ? fmtMs(r.tconvBuildMs) : "—"} |\n`;
    }
    const bad = exercise.rows.filter((r) => [r.jsDenseErr, r.tconvDenseErr, r.tconvDirectErr].some((e) => e != null && e > TOLERANCE));
    ex += `\nAll dense and tconv results agree with the plain direct loop${bad.length ? ` except n = ${bad.map((r) => r.n).join(", ")}` : ""} (normalized max error ≤ ${TOLERANCE}).\n`;
    ex +=
      "W has (n−2)²·n² entries of which only 9·(n−2)² are non-zero, so the dense product does n²/9 times the useful work and needs O(n⁴) memory: " +
      "it is only competitive for tiny inputs. Frameworks that lower convolution to matrix multiplication use im2col instead (a (Cin·kh·kw) × (Ho·Wo) patch matrix, O(k²) times the input), " +
      "which keeps the GEMM dense and useful.\n";
    if (exercise.truncated) ex += "\n(The exercise stopped early: time cap or error.)\n";
  }

  const versions = peers
    .filter((p) => p.pkg)
    .map((p) => `${p.pkg}@${pkgVersion(p.pkg) ?? "missing"}`)
    .concat([`@tensorflow/tfjs-core@${pkgVersion("@tensorflow/tfjs-core") ?? "missing"}`]);
  const head =
    `# tconv benchmark results\n\n` +
    `Generated by \`npm run bench\` (bench/run.mjs) — do not edit the tables by hand; every run rewrites them and keeps only the hand-written "Notes and earlier measurements" at the end. See bench/README.md for what is measured.\n\n` +
    `- date: ${new Date().toISOString()}\n` +
    `- machine: ${cpuModel}, ${os.cpus().length} logical CPUs, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.type()} ${os.release()} (${os.arch()})\n` +
    `- Node ${process.version}\n` +
    `- load average (1/5/15 min) at start ${loadAtStart.map((x) => x.toFixed(2)).join(" / ")}, at end ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(" / ")} — anything else running on the ${os.cpus().length} cores skews the numbers\n` +
    `- tconv: ${existsSync(tconvDistEntry()) ? tconvDistEntry().replace(REPO_DIR + "/", "") : "not built"}\n` +
    `- peers: ${versions.join(", ")}\n` +
    `- settings: per-case cap ${OPTS.caseCapMs / 1000} s, ≥ ${OPTS.targetMs} ms of warm repetitions per measurement (≥ ${OPTS.minReps} reps, ≤ ${OPTS.maxMs} ms), run budget ${OPTS.budgetMs / 1000} s; run took ${totalS.toFixed(0)} s\n\n`;
  const tconvUncontrolled = OPTS.threads.some((t) => {
    const i = peerInfo.get(`tconv|${t}`);
    return i && !i.error && i.actualThreads == null;
  });
  const warn = tconvUncontrolled
    ? `> **tconv's thread count was not set** (this build does not export \`setNumThreads\`): tconv ran with its default in both tables — see "Cores busy" for what it used. Its "1 thread" numbers are not single-threaded.\n\n`
    : "";
  const full =
    head +
    warn +
    `## Convolution and transposed convolution (NCHW, float32)\n\n` +
    tables +
    "\n" +
    acc +
    "\n" +
    cold +
    "\n" +
    busy +
    `\n### Implementations and threads\n\n` +
    peersMd +
    (notes.length ? `\n### Timeouts, skips, errors, disagreements\n\n${notes.join("\n")}\n` : "") +
    (ex ? `\n${ex}` : "");
  const net = renderNetworks(networkRows, (t) => {
    const r = modelRows.find((m) => m.id === "dcgan" && m.threads === t);
    return { ortWeb: r?.ortWeb?.ms ?? null, ortNode: r?.ortNode?.ms ?? null, tconv: r?.tconv?.ms ?? null };
  });
  const models = renderModels();
  const browser = renderBrowser(browserResult);
  const extra = (net ? `\n${net}` : "") + (models ? `\n${models}` : "") + (browser ? `\n${browser}` : "");
  return { tables: (OPTS.networksOnly || OPTS.modelsOnly ? "" : tables) + extra, full: full + extra, warn };
}
