// The autograd engine: record/pause, head gradients, write/add, errors, freeing the tape, long chains.
import { test } from "node:test";
import assert from "node:assert/strict";
import { np, npx, autograd, nn } from "../../src/index.js";

test("record/pause/isRecording nest and restore the state", () => {
  assert.equal(autograd.isRecording(), false);
  autograd.record(() => {
    assert.equal(autograd.isRecording(), true);
    autograd.pause(() => assert.equal(autograd.isRecording(), false));
    assert.equal(autograd.isRecording(), true);
  });
  assert.throws(
    () =>
      autograd.record(() => {
        throw new Error("boom");
      }),
    /boom/,
  );
  assert.equal(autograd.isRecording(), false);
  assert.throws(() => autograd.record(42 as never), /autograd.record: expects a function to run, got number/);
  assert.throws(() => autograd.pause(null as never), /autograd.pause: expects a function to run, got null/);
});

test(".grad is null without attachGrad and zeros (same shape/dtype) after it", () => {
  const x = np.array([[1, 2]], { dtype: "float64" });
  assert.equal(x.grad, null);
  x.attachGrad();
  assert.deepEqual(x.grad!.tolist(), [[0, 0]]);
  assert.equal(x.grad!.dtype, "float64");
});

test("the D2L example: y = 2·xᵀx gives 4x", () => {
  const x = np.arange(4).attachGrad();
  const y = autograd.record(() => x.dot(x).mul(2));
  y.backward();
  assert.deepEqual(x.grad!.tolist(), [0, 4, 8, 12]);
});

test("a non-scalar head without headGrad uses ones (MXNet): the gradient of its sum", () => {
  const x = np.array([1, 2, 3]).attachGrad();
  const y2 = autograd.record(() =>
    x
      .mul(x)
      .reshape(3, 1)
      .mul(np.array([[1, 10]])),
  );
  y2.backward(); // d/dx sum_j x² c_j = 2x (1 + 10)
  assert.deepEqual(x.grad!.tolist(), [22, 44, 66]);
});

test("an explicit headGrad must match the head's shape; the default is ones for size 1 of any rank", () => {
  const x = np.array([1, 2, 3]).attachGrad();
  const y = autograd.record(() => x.mul(x));
  assert.throws(() => y.backward(np.ones([2])), /headGrad shape \[2\] does not match the head's shape \[3\]/);
  y.backward(np.array([1, 0, 2]));
  assert.deepEqual(x.grad!.tolist(), [2, 0, 12]);
  const z = autograd.record(() => x.sum({ keepdims: true }).reshape(1, 1));
  z.backward(); // size 1 of any rank
  assert.deepEqual(x.grad!.tolist(), [1, 1, 1]);
});

test("backward on an unrecorded value throws clearly", () => {
  const x = np.array([1, 2]);
  assert.throws(() => x.sum().backward(), /was not computed under autograd.record/);
  const w = np.array([1, 2]).attachGrad();
  assert.throws(() => w.mul(2).sum().backward(), /was not computed under autograd.record/); // not recording
  assert.throws(() => autograd.record(() => x.mul(2).sum()).backward(), /was not computed under autograd.record/); // no attachGrad input
});

test('gradReq "write" replaces, "add" accumulates', () => {
  const a = np.array([1, 2]).attachGrad();
  const b = np.array([1, 2]).attachGrad("add");
  for (let i = 0; i < 3; i++) autograd.record(() => a.mul(b).sum()).backward();
  assert.deepEqual(a.grad!.tolist(), [1, 2]);
  assert.deepEqual(b.grad!.tolist(), [3, 6]);
  assert.throws(() => a.attachGrad("null" as never), /gradReq "null" must be "write" or "add"/);
});

test("a leaf used several times sums its contributions; unreached leaves keep their grad", () => {
  const x = np.array([3]).attachGrad();
  const unused = np.array([5]).attachGrad();
  unused.grad!.set(7);
  autograd.record(() => x.mul(x).add(x.exp()).sum()).backward();
  assert.ok(Math.abs(x.grad!.item() - (6 + Math.exp(3))) < 1e-4);
  assert.equal(unused.grad!.item(), 7);
});

test("backward of a leaf itself, and a float64 headGrad for a float32 head", () => {
  const x = np.array([1, 2]).attachGrad();
  x.backward(np.array([3, 4], { dtype: "float64" }));
  assert.deepEqual(x.grad!.tolist(), [3, 4]);
  assert.equal(x.grad!.dtype, "float32");
});

test("the tape is freed after backward (a second backward throws) unless retainGraph", () => {
  const x = np.array([1, 2]).attachGrad();
  const h = autograd.record(() => x.mul(2));
  const y = autograd.record(() => h.sum());
  y.backward();
  assert.equal(y.tapeNode, null);
  assert.equal(h.tapeNode, null);
  assert.throws(() => y.backward(), /already freed/);
  const z = autograd.record(() => x.mul(x).sum());
  z.backward(null, true);
  z.backward(null, true);
  assert.deepEqual(x.grad!.tolist(), [2, 4]);
});

test("a chain of 100k ops runs backward without recursion", () => {
  const x = np.array([1], { dtype: "float64" }).attachGrad();
  const y = autograd.record(() => {
    let h = x;
    for (let i = 0; i < 100_000; i++) h = h.add(1e-5);
    return h.mul(3).sum();
  });
  y.backward();
  assert.equal(x.grad!.item(), 3);
});

test("attachGrad on an intermediate detaches it (a new leaf)", () => {
  const x = np.array([2]).attachGrad();
  const y = autograd.record(() => {
    const h = x.mul(x).attachGrad();
    return h.mul(3).sum();
  });
  y.backward();
  assert.deepEqual(x.grad!.tolist(), [0]);
});

test("pause inside record stops recording (a constant for the gradient)", () => {
  const x = np.array([2]).attachGrad();
  const y = autograd.record(() => {
    const c = autograd.pause(() => x.mul(10));
    return x.mul(c).sum();
  });
  y.backward();
  assert.deepEqual(x.grad!.tolist(), [20]);
});

test("in-place writes throw while recording if a recorded value is involved", () => {
  const x = np.array([1, 2]).attachGrad();
  const plain = np.zeros([2]);
  autograd.record(() => {
    const y = x.mul(2);
    assert.throws(() => y.set(0), /set: in-place writes are not recorded/);
    assert.throws(() => x.iadd(1), /iadd: in-place writes are not recorded/);
    assert.throws(() => plain.set(y), /set: in-place writes are not recorded/);
    assert.throws(() => x.at(0).imul(2), /imul: in-place writes are not recorded/);
    plain.set(np.ones([2])); // nothing recorded involved: allowed
  });
  x.iadd(1); // outside record: allowed
  assert.deepEqual(x.tolist(), [2, 3]);
});

test("gradients flow through a Gluon layer into Parameter.grad()", () => {
  const net = new nn.Conv2D(2, { kernelSize: 3, padding: 1, inChannels: 1 });
  net.initialize();
  const x = np.random.normal({ size: [2, 1, 4, 4] });
  autograd.record(() => net.forward(x).sum()).backward();
  assert.deepEqual(net.bias!.grad()!.tolist(), [32, 32]);
  assert.deepEqual(net.weight.grad()!.shape, [2, 1, 3, 3]);
});

test("a layer used before initialize throws Gluon's errors through forward", () => {
  const fresh = new nn.Conv2D(2, { kernelSize: 3 });
  assert.throws(() => fresh.forward(np.zeros([1, 1, 4, 4])), /has not been initialized. Call initialize\(\)/);
  const deferred = new nn.Conv2D(2, { kernelSize: 3 }).initialize();
  assert.throws(() => deferred.weight.grad(), /initialization was deferred/);
});

test("dtype of gradients follows each leaf; mixed float32/float64 broadcast ops", () => {
  const a = np.array([1, 2], { dtype: "float32" }).attachGrad();
  const b = np.array([[3], [4]], { dtype: "float64" }).attachGrad();
  autograd.record(() => a.mul(b).sum()).backward();
  assert.equal(a.grad!.dtype, "float32");
  assert.deepEqual(a.grad!.tolist(), [7, 7]);
  assert.deepEqual(b.grad!.tolist(), [[3], [3]]);
});

test("conv through npx ops: bias gradient sums over batch and space, channels-last respected", () => {
  const x = np.ones([2, 3, 3, 4], { dtype: "float64" }); // NHWC, C = 4
  const w = np.ones([5, 1, 1, 4], { dtype: "float64" }).attachGrad();
  const bias = np.zeros([5], { dtype: "float64" }).attachGrad();
  autograd.record(() => npx.convolution(x, w, { layout: "NHWC", bias }).sum()).backward();
  assert.deepEqual(bias.grad!.tolist(), [18, 18, 18, 18, 18]);
  assert.deepEqual(w.grad!.shape, [5, 1, 1, 4]);
  assert.ok(w.grad!.asTypedArray().every((v) => v === 18));
});

// ---- training and predict modes (MXNet's train_mode) ------------------------------------------------------

test("isTraining: false outside record, true inside, trainMode: false opts out; pause predicts", () => {
  assert.equal(autograd.isTraining(), false);
  autograd.record(() => {
    assert.equal(autograd.isTraining(), true);
    assert.equal(autograd.isRecording(), true);
    autograd.pause(() => assert.equal(autograd.isTraining(), false));
    autograd.pause(() => assert.equal(autograd.isTraining(), true), { trainMode: true });
    autograd.predictMode(() => {
      assert.equal(autograd.isTraining(), false);
      assert.equal(autograd.isRecording(), true, "predictMode keeps recording");
    });
  });
  autograd.record(() => assert.equal(autograd.isTraining(), false), { trainMode: false });
  autograd.trainMode(() => {
    assert.equal(autograd.isTraining(), true);
    assert.equal(autograd.isRecording(), false, "trainMode does not start recording");
  });
  assert.equal(autograd.isTraining(), false, "restored");
});

test("modes are restored after an exception", () => {
  assert.throws(
    () =>
      autograd.record(() =>
        autograd.trainMode(() => {
          throw new Error("boom");
        }),
      ),
    /boom/,
  );
  assert.equal(autograd.isTraining(), false);
  assert.equal(autograd.isRecording(), false);
});

test("mode option errors", () => {
  assert.throws(() => autograd.record(() => 0, { train_mode: true } as never), /autograd.record: unknown option 'train_mode' \(did you mean 'trainMode'\?\)/);
  assert.throws(() => autograd.record(() => 0, { trainMode: 1 } as never), /autograd.record: trainMode=1 must be true or false/);
  assert.throws(() => autograd.trainMode(null as never), /autograd.trainMode: expects a function to run, got null/);
});

test("autograd.record with an async function throws, explaining that recording stops at the first await", async () => {
  const x = np.array([1, 2]).attachGrad();
  assert.throws(
    () => autograd.record(async () => x.mul(x)),
    /autograd\.record: the function returned a Promise \(an async function\?\)\. Recording is synchronous/,
  );
  assert.equal(autograd.isRecording(), false); // the state is restored after the throw
  await Promise.resolve();
});
