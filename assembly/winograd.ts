// Winograd F(2×2, 2×2) and F(2×2, 3×3) tasks: stride-1 2-D correlations with 2 or 3 taps per axis (the phases of a
// k = 2s transposed convolution, k3 s1 convolutions and their transposes).
//
// Per axis, y[u] = Σ_i d[u + i]·g_i for two outputs at a time (Lavin & Gray, "Fast Algorithms for Convolutional Neural
// Networks", 2016):
//   R = 2: m0 = (d0 − d1)·g0, m1 = d1·(g0 + g1), m2 = (d2 − d1)·g1;  y0 = m0 + m1, y1 = m1 + m2
//          (Bᵀ = [1 −1 0; 0 1 0; 0 −1 1], G = [1 0; 1 1; 0 1], Aᵀ = [1 1 0; 0 1 1]): 3 products instead of 4;
//   R = 3: m0 = (d0 − d2)·g0, m1 = (d1 + d2)·(g0 + g1 + g2)/2, m2 = (d2 − d1)·(g0 − g1 + g2)/2, m3 = (d1 − d3)·g2;
//          y0 = m0 + m1 + m2, y1 = m1 − m2 − m3: 4 products instead of 6.
// In 2-D a 2×2 output tile takes (R + 1)² products per channel pair instead of 4R²: for each ξ of the transform, a GEMM
// M_ξ[m][tile] = Σ_k U_ξ[m][k]·V_ξ[k][tile] (U = G·g·Gᵀ, V = Bᵀ·d·B), then y = Aᵀ·M·A.
// F(4×4, 3×3) (TILE = 4, same paper): 6 taps of d per axis give 4 outputs with 6 products, 36 per 16 outputs in 2-D
// (2.25 per output against F(2×2, 3×3)'s 4), with
//   G  = [1/4 0 0; −1/6 −1/6 −1/6; −1/6 1/6 −1/6; 1/24 1/12 1/6; 1/24 −1/12 1/6; 0 0 1],
//   Bᵀ = [4 0 −5 0 1 0; 0 −4 −4 1 1 0; 0 4 −4 −1 1 0; 0 −2 −1 2 1 0; 0 2 −1 −2 1 0; 0 4 0 −5 0 1],
//   Aᵀ = [1 1 1 1 1 0; 0 1 −1 2 −2 0; 0 1 1 4 4 0; 0 1 −1 8 −8 1]
// (test/backends/wasm/winograd4.test.ts checks Aᵀ[(G·g)⊙(Bᵀ·d)] = the direct correlation in float64). Its larger
// coefficients cost accuracy: U is computed in float64 and rounded once.
// Record: the W_* fields of src/backends/wasm/interface.ts.
import { KC, MC, multiplyRows } from "./gemm";
import {
  W_APK, W_BETA, W_BIAS, W_DBATCH, W_DCHAN, W_DST, W_DSTEP, W_G, W_K, W_M, W_NT, W_R, W_RELU, W_SBATCH, W_SCHAN, W_SRC, W_ST, W_TT,
  W_TILE, W_W, W_WK, W_WM, W_WX, W_WY,
} from "./interface.generated";

// @ts-ignore: decorator
@inline function fld(job: usize, i: i32): i32 { return load<i32>(job + (<usize>i << 2)); }
// @ts-ignore: decorator
@inline function ptr(job: usize, i: i32): usize { return <usize>load<u32>(job + (<usize>i << 2)); }

/**
 * Pack task: rows m0..m0+mc of the (R + 1)² matrices U_ξ = G·g·Gᵀ (ξ = (R + 1)·ξ1 + ξ2), each in compact 2-row
 * panels (element (m, k) of matrix ξ at APK + ξ·Mp·K·4 + 4·(⌊m/2⌋·2K + 2k + m%2), read by micro2x16).
 */
export function wino_pack(job: usize, m0: i32, mc: i32): void {
  const M = fld(job, W_M), K = fld(job, W_K), R = fld(job, W_R), T = fld(job, W_TILE);
  const X = (T + R - 1) * (T + R - 1);
  const Mp = (M + 1) & ~1;
  const mat = <usize>Mp * <usize>K << 2;
  const apk = ptr(job, W_APK), w = ptr(job, W_W);
  const wK = <usize>fld(job, W_WK) << 2, wM = fld(job, W_WM);
  const y0 = fld(job, W_WY), y1 = fld(job, W_WY + 1), y2 = fld(job, W_WY + 2);
  const x0 = fld(job, W_WX), x1 = fld(job, W_WX + 1), x2 = fld(job, W_WX + 2);
  const o00 = <usize>(y0 + x0) << 2, o01 = <usize>(y0 + x1) << 2, o02 = <usize>(y0 + x2) << 2;
  const o10 = <usize>(y1 + x0) << 2, o11 = <usize>(y1 + x1) << 2, o12 = <usize>(y1 + x2) << 2;
  const o20 = <usize>(y2 + x0) << 2, o21 = <usize>(y2 + x1) << 2, o22 = <usize>(y2 + x2) << 2;
  const mEnd = min(m0 + mc, Mp);
  for (let m = m0; m < mEnd; m++) {
    let out = apk + ((<usize>(m >> 1) * <usize>K * 2 + <usize>(m & 1)) << 2);
    if (m >= M) {
      for (let k = 0; k < K; k++, out += 8) for (let x = 0; x < X; x++) store<f32>(out + <usize>x * mat, 0);
      continue;
    }
    let s = w + (<usize>(m * wM) << 2);
    if (R == 2) {
      for (let k = 0; k < K; k++, out += 8, s += wK) {
        const g00 = load<f32>(s + o00), g01 = load<f32>(s + o01), g10 = load<f32>(s + o10), g11 = load<f32>(s + o11);
        // G along axis 1 (rows), then along axis 2
        const r10 = g00 + g10, r11 = g01 + g11;
        store<f32>(out, (g00));
        store<f32>(out + mat, (g00 + g01));
        store<f32>(out + 2 * mat, (g01));
        store<f32>(out + 3 * mat, (r10));
        store<f32>(out + 4 * mat, (r10 + r11));
        store<f32>(out + 5 * mat, (r11));
        store<f32>(out + 6 * mat, (g10));
        store<f32>(out + 7 * mat, (g10 + g11));
        store<f32>(out + 8 * mat, (g11));
      }
      continue;
    }
    if (T == 4) {
      // one row a of G·g at a time: 6 output streams instead of 36 (the matrices are a power-of-two size apart, and 36
      // interleaved streams thrashed the caches: 256→256 @4² took 25 ms, row by row 7.7)
      for (let a = 0; a < 6; a++) {
        const c0 = gq(a, 1, 0, 0), c1 = gq(a, 0, 1, 0), c2 = gq(a, 0, 0, 1);
        let o = out + <usize>(6 * a) * mat, ss = s;
        for (let k = 0; k < K; k++, o += 8, ss += wK) {
          // row a of G·g (G along axis 1), in float64, then G along axis 2
          const t0 = c0 * <f64>load<f32>(ss + o00) + c1 * <f64>load<f32>(ss + o10) + c2 * <f64>load<f32>(ss + o20);
          const t1 = c0 * <f64>load<f32>(ss + o01) + c1 * <f64>load<f32>(ss + o11) + c2 * <f64>load<f32>(ss + o21);
          const t2 = c0 * <f64>load<f32>(ss + o02) + c1 * <f64>load<f32>(ss + o12) + c2 * <f64>load<f32>(ss + o22);
          put6(o, mat, t0, t1, t2);
        }
      }
      continue;
    }
    // one row of G·g at a time: 4 output streams, not 16 (as the F(4×4, 3×3) pack above; same values)
    for (let row = 0; row < 4; row++) {
      let o = out + <usize>(4 * row) * mat, ss = s;
      for (let k = 0; k < K; k++, o += 8, ss += wK) {
        // G along axis 1: q0 = g0, q1 = (g0 + g1 + g2)/2, q2 = (g0 − g1 + g2)/2, q3 = g2 (three columns each, as lanes 0..2)
        const g0 = f32x4(load<f32>(ss + o00), load<f32>(ss + o01), load<f32>(ss + o02), 0);
        const g1 = f32x4(load<f32>(ss + o10), load<f32>(ss + o11), load<f32>(ss + o12), 0);
        const g2 = f32x4(load<f32>(ss + o20), load<f32>(ss + o21), load<f32>(ss + o22), 0);
        const h = f32x4.splat(0.5);
        const g02 = f32x4.add(g0, g2);
        const q = row == 0 ? g0 : row == 1 ? f32x4.mul(f32x4.add(g02, g1), h) : row == 2 ? f32x4.mul(f32x4.sub(g02, g1), h) : g2;
        // G along axis 2 on the row's three values
        const a = f32x4.extract_lane(q, 0), b = f32x4.extract_lane(q, 1), c = f32x4.extract_lane(q, 2);
        store<f32>(o, a);
        store<f32>(o + mat, (a + b + c) * 0.5);
        store<f32>(o + 2 * mat, (a - b + c) * 0.5);
        store<f32>(o + 3 * mat, c);
      }
    }
  }
}

/** Row a of F(4×4, 3×3)'s G times (g0, g1, g2), in float64 (products with the rounded 1/6, 1/12, 1/24: no divisions). */
// @ts-ignore: decorator
@inline function gq(a: i32, g0: f64, g1: f64, g2: f64): f64 {
  if (a == 0) return g0 * 0.25;
  if (a == 1) return -(g0 + g1 + g2) * (1.0 / 6);
  if (a == 2) return -(g0 - g1 + g2) * (1.0 / 6);
  if (a == 3) return g0 * (1.0 / 24) + g1 * (1.0 / 12) + g2 * (1.0 / 6);
  if (a == 4) return g0 * (1.0 / 24) - g1 * (1.0 / 12) + g2 * (1.0 / 6);
  return g2;
}

/** G along axis 2 of one row (t0, t1, t2) of G·g: the 6 values, rounded once to float32, into matrices mat bytes apart. */
// @ts-ignore: decorator
@inline function put6(d: usize, mat: usize, t0: f64, t1: f64, t2: f64): void {
  store<f32>(d, <f32>gq(0, t0, t1, t2));
  store<f32>(d + mat, <f32>gq(1, t0, t1, t2));
  store<f32>(d + 2 * mat, <f32>gq(2, t0, t1, t2));
  store<f32>(d + 3 * mat, <f32>gq(3, t0, t1, t2));
  store<f32>(d + 4 * mat, <f32>gq(4, t0, t1, t2));
  store<f32>(d + 5 * mat, <f32>gq(5, t0, t1, t2));
}

/** Byte offset of element (k, col) in a KC-blocked packed B of ncp columns (assembly/gemm.ts multiplyRows). */
// @ts-ignore: decorator
@inline function bAt(K: i32, ncp: i32, k: i32, col: i32): usize {
  const pc = k - k % KC, kc = min(KC, K - pc);
  return (<usize>pc * <usize>ncp + <usize>(col >> 4) * <usize>kc * 16 + <usize>(k - pc) * 16 + <usize>(col & 15)) << 2;
}

/**
 * Copies `rows` grid rows y0.. of one channel (at `base`) into zero-padded lines `lw` bytes apart, line positions
 * from..to (line position j = grid column j + BETA2): positions outside the grid, and rows outside it, become zeros.
 */
function fillLines(job: usize, base: usize, y0: i32, rows: i32, from: i32, to: i32, lines: usize, lw: usize): void {
  const Gy = fld(job, W_G + 1), Gx = fld(job, W_G + 2), sty = fld(job, W_ST + 1), stx = fld(job, W_ST + 2);
  const bx = fld(job, W_BETA + 2);
  const xlo = max(0, -bx), xhi = Gx - bx; // line positions inside the grid: [xlo, xhi)
  for (let i = 0; i < rows; i++) {
    const line = lines + <usize>i * lw;
    const y = y0 + i;
    const ok = y >= 0 && y < Gy;
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
}

/**
 * V_ξ = Bᵀ·d·B for tile columns n0..n0+nc (column = (b·TT1 + τ1)·TT2 + τ2, patch rows 2τ1 + BETA1 + i, columns
 * 2τ2 + BETA2 + j, i and j < R + 1) into the (R + 1)² packed B matrices of K × ncp at vbuf + ξ·vmat. Per channel and
 * tile row, the R + 1 grid rows are first copied into zero-padded lines (`lines`, LW floats each), so the patches need
 * no bounds test; then tilesV2 / tilesV3 transform the row's tiles.
 */
function pack_v(job: usize, R: i32, n0: i32, nc: i32, ncp: i32, vbuf: usize, vmat: usize, lines: usize, LW: i32): void {
  const K = fld(job, W_K);
  const src = ptr(job, W_SRC);
  const sBatch = fld(job, W_SBATCH), sChan = fld(job, W_SCHAN);
  const by = fld(job, W_BETA + 1);
  const TT1 = fld(job, W_TT + 1), TT2 = fld(job, W_TT + 2);
  const X = (R + 1) * (R + 1);
  const lw = <usize>LW << 2;
  const rest = n0 / TT2;
  const t2s = n0 % TT2, t1s = rest % TT1, bs = rest / TT1;
  for (let k = 0; k < K; k++) {
    let t2 = t2s, t1 = t1s, b = bs, col = 0;
    const chan = src + (<usize>(k * sChan) << 2);
    while (col < nc) {
      let run = TT2 - t2;
      if (run > nc - col) run = nc - col;
      const base = chan + (<usize>(b * sBatch) << 2);
      // tile τ2 reads line positions 2τ2 .. 2τ2 + R
      fillLines(job, base, 2 * t1 + by, R + 1, 2 * t2, min(2 * (t2 + run) + R - 1, LW), lines, lw);
      if (R == 2) tilesV2(K, ncp, k, col, col + run, t2, lines, lw, vbuf, vmat);
      else tilesV3(K, ncp, k, col, col + run, t2, lines, lw, vbuf, vmat);
      col += run;
      t2 = 0;
      if (++t1 == TT1) { t1 = 0; b++; }
    }
    // padding columns of the last panel
    for (let c = nc; c < ncp; c++) {
      const d = vbuf + bAt(K, ncp, k, c);
      for (let x = 0; x < X; x++) store<f32>(d + <usize>x * vmat, 0);
    }
  }
}

/**
 * F(4×4, 3×3) input transform V_ξ = Bᵀ·d·B of tile columns n0..n0+nc (tile τ reads patch rows 4τ1 + BETA1 + i and
 * columns 4τ2 + BETA2 + j, i, j < 6) into the 36 packed B matrices. Per channel and tile row, the 6 source rows are
 * copied into zero-padded lines, Bᵀ is applied down the lines in place (SIMD along x, once per position however many
 * tiles overlap it), then tilesV4 applies Bᵀ along each tile's 6 columns.
 */
function pack_v4(job: usize, n0: i32, nc: i32, ncp: i32, vbuf: usize, vmat: usize, lines: usize, LW: i32): void {
  const K = fld(job, W_K);
  const src = ptr(job, W_SRC);
  const sBatch = fld(job, W_SBATCH), sChan = fld(job, W_SCHAN);
  const by = fld(job, W_BETA + 1);
  const TT1 = fld(job, W_TT + 1), TT2 = fld(job, W_TT + 2);
  const lw = <usize>LW << 2;
  const rest = n0 / TT2;
  const t2s = n0 % TT2, t1s = rest % TT1, bs = rest / TT1;
  for (let k = 0; k < K; k++) {
    let t2 = t2s, t1 = t1s, b = bs, col = 0;
    const chan = src + (<usize>(k * sChan) << 2);
    while (col < nc) {
      let run = TT2 - t2;
      if (run > nc - col) run = nc - col;
      const base = chan + (<usize>(b * sBatch) << 2);
      // tiles τ2 .. τ2 + run − 1 read line positions 4τ2 .. 4(τ2 + run) + 1; whole f32x4 groups
      const from = 4 * t2, to = min((4 * (t2 + run) + 5) & ~3, LW);
      fillLines(job, base, 4 * t1 + by, 6, from, to, lines, lw);
      rowsB4(lines, lw, from, to);
      tilesV4(K, ncp, k, col, col + run, t2, lines, lw, vbuf, vmat);
      col += run;
      t2 = 0;
      if (++t1 == TT1) { t1 = 0; b++; }
    }
    for (let c = nc; c < ncp; c++) {
      const d = vbuf + bAt(K, ncp, k, c);
      for (let x = 0; x < 36; x++) store<f32>(d + <usize>x * vmat, 0);
    }
  }
}

/**
 * Bᵀ down the 6 lines, in place, positions from..to (multiples of 4): with e = d4 − 4d2, f = d3 − 4d1, h = d4 − d2,
 * q = 2(d3 − d1): r0 = 4d0 − 5d2 + d4, r1 = e + f, r2 = e − f, r3 = h + q, r4 = h − q, r5 = 4d1 − 5d3 + d5.
 */
function rowsB4(lines: usize, lw: usize, from: i32, to: i32): void {
  const four = f32x4.splat(4), five = f32x4.splat(5), two = f32x4.splat(2);
  for (let j = from; j < to; j += 4) {
    const p = lines + (<usize>j << 2);
    const d0 = v128.load(p), d1 = v128.load(p + lw), d2 = v128.load(p + 2 * lw);
    const d3 = v128.load(p + 3 * lw), d4 = v128.load(p + 4 * lw), d5 = v128.load(p + 5 * lw);
    const e = f32x4.sub(d4, f32x4.mul(four, d2)), f = f32x4.sub(d3, f32x4.mul(four, d1));
    const h = f32x4.sub(d4, d2), q = f32x4.mul(two, f32x4.sub(d3, d1));
    v128.store(p, f32x4.add(f32x4.sub(f32x4.mul(four, d0), f32x4.mul(five, d2)), d4));
    v128.store(p + lw, f32x4.add(e, f));
    v128.store(p + 2 * lw, f32x4.sub(e, f));
    v128.store(p + 3 * lw, f32x4.add(h, q));
    v128.store(p + 4 * lw, f32x4.sub(h, q));
    v128.store(p + 5 * lw, f32x4.add(f32x4.sub(f32x4.mul(four, d1), f32x4.mul(five, d3)), d5));
  }
}

/**
 * Bᵀ along the columns of tile columns col..e (tiles τ2 = t2..) from the 6 row-transformed lines: four tiles at a time
 * (their 16 + 2 line floats, a 4×4 transpose gives column j of the four tiles in the lanes), single tiles at panel
 * edges. Row ξ1's outputs go to matrices 6ξ1 .. 6ξ1 + 5.
 */
function tilesV4(K: i32, ncp: i32, k: i32, col: i32, e: i32, t2: i32, lines: usize, lw: usize, vbuf: usize, vmat: usize): void {
  const four = f32x4.splat(4), five = f32x4.splat(5), two = f32x4.splat(2);
  for (; col < e;) {
    const xo = <usize>(4 * t2) << 2;
    const d = vbuf + bAt(K, ncp, k, col);
    if (e - col >= 4 && (col & 15) <= 12) {
      for (let r = 0; r < 6; r++) {
        const p = lines + <usize>r * lw + xo;
        const a = v128.load(p), b = v128.load(p, 16), c = v128.load(p, 32), z = v128.load(p, 48);
        const u0 = v128.shuffle<f32>(a, b, 0, 4, 1, 5), u1 = v128.shuffle<f32>(a, b, 2, 6, 3, 7);
        const u2 = v128.shuffle<f32>(c, z, 0, 4, 1, 5), u3 = v128.shuffle<f32>(c, z, 2, 6, 3, 7);
        const c0 = v128.shuffle<f32>(u0, u2, 0, 1, 4, 5), c1 = v128.shuffle<f32>(u0, u2, 2, 3, 6, 7);
        const c2 = v128.shuffle<f32>(u1, u3, 0, 1, 4, 5), c3 = v128.shuffle<f32>(u1, u3, 2, 3, 6, 7);
        const c4 = v128.shuffle<f32>(c0, v128.load32_splat(p, 64), 1, 2, 3, 4);
        const c5 = v128.shuffle<f32>(c1, v128.load32_splat(p, 68), 1, 2, 3, 4);
        const ee = f32x4.sub(c4, f32x4.mul(four, c2)), ff = f32x4.sub(c3, f32x4.mul(four, c1));
        const hh = f32x4.sub(c4, c2), qq = f32x4.mul(two, f32x4.sub(c3, c1));
        const q = d + <usize>(6 * r) * vmat;
        v128.store(q, f32x4.add(f32x4.sub(f32x4.mul(four, c0), f32x4.mul(five, c2)), c4));
        v128.store(q + vmat, f32x4.add(ee, ff));
        v128.store(q + 2 * vmat, f32x4.sub(ee, ff));
        v128.store(q + 3 * vmat, f32x4.add(hh, qq));
        v128.store(q + 4 * vmat, f32x4.sub(hh, qq));
        v128.store(q + 5 * vmat, f32x4.add(f32x4.sub(f32x4.mul(four, c1), f32x4.mul(five, c3)), c5));
      }
      col += 4; t2 += 4;
      continue;
    }
    for (let r = 0; r < 6; r++) {
      const p = lines + <usize>r * lw + xo;
      const c0 = load<f32>(p), c1 = load<f32>(p, 4), c2 = load<f32>(p, 8);
      const c3 = load<f32>(p, 12), c4 = load<f32>(p, 16), c5 = load<f32>(p, 20);
      const ee: f32 = c4 - 4 * c2, ff: f32 = c3 - 4 * c1, hh: f32 = c4 - c2, qq: f32 = (c3 - c1) * 2;
      const q = d + <usize>(6 * r) * vmat;
      store<f32>(q, 4 * c0 - 5 * c2 + c4);
      store<f32>(q + vmat, ee + ff);
      store<f32>(q + 2 * vmat, ee - ff);
      store<f32>(q + 3 * vmat, hh + qq);
      store<f32>(q + 4 * vmat, hh - qq);
      store<f32>(q + 5 * vmat, 4 * c1 - 5 * c3 + c5);
    }
    col++; t2++;
  }
}

/**
 * F(4×4, 3×3) output transform: image = Aᵀ·M·A + bias for rows m0..m0+rows, tile columns n0..n0+nc, four tiles in the
 * lanes. With Aᵀ·m: y0 = m0 + (m1 + m2) + (m3 + m4), y1 = (m1 − m2) + 2(m3 − m4), y2 = (m1 + m2) + 4(m3 + m4),
 * y3 = (m1 − m2) + 8(m3 − m4) + m5. Aᵀ along the rows (ξ1) goes into `tmp` (24 vectors: output row u, column ξ2),
 * then per output row Aᵀ along the columns; where the four tiles' row is inside the output and contiguous (unit x
 * step) a 4×4 transpose gives four 16-byte stores, else lane stores.
 */
function unpack_y4(job: usize, m0: i32, rows: i32, n0: i32, nc: i32, ncp: i32, cbuf: usize, cmat: usize, tmp: usize): void {
  const dst = ptr(job, W_DST), bias = ptr(job, W_BIAS);
  const relu = fld(job, W_RELU) != 0, zero = f32x4.splat(0);
  const dBatch = fld(job, W_DBATCH), dChan = fld(job, W_DCHAN);
  const s1 = <usize>fld(job, W_DSTEP + 1) << 2, s2 = <usize>fld(job, W_DSTEP + 2) << 2;
  const NT1 = fld(job, W_NT + 1), NT2 = fld(job, W_NT + 2);
  const TT1 = fld(job, W_TT + 1), TT2 = fld(job, W_TT + 2);
  const two = f32x4.splat(2), four = f32x4.splat(4), eight = f32x4.splat(8);
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
      const u1 = 4 * t1;
      const nu = min(4, NT1 - u1); // output rows of this tile row
      const row = dst + (<usize>(b * dBatch + m * dChan) << 2) + <usize>u1 * s1;
      for (let e = col + run; col < e;) {
        const n = min(4, e - col);
        const p = c + (<usize>col << 2);
        for (let j = 0; j < 6; j++) {
          const q = p + <usize>j * cmat;
          const v0 = v128.load(q), v1 = v128.load(q + 6 * cmat), v2 = v128.load(q + 12 * cmat);
          const v3 = v128.load(q + 18 * cmat), v4 = v128.load(q + 24 * cmat), v5 = v128.load(q + 30 * cmat);
          const sp = f32x4.add(v1, v2), sm = f32x4.sub(v1, v2), tp = f32x4.add(v3, v4), tm = f32x4.sub(v3, v4);
          const o = tmp + (<usize>j << 4);
          v128.store(o, f32x4.add(f32x4.add(v0, sp), tp));
          v128.store(o, f32x4.add(sm, f32x4.mul(two, tm)), 96);
          v128.store(o, f32x4.add(sp, f32x4.mul(four, tp)), 192);
          v128.store(o, f32x4.add(f32x4.add(sm, f32x4.mul(eight, tm)), v5), 288);
        }
        const whole = n == 4 && s2 == 4 && 4 * (t2 + 4) <= NT2;
        let q = row + <usize>(4 * t2) * s2;
        for (let u = 0; u < nu; u++, q += s1) {
          const o = tmp + <usize>(96 * u);
          const v0 = v128.load(o), v1 = v128.load(o, 16), v2 = v128.load(o, 32);
          const v3 = v128.load(o, 48), v4 = v128.load(o, 64), v5 = v128.load(o, 80);
          const sp = f32x4.add(v1, v2), sm = f32x4.sub(v1, v2), tp = f32x4.add(v3, v4), tm = f32x4.sub(v3, v4);
          let y0 = f32x4.add(f32x4.add(f32x4.add(v0, sp), tp), bvv);
          let y1 = f32x4.add(f32x4.add(sm, f32x4.mul(two, tm)), bvv);
          let y2 = f32x4.add(f32x4.add(sp, f32x4.mul(four, tp)), bvv);
          let y3 = f32x4.add(f32x4.add(f32x4.add(sm, f32x4.mul(eight, tm)), v5), bvv);
          if (relu) { y0 = f32x4.max(y0, zero); y1 = f32x4.max(y1, zero); y2 = f32x4.max(y2, zero); y3 = f32x4.max(y3, zero); }
          if (whole) {
            // lanes = tiles → lanes = the 4 columns of one tile
            const w0 = v128.shuffle<f32>(y0, y1, 0, 4, 1, 5), w1 = v128.shuffle<f32>(y0, y1, 2, 6, 3, 7);
            const w2 = v128.shuffle<f32>(y2, y3, 0, 4, 1, 5), w3 = v128.shuffle<f32>(y2, y3, 2, 6, 3, 7);
            v128.store(q, v128.shuffle<f32>(w0, w2, 0, 1, 4, 5));
            v128.store(q, v128.shuffle<f32>(w0, w2, 2, 3, 6, 7), 16);
            v128.store(q, v128.shuffle<f32>(w1, w3, 0, 1, 4, 5), 32);
            v128.store(q, v128.shuffle<f32>(w1, w3, 2, 3, 6, 7), 48);
            continue;
          }
          let qx = q;
          for (let l = 0; l < n; l++) {
            const x0 = 4 * (t2 + l);
            const nx = min(4, NT2 - x0);
            store<f32>(qx, lane(y0, l));
            if (nx > 1) store<f32>(qx + s2, lane(y1, l));
            if (nx > 2) store<f32>(qx + 2 * s2, lane(y2, l));
            if (nx > 3) store<f32>(qx + 3 * s2, lane(y3, l));
            qx += 4 * s2;
          }
        }
        col += n; t2 += n;
      }
      t2 = 0;
      if (++t1 == TT1) { t1 = 0; b++; }
    }
  }
}

/**
 * F(2×2, 2×2) input transform of tile columns col..e (tiles τ2 = t2.. of one tile row) of channel k from the 3 lines:
 * four tiles at a time with SIMD (even line floats = d·0, odd = d·1, even shifted by one = d·2), single tiles at panel
 * edges.
 */
function tilesV2(K: i32, ncp: i32, k: i32, col: i32, e: i32, t2: i32, lines: usize, lw: usize, vbuf: usize, vmat: usize): void {
  const l0 = lines, l1 = lines + lw, l2 = lines + 2 * lw;
  for (; col < e;) {
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
}

/** F(2×2, 3×3) input transform of tile columns col..e from the 4 lines (four tiles read line floats 2τ2 .. 2τ2 + 9). */
function tilesV3(K: i32, ncp: i32, k: i32, col: i32, e: i32, t2: i32, lines: usize, lw: usize, vbuf: usize, vmat: usize): void {
  for (; col < e;) {
    const xo = <usize>(2 * t2) << 2;
    const d = vbuf + bAt(K, ncp, k, col);
    const four = e - col >= 4 && (col & 15) <= 12;
    // rows i = 0..3 of the patch: Bᵀ along the rows needs r0 = d0 − d2, r1 = d1 + d2, r2 = d2 − d1, r3 = d1 − d3
    let c0 = f32x4.splat(0), c1 = c0, c2 = c0, c3 = c0;
    let p0 = c0, p1 = c0, p2 = c0, p3 = c0;
    let s0 = c0, s1 = c0, s2 = c0, s3 = c0;
    let t0 = c0, t1v = c0, t2v = c0, t3 = c0;
    for (let i = 0; i < 4; i++) {
      const p = lines + <usize>i * lw + xo;
      let v0: v128, v1: v128, v2: v128, v3: v128;
      if (four) {
        const u = v128.load(p), v = v128.load(p, 16), w = v128.load(p, 32);
        v0 = v128.shuffle<f32>(u, v, 0, 2, 4, 6); v1 = v128.shuffle<f32>(u, v, 1, 3, 5, 7);
        v2 = v128.shuffle<f32>(v0, w, 1, 2, 3, 4); v3 = v128.shuffle<f32>(v1, w, 1, 2, 3, 5);
      } else {
        v0 = f32x4.splat(load<f32>(p)); v1 = f32x4.splat(load<f32>(p, 4));
        v2 = f32x4.splat(load<f32>(p, 8)); v3 = f32x4.splat(load<f32>(p, 12));
      }
      if (i == 0) { c0 = v0; c1 = v1; c2 = v2; c3 = v3; }
      else if (i == 1) { p0 = v0; p1 = v1; p2 = v2; p3 = v3; }
      else if (i == 2) { s0 = v0; s1 = v1; s2 = v2; s3 = v3; }
      else { t0 = v0; t1v = v1; t2v = v2; t3 = v3; }
    }
    // Bᵀ along the rows (patch rows c, p, s, t), each giving 4 column values
    const ra0 = f32x4.sub(c0, s0), ra1 = f32x4.sub(c1, s1), ra2 = f32x4.sub(c2, s2), ra3 = f32x4.sub(c3, s3);
    const rb0 = f32x4.add(p0, s0), rb1 = f32x4.add(p1, s1), rb2 = f32x4.add(p2, s2), rb3 = f32x4.add(p3, s3);
    const rc0 = f32x4.sub(s0, p0), rc1 = f32x4.sub(s1, p1), rc2 = f32x4.sub(s2, p2), rc3 = f32x4.sub(s3, p3);
    const rd0 = f32x4.sub(p0, t0), rd1 = f32x4.sub(p1, t1v), rd2 = f32x4.sub(p2, t2v), rd3 = f32x4.sub(p3, t3);
    if (four) {
      put4(d, vmat, 0, ra0, ra1, ra2, ra3); put4(d, vmat, 4, rb0, rb1, rb2, rb3);
      put4(d, vmat, 8, rc0, rc1, rc2, rc3); put4(d, vmat, 12, rd0, rd1, rd2, rd3);
      col += 4; t2 += 4;
    } else {
      put1(d, vmat, 0, ra0, ra1, ra2, ra3); put1(d, vmat, 4, rb0, rb1, rb2, rb3);
      put1(d, vmat, 8, rc0, rc1, rc2, rc3); put1(d, vmat, 12, rd0, rd1, rd2, rd3);
      col++; t2++;
    }
  }
}

/**
 * image = Aᵀ·M·A + bias for rows m0..m0+rows (M_ξ row r at cbuf + ξ·cmat + 4·r·ncp), tile columns n0..n0+nc; four
 * whole tiles of a row at a time with SIMD (the phase's outputs interleave with other phases': lane stores).
 */
function unpack_y2(job: usize, m0: i32, rows: i32, n0: i32, nc: i32, ncp: i32, cbuf: usize, cmat: usize): void {
  const dst = ptr(job, W_DST), bias = ptr(job, W_BIAS);
  const relu = fld(job, W_RELU) != 0, zero = f32x4.splat(0);
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
          let y00 = f32x4.add(f32x4.add(a0, a1), bvv), y01 = f32x4.add(f32x4.add(a1, a2), bvv);
          let y10 = f32x4.add(f32x4.add(b0, b1), bvv), y11 = f32x4.add(f32x4.add(b1, b2), bvv);
          if (relu) { y00 = f32x4.max(y00, zero); y01 = f32x4.max(y01, zero); y10 = f32x4.max(y10, zero); y11 = f32x4.max(y11, zero); }
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
        store<f32>(q, act(a0 + a1 + bv, relu));
        if (wide) store<f32>(q + s2, act(a1 + a2 + bv, relu));
        if (two) {
          store<f32>(q + s1, act(b0 + b1 + bv, relu));
          if (wide) store<f32>(q + s1 + s2, act(b1 + b2 + bv, relu));
        }
        col++; t2++;
      }
      t2 = 0;
      if (++t1 == TT1) { t1 = 0; b++; }
    }
  }
}

/** Bᵀ along the columns of one transformed row (r0..r3 = its 4 column values) into matrices ξ0..ξ0+3, four tiles. */
// @ts-ignore: decorator
@inline function put4(d: usize, vmat: usize, x0: i32, r0: v128, r1: v128, r2: v128, r3: v128): void {
  const q = d + <usize>x0 * vmat;
  v128.store(q, f32x4.sub(r0, r2)); v128.store(q + vmat, f32x4.add(r1, r2));
  v128.store(q + 2 * vmat, f32x4.sub(r2, r1)); v128.store(q + 3 * vmat, f32x4.sub(r1, r3));
}

/** As put4 for one tile (lane 0). */
// @ts-ignore: decorator
@inline function put1(d: usize, vmat: usize, x0: i32, r0: v128, r1: v128, r2: v128, r3: v128): void {
  const q = d + <usize>x0 * vmat;
  store<f32>(q, f32x4.extract_lane(f32x4.sub(r0, r2), 0)); store<f32>(q + vmat, f32x4.extract_lane(f32x4.add(r1, r2), 0));
  store<f32>(q + 2 * vmat, f32x4.extract_lane(f32x4.sub(r2, r1), 0)); store<f32>(q + 3 * vmat, f32x4.extract_lane(f32x4.sub(r1, r3), 0));
}

/** F(2×2, 3×3) output transform: image = Aᵀ·M·A + bias (Aᵀ = [1 1 1 0; 0 1 −1 −1]), as unpack_y2 with 16 matrices. */
function unpack_y3(job: usize, m0: i32, rows: i32, n0: i32, nc: i32, ncp: i32, cbuf: usize, cmat: usize): void {
  const dst = ptr(job, W_DST), bias = ptr(job, W_BIAS);
  const relu = fld(job, W_RELU) != 0, zero = f32x4.splat(0);
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
      const two = u1 + 1 < NT1;
      const row = dst + (<usize>(b * dBatch + m * dChan) << 2) + <usize>u1 * s1;
      for (let e = col + run; col < e;) {
        const n = min(4, e - col);
        const p = c + (<usize>col << 2);
        // rows of M: Aᵀ along the rows gives a = M0 + M1 + M2, z = M1 − M2 − M3 for each of the 4 columns
        let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, z0 = a0, z1 = a0, z2 = a0, z3 = a0;
        for (let j = 0; j < 4; j++) {
          const q = p + <usize>j * cmat;
          const v0 = v128.load(q), v1 = v128.load(q + 4 * cmat), v2 = v128.load(q + 8 * cmat), v3 = v128.load(q + 12 * cmat);
          const a = f32x4.add(f32x4.add(v0, v1), v2), z = f32x4.sub(f32x4.sub(v1, v2), v3);
          if (j == 0) { a0 = a; z0 = z; } else if (j == 1) { a1 = a; z1 = z; } else if (j == 2) { a2 = a; z2 = z; } else { a3 = a; z3 = z; }
        }
        const bvv = f32x4.splat(bv);
        let y00 = f32x4.add(f32x4.add(f32x4.add(a0, a1), a2), bvv), y01 = f32x4.add(f32x4.sub(f32x4.sub(a1, a2), a3), bvv);
        let y10 = f32x4.add(f32x4.add(f32x4.add(z0, z1), z2), bvv), y11 = f32x4.add(f32x4.sub(f32x4.sub(z1, z2), z3), bvv);
        if (relu) { y00 = f32x4.max(y00, zero); y01 = f32x4.max(y01, zero); y10 = f32x4.max(y10, zero); y11 = f32x4.max(y11, zero); }
        // lanes 0..n−1 are tiles t2..t2+n−1 (C columns past nc hold padding and are never stored)
        let q = row + <usize>(2 * t2) * s2;
        for (let l = 0; l < n; l++, q += 2 * s2) {
          const wide = 2 * (t2 + l) + 1 < NT2;
          store<f32>(q, lane(y00, l));
          if (wide) store<f32>(q + s2, lane(y01, l));
          if (two) {
            store<f32>(q + s1, lane(y10, l));
            if (wide) store<f32>(q + s1 + s2, lane(y11, l));
          }
        }
        col += n; t2 += n;
      }
      t2 = 0;
      if (++t1 == TT1) { t1 = 0; b++; }
    }
  }
}

/** v, or max(v, 0) for a fused ReLU (NaN stays NaN, −0 becomes +0: the JS relu's rule). */
// @ts-ignore: decorator
@inline function act(v: f32, relu: bool): f32 { return relu ? max<f32>(v, 0) : v; }

/** Lane l of v (l < 4). */
// @ts-ignore: decorator
@inline function lane(v: v128, l: i32): f32 {
  return l == 0 ? f32x4.extract_lane(v, 0) : l == 1 ? f32x4.extract_lane(v, 1) : l == 2 ? f32x4.extract_lane(v, 2) : f32x4.extract_lane(v, 3);
}

/**
 * Floats per source line: F(2×2, ·) fills 2·TT2 + 2 and reads up to 12 past a tile's first float (four tiles of
 * F(2×2, 3×3)); F(4×4, 3×3) fills and reads up to 4·TT2 + 6 (four tiles read 18 from 4τ2). At least 16, so that
 * F(4×4, 3×3)'s 6 lines hold unpack_y4's 24 vectors.
 */
// @ts-ignore: decorator
@inline function lineFloats(TT2: i32, T: i32): i32 { return T == 4 ? (4 * TT2 + 6 + 15) & ~15 : (2 * TT2 + 12 + 15) & ~15; }

/**
 * Rows per M_ξ block: MC for F(2×2, 2×2) (9 blocks), half of it for F(2×2, 3×3) (16 blocks), a quarter for
 * F(4×4, 3×3) (36 blocks), to keep them in L2.
 */
// @ts-ignore: decorator
@inline function rowBlock(X: i32): i32 { return X == 9 ? MC : X == 16 ? MC >> 1 : MC >> 2; }

/**
 * One Winograd task: tile columns n0..n0+nc of a job. scratch = the X = (TILE + R − 1)² packed V_ξ (K × ncp each), then
 * at cOff the X M_ξ blocks (rowBlock(X) × ncp each), then TILE + R − 1 zero-padded source lines of lineFloats floats.
 * Every output element of the job is written once (bias added), so no fill is needed.
 */
export function wino_task(job: usize, n0: i32, nc: i32, scratch: usize, cOff: usize): void {
  const M = fld(job, W_M), K = fld(job, W_K), R = fld(job, W_R), T = fld(job, W_TILE);
  const X = (T + R - 1) * (T + R - 1), RB = rowBlock(X);
  const Mp = (M + 1) & ~1;
  const ncp = (nc + 15) & ~15;
  const vmat = <usize>K * <usize>ncp << 2, cmat = <usize>RB * <usize>ncp << 2;
  const amat = <usize>Mp * <usize>K << 2;
  const apk = ptr(job, W_APK), cbuf = scratch + cOff;
  const LW = lineFloats(fld(job, W_TT + 2), T);
  const lines = cbuf + <usize>X * cmat;
  if (T == 4) pack_v4(job, n0, nc, ncp, scratch, vmat, lines, LW);
  else pack_v(job, R, n0, nc, ncp, scratch, vmat, lines, LW);
  for (let ic = 0; ic < Mp; ic += RB) {
    const mEnd = min(ic + RB, Mp);
    for (let x = 0; x < X; x++) multiplyRows(apk + <usize>x * amat, K, scratch + <usize>x * vmat, ncp, ic, mEnd, cbuf + <usize>x * cmat);
    if (T == 4) unpack_y4(job, ic, min(mEnd, M) - ic, n0, nc, ncp, cbuf, cmat, lines);
    else if (R == 2) unpack_y2(job, ic, min(mEnd, M) - ic, n0, nc, ncp, cbuf, cmat);
    else unpack_y3(job, ic, min(mEnd, M) - ic, n0, nc, ncp, cbuf, cmat);
  }
}
