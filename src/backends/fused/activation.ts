// Activations without a closure per element: leaky ReLU, ELU, SELU, GELU and softsign, forward and backward loops.
import type { FloatArray } from "../../ndarray/strided.js";

import type { LeakyActType } from "../../params/kernel-records.js";

export type { LeakyActType } from "../../params/kernel-records.js";

// SELU's constants (Klambauer et al. 2017), as MXNet's mshadow_op::selu
// (the published digits, rounded to the nearest double)
const SELU_LAMBDA = 1.0507009873554805;
const SELU_ALPHA = 1.6732632423543772;
const TWO_OVER_SQRT_PI = 1.1283791670955126;
const INV_SQRT_PI = 0.5641895835477563;
const INV_SQRT2 = Math.SQRT1_2;
const INV_SQRT_2PI = 0.3989422804014327;

/** erf to ~1e-15: the Maclaurin series below |z| = 2.5, else 1 − erfc from its continued fraction (Lentz-free, 60 terms backwards). */
export function erf(z: number): number {
  const a = Math.abs(z);
  if (a < 2.5) {
    // erf z = 2/√π · Σ (−1)ⁿ z^(2n+1) / (n! (2n+1))
    const z2 = z * z;
    let term = z,
      sum = z;
    for (let n = 1; n < 80; n++) {
      term *= -z2 / n;
      const t = term / (2 * n + 1);
      sum += t;
      if (Math.abs(t) < 1e-17 * Math.abs(sum)) break;
    }
    return TWO_OVER_SQRT_PI * sum;
  }
  if (a > 6) return z > 0 ? 1 : -1; // erfc(6) < 3e-17
  // erfc a = e^(−a²)/√π · 1/(a + (1/2)/(a + 1/(a + (3/2)/(a + …))))
  let f = a;
  for (let k = 60; k >= 1; k--) f = a + k / 2 / f;
  const erfc = (Math.exp(-a * a) * INV_SQRT_PI) / f;
  return z > 0 ? 1 - erfc : erfc - 1;
}

/** y = f(x) for MXNet's LeakyReLU act types: leaky x>0 ? x : slope·x; elu x>0 ? x : slope·(eˣ−1); selu λ·(x>0 ? x : α(eˣ−1)); gelu x·Φ(x). */
export function leakyForward(act: LeakyActType, slope: number, x: FloatArray, y: FloatArray): void {
  const n = x.length;
  switch (act) {
    case "leaky": {
      // v·[slope, 1][v > 0]: a table load instead of a branch (random signs mispredict), the same product
      const factor = Float64Array.of(slope, 1);
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        y[i] = v * factor[+(v > 0)]!;
      }
      return;
    }
    case "elu":
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        y[i] = v > 0 ? v : slope * Math.expm1(v);
      }
      return;
    case "selu":
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        y[i] = SELU_LAMBDA * (v > 0 ? v : SELU_ALPHA * Math.expm1(v));
      }
      return;
    case "gelu":
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        y[i] = 0.5 * v * (1 + erf(v * INV_SQRT2));
      }
      return;
  }
}

/** dx = dy·f′(x): leaky 1 | slope; elu 1 | slope·eˣ; selu λ | λα·eˣ; gelu Φ(x) + x·φ(x). */
export function leakyBackward(act: LeakyActType, slope: number, x: FloatArray, dy: FloatArray, dx: FloatArray): void {
  const n = x.length;
  switch (act) {
    case "leaky": {
      const factor = Float64Array.of(slope, 1);
      for (let i = 0; i < n; i++) dx[i] = dy[i]! * factor[+(x[i]! > 0)]!;
      return;
    }
    case "elu":
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        dx[i] = v > 0 ? dy[i]! : slope * Math.exp(v) * dy[i]!;
      }
      return;
    case "selu":
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        dx[i] = SELU_LAMBDA * (v > 0 ? dy[i]! : SELU_ALPHA * Math.exp(v) * dy[i]!);
      }
      return;
    case "gelu":
      for (let i = 0; i < n; i++) {
        const v = x[i]!;
        dx[i] = dy[i]! * (0.5 * (1 + erf(v * INV_SQRT2)) + v * INV_SQRT_2PI * Math.exp(-0.5 * v * v));
      }
      return;
  }
}

/** softsign y = x / (1 + |x|). */
export function softsignForward(x: FloatArray, y: FloatArray): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    y[i] = v / (1 + Math.abs(v));
  }
}

/** dx = dy / (1 + |x|)². */
export function softsignBackward(x: FloatArray, dy: FloatArray, dx: FloatArray): void {
  for (let i = 0; i < x.length; i++) {
    const d = 1 + Math.abs(x[i]!);
    dx[i] = dy[i]! / (d * d);
  }
}

/** PReLU over x viewed as [outer, C, inner]: y = x for x > 0, α[c]·x otherwise (α of length C, or 1 shared). */
export function preluForward(outer: number, C: number, inner: number, x: FloatArray, alpha: FloatArray, y: FloatArray): void {
  const shared = alpha.length === 1;
  // v·[α, 1][v > 0]: a table load instead of a branch, as leaky's (random signs mispredict: 1.1 → 0.4 ms over 128 K
  // floats); the same product, so NaN, ±0 and ±∞ come out as from the branch
  const factor = new Float64Array(2);
  factor[1] = 1;
  for (let o = 0, i = 0; o < outer; o++)
    for (let c = 0; c < C; c++) {
      factor[0] = alpha[shared ? 0 : c]!;
      for (let k = 0; k < inner; k++, i++) {
        const v = x[i]!;
        y[i] = v * factor[+(v > 0)]!;
      }
    }
}

/** dx = dy·(x > 0 ? 1 : α[c]);  dα[c] = Σ_{x ≤ 0 in channel c} dy·x (summed into dalpha[0] when α is shared). */
export function preluBackward(
  outer: number,
  C: number,
  inner: number,
  x: FloatArray,
  alpha: FloatArray,
  dy: FloatArray,
  dx: FloatArray | null,
  dalpha: FloatArray | null,
): void {
  const shared = alpha.length === 1;
  for (let o = 0, i = 0; o < outer; o++)
    for (let c = 0; c < C; c++) {
      const a = alpha[shared ? 0 : c]!;
      let s = 0;
      for (let k = 0; k < inner; k++, i++) {
        const v = x[i]!,
          g = dy[i]!;
        if (v > 0) {
          if (dx) dx[i] = g;
        } else {
          if (dx) dx[i] = a * g;
          s += g * v;
        }
      }
      if (dalpha) {
        const k = shared ? 0 : c;
        dalpha[k] = dalpha[k]! + s;
      }
    }
}
