// Turns a convolution geometry or a matrix product into GEMM jobs + tasks in the arena, runs them, copies the result out.
import { type ConvGeometry, macCount } from "../../params/geometry.js";
import type { ConvActivation } from "../../params/kernel-records.js";
import { readyThreads } from "./pool.js";
import { threadPolicy } from "./thread-policy.js";
import { autoThreads } from "../threads.js";
import { runtime } from "./runtime.js";
import { hooks } from "../hooks.js";
import { LAYOUTS, TASK, zeroRecord } from "./interface.js";
import { job, type JobRecord, runProgram, type TaskSpec } from "./program.js";

const NR = 16; // micro-kernel columns (assembly/gemm.ts)
const KC = 256; // K block (assembly/index.ts): the packed B scratch holds KC × nc floats
/**
 * At most `threads`, and one more thread only per hooks.macsPerThread multiply-adds of work (at least one): 2^20 is what
 * makes a thread worth its hand-off (≈ 1 µs) and cache warm-up (128³ GEMMs gained from 2 threads). Under the default
 * thread count (no setNumThreads), the thread policy then picks 1 thread or that many by measuring calls of the same
 * `kind` and size.
 */
function threadsWorthIt(threads: number, macs: number, kind: string): number {
  // and only as many as have workers ready now: a call never waits for a worker to start
  const n = readyThreads(Math.max(1, Math.min(threads, Math.floor(macs / Math.max(1, hooks.macsPerThread)))));
  return n > 1 && autoThreads() ? threadPolicy.choose(kind, macs, n) : n;
}

/** Per-axis description of one GEMM job, before it gets addresses (see assembly/index.ts for the meaning). */
interface JobSpec {
  M: number;
  K: number;
  N: number;
  // A = pack_a(w + aOff, rowStride, chanStride, taps T, tap offsets L)
  aOff: number;
  aRow: number;
  aChan: number;
  L: number[][];
  // B gather
  srcOff: number;
  sBatch: number;
  sChan: number;
  T: number[];
  U: number[];
  S: number[];
  mul: number[];
  st: number[];
  offs: number[][];
  // scatter-add
  dstOff: number;
  dBatch: number;
  dChan: number;
  dstep: number[];
  /** first bias entry of this job's rows (bias[biasOff + m]) */
  biasOff: number;
}

/** A geometry padded to 3 spatial axes (leading axes of size 1), with element strides of every tensor. */
export interface Axes3 {
  k: number[];
  s: number[];
  d: number[];
  pb: number[];
  I: number[];
  G: number[];
  icpg: number;
  gcpg: number;
  img: { batch: number; chan: number; sp: number[] };
  grd: { batch: number; chan: number; sp: number[] };
  wt: { gc: number; icl: number; tap: number[] };
}

const pad3 = (a: readonly number[], fill: number) => [...Array(3 - a.length).fill(fill), ...a] as number[];
const prod = (a: readonly number[]) => a.reduce((p, v) => p * v, 1);

export function axes3(g: ConvGeometry): Axes3 {
  const k = pad3(g.kernel, 1),
    I = pad3(g.imageSize, 1),
    G = pad3(g.gridSize, 1);
  const icpg = g.imageChannels / g.groups,
    gcpg = g.gridChannels / g.groups;
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
    k,
    s: pad3(g.strides, 1),
    d: pad3(g.dilation, 1),
    pb: pad3(g.padBegin, 0),
    I,
    G,
    icpg,
    gcpg,
    img: data(g.imageChannels, I),
    grd: data(g.gridChannels, G),
    wt,
  };
}

/** Convolution image → grid as one implicit GEMM per group: M = Cout/g, K = Cin/g·∏k, N = batch·∏grid (im2col per task). */
function convJobs(g: ConvGeometry, x: Axes3): JobSpec[] {
  const jobs: JobSpec[] = [];
  for (let gi = 0; gi < g.groups; gi++) {
    const taps = [0, 1, 2].map((e) => Array.from({ length: x.k[e]! }, (_, a) => a));
    jobs.push({
      M: x.gcpg,
      K: x.icpg * prod(x.k),
      N: g.batch * prod(x.G),
      aOff: gi * x.gcpg * x.wt.gc,
      aRow: x.wt.gc,
      aChan: x.wt.icl,
      L: taps.map((t, e) => t.map((a) => a * x.wt.tap[e]!)),
      srcOff: gi * x.icpg * x.img.chan,
      sBatch: x.img.batch,
      sChan: x.img.chan,
      T: x.k,
      U: x.G,
      S: x.I,
      mul: x.s,
      st: x.img.sp,
      offs: taps.map((t, e) => t.map((a) => a * x.d[e]! - x.pb[e]!)),
      dstOff: gi * x.gcpg * x.grd.chan,
      dBatch: x.grd.batch,
      dChan: x.grd.chan,
      dstep: x.grd.sp,
      biasOff: gi * x.gcpg,
    });
  }
  return jobs;
}

/** One phase of one axis: its taps (ascending), their grid offsets, its image positions' count and first position. */
interface Phase {
  taps: number[];
  offs: number[];
  nT: number;
  dOff: number;
}

/**
 * The phases of axis e that own an image position (r = (p + pb) mod s for p < min(I, s), so the loop is bounded by the
 * output size, never by the stride's value: strides 1e12 on a 1-pixel image is one phase); `uncovered` = some image
 * position's phase has no tap.
 */
function axisPhases(x: Axes3, e: number): { phases: Phase[]; uncovered: boolean } {
  const s = x.s[e]!,
    d = x.d[e]!,
    pb = x.pb[e]!,
    I = x.I[e]!;
  const phases: Phase[] = [];
  let uncovered = false;
  for (let p = 0; p < Math.min(I, s); p++) {
    const r = (p + pb) % s;
    const taps: number[] = [];
    for (let a = 0; a < x.k[e]!; a++) if ((a * d) % s === r) taps.push(a);
    const tStart = Math.ceil((pb - r) / s); // ≥ 0 since r < s
    const tEnd = Math.floor((I - 1 + pb - r) / s);
    const nT = Math.max(0, tEnd - tStart + 1);
    if (taps.length === 0 && nT > 0) uncovered = true;
    if (taps.length === 0 || nT === 0) continue;
    phases.push({ taps, offs: taps.map((a) => tStart - (a * d - r) / s), nT, dOff: tStart * s + r - pb });
  }
  return { phases, uncovered };
}

/**
 * Transposed convolution grid → image by phase decomposition. Image position p = q·s − pb + a·d; write p + pb = t·s + r.
 * Phase r (per axis) receives the taps a with a·d ≡ r (mod s), from q = t − (a·d − r)/s: a stride-1 correlation, so
 * image[t·s + r − pb] = Σ_a grid[t − (a·d − r)/s]·w[a] is one GEMM with M = Cimg/g, K = Cgrid/g·|taps|, N = batch·|t|.
 * Stride 1 is the single phase (GEMM over all taps). Phases with no tap keep the bias.
 */
function tconvJobs(g: ConvGeometry, x: Axes3): { jobs: JobSpec[]; covered: boolean } {
  const jobs: JobSpec[] = [];
  const axes = [0, 1, 2].map((e) => axisPhases(x, e));
  const covered = axes.every((a) => !a.uncovered); // does every image position belong to a phase with at least one tap?
  const perAxis = axes.map((a) => a.phases);
  for (let gi = 0; gi < g.groups; gi++)
    for (const p0 of perAxis[0]!)
      for (const p1 of perAxis[1]!)
        for (const p2 of perAxis[2]!) {
          const ph = [p0, p1, p2];
          const T = ph.map((p) => p.taps.length),
            U = ph.map((p) => p.nT);
          jobs.push({
            M: x.icpg,
            K: x.gcpg * prod(T),
            N: g.batch * prod(U),
            aOff: gi * x.gcpg * x.wt.gc,
            aRow: x.wt.icl,
            aChan: x.wt.gc,
            L: ph.map((p, e) => p.taps.map((a) => a * x.wt.tap[e]!)),
            srcOff: gi * x.gcpg * x.grd.chan,
            sBatch: x.grd.batch,
            sChan: x.grd.chan,
            T,
            U,
            S: x.G,
            mul: [1, 1, 1],
            st: x.grd.sp,
            offs: ph.map((p) => p.offs),
            dstOff: gi * x.icpg * x.img.chan + ph.reduce((o, p, e) => o + p.dOff * x.img.sp[e]!, 0),
            dBatch: x.img.batch,
            dChan: x.img.chan,
            dstep: ph.map((_, e) => x.s[e]! * x.img.sp[e]!),
            biasOff: gi * x.icpg,
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
      M: x.gcpg,
      K: g.batch * prod(x.G),
      N: x.icpg * prod(x.k),
      aOff: gi * x.gcpg * x.grd.chan,
      aRow: x.grd.chan,
      aChan: x.grd.batch,
      L: pos.map((p, e) => p.map((q) => q * x.grd.sp[e]!)),
      srcOff: gi * x.icpg * x.img.chan,
      sBatch: x.img.chan,
      sChan: x.img.batch,
      T: x.G,
      U: x.k,
      S: x.I,
      mul: x.d,
      st: x.img.sp,
      offs: pos.map((p, e) => p.map((q) => q * x.s[e]! - x.pb[e]!)),
      dstOff: gi * x.gcpg * x.wt.gc,
      dBatch: x.wt.icl,
      dChan: x.wt.gc,
      dstep: x.wt.tap,
      biasOff: 0,
    });
  }
  return jobs;
}

/** C = A·B for row-major A (M × K) and B (K × N): one job whose B "gather" is a plain row read. */
function gemmJob(M: number, N: number, K: number): JobSpec {
  return {
    M,
    K,
    N,
    aOff: 0,
    aRow: K,
    aChan: 1,
    L: [[0], [0], [0]],
    srcOff: 0,
    sBatch: 0,
    sChan: N,
    T: [1, 1, 1],
    U: [1, 1, N],
    S: [1, 1, N],
    mul: [1, 1, 1],
    st: [0, 0, 1],
    offs: [[0], [0], [0]],
    dstOff: 0,
    dBatch: 0,
    dChan: N,
    dstep: [0, 0, 1],
    biasOff: 0,
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
export interface Operands {
  w: Float32Array;
  src: Float32Array;
  bias: Float32Array | null;
  dstLen: number;
  covered: boolean;
  fill: (dst: Float32Array, at: number) => void;
  act?: ConvActivation | null;
  /** added to the finished result (dstLen floats; program.ts), or null */
  residual?: Float32Array | null;
}

const SLOPE_BITS = new Int32Array(1);
const SLOPE_F32 = new Float32Array(SLOPE_BITS.buffer);

/**
 * The RELU and SLOPE fields of a job that stores `act` (interface.ts: 0 none, 1 max(·, 0), 2 leaky with SLOPE's
 * float32 bits, 3 hardswish).
 */
function actFields(act: ConvActivation | null | undefined): { RELU: number; SLOPE: number } {
  if (!act) return { RELU: 0, SLOPE: 0 };
  if (act.kind === "relu") return { RELU: 1, SLOPE: 0 };
  if (act.kind === "hardswish") return { RELU: 3, SLOPE: 0 };
  SLOPE_F32[0] = act.slope;
  if (SLOPE_F32[0] !== act.slope) throw new Error(`wasm kernels: a leaky slope of ${act.slope} is not a float32 value (conv-dispatch fuses only those)`);
  return { RELU: 2, SLOPE: SLOPE_BITS[0]! };
}

/** Every gemm field zero: the base of records that use only a few fields (pack-only jobs, wtx jobs). */
const ZERO_GEMM = zeroRecord(LAYOUTS.gemm);

/**
 * Describes GEMM jobs as a program (inputs: 0 = A-side operand w, 1 = B-side operand src, 2 = bias; region j = job j's
 * packed A; table j = its tap tables L0 L1 L2 offs0 offs1 offs2) and runs it on up to `threads` threads.
 */
function execute(op: string, jobs: JobSpec[], ops: Operands, threads: number): Float32Array {
  const store = ops.covered && jobs.every((j) => j.K > 0 && j.M > 0);
  const totalN = jobs.reduce((n, j) => n + j.N, 0);
  threads = threadsWorthIt(
    threads,
    jobs.reduce((n, j) => n + j.M * j.K * j.N, 0),
    op,
  );
  const tasks: TaskSpec[] = [],
    packTasks: TaskSpec[] = [],
    records: JobRecord[] = [],
    regions: number[] = [],
    tables: Int32Array[] = [];
  let maxK = 0,
    maxMp = 0,
    maxNcp = 0;
  jobs.forEach((spec, j) => {
    const Mp = (spec.M + 1) & ~1;
    regions.push(Mp * spec.K * 4); // compact 2-row A panels (assembly/gemm.ts pack_a)
    const lists = [...spec.L, ...spec.offs];
    tables.push(Int32Array.from(lists.flat()));
    // byte address of list e inside table j
    const listAt = (tab: number, e: number) => tab + 4 * lists.slice(0, e).reduce((n, l) => n + l.length, 0);
    records.push(
      job(LAYOUTS.gemm, (at) => {
        const tab = at.table(j);
        return {
          M: spec.M,
          K: spec.K,
          APK: at.region(j),
          SRC: at.input(1) + spec.srcOff * 4,
          SBATCH: spec.sBatch,
          SCHAN: spec.sChan,
          T: spec.T,
          U: spec.U,
          S: spec.S,
          MUL: spec.mul,
          ST: spec.st,
          OFFS: [3, 4, 5].map((e) => listAt(tab, e)),
          DST: at.out + spec.dstOff * 4,
          DBATCH: spec.dBatch,
          DCHAN: spec.dChan,
          DSTEP: spec.dstep,
          ASRC: at.input(0) + spec.aOff * 4,
          AROW: spec.aRow,
          ACHAN: spec.aChan,
          L: [0, 1, 2].map((e) => listAt(tab, e)),
          STORE: store ? 1 : 0,
          BIAS: ops.bias ? at.input(2) + spec.biasOff * 4 : 0,
          ...actFields(store ? ops.act : null),
        };
      }),
    );
    if (spec.K === 0 || spec.M === 0) return;
    const nc = taskWidth(threads, totalN);
    for (let n0 = 0; n0 < spec.N; n0 += nc) tasks.push([j, n0, Math.min(nc, spec.N - n0), TASK.GEMM]);
    // A packing (the weights gathered into 2-row panels) in about two even row chunks per thread
    const rows = Math.max(2, Math.ceil(Math.max(1, Math.ceil(spec.M / (threads * 2))) / 2) * 2);
    for (let m0 = 0; m0 < spec.M; m0 += rows) packTasks.push([j, m0, rows, TASK.PACK]);
    maxK = Math.max(maxK, spec.K);
    maxMp = Math.max(maxMp, Mp);
    maxNcp = Math.max(maxNcp, Math.ceil(Math.min(nc, spec.N) / NR) * NR);
  });
  const cOff = Math.ceil((Math.min(KC, maxK) * maxNcp * 4) / 64) * 64;
  return runProgram({
    op,
    inputs: ops.bias ? [ops.w, ops.src, ops.bias] : [ops.w, ops.src],
    outLen: ops.dstLen,
    fill: store ? null : ops.fill,
    regions,
    tables,
    records,
    packTasks,
    tasks,
    scratchBytes: cOff + maxMp * maxNcp * 4,
    cOff,
    threads,
    residual: ops.residual ?? null,
  });
}

/** Fills the image- or grid-side destination with the per-channel bias (or zeros). */
function biasFill(channels: number, spatial: number, batch: number, channelsLast: boolean, bias: Float32Array | null) {
  return (F: Float32Array, at: number) => {
    const n = channels * spatial * batch;
    if (!bias) {
      F.fill(0, at, at + n);
      return;
    }
    if (channelsLast) {
      F.set(bias.subarray(0, channels), at);
      for (let i = channels; i < n; i += channels) F.copyWithin(at + i, at, at + channels);
    } else {
      for (let b = 0; b < batch; b++)
        for (let c = 0; c < channels; c++) {
          const o = at + (b * channels + c) * spatial;
          F.fill(bias[c]!, o, o + spatial);
        }
    }
  };
}

/** What the size errors name (the op's name is put in front by ops/guard.ts). */
const IMAGE_TO_GRID = "the imageToGrid kernel",
  GRID_TO_IMAGE = "the gridToImage kernel",
  WEIGHT_GRAD = "the weightGrad kernel",
  MATMUL = "the matmul kernel";

/**
 * The operands and the result alone must fit the wasm memory: checked before any job or task list is built (the exact
 * total, with packed panels and scratch, is checked again when the program reserves its arena).
 */
function checkFits(what: string, floats: number): void {
  runtime().checkBytes(what, floats * 4);
}

/**
 * Convolution image → grid (implicit GEMM); act applied as each output is stored (every job stores); `residual` (the
 * result's length) added to the finished result.
 */
export function imageToGrid(
  g: ConvGeometry,
  image: Float32Array,
  w: Float32Array,
  bias: Float32Array | null,
  threads: number,
  act: ConvActivation | null = null,
  residual: Float32Array | null = null,
): Float32Array {
  const x = axes3(g);
  const sp = prod(x.G);
  const dstLen = g.batch * g.gridChannels * sp;
  checkResidual(residual, dstLen);
  checkFits(IMAGE_TO_GRID, image.length + w.length + dstLen * (residual ? 2 : 1));
  return execute(
    IMAGE_TO_GRID,
    convJobs(g, x),
    { w, src: image, bias, covered: true, dstLen, fill: biasFill(g.gridChannels, sp, g.batch, g.channelsLast, bias), act, residual },
    threads,
  );
}

function checkResidual(residual: Float32Array | null, dstLen: number): void {
  if (residual && residual.length !== dstLen) throw new Error(`wasm kernels: a residual of ${residual.length} floats for a result of ${dstLen}`);
}

/** Bytes of padded image rows a depthwise band keeps in a thread's scratch (about half this core's 512 KiB L2). */
const DW_BAND_BYTES = 256 << 10;

/**
 * The depthwise kernel's scratch shape: a padded image row covers the last grid axis rounded up to whole vectors plus
 * the kernel's reach, split into S phases of L floats (L a multiple of 4); a band of grid rows along axis 1 keeps the
 * K0·bandRows image rows it reads. Returns L, the band and the bytes per thread (tap offsets, tap-row table, one
 * contiguous padded row, the band's rows), as assembly/index.ts dw_task lays them out.
 */
export function depthwiseScratch(x: Axes3): { L: number; band: number; bytes: number } {
  const [K0, K1, K2] = x.k,
    S1 = x.s[1]!,
    S2 = x.s[2]!,
    E1 = x.d[1]!,
    E2 = x.d[2]!;
  const G1 = x.G[1]!,
    G2r = (x.G[2]! + 3) & ~3;
  const L = (G2r + Math.floor(((K2! - 1) * E2) / S2) + 3) & ~3;
  const slot = S2 * L * 4;
  const rowsFor = (band: number) => (band - 1) * S1 + (K1! - 1) * E1 + 1;
  // the most grid rows whose image rows fit the budget (at least one)
  const band = Math.max(1, Math.min(G1, Math.floor((Math.floor(DW_BAND_BYTES / (K0! * slot)) - (K1! - 1) * E1 - 1) / S1) + 1));
  const head = ((K2! + 3) & ~3) * 4 + ((K0! * K1! + 1) & ~1) * 8;
  return { L, band, bytes: head + slot + K0! * rowsFor(band) * slot };
}

/**
 * Depthwise convolution image → grid (channels first, one image channel per group): one dw job, tasks of whole grid
 * planes (assembly/index.ts dw_task); every plane is written by one task, so the destination needs no fill.
 */
export function imageToGridDepthwise(
  g: ConvGeometry,
  image: Float32Array,
  w: Float32Array,
  bias: Float32Array | null,
  threads: number,
  act: ConvActivation | null = null,
  residual: Float32Array | null = null,
): Float32Array {
  const x = axes3(g);
  const planes = g.batch * g.gridChannels;
  const outLen = planes * prod(x.G);
  checkResidual(residual, outLen);
  threads = threadsWorthIt(threads, macCount(g), "depthwise");
  const scr = depthwiseScratch(x);
  checkFits(IMAGE_TO_GRID, image.length + w.length + outLen * (residual ? 2 : 1) + (threads * scr.bytes) / 4);
  // about four tasks per thread, so a slow thread's share is picked up by the others
  const per = Math.max(1, Math.ceil(planes / (threads * 4)));
  const tasks: TaskSpec[] = [];
  for (let p0 = 0; p0 < planes; p0 += per) tasks.push([0, p0, Math.min(per, planes - p0), TASK.DW]);
  return runProgram({
    op: IMAGE_TO_GRID,
    inputs: bias ? [image, w, bias] : [image, w],
    outLen,
    fill: null,
    regions: [],
    tables: [],
    records: [
      job(LAYOUTS.dw, (at) => ({
        SRC: at.input(0),
        W: at.input(1),
        DST: at.out,
        BIAS: bias ? at.input(2) : 0,
        ...actFields(act),
        CI: g.imageChannels,
        CG: g.gridChannels,
        GCPG: x.gcpg,
        KER: x.k,
        STR: x.s,
        D: x.d,
        PB: x.pb,
        I: x.I,
        G: x.G,
        L: scr.L,
        BAND: scr.band,
      })),
    ],
    packTasks: [],
    tasks,
    scratchBytes: scr.bytes,
    cOff: 0,
    threads,
    residual,
  });
}

export function gridToImagePhase(g: ConvGeometry, grid: Float32Array, w: Float32Array, bias: Float32Array | null, threads: number): Float32Array {
  const x = axes3(g);
  const sp = prod(x.I);
  checkFits(GRID_TO_IMAGE, grid.length + w.length + g.batch * g.imageChannels * sp);
  const { jobs, covered } = tconvJobs(g, x);
  return execute(
    GRID_TO_IMAGE,
    jobs,
    { w, src: grid, bias, covered, dstLen: g.batch * g.imageChannels * sp, fill: biasFill(g.imageChannels, sp, g.batch, g.channelsLast, bias) },
    threads,
  );
}

export function weightGrad(g: ConvGeometry, image: Float32Array, grid: Float32Array, threads: number): Float32Array {
  const n = g.gridChannels * (g.imageChannels / g.groups) * prod(g.kernel);
  checkFits(WEIGHT_GRAD, image.length + grid.length + n);
  return execute(
    WEIGHT_GRAD,
    weightGradJobs(g, axes3(g)),
    { w: grid, src: image, bias: null, covered: true, dstLen: n, fill: (F, at) => F.fill(0, at, at + n) },
    threads,
  );
}

/**
 * Transposed convolution of a 1-pixel grid whose taps all land inside the image (pb = 0, d = 1, image = kernel, one
 * group: a VAE decoder's or DCGAN's first layer, 1×1 → k×k) is a dense product: image [N × Cimg·∏k] = grid [N × Cgrid]
 * · W [Cgrid × Cimg·∏k] in both layouts (W's rows are laid out like the image), plus the bias per image channel.
 */
export function gridToImageDense(g: ConvGeometry, grid: Float32Array, w: Float32Array, bias: Float32Array | null, threads: number): Float32Array {
  const kp = prod(g.kernel),
    C = g.imageChannels;
  const y = matmul(g.batch, C * kp, g.gridChannels, grid, w, threads);
  if (bias)
    for (let n = 0, o = 0; n < g.batch; n++)
      if (g.channelsLast) for (let t = 0; t < kp; t++) for (let c = 0; c < C; c++, o++) y[o] = y[o]! + bias[c]!;
      else
        for (let c = 0; c < C; c++) {
          const b = bias[c]!;
          for (let t = 0; t < kp; t++, o++) y[o] = y[o]! + b;
        }
  return y;
}

/** C (M × N) = A (M × K) · B (K × N), all row-major float32. */
export function matmul(M: number, N: number, K: number, a: Float32Array, b: Float32Array, threads: number): Float32Array {
  checkFits(MATMUL, a.length + b.length + M * N);
  return execute(MATMUL, [gemmJob(M, N, K)], { w: a, src: b, bias: null, covered: true, dstLen: M * N, fill: (F, at) => F.fill(0, at, at + M * N) }, threads);
}

/** Columns per col2im chunk and rows per C block (assembly/index.ts NCH, MC). */
const NCH = 256,
  MC = 128;
/** Target GEMM rows (grid positions of several images) per col2im task. */
const COL2IM_ROWS = 128;

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
  const Isp = prod(x.I),
    Gsp = prod(x.G),
    kp = prod(x.k);
  checkFits(GRID_TO_IMAGE, grid.length + w.length + g.batch * g.imageChannels * Isp);
  const K = x.gcpg,
    Mr = Gsp,
    Mp = (Mr + 1) & ~1;
  const run = K > 0 && Mr > 0 && kp > 0;
  // channels-first, the tasks fill the image; without tasks (an empty grid, no grid channels) the fill pass does
  const taskFill = !g.channelsLast && run;
  const apkBytes = Mp * K * 4;
  // channels per task: about one chunk of columns (≥ 1 channel), independent of the thread count
  const nicl = Math.max(1, Math.min(x.icpg, Math.floor(NCH / kp)));
  const blocks = Math.ceil(x.icpg / nicl);
  // images per task: about COL2IM_ROWS GEMM rows, so each packed B chunk (the weights) serves many rows; geometry only
  const imgs = Math.max(1, Math.min(g.batch, Math.floor(COL2IM_ROWS / Mp)));
  const imgGroups = Math.ceil(g.batch / imgs);
  threads = threadsWorthIt(threads, macCount(g), "col2im");
  const rows = Math.max(2, Math.ceil(Math.max(1, Math.ceil(Mr / (threads * 2))) / 2) * 2);
  // inputs: 0 = w, 1 = grid, 2 = bias (filled by the tasks, channels-first); region gi = group gi's packed grids;
  // table 0 = {0}; records: per group, its col2im job and one pack-only gemm job per image
  const records: JobRecord[] = [],
    packTasks: TaskSpec[] = [],
    tasks: TaskSpec[] = [];
  // flattened position stride of the grid (dense in both layouts) and of the weight taps
  const posStride = x.grd.sp[2]!,
    tapStride = x.wt.tap[2]!;
  for (let gi = 0; gi < g.groups; gi++) {
    const jobIndex = records.length;
    records.push(
      job(LAYOUTS.col2im, (at) => ({
        M: Mr,
        K,
        APK: at.region(gi),
        W: at.input(0) + gi * x.gcpg * x.wt.gc * 4,
        WK: x.wt.gc,
        WICL: x.wt.icl,
        WTAP: tapStride,
        KP: kp,
        KER: x.k,
        STR: x.s,
        D: x.d,
        PB: x.pb,
        I: x.I,
        G: x.G,
        DST: at.out + gi * x.icpg * x.img.chan * 4,
        DBATCH: x.img.batch,
        DCHAN: x.img.chan,
        DSTEP: x.img.sp,
        NICL: nicl,
        BLOCKS: blocks,
        ICPG: x.icpg,
        FILL: taskFill ? 1 : 0,
        BIAS: bias && taskFill ? at.input(2) + gi * x.icpg * 4 : 0,
        ISP: Isp,
        IMGS: imgs,
        BATCH: g.batch,
      })),
    );
    for (let b = 0; b < g.batch; b++) {
      const r = records.length;
      records.push(
        job(LAYOUTS.gemm, (at) => ({
          ...ZERO_GEMM,
          M: Mr,
          K,
          APK: at.region(gi) + b * apkBytes,
          T: [1, 1, 1],
          ASRC: at.input(1) + (b * x.grd.batch + gi * x.gcpg * x.grd.chan) * 4,
          AROW: posStride,
          ACHAN: x.grd.chan,
          L: [at.table(0), at.table(0), at.table(0)],
        })),
      );
      if (run) for (let m0 = 0; m0 < Mr; m0 += rows) packTasks.push([r, m0, rows, TASK.PACK]);
    }
    if (run) for (let t = 0; t < imgGroups * blocks; t++) tasks.push([jobIndex, t, 0, TASK.COL2IM]);
  }
  const cOff = Math.ceil((K * NCH * 4) / 64) * 64;
  return runProgram({
    op: GRID_TO_IMAGE,
    inputs: bias && taskFill ? [w, grid, bias] : [w, grid],
    outLen: g.batch * g.imageChannels * Isp,
    // channels-first: every task fills its own image channels (in parallel, right before it adds into them)
    fill: taskFill ? null : biasFill(g.imageChannels, Isp, g.batch, g.channelsLast, bias),
    regions: Array.from({ length: g.groups }, () => apkBytes * g.batch),
    tables: [Int32Array.of(0)],
    records,
    packTasks,
    tasks,
    scratchBytes: cOff + MC * NCH * 4,
    cOff,
    threads,
  });
}

/**
 * Transposed convolution grid → image by GEMM + col2im in the third orientation (assembly/index.ts wtx_task): per
 * image and group, C[icl·kp + tap][position] = Σ_k w[k][icl][tap]·grid[k][position] with the grid positions as the
 * GEMM's long side (the micro-kernel's columns), then added into the image. For few image channels: M = Cimg/g·∏k
 * rows instead of the phase GEMMs' M = Cimg/g, and B (the grid) is packed once per 256 positions, not per tap.
 * Tasks = (image, block of `nicl` image channels), fixed by the geometry, so results do not depend on the thread count.
 */
export function gridToImageWtx(g: ConvGeometry, grid: Float32Array, w: Float32Array, bias: Float32Array | null, threads: number): Float32Array {
  const x = axes3(g);
  const Isp = prod(x.I),
    Gsp = prod(x.G),
    kp = prod(x.k);
  checkFits(GRID_TO_IMAGE, grid.length + w.length + g.batch * g.imageChannels * Isp);
  const K = x.gcpg,
    M = x.icpg * kp,
    Mp = (M + 1) & ~1;
  // every image element gets exactly one contribution (k = s, no dilation, padding or output padding: a GEMM plus a
  // pixel shuffle): the tasks store C + bias, and the image needs no fill pass
  const store = [0, 1, 2].every((e) => x.k[e] === x.s[e] && (x.d[e] === 1 || x.k[e] === 1) && x.pb[e] === 0 && x.I[e] === x.G[e]! * x.s[e]!) && x.gcpg > 0;
  const taskFill = !g.channelsLast && !store;
  const withBias = !!bias && (taskFill || store);
  // channels per task: about 2·MC rows (≥ 1 channel; the task sweeps them in MC-row blocks over one packed B, so B is
  // packed half as often: U-Net k2 s2 128→64 @64² 35 → 37 GFLOP/s), nicl·kp even (row blocks start on a 2-row panel)
  // unless one block
  let nicl = Math.max(1, Math.min(x.icpg, Math.floor((2 * MC) / Math.max(1, kp))));
  if (nicl < x.icpg && (nicl * kp) % 2 === 1) nicl = nicl > 1 ? nicl - 1 : Math.min(x.icpg, 2);
  const blocks = Math.ceil(x.icpg / nicl);
  threads = threadsWorthIt(threads, macCount(g), "wtx");
  const rows = Math.max(2, Math.ceil(Math.max(1, Math.ceil(Mp / (threads * 2))) / 2) * 2);
  // inputs: 0 = w, 1 = grid, 2 = bias; region gi = group gi's packed weights; table 0 = {0} (the grid is read without taps)
  const records: JobRecord[] = [],
    packTasks: TaskSpec[] = [],
    tasks: TaskSpec[] = [];
  for (let gi = 0; gi < g.groups; gi++) {
    records.push(
      job(LAYOUTS.wtx, (at) => ({
        ...ZERO_GEMM,
        M,
        K,
        APK: at.region(gi),
        SRC: at.input(1) + gi * x.gcpg * x.grd.chan * 4,
        SBATCH: x.grd.batch,
        SCHAN: x.grd.chan,
        T: [1, 1, 1],
        U: x.G,
        S: x.G,
        MUL: [1, 1, 1],
        ST: x.grd.sp,
        OFFS: [at.table(0), at.table(0), at.table(0)],
        KP: kp,
        NICL: nicl,
        BLOCKS: blocks,
        ICPG: x.icpg,
        FILL: taskFill ? 1 : 0,
        BIAS: withBias ? at.input(2) + gi * x.icpg * 4 : 0,
        ISP: Isp,
        DST: at.out + gi * x.icpg * x.img.chan * 4,
        DBATCH: x.img.batch,
        DCHAN: x.img.chan,
        DSTEP: x.img.sp,
        KER: x.k,
        STR: x.s,
        D: x.d,
        PB: x.pb,
        I: x.I,
        W: at.input(0) + gi * x.gcpg * x.wt.gc * 4,
        WK: x.wt.gc,
        WICL: x.wt.icl,
        WTAP: x.wt.tap[2]!,
        GSP: Gsp,
        STORE: store ? 1 : 0,
      })),
    );
    for (let m0 = 0; m0 < Mp; m0 += rows) packTasks.push([gi, m0, rows, TASK.WTX_PACK]);
    for (let t = 0; t < g.batch * blocks; t++) tasks.push([gi, t, 0, TASK.WTX]);
  }
  const cOff = Math.ceil((Math.max(1, K) * NCH * 4) / 64) * 64;
  return runProgram({
    op: GRID_TO_IMAGE,
    inputs: withBias ? [w, grid, bias!] : [w, grid],
    outLen: g.batch * g.imageChannels * Isp,
    fill: taskFill || store ? null : biasFill(g.imageChannels, Isp, g.batch, g.channelsLast, bias),
    regions: Array.from({ length: g.groups }, () => Mp * K * 4),
    tables: [Int32Array.of(0)],
    records,
    packTasks,
    tasks,
    scratchBytes: cOff + MC * NCH * 4,
    cOff,
    threads,
  });
}

/** Tiles per Winograd task: a multiple of 16 (the micro-kernel's columns); fewer when threads need about two tasks each. */
const WINO_TILES = 64;

/** One stride-1 correlation of a Winograd program (assembly/winograd.ts; the W_* fields of interface.ts, in elements). */
interface WinoPart {
  M: number;
  K: number;
  batch: number;
  srcOff: number;
  sBatch: number;
  sChan: number;
  S: number[];
  st: number[];
  beta: number[];
  /** output positions per axis and the output's strides */
  nT: number[];
  dstOff: number;
  dBatch: number;
  dChan: number;
  dstep: number[];
  /** weights: w[wOff + k·wK + m·wM + tapY[i1] + tapX[i2]] is g[i1][i2] */
  wOff: number;
  wK: number;
  wM: number;
  tapY: number[];
  tapX: number[];
  biasOff: number;
}

/**
 * Runs Winograd F(tile×tile, R×R) parts (inputs: 0 = weights, 1 = source, 2 = bias): pack tasks transform the weights
 * into the (tile + R − 1)² matrices U_ξ = G·g·Gᵀ, then each task transforms a block of output tiles' source patches
 * (V_ξ = Bᵀ·d·B), runs the GEMMs U_ξ·V_ξ and stores Aᵀ·M·A + bias. The parts write every output element once, so the
 * output needs no fill.
 */
function runWinograd(
  op: string,
  R: number,
  parts: WinoPart[],
  w: Float32Array,
  src: Float32Array,
  bias: Float32Array | null,
  outLen: number,
  macs: number,
  threads: number,
  fill: (F: Float32Array, at: number) => void,
  relu: boolean,
  tile: 2 | 4 = 2,
): Float32Array {
  const span = tile + R - 1,
    X = span * span;
  const tt = (n: number) => Math.ceil(n / tile);
  const totalTiles = parts.reduce((n, p) => n + p.batch * tt(p.nT[1]!) * tt(p.nT[2]!), 0);
  threads = threadsWorthIt(threads, macs, `${op}:winograd`);
  // F(4×4, 3×3)'s 36 V_ξ (K × ncp floats each) are sized to stay near 256 KiB of scratch: 64 tiles up to K = 28, 16 from K = 57
  const cap = tile === 4 ? Math.max(NR, Math.min(WINO_TILES, Math.floor(2 ** 18 / (X * 4 * Math.max(1, ...parts.map((p) => p.K))) / NR) * NR)) : WINO_TILES;
  const nc = threads <= 1 ? cap : Math.max(16, Math.min(cap, Math.ceil(totalTiles / (threads * 2) / NR) * NR));
  const records: JobRecord[] = [],
    packTasks: TaskSpec[] = [],
    tasks: TaskSpec[] = [],
    regions: number[] = [];
  let maxK = 1,
    maxTT2 = 0;
  parts.forEach((p, j) => {
    const Mp = (p.M + 1) & ~1,
      TT = [1, tt(p.nT[1]!), tt(p.nT[2]!)];
    regions.push(X * Mp * p.K * 4); // compact panels (assembly/winograd.ts wino_pack)
    records.push(
      job(LAYOUTS.wino, (at) => ({
        M: p.M,
        K: p.K,
        APK: at.region(j),
        SRC: at.input(1) + p.srcOff * 4,
        SBATCH: p.sBatch,
        SCHAN: p.sChan,
        G: p.S,
        ST: p.st,
        BETA: p.beta,
        TT,
        NT: p.nT,
        DST: at.out + p.dstOff * 4,
        DBATCH: p.dBatch,
        DCHAN: p.dChan,
        DSTEP: p.dstep,
        BIAS: bias ? at.input(2) + p.biasOff * 4 : 0,
        W: at.input(0) + p.wOff * 4,
        WK: p.wK,
        WM: p.wM,
        WY: [...p.tapY, 0, 0].slice(0, 3),
        WX: [...p.tapX, 0, 0].slice(0, 3),
        R,
        RELU: relu ? 1 : 0,
        TILE: tile,
      })),
    );
    if (p.M === 0 || p.K === 0) return;
    const rows = Math.max(2, Math.ceil(Math.max(1, Math.ceil(p.M / (threads * 2))) / 2) * 2);
    for (let m0 = 0; m0 < p.M; m0 += rows) packTasks.push([j, m0, rows, TASK.WINO_PACK]);
    const n = p.batch * TT[1]! * TT[2]!;
    for (let n0 = 0; n0 < n; n0 += nc) tasks.push([j, n0, Math.min(nc, n - n0), TASK.WINO]);
    maxK = Math.max(maxK, p.K);
    maxTT2 = Math.max(maxTT2, TT[2]!);
  });
  const ncp = Math.ceil(nc / NR) * NR;
  const cOff = Math.ceil((X * maxK * ncp * 4) / 64) * 64;
  // M_ξ blocks of MC rows (9 matrices), MC/2 (16) or MC/4 (36), then tile + R − 1 source lines (assembly/winograd.ts
  // rowBlock, lineFloats)
  const rowBlock = X === 9 ? MC : X === 16 ? MC / 2 : MC / 4,
    lineFloats = tile === 4 ? (4 * maxTT2 + 6 + 15) & ~15 : (2 * maxTT2 + 12 + 15) & ~15;
  return runProgram({
    // no source channels (K = 0): no task runs and the output is the bias
    op,
    inputs: bias ? [w, src, bias] : [w, src],
    outLen,
    fill: parts.some((p) => p.K === 0) ? fill : null,
    regions,
    tables: [],
    records,
    packTasks,
    tasks,
    scratchBytes: cOff + X * rowBlock * ncp * 4 + span * lineFloats * 4,
    cOff,
    threads,
  });
}

/**
 * Transposed convolution grid → image by Winograd on the phases, for 2-D geometries whose phases all have R = 2 taps
 * per axis (k = 2s, d = 1: DCGAN's k4 s2) or that are one phase of R = 3 taps (k3 s1, d = 1): per phase and group one
 * part, y[u] = Σ_i grid[u + β + i]·w[taps[R − 1 − i]] with β = the last tap's offset (see tconvJobs).
 */
export function gridToImageWinograd(
  g: ConvGeometry,
  grid: Float32Array,
  w: Float32Array,
  bias: Float32Array | null,
  threads: number,
  relu = false,
  tile: 2 | 4 = 2,
): Float32Array {
  const x = axes3(g);
  const Isp = prod(x.I);
  const outLen = g.batch * g.imageChannels * Isp;
  checkFits(GRID_TO_IMAGE, grid.length + w.length + outLen);
  const [, ph1, ph2] = [0, 1, 2].map((e) => axisPhases(x, e).phases);
  const R = ph1![0]?.taps.length ?? 2;
  const parts: WinoPart[] = [];
  for (let gi = 0; gi < g.groups; gi++)
    for (const p1 of ph1!)
      for (const p2 of ph2!)
        parts.push({
          M: x.icpg,
          K: x.gcpg,
          batch: g.batch,
          srcOff: gi * x.gcpg * x.grd.chan,
          sBatch: x.grd.batch,
          sChan: x.grd.chan,
          S: x.G,
          st: x.grd.sp,
          beta: [0, p1.offs[R - 1]!, p2.offs[R - 1]!],
          nT: [1, p1.nT, p2.nT],
          dstOff: gi * x.icpg * x.img.chan + p1.dOff * x.img.sp[1]! + p2.dOff * x.img.sp[2]!,
          dBatch: x.img.batch,
          dChan: x.img.chan,
          dstep: [0, x.s[1]! * x.img.sp[1]!, x.s[2]! * x.img.sp[2]!],
          wOff: gi * x.gcpg * x.wt.gc,
          wK: x.wt.gc,
          wM: x.wt.icl,
          tapY: p1.taps.map((_, i) => p1.taps[R - 1 - i]! * x.wt.tap[1]!),
          tapX: p2.taps.map((_, i) => p2.taps[R - 1 - i]! * x.wt.tap[2]!),
          biasOff: gi * x.icpg,
        });
  if (tile === 4 && R !== 3) throw new Error(`wasm gridToImage: Winograd F(4×4, ${R}×${R}) does not exist, only F(4×4, 3×3)`);
  const fill = biasFill(g.imageChannels, Isp, g.batch, g.channelsLast, bias);
  return runWinograd(GRID_TO_IMAGE, R, parts, w, grid, bias, outLen, macCount(g), threads, fill, relu, tile);
}

/** Convolution image → grid by Winograd F(tile×tile, 3×3) (k3 s1 d1, 2-D): per group y[u] = Σ_i image[u − pb + i]·w[i]. */
export function imageToGridWinograd(
  g: ConvGeometry,
  image: Float32Array,
  w: Float32Array,
  bias: Float32Array | null,
  threads: number,
  relu = false,
  tile: 2 | 4 = 2,
): Float32Array {
  const x = axes3(g);
  const outLen = g.batch * g.gridChannels * prod(x.G);
  checkFits(IMAGE_TO_GRID, image.length + w.length + outLen);
  const parts: WinoPart[] = [];
  for (let gi = 0; gi < g.groups; gi++)
    parts.push({
      M: x.gcpg,
      K: x.icpg,
      batch: g.batch,
      srcOff: gi * x.icpg * x.img.chan,
      sBatch: x.img.batch,
      sChan: x.img.chan,
      S: x.I,
      st: x.img.sp,
      beta: [0, -x.pb[1]!, -x.pb[2]!],
      nT: x.G,
      dstOff: gi * x.gcpg * x.grd.chan,
      dBatch: x.grd.batch,
      dChan: x.grd.chan,
      dstep: x.grd.sp,
      wOff: gi * x.gcpg * x.wt.gc,
      wK: x.wt.icl,
      wM: x.wt.gc,
      tapY: [0, 1, 2].map((i) => i * x.wt.tap[1]!),
      tapX: [0, 1, 2].map((i) => i * x.wt.tap[2]!),
      biasOff: gi * x.gcpg,
    });
  return runWinograd(
    IMAGE_TO_GRID,
    3,
    parts,
    w,
    image,
    bias,
    outLen,
    macCount(g),
    threads,
    biasFill(g.gridChannels, prod(x.G), g.batch, g.channelsLast, bias),
    relu,
    tile,
  );
}
