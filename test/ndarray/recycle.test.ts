// RecycleScope: which arrays come back from allocate inside a scope, and which never do.
import { test } from "node:test";
import assert from "node:assert/strict";
import { allocate } from "../../src/ndarray/dtype.js";
import { activeRecycleScope, RecycleScope, withRecycling } from "../../src/ndarray/recycle.js";

test("recycle: a released array born in the scope comes back zeroed, only for the same dtype and length", () => {
  const scope = new RecycleScope();
  withRecycling(scope, () => {
    const a = allocate("float32", 8);
    a.fill(7);
    scope.hold(a);
    scope.release(a);
    assert.equal(allocate("float32", 9).length, 9);
    assert.ok(allocate("float64", 8) instanceof Float64Array);
    const b = allocate("float32", 8);
    assert.equal(b.buffer, a.buffer, "the released array is handed out again");
    assert.deepEqual([...b], new Array(8).fill(0));
    assert.notEqual(allocate("float32", 8).buffer, a.buffer, "and only once");
  });
  assert.equal(scope.reused, 1);
});

test("recycle: an allocation the caller overwrites (elementwise outputs) takes a released array without clearing it, and ops on it are exact", async () => {
  const { np } = await import("../../src/index.js");
  const scope = new RecycleScope();
  withRecycling(scope, () => {
    const a = allocate("float32", 6);
    a.fill(7);
    scope.hold(a);
    scope.release(a);
    const b = allocate("float32", 6, true);
    assert.equal(b.buffer, a.buffer);
    assert.deepEqual([...b], new Array(6).fill(7), "not cleared: the caller writes every element");
    scope.hold(b);
    scope.release(b);
    // an elementwise op, a concat and a copy given that array write every element
    const x = np.array([1, -2, 3]),
      x6 = np.array([1, -2, 3, 4, -5, 6]);
    for (const make of [() => x6.add(x6), () => x6.reshape(2, 3).T.copy(), () => np.concatenate([x, x])]) {
      const y = make();
      assert.deepEqual(y.asTypedArray().length, 6);
      assert.ok(!y.asTypedArray().includes(7), `no stale element: ${y.asTypedArray()}`);
      scope.hold(y.hostData);
      scope.release(y.hostData);
    }
  });
});

test("recycle: a buffer held by a view stays until the last holder dies, then the whole array returns", () => {
  const scope = new RecycleScope();
  withRecycling(scope, () => {
    const a = allocate("float32", 12);
    const view = a.subarray(4, 8);
    scope.hold(a);
    scope.hold(view);
    scope.release(a);
    assert.notEqual(allocate("float32", 12).buffer, a.buffer, "a view still holds the buffer");
    scope.release(view);
    const back = allocate("float32", 12);
    assert.equal(back.buffer, a.buffer);
    assert.equal(back.length, 12);
  });
});

test("recycle: arrays from outside the scope (inputs, weights) and from an earlier pass are never reused", () => {
  const outside = allocate("float32", 6);
  const scope = new RecycleScope();
  let kept: Float32Array | Float64Array = outside;
  withRecycling(scope, () => {
    scope.hold(outside);
    scope.release(outside);
    assert.notEqual(allocate("float32", 6).buffer, outside.buffer);
    kept = allocate("float32", 5);
    scope.hold(kept); // still held when the pass ends: the caller's output
  });
  withRecycling(scope, () => {
    scope.hold(kept);
    scope.release(kept);
    assert.notEqual(allocate("float32", 5).buffer, kept.buffer, "an output of the previous pass belongs to the caller");
  });
});

test("recycle: scopes nest and are restored after a throw; outside any scope allocate is fresh", () => {
  const outer = new RecycleScope(),
    inner = new RecycleScope();
  assert.equal(activeRecycleScope(), null);
  withRecycling(outer, () => {
    assert.throws(() =>
      withRecycling(inner, () => {
        assert.equal(activeRecycleScope(), inner);
        throw new Error("boom");
      }),
    );
    assert.equal(activeRecycleScope(), outer);
  });
  assert.equal(activeRecycleScope(), null);
  const a = allocate("float32", 3);
  assert.notEqual(allocate("float32", 3), a);
});

test("recycle: a scope keeps only the arrays given back in its last pass (another shape's are dropped)", () => {
  const scope = new RecycleScope();
  let old: Float32Array | Float64Array = new Float32Array(0);
  withRecycling(scope, () => {
    old = allocate("float32", 10);
    scope.giveBack(old);
  });
  withRecycling(scope, () => {
    const other = allocate("float32", 20); // this pass uses another size and leaves the 10-element array untaken
    scope.giveBack(other);
  });
  withRecycling(scope, () => {
    assert.notEqual(allocate("float32", 10).buffer, old.buffer, "dropped after a pass that did not use it");
    assert.equal(allocate("float32", 20).length, 20);
  });
  assert.equal(scope.reused, 1, "only the 20-element array from the pass before came back");
});
