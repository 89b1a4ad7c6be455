// HardSwish on four float32 lanes in float64, as the JS loop computes it: x < −3 ? 0 : x ≥ 3 ? x : x·(x + 3)/6, rounded once to float32.

/** The float64 formula on two lanes (NaN: neither test holds, so x·(x + 3)/6 = NaN; −0 gives −0·3/6 = −0, as the JS loop). */
// @ts-ignore: decorator
function hswish2(x: v128): v128 {
  const q = f64x2.div(f64x2.mul(x, f64x2.add(x, f64x2.splat(3))), f64x2.splat(6));
  const r = v128.bitselect(x, q, f64x2.ge(x, f64x2.splat(3)));
  // +0 where x < −3 (all bits clear), as the JS loop's literal 0
  return v128.andnot(r, f64x2.lt(x, f64x2.splat(-3)));
}

/** hardswish of each float32 lane: the JS loop's float64 result rounded to float32 (bit for bit its stores). */
// @ts-ignore: decorator
export function hardswish4(v: v128): v128 {
  const lo = f32x4.demote_f64x2_zero(hswish2(f64x2.promote_low_f32x4(v)));
  const hi = f32x4.demote_f64x2_zero(hswish2(f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 2, 3))));
  return i32x4.shuffle(lo, hi, 0, 1, 4, 5);
}

/** The same for one float32 value. */
// @ts-ignore: decorator
@inline export function hardswish1(v: f32): f32 {
  const x = <f64>v;
  return <f32>(x < -3 ? 0 : x >= 3 ? x : (x * (x + 3)) / 6);
}

/** hardswish in place over the n floats at p (a stored row of the depthwise kernel). */
export function hardswish_run(p: usize, n: i32): void {
  let i = 0;
  for (; i + 3 < n; i += 4, p += 16) v128.store(p, hardswish4(v128.load(p)));
  for (; i < n; i++, p += 4) store<f32>(p, hardswish1(load<f32>(p)));
}
