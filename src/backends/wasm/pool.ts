// Persistent worker pool over the one shared memory: start k workers on a queue, help drain it, wait with Atomics.
import { CTRL_BYTE, runtime, soloRuntime, wasmUsable, type WasmRuntime } from "./runtime.js";
import { C, MAX_WORKERS, workerSource } from "./worker-source.js";
import { hooks } from "../hooks.js";

interface NodeWorker {
  threadId: number;
  unref(): void;
  terminate(): Promise<number>;
  on(ev: string, f: (...a: unknown[]) => void): void;
}
interface NodeWorkerThreads {
  Worker: new (src: string, opts: { eval: boolean; workerData: unknown }) => NodeWorker;
}

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

interface Handle {
  alive(): boolean;
  stop(): void;
}

/** What a worker function returns: a Web Worker (structurally, so the declarations need no DOM lib). */
export interface WorkerLike {
  postMessage(message: unknown): void;
  terminate(): void;
}
/**
 * A browser worker's script: a URL string or URL object (self-hosted `tconv/worker.js`, for a CSP without blob:), or a
 * function making the Worker. A URL object is typed by its `href`, so the declarations need no DOM lib.
 */
export type WorkerSource = string | { readonly href: string } | (() => WorkerLike);
let workerSourceOverride: WorkerSource | null = null;
/** Why the last browser worker could not start (CSP, a missing script, …); while set, no new workers are spawned. */
let startFailure: string | null = null;

/**
 * Where browser pool workers come from: by default a Blob URL of the built-in source (needs `worker-src blob:` under
 * a CSP); else the URL of the self-hosted classic script `tconv/worker.js` (copy `node_modules/tconv/dist/worker.js`
 * next to your page), or a function returning the Worker (e.g. `() => new Worker("/js/tconv-worker.js")`); null
 * restores the default. Ends the current workers and clears an earlier start failure. Node's workers need no script
 * file, so there it only ends the current workers.
 */
export function setWorkerUrl(source: WorkerSource | null): void {
  const ok =
    source === null ||
    typeof source === "string" ||
    typeof source === "function" ||
    (typeof source === "object" && typeof (source as { href?: unknown }).href === "string");
  if (!ok) throw new Error(`setWorkerUrl: expects a URL string, a URL, a function returning a Worker, or null; got ${typeof source}`);
  workerSourceOverride = source;
  startFailure = null;
  destroyPool();
}

function failedToStart(reason: string): void {
  startFailure ??= reason;
}

let workers: Handle[] = [];
let ctrl: Int32Array | null = null;
/** the runtime whose memory the workers share (tests may swap the runtime: the old pool is then torn down) */
let poolRt: WasmRuntime | null = null;
/** Each pool incarnation gets its own control block (2 KiB apart inside the reserved first 64 KiB), so a worker of a
 *  torn-down pool that has not exited yet can never disturb the next pool's counters. */
let epoch = 0;
const ctrlByte = () => CTRL_BYTE + (epoch % 30) * 2048;

function control(rt: WasmRuntime): Int32Array {
  if (!ctrl || ctrl.buffer !== rt.memory.buffer || ctrl.byteOffset !== ctrlByte()) ctrl = new Int32Array(rt.memory.buffer, ctrlByte(), C.WORDS);
  return ctrl;
}

function spawn(rt: WasmRuntime, index: number): Handle {
  // the slot starts clean: READY0 + i left at 1 by an earlier worker i would hand work to this one before it listens
  const c = control(rt);
  Atomics.store(c, C.READY0 + index, 0);
  Atomics.store(c, C.DEAD0 + index, 0);
  Atomics.store(c, C.TASKS0 + index, 0);
  const data = { module: rt.module, memory: rt.memory, ctrlByte: ctrlByte(), index, epoch: epoch + 1 };
  if (nodeWT) {
    const w = new nodeWT.Worker(workerSource, { eval: true, workerData: data });
    w.unref(); // an idle pool never keeps a script alive
    w.on("error", () => {}); // a dying worker is detected by threadId = -1 in wait(); no unhandled 'error'
    w.on("exit", () => void hooks.workersExited++);
    return { alive: () => w.threadId !== -1, stop: () => void w.terminate() };
  }
  let dead = false;
  const born = epoch; // an error from a worker of a torn-down pool (setWorkerUrl, a resize) is not this pool's failure
  type BrowserWorker = { postMessage(d: unknown): void; terminate(): void; onerror: unknown };
  let w: BrowserWorker;
  const src = workerSourceOverride;
  try {
    if (typeof src === "function") w = src() as unknown as BrowserWorker;
    else {
      const url = src === null ? URL.createObjectURL(new Blob([workerSource], { type: "text/javascript" })) : typeof src === "string" ? src : src.href;
      w = new (globalThis as unknown as { Worker: new (u: string) => BrowserWorker }).Worker(url);
    }
  } catch (e) {
    // Chromium throws at once when a CSP's worker-src refuses the script
    failedToStart(e instanceof Error ? e.message : String(e));
    return { alive: () => false, stop: () => {} };
  }
  // a worker that cannot start (CSP, a missing script, out of memory) fires 'error' before it reports in; it is never
  // handed work, and threadsReady() rejects with the reason instead of waiting
  w.onerror = (ev: { message?: string } | undefined) => {
    dead = true;
    if (born === epoch && !ready(index))
      failedToStart(
        ev?.message ||
          `the worker script ${src === null ? "(a blob: URL)" : typeof src === "function" ? "from the worker function" : typeof src === "string" ? src : src.href} failed to load`,
      );
  };
  w.postMessage(data);
  return {
    alive: () => !dead,
    stop: () => {
      dead = true;
      w.terminate();
    },
  };
}

/**
 * Blocks until ctrl[i] !== v or `ms` elapse. Node and Web Workers may Atomics.wait; a browser page's main thread may
 * not, so it spins (only ever while workers that already reported in finish their share of a call).
 */
const canWait =
  isNode ||
  (typeof (globalThis as { window?: unknown }).window === "undefined" && typeof (globalThis as { importScripts?: unknown }).importScripts === "function");
function block(c: Int32Array, i: number, v: number, ms: number): void {
  if (canWait) Atomics.wait(c, i, v, ms);
  else {
    const t = performance.now();
    while (Atomics.load(c, i) === v && performance.now() - t < ms);
  }
}

/** Tears the pool down (after a failure, or to resize); the next call starts fresh workers. */
export function destroyPool(): void {
  const c = ctrl;
  if (c) {
    Atomics.store(c, C.STOP, 1);
    for (let i = 0; i < workers.length; i++) {
      Atomics.add(c, C.GEN0 + i, 1);
      Atomics.notify(c, C.GEN0 + i);
    }
  }
  for (const w of workers) w.stop();
  workers = [];
  epoch++;
  // forget the memory too: releaseMemory() relies on nothing here keeping the old WebAssembly.Memory reachable
  ctrl = null;
  poolRt = null;
}

/**
 * Ends the workers beyond the first `keep` (setNumThreads going down). The whole pool is replaced by a fresh
 * incarnation of `keep` workers rather than terminating the tail: a terminated worker i leaves its slot's words
 * (READY0 + i, DEAD0 + i) behind, and a later worker i spawned into the same block was handed work before it listened,
 * so the call waited for it forever (issue 27: cycling 1, 2, 8, 3 threads blocked a call for 60 s).
 */
export function shrinkPool(keep: number): void {
  if (workers.length <= keep) return;
  destroyPool();
  if (keep > 0) startPool(keep);
}

function healthy(c: Int32Array, i: number): boolean {
  return workers[i]!.alive() && Atomics.load(c, C.DEAD0 + i) === 0;
}

/**
 * Starts `n` pool workers without waiting for them (a browser worker cannot start while its creator runs
 * synchronously): they report in as they come up, and until then calls run on the calling thread. A pool with
 * fewer workers grows; a dead worker restarts the pool.
 */
export function startPool(n: number): void {
  const want = Math.min(n, MAX_WORKERS);
  if (want <= 0) return;
  const rt = runtime();
  if (!rt.shared || !canSpawn()) return;
  if (poolRt !== rt) destroyPool();
  poolRt = rt;
  const c = control(rt);
  if (workers.length > 0 && workers.some((_, i) => !healthy(c, i))) destroyPool();
  const c2 = control(rt);
  if (workers.length === 0) {
    // claim the block first: a worker of the incarnation 30 back that still runs sees EPOCH change and exits
    Atomics.store(c2, C.EPOCH, epoch + 1);
    c2.fill(0, 0, C.EPOCH);
    c2.fill(0, C.EPOCH + 1);
  }
  for (let i = workers.length; i < want; i++) workers.push(spawn(rt, i));
}

function canSpawn(): boolean {
  if (isNode) return nodeWT !== null;
  return startFailure === null && typeof (globalThis as { Worker?: unknown }).Worker === "function";
}

/** Whether worker `i` of the current pool has reported in. */
function ready(i: number): boolean {
  return poolRt !== null && Atomics.load(control(poolRt), C.READY0 + i) === 1;
}

function startError(): Error {
  return new Error(
    `threadsReady: the worker threads could not start (${startFailure}); calls run on one thread. Under a ` +
      "Content-Security-Policy, allow blob: in worker-src, or self-host tconv's worker script (tconv/worker.js) and pass " +
      "its URL to setWorkerUrl (docs/guide-web.md: Deploying on the web)",
  );
}

/** Workers 0..k−1 that have reported in and are alive (work is handed out by index, so a prefix). */
function readyWorkers(rt: WasmRuntime): number {
  if (workers.length === 0 || poolRt !== rt) return 0;
  const c = control(rt);
  let k = 0;
  while (k < workers.length && Atomics.load(c, C.READY0 + k) === 1 && healthy(c, k)) k++;
  return k;
}

/**
 * Threads a call may use now, at most `want`: this thread plus the workers that have reported in. Starts (or grows)
 * the pool towards `want − 1` workers as a side effect, never waiting for it.
 */
export function readyThreads(want: number): number {
  if (want <= 1) return 1;
  const rt = runtime();
  if (!rt.shared) return 1;
  startPool(want - 1);
  return 1 + Math.min(want - 1, readyWorkers(rt));
}

/**
 * Resolves once `n` workers have reported in (or at once when the pool cannot have them: no shared memory, no
 * workers). Awaiting it before timing or testing the threaded path avoids measuring the single-threaded start.
 */
export async function whenWorkersReady(n: number, timeoutMs = 30000): Promise<number> {
  const want = Math.min(n, MAX_WORKERS);
  if (want <= 0 || !wasmUsable()) return 0;
  const rt = runtime();
  if (startFailure !== null) throw startError();
  if (!rt.shared || !canSpawn()) return 0;
  startPool(want);
  const t0 = Date.now();
  // the runtime and the pool are read afresh each turn: releaseMemory() or setNumThreads() may run while this waits,
  // and then the workers to wait for are the current pool's (a smaller pool counts as ready once all of it is)
  for (;;) {
    if (startFailure !== null) {
      destroyPool();
      throw startError();
    }
    const now = runtime();
    const target = Math.min(want, Math.max(workers.length, poolRt === now ? 0 : want));
    if (poolRt !== now || workers.length === 0) startPool(target);
    const ready = readyWorkers(now);
    if (ready >= Math.min(target, workers.length) && workers.length > 0) return ready;
    if (Date.now() - t0 > timeoutMs) throw new Error(`wasm backend: only ${ready} of ${target} worker threads reported in within ${timeoutMs} ms`);
    if (workers.some((_, i) => !healthy(control(now), i))) startPool(target);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * Runs every task of the queue at `queue` on `scratch.length` threads (this thread + workers), returning when all
 * are finished. Throws (and resets the pool) if a worker dies or a kernel traps. `solo`: the queue is in the memory of
 * soloRuntime() (a one-thread call), which no worker shares.
 */
export function runQueue(queue: number, scratch: number[], solo = false): void {
  // (a flag rather than the runtime itself: the declarations of this module stay free of WebAssembly's types, which an
  // app that type-checks without the DOM lib does not have)
  const rt = solo ? soloRuntime() : runtime();
  // only workers that have reported in take part; without shared memory no worker can see the arena
  const extra = rt.shared ? Math.min(scratch.length - 1, MAX_WORKERS, readyWorkers(rt)) : 0;
  if (extra <= 0) {
    hooks.lastTaskCounts = [rt.exports.run_queue(queue, scratch[0]!)];
    return;
  }
  const c = control(rt);
  // a worker killed by the test hook is waited for, so its death is seen in this call
  const killing = hooks.killWorkerOnNextCall >= 0;
  if (killing) {
    Atomics.store(c, C.KILL, hooks.killWorkerOnNextCall + 1);
    hooks.killWorkerOnNextCall = -1;
  }
  if (hooks.stallWorkerOnNextCall !== null) {
    Atomics.store(c, C.STALL_MS, hooks.stallWorkerOnNextCall.ms);
    Atomics.store(c, C.STALL, hooks.stallWorkerOnNextCall.worker + 1);
    hooks.stallWorkerOnNextCall = null;
  }
  Atomics.store(c, C.DONE, 0);
  Atomics.store(c, C.ERR, 0);
  c[C.QUEUE] = queue | 0;
  for (let i = 0; i < extra; i++) {
    c[C.SCRATCH0 + i] = scratch[i + 1]! | 0;
    c[C.TASKS0 + i] = 0;
  }
  // the offers are made after the queue and scratch words: a worker that takes one sees this call's
  for (let i = 0; i < extra; i++) {
    Atomics.store(c, C.STATE0 + i, 1);
    Atomics.add(c, C.GEN0 + i, 1);
    Atomics.notify(c, C.GEN0 + i);
  }
  let mainError: unknown = null;
  let mainTasks = 0;
  try {
    mainTasks = rt.exports.run_queue(queue, scratch[0]!);
  } catch (e) {
    mainError = e;
  }
  // every task is taken now. A worker that has not taken its offer yet (asleep, or not scheduled on a busy machine)
  // has no task: withdraw the offer instead of waiting for it to wake (a futex wake-up costs 100s of µs on a VM, and a
  // worker the OS does not schedule costs a time slice: a U-Net at 2 threads took 5× its 1-thread time with the other
  // core busy). The workers that did take theirs are waited for.
  const took: boolean[] = [];
  let expected = 0;
  for (let i = 0; i < extra; i++) {
    took.push(killing || Atomics.compareExchange(c, C.STATE0 + i, 1, 0) !== 1);
    if (took[i]) expected++;
  }
  let died = false;
  // watchdog: tasks last milliseconds, so a minute without a finished worker or a taken task means one is gone
  let progressAt = Date.now(),
    lastDone = -1,
    lastNext = -1;
  for (;;) {
    const done = Atomics.load(c, C.DONE);
    if (done >= expected) break;
    const next = Atomics.load(rt.I32, queue >>> 2);
    if (done !== lastDone || next !== lastNext) {
      progressAt = Date.now();
      lastDone = done;
      lastNext = next;
    }
    let dead = 0;
    for (let i = 0; i < extra; i++) if (took[i] && (!workers[i]!.alive() || Atomics.load(c, C.DEAD0 + i) !== 0)) dead++;
    if (Date.now() - progressAt > 60000) {
      destroyPool();
      throw new Error("wasm backend: worker threads stopped responding; the pool was reset");
    }
    if (dead > 0 && !died) {
      died = true;
      // cancel the remaining tasks: set the queue's next-task counter past its end
      Atomics.store(rt.I32, queue >>> 2, 0x3fffffff);
    }
    if (died && done + dead >= expected) break;
    // the workers usually finish within microseconds of this thread: poll briefly before sleeping (a futex
    // wake-up costs 100s of µs in a VM)
    if (Date.now() - progressAt < 2) {
      for (let i = 0; i < 256 && Atomics.load(c, C.DONE) === done; i++);
      continue;
    }
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
