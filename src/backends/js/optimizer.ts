// Fused optimizer updates: one loop per parameter does rescale, clip, weight decay and the SGD/Adam step in place.

type FloatArray = Float32Array | Float64Array;

import type { GradPrep } from "../../params/kernel-records.js";

export type { GradPrep } from "../../params/kernel-records.js";

/**
 * Plain SGD w ← w − lr·g, or with momentum v ← momentum·v − lr·g; w ← w + v. Arrays are dense from index 0 (the
 * callers pass the parameter's own buffers); `v` is null without momentum.
 */
export function sgdUpdate(w: FloatArray, grad: FloatArray, v: FloatArray | null, n: number, p: GradPrep, lr: number, momentum: number): void {
  const { rescale, clip, wd } = p;
  if (v === null) {
    for (let i = 0; i < n; i++) {
      let g = grad[i]! * rescale;
      g = g > clip ? clip : g < -clip ? -clip : g;
      g += w[i]! * wd;
      w[i] = w[i]! - g * lr;
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    let g = grad[i]! * rescale;
    g = g > clip ? clip : g < -clip ? -clip : g;
    g += w[i]! * wd;
    v[i] = v[i]! * momentum - g * lr;
    w[i] = w[i]! + v[i]!;
  }
}

/**
 * MXNet's Adam: m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  w ← w − lrT · m/(√v + ε), where the caller folds the bias
 * corrections into lrT = lr·√(1−β₂ᵗ)/(1−β₁ᵗ).
 */
export function adamUpdate(
  w: FloatArray,
  grad: FloatArray,
  m: FloatArray,
  v: FloatArray,
  n: number,
  p: GradPrep,
  lrT: number,
  beta1: number,
  beta2: number,
  epsilon: number,
): void {
  const { rescale, clip, wd } = p;
  const c1 = 1 - beta1,
    c2 = 1 - beta2;
  for (let i = 0; i < n; i++) {
    let g = grad[i]! * rescale;
    g = g > clip ? clip : g < -clip ? -clip : g;
    g += w[i]! * wd;
    const mi = m[i]! * beta1 + g * c1;
    const vi = v[i]! * beta2 + g * g * c2;
    m[i] = mi;
    v[i] = vi;
    w[i] = w[i]! - (mi / (Math.sqrt(vi) + epsilon)) * lrT;
  }
}
