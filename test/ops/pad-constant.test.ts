// np.pad (constant): values against a direct loop, gradient by gradcheck, errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { np } from "../../src/index.js";
import { gradcheck } from "../helpers/gradcheck.js";

test("np.pad constant: every element is the input shifted by the begin pads, or the constant", () => {
  const x = np.arange(24).reshape(2, 3, 4);
  const pads: [number, number][] = [[1, 0], [0, 2], [3, 1]];
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
  assert.equal(np.pad(np.ones([2, 2]), 1).sum().item(), 4);
});

test("np.pad gradient: gradcheck over a strided view input", () => {
  gradcheck((x) => np.pad(x.at(null, "::2"), [[2, 1], [0, 3]], { constantValues: 0.5 }).mul(x.sum()), [np.random.uniform({ size: [3, 5] })]);
});

test("np.pad errors name the argument", () => {
  assert.throws(() => np.pad(np.ones([2, 2]), [[1, 1]]), /np\.pad: padWidth \[\[1,1\]\] needs one \[before, after\] pair per axis of shape \[2,2\]/);
  assert.throws(() => np.pad(np.ones([2]), [[-1, 0]]), /padWidth entry \[-1,0\] for axis 0 must be a pair of integers >= 0/);
  assert.throws(() => np.pad(np.ones([2]), 1, { mode: "reflect" as "constant" }), /mode "reflect" is not supported/);
});
