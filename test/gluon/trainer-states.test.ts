// Trainer.saveStates / loadStates: a resumed run equals an uninterrupted one (Adam, SGD momentum); bad files change nothing.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { np, nn, gluon, autograd, init } from "../../src/index.js";
import type { NDArray } from "../../src/ndarray/ndarray.js";
import type { Dtype } from "../../src/ndarray/strided.js";
import { parseSafetensors, readTensor, serializeSafetensors, type TensorToWrite } from "../../src/io/safetensors.js";

const { Trainer } = gluon;

function bits(a: NDArray): Uint8Array {
  const t = a.asTypedArray();
  return new Uint8Array(t.buffer, t.byteOffset, t.byteLength).slice();
}

function net(dtype: Dtype): nn.Sequential {
  np.random.seed(11);
  const s = new nn.Sequential().add(
    new nn.Conv1DTranspose(3, { kernelSize: 3, strides: 2, inChannels: 2, dtype }),
    new nn.Conv1D(1, { kernelSize: 2, inChannels: 3, dtype }),
  );
  s.initialize(init.Normal(0.3));
  return s;
}

function batch(dtype: Dtype, i: number): [NDArray, NDArray] {
  np.random.seed(100 + i);
  return [np.random.normal({ size: [4, 2, 5] }).astype(dtype), np.random.normal({ size: [4, 1, 10] }).astype(dtype)];
}

function train(n: nn.Sequential, t: InstanceType<typeof Trainer>, dtype: Dtype, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const [x, y] = batch(dtype, i);
    const l = autograd.record(() => n.forward(x).sub(y).pow(2).sum());
    l.backward();
    t.step(4);
  }
}

const OPTIMIZERS = [
  ["adam", { learningRate: 0.05 }],
  ["sgd", { learningRate: 0.02, momentum: 0.9 }],
] as const;

for (const dtype of ["float32", "float64"] as const)
  for (const [opt, hyper] of OPTIMIZERS)
    test(`a run resumed from saveParameters + saveStates equals the uninterrupted run bit for bit (${opt}, ${dtype})`, () => {
      const dir = fs.mkdtempSync(join(tmpdir(), "tconv-states-"));
      const a = net(dtype);
      const ta = new Trainer(a.collectParams(), opt, hyper);
      train(a, ta, dtype, 0, 3);
      ta.setLearningRate(ta.learningRate / 2); // a schedule change before the checkpoint must survive it too
      a.saveParameters(join(dir, "net.safetensors"));
      ta.saveStates(join(dir, "trainer.safetensors"));
      train(a, ta, dtype, 3, 6);

      const b = net(dtype);
      const tb = new Trainer(b.collectParams(), opt, hyper);
      b.loadParameters(join(dir, "net.safetensors"));
      tb.loadStates(join(dir, "trainer.safetensors"));
      assert.equal(tb.learningRate, hyper.learningRate / 2);
      train(b, tb, dtype, 3, 6);
      assert.deepEqual(
        b
          .collectParams()
          .values()
          .map((p) => bits(p.data())),
        a
          .collectParams()
          .values()
          .map((p) => bits(p.data())),
      );

      // without the states the resumed run differs (so the comparison above can fail)
      const c = net(dtype);
      const tc = new Trainer(c.collectParams(), opt, hyper);
      c.loadParameters(join(dir, "net.safetensors"));
      train(c, tc, dtype, 3, 6);
      assert.notDeepEqual(
        c
          .collectParams()
          .values()
          .map((p) => bits(p.data())),
        a
          .collectParams()
          .values()
          .map((p) => bits(p.data())),
      );
      fs.rmSync(dir, { recursive: true });
    });

test("the states file names each state after its parameter and records the step count", () => {
  const a = net("float64");
  const t = new Trainer(a.collectParams(), "adam", { learningRate: 0.05 });
  train(a, t, "float64", 0, 2);
  const f = parseSafetensors(t.saveStatesToBytes(), "t");
  assert.deepEqual(
    [...f.entries.keys()],
    ["0.weight.adam_m", "0.weight.adam_v", "0.bias.adam_m", "0.bias.adam_v", "1.weight.adam_m", "1.weight.adam_v", "1.bias.adam_m", "1.bias.adam_v"],
  );
  assert.equal(f.metadata.get("kind"), "tconv-trainer-states");
  assert.equal(f.metadata.get("step"), "2");
  assert.equal(f.metadata.get("beta1"), "0.9");
});

test("bad states files throw a clear Error and leave the trainer as it was", () => {
  const a = net("float32");
  const t = new Trainer(a.collectParams(), "adam", { learningRate: 0.05 });
  train(a, t, "float32", 0, 2);
  const good = t.saveStatesToBytes();
  const f = parseSafetensors(good, "t");
  const tensors: TensorToWrite[] = [...f.entries.values()].map((e) => ({ name: e.name, shape: e.shape, data: readTensor(f, e, "float32", "t") }));
  const meta = new Map(f.metadata);
  const other = new Trainer(net("float32").collectParams(), "sgd", { momentum: 0.5 });
  const adam2 = new Trainer(net("float32").collectParams(), "adam", { learningRate: 0.05, beta1: 0.5 });
  train(a, t, "float32", 2, 3);
  const before = t.saveStatesToBytes();
  const cases: [string, Uint8Array, RegExp][] = [
    ["a cut file", good.slice(0, good.length - 10), /truncated/],
    ["an sgd file", other.saveStatesToBytes(), /the states are "sgd"'s, this trainer uses adam/],
    ["other hyperparameters", adam2.saveStatesToBytes(), /saved with beta1=0\.5, this trainer has beta1=0\.9/],
    [
      "a wrong shape",
      serializeSafetensors([{ ...tensors[0]!, shape: [...tensors[0]!.shape].reverse() }, ...tensors.slice(1)], meta),
      /0\.weight\.adam_m has shape \[3,3,2\], the parameter has \[2,3,3\]/,
    ],
    ["a moment without its partner", serializeSafetensors(tensors.slice(1), meta), /0\.weight has adam_v but no adam_m/],
    [
      "an unknown name",
      serializeSafetensors([...tensors, { name: "5.weight.adam_m", shape: [1], data: new Float32Array(1) }], meta),
      /5\.weight\.adam_m is not a adam state of this trainer's parameters/,
    ],
    ["a parameters file", a.saveParametersToBytes(), /not a trainer-states file/],
    ["a bad step", serializeSafetensors(tensors, new Map([...meta, ["step", "-1"]])), /"step" is "-1", not a step count/],
  ];
  for (const [what, bytes, message] of cases) {
    assert.throws(
      () => t.loadStatesFromBytes(bytes),
      (e: Error) => e.message.startsWith("loadStatesFromBytes: ") && message.test(e.message),
      what,
    );
    assert.deepEqual(t.saveStatesToBytes(), before, `${what}: the trainer changed`);
  }
});

test("loadStates before the parameters of a deferred net says to load them first", () => {
  const a = net("float32");
  const ta = new Trainer(a.collectParams(), "sgd", { learningRate: 0.02, momentum: 0.9 });
  train(a, ta, "float32", 0, 1);
  const deferred = new nn.Sequential().add(new nn.Conv1DTranspose(3, { kernelSize: 3, strides: 2 }), new nn.Conv1D(1, { kernelSize: 2 }));
  deferred.initialize();
  const t = new Trainer(deferred.collectParams(), "sgd", { learningRate: 0.02, momentum: 0.9 });
  assert.throws(() => t.loadStatesFromBytes(ta.saveStatesToBytes()), {
    message: "loadStatesFromBytes: 0.weight.momentum: parameter 0.weight has no values yet; load or initialize the parameters first",
  });
  deferred.loadParametersFromBytes(a.saveParametersToBytes());
  t.loadStatesFromBytes(ta.saveStatesToBytes());
  assert.deepEqual(t.saveStatesToBytes(), ta.saveStatesToBytes());
});
