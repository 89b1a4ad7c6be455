// Persistent worker pool over the one shared memory: start k workers on a queue, help drain it, wait with Atomics.
import { CTRL_BYTE, runtime, type WasmRuntime } from "./runtime.js";
import { C, MAX_WORKERS, workerSource } from "./worker-source.js";
import { hooks } from "../hooks.js";

interface NodeWorker { threadId: number; unref(): void; terminate(): Promise<number>; on(ev: string, f: (...a: unknown[]) => void): void }
interface NodeWorkerThreads { Worker: new (src: string, opts: { eval: boolean; workerData: unknown }) => NodeWorker }

const isNode = typeof process !== "undefined" && typeof process.versions?.node === "string";
// process.getBuiltinModule (Node ≥ 20.16) loads builtins synchronously, with no top-level await and nothing for a
// browser bundler to resolve; older Node runs single-threaded.
const getBuiltin = isNode ? (process as unknown as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule : undefined;
const nodeWT = (getBuiltin ? getBuiltin("node:worker_threads") : null) as NodeWorkerThreads | null;
const nodeOS = (getBuiltin ? getBuiltin("node:os") : null) as { availableParallelism?: () => number; cpus(): unknown[] } | null;

/** Threads the machine offers: os.availableParallelism() in Node, navigator.hardwareConcurrency where workers can share memory, else 1. */
export function hardwareThreads(): number {
  if (isNode) return nodeOS && nodeWT ? Math.max(1, nodeOS.availableParallelism?.() ?? nodeOS.cpus().length) : 1;
  const g = globalThis as { crossOriginIsolated?: boolean; navigator?: { hardwareConcurrency?: number }; Worker?: unknown };
  if (g.crossOriginIsolated && typeof g.Worker === "function") return Math.max(1, g.navigator?.hardwareConcurrency ?? 1);
  return 1;
}

interface Handle { alive(): boolean; stop(): void }

let workers: Handle[] = [];
let ctrl: Int32Array | null = null;
/** Each pool incarnation gets its own control block (1 KiB apart inside the reserved first 64 KiB), so a worker of a
 *  torn-down pool that has not exited yet can never disturb the next pool's counters. */
let epoch = 0;
const ctrlByte = () => CTRL_BYTE + (epoch % 60) * 1024;

function control(rt: WasmRuntime): Int32Array {
  if (!ctrl || ctrl.buffer !== rt.memory.buffer || ctrl.byteOffset !== ctrlByte()) ctrl = new Int32Array(rt.memory.buffer, ctrlByte(), C.WORDS);
  return ctrl;
}

function spawn(rt: WasmRuntime, index: number): Handle {
  const data = { module: rt.module, memory: rt.memory, ctrlByte: ctrlByte(), index };
  if (nodeWT) {
    const w = new nodeWT.Worker(workerSource, { eval: true, workerData: data });
    w.unref(); // an idle pool never keeps a script alive
    w.on("error", () => {}); // a dying worker is detected by threadId = -1 in wait(); no unhandled 'error'
    return { alive: () => w.threadId !== -1, stop: () => void w.terminate() };
  }
  const url = URL.createObjectURL(new Blob([workerSource], { type: "text/javascript" }));
  const w = new (globalThis as unknown as { Worker: new (u: string) => { postMessage(d: unknown): void; terminate(): void } }).Worker(url);
  w.postMessage(data);
  let dead = false;
  return { alive: () => !dead, stop: () => { dead = true; w.terminate(); } };
}

/** Blocks until ctrl[i] !== v or `ms` elapse; the browser main thread may not Atomics.wait, so it spins. */
function block(c: Int32Array, i: number, v: number, ms: number): void {
  if (isNode) Atomics.wait(c, i, v, ms);
  else { const t = performance.now(); while (Atomics.load(c, i) === v && performance.now() - t < ms); }
}

/** Tears the pool down (after a failure, or to resize); the next call starts fresh workers. */
export function destroyPool(): void {
  const c = ctrl;
  if (c) {
    Atomics.store(c, C.STOP, 1);
    for (let i = 0; i < workers.length; i++) { Atomics.add(c, C.GEN0 + i, 1); Atomics.notify(c, C.GEN0 + i); }
  }
  for (const w of workers) w.stop();
  workers = [];
  epoch++;
}

function ensureWorkers(rt: WasmRuntime, n: number): void {
  const c0 = ctrl;
  if (workers.length >= n && workers.slice(0, n).every((w, i) => w.alive() && c0 && Atomics.load(c0, C.DEAD0 + i) === 0)) return;
  destroyPool();
  const c = control(rt);
  c.fill(0);
  for (let i = 0; i < n; i++) workers.push(spawn(rt, i));
  // wait until every worker has instantiated the module (once per pool, ~tens of ms)
  const t0 = Date.now();
  for (;;) {
    const ready = Atomics.load(c, C.READY);
    if (ready >= n) return;
    if (workers.some((w, i) => !w.alive() || Atomics.load(c, C.DEAD0 + i) !== 0) || Date.now() - t0 > 20000) {
      destroyPool();
      throw new Error("wasm backend: a worker thread failed to start");
    }
    block(c, C.READY, ready, 20);
  }
}

/**
 * Runs every task of the queue at `queue` on `scratch.length` threads (this thread + workers), returning when all
 * are finished. Throws (and resets the pool) if a worker dies or a kernel traps.
 */
export function runQueue(queue: number, scratch: number[]): void {
  const rt = runtime();
  const extra = Math.min(scratch.length - 1, MAX_WORKERS);
  // without shared memory no worker can see the arena: this thread drains the whole queue
  if (extra <= 0 || !rt.shared) { rt.exports.run_queue(queue, scratch[0]!); return; }
  ensureWorkers(rt, extra);
  const c = control(rt);
  if (hooks.killWorkerOnNextCall >= 0) {
    Atomics.store(c, C.KILL, hooks.killWorkerOnNextCall + 1);
    hooks.killWorkerOnNextCall = -1;
  }
  Atomics.store(c, C.DONE, 0);
  Atomics.store(c, C.ERR, 0);
  c[C.QUEUE] = queue | 0;
  for (let i = 0; i < extra; i++) c[C.SCRATCH0 + i] = scratch[i + 1]! | 0;
  for (let i = 0; i < extra; i++) { Atomics.add(c, C.GEN0 + i, 1); Atomics.notify(c, C.GEN0 + i); }
  let mainError: unknown = null;
  let mainTasks = 0;
  try {
    mainTasks = rt.exports.run_queue(queue, scratch[0]!);
  } catch (e) {
    mainError = e;
  }
  let died = false;
  // watchdog: tasks last milliseconds, so a minute without a finished worker or a taken task means one is gone
  let progressAt = Date.now(), lastDone = -1, lastNext = -1;
  for (;;) {
    const done = Atomics.load(c, C.DONE);
    if (done >= extra) break;
    const next = Atomics.load(rt.I32, queue >>> 2);
    if (done !== lastDone || next !== lastNext) { progressAt = Date.now(); lastDone = done; lastNext = next; }
    let dead = 0;
    for (let i = 0; i < extra; i++) if (!workers[i]!.alive() || Atomics.load(c, C.DEAD0 + i) !== 0) dead++;
    if (Date.now() - progressAt > 60000) { destroyPool(); throw new Error("wasm backend: worker threads stopped responding; the pool was reset"); }
    if (dead > 0 && !died) {
      died = true;
      // cancel the remaining tasks: set the queue's next-task counter past its end
      Atomics.store(rt.I32, queue >>> 2, 0x3fffffff);
    }
    if (died && done + dead >= extra) break;
    // the workers usually finish within microseconds of this thread: poll briefly before sleeping (a futex
    // wake-up costs 100s of µs in a VM)
    if (Date.now() - progressAt < 2) { for (let i = 0; i < 256 && Atomics.load(c, C.DONE) === done; i++); continue; }
    block(c, C.DONE, done, 20);
  }
  if (died) {
    destroyPool();
    throw new Error("wasm backend: a worker thread died during the call; the pool was reset");
  }
  hooks.lastTaskCounts = [mainTasks, ...Array.from({ length: extra }, (_, i) => c[C.TASKS0 + i]!)];
  for (let i = 1; i < hooks.lastTaskCounts.length; i++) hooks.workerTaskTotal += hooks.lastTaskCounts[i]!;
  if (mainError) throw mainError;
  if (Atomics.load(c, C.ERR) !== 0) {
    destroyPool();
    throw new Error("wasm backend: a kernel failed in a worker thread; the pool was reset");
  }
}

hooks.poolSize = () => workers.filter((w) => w.alive()).length;
