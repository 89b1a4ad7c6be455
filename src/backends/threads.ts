// How many threads the wasm kernels may use: setNumThreads / getNumThreads (default = hardware threads), and its bounds.
import { hardwareThreads, shrinkPool } from "./wasm/pool.js";
import { MAX_WORKERS } from "./wasm/worker-source.js";
import { showValue } from "../params/options.js";

let numThreads: number | null = null; // read lazily: loading the library detects nothing

/** The most threads setNumThreads accepts: 4 × the hardware threads, and at most 65 (64 pool workers + the caller). */
export function maxThreads(): number {
  return Math.max(1, Math.min(4 * hardwareThreads(), MAX_WORKERS + 1));
}

/**
 * Sets the thread count for later kernel calls: an integer from 1 to maxThreads() (4 × hardware threads, at most 65).
 * More than the cores works, just oversubscribed. Going down ends the pool workers no longer needed; going up starts
 * them at the next call that uses them.
 */
export function setNumThreads(n: number): void {
  const max = maxThreads();
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > max)
    throw new Error(`setNumThreads: n=${showValue(n)} must be an integer from 1 to ${max} (4 × ${hardwareThreads()} hardware threads, at most ${MAX_WORKERS + 1})`);
  numThreads = hardwareThreads() === 1 && n > 1 && !canUseWorkers() ? 1 : n;
  shrinkPool(numThreads - 1);
}

export function getNumThreads(): number {
  return (numThreads ??= hardwareThreads());
}

function canUseWorkers(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string }; getBuiltinModule?: unknown } }).process;
  if (p?.versions?.node) return typeof p.getBuiltinModule === "function";
  const g = globalThis as { crossOriginIsolated?: boolean; Worker?: unknown };
  return !!g.crossOriginIsolated && typeof g.Worker === "function";
}
