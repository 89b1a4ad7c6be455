// Source text of a pool worker (eval'd in Node, a Blob URL in browsers): instantiate the kernels over the shared memory, then drain queues on demand.

/**
 * Control words (Int32 index into the block at CTRL_BYTE), shared with pool.ts:
 * DONE = workers finished with the current call, READY = workers started, STOP = exit, ERR = a worker's kernel threw,
 * KILL = test hook (worker index + 1 exits abruptly), QUEUE = queue address, EPOCH = the pool incarnation that owns this
 * block (a worker of another incarnation exits as soon as it sees it: blocks are reused every 30 incarnations); per worker i: GEN0 + i (its
 * generation, bumped to start it), SCRATCH0 + i (its scratch address), TASKS0 + i (tasks it ran in the last call),
 * DEAD0 + i (set by the worker as it exits: the blocked main thread cannot see the 'exit' event), READY0 + i (set once
 * worker i listens for its generation: only then may the calling thread hand it work), STATE0 + i (the offer of the
 * current call to worker i: 1 offered, 2 taken by the worker, 0 withdrawn or none; see pool.ts runQueue), STALL and
 * STALL_MS (test hook: worker STALL − 1 sleeps STALL_MS ms after waking, before it takes its offer).
 */
export const C = {
  DONE: 0,
  READY: 1,
  STOP: 2,
  ERR: 3,
  KILL: 4,
  QUEUE: 5,
  EPOCH: 6,
  STALL: 7,
  STALL_MS: 8,
  GEN0: 16,
  SCRATCH0: 16 + 64,
  TASKS0: 16 + 128,
  DEAD0: 16 + 192,
  READY0: 16 + 256,
  STATE0: 16 + 320,
  WORDS: 16 + 384,
} as const;
export const MAX_WORKERS = 64;

export const workerSource = `
"use strict";
const C = ${JSON.stringify(C)};
// spin this long (ms, by the clock: a poll count shrinks ~10× once V8 optimizes this loop) before sleeping in
// Atomics.wait: back-to-back calls then hand off in ~1 µs instead of a futex wake-up (100s of µs in a VM)
const SPIN_MS = 2;
const now = () => performance.now();
function start(d) {
  const inst = new WebAssembly.Instance(d.module, { env: { memory: d.memory } });
  const runQueue = inst.exports.run_queue;
  const ctrl = new Int32Array(d.memory.buffer, d.ctrlByte, C.WORDS);
  const me = d.index, genAt = C.GEN0 + me;
  const dead = () => { if (mine()) { Atomics.store(ctrl, C.DEAD0 + me, 1); Atomics.notify(ctrl, C.DONE); } };
  if (typeof process !== "undefined" && typeof process.on === "function") process.on("exit", dead);
  // a block reused by a later incarnation is not ours any more: leave without touching it
  const mine = () => Atomics.load(ctrl, C.EPOCH) === d.epoch;
  if (!mine()) return;
  let seen = Atomics.load(ctrl, genAt);
  Atomics.store(ctrl, C.READY0 + me, 1);
  Atomics.add(ctrl, C.READY, 1);
  Atomics.notify(ctrl, C.READY);
  for (;;) {
    let spins = 0, t0 = now();
    while (Atomics.load(ctrl, genAt) === seen) {
      if ((++spins & 255) === 0 && now() - t0 > SPIN_MS) Atomics.wait(ctrl, genAt, seen);
    }
    seen = Atomics.load(ctrl, genAt);
    if (Atomics.load(ctrl, C.STOP) !== 0 || !mine()) return;
    if (Atomics.load(ctrl, C.KILL) === me + 1) {
      Atomics.store(ctrl, C.KILL, 0);
      if (typeof process !== "undefined") process.exit(3); else { dead(); self.close(); }
      return;
    }
    if (Atomics.load(ctrl, C.STALL) === me + 1) {
      Atomics.store(ctrl, C.STALL, 0);
      Atomics.wait(ctrl, C.STALL, 0, ctrl[C.STALL_MS]);
    }
    // take the offer, unless the calling thread ran out of tasks first and withdrew it: then the call may be over
    // and the queue's memory reused, so this worker touches nothing and waits for the next generation
    if (Atomics.compareExchange(ctrl, C.STATE0 + me, 1, 2) !== 1) continue;
    try {
      ctrl[C.TASKS0 + me] = runQueue(ctrl[C.QUEUE] >>> 0, ctrl[C.SCRATCH0 + me] >>> 0);
    } catch (e) {
      Atomics.store(ctrl, C.ERR, 1);
    }
    Atomics.add(ctrl, C.DONE, 1);
    Atomics.notify(ctrl, C.DONE);
  }
}
if (typeof require === "function") start(require("node:worker_threads").workerData);
else self.onmessage = (e) => { self.onmessage = null; start(e.data); };
`;
