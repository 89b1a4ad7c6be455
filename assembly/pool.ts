// 2×2 max pooling of stride 2 (U-Net's MaxPool2D(2)), channels first: the P_* record of src/backends/wasm/interface.ts.
//
// f32x4.pmax(a, b) is `a < b ? b : a` per lane (the wasm SIMD spec's pseudo-maximum), so folding a window left to right
// with it keeps the first element unless a later one is strictly greater: the rule of src/backends/fused/pooling.ts,
// NaN and ±0 included, with no branch per element (the JS loop's comparisons mispredict on real data).
import { P_DST, P_H, P_OH, P_OW, P_SRC, P_W } from "./interface.generated";

// @ts-ignore: decorator
@inline function fld(job: usize, i: i32): i32 { return load<i32>(job + (<usize>i << 2)); }
// @ts-ignore: decorator
@inline function ptr(job: usize, i: i32): usize { return <usize>load<u32>(job + (<usize>i << 2)); }

// @ts-ignore: decorator
@inline function first(a: f32, b: f32): f32 { return a < b ? b : a; }

/** Planes p0..p0+np: each output row reads two input rows, four outputs (eight input columns) per step. */
export function maxpool2_task(job: usize, p0: i32, np: i32): void {
  const H = fld(job, P_H), W = fld(job, P_W), OH = fld(job, P_OH), OW = fld(job, P_OW);
  const src = ptr(job, P_SRC), dst = ptr(job, P_DST);
  const rowBytes = <usize>W << 2;
  for (let p = p0; p < p0 + np; p++) {
    let d = dst + ((<usize>p * <usize>OH * <usize>OW) << 2);
    for (let oh = 0; oh < OH; oh++) {
      let r0 = src + ((<usize>p * <usize>H * <usize>W + <usize>(2 * oh) * <usize>W) << 2);
      let r1 = r0 + rowBytes;
      let ow = 0;
      for (; ow + 4 <= OW; ow += 4, r0 += 32, r1 += 32, d += 16) {
        const a0 = v128.load(r0), a1 = v128.load(r0, 16), b0 = v128.load(r1), b1 = v128.load(r1, 16);
        // window (i, j) order: row 0 even column, row 0 odd, row 1 even, row 1 odd
        let m = f32x4.pmax(v128.shuffle<f32>(a0, a1, 0, 2, 4, 6), v128.shuffle<f32>(a0, a1, 1, 3, 5, 7));
        m = f32x4.pmax(m, v128.shuffle<f32>(b0, b1, 0, 2, 4, 6));
        m = f32x4.pmax(m, v128.shuffle<f32>(b0, b1, 1, 3, 5, 7));
        v128.store(d, m);
      }
      for (; ow < OW; ow++, r0 += 8, r1 += 8, d += 4)
        store<f32>(d, first(first(first(load<f32>(r0), load<f32>(r0, 4)), load<f32>(r1)), load<f32>(r1, 4)));
    }
  }
}
