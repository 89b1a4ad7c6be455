// gradgradcheck: second-order autograd (autograd.grad with createGraph) against float64 central differences of the first gradient.
import { NDArray, autograd } from "../../src/index.js";
import { nextUniform } from "../../src/ndarray/random.js";
import { againstCentralDifferences, f64, type GradcheckOptions, type GradcheckReport } from "./gradcheck.js";

const rand = (shape: readonly number[]) =>
  new NDArray(
    Float64Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => 2 * nextUniform() - 1),
    shape,
  );

/**
 * With v a fixed random weight of f's output and uₖ fixed random weights of the first gradients, the scalar
 *   s(x, v) = Σₖ ⟨uₖ, ∂⟨v, f(x)⟩/∂xₖ⟩
 * is computed from autograd.grad(…, { createGraph: true }) and differentiated by backward() w.r.t. every input xⱼ and
 * w.r.t. v (so the rules are checked as functions of their incoming gradient too). Each is compared to
 * (s(· + eps·eᵢ) − s(· − eps·eᵢ)) / 2eps, where s is evaluated with the plain first-order gradient (createGraph false).
 * Reports per input (the last entry is v); throws with the worst element on failure.
 */
export function gradgradcheck(f: (...xs: NDArray[]) => NDArray, inputs: readonly NDArray[], options: GradcheckOptions = {}): GradcheckReport {
  const { eps = 1e-6, rtol = 1e-5, atol = 1e-6 } = options;
  const xs = inputs.map(f64);
  for (const x of xs) x.attachGrad();
  const y0 = autograd.pause(() => f(...xs), { trainMode: true });
  const v = rand(y0.shape).attachGrad();
  const us = xs.map((x) => rand(x.shape));
  const s = autograd.record(() => {
    const y = f(...xs);
    const gs = autograd.grad([y], xs, { headGrads: [v], createGraph: true });
    return gs.map((gk, k) => gk.mul(us[k]!).sum()).reduce((p, q) => p.add(q));
  });
  for (const x of [...xs, v]) x.grad = null;
  s.backward();
  const objective = () => {
    const y = autograd.record(() => f(...xs));
    const gs = autograd.grad([y], xs, { headGrads: [v] });
    let t = 0;
    gs.forEach((gk, k) => {
      const a = gk.asTypedArray(),
        w = us[k]!.asTypedArray();
      for (let i = 0; i < a.length; i++) t += a[i]! * w[i]!;
    });
    return t;
  };
  const report: GradcheckReport = { maxAbsErr: [], maxRelErr: [] };
  [...xs, v].forEach((x, k) => {
    // an input s does not depend on (a second derivative that is zero) leaves .grad unwritten: compare with zeros
    const analytic = x.grad ? x.grad.asTypedArray() : new Float64Array(x.size);
    const name = k === xs.length ? "the head gradient v" : `input ${k}`;
    const [maxAbs, maxRel] = againstCentralDifferences("gradgradcheck", name, x, analytic, objective, { eps, rtol, atol });
    report.maxAbsErr.push(maxAbs);
    report.maxRelErr.push(maxRel);
  });
  return report;
}
