// How many threads the wasm kernels may use: setNumThreads / getNumThreads / threadsReady (default: measured per call, up to the hardware threads), and its bounds.
import { hardwareThreads, shrinkPool, startPool, whenWorkersReady } from "./wasm/pool.js";
export { setWorkerUrl, type WorkerLike, type WorkerSource } from "./wasm/pool.js";
import { MAX_WORKERS } from "./wasm/worker-source.js";
import { showValue } from "../params/options.js";

let numThreads: number | null = null; // read lazily: loading the library detects nothing
/** true while no setNumThreads(n) is in force: the thread policy picks 1 thread or the pool per call */
let auto = true;

/** Whether the default thread policy is in force (no setNumThreads with a number since the start or the last "auto"). */
export function autoThreads(): boolean {
  return auto;
}

/** The most threads setNumThreads accepts: 4 × the hardware threads, and at most 65 (64 pool workers + the caller). */
export function maxThreads(): number {
  return Math.max(1, Math.min(4 * hardwareThreads(), MAX_WORKERS + 1));
}

/** Starts the workers for `n` threads in the background; calls run on the calling thread until they report in. */
function warm(n: number): void {
  if (n <= 1) return;
  try {
    startPool(n - 1);
  } catch {
    // no shared memory or no workers here: every call runs on the calling thread
  }
}

/**
 * Sets the thread count for later kernel calls: an integer from 1 to maxThreads() (4 × hardware threads, at most 65),
 * used for every call large enough to split (about 2^20 multiply-adds per thread); or `"auto"`, the default, which
 * uses up to the hardware threads and, per kind and size of call, runs on 1 thread or on all of them, whichever it
 * measured faster on this machine lately (so a busy machine or a small call falls back to 1 thread). More than the
 * cores works, just oversubscribed. Going down ends the pool workers beyond max(n, hardware threads) − 1; going up
 * starts the missing workers without waiting for them. releaseMemory() ends them all.
 */
export function setNumThreads(n: number | "auto"): void {
  const max = maxThreads();
  if (n === "auto") {
    // what the policy measured stays: the machine is the same (a new pool's first calls are re-timed as they come)
    auto = true;
    numThreads = null;
    warm(getNumThreads());
    return;
  }
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > max)
    throw new Error(
      `setNumThreads: n=${showValue(n)} must be "auto" or an integer from 1 to ${max} (4 × ${hardwareThreads()} hardware threads, at most ${MAX_WORKERS + 1})`,
    );
  auto = false;
  numThreads = hardwareThreads() === 1 && n > 1 && !canUseWorkers() ? 1 : n;
  // idle workers sleep in Atomics.wait at no cost, so up to one per hardware thread stays for reuse (1 ↔ 2 toggles
  // start nothing); the oversubscribed ones beyond that end
  shrinkPool(Math.max(numThreads, hardwareThreads()) - 1);
  warm(numThreads);
}

/** The most threads a kernel call uses: what setNumThreads set, else the hardware threads (see setNumThreads for how the default picks per call). */
export function getNumThreads(): number {
  return (numThreads ??= hardwareThreads());
}

/**
 * Resolves with the number of threads calls can use once the workers for getNumThreads() have reported in (1 where
 * this environment has no shared memory or no workers). Calls made before that run with fewer threads, never wait.
 */
export async function threadsReady(): Promise<number> {
  const n = getNumThreads();
  if (n <= 1) return 1;
  return 1 + (await whenWorkersReady(n - 1));
}

function canUseWorkers(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string }; getBuiltinModule?: unknown } }).process;
  if (p?.versions?.node) return typeof p.getBuiltinModule === "function";
  const g = globalThis as { crossOriginIsolated?: boolean; Worker?: unknown };
  return !!g.crossOriginIsolated && typeof g.Worker === "function";
}

// the pool starts right after the importing module's own top-level code (a microtask later), so workers are usually
// ready by the first large call, and a setWorkerUrl called at the top of that module is already in force
queueMicrotask(() => warm(getNumThreads()));
