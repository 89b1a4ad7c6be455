// Option snapshots: own plain values only, copied once, unknown keys named with the nearest valid one.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readEnum, readInt, readIntList, readNumber, snapshotOptions } from "../../src/params/options.js";

const KNOWN = ["strides", "padding", "dilation", "groups", "layout"];

test("an unknown option names the nearest valid one", () => {
  assert.throws(() => snapshotOptions("Conv2DTranspose", { stride: 2 }, KNOWN), /Conv2DTranspose: unknown option 'stride' \(did you mean 'strides'\?\)/);
  assert.throws(() => snapshotOptions("op", { zzzzzz: 1 }, KNOWN), /unknown option 'zzzzzz'; known options are strides/);
});

test("the snapshot ignores Object.prototype additions and has no prototype", () => {
  const proto = Object.prototype as Record<string, unknown>;
  proto.padding = 1;
  try {
    const s = snapshotOptions("op", { strides: 2 }, KNOWN);
    assert.equal(s.padding, undefined);
    assert.equal(Object.getPrototypeOf(s), null);
  } finally {
    delete proto.padding;
  }
});

test("the snapshot is a deep copy: later changes to the caller's arrays do not reach it", () => {
  const strides = [2, 1];
  const s = snapshotOptions("op", { strides }, KNOWN);
  strides[0] = 5;
  assert.deepEqual(s.strides, [2, 1]);
  assert.ok(Object.isFrozen(s.strides));
});

test("a Proxy is read once: its later answers cannot change the snapshot", () => {
  let n = 0;
  const p = new Proxy([1, 1], { get: (t, k) => (k === "0" ? ++n : Reflect.get(t, k)) });
  const s = snapshotOptions("op", { strides: p }, KNOWN);
  const first = (s.strides as number[])[0];
  assert.equal((s.strides as number[])[0], first);
});

test("null, BigInt, symbols, functions, sparse and circular values are rejected naming the op and option", () => {
  assert.throws(() => snapshotOptions("deconvolution", null, KNOWN), /deconvolution: options must be a plain object/);
  assert.throws(() => snapshotOptions("deconvolution", { strides: 1n }, KNOWN), /deconvolution: strides=1n is a BigInt/);
  assert.throws(() => snapshotOptions("deconvolution", { strides: Symbol("s") }, KNOWN), /deconvolution: strides is a symbol/);
  assert.throws(() => snapshotOptions("deconvolution", { strides: () => 1 }, KNOWN), /deconvolution: strides is a function/);
  // biome-ignore lint/suspicious/noSparseArray: the test is about a sparse array
  assert.throws(() => snapshotOptions("deconvolution", { strides: [2, , 1] }, KNOWN), /deconvolution: strides has an empty slot at index 1/);
  const c: unknown[] = [1];
  c.push(c);
  assert.throws(() => snapshotOptions("deconvolution", { padding: c }, KNOWN), /deconvolution: padding\[1\] contains itself/);
  assert.throws(() => snapshotOptions("deconvolution", [1], KNOWN), /options must be a plain object/);
});

test("readers check ranges and name the option and value", () => {
  assert.equal(readInt("op", "groups", undefined, 1, 1), 1);
  assert.throws(() => readInt("op", "groups", 0, 1, 1), /op: groups=0 must be an integer >= 1/);
  assert.throws(() => readNumber("op", "eps", NaN, 1e-5, 0), /op: eps=NaN must be a finite number >= 0/);
  assert.deepEqual(readIntList("op", "kernel", 3, 2, 1, 1), [3, 3]);
  assert.throws(() => readIntList("op", "kernel", [3], 2, 1, 1), /op: kernel=\[3\] must have 2 entries/);
  assert.throws(() => readEnum("op", "poolType", "mean", ["max", "avg"], "max"), /op: poolType="mean" is not one of "max", "avg"/);
});
