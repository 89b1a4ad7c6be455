// The default thread policy: per kind and size of call, run on 1 thread or on the pool, whichever this machine finishes sooner now.
import { hooks } from "../hooks.js";

/*
 * Why measure instead of a fixed threshold: whether a second thread pays depends on things a library cannot know in
 * advance: the hand-off (≈ 1 µs on a quiet machine, 100s of µs when a worker has to be woken in a VM), and whether the
 * machine has a free core at all (on a 2-vCPU machine with other load, a call split in two waits for a worker the OS
 * has not scheduled: a small training step took 3× longer at the default than at 1 thread). So each call is timed,
 * and calls of the same kind and size (half an octave of multiply-adds) share a record of the time per multiply-add on
 * 1 thread and on the pool (the median of the last five of each). The faster arm runs; when two calls of it in a row
 * run 25 % slower than its estimate (the load changed), the other arm is tried on the next call and that call's time
 * replaces its stale samples. One slow call is not enough: on a noisy VM single spikes are common, and rechecking a
 * clearly slower arm after each cost 10 % of a large call's time. The slower arm is also tried again now and then,
 * rarely when it lost by much, so the policy follows a machine whose load changes and costs at most a few per cent
 * where the arms differ a lot (an exploration every 64 calls of an arm 3× slower costs 3 %). An arm's first call is not
 * counted: the pool's first call wakes cold workers (160 ms against 60 ms for a large call, measured), which would bias
 * it for a long time.
 */

interface Arm {
  /** the last RECENT samples, milliseconds per multiply-add, as a ring */
  recent: number[];
  next: number;
  samples: number;
  /** false until the arm's first (cold) call has run */
  warm: boolean;
}
interface Bucket {
  one: Arm;
  pool: Arm;
  /** calls since the other arm last ran */
  sinceExplore: number;
  /** consecutive calls of the arm in use that ran 25 % slower than its estimate */
  slow: number;
  /** two such calls in a row: try the other arm on the next call */
  recheck: boolean;
}

const WARMUP = 3; // samples per arm before the policy trusts the estimates
const RECENT = 5; // an arm's estimate is the median of its last 5 samples: one preempted call cannot flip the choice
const POOL_MARGIN = 1.05; // the pool runs only when its estimate is 5 % below one thread's

function estimate(a: Arm): number {
  const s = a.recent.slice().sort((x, y) => x - y);
  return s[s.length >> 1]!;
}
const newArm = (): Arm => ({ recent: [], next: 0, samples: 0, warm: false });

/** One arm is this many times slower: explore it every `gap` calls (a close race is re-checked often, a clear loss rarely). */
function exploreEvery(ratio: number): number {
  if (ratio < 1.1) return 16;
  if (ratio < 1.5) return 32;
  return 64;
}

/** The policy's state; the clock is a parameter so that tests can drive it with chosen timings. */
export class ThreadPolicy {
  private readonly buckets = new Map<string, Bucket>();
  /** the call being timed: its bucket, arm and start, settled by the end of runProgram */
  private pending: { bucket: Bucket; pool: boolean; macs: number; t0: number; fresh: boolean } | null = null;

  constructor(private readonly now: () => number) {}

  /**
   * Threads for a call of `macs` multiply-adds of kind `kind` that could use `threads` (> 1, workers ready): 1 or
   * `threads`. Starts the timing that settle() ends.
   */
  choose(kind: string, macs: number, threads: number): number {
    const key = `${kind}:${Math.round(2 * Math.log2(Math.max(1, macs)))}`;
    let b = this.buckets.get(key);
    if (b === undefined) {
      b = { one: newArm(), pool: newArm(), sinceExplore: 0, slow: 0, recheck: false };
      this.buckets.set(key, b);
    }
    let pool: boolean;
    let fresh = false;
    if (b.one.samples < WARMUP || b.pool.samples < WARMUP) pool = b.pool.samples <= b.one.samples;
    else {
      const one = estimate(b.one),
        onPool = estimate(b.pool);
      // the pool must win by 5 %: within that, one thread leaves a core to the rest of the machine, and a noisy
      // machine's medians would otherwise flip between two equal arms
      const poolWins = onPool * POOL_MARGIN <= one;
      const ratio = poolWins ? one / onPool : onPool / one;
      pool = poolWins;
      if (++b.sinceExplore >= exploreEvery(ratio) || b.recheck) {
        // a recheck's sample stands alone: the arm's older samples were taken under the load that just changed
        fresh = b.recheck;
        b.sinceExplore = 0;
        b.recheck = false;
        pool = !poolWins;
      }
    }
    hooks.lastPolicyChoice = pool ? "pool" : "one";
    this.pending = { bucket: b, pool, macs: Math.max(1, macs), t0: this.now(), fresh };
    return pool ? threads : 1;
  }

  /** Ends the timing of the call choose() began (a call that threw is never settled, so never counted). */
  settle(): void {
    const p = this.pending;
    if (p === null) return;
    this.pending = null;
    const perMac = (this.now() - p.t0) / p.macs;
    const arm = p.pool ? p.bucket.pool : p.bucket.one;
    if (!arm.warm) {
      arm.warm = true;
      return;
    }
    // the load changed (another process took a core, or left): the other arm's estimate is stale, so look again now
    if (arm.samples >= WARMUP && !p.fresh) {
      p.bucket.slow = perMac > 1.25 * estimate(arm) ? p.bucket.slow + 1 : 0;
      if (p.bucket.slow >= 2) {
        p.bucket.slow = 0;
        p.bucket.recheck = true;
      }
    }
    if (p.fresh) {
      arm.recent = [perMac];
      arm.next = 1;
    } else {
      arm.recent[arm.next] = perMac;
      arm.next = (arm.next + 1) % RECENT;
    }
    arm.samples++;
  }

  /** Forgets what was measured (setNumThreads: a new pool or a new machine state). */
  reset(): void {
    this.buckets.clear();
    this.pending = null;
  }
}

/** The policy the wasm planner consults. */
export const threadPolicy = new ThreadPolicy(() => performance.now());
