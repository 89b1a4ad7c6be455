// The PyTorch cases of test/fixtures/torch/norms.json (scripts/fixtures/make-norms.py): lookup, arrays and comparison.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { NDArray } from "../../src/index.js";

/** A tensor as the fixture script writes it. */
export interface TorchTensor {
  shape: number[];
  data: number[];
}

/** Every case of norms.json; each test file reads the fields its op's cases carry. */
export const normsCases = JSON.parse(readFileSync(new URL("../fixtures/torch/norms.json", import.meta.url), "utf8")).cases as ({ name: string } & Record<
  string,
  unknown
>)[];

/** The case called `name`, typed as the caller's case shape. */
export function torchCase<C>(name: string): C {
  const c = normsCases.find((k) => k.name === name);
  if (!c) throw new Error(`norms.json has no case '${name}'`);
  return c as C;
}

/** A normalisation case of norms.json: input, output, head gradient v, and the gradients of Σ v·y PyTorch gives. */
export interface NormCase {
  name: string;
  x: TorchTensor;
  y: TorchTensor;
  v: TorchTensor;
  dx: TorchTensor;
  gamma?: TorchTensor;
  beta?: TorchTensor;
  dgamma?: TorchTensor;
  dbeta?: TorchTensor;
  eps?: number;
  numGroups?: number;
}

/** A fixture tensor as a float64 NDArray. */
export const arr = (t: TorchTensor) => new NDArray(Float64Array.from(t.data), t.shape);

/** `got` equals PyTorch's `want` elementwise within tol·(1 + |want|). */
export function closeToTorch(got: NDArray, want: TorchTensor, tol: number, what: string): void {
  assert.deepEqual(got.shape, want.shape, `${what}: shape`);
  const g = got.asTypedArray();
  for (let i = 0; i < want.data.length; i++)
    assert.ok(Math.abs(g[i]! - want.data[i]!) <= tol * (1 + Math.abs(want.data[i]!)), `${what}[${i}]: ${g[i]} vs PyTorch ${want.data[i]}`);
}
