// gradcheck: autograd gradients against float64 central differences, for every element of every input.
import { NDArray, autograd } from "../../src/index.js";
import { nextUniform } from "../../src/ndarray/random.js";

export interface GradcheckOptions {
  /** finite-difference step; default 1e-6 */
  eps?: number;
  /** pass when |autograd − numeric| ≤ atol + rtol·|numeric| elementwise; defaults 1e-5 and 1e-6 */
  rtol?: number;
  atol?: number;
}

export interface GradcheckReport {
  /** per input: max |autograd − numeric| */
  maxAbsErr: number[];
  /** per input: max |a − n| / max(|a|, |n|) over elements with max(|a|, |n|) > atol */
  maxRelErr: number[];
}

/** A dense float64 copy (element i lives at data[i], which the finite differences perturb). */
export const f64 = (x: NDArray) => new NDArray(Float64Array.from(x.asTypedArray()), x.shape);

/**
 * Compares `analytic` (the derivative of `objective` w.r.t. every element of the dense float64 array x) with
 * (objective(x + eps·eᵢ) − objective(x − eps·eᵢ)) / 2eps; throws naming `check`, `name` and the element when
 * |analytic − numeric| > atol + rtol·|numeric|. Returns [max |a − n|, max |a − n| / max(|a|, |n|) over elements above atol].
 */
export function againstCentralDifferences(
  check: string,
  name: string,
  x: NDArray,
  analytic: ArrayLike<number>,
  objective: () => number,
  { eps, rtol, atol }: Required<GradcheckOptions>,
): [number, number] {
  const data = x.hostData;
  let maxAbs = 0;
  let maxRel = 0;
  for (let i = 0; i < data.length; i++) {
    const keep = data[i]!;
    data[i] = keep + eps;
    const up = objective();
    data[i] = keep - eps;
    const down = objective();
    data[i] = keep;
    const numeric = (up - down) / (2 * eps);
    const a = analytic[i]!;
    const err = Math.abs(a - numeric);
    if (!(err <= atol + rtol * Math.abs(numeric)))
      throw new Error(`${check}: ${name} (shape [${x.shape.join(",")}]) element ${i}: autograd ${a}, numeric ${numeric}, |diff| ${err}`);
    maxAbs = Math.max(maxAbs, err);
    const scale = Math.max(Math.abs(a), Math.abs(numeric));
    if (scale > atol) maxRel = Math.max(maxRel, err / scale);
  }
  return [maxAbs, maxRel];
}

/**
 * Checks d(Σ v·f(inputs))/d(input) for a fixed random v of f's output shape (so every output element counts),
 * comparing `backward` to (s(x + eps·eᵢ) − s(x − eps·eᵢ)) / 2eps. Inputs are copied to float64 first;
 * `f` must not create float32 arrays that mix with them in conv/dot. Throws with the worst element on failure.
 */
export function gradcheck(f: (...xs: NDArray[]) => NDArray, inputs: readonly NDArray[], options: GradcheckOptions = {}): GradcheckReport {
  const { eps = 1e-6, rtol = 1e-5, atol = 1e-6 } = options;
  const xs = inputs.map(f64);
  for (const x of xs) x.attachGrad();
  const y = autograd.record(() => f(...xs));
  if (!(y instanceof NDArray)) throw new Error("gradcheck: f must return an NDArray");
  const v = new NDArray(
    Float64Array.from({ length: y.size }, () => 2 * nextUniform() - 1),
    y.shape,
  );
  const weights = v.asTypedArray();
  y.backward(v);
  const objective = () => {
    // the same (training) mode as the recorded pass: BatchNorm must use batch statistics in both
    const out = autograd.pause(() => f(...xs), { trainMode: true }).asTypedArray();
    let s = 0;
    for (let i = 0; i < out.length; i++) s += out[i]! * weights[i]!;
    return s;
  };
  const report: GradcheckReport = { maxAbsErr: [], maxRelErr: [] };
  xs.forEach((x, k) => {
    const [maxAbs, maxRel] = againstCentralDifferences("gradcheck", `input ${k}`, x, x.grad!.asTypedArray(), objective, { eps, rtol, atol });
    report.maxAbsErr.push(maxAbs);
    report.maxRelErr.push(maxRel);
  });
  return report;
}

/** Float64 normal samples (seeded through np.random.seed), for gradcheck inputs. */
export function randn(shape: readonly number[], scale = 1): NDArray {
  const n = shape.reduce((p, d) => p * d, 1);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - nextUniform()));
    const t = 2 * Math.PI * nextUniform();
    out[i] = scale * r * Math.cos(t);
    if (i + 1 < n) out[i + 1] = scale * r * Math.sin(t);
  }
  return new NDArray(out, shape);
}

/** Float64 uniform samples in [lo, hi). */
export function uniform(shape: readonly number[], lo: number, hi: number): NDArray {
  const n = shape.reduce((p, d) => p * d, 1);
  return new NDArray(
    Float64Array.from({ length: n }, () => lo + (hi - lo) * nextUniform()),
    shape,
  );
}

/** The largest relative and absolute errors per test name, printed once by the test file. */
export const measured = new Map<string, { rel: number; abs: number }>();
export function track(name: string, r: GradcheckReport): GradcheckReport {
  const m = measured.get(name) ?? { rel: 0, abs: 0 };
  measured.set(name, { rel: Math.max(m.rel, ...r.maxRelErr), abs: Math.max(m.abs, ...r.maxAbsErr) });
  return r;
}
