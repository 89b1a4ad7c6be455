// Browser bundle entry for test/web/threads.test.ts: the library plus the pool's task counter.
import { hooks } from "../../src/backends/hooks.js";

export * from "../../src/index.js";
/** Tasks run by worker threads so far (proves the 2-thread calls really used a worker). */
export const workerTasks = (): number => hooks.workerTaskTotal;
