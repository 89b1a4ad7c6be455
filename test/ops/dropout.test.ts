// npx.dropout: identity in predict mode, seeded inverted-dropout masks in training mode, shared masks, errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { autograd, np, npx } from "../../src/index.js";

test("predict mode (outside record) returns the input unchanged", () => {
  const x = np.ones([3, 4]);
  assert.equal(npx.dropout(x, { p: 0.5 }), x);
  assert.equal(
    autograd.record(() => npx.dropout(x), { trainMode: false }),
    x,
  );
});

test("training mode zeroes about p of the elements and scales the rest by 1/(1 − p)", () => {
  np.random.seed(4);
  const y = autograd.trainMode(() => npx.dropout(np.ones([100, 100], { dtype: "float64" }), { p: 0.3 }));
  const v = [...y.asTypedArray()];
  assert.ok(v.every((e) => e === 0 || Math.abs(e - 1 / 0.7) < 1e-15));
  const dropped = v.filter((e) => e === 0).length / v.length;
  assert.ok(Math.abs(dropped - 0.3) < 0.02, `dropped ${dropped}`); // 4.4 standard deviations of a binomial(10⁴, 0.3)
});

test("the same seed gives the same mask; mode 'always' drops in predict mode too", () => {
  const x = np.arange(20, undefined, 1, { dtype: "float64" });
  np.random.seed(5);
  const a = autograd.trainMode(() => npx.dropout(x)).tolist();
  np.random.seed(5);
  const b = npx.dropout(x, { mode: "always" }).tolist();
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, x.tolist());
});

test("axes share one mask value along those axes (variational dropout)", () => {
  np.random.seed(6);
  const y = autograd.trainMode(() => npx.dropout(np.ones([4, 3, 5]), { p: 0.5, axes: [2] }));
  for (const plane of y.tolist() as number[][][])
    for (const row of plane)
      assert.ok(
        row.every((e) => e === row[0]),
        "constant along axis 2",
      );
});

test("dropout errors", () => {
  assert.throws(() => npx.dropout(np.ones([2]), { p: 1 }), /dropout: p=1 must be in \[0, 1\)/);
  assert.throws(() => npx.dropout(np.ones([2]), { p: -0.1 }), /dropout: p=-0.1 must be a finite number in \[0, 1\]/);
  assert.throws(() => npx.dropout(np.ones([2]), { rate: 0.1 } as never), /dropout: unknown option 'rate'/);
  assert.throws(() => npx.dropout(np.ones([2]), { axes: [1] }), /dropout: axes=\[1\] must hold axes of the 1-D input in \[-1, 0\]/);
});
