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

/**
 * V_ξ = Bᵀ·d·B for tile columns n0..n0+nc (column = (b·TT1 + τ1)·TT2 + τ2, patch rows 2τ1 + BETA1 + i, columns
 * 2τ2 + BETA2 + j) into 9 packed B matrices of K × ncp at vbuf + ξ·vmat. Per channel and tile row, the 3 grid rows are
 * first copied into zero-padded lines (lines: 3 × LW floats), so the patches need no bounds test; then four tiles at
 * a time with SIMD (even columns = d·0, odd = d·1, even shifted by one = d·2), single tiles at panel edges.
 */
function pack_v(job: usize, n0: i32, nc: i32, ncp: i32, vbuf: usize, vmat: usize, lines: usize, LW: i32): void {
  const K = fld(job, W_K);
  const src = ptr(job, W_SRC);
  const sBatch = fld(job, W_SBATCH), sChan = fld(job, W_SCHAN);
  const Gy = fld(job, W_G + 1), Gx = fld(job, W_G + 2), sty = fld(job, W_ST + 1), stx = fld(job, W_ST + 2);
  const by = fld(job, W_BETA + 1), bx = fld(job, W_BETA + 2);
  const TT1 = fld(job, W_TT + 1), TT2 = fld(job, W_TT + 2);
  const lw = <usize>LW << 2;
  // grid columns bx .. bx + 2·TT2 (+1) land in line positions 0 ..; those inside the grid: [xlo, xhi)
  const xlo = max(0, -bx), xhi = min(2 * TT2 + 1, Gx - bx);
  const rest = n0 / TT2;
  const t2s = n0 % TT2, t1s = rest % TT1, bs = rest / TT1;
  for (let k = 0; k < K; k++) {
    let t2 = t2s, t1 = t1s, b = bs, col = 0;
    const chan = src + (<usize>(k * sChan) << 2);
    while (col < nc) {
      let run = TT2 - t2;
      if (run > nc - col) run = nc - col;
      const y0 = 2 * t1 + by;
      const base = chan + (<usize>(b * sBatch) << 2);
      // the tile row's three grid rows, columns 2·t2 + bx ... as zero-padded lines
      const from = 2 * t2, to = min(2 * (t2 + run) + 1, LW);
      for (let i = 0; i < 3; i++) {
        const line = lines + <usize>i * lw;
        const y = y0 + i;
        const ok = y >= 0 && y < Gy && xhi > xlo;
        const a = ok ? max(from, xlo) : to, z = ok ? min(to, xhi) : to;
        for (let j = from; j < a; j++) store<f32>(line + (<usize>j << 2), 0);
        if (z > a) {
          let sp = base + (<usize>(y * sty + (a + bx) * stx) << 2);
          const st = <usize>stx << 2;
          let j = a;
          if (stx == 1) for (; j + 4 <= z; j += 4, sp += 16) v128.store(line + (<usize>j << 2), v128.load(sp));
          for (; j < z; j++, sp += st) store<f32>(line + (<usize>j << 2), load<f32>(sp));
        }
        for (let j = max(a, z); j < to; j++) store<f32>(line + (<usize>j << 2), 0);
      }
      const l0 = lines, l1 = lines + lw, l2 = lines + 2 * lw;
      for (let e = col + run; col < e;) {
        const xo = <usize>(2 * t2) << 2;
        const d = vbuf + bAt(K, ncp, k, col);
        if (e - col >= 4 && (col & 15) <= 12) {
          // four tiles: line floats 2·t2 .. 2·t2 + 8
          const p0 = l0 + xo, p1 = l1 + xo, p2 = l2 + xo;
          let u = v128.load(p0), v = v128.load(p0, 16);
          const a0 = v128.shuffle<f32>(u, v, 0, 2, 4, 6), a1 = v128.shuffle<f32>(u, v, 1, 3, 5, 7);
          const a2 = v128.shuffle<f32>(a0, v128.load32_splat(p0 + 32), 1, 2, 3, 4);
          u = v128.load(p1); v = v128.load(p1, 16);
          const b0 = v128.shuffle<f32>(u, v, 0, 2, 4, 6), b1 = v128.shuffle<f32>(u, v, 1, 3, 5, 7);
          const b2 = v128.shuffle<f32>(b0, v128.load32_splat(p1 + 32), 1, 2, 3, 4);
          u = v128.load(p2); v = v128.load(p2, 16);
          const c0 = v128.shuffle<f32>(u, v, 0, 2, 4, 6), c1 = v128.shuffle<f32>(u, v, 1, 3, 5, 7);
          const c2 = v128.shuffle<f32>(c0, v128.load32_splat(p2 + 32), 1, 2, 3, 4);
          // Bᵀ along the rows: e0 = d0 − d1, e1 = d1, e2 = d2 − d1; then along the columns
          const e00 = f32x4.sub(a0, b0), e01 = f32x4.sub(a1, b1), e02 = f32x4.sub(a2, b2);
          const e20 = f32x4.sub(c0, b0), e21 = f32x4.sub(c1, b1), e22 = f32x4.sub(c2, b2);
          v128.store(d, f32x4.sub(e00, e01)); v128.store(d + vmat, e01); v128.store(d + 2 * vmat, f32x4.sub(e02, e01));
          v128.store(d + 3 * vmat, f32x4.sub(b0, b1)); v128.store(d + 4 * vmat, b1); v128.store(d + 5 * vmat, f32x4.sub(b2, b1));
          v128.store(d + 6 * vmat, f32x4.sub(e20, e21)); v128.store(d + 7 * vmat, e21); v128.store(d + 8 * vmat, f32x4.sub(e22, e21));
          col += 4; t2 += 4;
          continue;
        }
        const d00 = load<f32>(l0 + xo), d01 = load<f32>(l0 + xo, 4), d02 = load<f32>(l0 + xo, 8);
        const d10 = load<f32>(l1 + xo), d11 = load<f32>(l1 + xo, 4), d12 = load<f32>(l1 + xo, 8);
        const d20 = load<f32>(l2 + xo), d21 = load<f32>(l2 + xo, 4), d22 = load<f32>(l2 + xo, 8);
        const e00 = d00 - d10, e01 = d01 - d11, e02 = d02 - d12;
        const e20 = d20 - d10, e21 = d21 - d11, e22 = d22 - d12;
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

/**
 * image = Aᵀ·M·A + bias for rows m0..m0+rows (M_ξ row r at cbuf + ξ·cmat + 4·r·ncp), tile columns n0..n0+nc; four
 * whole tiles of a row at a time with SIMD (the phase's outputs interleave with other phases': lane stores).
 */
function unpack_y(job: usize, m0: i32, rows: i32, n0: i32, nc: i32, ncp: i32, cbuf: usize, cmat: usize): void {
  const dst = ptr(job, W_DST), bias = ptr(job, W_BIAS);
  const dBatch = fld(job, W_DBATCH), dChan = fld(job, W_DCHAN);
  const s1 = <usize>fld(job, W_DSTEP + 1) << 2, s2 = <usize>fld(job, W_DSTEP + 2) << 2;
  const NT1 = fld(job, W_NT + 1), NT2 = fld(job, W_NT + 2);
  const TT1 = fld(job, W_TT + 1), TT2 = fld(job, W_TT + 2);
  // tiles τ2 < full2 have both columns inside the phase
  const full2 = NT2 >> 1;
  const rest = n0 / TT2;
  const t2s = n0 % TT2, t1s = rest % TT1, bs = rest / TT1;
  for (let r = 0; r < rows; r++) {
    const m = m0 + r;
    const bv: f32 = bias != 0 ? load<f32>(bias + (<usize>m << 2)) : 0;
    const bvv = f32x4.splat(bv);
    const c = cbuf + (<usize>(r * ncp) << 2);
    let t2 = t2s, t1 = t1s, b = bs, col = 0;
    while (col < nc) {
      let run = TT2 - t2;
      if (run > nc - col) run = nc - col;
      const u1 = 2 * t1;
      const two = u1 + 1 < NT1; // the tile's second row exists
      const row = dst + (<usize>(b * dBatch + m * dChan) << 2) + <usize>u1 * s1;
      for (let e = col + run; col < e;) {
        const p = c + (<usize>col << 2);
        let q = row + <usize>(2 * t2) * s2;
        if (two && e - col >= 4 && t2 + 4 <= full2) {
          const m00 = v128.load(p), m01 = v128.load(p + cmat), m02 = v128.load(p + 2 * cmat);
          const m10 = v128.load(p + 3 * cmat), m11 = v128.load(p + 4 * cmat), m12 = v128.load(p + 5 * cmat);
          const m20 = v128.load(p + 6 * cmat), m21 = v128.load(p + 7 * cmat), m22 = v128.load(p + 8 * cmat);
          // Aᵀ along the rows, then along the columns
          const a0 = f32x4.add(m00, m10), a1 = f32x4.add(m01, m11), a2 = f32x4.add(m02, m12);
          const b0 = f32x4.add(m10, m20), b1 = f32x4.add(m11, m21), b2 = f32x4.add(m12, m22);
          const y00 = f32x4.add(f32x4.add(a0, a1), bvv), y01 = f32x4.add(f32x4.add(a1, a2), bvv);
          const y10 = f32x4.add(f32x4.add(b0, b1), bvv), y11 = f32x4.add(f32x4.add(b1, b2), bvv);
          const q1 = q + s1;
          store<f32>(q, f32x4.extract_lane(y00, 0)); store<f32>(q + s2, f32x4.extract_lane(y01, 0));
          store<f32>(q1, f32x4.extract_lane(y10, 0)); store<f32>(q1 + s2, f32x4.extract_lane(y11, 0));
          q += 2 * s2;
          store<f32>(q, f32x4.extract_lane(y00, 1)); store<f32>(q + s2, f32x4.extract_lane(y01, 1));
          store<f32>(q + s1, f32x4.extract_lane(y10, 1)); store<f32>(q + s1 + s2, f32x4.extract_lane(y11, 1));
          q += 2 * s2;
          store<f32>(q, f32x4.extract_lane(y00, 2)); store<f32>(q + s2, f32x4.extract_lane(y01, 2));
          store<f32>(q + s1, f32x4.extract_lane(y10, 2)); store<f32>(q + s1 + s2, f32x4.extract_lane(y11, 2));
          q += 2 * s2;
          store<f32>(q, f32x4.extract_lane(y00, 3)); store<f32>(q + s2, f32x4.extract_lane(y01, 3));
          store<f32>(q + s1, f32x4.extract_lane(y10, 3)); store<f32>(q + s1 + s2, f32x4.extract_lane(y11, 3));
          col += 4; t2 += 4;
          continue;
        }
        const m00 = load<f32>(p), m01 = load<f32>(p + cmat), m02 = load<f32>(p + 2 * cmat);
        const m10 = load<f32>(p + 3 * cmat), m11 = load<f32>(p + 4 * cmat), m12 = load<f32>(p + 5 * cmat);
        const m20 = load<f32>(p + 6 * cmat), m21 = load<f32>(p + 7 * cmat), m22 = load<f32>(p + 8 * cmat);
        const a0 = m00 + m10, a1 = m01 + m11, a2 = m02 + m12;
        const b0 = m10 + m20, b1 = m11 + m21, b2 = m12 + m22;
        const wide = 2 * t2 + 1 < NT2;
        store<f32>(q, a0 + a1 + bv);
        if (wide) store<f32>(q + s2, a1 + a2 + bv);
        if (two) {
          store<f32>(q + s1, b0 + b1 + bv);
          if (wide) store<f32>(q + s1 + s2, b1 + b2 + bv);
        }
        col++; t2++;
      }
      t2 = 0;
      if (++t1 == TT1) { t1 = 0; b++; }
    }
  }
}

/**
 * One Winograd task: tile columns n0..n0+nc of a job. scratch = the 9 packed V_ξ (K × ncp each), then at cOff the 9
 * M_ξ blocks (MC × ncp each), then 3 zero-padded grid lines of 2·TT2 + 1 floats (rounded up to 16). Every image
 * element of the phase is written once (bias added), so no fill is needed.
 */
export function wino_task(job: usize, n0: i32, nc: i32, scratch: usize, cOff: usize): void {
  const M = fld(job, W_M), K = fld(job, W_K);
  const Mp = (M + 1) & ~1;
  const ncp = (nc + 15) & ~15;
  const vmat = <usize>K * <usize>ncp << 2, cmat = <usize>MC * <usize>ncp << 2;
  const amat = <usize>Mp * <usize>K << 4;
  const apk = ptr(job, W_APK), cbuf = scratch + cOff;
  const LW = (2 * fld(job, W_TT + 2) + 16) & ~15;
  pack_v(job, n0, nc, ncp, scratch, vmat, cbuf + 9 * cmat, LW);
  for (let ic = 0; ic < Mp; ic += MC) {
    const mEnd = min(ic + MC, Mp);
    for (let x = 0; x < 9; x++) multiplyRows(apk + <usize>x * amat, K, scratch + <usize>x * vmat, ncp, ic, mEnd, cbuf + <usize>x * cmat);
    unpack_y(job, ic, min(mEnd, M) - ic, n0, nc, ncp, cbuf, cmat);
  }
}
