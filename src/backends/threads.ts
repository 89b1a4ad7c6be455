// How many threads the wasm kernels may use: setNumThreads / getNumThreads (default = hardware threads).
import { hardwareThreads } from "./wasm/pool.js";

let numThreads = hardwareThreads();

/**
 * Sets the thread count for later kernel calls (≥ 1; more than the cores still works, just oversubscribed). Workers
 * already started stay asleep in Atomics.wait when fewer are wanted (no respawn cost when the count goes back up).
 */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`setNumThreads: expected a positive integer, got ${n}`);
  numThreads = hardwareThreads() === 1 && n > 1 && !canUseWorkers() ? 1 : n;
}

export function getNumThreads(): number {
  return numThreads;
}

function canUseWorkers(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string }; getBuiltinModule?: unknown } }).process;
  if (p?.versions?.node) return typeof p.getBuiltinModule === "function";
  const g = globalThis as { crossOriginIsolated?: boolean; Worker?: unknown };
  return !!g.crossOriginIsolated && typeof g.Worker === "function";
}
