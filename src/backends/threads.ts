// How many threads the wasm kernels may use: setNumThreads / getNumThreads / threadsReady (default = hardware threads).
import { hardwareThreads, startPool, whenWorkersReady } from "./wasm/pool.js";

let numThreads = hardwareThreads();

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
 * Sets the thread count for later kernel calls (≥ 1; more than the cores still works, just oversubscribed) and starts
 * the missing workers without waiting for them. Workers already started stay asleep in Atomics.wait when fewer are
 * wanted (no respawn cost when the count goes back up).
 */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`setNumThreads: expected a positive integer, got ${n}`);
  numThreads = hardwareThreads() === 1 && n > 1 && !canUseWorkers() ? 1 : n;
  warm(numThreads);
}

export function getNumThreads(): number {
  return numThreads;
}

/**
 * Resolves with the number of threads calls can use once the workers for getNumThreads() have reported in (1 where
 * this environment has no shared memory or no workers). Calls made before that run with fewer threads, never wait.
 */
export async function threadsReady(): Promise<number> {
  if (numThreads <= 1) return 1;
  return 1 + (await whenWorkersReady(numThreads - 1));
}

function canUseWorkers(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string }; getBuiltinModule?: unknown } }).process;
  if (p?.versions?.node) return typeof p.getBuiltinModule === "function";
  const g = globalThis as { crossOriginIsolated?: boolean; Worker?: unknown };
  return !!g.crossOriginIsolated && typeof g.Worker === "function";
}

// the pool starts at import, so workers are usually ready by the first large call
warm(numThreads);
