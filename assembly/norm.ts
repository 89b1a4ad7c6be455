// The normalisation passes over float32 data in float64 (src/backends/fused/run-sums.ts's loops, the same operations in the same order, two lanes at a time).

/** Lanes 2 and 3 of v moved to lanes 0 and 1 (for f64x2.promote_low_f32x4). */
// @ts-ignore: decorator
@inline function high(v: v128): v128 {
  return i32x4.shuffle(v, v, 2, 3, 2, 3);
}

/**
 * Σ x[i] over the n floats at p, in float64: runSum's eight per iteration paired into four sums (a0 += x0 + x4, a1 +=
 * x1 + x5, …), as (a0, a1) and (a2, a3) in two f64x2 lanes, the tail into a0, then ((a0 + a1) + a2) + a3. Bit for bit
 * runSum's result.
 */
export function norm_sum(p: usize, n: i32): f64 {
  let s01 = f64x2.splat(0),
    s23 = f64x2.splat(0);
  let i = 0;
  for (; i + 7 < n; i += 8, p += 32) {
    const v0 = v128.load(p),
      v1 = v128.load(p, 16);
    s01 = f64x2.add(s01, f64x2.add(f64x2.promote_low_f32x4(v0), f64x2.promote_low_f32x4(v1)));
    s23 = f64x2.add(s23, f64x2.add(f64x2.promote_low_f32x4(high(v0)), f64x2.promote_low_f32x4(high(v1))));
  }
  let a0 = f64x2.extract_lane(s01, 0);
  for (; i < n; i++, p += 4) a0 += <f64>load<f32>(p);
  return a0 + f64x2.extract_lane(s01, 1) + f64x2.extract_lane(s23, 0) + f64x2.extract_lane(s23, 1);
}

/** Σ (x[i] − mu)² over the n floats at p, in float64: runSquares' pairing (a0 += d0·d0 + d4·d4, …), bit for bit. */
export function norm_squares(p: usize, n: i32, mu: f64): f64 {
  let s01 = f64x2.splat(0),
    s23 = f64x2.splat(0);
  const m = f64x2.splat(mu);
  let i = 0;
  for (; i + 7 < n; i += 8, p += 32) {
    const v0 = v128.load(p),
      v1 = v128.load(p, 16);
    const d01 = f64x2.sub(f64x2.promote_low_f32x4(v0), m),
      d45 = f64x2.sub(f64x2.promote_low_f32x4(v1), m),
      d23 = f64x2.sub(f64x2.promote_low_f32x4(high(v0)), m),
      d67 = f64x2.sub(f64x2.promote_low_f32x4(high(v1)), m);
    s01 = f64x2.add(s01, f64x2.add(f64x2.mul(d01, d01), f64x2.mul(d45, d45)));
    s23 = f64x2.add(s23, f64x2.add(f64x2.mul(d23, d23), f64x2.mul(d67, d67)));
  }
  let a0 = f64x2.extract_lane(s01, 0);
  for (; i < n; i++, p += 4) {
    const d = <f64>load<f32>(p) - mu;
    a0 += d * d;
  }
  return a0 + f64x2.extract_lane(s01, 1) + f64x2.extract_lane(s23, 0) + f64x2.extract_lane(s23, 1);
}

/** y[j] = f32(x[j]·a + b) for the n floats at x (float64 product and sum, one rounding: affineRun's stores). */
export function norm_affine(x: usize, y: usize, n: i32, a: f64, b: f64): void {
  const av = f64x2.splat(a),
    bv = f64x2.splat(b);
  let j = 0;
  for (; j + 3 < n; j += 4, x += 16, y += 16) {
    const v = v128.load(x);
    const lo = f32x4.demote_f64x2_zero(f64x2.add(f64x2.mul(f64x2.promote_low_f32x4(v), av), bv)),
      hi = f32x4.demote_f64x2_zero(f64x2.add(f64x2.mul(f64x2.promote_low_f32x4(high(v)), av), bv));
    v128.store(y, i32x4.shuffle(lo, hi, 0, 1, 4, 5));
  }
  for (; j < n; j++, x += 4, y += 4) store<f32>(y, <f32>(<f64>load<f32>(x) * a + b));
}
