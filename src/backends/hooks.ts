// Test and probe hooks of the backends, all in one place (used by tests and bench/kernels-probe.mjs, never by the library's callers).
import type { Algorithm, KernelOp } from "./kernel.js";

export const hooks = {
  /** force an algorithm per operation (null = automatic); a wasm algorithm forced on float64 runs the reference */
  force: { imageToGrid: null, gridToImage: null, weightGrad: null, matmul: null } as Record<KernelOp, Algorithm | null>,
  /** the algorithm the last dispatched call used */
  lastAlgorithm: "reference" as Algorithm,
  /** multiply-adds that make one more wasm thread worth its hand-off; 0 lets tiny problems use the pool */
  macsPerThread: 1 << 20,
  /** which kernel ran the last CPU pooling forward ("" = none yet) */
  lastPoolKernel: "" as "" | "wasm" | "js",
  /** what the default thread policy chose for the last call it decided ("one" thread or the "pool"; "" = none yet) */
  lastPolicyChoice: "" as "" | "one" | "pool",
  /** the last wasm program's main task list ([record, n0, nc, kind], kinds as interface.ts TASK): which kernel really ran */
  lastTasks: [] as readonly (readonly number[])[],
  /** tasks each thread ran in the last multi-threaded wasm call, this thread first */
  lastTaskCounts: [] as number[],
  /** whether the last wasm call ran in shared memory (more than one thread) or the plain one (runtime.ts soloRuntime) */
  lastRuntimeShared: false,
  /** tasks run by pool workers since the start */
  workerTaskTotal: 0,
  /** a worker index: that worker exits abruptly the next time it is started (-1 = none) */
  killWorkerOnNextCall: -1,
  /** pool workers that have exited since the start (Node's 'exit' event) */
  workersExited: 0,
  /** live pool workers (installed by wasm/pool.ts) */
  poolSize: (): number => 0,
};
