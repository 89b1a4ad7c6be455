// The wasm pooling planner: 2×2 max pooling of stride 2 (assembly/pool.ts) as one program, copied out into the caller's array.
import { LAYOUTS, TASK } from "./interface.js";
import { job, runProgram, type TaskSpec } from "./program.js";

/** Planes per task: the tasks split the work evenly whatever the thread count. */
const PLANES_PER_TASK = 16;

/**
 * y[p][oh][ow] = the first maximum of x[p][2oh + i][2ow + j] (assembly/pool.ts has the rule) for `planes` planes of
 * H × W, into `y` (OH × OW per plane, OH ≤ H / 2, OW ≤ W / 2). One thread: the call reads each input once and is bound
 * by the copies in and out, which a second thread does not share.
 */
export function maxPool2x2(planes: number, H: number, W: number, OH: number, OW: number, x: Float32Array, y: Float32Array): void {
  const tasks: TaskSpec[] = [];
  for (let p0 = 0; p0 < planes; p0 += PLANES_PER_TASK) tasks.push([0, p0, Math.min(PLANES_PER_TASK, planes - p0), TASK.MAXPOOL2]);
  runProgram({
    op: "the 2×2 max-pooling kernel",
    inputs: [x],
    outLen: planes * OH * OW,
    into: y,
    fill: null,
    regions: [],
    tables: [],
    records: [job(LAYOUTS.maxpool2, (at) => ({ SRC: at.input(0), DST: at.out, H, W, OH, OW }))],
    packTasks: [],
    tasks,
    scratchBytes: 0,
    cOff: 0,
    threads: 1,
  });
}
