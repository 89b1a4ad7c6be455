// Winograd F(2×2, 2×2) tasks for transposed convolutions whose phases all have 2 taps per axis (k = 2s, d = 1, 2-D).
//
// Per axis a phase is the stride-1 correlation y[u] = d[u]·g0 + d[u+1]·g1 (Lavin & Gray, "Fast Algorithms for
// Convolutional Neural Networks", 2016): two outputs from three inputs with three products instead of four,
//   m0 = (d0 − d1)·g0,  m1 = d1·(g0 + g1),  m2 = (d2 − d1)·g1;   y0 = m0 + m1,  y1 = m1 + m2
// (Bᵀ = [1 −1 0; 0 1 0; 0 −1 1], G = [1 0; 1 1; 0 1], Aᵀ = [1 1 0; 0 1 1]). In 2-D a 2×2 output tile takes 9 products
// per channel pair instead of 16: for each ξ of the 3×3 transform, a GEMM M_ξ[m][tile] = Σ_k U_ξ[m][k]·V_ξ[k][tile].
// Record: the W_* fields of src/backends/wasm/interface.ts.
import { KC, MC, multiplyRows } from "./gemm";
import {
  W_APK, W_BETA, W_BIAS, W_DBATCH, W_DCHAN, W_DST, W_DSTEP, W_G, W_K, W_M, W_NT, W_SBATCH, W_SCHAN, W_SRC, W_ST, W_TT,
  W_W, W_WICL, W_WK, W_WO00, W_WO01, W_WO10, W_WO11,
} from "./interface.generated";

// @ts-ignore: decorator
@inline function fld(job: usize, i: i32): i32 { return load<i32>(job + (<usize>i << 2)); }
// @ts-ignore: decorator
@inline function ptr(job: usize, i: i32): usize { return <usize>load<u32>(job + (<usize>i << 2)); }

/**
 * Pack task: rows m0..m0+mc of the 9 matrices U_ξ = G·g·Gᵀ (ξ = 3ξ0 + ξ1), each in pre-broadcast 2-row panels
 * (element (m, k) of matrix ξ at APK + ξ·Mp·K·16 + 16·(⌊m/2⌋·2K + 2k + m%2), as assembly/gemm.ts pack_a).
 */
export function wino_pack(job: usize, m0: i32, mc: i32): void {
  const M = fld(job, W_M), K = fld(job, W_K);
  const Mp = (M + 1) & ~1;
  const mat = <usize>Mp * <usize>K << 4;
  const apk = ptr(job, W_APK), w = ptr(job, W_W);
  const wK = <usize>fld(job, W_WK) << 2, wIcl = fld(job, W_WICL);
  const o00 = <usize>fld(job, W_WO00) << 2, o01 = <usize>fld(job, W_WO01) << 2;
  const o10 = <usize>fld(job, W_WO10) << 2, o11 = <usize>fld(job, W_WO11) << 2;
  const mEnd = min(m0 + mc, Mp);
  for (let m = m0; m < mEnd; m++) {
    let out = apk + ((<usize>(m >> 1) * <usize>K * 2 + <usize>(m & 1)) << 4);
    if (m >= M) {
      for (let k = 0; k < K; k++, out += 32) for (let x = 0; x < 9; x++) v128.store(out + <usize>x * mat, f32x4.splat(0));
      continue;
    }
    let s = w + (<usize>(m * wIcl) << 2);
    for (let k = 0; k < K; k++, out += 32, s += wK) {
      const g00 = load<f32>(s + o00), g01 = load<f32>(s + o01), g10 = load<f32>(s + o10), g11 = load<f32>(s + o11);
      // G along axis 1 (rows), then along axis 2
      const r10 = g00 + g10, r11 = g01 + g11;
      v128.store(out, f32x4.splat(g00));
      v128.store(out + mat, f32x4.splat(g00 + g01));
      v128.store(out + 2 * mat, f32x4.splat(g01));
      v128.store(out + 3 * mat, f32x4.splat(r10));
      v128.store(out + 4 * mat, f32x4.splat(r10 + r11));
      v128.store(out + 5 * mat, f32x4.splat(r11));
      v128.store(out + 6 * mat, f32x4.splat(g10));
      v128.store(out + 7 * mat, f32x4.splat(g10 + g11));
      v128.store(out + 8 * mat, f32x4.splat(g11));
    }
  }
}

/** Byte offset of element (k, col) in a KC-blocked packed B of ncp columns (assembly/gemm.ts multiplyRows). */
// @ts-ignore: decorator
@inline function bAt(K: i32, ncp: i32, k: i32, col: i32): usize {
  const pc = k - k % KC, kc = min(KC, K - pc);
  return (<usize>pc * <usize>ncp + <usize>(col >> 4) * <usize>kc * 16 + <usize>(k - pc) * 16 + <usize>(col & 15)) << 2;
}

/** Grid value at row y, column x of a channel (0 outside the grid). */
// @ts-ignore: decorator
@inline function at(base: usize, y: i32, x: i32, Gy: i32, Gx: i32, sty: i32, stx: i32): f32 {
  return y >= 0 && y < Gy && x >= 0 && x < Gx ? load<f32>(base + (<usize>(y * sty + x * stx) << 2)) : 0;
}

/**
 * V_ξ = Bᵀ·d·B for tile columns n0..n0+nc (column = (b·TT1 + τ1)·TT2 + τ2, patch rows 2τ1 + BETA1 + i, columns
 * 2τ2 + BETA2 + j) into 9 packed B matrices of K × ncp at vbuf + ξ·vmat. Four tiles of one row at a time with SIMD where
 * their 9 grid columns are inside the grid and contiguous; single tiles elsewhere.
 */
function pack_v(job: usize, n0: i32, nc: i32, ncp: i32, vbuf: usize, vmat: usize): void {
  const K = fld(job, W_K);
  const src = ptr(job, W_SRC);
  const sBatch = fld(job, W_SBATCH), sChan = fld(job, W_SCHAN);
  const Gy = fld(job, W_G + 1), Gx = fld(job, W_G + 2), sty = fld(job, W_ST + 1), stx = fld(job, W_ST + 2);
  const by = fld(job, W_BETA + 1), bx = fld(job, W_BETA + 2);
  const TT1 = fld(job, W_TT + 1), TT2 = fld(job, W_TT + 2);
  const rest = n0 / TT2;
  const t2s = n0 % TT2, t1s = rest % TT1, bs = rest / TT1;
  for (let k = 0; k < K; k++) {
    let t2 = t2s, t1 = t1s, b = bs, col = 0;
    const chan = src + (<usize>(k * sChan) << 2);
    while (col < nc) {
      let run = TT2 - t2;
      if (run > nc - col) run = nc - col;
      const base = chan + (<usize>(b * sBatch) << 2);
      const y0 = 2 * t1 + by;
      const r0ok = y0 >= 0 && y0 < Gy, r1ok = y0 + 1 >= 0 && y0 + 1 < Gy, r2ok = y0 + 2 >= 0 && y0 + 2 < Gy;
      const row0 = base + (<usize>(y0 * sty) << 2), row1 = row0 + (<usize>sty << 2), row2 = row1 + (<usize>sty << 2);
      const end = col + run;
      while (col < end) {
        const x0 = 2 * t2 + bx;
        if (stx == 1 && (col & 3) == 0 && end - col >= 4 && x0 >= 0 && x0 + 8 < Gx) {
          // four tiles: grid columns x0..x0+8, even ones = d·0 and d·2 (shifted by one), odd ones = d·1
          const z = f32x4.splat(0);
          let a0 = z, a1 = z, a2 = z, b0 = z, b1 = z, b2 = z, c0 = z, c1 = z, c2 = z;
          const xo = <usize>x0 << 2;
          if (r0ok) {
            const p = row0 + xo, l0 = v128.load(p), l1 = v128.load(p, 16);
            a0 = v128.shuffle<f32>(l0, l1, 0, 2, 4, 6); a1 = v128.shuffle<f32>(l0, l1, 1, 3, 5, 7);
            a2 = v128.shuffle<f32>(a0, v128.load32_splat(p + 32), 1, 2, 3, 4);
          }
          if (r1ok) {
            const p = row1 + xo, l0 = v128.load(p), l1 = v128.load(p, 16);
            b0 = v128.shuffle<f32>(l0, l1, 0, 2, 4, 6); b1 = v128.shuffle<f32>(l0, l1, 1, 3, 5, 7);
            b2 = v128.shuffle<f32>(b0, v128.load32_splat(p + 32), 1, 2, 3, 4);
          }
          if (r2ok) {
            const p = row2 + xo, l0 = v128.load(p), l1 = v128.load(p, 16);
            c0 = v128.shuffle<f32>(l0, l1, 0, 2, 4, 6); c1 = v128.shuffle<f32>(l0, l1, 1, 3, 5, 7);
            c2 = v128.shuffle<f32>(c0, v128.load32_splat(p + 32), 1, 2, 3, 4);
          }
          // Bᵀ along the rows: e0 = d0 − d1, e1 = d1, e2 = d2 − d1
          const e00 = f32x4.sub(a0, b0), e01 = f32x4.sub(a1, b1), e02 = f32x4.sub(a2, b2);
          const e20 = f32x4.sub(c0, b0), e21 = f32x4.sub(c1, b1), e22 = f32x4.sub(c2, b2);
          const d = vbuf + bAt(K, ncp, k, col);
          v128.store(d, f32x4.sub(e00, e01)); v128.store(d + vmat, e01); v128.store(d + 2 * vmat, f32x4.sub(e02, e01));
          v128.store(d + 3 * vmat, f32x4.sub(b0, b1)); v128.store(d + 4 * vmat, b1); v128.store(d + 5 * vmat, f32x4.sub(b2, b1));
          v128.store(d + 6 * vmat, f32x4.sub(e20, e21)); v128.store(d + 7 * vmat, e21); v128.store(d + 8 * vmat, f32x4.sub(e22, e21));
          col += 4; t2 += 4;
          continue;
        }
        const d00 = at(base, y0, x0, Gy, Gx, sty, stx), d01 = at(base, y0, x0 + 1, Gy, Gx, sty, stx), d02 = at(base, y0, x0 + 2, Gy, Gx, sty, stx);
        const d10 = at(base, y0 + 1, x0, Gy, Gx, sty, stx), d11 = at(base, y0 + 1, x0 + 1, Gy, Gx, sty, stx), d12 = at(base, y0 + 1, x0 + 2, Gy, Gx, sty, stx);
        const d20 = at(base, y0 + 2, x0, Gy, Gx, sty, stx), d21 = at(base, y0 + 2, x0 + 1, Gy, Gx, sty, stx), d22 = at(base, y0 + 2, x0 + 2, Gy, Gx, sty, stx);
        const e00 = d00 - d10, e01 = d01 - d11, e02 = d02 - d12;
        const e20 = d20 - d10, e21 = d21 - d11, e22 = d22 - d12;
        const d = vbuf + bAt(K, ncp, k, col);
        store<f32>(d, e00 - e01); store<f32>(d + vmat, e01); store<f32>(d + 2 * vmat, e02 - e01);
        store<f32>(d + 3 * vmat, d10 - d11); store<f32>(d + 4 * vmat, d11); store<f32>(d + 5 * vmat, d12 - d11);
        store<f32>(d + 6 * vmat, e20 - e21); store<f32>(d + 7 * vmat, e21); store<f32>(d + 8 * vmat, e22 - e21);
        col++; t2++;
      }
      t2 = 0;
      if (++t1 == TT1) { t1 = 0; b++; }
    }
    // padding columns of the last panel
    for (let c = nc; c < ncp; c++) {
      const d = vbuf + bAt(K, ncp, k, c);
      for (let x = 0; x < 9; x++) store<f32>(d + <usize>x * vmat, 0);
    }
  }
}

/** image = Aᵀ·M·A + bias for rows m0..m0+rows (M_ξ row r at cbuf + ξ·cmat + 4·r·ncp), tile columns n0..n0+nc. */
function unpack_y(job: usize, m0: i32, rows: i32, n0: i32, nc: i32, ncp: i32, cbuf: usize, cmat: usize): void {
  const dst = ptr(job, W_DST), bias = ptr(job, W_BIAS);
  const dBatch = fld(job, W_DBATCH), dChan = fld(job, W_DCHAN);
  const s1 = <usize>fld(job, W_DSTEP + 1) << 2, s2 = <usize>fld(job, W_DSTEP + 2) << 2;
  const NT1 = fld(job, W_NT + 1), NT2 = fld(job, W_NT + 2);
  const TT1 = fld(job, W_TT + 1), TT2 = fld(job, W_TT + 2);
  const rest = n0 / TT2;
  const t2s = n0 % TT2, t1s = rest % TT1, bs = rest / TT1;
  for (let r = 0; r < rows; r++) {
    const m = m0 + r;
    const bv: f32 = bias != 0 ? load<f32>(bias + (<usize>m << 2)) : 0;
    const c = cbuf + (<usize>(r * ncp) << 2);
    let t2 = t2s, t1 = t1s, b = bs, col = 0;
    while (col < nc) {
      let run = TT2 - t2;
      if (run > nc - col) run = nc - col;
      const u1 = 2 * t1;
      const two = u1 + 1 < NT1; // the tile's second row exists
      const row = dst + (<usize>(b * dBatch + m * dChan) << 2) + <usize>u1 * s1;
      for (let e = col + run; col < e; col++, t2++) {
        const p = c + (<usize>col << 2);
        const m00 = load<f32>(p), m01 = load<f32>(p + cmat), m02 = load<f32>(p + 2 * cmat);
        const m10 = load<f32>(p + 3 * cmat), m11 = load<f32>(p + 4 * cmat), m12 = load<f32>(p + 5 * cmat);
        const m20 = load<f32>(p + 6 * cmat), m21 = load<f32>(p + 7 * cmat), m22 = load<f32>(p + 8 * cmat);
        // Aᵀ along the rows, then along the columns
        const a0 = m00 + m10, a1 = m01 + m11, a2 = m02 + m12;
        const b0 = m10 + m20, b1 = m11 + m21, b2 = m12 + m22;
        const u2 = 2 * t2;
        const q = row + <usize>u2 * s2;
        store<f32>(q, a0 + a1 + bv);
        if (u2 + 1 < NT2) store<f32>(q + s2, a1 + a2 + bv);
        if (two) {
          store<f32>(q + s1, b0 + b1 + bv);
          if (u2 + 1 < NT2) store<f32>(q + s1 + s2, b1 + b2 + bv);
        }
      }
      t2 = 0;
      if (++t1 == TT1) { t1 = 0; b++; }
    }
  }
}

/**
 * One Winograd task: tile columns n0..n0+nc of a job. scratch = the 9 packed V_ξ (K × ncp each), then at cOff the 9
 * M_ξ blocks (MC × ncp each). Every image element of the phase is written once (bias added), so no fill is needed.
 */
export function wino_task(job: usize, n0: i32, nc: i32, scratch: usize, cOff: usize): void {
  const M = fld(job, W_M), K = fld(job, W_K);
  const Mp = (M + 1) & ~1;
  const ncp = (nc + 15) & ~15;
  const vmat = <usize>K * <usize>ncp << 2, cmat = <usize>MC * <usize>ncp << 2;
  const amat = <usize>Mp * <usize>K << 4;
  const apk = ptr(job, W_APK), cbuf = scratch + cOff;
  pack_v(job, n0, nc, ncp, scratch, vmat);
  for (let ic = 0; ic < Mp; ic += MC) {
    const mEnd = min(ic + MC, Mp);
    for (let x = 0; x < 9; x++) multiplyRows(apk + <usize>x * amat, K, scratch + <usize>x * vmat, ncp, ic, mEnd, cbuf + <usize>x * cmat);
    unpack_y(job, ic, min(mEnd, M) - ic, n0, nc, ncp, cbuf, cmat);
  }
}
