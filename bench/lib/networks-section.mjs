// The "Whole networks" and "Generic ops" sections of bench/RESULTS.md: runs lib/networks.mjs (tconv) and
// bench/pytorch/dcgan.py (Debian's python3-torch, when installed) at each thread count and renders the tables.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

const PYTHON = process.env.TCONV_BENCH_PYTHON ?? "/usr/bin/python3";

/** PyTorch timings at `threads`, or { error } when torch is not importable. */
function runPytorch(benchDir, threads, targetS) {
  if (!existsSync(PYTHON)) return { error: `${PYTHON} not found` };
  const r = spawnSync(PYTHON, [join(benchDir, "pytorch", "dcgan.py"), String(threads), String(targetS), "3"], { encoding: "utf8", timeout: 900_000 });
  if (r.status !== 0) return { error: (r.stderr || r.error?.message || "failed").trim().split("\n").at(-1) };
  const d = JSON.parse(r.stdout.trim().split("\n").at(-1));
  const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  return {
    version: d.torch,
    threads: d.threads,
    forwardMs: med(d.forward_ms),
    trainMs: med(d.train_ms),
    forwardReps: d.forward_ms.length,
    trainReps: d.train_ms.length,
  };
}

/**
 * Runs the rows at thread count t: `runChild(script, args, handlers)` is run.mjs's child runner. Returns
 * { t, tconv: {forward, train, note}, ops: [...], torch: {...} }.
 */
export async function runNetworks({ t, benchDir, runChild, log, targetMs, withTorch }) {
  const row = { t, tconv: {}, ops: [], torch: null };
  const args = ["--threads", String(t), "--target-ms", String(targetMs), "--min-reps", "3", ...(t === 1 ? ["--ops"] : [])];
  const res = await runChild("networks.mjs", args, {
    onEvent: (ev) => {
      if (ev.event === "network") row.tconv[ev.id] = ev;
      if (ev.event === "op") row.ops.push(ev);
    },
    overallCapMs: 600_000,
  });
  if (res.code !== 0 && !row.tconv["dcgan-train"]) row.tconv.error = res.stderr.trim().split("\n").slice(-3).join(" ");
  log(
    `[networks] tconv t${t}: forward ${row.tconv["dcgan-forward"]?.ms?.toFixed(1) ?? "—"} ms, train step ${row.tconv["dcgan-train"]?.ms?.toFixed(0) ?? "—"} ms`,
  );
  if (withTorch) {
    row.torch = runPytorch(benchDir, t, Math.max(1, targetMs / 1000));
    log(`[networks] PyTorch t${t}: ${row.torch.error ?? `forward ${row.torch.forwardMs.toFixed(1)} ms, train step ${row.torch.trainMs.toFixed(0)} ms`}`);
  }
  return row;
}

const fmt = (ms) => (ms == null ? "—" : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms >= 10 ? 1 : 2)} ms`);
const ratio = (a, b) => (a != null && b != null ? `${(a / b).toFixed(2)}×` : "—");

/**
 * Markdown for the rows. `modelMs(t)` gives the generator's forward time in onnxruntime-web / -node at t threads
 * when the whole-model rows ran (else nulls).
 */
export function renderNetworks(rows, modelMs = () => ({})) {
  if (!rows.length) return "";
  let md = "## Whole networks: D2L's DCGAN (N = 16)\n\n";
  md +=
    "Generator: noise 100 → 3×64×64 (ConvTranspose k4 + BatchNorm + ReLU ×4, ConvTranspose + tanh), predict mode. " +
    "Training step: D2L's update_D then update_G (SigmoidBCELoss, Adam lr 0.005 β₁ 0.5) with the discriminator " +
    "(Conv k4 s2 + BatchNorm + LeakyReLU(0.2) ×4, Conv k4). tconv built from its layers; PyTorch = Debian's python3-torch " +
    "on CPU (bench/pytorch/dcgan.py, same nets and step). Ratios: peer time ÷ tconv time (> 1: tconv faster).\n\n";
  md +=
    "| threads | tconv generator | onnxruntime-web | ort-web ÷ tconv ʷ | onnxruntime-node | PyTorch | PyTorch ÷ tconv | tconv training step | PyTorch training step | PyTorch ÷ tconv |\n";
  md += "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n";
  for (const r of rows) {
    const f = r.tconv["dcgan-forward"]?.ms,
      tr = r.tconv["dcgan-train"]?.ms;
    const m = modelMs(r.t);
    const pf = r.torch?.forwardMs,
      pt = r.torch?.trainMs;
    md += `| ${r.t} | ${fmt(f)} | ${fmt(m.ortWeb)} | ${ratio(m.ortWeb, m.tconv ?? f)} | ${fmt(m.ortNode)} | ${fmt(pf)} | ${ratio(pf, f)} | ${fmt(tr)} | ${fmt(pt)} | ${ratio(pt, tr)} |\n`;
  }
  if (rows.some((r) => modelMs(r.t).tconv != null))
    md += "\nʷ against tconv's time in the whole-model child (same process and minute as onnxruntime-web; see the whole-model table).\n";
  const notes = new Set(
    rows
      .flatMap((r) => [
        r.tconv["dcgan-forward"]?.note,
        r.tconv.error && `tconv failed: ${r.tconv.error}`,
        r.torch?.error && `PyTorch not run: ${r.torch.error}`,
      ])
      .filter(Boolean),
  );
  const torch = rows.find((r) => r.torch?.version)?.torch;
  md += `\n${torch ? `PyTorch ${torch.version}. ` : ""}${[...notes].join(". ")}\n`;
  const ops = rows.find((r) => r.ops.length)?.ops ?? [];
  if (ops.length) {
    md += "\n## Generic ops against a plain typed-array loop (1 thread)\n\n";
    md +=
      "1M float32 elements for add/mul/relu (tconv allocates its result, as does the plain loop); Adam: `Trainer.step` over " +
      "2.1M float32 parameters (two tensors) against one plain loop over the same arrays. The two run alternately (one call each per round, median of each), so both see the same machine load.\n\n";
    md += "| op | tconv | plain loop | tconv ÷ plain |\n| --- | ---: | ---: | ---: |\n";
    for (const o of ops) md += `| ${o.id} | ${fmt(o.ms)} | ${fmt(o.plainMs)} | ${ratio(o.ms, o.plainMs)} |\n`;
  }
  return md;
}
