// Register-tiled SIMD128 GEMM micro-kernel (2 rows × 16 columns) over packed panels, plus the packing of A.

// Tile sizes shared with the JS planner (src/backends/wasm/plan.ts): MR rows × NR columns per micro-kernel call.
export const MR: i32 = 2;
export const NR: i32 = 16;
// K and M blocking (Goto/BLIS): a KC×16 B micro-panel (16 KiB) stays in L1 while MC×KC of packed A (128 KiB) sits in L2.
export const KC: i32 = 256;
export const MC: i32 = 128;

/**
 * c + a·b per lane: one f32x4.relaxed_madd in the relaxed-SIMD build (fused, or mul + add where the engine lacks FMA),
 * else mul then add. ASC_FEATURE_RELAXED_SIMD is a compile-time constant: each build keeps one branch.
 */
// @ts-ignore: decorator
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/**
 * Packs A (M × K, gathered) into compact MR-row panels: element (m, k) at dst + 4·(⌊m/2⌋·2K + 2k + m%2); rows
 * M..Mpad−1 are zero.
 * The source is A[m][k] = w[m·rowStride + c·chanStride + L0[j0] + L1[j1] + L2[j2]] with k = ((c·T0 + j0)·T1 + j1)·T2 + j2,
 * L_e = per-axis tap offsets (i32 tables). This one routine covers dense matrices (T = 1, L = 0, chanStride = 1),
 * convolution weights, and the per-phase sub-kernels w[r::s] of transposed convolution.
 */
export function pack_a(dst: usize, M: i32, K: i32, w: usize, rowStride: i32, chanStride: i32,
  T0: i32, T1: i32, T2: i32, L0: usize, L1: usize, L2: usize): void {
  const Mp = (M + 1) & ~1;
  const T12 = T1 * T2, T012 = T0 * T12;
  const C = T012 > 0 ? K / T012 : 0;
  if (T012 == 1) {
    // one tap (1×1 kernels, dense matrices): a strided row copy without the tap loops, and for unit channel stride two
    // rows interleaved 4 columns at a time (the tap loops cost more than the 1×1 GEMM itself on MobileNet's 8×8 layers)
    const off = <usize>(load<i32>(L0) + load<i32>(L1) + load<i32>(L2)) << 2;
    for (let m = 0; m < Mp; m += 2) {
      const out = dst + (<usize>(m >> 1) * <usize>K << 3);
      const r0 = w + (<usize>m * <usize>rowStride << 2) + off;
      const r1 = r0 + (<usize>rowStride << 2);
      const two = m + 1 < M;
      let k = 0;
      if (chanStride == 1 && two)
        for (; k + 4 <= K; k += 4) {
          const x = v128.load(r0 + (<usize>k << 2)), y = v128.load(r1 + (<usize>k << 2));
          v128.store(out + (<usize>k << 3), v128.shuffle<f32>(x, y, 0, 4, 1, 5));
          v128.store(out + (<usize>k << 3), v128.shuffle<f32>(x, y, 2, 6, 3, 7), 16);
        }
      for (; k < K; k++) {
        const src = <usize>k * <usize>chanStride << 2;
        store<f32>(out + (<usize>k << 3), load<f32>(r0 + src));
        store<f32>(out + (<usize>k << 3), two ? load<f32>(r1 + src) : 0, 4);
      }
    }
    return;
  }
  for (let m = 0; m < Mp; m++) {
    const out = dst + ((<usize>(m >> 1) * <usize>K * 2 + <usize>(m & 1)) << 2);
    if (m >= M) {
      for (let k = 0; k < K; k++) store<f32>(out + (<usize>k << 3), 0);
      continue;
    }
    const row = w + (<usize>m * <usize>rowStride << 2);
    let k = 0;
    for (let c = 0; c < C; c++) {
      const rc = row + (<usize>c * <usize>chanStride << 2);
      for (let j0 = 0; j0 < T0; j0++) {
        const r0 = rc + (<usize>load<i32>(L0 + (<usize>j0 << 2)) << 2);
        for (let j1 = 0; j1 < T1; j1++) {
          const r1 = r0 + (<usize>load<i32>(L1 + (<usize>j1 << 2)) << 2);
          for (let j2 = 0; j2 < T2; j2++) {
            store<f32>(out + (<usize>k << 3), load<f32>(r1 + (<usize>load<i32>(L2 + (<usize>j2 << 2)) << 2)));
            k++;
          }
        }
      }
    }
  }
}

/**
 * C[0..2][0..16] (+)= Σ_k A[k][0..2]·B[k][0..16].
 * a: packed A micro-panel, element (k, r) at a + 4·(2k + r), splatted to 4 lanes as it is loaded; b: packed B
 * micro-panel, (k, c) at b + 4·(16k + c); c: row-major tile with row stride ldc floats. `first` = overwrite instead of
 * accumulate (first K block). 8 f32x4 accumulators + 4 B vectors + 1 A vector + 1 product = 14 of the 15 xmm
 * registers V8 allocates (13 with relaxed_madd; a 3-row tile would need 17). The loop runs on the B pointer alone.
 * A is compact rather than pre-broadcast (16 bytes a value, one instruction less per load): pre-broadcast ran ~15 %
 * faster in isolation, but packing and streaming 4× the bytes cost more in real layers (bench/kernels-probe.mjs:
 * weight gradient k3 64→64 @56² 24.9 → 28.0 GFLOP/s, U-Net k2 s2 35.8 → 38.0, the rest equal).
 */
export function micro2x16(kc: i32, a: usize, b: usize, c: usize, ldc: i32, first: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c02 = f32x4.splat(0), c03 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0), c12 = f32x4.splat(0), c13 = f32x4.splat(0);
  const bEnd = b + (<usize>kc << 6);
  while (b < bEnd) {
    const b0 = v128.load(b, 0), b1 = v128.load(b, 16), b2 = v128.load(b, 32), b3 = v128.load(b, 48);
    const a0 = v128.load32_splat(a, 0);
    c00 = madd(a0, b0, c00); c01 = madd(a0, b1, c01);
    c02 = madd(a0, b2, c02); c03 = madd(a0, b3, c03);
    const a1 = v128.load32_splat(a, 4);
    c10 = madd(a1, b0, c10); c11 = madd(a1, b1, c11);
    c12 = madd(a1, b2, c12); c13 = madd(a1, b3, c13);
    a += 8; b += 64;
  }
  const c1 = c + (<usize>ldc << 2);
  if (!first) {
    c00 = f32x4.add(c00, v128.load(c, 0)); c01 = f32x4.add(c01, v128.load(c, 16));
    c02 = f32x4.add(c02, v128.load(c, 32)); c03 = f32x4.add(c03, v128.load(c, 48));
    c10 = f32x4.add(c10, v128.load(c1, 0)); c11 = f32x4.add(c11, v128.load(c1, 16));
    c12 = f32x4.add(c12, v128.load(c1, 32)); c13 = f32x4.add(c13, v128.load(c1, 48));
  }
  v128.store(c, c00, 0); v128.store(c, c01, 16); v128.store(c, c02, 32); v128.store(c, c03, 48);
  v128.store(c1, c10, 0); v128.store(c1, c11, 16); v128.store(c1, c12, 32); v128.store(c1, c13, 48);
}

/**
 * cbuf[r − ic][0..ncp) = Σ_k A[r][k]·B[k][0..ncp) for rows r in [ic, mEnd): A in compact 2-row panels at `apk` (row
 * panel ir at apk + 4·ir·K, K block pc at + 8·pc), B packed in KC-deep blocks of 16-column panels at `bpk` (ncp
 * columns), accumulated block by block in the micro-kernel.
 */
@inline export function multiplyRows(apk: usize, K: i32, bpk: usize, ncp: i32, ic: i32, mEnd: i32, cbuf: usize): void {
  for (let pc = 0; pc < K; pc += KC) {
    const kc = min(KC, K - pc);
    const blk = bpk + (<usize>pc * <usize>ncp << 2);
    for (let jr = 0; jr < ncp; jr += 16) {
      const bp = blk + (<usize>jr * <usize>kc << 2);
      for (let ir = ic; ir < mEnd; ir += 2)
        micro2x16(kc, apk + ((<usize>ir * <usize>K + <usize>pc * 2) << 2), bp, cbuf + ((<usize>(ir - ic) * <usize>ncp + <usize>jr) << 2), ncp, pc == 0);
    }
  }
}
