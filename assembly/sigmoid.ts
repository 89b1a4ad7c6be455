// Float32 sigmoid 1/(1 + e^−x) with the JS loops' exp32Of (src/params/elementwise-ops.json), its float64 operations in the same order two lanes at a time.

/*
 * The table at `tab` (written by src/backends/wasm/unary.ts from the JS module's own values): 64/ln2, LN2_64_HI,
 * LN2_64_LO, 1/6, 1/24, 1/120, then EXP32_FRACTION (64 values), then EXP32_POW2 (2200 values), all float64.
 */
const FRACTION_AT: usize = 6 << 3;
const POW2_AT: usize = (6 + 64) << 3;
// 1.5·2^52: adding and removing it rounds to an integer (exp32Of's branch-free rounding)
const MAGIC: f64 = 6755399441055744;

/**
 * exp32Of(v) on two lanes: k = round(v·64/ln2), r = v − k·HI − k·LO, p = Taylor to r⁵, FRACTION[k & 63]·POW2[(k >> 6) +
 * 1100]·p; then v ≥ 709.7 gives +Inf and v < −745.2 gives 0 (NaN stays NaN through r). The table lookups use v clamped
 * to that range, so every index lies inside the tables.
 */
// @ts-ignore: decorator
@inline function exp2lanes(v: v128, tab: usize): v128 {
  const c = f64x2.splat(load<f64>(tab));
  const hi = f64x2.splat(load<f64>(tab, 8)),
    lo = f64x2.splat(load<f64>(tab, 16));
  const vc = f64x2.min(f64x2.max(v, f64x2.splat(-745.2)), f64x2.splat(709.7));
  const m = f64x2.splat(MAGIC);
  const t = f64x2.sub(f64x2.add(f64x2.mul(vc, c), m), m);
  const k = i32x4.trunc_sat_f64x2_s_zero(t);
  const r = f64x2.sub(f64x2.sub(vc, f64x2.mul(t, hi)), f64x2.mul(t, lo));
  let p = f64x2.add(f64x2.splat(load<f64>(tab, 32)), f64x2.mul(r, f64x2.splat(load<f64>(tab, 40))));
  p = f64x2.add(f64x2.splat(load<f64>(tab, 24)), f64x2.mul(r, p));
  p = f64x2.add(f64x2.splat(0.5), f64x2.mul(r, p));
  p = f64x2.add(f64x2.splat(1), f64x2.mul(r, p));
  p = f64x2.add(f64x2.splat(1), f64x2.mul(r, p));
  const k0 = i32x4.extract_lane(k, 0),
    k1 = i32x4.extract_lane(k, 1);
  const f = f64x2.replace_lane(f64x2.splat(load<f64>(tab + FRACTION_AT + (<usize>(k0 & 63) << 3))), 1, load<f64>(tab + FRACTION_AT + (<usize>(k1 & 63) << 3)));
  const q = f64x2.replace_lane(
    f64x2.splat(load<f64>(tab + POW2_AT + (<usize>((k0 >> 6) + 1100) << 3))),
    1,
    load<f64>(tab + POW2_AT + (<usize>((k1 >> 6) + 1100) << 3)),
  );
  const e = f64x2.mul(f64x2.mul(f, q), p);
  // v ≥ 709.7: +Inf (NaN fails the test and keeps e = NaN); v < −745.2: 0
  const big = v128.bitselect(f64x2.splat(Infinity), e, f64x2.ge(v, f64x2.splat(709.7)));
  return v128.andnot(big, f64x2.lt(v, f64x2.splat(-745.2)));
}

/** o[i] = f32(1 / (1 + exp32Of(−x[i]))) for the n floats at x: the JS loop's stores, bit for bit. */
export function sigmoid_f32(x: usize, o: usize, n: i32, tab: usize): void {
  const one = f64x2.splat(1);
  let i = 0;
  for (; i + 3 < n; i += 4, x += 16, o += 16) {
    const v = v128.load(x);
    const lo = f64x2.neg(f64x2.promote_low_f32x4(v)),
      hi = f64x2.neg(f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 2, 3)));
    const slo = f32x4.demote_f64x2_zero(f64x2.div(one, f64x2.add(one, exp2lanes(lo, tab)))),
      shi = f32x4.demote_f64x2_zero(f64x2.div(one, f64x2.add(one, exp2lanes(hi, tab))));
    v128.store(o, i32x4.shuffle(slo, shi, 0, 1, 4, 5));
  }
  for (; i < n; i++, x += 4, o += 4) {
    const v = f64x2.neg(f64x2.splat(<f64>load<f32>(x)));
    store<f32>(o, <f32>f64x2.extract_lane(f64x2.div(one, f64x2.add(one, exp2lanes(v, tab))), 0));
  }
}
