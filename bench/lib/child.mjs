// One benchmark child process: one implementation at one thread count, a list of cases.
// Talks to run.mjs through stdout lines that start with "@@" followed by JSON.
//
//   node lib/child.mjs --peer ort-web --threads 2 --cases dcgan1,dcgan2 --outdir /tmp/x
//        [--target-ms 500] [--max-ms 4000] [--min-reps 3]
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { caseById, makeData } from "./cases.mjs";
import { createPeer, Unavailable } from "./peers.mjs";

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => {
    if (a.startsWith("--")) acc.push([a.slice(2), all[i + 1] && !all[i + 1].startsWith("--") ? all[i + 1] : "1"]);
    return acc;
  }, []),
);
const peerId = args.peer;
const threads = Number(args.threads ?? 1);
const caseIds = (args.cases ?? "").split(",").filter(Boolean);
const outdir = args.outdir;
const TARGET_MS = Number(args["target-ms"] ?? 500);
const MAX_MS = Number(args["max-ms"] ?? 4000);
const MIN_REPS = Number(args["min-reps"] ?? 5);

const emit = (o) => process.stdout.write("@@" + JSON.stringify(o) + "\n");

// No peer may fetch anything from the network: every wasm file must come from node_modules.
const realFetch = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  const url = String(input?.url ?? input);
  if (/^(file|data|blob):/.test(url)) return realFetch(input, init);
  throw new Error(`bench: network fetch blocked (${url}): peers must load their files from node_modules`);
};

const now = () => performance.now();
/** warm-up time for ops faster than 1 ms per call */
const WARM_MS = 300;
const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function measure(run, sync, onFirst) {
  const call = sync ? run : async () => await run();
  // Warm-up: first call (may include compilation / kernel selection / allocation).
  let t = now();
  const out = sync ? run() : await run();
  const firstMs = now() - t;
  await onFirst(out, firstMs);
  const samples = [];
  const t0 = now();
  const cpu0 = process.cpuUsage(); // whole process, all threads (worker_threads and native pools)
  const cpuPerWall = () => {
    const c = process.cpuUsage(cpu0);
    return (c.user + c.system) / 1000 / Math.max(1e-9, now() - t0);
  };
  if (firstMs >= MAX_MS) {
    // Too slow for repetitions: one more (warm) call is the measurement.
    t = now();
    if (sync) run();
    else await call();
    samples.push(now() - t);
    return { out, firstMs, medianMs: samples[0], reps: 1, batch: 1, totalMs: now() - t0, cpuPerWall: cpuPerWall() };
  }
  // Second warm-up call. Fast ops then run a warm-up loop of ~300 ms, so the JIT has optimised every implementation's
  // JavaScript before timing (a few thousand calls are not enough for the optimising tier), and the batch that makes a
  // sample last ≥ ~2 ms is sized from the warmed per-call time, not from the slow second call.
  t = now();
  if (sync) run();
  else await call();
  let perCallMs = now() - t;
  if (perCallMs < 1) {
    let calls = 0;
    const w0 = now();
    while (now() - w0 < WARM_MS) {
      for (let i = 0; i < 64; i++) sync ? run() : await run();
      calls += 64;
    }
    perCallMs = (now() - w0) / calls;
  }
  const batch = perCallMs < 2 ? Math.min(100000, Math.max(1, Math.ceil(2 / Math.max(perCallMs, 1e-4)))) : 1;
  for (;;) {
    t = now();
    if (sync) for (let i = 0; i < batch; i++) run();
    else for (let i = 0; i < batch; i++) await run();
    samples.push((now() - t) / batch);
    const elapsed = now() - t0;
    if (elapsed >= MAX_MS) break;
    if (elapsed >= TARGET_MS && samples.length >= MIN_REPS) break;
    if (samples.length >= 2000) break;
  }
  return { out, firstMs, medianMs: median(samples), minMs: Math.min(...samples), reps: samples.length, batch, totalMs: now() - t0, cpuPerWall: cpuPerWall() };
}

let peer;
try {
  peer = await createPeer(peerId, threads);
  emit({ event: "init", ok: true, version: peer.version, actualThreads: peer.actualThreads, threadNote: peer.threadNote });
} catch (e) {
  emit({ event: "init", ok: false, unavailable: e instanceof Unavailable, error: String(e?.stack ?? e) });
  process.exit(0);
}
if (args["init-only"]) process.exit(0);

for (const id of caseIds) {
  const c = caseById.get(id);
  emit({ event: "start", case: id });
  try {
    const d = makeData(c);
    const impl = await peer.prepare(c, d);
    const file = join(outdir, `${id}.${peerId}.t${threads}.f32`);
    // The first call's output is saved (untimed) for the cross-check before the timed repetitions,
    // so a case stopped by run.mjs's time cap during the repetitions is still checked.
    const onFirst = async (out, firstMs) => {
      const y = impl.toNCHW(out);
      const expected = d.yShape.reduce((a, b) => a * b, 1);
      if (y.length !== expected) throw new Error(`output has ${y.length} elements, expected ${expected} (shape ${d.yShape})`);
      writeFileSync(file, new Uint8Array(y.buffer, y.byteOffset, y.byteLength));
      emit({ event: "first", case: id, firstMs, file });
    };
    const m = await measure(impl.run, impl.sync, onFirst);
    await impl.dispose?.();
    delete m.out;
    emit({ event: "result", case: id, ...m, file });
  } catch (e) {
    emit({
      event: "error",
      case: id,
      error: String(e?.stack ?? e)
        .split("\n")
        .slice(0, 4)
        .join("\n"),
    });
  }
}
emit({ event: "done" });
process.exit(0);
