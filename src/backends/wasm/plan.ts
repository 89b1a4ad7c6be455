// Turns a convolution geometry or a matrix product into GEMM jobs + tasks in the arena, runs them, copies the result out.
import { type ConvGeometry, macCount } from "../../params/geometry.js";
import { runtime, type WasmRuntime } from "./runtime.js";
import { readyThreads, runQueue } from "./pool.js";
import { hooks } from "../hooks.js";

const NR = 16; // micro-kernel columns (assembly/gemm.ts)
const KC = 256; // K block (assembly/index.ts): the packed B scratch holds KC × nc floats
const JOB_WORDS = 40;
/**
 * At most `threads`, and one more thread only per hooks.macsPerThread multiply-adds of work (at least one): 2^20 is what
 * makes a thread worth its hand-off (≈ 1 µs) and cache warm-up (128³ GEMMs gained from 2 threads).
 */
function threadsWorthIt(threads: number, macs: number): number {
  // and only as many as have workers ready now: a call never waits for a worker to start
  return readyThreads(Math.max(1, Math.min(threads, Math.floor(macs / Math.max(1, hooks.macsPerThread)))));
}

/** One scratch region (packed B chunk + C block) per thread in the arena. */
function reserveScratch(rt: WasmRuntime, threads: number, bytes: number): number[] {
  const scratch: number[] = [];
  for (let t = 0; t < threads; t++) scratch.push(rt.reserve(bytes));
  return scratch;
}

/** Per-axis description of one GEMM job, before it gets addresses (see assembly/index.ts for the meaning). */
interface JobSpec {
  M: number; K: number; N: number;
  // A = pack_a(w + aOff, rowStride, chanStride, taps T, tap offsets L)
  aOff: number; aRow: number; aChan: number; L: number[][];
  // B gather
  srcOff: number; sBatch: number; sChan: number; T: number[]; U: number[]; S: number[]; mul: number[]; st: number[]; offs: number[][];
  // scatter-add
  dstOff: number; dBatch: number; dChan: number; dstep: number[];
  /** first bias entry of this job's rows (bias[biasOff + m]) */
  biasOff: number;
}

/** A geometry padded to 3 spatial axes (leading axes of size 1), with element strides of every tensor. */
export interface Axes3 {
  k: number[]; s: number[]; d: number[]; pb: number[]; I: number[]; G: number[];
  icpg: number; gcpg: number;
  img: { batch: number; chan: number; sp: number[] };
  grd: { batch: number; chan: number; sp: number[] };
  wt: { gc: number; icl: number; tap: number[] };
}

const pad3 = (a: readonly number[], fill: number) => [...Array(3 - a.length).fill(fill), ...a] as number[];
const prod = (a: readonly number[]) => a.reduce((p, v) => p * v, 1);

export function axes3(g: ConvGeometry): Axes3 {
  const k = pad3(g.kernel, 1), I = pad3(g.imageSize, 1), G = pad3(g.gridSize, 1);
  const icpg = g.imageChannels / g.groups, gcpg = g.gridChannels / g.groups;
  const data = (C: number, sz: number[]) => {
    const sp = prod(sz);
    return g.channelsLast
      ? { batch: sp * C, chan: 1, sp: [sz[1]! * sz[2]! * C, sz[2]! * C, C] }
      : { batch: sp * C, chan: sp, sp: [sz[1]! * sz[2]!, sz[2]!, 1] };
  };
  const kp = prod(k);
  const wt = g.channelsLast
    ? { gc: kp * icpg, icl: 1, tap: [k[1]! * k[2]! * icpg, k[2]! * icpg, icpg] }
    : { gc: icpg * kp, icl: kp, tap: [k[1]! * k[2]!, k[2]!, 1] };
  return {
    k, s: pad3(g.strides, 1), d: pad3(g.dilation, 1), pb: pad3(g.padBegin, 0), I, G, icpg, gcpg,
    img: data(g.imageChannels, I), grd: data(g.gridChannels, G), wt,
  };
}

/** Convolution image → grid as one implicit GEMM per group: M = Cout/g, K = Cin/g·∏k, N = batch·∏grid (im2col per task). */
function convJobs(g: ConvGeometry, x: Axes3): JobSpec[] {
  const jobs: JobSpec[] = [];
  for (let gi = 0; gi < g.groups; gi++) {
    const taps = [0, 1, 2].map((e) => Array.from({ length: x.k[e]! }, (_, a) => a));
    jobs.push({
      M: x.gcpg, K: x.icpg * prod(x.k), N: g.batch * prod(x.G),
      aOff: gi * x.gcpg * x.wt.gc, aRow: x.wt.gc, aChan: x.wt.icl, L: taps.map((t, e) => t.map((a) => a * x.wt.tap[e]!)),
      srcOff: gi * x.icpg * x.img.chan, sBatch: x.img.batch, sChan: x.img.chan, T: x.k, U: x.G, S: x.I, mul: x.s, st: x.img.sp,
      offs: taps.map((t, e) => t.map((a) => a * x.d[e]! - x.pb[e]!)),
      dstOff: gi * x.gcpg * x.grd.chan, dBatch: x.grd.batch, dChan: x.grd.chan, dstep: x.grd.sp, biasOff: gi * x.gcpg,
    });
  }
  return jobs;
}

/**
 * Transposed convolution grid → image by phase decomposition. Image position p = q·s − pb + a·d; write p + pb = t·s + r.
 * Phase r (per axis) receives the taps a with a·d ≡ r (mod s), from q = t − (a·d − r)/s: a stride-1 correlation, so
 * image[t·s + r − pb] = Σ_a grid[t − (a·d − r)/s]·w[a] is one GEMM with M = Cimg/g, K = Cgrid/g·|taps|, N = batch·|t|.
 * Stride 1 is the single phase (GEMM over all taps). Phases with no tap keep the bias.
 */
function tconvJobs(g: ConvGeometry, x: Axes3): { jobs: JobSpec[]; covered: boolean } {
  const jobs: JobSpec[] = [];
  let covered = true; // does every image position belong to a phase with at least one tap?
  // per axis: list of phases {taps, offs (source index offset), tStart, nT}
  const perAxis = [0, 1, 2].map((e) => {
    const s = x.s[e]!, d = x.d[e]!, pb = x.pb[e]!, I = x.I[e]!;
    const phases: { taps: number[]; offs: number[]; nT: number; dOff: number }[] = [];
    for (let r = 0; r < s; r++) {
      const taps: number[] = [];
      for (let a = 0; a < x.k[e]!; a++) if ((a * d) % s === r) taps.push(a);
      const tStart = Math.ceil((pb - r) / s); // ≥ 0 since r < s
      const tEnd = Math.floor((I - 1 + pb - r) / s);
      const nT = Math.max(0, tEnd - tStart + 1);
      if (taps.length === 0 && nT > 0) covered = false;
      if (taps.length === 0 || nT === 0) continue;
      phases.push({ taps, offs: taps.map((a) => tStart - (a * d - r) / s), nT, dOff: tStart * s + r - pb });
    }
    return phases;
  });
  for (let gi = 0; gi < g.groups; gi++)
    for (const p0 of perAxis[0]!)
      for (const p1 of perAxis[1]!)
        for (const p2 of perAxis[2]!) {
          const ph = [p0, p1, p2];
          const T = ph.map((p) => p.taps.length), U = ph.map((p) => p.nT);
          jobs.push({
            M: x.icpg, K: x.gcpg * prod(T), N: g.batch * prod(U),
            aOff: gi * x.gcpg * x.wt.gc, aRow: x.wt.icl, aChan: x.wt.gc, L: ph.map((p, e) => p.taps.map((a) => a * x.wt.tap[e]!)),
            srcOff: gi * x.gcpg * x.grd.chan, sBatch: x.grd.batch, sChan: x.grd.chan, T, U, S: x.G, mul: [1, 1, 1], st: x.grd.sp,
            offs: ph.map((p) => p.offs),
            dstOff: gi * x.icpg * x.img.chan + ph.reduce((o, p, e) => o + p.dOff * x.img.sp[e]!, 0),
            dBatch: x.img.batch, dChan: x.img.chan, dstep: ph.map((_, e) => x.s[e]! * x.img.sp[e]!), biasOff: gi * x.icpg,
          });
        }
  return { jobs, covered };
}

/**
 * Weight gradient dW[gc][(icl, a)] = Σ_(n,q) grid[n, gc, q]·image[n, ic, q·s − pb + a·d] as one GEMM per group:
 * M = Cgrid/g, K = batch·∏grid (A = the grid rows, "channel" = batch), N = Cimg/g·∏k (B = transposed im2col: column
 * "batch" = image channel, column position = tap, source index a·d + (q·s − pb)).
 */
function weightGradJobs(g: ConvGeometry, x: Axes3): JobSpec[] {
  const jobs: JobSpec[] = [];
  for (let gi = 0; gi < g.groups; gi++) {
    const pos = [0, 1, 2].map((e) => Array.from({ length: x.G[e]! }, (_, q) => q));
    jobs.push({
      M: x.gcpg, K: g.batch * prod(x.G), N: x.icpg * prod(x.k),
      aOff: gi * x.gcpg * x.grd.chan, aRow: x.grd.chan, aChan: x.grd.batch, L: pos.map((p, e) => p.map((q) => q * x.grd.sp[e]!)),
      srcOff: gi * x.icpg * x.img.chan, sBatch: x.img.chan, sChan: x.img.batch, T: x.G, U: x.k, S: x.I, mul: x.d, st: x.img.sp,
      offs: pos.map((p, e) => p.map((q) => q * x.s[e]! - x.pb[e]!)),
      dstOff: gi * x.gcpg * x.wt.gc, dBatch: x.wt.icl, dChan: x.wt.gc, dstep: x.wt.tap, biasOff: 0,
    });
  }
  return jobs;
}

/** C = A·B for row-major A (M × K) and B (K × N): one job whose B "gather" is a plain row read. */
function gemmJob(M: number, N: number, K: number): JobSpec {
  return {
    M, K, N, aOff: 0, aRow: K, aChan: 1, L: [[0], [0], [0]],
    srcOff: 0, sBatch: 0, sChan: N, T: [1, 1, 1], U: [1, 1, N], S: [1, 1, N], mul: [1, 1, 1], st: [0, 0, 1], offs: [[0], [0], [0]],
    dstOff: 0, dBatch: 0, dChan: N, dstep: [0, 0, 1], biasOff: 0,
  };
}

/**
 * Columns per task: 256 (a KC × 256 B block = 256 KiB stays in L2 and A is streamed once per 256 columns), fewer when
 * several threads need about two tasks each (the dynamic queue absorbs uneven phases); a multiple of 16.
 */
function taskWidth(threads: number, totalN: number): number {
  if (threads <= 1) return 256;
  const want = Math.ceil(totalN / (threads * 2) / NR) * NR;
  return Math.max(64, Math.min(256, want));
}

/**
 * w: the A-side operand, src: the gathered B-side operand, bias: per output row (or null). `covered` = the jobs write
 * every destination element exactly once: then they store C + bias and the destination needs no fill; otherwise it is
 * filled with `fill` and the jobs add into it.
 */
export interface Operands { w: Float32Array; src: Float32Array; bias: Float32Array | null; dstLen: number; covered: boolean; fill: (dst: Float32Array, at: number) => void }

/** A queue entry (assembly/index.ts run_queue): [job record address, first row/column or task index, count, kind]. */
type TaskRecord = readonly [number, number, number, number];

/**
 * Writes both task lists into their reserved records and runs them: first every thread packs (A panels), then the
 * GEMM tasks run; the first hand-off is the barrier between the two.
 */
function runPackThenTasks(
  rt: WasmRuntime,
  at: { packTasksAt: number; tasksAt: number; packQueueAt: number; queueAt: number },
  packTasks: readonly TaskRecord[],
  tasks: readonly TaskRecord[],
  cOff: number,
  scratch: number[],
): void {
  const U = rt.U32;
  for (const [queueAt, tasksAt, list] of [[at.packQueueAt, at.packTasksAt, packTasks], [at.queueAt, at.tasksAt, tasks]] as const) {
    for (let i = 0; i < list.length; i++) U.set(list[i]!, (tasksAt >>> 2) + i * 4);
    const q = queueAt >>> 2;
    U[q] = 0; U[q + 1] = list.length; U[q + 2] = tasksAt; U[q + 3] = cOff;
    runQueue(queueAt, scratch);
  }
}

/**
 * Lays out operands, packed weights, jobs, tasks and per-thread scratch in the arena, runs the queue on `threads`
 * threads and returns the destination copied out.
 */
function execute(op: string, jobs: JobSpec[], ops: Operands, threads: number): Float32Array {
  const rt = runtime();
  rt.reset();
  const wAt = rt.reserve(ops.w.length * 4);
  const srcAt = rt.reserve(ops.src.length * 4);
  const dstAt = rt.reserve(ops.dstLen * 4);
  const biasAt = ops.bias ? rt.reserve(ops.bias.length * 4) : 0;
  const store = ops.covered && jobs.every((j) => j.K > 0 && j.M > 0);
  const totalN = jobs.reduce((n, j) => n + j.N, 0);
  const macs = jobs.reduce((n, j) => n + j.M * j.K * j.N, 0);
  threads = threadsWorthIt(threads, macs);
  // packed A per job, tap tables, job records, tasks
  const aAt: number[] = [], tabAt: number[] = [], jobAt: number[] = [];
  const tasks: [number, number, number, number][] = [], packTasks: [number, number, number, number][] = [];
  let maxK = 0, maxMp = 0, maxNcp = 0;
  for (let j = 0; j < jobs.length; j++) {
    const job = jobs[j]!;
    const Mp = (job.M + 1) & ~1;
    aAt.push(rt.reserve(Mp * job.K * 16)); // A panels with every element broadcast to 4 lanes (assembly/gemm.ts)
    const tabWords = job.L.reduce((n, l) => n + l.length, 0) + job.offs.reduce((n, l) => n + l.length, 0);
    tabAt.push(rt.reserve(tabWords * 4));
    jobAt.push(rt.reserve(JOB_WORDS * 4));
    if (job.K === 0 || job.M === 0) continue;
    const nc = taskWidth(threads, totalN);
    for (let n0 = 0; n0 < job.N; n0 += nc) tasks.push([j, n0, Math.min(nc, job.N - n0), 0]);
    // A packing (the weights gathered into 2-row panels) in about two even row chunks per thread
    const rows = Math.max(2, Math.ceil(Math.max(1, Math.ceil(job.M / (threads * 2))) / 2) * 2);
    for (let m0 = 0; m0 < job.M; m0 += rows) packTasks.push([j, m0, rows, 1]);
    maxK = Math.max(maxK, job.K);
    maxMp = Math.max(maxMp, Mp);
    maxNcp = Math.max(maxNcp, Math.ceil(Math.min(nc, job.N) / NR) * NR);
  }
  threads = Math.max(1, Math.min(threads, tasks.length));
  const tasksAt = rt.reserve(tasks.length * 16), packTasksAt = rt.reserve(packTasks.length * 16);
  const queueAt = rt.reserve(64), packQueueAt = rt.reserve(64);
  const cOff = Math.ceil((Math.min(KC, maxK) * maxNcp * 4) / 64) * 64;
  const scratchBytes = cOff + maxMp * maxNcp * 4;
  const scratch = reserveScratch(rt, threads, scratchBytes);
  rt.commit(op);

  const F = rt.F32, U = rt.U32, I = rt.I32;
  F.set(ops.w, wAt >>> 2);
  F.set(ops.src, srcAt >>> 2);
  if (ops.bias) F.set(ops.bias, biasAt >>> 2);
  if (!store) ops.fill(F, dstAt >>> 2);
  for (let j = 0; j < jobs.length; j++) {
    const job = jobs[j]!;
    // tables: L0 L1 L2 offs0 offs1 offs2
    let t = tabAt[j]! >>> 2;
    const tab: number[] = [];
    for (const l of [...job.L, ...job.offs]) { tab.push(t << 2); I.set(l, t); t += l.length; }
    const r = jobAt[j]! >>> 2;
    U[r] = job.M; U[r + 1] = job.K; U[r + 2] = aAt[j]!; U[r + 3] = srcAt + job.srcOff * 4;
    I[r + 4] = job.sBatch; I[r + 5] = job.sChan;
    for (let e = 0; e < 3; e++) {
      I[r + 6 + e] = job.T[e]!; I[r + 9 + e] = job.U[e]!; I[r + 12 + e] = job.S[e]!; I[r + 15 + e] = job.mul[e]!;
      I[r + 18 + e] = job.st[e]!; U[r + 21 + e] = tab[3 + e]!; I[r + 27 + e] = job.dstep[e]!;
    }
    U[r + 24] = dstAt + job.dstOff * 4; I[r + 25] = job.dBatch; I[r + 26] = job.dChan;
    U[r + 30] = wAt + job.aOff * 4; I[r + 31] = job.aRow; I[r + 32] = job.aChan;
    U[r + 33] = tab[0]!; U[r + 34] = tab[1]!; U[r + 35] = tab[2]!;
    U[r + 36] = store ? 1 : 0; U[r + 37] = ops.bias ? biasAt + job.biasOff * 4 : 0;
  }
  const withJob = (list: [number, number, number, number][]): TaskRecord[] => list.map(([j, n0, nc, kind]) => [jobAt[j]!, n0, nc, kind]);
  runPackThenTasks(rt, { packTasksAt, tasksAt, packQueueAt, queueAt }, withJob(packTasks), withJob(tasks), cOff, scratch);
  // slice copies into a fresh (non-shared) buffer in one pass, without zero-filling it first
  return rt.F32.slice(dstAt >>> 2, (dstAt >>> 2) + ops.dstLen);
}

/** Fills the image- or grid-side destination with the per-channel bias (or zeros). */
function biasFill(channels: number, spatial: number, batch: number, channelsLast: boolean, bias: Float32Array | null) {
  return (F: Float32Array, at: number) => {
    const n = channels * spatial * batch;
    if (!bias) { F.fill(0, at, at + n); return; }
    if (channelsLast) {
      F.set(bias.subarray(0, channels), at);
      for (let i = channels; i < n; i += channels) F.copyWithin(at + i, at, at + channels);
    } else {
      for (let b = 0; b < batch; b++)
        for (let c = 0; c < channels; c++) { const o = at + (b * channels + c) * spatial; F.fill(bias[c]!, o, o + spatial); }
    }
  };
}

export function imageToGrid(g: ConvGeometry, image: Float32Array, w: Float32Array, bias: Float32Array | null, threads: number): Float32Array {
  const x = axes3(g);
  const sp = prod(x.G);
  return execute("convolution", convJobs(g, x), { w, src: image, bias, covered: true, dstLen: g.batch * g.gridChannels * sp, fill: biasFill(g.gridChannels, sp, g.batch, g.channelsLast, bias) }, threads);
}

export function gridToImagePhase(g: ConvGeometry, grid: Float32Array, w: Float32Array, bias: Float32Array | null, threads: number): Float32Array {
  const x = axes3(g);
  const sp = prod(x.I);
  const { jobs, covered } = tconvJobs(g, x);
  return execute("transposed convolution", jobs, { w, src: grid, bias, covered, dstLen: g.batch * g.imageChannels * sp, fill: biasFill(g.imageChannels, sp, g.batch, g.channelsLast, bias) }, threads);
}

export function weightGrad(g: ConvGeometry, image: Float32Array, grid: Float32Array, threads: number): Float32Array {
  const n = g.gridChannels * (g.imageChannels / g.groups) * prod(g.kernel);
  return execute("convolution weight gradient", weightGradJobs(g, axes3(g)), { w: grid, src: image, bias: null, covered: true, dstLen: n, fill: (F, at) => F.fill(0, at, at + n) }, threads);
}

/** C (M × N) = A (M × K) · B (K × N), all row-major float32. */
export function matmul(M: number, N: number, K: number, a: Float32Array, b: Float32Array, threads: number): Float32Array {
  return execute("matrix product", [gemmJob(M, N, K)], { w: a, src: b, bias: null, covered: true, dstLen: M * N, fill: (F, at) => F.fill(0, at, at + M * N) }, threads);
}

/** Columns per col2im chunk and rows per C block (assembly/index.ts NCH, MC). */
const NCH = 256, MC = 128;
/** Target GEMM rows (grid positions of several images) per col2im task. */
const COL2IM_ROWS = 128;
const X_WORDS = 40;

/**
 * Transposed convolution grid → image by GEMM + col2im (assembly/index.ts col2im_task): per image and group,
 * C[position][icl·kp + tap] = Σ_k grid[k][position]·w[k][icl][tap], scattered into the image. The grid of every image
 * is packed once (pack tasks, A panels); then tasks of (group of `imgs` images, block of `nicl` image channels) run
 * the GEMM chunk by chunk over all the group's positions (so each packed chunk of the weights serves ~128 rows, not
 * one image's few: DCGAN 512→256 @4² packed all 8 MB of weights once per image) and add each C block into their own
 * image channels. The task split depends on the geometry only, so the
 * result is the same for every thread count.
 */
export function gridToImageCol2im(g: ConvGeometry, grid: Float32Array, w: Float32Array, bias: Float32Array | null, threads: number): Float32Array {
  const x = axes3(g);
  const rt = runtime();
  rt.reset();
  const Isp = prod(x.I), Gsp = prod(x.G), kp = prod(x.k);
  const dstLen = g.batch * g.imageChannels * Isp;
  const K = x.gcpg, Mr = Gsp, Mp = (Mr + 1) & ~1;
  const wAt = rt.reserve(w.length * 4), srcAt = rt.reserve(grid.length * 4), dstAt = rt.reserve(dstLen * 4);
  const tabAt = rt.reserve(64);
  const taskFill = !g.channelsLast;
  const biasAt = bias && taskFill ? rt.reserve(bias.length * 4) : 0;
  const apkBytes = Mp * K * 16;
  const apkAt: number[] = [], packJobAt: number[] = [], jobAt: number[] = [];
  for (let gi = 0; gi < g.groups; gi++) {
    apkAt.push(rt.reserve(apkBytes * g.batch));
    jobAt.push(rt.reserve(X_WORDS * 4));
    for (let b = 0; b < g.batch; b++) packJobAt.push(rt.reserve(JOB_WORDS * 4));
  }
  // channels per task: about one chunk of columns (≥ 1 channel), independent of the thread count
  const nicl = Math.max(1, Math.min(x.icpg, Math.floor(NCH / kp)));
  const blocks = Math.ceil(x.icpg / nicl);
  // images per task: about COL2IM_ROWS GEMM rows, so each packed B chunk (the weights) serves many rows; geometry only
  const imgs = Math.max(1, Math.min(g.batch, Math.floor(COL2IM_ROWS / Mp)));
  const imgGroups = Math.ceil(g.batch / imgs);
  threads = threadsWorthIt(threads, macCount(g));
  const packTasks: [number, number, number][] = [], tasks: [number, number][] = [];
  const rows = Math.max(2, Math.ceil(Math.max(1, Math.ceil(Mr / (threads * 2))) / 2) * 2);
  for (let gi = 0; gi < g.groups; gi++) {
    for (let b = 0; b < g.batch; b++) for (let m0 = 0; m0 < Mr; m0 += rows) packTasks.push([packJobAt[gi * g.batch + b]!, m0, rows]);
    for (let t = 0; t < imgGroups * blocks; t++) tasks.push([jobAt[gi]!, t]);
  }
  const tasksAt = rt.reserve(Math.max(1, tasks.length) * 16), packTasksAt = rt.reserve(Math.max(1, packTasks.length) * 16);
  const queueAt = rt.reserve(64), packQueueAt = rt.reserve(64);
  const cOff = Math.ceil((K * NCH * 4) / 64) * 64;
  const scratchBytes = cOff + MC * NCH * 4;
  threads = Math.max(1, Math.min(threads, tasks.length));
  const scratch = reserveScratch(rt, threads, scratchBytes);
  rt.commit("transposed convolution");

  const F = rt.F32, U = rt.U32, I = rt.I32;
  F.set(w, wAt >>> 2);
  F.set(grid, srcAt >>> 2);
  // channels-first: every task fills its own image channels (in parallel, right before it adds into them)
  if (biasAt) F.set(bias!, biasAt >>> 2);
  if (!taskFill) biasFill(g.imageChannels, Isp, g.batch, g.channelsLast, bias)(F, dstAt >>> 2);
  I[tabAt >>> 2] = 0; // tap table {0} for the A packs
  // flattened position stride of the grid (dense in both layouts) and of the weight taps
  const posStride = x.grd.sp[2]!, tapStride = x.wt.tap[2]!;
  for (let gi = 0; gi < g.groups; gi++) {
    for (let b = 0; b < g.batch; b++) {
      const r = packJobAt[gi * g.batch + b]! >>> 2;
      U.fill(0, r, r + JOB_WORDS);
      U[r] = Mr; U[r + 1] = K; U[r + 2] = apkAt[gi]! + b * apkBytes;
      I[r + 6] = 1; I[r + 7] = 1; I[r + 8] = 1;
      U[r + 30] = srcAt + (b * x.grd.batch + gi * x.gcpg * x.grd.chan) * 4; I[r + 31] = posStride; I[r + 32] = x.grd.chan;
      U[r + 33] = tabAt; U[r + 34] = tabAt; U[r + 35] = tabAt;
    }
    const r = jobAt[gi]! >>> 2;
    U[r] = Mr; U[r + 1] = K; U[r + 2] = apkAt[gi]!; U[r + 3] = wAt + gi * x.gcpg * x.wt.gc * 4;
    I[r + 4] = x.wt.gc; I[r + 5] = x.wt.icl; I[r + 6] = tapStride; I[r + 7] = kp;
    for (let e = 0; e < 3; e++) {
      I[r + 8 + e] = x.k[e]!; I[r + 11 + e] = x.s[e]!; I[r + 14 + e] = x.d[e]!; I[r + 17 + e] = x.pb[e]!;
      I[r + 20 + e] = x.I[e]!; I[r + 23 + e] = x.G[e]!; I[r + 29 + e] = x.img.sp[e]!;
    }
    U[r + 26] = dstAt + gi * x.icpg * x.img.chan * 4; I[r + 27] = x.img.batch; I[r + 28] = x.img.chan;
    I[r + 32] = nicl; I[r + 33] = blocks; I[r + 34] = x.icpg;
    U[r + 35] = taskFill ? 1 : 0; U[r + 36] = biasAt ? biasAt + gi * x.icpg * 4 : 0; I[r + 37] = Isp;
    I[r + 38] = imgs; I[r + 39] = g.batch;
  }
  if (K > 0 && Mr > 0 && kp > 0)
    runPackThenTasks(rt, { packTasksAt, tasksAt, packQueueAt, queueAt },
      packTasks.map(([j, m0, n]) => [j, m0, n, 1]), tasks.map(([j, t]) => [j, t, 0, 2]), cOff, scratch);
  return rt.F32.slice(dstAt >>> 2, (dstAt >>> 2) + dstLen);
}

const Y_WORDS = 80;

/**
 * Transposed convolution grid → image by GEMM + col2im in the third orientation (assembly/index.ts wtx_task): per
 * image and group, C[icl·kp + tap][position] = Σ_k w[k][icl][tap]·grid[k][position] with the grid positions as the
 * GEMM's long side (the micro-kernel's columns), then added into the image. For few image channels: M = Cimg/g·∏k
 * rows instead of the phase GEMMs' M = Cimg/g, and B (the grid) is packed once per 256 positions, not per tap.
 * Tasks = (image, block of `nicl` image channels), fixed by the geometry, so results do not depend on the thread count.
 */
export function gridToImageWtx(g: ConvGeometry, grid: Float32Array, w: Float32Array, bias: Float32Array | null, threads: number): Float32Array {
  const x = axes3(g);
  const rt = runtime();
  rt.reset();
  const Isp = prod(x.I), Gsp = prod(x.G), kp = prod(x.k);
  const dstLen = g.batch * g.imageChannels * Isp;
  const K = x.gcpg, M = x.icpg * kp, Mp = (M + 1) & ~1;
  const wAt = rt.reserve(w.length * 4), srcAt = rt.reserve(grid.length * 4), dstAt = rt.reserve(dstLen * 4);
  const tabAt = rt.reserve(64);
  // every image element gets exactly one contribution (k = s, no dilation, padding or output padding: a GEMM plus a
  // pixel shuffle): the tasks store C + bias, and the image needs no fill pass
  const store = [0, 1, 2].every((e) => x.k[e] === x.s[e] && (x.d[e] === 1 || x.k[e] === 1) && x.pb[e] === 0 && x.I[e] === x.G[e]! * x.s[e]!) && x.gcpg > 0;
  const taskFill = !g.channelsLast && !store;
  const biasAt = bias && (taskFill || store) ? rt.reserve(bias.length * 4) : 0;
  const apkAt: number[] = [], jobAt: number[] = [];
  for (let gi = 0; gi < g.groups; gi++) { apkAt.push(rt.reserve(Mp * K * 16)); jobAt.push(rt.reserve(Y_WORDS * 4)); }
  // channels per task: about MC rows (≥ 1 channel), nicl·kp even (row blocks start on a 2-row panel) unless one block
  let nicl = Math.max(1, Math.min(x.icpg, Math.floor(MC / Math.max(1, kp))));
  if (nicl < x.icpg && (nicl * kp) % 2 === 1) nicl = nicl > 1 ? nicl - 1 : Math.min(x.icpg, 2);
  const blocks = Math.ceil(x.icpg / nicl);
  threads = threadsWorthIt(threads, macCount(g));
  const packTasks: [number, number, number][] = [], tasks: number[] = [];
  const rows = Math.max(2, Math.ceil(Math.max(1, Math.ceil(Mp / (threads * 2))) / 2) * 2);
  for (let gi = 0; gi < g.groups; gi++) {
    for (let m0 = 0; m0 < Mp; m0 += rows) packTasks.push([jobAt[gi]!, m0, rows]);
    for (let t = 0; t < g.batch * blocks; t++) tasks.push(jobAt[gi]!, t);
  }
  const nTasks = tasks.length / 2;
  const tasksAt = rt.reserve(Math.max(1, nTasks) * 16), packTasksAt = rt.reserve(Math.max(1, packTasks.length) * 16);
  const queueAt = rt.reserve(64), packQueueAt = rt.reserve(64);
  const cOff = Math.ceil((Math.max(1, K) * NCH * 4) / 64) * 64;
  const scratchBytes = cOff + MC * NCH * 4;
  threads = Math.max(1, Math.min(threads, nTasks));
  const scratch = reserveScratch(rt, threads, scratchBytes);
  rt.commit("transposed convolution");

  const F = rt.F32, U = rt.U32, I = rt.I32;
  F.set(w, wAt >>> 2);
  F.set(grid, srcAt >>> 2);
  if (biasAt) F.set(bias!, biasAt >>> 2);
  if (!taskFill && !store) biasFill(g.imageChannels, Isp, g.batch, g.channelsLast, bias)(F, dstAt >>> 2);
  I[tabAt >>> 2] = 0; // offset table {0}: the grid is read without taps
  for (let gi = 0; gi < g.groups; gi++) {
    const r = jobAt[gi]! >>> 2;
    U.fill(0, r, r + Y_WORDS);
    U[r] = M; U[r + 1] = K; U[r + 2] = apkAt[gi]!; U[r + 3] = srcAt + gi * x.gcpg * x.grd.chan * 4;
    I[r + 4] = x.grd.batch; I[r + 5] = x.grd.chan;
    for (let e = 0; e < 3; e++) {
      I[r + 6 + e] = 1; I[r + 9 + e] = x.G[e]!; I[r + 12 + e] = x.G[e]!; I[r + 15 + e] = 1; I[r + 18 + e] = x.grd.sp[e]!; U[r + 21 + e] = tabAt;
      I[r + 50 + e] = x.img.sp[e]!; I[r + 53 + e] = x.k[e]!; I[r + 56 + e] = x.s[e]!; I[r + 59 + e] = x.d[e]!; I[r + 62 + e] = x.pb[e]!; I[r + 65 + e] = x.I[e]!;
    }
    I[r + 40] = kp; I[r + 41] = nicl; I[r + 42] = blocks; I[r + 43] = x.icpg; U[r + 44] = taskFill ? 1 : 0;
    U[r + 45] = biasAt ? biasAt + gi * x.icpg * 4 : 0; I[r + 46] = Isp;
    U[r + 47] = dstAt + gi * x.icpg * x.img.chan * 4; I[r + 48] = x.img.batch; I[r + 49] = x.img.chan;
    U[r + 68] = wAt + gi * x.gcpg * x.wt.gc * 4; I[r + 69] = x.wt.gc; I[r + 70] = x.wt.icl; I[r + 71] = x.wt.tap[2]!; I[r + 72] = Gsp; U[r + 73] = store ? 1 : 0;
  }
  const mainTasks: TaskRecord[] = [];
  for (let i = 0; i < nTasks; i++) mainTasks.push([tasks[2 * i]!, tasks[2 * i + 1]!, 0, 3]);
  runPackThenTasks(rt, { packTasksAt, tasksAt, packQueueAt, queueAt }, packTasks.map(([j, m0, n]) => [j, m0, n, 4]), mainTasks, cOff, scratch);
  return rt.F32.slice(dstAt >>> 2, (dstAt >>> 2) + dstLen);
}
