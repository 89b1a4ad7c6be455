// Gradient rules of the elementwise ops (numpy broadcasting: each operand's gradient is summed back to its shape).
import type { NDArray, Operand } from "../../ndarray/ndarray.js";
import { binary as b, unary as u } from "../../ops/elementwise.js";
import { zerosOn } from "../../backends/dispatch.js";
import type { BinaryOp, UnaryOp } from "../../tape/op-types.js";
import { type GradRule, negativeMask, positiveMask, sumTo, type RuleSet } from "./rule.js";

/**
 * Wraps a rule written for operands (a, b) — each an array or a number — into one that returns a gradient
 * per recorded input (the array operands, in order a, b), reduced to that operand's shape.
 */
function binaryRule(
  rule: (g: NDArray, a: Operand, b: Operand, out: NDArray, need: [boolean, boolean]) => [NDArray | null, NDArray | null],
): GradRule<BinaryOp> {
  return ({ g, output, attrs, needs }) => {
    const { a, b: bb } = attrs;
    const isArr = [typeof a !== "number", typeof bb !== "number"];
    // needs[] is indexed by recorded inputs (numbers are not recorded)
    const need: [boolean, boolean] = [false, false];
    let k = 0;
    for (let i = 0; i < 2; i++) if (isArr[i]) need[i] = needs[k++]!;
    const grads = rule(g, a, bb, output, need);
    const out: (NDArray | null)[] = [];
    [a, bb].forEach((v, i) => {
      if (typeof v !== "number") out.push(need[i] && grads[i] ? sumTo(grads[i]!, v.shape) : null);
    });
    return out;
  };
}

/** d(a ∘ b) for the ops whose winner/mask is read off the output: ties go to `a` (the forward picks a when a = b). */
const winner = (g: NDArray, a: Operand, out: NDArray): [NDArray, NDArray] => {
  const aWins = b("eq", out, a); // 1 where the output is a's value
  return [b("mul", g, aWins), b("mul", g, b("sub", 1, aWins))];
};

/** A step function's rule: zero gradient for each array operand. */
const stepRule = binaryRule((g, a, bb) => [typeof a === "number" ? null : zerosOn(g, a.shape), typeof bb === "number" ? null : zerosOn(g, bb.shape)]);

export const elementwiseRules: RuleSet<BinaryOp | UnaryOp | "where"> = {
  // d(a+b) = da + db
  add: binaryRule((g) => [g, g]),
  // d(a−b) = da − db
  sub: binaryRule((g) => [g, u("neg", g)]),
  // d(ab) = b·da + a·db
  mul: binaryRule((g, a, bb, _o, need) => [need[0] ? b("mul", g, bb) : null, need[1] ? b("mul", g, a) : null]),
  // d(a/b) = da/b − (a/b²)·db = da/b − (out/b)·db
  div: binaryRule((g, _a, bb, out, need) => [need[0] ? b("div", g, bb) : null, need[1] ? u("neg", b("div", b("mul", g, out), bb)) : null]),
  // d(aᵇ) = b·aᵇ⁻¹·da + aᵇ·ln(a)·db   (db is NaN where a < 0, as numpy's log)
  pow: binaryRule((g, a, bb, out, need) => [
    // a number exponent stays a number (an op of two numbers would make a CPU array, wrong next to GPU arrays)
    need[0] ? b("mul", g, b("mul", bb, b("pow", a, typeof bb === "number" ? bb - 1 : b("sub", bb, 1)))) : null,
    need[1] ? b("mul", g, b("mul", out, typeof a === "number" ? Math.log(a) : u("log", a))) : null,
  ]),
  // a mod b = a − ⌊a/b⌋·b (fmod: with trunc): da = g, db = −⌊a/b⌋·g, with ⌊a/b⌋ = (a − out)/b (locally constant)
  mod: binaryRule((g, a, bb, out, need) => [need[0] ? g : null, need[1] ? u("neg", b("mul", g, b("div", b("sub", a, out), bb))) : null]),
  fmod: binaryRule((g, a, bb, out, need) => [need[0] ? g : null, need[1] ? u("neg", b("mul", g, b("div", b("sub", a, out), bb))) : null]),
  // the larger operand gets the gradient; on ties (a = b) all of it goes to the first operand a
  maximum: binaryRule((g, a, _b, out) => winner(g, a, out)),
  // the smaller operand gets the gradient; on ties all of it goes to the first operand a
  minimum: binaryRule((g, a, _b, out) => winner(g, a, out)),
  // the comparisons are step functions: zero gradient almost everywhere
  eq: stepRule,
  ne: stepRule,
  lt: stepRule,
  le: stepRule,
  gt: stepRule,
  ge: stepRule,
  // where(c, a, b): da = [c ≠ 0]·g, db = [c = 0]·g; no gradient flows into the condition
  where: ({ g, attrs, needs }) => {
    const { cond, a, b: bb } = attrs;
    const mask = b("ne", cond, 0);
    const grads: (NDArray | null)[] = [];
    let k = 0;
    for (const [v, m] of [
      [a, mask],
      [bb, b("sub", 1, mask)],
    ] as const)
      if (typeof v !== "number") grads.push(needs[k++] ? sumTo(b("mul", g, m), v.shape) : null);
    return grads;
  },

  // d(−x) = −dx
  neg: ({ g }) => [u("neg", g)],
  // d eˣ = eˣ dx
  exp: ({ g, output }) => [b("mul", g, output)],
  // d ln x = dx / x
  log: ({ g, inputs }) => [b("div", g, inputs[0]!)],
  // d √x = dx / (2√x)
  sqrt: ({ g, output }) => [b("div", b("mul", g, 0.5), output)],
  // d|x| = sign(x) dx, with sign(0) = 0 (MXNet's choice)
  abs: ({ g, inputs }) => [b("mul", g, b("sub", positiveMask(inputs[0]!), negativeMask(inputs[0]!)))],
  // d relu(x) = [x > 0] dx (0 at x = 0); at NaN (relu propagates it) the gradient passes through, as PyTorch's
  relu: ({ g, inputs }) => [b("mul", g, positiveMask(inputs[0]!))],
  // d σ(x) = σ(x)(1 − σ(x)) dx
  sigmoid: ({ g, output }) => [b("mul", g, b("mul", output, b("sub", 1, output)))],
  // d tanh x = (1 − tanh² x) dx
  tanh: ({ g, output }) => [b("mul", g, b("sub", 1, b("mul", output, output)))],
  // d ln(1 + eˣ) = σ(x) dx
  softrelu: ({ g, inputs }) => [b("mul", g, u("sigmoid", inputs[0]!))],
  // d erf(x) = 2/√π·e^(−x²) dx
  erf: ({ g, inputs }) => [b("mul", g, b("mul", u("exp", u("neg", b("mul", inputs[0]!, inputs[0]!))), 2 / Math.sqrt(Math.PI)))],
  // d sin x = cos x dx
  sin: ({ g, inputs }) => [b("mul", g, u("cos", inputs[0]!))],
  // d cos x = −sin x dx
  cos: ({ g, inputs }) => [b("mul", g, u("neg", u("sin", inputs[0]!)))],
  // d hardsigmoid(x) = [−3 < x < 3]/6 dx (PyTorch's hardsigmoid_backward: 0 at both corners)
  hardsigmoid: ({ g, inputs }) => {
    const x = inputs[0]!;
    return [b("mul", g, b("div", b("mul", b("gt", x, -3), b("lt", x, 3)), 6))];
  },
  // d hardswish(x) = 0 for x < −3, (x/3 + ½) dx for −3 ≤ x ≤ 3, dx for x > 3 (PyTorch's hardswish_backward)
  hardswish: ({ g, inputs }) => {
    const x = inputs[0]!;
    const middle = b("mul", b("ge", x, -3), b("le", x, 3));
    return [b("mul", g, b("add", b("mul", middle, b("add", b("div", x, 3), 0.5)), b("gt", x, 3)))];
  },
};
