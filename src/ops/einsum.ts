// np.einsum for one or two operands without ellipsis or repeated subscripts: sums, a transpose and one batched matmul,
// so the gradient comes from those ops' rules.
import { NDArray } from "../ndarray/ndarray.js";
import { formatShape } from "../ndarray/strided.js";
import { showValue } from "../params/options.js";
import { matmul } from "./linalg.js";
import { reduce } from "./reduce.js";
import { reshape, transpose } from "./shape.js";

const WHERE = "np.einsum";
const LETTER = /^[a-zA-Z]$/;

interface Parsed {
  inputs: string[][];
  output: string[];
}

/** "ij,jk->ik" → letters per operand and of the output (numpy's implicit output: letters seen once, sorted). */
function parse(subscripts: string, count: number): Parsed {
  const s = subscripts.replace(/\s+/g, "");
  if (s.includes(".")) throw new Error(`${WHERE}: '${subscripts}' uses an ellipsis, which tconv's einsum does not support`);
  const [lhs, rhs, ...rest] = s.split("->");
  if (lhs === undefined || rest.length > 0) throw new Error(`${WHERE}: '${subscripts}' must be 'in1[,in2][->out]'`);
  const inputs = lhs.split(",").map((t) => [...t]);
  if (inputs.length !== count) throw new Error(`${WHERE}: '${subscripts}' names ${inputs.length} operands but ${count} were given`);
  for (const letters of [...inputs, ...(rhs === undefined ? [] : [[...rhs]])]) {
    const bad = letters.find((c) => !LETTER.test(c));
    if (bad !== undefined) throw new Error(`${WHERE}: '${subscripts}' has '${bad}'; subscripts are letters a-z, A-Z`);
    if (new Set(letters).size !== letters.length)
      throw new Error(`${WHERE}: '${subscripts}' repeats a subscript within one term (diagonals and traces are not supported)`);
  }
  const seen = inputs.flat();
  const output = rhs === undefined ? [...new Set(seen)].filter((c) => seen.indexOf(c) === seen.lastIndexOf(c)).sort() : [...rhs];
  for (const c of output) if (!seen.includes(c)) throw new Error(`${WHERE}: output subscript '${c}' of '${subscripts}' appears in no operand`);
  return { inputs, output };
}

/** x with the axes whose letters `keep` lacks summed away; returns the array and its remaining letters. */
function sumAway(x: NDArray, letters: string[], keep: (c: string) => boolean): [NDArray, string[]] {
  const axes = letters.flatMap((c, i) => (keep(c) ? [] : [i]));
  if (axes.length === 0) return [x, letters];
  return [reduce("sum", x, { axis: axes }), letters.filter(keep)];
}

const product = (dims: number[]) => dims.reduce((p, d) => p * d, 1);

/** numpy's einsum for one or two float operands, e.g. "ij,jk->ik", "bhqd,bhkd->bhqk", "nchw->nhwc", "ij->". */
export function einsum(subscripts: string, ...operands: NDArray[]): NDArray {
  if (typeof subscripts !== "string") throw new Error(`${WHERE}: subscripts must be a string, got ${showValue(subscripts)}`);
  if (operands.length < 1 || operands.length > 2) throw new Error(`${WHERE}: tconv's einsum takes one or two operands, got ${operands.length}`);
  operands.forEach((x, k) => {
    if (!(x instanceof NDArray)) throw new Error(`${WHERE}: operand ${k} must be an NDArray, got ${showValue(x)}`);
  });
  const { inputs, output } = parse(subscripts, operands.length);
  const size = new Map<string, number>();
  operands.forEach((x, k) => {
    const letters = inputs[k]!;
    if (letters.length !== x.ndim)
      throw new Error(`${WHERE}: term '${letters.join("")}' has ${letters.length} subscripts but operand ${k} has shape ${formatShape(x.shape)}`);
    letters.forEach((c, i) => {
      const d = x.shape[i]!;
      const prev = size.get(c);
      if (prev !== undefined && prev !== d) throw new Error(`${WHERE}: subscript '${c}' is ${prev} in one place and ${d} in another ('${subscripts}')`);
      size.set(c, d);
    });
  });
  const inOut = (c: string) => output.includes(c);
  if (operands.length === 1) {
    const [y, letters] = sumAway(operands[0]!, inputs[0]!, inOut);
    return transpose(
      y,
      output.map((c) => letters.indexOf(c)),
    );
  }
  // letters only one operand has and the output lacks are summed out first
  const [la, lb] = [inputs[0]!, inputs[1]!];
  const [a, ta] = sumAway(operands[0]!, la, (c) => inOut(c) || lb.includes(c));
  const [b, tb] = sumAway(operands[1]!, lb, (c) => inOut(c) || la.includes(c));
  const batch = ta.filter((c) => tb.includes(c) && inOut(c));
  const contracted = ta.filter((c) => tb.includes(c) && !inOut(c));
  const freeA = ta.filter((c) => !tb.includes(c));
  const freeB = tb.filter((c) => !ta.includes(c));
  const dims = (cs: string[]) => cs.map((c) => size.get(c)!);
  // [batch, freeA, contracted] @ [batch, contracted, freeB] → [batch, freeA, freeB]
  const a3 = reshape(
    transpose(
      a,
      [...batch, ...freeA, ...contracted].map((c) => ta.indexOf(c)),
    ),
    [product(dims(batch)), product(dims(freeA)), product(dims(contracted))],
  );
  const b3 = reshape(
    transpose(
      b,
      [...batch, ...contracted, ...freeB].map((c) => tb.indexOf(c)),
    ),
    [product(dims(batch)), product(dims(contracted)), product(dims(freeB))],
  );
  const order = [...batch, ...freeA, ...freeB];
  const y = reshape(matmul(a3, b3), dims(order));
  return transpose(
    y,
    output.map((c) => order.indexOf(c)),
  );
}
