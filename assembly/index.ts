// Entry of the wasm module: the task queue that every thread drains, and one GEMM task = gather-pack B, micro-kernels, scatter-add C.
import { KC, MC, micro2x16, multiplyRows, pack_a } from "./gemm";
import { wino_pack, wino_task } from "./winograd";
import { hardswish1, hardswish4, hardswish_run } from "./hardswish";
import { maxpool2_task } from "./pool";
// record word offsets and task kinds: generated from src/backends/wasm/interface.ts (the one declaration)
import {
  J_ACHAN, J_APK, J_AROW, J_ASRC, J_BIAS, J_DBATCH, J_DCHAN, J_DST, J_DSTEP, J_K, J_L, J_M, J_MUL, J_OFFS, J_S, J_SBATCH, J_SCHAN, J_RELU, J_SLOPE, J_SRC, J_ST, J_STORE, J_T, J_U, X_APK, X_BATCH, X_BIAS, X_BLOCKS, X_D, X_DBATCH, X_DCHAN, X_DSTEP, X_DST, X_FILL, X_G, X_I, X_ICPG, X_IMGS, X_ISP, X_K, X_KER, X_KP, X_M, X_NICL, X_PB, X_STR, X_W, X_WICL, X_WK, X_WTAP, Y_BLOCKS, Y_D, Y_DSTEP, Y_FILL, Y_GSP, Y_I, Y_ICPG, Y_ISP, Y_KER, Y_KP, Y_NICL, Y_PB, Y_W, Y_WICL, Y_WK, Y_WTAP, Y_BIAS, Y_DBATCH, Y_DCHAN, Y_DST, Y_STR, Y_STORE,
  D_SRC, D_W, D_DST, D_BIAS, D_RELU, D_SLOPE, D_CI, D_CG, D_GCPG, D_KER, D_STR, D_D, D_PB, D_I, D_G, D_L, D_BAND,
  TASK_GEMM, TASK_PACK, TASK_COL2IM, TASK_WTX, TASK_WTX_PACK, TASK_WINO, TASK_WINO_PACK, TASK_DW, TASK_MAXPOOL2, TASK_F_JOB, TASK_F_N0, TASK_F_NC, TASK_F_KIND, TASK_WORDS,
  QUEUE_NEXT, QUEUE_COUNT, QUEUE_TASKS, QUEUE_COFF,
} from "./interface.generated";
export { pack_a } from "./gemm";
export { norm_affine, norm_squares, norm_sum } from "./norm";
export { add_residual } from "./residual";
export { binary_rows } from "./binary";


/*
 * Job record (fields J_* at job + 4·word, declared in src/backends/wasm/interface.ts), one GEMM C[M × N] = A·B where column n = ((b·U0 + t0)·U1 + t1)·U2 + t2
 * and row k = ((c·T0 + j0)·T1 + j1)·T2 + j2:
 *   B[k][n] = src[b·sBatch + c·sChan + Σ_e i_e·st_e]  with i_e = t_e·mul_e + offs_e[j_e], zero unless 0 ≤ i_e < S_e;
 *   dst[b·dBatch + m·dChan + Σ_e t_e·dstep_e] += C[m][n];
 *   A[m][k] = asrc[m·aRow + c·aChan + L0[j0] + L1[j1] + L2[j2]], packed once per call into Apk by "pack" tasks.
 */
// how A is gathered (pack_a arguments): source, row stride, channel stride, tap tables L0..L2
// J_STORE = 1: this job is the only writer of its outputs, so dst = C + bias[m] (bias pointer J_BIAS, 0 = none)
// replaces dst += C and the destination needs no zero/bias fill beforehand

// @ts-ignore: decorator
@inline function fld(job: usize, i: i32): i32 { return load<i32>(job + (<usize>i << 2)); }
// @ts-ignore: decorator
@inline function ptr(job: usize, i: i32): usize { return <usize>load<u32>(job + (<usize>i << 2)); }

/** Writes `n` zeros into packed-B row positions col.. (row base rowBase, panels panelStride bytes apart); returns the next col. */
// @ts-ignore: decorator
@inline function zeros(rowBase: usize, panelStride: usize, col: i32, n: i32): i32 {
  const end = col + n;
  while (col < end) {
    // one panel's stretch at a time: consecutive addresses, no per-element panel arithmetic
    let d = rowBase + <usize>(col >> 4) * panelStride + (<usize>(col & 15) << 2);
    const stop = min(end, (col | 15) + 1);
    for (; col < stop; col++, d += 4) store<f32>(d, 0);
  }
  return end;
}

/** Copies `n` floats from sp (stepping `step` bytes) into packed-B row positions col..; returns the next col. */
// @ts-ignore: decorator
@inline function copyRun(rowBase: usize, panelStride: usize, col: i32, sp: usize, step: usize, n: i32): i32 {
  const end = col + n;
  while (col < end) {
    let d = rowBase + <usize>(col >> 4) * panelStride + (<usize>(col & 15) << 2);
    if (step == 4 && (col & 15) == 0 && end - col >= 16) {
      // a whole 16-column panel row from contiguous source: 4 vectors
      v128.store(d, v128.load(sp)); v128.store(d, v128.load(sp, 16), 16);
      v128.store(d, v128.load(sp, 32), 32); v128.store(d, v128.load(sp, 48), 48);
      col += 16; sp += 64;
      continue;
    }
    const stop = min(end, (col | 15) + 1);
    for (; col < stop; col++, d += 4, sp += step) store<f32>(d, load<f32>(sp));
  }
  return end;
}

/** Packs rows k0..k0+kc, columns n0..n0+nc of the gathered B into NR-wide panels: (k, col) at bpk + 4·(⌊col/16⌋·16kc + 16(k−k0) + col%16); padding columns are zero. */
function pack_b(job: usize, n0: i32, nc: i32, k0: i32, kc: i32, bpk: usize): void {
  const src = ptr(job, J_SRC);
  const sBatch = fld(job, J_SBATCH), sChan = fld(job, J_SCHAN);
  const T0 = fld(job, J_T), T1 = fld(job, J_T + 1), T2 = fld(job, J_T + 2);
  const U0 = fld(job, J_U), U1 = fld(job, J_U + 1), U2 = fld(job, J_U + 2);
  const S0 = fld(job, J_S), S1 = fld(job, J_S + 1), S2 = fld(job, J_S + 2);
  const mul0 = fld(job, J_MUL), mul1 = fld(job, J_MUL + 1), mul2 = fld(job, J_MUL + 2);
  const st0 = fld(job, J_ST), st1 = fld(job, J_ST + 1), st2 = fld(job, J_ST + 2);
  const offs0 = ptr(job, J_OFFS), offs1 = ptr(job, J_OFFS + 1), offs2 = ptr(job, J_OFFS + 2);
  const ncp = (nc + 15) & ~15;
  const panelStride = <usize>kc << 6; // bytes between panels: 16·kc floats
  // decode the first column once
  let rest = n0;
  const t2s = rest % U2; rest /= U2;
  const t1s = rest % U1; rest /= U1;
  const t0s = rest % U0; const bs = rest / U0;
  // decode the first row k0 = ((c·T0 + j0)·T1 + j1)·T2 + j2, then step the counters
  let rr = k0;
  let j2 = rr % T2; rr /= T2;
  let j1 = rr % T1; rr /= T1;
  let j0 = rr % T0; let c = rr / T0;
  for (let kk = 0; kk < kc; kk++) {
    const o0 = load<i32>(offs0 + (<usize>j0 << 2));
    const o1 = load<i32>(offs1 + (<usize>j1 << 2));
    const o2 = load<i32>(offs2 + (<usize>j2 << 2));
    // valid t2 range: 0 ≤ t2·mul2 + o2 < S2
    let lo2 = o2 >= 0 ? 0 : (-o2 + mul2 - 1) / mul2;
    let hi2 = S2 - o2 <= 0 ? 0 : (S2 - o2 + mul2 - 1) / mul2;
    if (hi2 > U2) hi2 = U2;
    const rowBase = bpk + (<usize>kk << 6);
    let col = 0;
    let t2 = t2s, t1 = t1s, t0 = t0s, b = bs;
    while (col < nc) {
      // one run of t2 values with fixed (b, t0, t1)
      let run = U2 - t2;
      if (run > nc - col) run = nc - col;
      const i0 = t0 * mul0 + o0, i1 = t1 * mul1 + o1;
      const rowOk = i0 >= 0 && i0 < S0 && i1 >= 0 && i1 < S1;
      const base = src + ((<usize>b * <usize>sBatch + <usize>c * <usize>sChan + <usize>(i0 * st0 + i1 * st1) + <usize>(o2 * st2)) << 2);
      const end = t2 + run;
      // three segments: zeros before lo2, the valid source run, zeros after hi2 (no per-element bounds test)
      let a = end, z = end;
      if (rowOk) { a = max(t2, min(lo2, end)); z = max(a, min(hi2, end)); }
      col = zeros(rowBase, panelStride, col, a - t2);
      if (z > a) col = copyRun(rowBase, panelStride, col, base + (<usize>(a * mul2 * st2) << 2), <usize>(mul2 * st2) << 2, z - a);
      col = zeros(rowBase, panelStride, col, end - z);
      t2 = 0;
      if (++t1 == U1) { t1 = 0; if (++t0 == U0) { t0 = 0; b++; } }
    }
    for (; col < ncp; col++) store<f32>(rowBase + <usize>(col >> 4) * panelStride + (<usize>(col & 15) << 2), 0);
    if (++j2 == T2) { j2 = 0; if (++j1 == T1) { j1 = 0; if (++j0 == T0) { j0 = 0; c++; } } }
  }
}

/**
 * dst[b, m, t] += C[m][col] (or = act(C[m][col] + bias[m]) for J_STORE jobs, act by J_RELU: none, max(·, 0),
 * v > 0 ? v : slope·v, or hardswish) for columns n0..n0+nc (C row-major, row stride ldc).
 */
function scatter_add(job: usize, n0: i32, nc: i32, cbuf: usize, ldc: i32): void {
  const M = fld(job, J_M);
  const dst = ptr(job, J_DST);
  const dBatch = fld(job, J_DBATCH), dChan = fld(job, J_DCHAN);
  const U0 = fld(job, J_U), U1 = fld(job, J_U + 1), U2 = fld(job, J_U + 2);
  const ds0 = fld(job, J_DSTEP), ds1 = fld(job, J_DSTEP + 1), ds2 = fld(job, J_DSTEP + 2);
  const storeMode = fld(job, J_STORE) != 0;
  const mode = storeMode ? fld(job, J_RELU) : 0;
  const relu = mode == 1;
  const slope = reinterpret<f32>(fld(job, J_SLOPE)), slopev = f32x4.splat(slope);
  const bias = ptr(job, J_BIAS);
  const zero = f32x4.splat(0);
  let rest = n0;
  const t2s = rest % U2; rest /= U2;
  const t1s = rest % U1; rest /= U1;
  const t0s = rest % U0; const bs = rest / U0;
  for (let m = 0; m < M; m++) {
    const crow = cbuf + (<usize>m * <usize>ldc << 2);
    const bv: f32 = storeMode && bias != 0 ? load<f32>(bias + (<usize>m << 2)) : 0;
    const bvv = f32x4.splat(bv);
    let col = 0;
    let t2 = t2s, t1 = t1s, t0 = t0s, b = bs;
    while (col < nc) {
      let run = U2 - t2;
      if (run > nc - col) run = nc - col;
      let d = dst + ((<usize>b * <usize>dBatch + <usize>m * <usize>dChan + <usize>(t0 * ds0 + t1 * ds1 + t2 * ds2)) << 2);
      const step = <usize>ds2 << 2;
      let cp = crow + (<usize>col << 2);
      let r = 0;
      if (relu) {
        // max(·, 0) propagates NaN and maps −0 to +0, as the JS relu does
        if (ds2 == 1) for (; r + 4 <= run; r += 4, d += 16, cp += 16) v128.store(d, f32x4.max(f32x4.add(v128.load(cp), bvv), zero));
        for (; r < run; r++, d += step, cp += 4) store<f32>(d, max<f32>(load<f32>(cp) + bv, 0));
      } else if (mode == 2) {
        // v or slope·v chosen by v > 0, as the JS loop's v·[slope, 1][v > 0]: NaN gives slope·NaN, −0 gives slope·(−0)
        if (ds2 == 1)
          for (; r + 4 <= run; r += 4, d += 16, cp += 16) {
            const v = f32x4.add(v128.load(cp), bvv);
            v128.store(d, v128.bitselect(v, f32x4.mul(v, slopev), f32x4.gt(v, zero)));
          }
        for (; r < run; r++, d += step, cp += 4) {
          const v = load<f32>(cp) + bv;
          store<f32>(d, v > 0 ? v : v * slope);
        }
      } else if (mode == 3) {
        // hardswish in float64 per lane (assembly/hardswish.ts), as the JS loop over the stored C + bias
        if (ds2 == 1) for (; r + 4 <= run; r += 4, d += 16, cp += 16) v128.store(d, hardswish4(f32x4.add(v128.load(cp), bvv)));
        for (; r < run; r++, d += step, cp += 4) store<f32>(d, hardswish1(load<f32>(cp) + bv));
      } else if (storeMode) {
        if (ds2 == 1) for (; r + 4 <= run; r += 4, d += 16, cp += 16) v128.store(d, f32x4.add(v128.load(cp), bvv));
        for (; r < run; r++, d += step, cp += 4) store<f32>(d, load<f32>(cp) + bv);
      } else {
        if (ds2 == 1) for (; r + 4 <= run; r += 4, d += 16, cp += 16) v128.store(d, f32x4.add(v128.load(d), v128.load(cp)));
        for (; r < run; r++, d += step, cp += 4) store<f32>(d, load<f32>(d) + load<f32>(cp));
      }
      col += run;
      t2 = 0;
      if (++t1 == U1) { t1 = 0; if (++t0 == U0) { t0 = 0; b++; } }
    }
  }
}

/** One task: columns n0..n0+nc of a job. scratch = packed B (KC × ncp) followed at cOff bytes by C (Mpad × ncp). */
export function run_task(job: usize, n0: i32, nc: i32, scratch: usize, cOff: usize): void {
  const M = fld(job, J_M), K = fld(job, J_K);
  const apk = ptr(job, J_APK);
  const Mp = (M + 1) & ~1;
  const ncp = (nc + 15) & ~15;
  const bpk = scratch, cbuf = scratch + cOff;
  if (K == 0) return; // all-zero product: dst keeps its bias
  for (let pc = 0; pc < K; pc += KC) {
    const kc = min(KC, K - pc);
    const first = pc == 0;
    // Goto/BLIS order: pack this K block of B (kc × ncp, L2-resident), then sweep it with every row panel of A
    pack_b(job, n0, nc, pc, kc, bpk);
    for (let ic = 0; ic < Mp; ic += MC) {
      const mEnd = min(ic + MC, Mp);
      for (let jr = 0; jr < ncp; jr += 16) {
        const bp = bpk + (<usize>jr * <usize>kc << 2);
        for (let ir = ic; ir < mEnd; ir += 2) {
          const ap = apk + ((<usize>ir * <usize>K + <usize>pc * 2) << 2);
          micro2x16(kc, ap, bp, cbuf + ((<usize>ir * <usize>ncp + <usize>jr) << 2), ncp, first);
        }
      }
    }
  }
  scatter_add(job, n0, nc, cbuf, ncp);
}

/** Pack task: rows m0..m0+mc (m0 even) of the job's A into its packed panels. */
function pack_rows(job: usize, m0: i32, mc: i32): void {
  const M = fld(job, J_M), K = fld(job, J_K);
  const rows = min(mc, M - m0);
  if (rows <= 0 || K == 0) return;
  const aRow = fld(job, J_AROW);
  pack_a(ptr(job, J_APK) + (<usize>m0 * <usize>K << 2), rows, K, ptr(job, J_ASRC) + (<usize>m0 * <usize>aRow << 2), aRow, fld(job, J_ACHAN),
    fld(job, J_T), fld(job, J_T + 1), fld(job, J_T + 2), ptr(job, J_L), ptr(job, J_L + 1), ptr(job, J_L + 2));
}

/*
 * Transposed convolution by GEMM + col2im (Caffe/MXNet's deconvolution), oriented so the long dimension streams
 * through the micro-kernel's columns: per image b and group, C[m][n] = Σ_k A[m][k]·B[k][n] with
 *   m = grid position (q0, q1, q2) flattened (A = the grid, transposed; packed once per call by "pack" tasks),
 *   k = grid channel of the group, n = icl·kp + tap (B = the weights: w[k·wK + icl·wIcl + tap·wTap]),
 * then image[b, icl, q·s − pb + a·d] += C[m][n] (clipped to the image). A task owns image channels
 * icl0..icl0+nicl of one image, so no two tasks write the same element and each element's sum order is fixed.
 * Record: the X_* fields of src/backends/wasm/interface.ts.
 */
// X_FILL = 1: the task itself fills its (channels-first, contiguous) image channels with the bias (X_BIAS, 0 = zeros,
// X_ISP floats each) right before adding into them: parallel, and the channel is then cache-hot for the scatter
// X_IMGS images per task (their packed A panels are contiguous: one GEMM over all their rows, B packed once), X_BATCH images
/** columns per chunk: the packed B chunk (K × 256) and the C block (MC × 256) of a task */
const NCH: i32 = 256;

/** image[...] += C rows ic..ic+rows (row stride ncp floats), columns n0..n0+nc of image b (see above). */
function col2im_scatter(job: usize, b: i32, m0: i32, rows: i32, n0: i32, nc: i32, cbuf: usize, ncp: i32): void {
  const kp = fld(job, X_KP);
  const k0 = fld(job, X_KER), k1 = fld(job, X_KER + 1), k2 = fld(job, X_KER + 2);
  const s0 = fld(job, X_STR), s1 = fld(job, X_STR + 1), s2 = fld(job, X_STR + 2);
  const d0 = fld(job, X_D), d1 = fld(job, X_D + 1), d2 = fld(job, X_D + 2);
  const p0b = fld(job, X_PB), p1b = fld(job, X_PB + 1), p2b = fld(job, X_PB + 2);
  const I0 = fld(job, X_I), I1 = fld(job, X_I + 1), I2 = fld(job, X_I + 2);
  const G1 = fld(job, X_G + 1), G2 = fld(job, X_G + 2);
  const dChan = fld(job, X_DCHAN), sp0 = fld(job, X_DSTEP), sp1 = fld(job, X_DSTEP + 1), sp2 = fld(job, X_DSTEP + 2);
  const dimg = ptr(job, X_DST) + (<usize>b * <usize>fld(job, X_DBATCH) << 2);
  const step = d2 * sp2;
  // first column's (icl, a0, a1, a2)
  const iclS = n0 / kp, tS = n0 % kp;
  const a2S = tS % k2, a1S = (tS / k2) % k1, a0S = tS / (k2 * k1);
  let q2 = m0 % G2, q1 = (m0 / G2) % G1, q0 = m0 / (G2 * G1);
  for (let r = 0; r < rows; r++) {
    const crow = cbuf + (<usize>r * <usize>ncp << 2);
    const o0 = q0 * s0 - p0b, o1 = q1 * s1 - p1b, o2 = q2 * s2 - p2b;
    // taps a2 with 0 ≤ o2 + a2·d2 < I2
    let lo2 = o2 >= 0 ? 0 : (-o2 + d2 - 1) / d2;
    let hi2 = I2 - o2 <= 0 ? 0 : (I2 - o2 + d2 - 1) / d2;
    if (hi2 > k2) hi2 = k2;
    let icl = iclS, a0 = a0S, a1 = a1S, a2 = a2S, col = 0;
    while (col < nc) {
      let run = k2 - a2;
      if (run > nc - col) run = nc - col;
      const p0 = o0 + a0 * d0, p1 = o1 + a1 * d1;
      if (p0 >= 0 && p0 < I0 && p1 >= 0 && p1 < I1) {
        const lo = max(a2, lo2), hi = min(a2 + run, hi2);
        if (hi > lo) {
          let d = dimg + (<usize>(icl * dChan + p0 * sp0 + p1 * sp1 + (o2 + lo * d2) * sp2) << 2);
          let cp = crow + (<usize>(col + lo - a2) << 2);
          let n = hi - lo;
          if (step == 1) for (; n >= 4; n -= 4, d += 16, cp += 16) v128.store(d, f32x4.add(v128.load(d), v128.load(cp)));
          const st = <usize>step << 2;
          for (; n > 0; n--, d += st, cp += 4) store<f32>(d, load<f32>(d) + load<f32>(cp));
        }
      }
      col += run;
      a2 = 0;
      if (++a1 == k1) { a1 = 0; if (++a0 == k0) { a0 = 0; icl++; } }
    }
    if (++q2 == G2) { q2 = 0; if (++q1 == G1) { q1 = 0; q0++; } }
  }
}

/**
 * One col2im task: images g·imgs.. (g = t / blocks, X_IMGS of them), image channels (t % blocks)·nicl.. of the job.
 * scratch = packed B (K × NCH), then C (MC × NCH) at cOff. The images' packed A panels are contiguous (row r of the
 * task = row r % Mp of image r / Mp), so each B chunk is packed once for all their rows.
 */

export function col2im_task(job: usize, t: i32, scratch: usize, cOff: usize): void {
  const Mr = fld(job, X_M), K = fld(job, X_K), kp = fld(job, X_KP);
  const blocks = fld(job, X_BLOCKS), nicl = fld(job, X_NICL), icpg = fld(job, X_ICPG);
  const imgs = fld(job, X_IMGS), bFirst = (t / blocks) * imgs, bLast = min(fld(job, X_BATCH), bFirst + imgs);
  const icl0 = (t % blocks) * nicl;
  const ncols = min(nicl, icpg - icl0) * kp;
  const Mp = (Mr + 1) & ~1;
  const rowsTot = (bLast - bFirst) * Mp;
  const apk = ptr(job, X_APK) + (<usize>bFirst * <usize>Mp * <usize>K << 2);
  const w = ptr(job, X_W);
  const wK = fld(job, X_WK), wIcl = fld(job, X_WICL), wTap = fld(job, X_WTAP);
  const bpk = scratch, cbuf = scratch + cOff;
  if (fld(job, X_FILL) != 0) {
    const isp = fld(job, X_ISP), bias = ptr(job, X_BIAS);
    const nch = min(nicl, icpg - icl0);
    for (let b = bFirst; b < bLast; b++)
      for (let i = 0; i < nch; i++) {
        const bv: f32 = bias != 0 ? load<f32>(bias + (<usize>(icl0 + i) << 2)) : 0;
        const v = f32x4.splat(bv);
        let d = ptr(job, X_DST) + (<usize>(b * fld(job, X_DBATCH) + (icl0 + i) * fld(job, X_DCHAN)) << 2);
        let n = isp;
        for (; n >= 4; n -= 4, d += 16) v128.store(d, v);
        for (; n > 0; n--, d += 4) store<f32>(d, bv);
      }
  }
  for (let c0 = 0; c0 < ncols; c0 += NCH) {
    const nc = min(NCH, ncols - c0), ncp = (nc + 15) & ~15;
    const n0 = icl0 * kp + c0;
    // pack B: K block pc occupies kc × ncp floats at bpk + 4·pc·ncp, in 16-column panels of kc × 16
    for (let pc = 0; pc < K; pc += KC) {
      const kc = min(KC, K - pc);
      const blk = bpk + (<usize>pc * <usize>ncp << 2);
      let icl = n0 / kp, tap = n0 % kp;
      if (wTap == 1 && kp % 16 == 0) {
        // weights contiguous along the taps and every panel inside one channel: 16-float rows as 4 vectors
        const sk = <usize>wK << 2;
        for (let col = 0; col < nc; col += 16) {
          const d = blk + (<usize>(col >> 4) * <usize>kc << 6);
          let s = w + (<usize>(pc * wK + icl * wIcl + tap) << 2);
          for (let kk = 0; kk < kc; kk++, s += sk) {
            const o = d + (<usize>kk << 6);
            v128.store(o, v128.load(s)); v128.store(o, v128.load(s, 16), 16);
            v128.store(o, v128.load(s, 32), 32); v128.store(o, v128.load(s, 48), 48);
          }
          tap += 16;
          if (tap == kp) { tap = 0; icl++; }
        }
        continue;
      }
      for (let col = 0; col < ncp; col++) {
        const d = blk + (<usize>(col >> 4) * <usize>kc << 6) + (<usize>(col & 15) << 2);
        if (col < nc) {
          let s = w + (<usize>(pc * wK + icl * wIcl + tap * wTap) << 2);
          const sk = <usize>wK << 2;
          for (let kk = 0; kk < kc; kk++, s += sk) store<f32>(d + (<usize>kk << 6), load<f32>(s));
          if (++tap == kp) { tap = 0; icl++; }
        } else {
          for (let kk = 0; kk < kc; kk++) store<f32>(d + (<usize>kk << 6), 0);
        }
      }
    }
    for (let ic = 0; ic < rowsTot; ic += MC) {
      const mEnd = min(ic + MC, rowsTot);
      multiplyRows(apk, K, bpk, ncp, ic, mEnd, cbuf);
      // the block's rows, image by image (padding row Mr of an odd Mp is skipped)
      for (let r = ic; r < mEnd;) {
        const bi = r / Mp, m = r - bi * Mp;
        const here = min(mEnd - r, Mp - m);
        if (m < Mr) col2im_scatter(job, bFirst + bi, m, min(here, Mr - m), n0, nc, cbuf + (<usize>(r - ic) * <usize>ncp << 2), ncp);
        r += here;
      }
    }
  }
}

/*
 * Transposed convolution by GEMM + col2im in the third orientation (few image channels, many grid positions): per
 * image b and group, C[m][n] = Σ_k A[m][k]·B[k][n] with
 *   m = icl·kp + tap (A = the weights transposed: w[k·wK + icl·wIcl + tap·wTap], packed once per call by kind-4 tasks),
 *   k = grid channel of the group, n = grid position of image b (B = the grid, gathered by pack_b through the J_*
 *   fields of the same record: the positions stream through the micro-kernel's columns),
 * then image[b, icl, q·s − pb + a·d] += C[m][n]. A task owns image b's channels icl0..icl0+nicl (rows icl0·kp..,
 * an even row since nicl·kp is even or the block is the whole job), so no two tasks write the same element and each
 * element's sum order is fixed. Record: the Y_* fields of src/backends/wasm/interface.ts (the gemm fields, then its own).
 */

/** Pack task of a wtx job: rows m0..m0+mc of A (m = icl·kp + tap) into compact 2-row panels (assembly/gemm.ts pack_a). */
function wtx_pack(job: usize, m0: i32, mc: i32): void {
  const M = fld(job, J_M), K = fld(job, J_K), kp = fld(job, Y_KP);
  const Mp = (M + 1) & ~1;
  const apk = ptr(job, J_APK), w = ptr(job, Y_W);
  const wK = <usize>fld(job, Y_WK) << 2, wIcl = fld(job, Y_WICL), wTap = fld(job, Y_WTAP);
  const mEnd = min(m0 + mc, Mp);
  for (let m = m0; m < mEnd; m++) {
    let out = apk + ((<usize>(m >> 1) * <usize>K * 2 + <usize>(m & 1)) << 2);
    if (m >= M) {
      for (let k = 0; k < K; k++, out += 8) store<f32>(out, 0);
      continue;
    }
    let s = w + (<usize>((m / kp) * wIcl + (m % kp) * wTap) << 2);
    for (let k = 0; k < K; k++, out += 8, s += wK) store<f32>(out, load<f32>(s));
  }
}

/** n floats: d (step `st` bytes) += c (or = c + bv in store mode); contiguous destinations 4 at a time. */
// @ts-ignore: decorator
@inline function seg(d: usize, cp: usize, n: i32, st: usize, sm: bool, bv: f32): void {
  if (sm) {
    if (st == 4) for (; n >= 4; n -= 4, d += 16, cp += 16) v128.store(d, f32x4.add(v128.load(cp), f32x4.splat(bv)));
    for (; n > 0; n--, d += st, cp += 4) store<f32>(d, load<f32>(cp) + bv);
  } else {
    if (st == 4) for (; n >= 4; n -= 4, d += 16, cp += 16) v128.store(d, f32x4.add(v128.load(d), v128.load(cp)));
    for (; n > 0; n--, d += st, cp += 4) store<f32>(d, load<f32>(d) + load<f32>(cp));
  }
}

/** grid positions q (along the last axis) with 0 ≤ q·s + off < I, as lo | hi << 16 (hi ≤ G) */
// @ts-ignore: decorator
@inline function qrange(off: i32, s: i32, I: i32, G: i32): i32 {
  const lo = off >= 0 ? 0 : (-off + s - 1) / s;
  let hi = I - off <= 0 ? 0 : (I - off + s - 1) / s;
  if (hi > G) hi = G;
  return lo | (hi << 16);
}

/**
 * image b += C rows mS..mS+rows (C row r at cbuf + 4·r·ncp), columns j0..j0+nc of the image's grid positions; in store
 * mode (Y_STORE: every image element gets exactly one contribution) image = C + bias instead, with no fill before.
 * Stride 2 along the contiguous last axis (d = 1, even k): the rows of taps a2, a2 + 1 hit neighbouring image floats,
 * so they are interleaved (zipped) and written 8 floats at a time.
 */
function wtx_scatter(job: usize, b: i32, mS: i32, rows: i32, j0: i32, nc: i32, cbuf: usize, ncp: i32): void {
  const kp = fld(job, Y_KP);
  const k1 = fld(job, Y_KER + 1), k2 = fld(job, Y_KER + 2);
  const s0 = fld(job, Y_STR), s1 = fld(job, Y_STR + 1), s2 = fld(job, Y_STR + 2);
  const d0 = fld(job, Y_D), d1 = fld(job, Y_D + 1), d2 = fld(job, Y_D + 2);
  const I0 = fld(job, Y_I), I1 = fld(job, Y_I + 1), I2 = fld(job, Y_I + 2);
  const G1 = fld(job, J_U + 1), G2 = fld(job, J_U + 2);
  const sp0 = fld(job, Y_DSTEP), sp1 = fld(job, Y_DSTEP + 1), sp2 = fld(job, Y_DSTEP + 2);
  const dChan = fld(job, Y_DCHAN);
  const storeMode = fld(job, Y_STORE) != 0;
  const bias = ptr(job, Y_BIAS);
  const dimg = ptr(job, Y_DST) + (<usize>b * <usize>fld(job, Y_DBATCH) << 2);
  const step = s2 * sp2, st = <usize>step << 2;
  const zip = step == 2 && sp2 == 1 && d2 == 1 && (k2 & 1) == 0;
  const q2S = j0 % G2, q1S = (j0 / G2) % G1, q0S = j0 / (G2 * G1);
  for (let r = 0; r < rows; r++) {
    const m = mS + r, icl = m / kp, tap = m % kp;
    const a2 = tap % k2, a1 = (tap / k2) % k1, a0 = tap / (k2 * k1);
    const off0 = a0 * d0 - fld(job, Y_PB), off1 = a1 * d1 - fld(job, Y_PB + 1), off2 = a2 * d2 - fld(job, Y_PB + 2);
    const bv: f32 = storeMode && bias != 0 ? load<f32>(bias + (<usize>icl << 2)) : 0;
    const pair = zip && (a2 & 1) == 0 && r + 1 < rows;
    const rA = qrange(off2, s2, I2, G2), loA = rA & 0xffff, hiA = rA >>> 16;
    const rB = pair ? qrange(off2 + 1, s2, I2, G2) : 0, loB = rB & 0xffff, hiB = rB >>> 16;
    const dch = dimg + (<usize>(icl * dChan + off2 * sp2) << 2);
    const crow = cbuf + (<usize>r * <usize>ncp << 2), crowB = crow + (<usize>ncp << 2);
    let q0 = q0S, q1 = q1S, q2 = q2S, col = 0;
    while (col < nc) {
      let run = G2 - q2;
      if (run > nc - col) run = nc - col;
      const p0 = q0 * s0 + off0, p1 = q1 * s1 + off1;
      if (p0 >= 0 && p0 < I0 && p1 >= 0 && p1 < I1) {
        const row = dch + (<usize>(p0 * sp0 + p1 * sp1) << 2);
        const ca = crow + (<usize>(col - q2) << 2), cb = crowB + (<usize>(col - q2) << 2);
        const e = q2 + run;
        if (pair) {
          // zipped middle [lo, lo + nv) where both rows are inside the image, single rows around it
          const lo = max(q2, max(loA, loB)), hi = min(e, min(hiA, hiB));
          const nv = hi > lo ? (hi - lo) & ~3 : 0;
          const sA = max(q2, loA), eA = min(e, hiA), sB = max(q2, loB), eB = min(e, hiB);
          const cutA = nv > 0 ? lo : max(sA, eA), cutB = nv > 0 ? lo : max(sB, eB), t = lo + nv;
          seg(row + (<usize>(sA * 2) << 2), ca + (<usize>sA << 2), cutA - sA, 8, storeMode, bv);
          seg(row + (<usize>(sB * 2 + 1) << 2), cb + (<usize>sB << 2), cutB - sB, 8, storeMode, bv);
          if (nv > 0) {
            let d = row + (<usize>(lo * 2) << 2), pa = ca + (<usize>lo << 2), pb = cb + (<usize>lo << 2);
            const bvv = f32x4.splat(bv);
            for (let n = nv; n > 0; n -= 4, d += 32, pa += 16, pb += 16) {
              const x = v128.load(pa), y = v128.load(pb);
              const z0 = v128.shuffle<f32>(x, y, 0, 4, 1, 5), z1 = v128.shuffle<f32>(x, y, 2, 6, 3, 7);
              if (storeMode) { v128.store(d, f32x4.add(z0, bvv)); v128.store(d, f32x4.add(z1, bvv), 16); }
              else { v128.store(d, f32x4.add(v128.load(d), z0)); v128.store(d, f32x4.add(v128.load(d, 16), z1), 16); }
            }
            seg(row + (<usize>(t * 2) << 2), ca + (<usize>t << 2), max(0, eA - t), 8, storeMode, bv);
            seg(row + (<usize>(t * 2 + 1) << 2), cb + (<usize>t << 2), max(0, eB - t), 8, storeMode, bv);
          }
        } else {
          const lo = max(q2, loA), hi = min(e, hiA);
          if (hi > lo) {
            let d = row + (<usize>(lo * step) << 2);
            let cp = ca + (<usize>lo << 2);
            let n = hi - lo;
            if (step == 2 && sp2 == 1 && !storeMode) {
              // stride-2 destination: 4 C values into the even lanes of 8 image floats (their odd lanes + 0); n ≥ 5
              // keeps every touched float before this run's last target, i.e. inside this task's own image row
              for (; n >= 5; n -= 4, d += 32, cp += 16) {
                const c = v128.load(cp);
                v128.store(d, f32x4.add(v128.load(d), v128.shuffle<f32>(c, f32x4.splat(0), 0, 4, 1, 4)));
                v128.store(d, f32x4.add(v128.load(d, 16), v128.shuffle<f32>(c, f32x4.splat(0), 2, 4, 3, 4)), 16);
              }
            }
            seg(d, cp, n, st, storeMode, bv);
          }
        }
      }
      col += run;
      q2 = 0;
      if (++q1 == G1) { q1 = 0; q0++; }
    }
    if (pair) r++;
  }
}

/** One wtx task: image b = t / blocks, image channels (t % blocks)·nicl.. . scratch = packed B (K × NCH), then C (MC × NCH) at cOff. */
export function wtx_task(job: usize, t: i32, scratch: usize, cOff: usize): void {
  const M = fld(job, J_M), K = fld(job, J_K), kp = fld(job, Y_KP);
  const blocks = fld(job, Y_BLOCKS), nicl = fld(job, Y_NICL), icpg = fld(job, Y_ICPG), Gsp = fld(job, Y_GSP);
  const b = t / blocks, icl0 = (t % blocks) * nicl;
  const nch = min(nicl, icpg - icl0);
  const mS = icl0 * kp, mE = mS + nch * kp;
  const apk = ptr(job, J_APK);
  const bpk = scratch, cbuf = scratch + cOff;
  if (fld(job, Y_FILL) != 0) {
    const bias = ptr(job, Y_BIAS);
    const isp = fld(job, Y_ISP);
    for (let i = 0; i < nch; i++) {
      const bv: f32 = bias != 0 ? load<f32>(bias + (<usize>(icl0 + i) << 2)) : 0;
      const v = f32x4.splat(bv);
      let d = ptr(job, Y_DST) + (<usize>(b * fld(job, Y_DBATCH) + (icl0 + i) * fld(job, Y_DCHAN)) << 2);
      let n = isp;
      for (; n >= 4; n -= 4, d += 16) v128.store(d, v);
      for (; n > 0; n--, d += 4) store<f32>(d, bv);
    }
  }
  if (K == 0 || M == 0) return;
  const dense = fld(job, J_ST + 2) == 1;
  for (let j0 = 0; j0 < Gsp; j0 += NCH) {
    const nc = min(NCH, Gsp - j0), ncp = (nc + 15) & ~15;
    if (dense) {
      // the positions are contiguous floats of each grid channel: each channel's run read in order, 16-float panel
      // rows as 4 vectors; K blocks are consecutive, so panel p of block pc sits at bpk + 4·(pc·ncp + p·16·kc)
      const src = ptr(job, J_SRC) + (<usize>(b * fld(job, J_SBATCH) + j0) << 2);
      const sChan = <usize>fld(job, J_SCHAN) << 2;
      const full = nc & ~15;
      for (let pc = 0; pc < K; pc += KC) {
        const kc = min(KC, K - pc);
        const blk = bpk + (<usize>pc * <usize>ncp << 2);
        const pstride = <usize>kc << 6;
        for (let kk = 0; kk < kc; kk++) {
          let sp = src + <usize>(pc + kk) * sChan;
          let d = blk + (<usize>kk << 6);
          let col = 0;
          for (; col < full; col += 16, d += pstride, sp += 64) {
            v128.store(d, v128.load(sp)); v128.store(d, v128.load(sp, 16), 16);
            v128.store(d, v128.load(sp, 32), 32); v128.store(d, v128.load(sp, 48), 48);
          }
          if (col < ncp) {
            const n = nc - col;
            let c = 0;
            for (; c < n; c++) store<f32>(d + (<usize>c << 2), load<f32>(sp + (<usize>c << 2)));
            for (; c < 16; c++) store<f32>(d + (<usize>c << 2), 0);
          }
        }
      }
    } else for (let pc = 0; pc < K; pc += KC) pack_b(job, b * Gsp + j0, nc, pc, min(KC, K - pc), bpk + (<usize>pc * <usize>ncp << 2));
    for (let ic = mS; ic < mE; ic += MC) {
      const mEnd = min(ic + MC, mE);
      multiplyRows(apk, K, bpk, ncp, ic, mEnd, cbuf);
      wtx_scatter(job, b, ic, mEnd - ic, j0, nc, cbuf, ncp);
    }
  }
}

// @ts-ignore: decorator
@inline function activate(v: v128, relu: i32, slopev: v128): v128 {
  if (relu == 1) return f32x4.max(v, f32x4.splat(0));
  // leaky, as scatter_add's: v where v > 0, else v·slope (NaN stays NaN)
  if (relu == 2) return v128.bitselect(v, f32x4.mul(v, slopev), f32x4.gt(v, f32x4.splat(0)));
  return v;
}

/*
 * The depthwise sums of one grid row segment, accumulated in registers: `tab` lists nt tap rows (u32 pairs: the padded
 * image row's address in the scratch, the weight row's address), `offs` the K2 tap offsets (floats) inside a padded row;
 * output column q of tap k reads padded row + offs[k] + q. Taps are added in order, as the direct sums.
 */
function dw16(tab: usize, nt: i32, offs: usize, K2: i32, q: i32, vb: v128, out: usize, relu: i32, slopev: v128): void {
  let a0 = vb, a1 = vb, a2 = vb, a3 = vb;
  for (let t = 0; t < nt; t++) {
    const base = <usize>load<u32>(tab + (<usize>t << 3)) + (<usize>q << 2);
    const wr = <usize>load<u32>(tab + (<usize>t << 3), 4);
    for (let k = 0; k < K2; k++) {
      const wv = v128.load32_splat(wr + (<usize>k << 2));
      const i = base + (<usize>load<i32>(offs + (<usize>k << 2)) << 2);
      a0 = f32x4.add(a0, f32x4.mul(wv, v128.load(i)));
      a1 = f32x4.add(a1, f32x4.mul(wv, v128.load(i, 16)));
      a2 = f32x4.add(a2, f32x4.mul(wv, v128.load(i, 32)));
      a3 = f32x4.add(a3, f32x4.mul(wv, v128.load(i, 48)));
    }
  }
  v128.store(out, activate(a0, relu, slopev));
  v128.store(out, activate(a1, relu, slopev), 16);
  v128.store(out, activate(a2, relu, slopev), 32);
  v128.store(out, activate(a3, relu, slopev), 48);
}

/** dw16 for 8 columns (MobileNet's 8×8 planes). */
function dw8(tab: usize, nt: i32, offs: usize, K2: i32, q: i32, vb: v128, out: usize, relu: i32, slopev: v128): void {
  let a0 = vb, a1 = vb;
  for (let t = 0; t < nt; t++) {
    const base = <usize>load<u32>(tab + (<usize>t << 3)) + (<usize>q << 2);
    const wr = <usize>load<u32>(tab + (<usize>t << 3), 4);
    for (let k = 0; k < K2; k++) {
      const wv = v128.load32_splat(wr + (<usize>k << 2));
      const i = base + (<usize>load<i32>(offs + (<usize>k << 2)) << 2);
      a0 = f32x4.add(a0, f32x4.mul(wv, v128.load(i)));
      a1 = f32x4.add(a1, f32x4.mul(wv, v128.load(i, 16)));
    }
  }
  v128.store(out, activate(a0, relu, slopev));
  v128.store(out, activate(a1, relu, slopev), 16);
}

/** dw16 for the last 1–4 columns (`lanes` of them stored; the padded row has room for the whole vector's reads). */
function dw4(tab: usize, nt: i32, offs: usize, K2: i32, q: i32, vb: v128, out: usize, relu: i32, slopev: v128, lanes: i32): void {
  let a0 = vb;
  for (let t = 0; t < nt; t++) {
    const base = <usize>load<u32>(tab + (<usize>t << 3)) + (<usize>q << 2);
    const wr = <usize>load<u32>(tab + (<usize>t << 3), 4);
    for (let k = 0; k < K2; k++) {
      const wv = v128.load32_splat(wr + (<usize>k << 2));
      a0 = f32x4.add(a0, f32x4.mul(wv, v128.load(base + (<usize>load<i32>(offs + (<usize>k << 2)) << 2))));
    }
  }
  const v = activate(a0, relu, slopev);
  if (lanes >= 4) {
    v128.store(out, v);
    return;
  }
  store<f32>(out, f32x4.extract_lane(v, 0));
  if (lanes > 1) store<f32>(out, f32x4.extract_lane(v, 1), 4);
  if (lanes > 2) store<f32>(out, f32x4.extract_lane(v, 2), 8);
}

/**
 * Copies image row `src` (I2 floats) into a padded row of S2·L floats at `dst`: padded column c holds image column
 * c − P2, zero outside the image, stored by phase (c mod S2, at (c mod S2)·L + c / S2), so that a tap of any stride reads
 * consecutive floats. `tmp` (S2·L floats) is the contiguous padded row when S2 > 1.
 */
function dw_pad_row(src: usize, I2: i32, P2: i32, S2: i32, L: i32, dst: usize, tmp: usize): void {
  const n = S2 * L;
  const row = S2 == 1 ? dst : tmp;
  const left = min(P2, n);
  const count = max(0, min(I2, n - P2));
  // plain loops: the rows are short, and memory.fill/copy are calls into the engine
  let c = 0;
  for (; c < left; c++) store<f32>(row + (<usize>c << 2), 0);
  const to = row + (<usize>left << 2);
  let j = 0;
  for (; j + 4 <= count; j += 4) v128.store(to + (<usize>j << 2), v128.load(src + (<usize>j << 2)));
  for (; j < count; j++) store<f32>(to + (<usize>j << 2), load<f32>(src + (<usize>j << 2)));
  for (c = left + count; c < n; c++) store<f32>(row + (<usize>c << 2), 0);
  if (S2 == 1) return;
  if (S2 == 2) {
    // L is a multiple of 4: each 8 padded columns give 4 even and 4 odd ones
    for (let j = 0; j < L; j += 4) {
      const i = tmp + (<usize>j << 3);
      const lo = v128.load(i), hi = v128.load(i, 16);
      v128.store(dst + (<usize>j << 2), v128.shuffle<f32>(lo, hi, 0, 2, 4, 6));
      v128.store(dst + (<usize>(L + j) << 2), v128.shuffle<f32>(lo, hi, 1, 3, 5, 7));
    }
    return;
  }
  for (let ph = 0; ph < S2; ph++)
    for (let j = 0; j < L; j++) store<f32>(dst + (<usize>(ph * L + j) << 2), load<f32>(tmp + (<usize>(j * S2 + ph) << 2)));
}

/**
 * Depthwise planes p0..p0+np of a dw job (interface.ts). The image rows a band of grid rows reads are first copied into
 * the thread's scratch, zero-padded along the last axis and split by its stride's phases (dw_pad_row); then each grid
 * row is summed in registers, 16, 8 or 4 columns at a time, with no bounds test per tap: a tap outside the image reads
 * a padded zero (only the rows outside it are skipped). Scratch: K2 tap offsets, K0·K1 tap-row pairs, one contiguous
 * padded row, then K0·BAND_ROWS padded rows. K = ∏k is too short for a GEMM to pay (one channel per group).
 */
export function dw_task(job: usize, p0: i32, np: i32, scratch: usize): void {
  const CI = fld(job, D_CI), CG = fld(job, D_CG), gcpg = fld(job, D_GCPG);
  const K0 = fld(job, D_KER), K1 = fld(job, D_KER + 1), K2 = fld(job, D_KER + 2);
  const S0 = fld(job, D_STR), S1 = fld(job, D_STR + 1), S2 = fld(job, D_STR + 2);
  const E0 = fld(job, D_D), E1 = fld(job, D_D + 1), E2 = fld(job, D_D + 2);
  const P0 = fld(job, D_PB), P1 = fld(job, D_PB + 1), P2 = fld(job, D_PB + 2);
  const I0 = fld(job, D_I), I1 = fld(job, D_I + 1), I2 = fld(job, D_I + 2);
  const G0 = fld(job, D_G), G1 = fld(job, D_G + 1), G2 = fld(job, D_G + 2);
  const L = fld(job, D_L), band = fld(job, D_BAND);
  const Isp = I0 * I1 * I2, Gsp = G0 * G1 * G2, kp = K0 * K1 * K2;
  const bias = ptr(job, D_BIAS), relu = fld(job, D_RELU);
  const slopev = f32x4.splat(reinterpret<f32>(fld(job, D_SLOPE)));
  const bandRows = (band - 1) * S1 + (K1 - 1) * E1 + 1;
  const slot = <usize>(S2 * L) << 2;
  const offs = scratch;
  const tab = offs + (<usize>((K2 + 3) & ~3) << 2);
  const tmp = tab + (<usize>((K0 * K1 + 1) & ~1) << 3);
  const rows = tmp + slot;
  for (let k = 0; k < K2; k++) store<i32>(offs + (<usize>k << 2), ((k * E2) % S2) * L + (k * E2) / S2);
  for (let p = p0; p < p0 + np; p++) {
    const n = p / CG, gc = p % CG, ic = gc / gcpg;
    const src = ptr(job, D_SRC) + (<usize>(n * CI + ic) * <usize>Isp << 2);
    const dst = ptr(job, D_DST) + (<usize>p * <usize>Gsp << 2);
    const w = ptr(job, D_W) + (<usize>(gc * kp) << 2);
    const vb = f32x4.splat(bias != 0 ? load<f32>(bias + (<usize>gc << 2)) : 0);
    for (let q0 = 0; q0 < G0; q0++)
      for (let b0 = 0; b0 < G1; b0 += band) {
        const b1 = min(G1, b0 + band);
        const lo1 = b0 * S1 - P1;
        // the band's image rows, for each a0 whose row lies inside the image
        for (let a0 = 0; a0 < K0; a0++) {
          const x0 = q0 * S0 - P0 + a0 * E0;
          if (x0 < 0 || x0 >= I0) continue;
          const x1e = min(I1, (b1 - 1) * S1 - P1 + (K1 - 1) * E1 + 1);
          for (let x1 = max(lo1, 0); x1 < x1e; x1++)
            dw_pad_row(src + (<usize>((x0 * I1 + x1) * I2) << 2), I2, P2, S2, L, rows + <usize>(a0 * bandRows + x1 - lo1) * slot, tmp);
        }
        for (let q1 = b0; q1 < b1; q1++) {
          let nt = 0;
          for (let a0 = 0; a0 < K0; a0++) {
            const x0 = q0 * S0 - P0 + a0 * E0;
            if (x0 < 0 || x0 >= I0) continue;
            for (let a1 = 0; a1 < K1; a1++) {
              const x1 = q1 * S1 - P1 + a1 * E1;
              if (x1 < 0 || x1 >= I1) continue;
              const t = tab + (<usize>nt << 3);
              store<u32>(t, <u32>(rows + <usize>(a0 * bandRows + x1 - lo1) * slot));
              store<u32>(t, <u32>(w + (<usize>((a0 * K1 + a1) * K2) << 2)), 4);
              nt++;
            }
          }
          const out = dst + (<usize>((q0 * G1 + q1) * G2) << 2);
          // hardswish (3) runs over the stored row afterwards, still in L1: one copy of its code, not one per kernel width
          const act = relu == 3 ? 0 : relu;
          let q = 0;
          for (; q + 16 <= G2; q += 16) dw16(tab, nt, offs, K2, q, vb, out + (<usize>q << 2), act, slopev);
          for (; q + 8 <= G2; q += 8) dw8(tab, nt, offs, K2, q, vb, out + (<usize>q << 2), act, slopev);
          for (; q < G2; q += 4) dw4(tab, nt, offs, K2, q, vb, out + (<usize>q << 2), act, slopev, G2 - q);
          if (relu == 3) hardswish_run(out, G2);
        }
      }
  }
}

/*
 * Queue record QUEUE_* and task records TASK_F_* (TASK_WORDS u32 each), task kinds TASK_*: see src/backends/wasm/interface.ts.
 * Every thread calls run_queue with its own scratch and takes tasks until none is left, so work balances itself.
 */
export function run_queue(queue: usize, scratch: usize): i32 {
  const count = load<i32>(queue + (<usize>QUEUE_COUNT << 2));
  const tasks = <usize>load<u32>(queue + (<usize>QUEUE_TASKS << 2));
  const cOff = <usize>load<u32>(queue + (<usize>QUEUE_COFF << 2));
  const next = queue + (<usize>QUEUE_NEXT << 2);
  let done = 0;
  while (true) {
    const i = atomic.add<i32>(next, 1);
    if (i >= count) break;
    const t = tasks + (<usize>(i * TASK_WORDS) << 2);
    const job = <usize>load<u32>(t + (<usize>TASK_F_JOB << 2));
    const n0 = load<i32>(t + (<usize>TASK_F_N0 << 2)), nc = load<i32>(t + (<usize>TASK_F_NC << 2));
    const kind = load<i32>(t + (<usize>TASK_F_KIND << 2));
    if (kind == TASK_PACK) pack_rows(job, n0, nc);
    else if (kind == TASK_COL2IM) col2im_task(job, n0, scratch, cOff);
    else if (kind == TASK_WTX) wtx_task(job, n0, scratch, cOff);
    else if (kind == TASK_WTX_PACK) wtx_pack(job, n0, nc);
    else if (kind == TASK_GEMM) run_task(job, n0, nc, scratch, cOff);
    else if (kind == TASK_WINO_PACK) wino_pack(job, n0, nc);
    else if (kind == TASK_WINO) wino_task(job, n0, nc, scratch, cOff);
    else if (kind == TASK_DW) dw_task(job, n0, nc, scratch);
    else if (kind == TASK_MAXPOOL2) maxpool2_task(job, n0, nc);
    done++;
  }
  return done;
}

/** 1 when the n floats at p are all finite, else 0 (v − v is 0 for finite v, NaN for ±Inf and NaN; NaN sticks in a sum). */
export function all_finite(p: usize, n: i32): i32 {
  let a = f32x4.splat(0), b = a, c = a, d = a;
  let i = 0;
  for (; i + 16 <= n; i += 16, p += 64) {
    const v0 = v128.load(p), v1 = v128.load(p, 16), v2 = v128.load(p, 32), v3 = v128.load(p, 48);
    a = f32x4.add(a, f32x4.sub(v0, v0)); b = f32x4.add(b, f32x4.sub(v1, v1));
    c = f32x4.add(c, f32x4.sub(v2, v2)); d = f32x4.add(d, f32x4.sub(v3, v3));
  }
  let s: f32 = 0;
  for (; i < n; i++, p += 4) { const v = load<f32>(p); s += v - v; }
  const t = f32x4.add(f32x4.add(a, b), f32x4.add(c, d));
  s += f32x4.extract_lane(t, 0) + f32x4.extract_lane(t, 1) + f32x4.extract_lane(t, 2) + f32x4.extract_lane(t, 3);
  return s == 0 ? 1 : 0;
}
