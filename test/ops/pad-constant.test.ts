// np.pad: constant values against a direct loop, reflect / edge / wrap against numpy's (long pads too), gradients by gradcheck, errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { autograd, NDArray, np } from "../../src/index.js";
import { gradcheck } from "../helpers/gradcheck.js";

interface NumpyPadCase {
  mode: "reflect" | "wrap";
  shape: number[];
  x: number[];
  pads: [number, number][];
  yShape: number[];
  y: number[];
}
const numpyPad = JSON.parse(readFileSync(new URL("../fixtures/numpy/pad-repeat.json", import.meta.url), "utf8")) as { cases: NumpyPadCase[] };

/**
 * The source index of padded position j (relative to the first input element) on an axis of n, by walking: reflect
 * bounces j off the two edges (−j past the start, 2(n − 1) − j past the end) until it lands inside; wrap steps by n.
 */
function walk(mode: "reflect" | "wrap", n: number, j: number): number {
  let k = j;
  while (k < 0 || k >= n) {
    if (mode === "wrap") k += k < 0 ? n : -n;
    else if (n === 1) k = 0;
    else k = k < 0 ? -k : 2 * (n - 1) - k;
  }
  return k;
}

test("np.pad constant: every element is the input shifted by the begin pads, or the constant", () => {
  const x = np.arange(24).reshape(2, 3, 4);
  const pads: [number, number][] = [
    [1, 0],
    [0, 2],
    [3, 1],
  ];
  const y = np.pad(x, pads, { constantValues: -7 });
  assert.deepEqual(y.shape, [3, 5, 8]);
  const got = y.tolist() as number[][][];
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 5; j++)
      for (let k = 0; k < 8; k++) {
        const [a, b, c] = [i - 1, j, k - 3];
        const inside = a >= 0 && a < 2 && b < 3 && c >= 0 && c < 4;
        assert.equal(got[i]![j]![k], inside ? a * 12 + b * 4 + c : -7, `[${i},${j},${k}]`);
      }
});

test("np.pad accepts numpy's shorthands: one number, one pair for every axis", () => {
  assert.deepEqual(np.pad(np.ones([2, 2]), 1).shape, [4, 4]);
  assert.deepEqual(np.pad(np.ones([2, 2]), [0, 2]).shape, [4, 4]);
  assert.equal(
    np
      .pad(np.ones([2, 2]), 1)
      .sum()
      .item(),
    4,
  );
});

test("np.pad gradient: gradcheck over a strided view input", () => {
  gradcheck(
    (x) =>
      np
        .pad(
          x.at(null, "::2"),
          [
            [2, 1],
            [0, 3],
          ],
          { constantValues: 0.5 },
        )
        .mul(x.sum()),
    [np.random.uniform({ size: [3, 5] })],
  );
});

test("np.pad errors name the argument", () => {
  assert.throws(() => np.pad(np.ones([2, 2]), [[1, 1]]), /np\.pad: padWidth \[\[1,1\]\] needs one \[before, after\] pair per axis of shape \[2,2\]/);
  assert.throws(() => np.pad(np.ones([2]), [[-1, 0]]), /padWidth entry \[-1,0\] for axis 0 must be a pair of integers >= 0/);
  assert.throws(
    () => np.pad(np.ones([2]), 1, { mode: "symmetric" as "constant" }),
    /np\.pad: mode "symmetric" is not supported; use "constant", "reflect", "edge" or "wrap"/,
  );
});

test("np.pad reflect / edge / wrap equal numpy's (numpy 2.4 np.pad(np.arange(6).reshape(2, 3), [[1, 1], [2, 1]], mode))", () => {
  const want = {
    reflect: [
      [5, 4, 3, 4, 5, 4],
      [2, 1, 0, 1, 2, 1],
      [5, 4, 3, 4, 5, 4],
      [2, 1, 0, 1, 2, 1],
    ],
    edge: [
      [0, 0, 0, 1, 2, 2],
      [0, 0, 0, 1, 2, 2],
      [3, 3, 3, 4, 5, 5],
      [3, 3, 3, 4, 5, 5],
    ],
    wrap: [
      [4, 5, 3, 4, 5, 3],
      [1, 2, 0, 1, 2, 0],
      [4, 5, 3, 4, 5, 3],
      [1, 2, 0, 1, 2, 0],
    ],
  } as const;
  // np.pad(np.arange(4), [[3, 2]], mode): the largest pads each mode takes on a length-4 axis (wrap 3 here)
  const want1 = { reflect: [3, 2, 1, 0, 1, 2, 3, 2, 1], edge: [0, 0, 0, 0, 1, 2, 3, 3, 3], wrap: [1, 2, 3, 0, 1, 2, 3, 0, 1] } as const;
  for (const mode of ["reflect", "edge", "wrap"] as const) {
    assert.deepEqual(
      np
        .pad(
          np.arange(6).reshape(2, 3),
          [
            [1, 1],
            [2, 1],
          ],
          { mode },
        )
        .tolist(),
      want[mode],
      mode,
    );
    assert.deepEqual(np.pad(np.arange(4), [[3, 2]], { mode }).tolist(), want1[mode], `${mode} 1-D`);
    assert.deepEqual(
      np
        .pad(
          np.arange(6).reshape(2, 3).T,
          [
            [2, 1],
            [1, 1],
          ],
          { mode },
        )
        .T.tolist(),
      want[mode],
      `${mode} on a transposed view`,
    );
  }
});

test("np.pad reflect / wrap with pads longer than the axis repeat the pattern: numpy's values (equal or one-sided pads)", () => {
  assert.equal(numpyPad.cases.length, 14);
  for (const c of numpyPad.cases) {
    const y = np.pad(new NDArray(Float64Array.from(c.x), c.shape), c.pads, { mode: c.mode });
    assert.deepEqual(y.shape, c.yShape, `${c.mode} ${JSON.stringify(c.pads)}`);
    assert.deepEqual(Array.from(y.asTypedArray()), c.y, `${c.mode} of shape [${c.shape}] by ${JSON.stringify(c.pads)}`);
  }
});

test("np.pad reflect / wrap with unequal long pads: every element is the input element a walk off the edges reaches", () => {
  // numpy 1.24 drops values of the repetition here (numpy #25926, #22464), so the reference is the walk itself
  for (const mode of ["reflect", "wrap"] as const)
    for (const [n, b, e] of [
      [3, 1, 8],
      [10, 2, 50],
      [4, 13, 2],
      [2, 0, 5],
      [5, 9, 17],
    ] as const) {
      const x = np.arange(n, undefined, 1, { dtype: "float64" }).mul(10);
      const got = np.pad(x, [[b, e]], { mode }).tolist() as number[];
      assert.deepEqual(
        got,
        Array.from({ length: n + b + e }, (_, t) => 10 * walk(mode, n, t - b)),
        `${mode} n=${n} pads [${b}, ${e}]`,
      );
    }
});

test("np.pad reflect / edge / wrap gradients: gradcheck (every border element adds onto its source)", () => {
  for (const mode of ["reflect", "edge", "wrap"] as const)
    gradcheck(
      (x) =>
        np.pad(
          x,
          [
            [1, 2],
            [0, 0],
            [2, 1],
          ],
          { mode },
        ),
      [np.random.uniform({ size: [3, 2, 4], dtype: "float64" })],
    );
  // pads longer than the axis: an element is read several times and its gradient adds them all
  for (const mode of ["reflect", "wrap"] as const)
    gradcheck(
      (x) =>
        np.pad(
          x,
          [
            [0, 0],
            [5, 7],
          ],
          { mode },
        ),
      [np.random.uniform({ size: [2, 3], dtype: "float64" })],
    );
  const x = np.array([1, 2, 3], { dtype: "float64" }).attachGrad();
  autograd.record(() => np.pad(x, [[5, 5]], { mode: "reflect" }).sum()).backward();
  // reflect of [a, b, c] by 5 both sides: b a b c b a b c b a b c b → a 3 times, b 7, c 3 (numpy's 13 values)
  assert.deepEqual(x.grad!.tolist(), [3, 7, 3]);
});

test("np.pad reflect / edge / wrap errors: an empty axis, constantValues", () => {
  for (const mode of ["reflect", "edge", "wrap"] as const)
    assert.throws(
      () => np.pad(np.ones([0, 3]), 1, { mode }),
      new RegExp(`np\\.pad: mode "${mode}" needs a non-empty axis, but axis 0 of shape \\[0, ?3\\] is empty`),
    );
  assert.throws(
    () => np.pad(np.ones([2]), 1, { mode: "edge", constantValues: 1 }),
    /np\.pad: constantValues is used by mode "constant" only \(got mode "edge"\)/,
  );
});
