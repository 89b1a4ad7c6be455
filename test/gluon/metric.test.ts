// gluon.metric: Loss, MSE and Accuracy against hand-computed means; reset, copy, NaN before updates, bad input.
import { test } from "node:test";
import assert from "node:assert/strict";
import { np, gluon } from "../../src/index.js";

const { metric } = gluon;

test("metric.Loss is the mean of every loss value over updates, NaN after reset", () => {
  const m = new metric.Loss();
  assert.ok(Number.isNaN(m.get()[1]));
  m.update(null, np.array([1, 2, 3]));
  m.update(null, [np.array([4]), np.array([10, 0])]);
  assert.deepEqual(m.get(), ["loss", 20 / 6]);
  m.reset();
  assert.ok(Number.isNaN(m.get()[1]));
  assert.equal(new metric.Loss({ name: "l2loss" }).copy().name, "l2loss");
});

test("metric.MSE is the mean of (label − pred)² over every element", () => {
  const m = new metric.MSE();
  m.update(np.array([[1, 2]]), np.array([[0, 4]])); // 1 + 4
  m.update(np.array([3]), np.array([3])); // 0
  assert.deepEqual(m.get(), ["mse", 5 / 3]);
  assert.throws(() => m.update(np.array([1, 2]), np.array([1])), /MSE\.update: label shape \[2\] and pred shape \[1\] differ in size/);
});

test("metric.Accuracy takes argmax along axis 1 (first maximum wins) or rounds class values", () => {
  const m = new metric.Accuracy();
  // argmaxes 1, 0 (tie: first), 2; labels 1, 1, 2 → 2 of 3
  m.update(
    np.array([1, 1, 2]),
    np.array([
      [0.1, 0.8, 0.1],
      [0.5, 0.5, 0],
      [0, 0.2, 0.7],
    ]),
  );
  assert.deepEqual(m.get(), ["accuracy", 2 / 3]);
  // class axis 1 of an [N, C, W] map: argmax over C at each of N·W positions
  const a = new metric.Accuracy();
  a.update(
    np.array([[0, 1]]),
    np.array([
      [
        [5, 0],
        [1, 2],
      ],
    ]),
  ); // position 0: argmax 0 ✓; position 1: argmax 1 ✓
  assert.equal(a.get()[1], 1);
  const c = new metric.Accuracy({ name: "acc" });
  c.update(np.array([0, 1, 1, 0]), np.array([0, 1, 0, 0]));
  assert.deepEqual(c.get(), ["acc", 0.75]);
  assert.throws(() => new metric.Accuracy({ axis: -1 }), /Accuracy: axis=-1 must be an integer/);
  assert.throws(() => new metric.Accuracy({ nme: "x" } as never), /Accuracy/);
  assert.throws(() => c.update(np.array([0, 1]), np.array([[1, 0]])), /Accuracy\.update: pred shape \[1,2\] without axis 1 does not match label shape \[2\]/);
});
