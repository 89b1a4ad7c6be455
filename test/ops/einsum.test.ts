// np.einsum (one or two operands): numpy's values, a direct-loop definition over every index tuple for many forms,
// gradients by gradcheck, errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { type NDArray, np } from "../../src/index.js";
import { gradcheck, randn } from "../helpers/gradcheck.js";

/** Σ over all letters not in the output of Π operands, by looping over every assignment of every letter. */
function direct(spec: string, xs: NDArray[]): { shape: number[]; data: number[] } {
  const [lhs, out] = spec.split("->") as [string, string];
  const terms = lhs.split(",");
  const size = new Map<string, number>();
  terms.forEach((t, k) => [...t].forEach((c, i) => size.set(c, xs[k]!.shape[i]!)));
  const letters = [...size.keys()];
  const shape = [...out].map((c) => size.get(c)!);
  const data = new Array<number>(shape.reduce((p, d) => p * d, 1)).fill(0);
  const vals = xs.map((x) => x.asTypedArray());
  const at = new Map<string, number>(letters.map((c) => [c, 0]));
  const total = letters.reduce((p, c) => p * size.get(c)!, 1);
  for (let n = 0; n < total; n++) {
    let r = n;
    for (const c of [...letters].reverse()) {
      at.set(c, r % size.get(c)!);
      r = Math.floor(r / size.get(c)!);
    }
    let prod = 1;
    terms.forEach((t, k) => {
      let off = 0;
      [...t].forEach((c, i) => (off = off * xs[k]!.shape[i]! + at.get(c)!));
      prod *= vals[k]![off]!;
    });
    let o = 0;
    [...out].forEach((c) => (o = o * size.get(c)! + at.get(c)!));
    data[o] = data[o]! + prod;
  }
  return { shape, data };
}

test("np.einsum equals numpy's on matmul, implicit output, full sum and transposes", () => {
  const a = np.arange(6).reshape(2, 3).astype("float64");
  const b = np.arange(12).reshape(3, 4).astype("float64").sub(5);
  assert.deepEqual(np.einsum("ij,jk->ik", a, b).tolist(), [
    [5, 8, 11, 14],
    [-4, 8, 20, 32],
  ]);
  assert.deepEqual(
    np.einsum("ij,kj", a, a).tolist(),
    [
      [5, 14],
      [14, 50],
    ],
    "implicit output: the letters seen once, sorted",
  );
  assert.equal(np.einsum("ij->", a).item(), 15);
  assert.deepEqual(np.einsum("ji", a).tolist(), [
    [0, 3],
    [1, 4],
    [2, 5],
  ]);
});

test("np.einsum equals the direct sum over index tuples: attention, batched matmul, outer product, contractions with summed-out letters", () => {
  np.random.seed(5);
  const cases: [string, number[][]][] = [
    [
      "bhqd,bhkd->bhqk",
      [
        [2, 2, 3, 4],
        [2, 2, 5, 4],
      ],
    ],
    [
      "bts,bcs->bct",
      [
        [2, 3, 4],
        [2, 5, 4],
      ],
    ],
    [
      "bij,bjk->bik",
      [
        [3, 2, 4],
        [3, 4, 2],
      ],
    ],
    ["i,j->ij", [[3], [4]]],
    [
      "ijk,kj->ik",
      [
        [2, 3, 4],
        [4, 3],
      ],
    ],
    [
      "ij,kl->jl",
      [
        [2, 3],
        [4, 5],
      ],
    ],
    ["nchw->nhwc", [[2, 3, 2, 4]]],
    ["ijk->ki", [[2, 3, 4]]],
    ["i,i->", [[5], [5]]],
    [
      "bn,anm->bam",
      [
        [2, 3],
        [4, 3, 2],
      ],
    ],
  ];
  for (const [spec, shapes] of cases) {
    const xs = shapes.map((s) => randn(s));
    const got = np.einsum(spec, ...xs);
    const want = direct(spec, xs);
    assert.deepEqual(got.shape, want.shape, spec);
    const g = got.asTypedArray();
    want.data.forEach((w, i) => assert.ok(Math.abs(g[i]! - w) < 1e-12 * (1 + Math.abs(w)), `${spec}[${i}]: ${g[i]} vs ${w}`));
  }
});

test("np.einsum gradients: gradcheck through both operands", () => {
  np.random.seed(6);
  gradcheck((a, b) => np.einsum("bhqd,bhkd->bhqk", a, b), [randn([1, 2, 3, 2]), randn([1, 2, 4, 2])]);
  gradcheck((a, b) => np.einsum("ijk,kj->ik", a, b), [randn([2, 3, 2]), randn([2, 3])]);
  gradcheck((a) => np.einsum("ijk->ki", a), [randn([2, 3, 2])]);
});

test("np.einsum errors name the subscripts and what is wrong", () => {
  const a = np.ones([2, 3]);
  assert.throws(() => np.einsum("...ij,jk", a, a), /np\.einsum: '\.\.\.ij,jk' uses an ellipsis/);
  assert.throws(() => np.einsum("ii->i", np.ones([2, 2])), /repeats a subscript within one term/);
  assert.throws(() => np.einsum("ij,jk->ik", a, a), /subscript 'j' is 3 in one place and 2 in another/);
  assert.throws(() => np.einsum("ij,jk->iz", a, np.ones([3, 2])), /output subscript 'z' of 'ij,jk->iz' appears in no operand/);
  assert.throws(() => np.einsum("ijk", a), /term 'ijk' has 3 subscripts but operand 0 has shape \[2, ?3\]/);
  assert.throws(() => np.einsum("ij,jk,kl", a, a, a), /takes one or two operands, got 3/);
  assert.throws(() => np.einsum("ij,jk", a), /names 2 operands but 1 were given/);
});
