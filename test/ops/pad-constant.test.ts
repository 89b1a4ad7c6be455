// np.pad: constant values against a direct loop, reflect / edge / wrap against numpy's, gradients by gradcheck, errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { np } from "../../src/index.js";
import { gradcheck } from "../helpers/gradcheck.js";

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
});

test("np.pad reflect / edge / wrap errors: pads a single reflection or wrap cannot fill, constantValues", () => {
  assert.throws(
    () =>
      np.pad(
        np.ones([2, 3]),
        [
          [0, 0],
          [3, 0],
        ],
        { mode: "reflect" },
      ),
    /np\.pad: mode "reflect" needs pads < the axis length, but axis 1 of shape \[2, ?3\] has pads \[3, 0\]/,
  );
  assert.throws(
    () =>
      np.pad(
        np.ones([2, 3]),
        [
          [0, 3],
          [0, 0],
        ],
        { mode: "wrap" },
      ),
    /np\.pad: mode "wrap" needs pads <= the axis length, but axis 0 of shape \[2, ?3\] has pads \[0, 3\]/,
  );
  assert.throws(() => np.pad(np.ones([0, 3]), 1, { mode: "edge" }), /np\.pad: mode "edge" needs a non-empty axis, but axis 0/);
  assert.throws(
    () => np.pad(np.ones([2]), 1, { mode: "edge", constantValues: 1 }),
    /np\.pad: constantValues is used by mode "constant" only \(got mode "edge"\)/,
  );
});
