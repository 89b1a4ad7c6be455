// Browser bundle entry for test/web/csp.test.ts: the library plus the dispatcher's and the pool's test hooks.
import { hooks } from "../../src/backends/hooks.js";

export * from "../../src/index.js";
/** The algorithm the last conv kernel call ran ("direct" is the JavaScript kernels). */
export const lastAlgorithm = (): string => hooks.lastAlgorithm;
/** Tasks run by worker threads so far. */
export const workerTasks = (): number => hooks.workerTaskTotal;
