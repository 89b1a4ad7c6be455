// gluon.contrib.estimator: fit equals the hand-written Gluon loop, hook order and counts, stopping, metrics, logging, errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { np, nn, gluon, autograd, init, type NDArray, type EventHandler } from "../../../src/index.js";

const { Estimator, StoppingHandler, LoggingHandler, ValidationHandler } = gluon.contrib.estimator;
const quiet = () => {};

/** Batches of a linear target y = x·[2, −1] + 0.5 plus nothing else: 3 batches of 4. */
function linearData(seed = 3): [NDArray, NDArray][] {
  np.random.seed(seed);
  const out: [NDArray, NDArray][] = [];
  for (let b = 0; b < 3; b++) {
    const x = np.random.normal({ size: [4, 2] });
    out.push([x, np.matmul(x, np.array([[2], [-1]])).add(0.5)]);
  }
  return out;
}

test("fit lowers the training loss of a Dense layer on a linear target", async () => {
  const data = linearData();
  np.random.seed(1);
  const net = new nn.Dense(1, { inUnits: 2 });
  const est = new Estimator(net, {
    loss: new gluon.loss.L2Loss(),
    initializer: new init.Normal(0.1),
    trainer: new gluon.Trainer(net.collectParams(), "sgd", { learningRate: 0.2 }),
  });
  est.logger = quiet;
  const perEpoch: number[] = [];
  await est.fit(data, { epochs: 40, eventHandlers: { epochEnd: (e) => void perEpoch.push(e.trainMetrics.at(-1)!.get()[1]) } });
  assert.equal(perEpoch.length, 40);
  assert.equal(est.trainMetrics.at(-1)!.name, "training l2loss");
  assert.ok(perEpoch.at(-1)! < perEpoch[0]! / 100, `loss ${perEpoch[0]} → ${perEpoch.at(-1)}`);
});

test("fit gives bit for bit the parameters of the hand-written Gluon loop (conv net, Adam, same seed)", async () => {
  np.random.seed(5);
  const batches: [NDArray, NDArray][] = Array.from({ length: 3 }, () => [np.random.normal({ size: [2, 1, 5, 5] }), np.random.normal({ size: [2, 2, 5, 5] })]);
  const make = () => {
    np.random.seed(9);
    const net = new nn.Sequential().add(
      new nn.Conv2D(3, { kernelSize: 3, padding: 1, inChannels: 1, activation: "relu" }),
      new nn.Conv2D(2, { kernelSize: 1, inChannels: 3 }),
    );
    net.initialize(new init.Xavier());
    return net;
  };
  const l2 = new gluon.loss.L2Loss();
  // the loop Gluon's tutorials write
  const ref = make();
  const t = new gluon.Trainer(ref.collectParams(), "adam", { learningRate: 0.01 });
  for (let epoch = 0; epoch < 2; epoch++)
    for (const [x, y] of batches) {
      const l = autograd.record(() => l2.forward(ref.forward(x), y));
      l.backward();
      t.step(x.shape[0]!);
    }
  const net = make();
  const est = new Estimator(net, { loss: l2, trainer: new gluon.Trainer(net.collectParams(), "adam", { learningRate: 0.01 }) });
  est.logger = quiet;
  await est.fit(batches, { epochs: 2 });
  const want = ref.collectParams().entries();
  const got = net.collectParams().entries();
  assert.deepEqual(
    got.map(([n]) => n),
    want.map(([n]) => n),
  );
  want.forEach(([n, p], i) => assert.deepEqual([...got[i]![1].data().asTypedArray()], [...p.data().asTypedArray()], n));
  // and training changed them
  assert.notDeepEqual([...make().collectParams().entries()[0]![1].data().asTypedArray()], [...got[0]![1].data().asTypedArray()]);
});

/** A handler that records every hook it sees. */
function recorder(priority?: number): EventHandler & { seen: string[] } {
  const seen: string[] = [];
  return {
    seen,
    ...(priority === undefined ? {} : { priority }),
    trainBegin: () => void seen.push("trainBegin"),
    epochBegin: () => void seen.push("epochBegin"),
    batchBegin: () => void seen.push("batchBegin"),
    batchEnd: () => void seen.push("batchEnd"),
    epochEnd: () => void seen.push("epochEnd"),
    trainEnd: () => void seen.push("trainEnd"),
  };
}

function denseEstimator(): InstanceType<typeof Estimator> {
  np.random.seed(2);
  const net = new nn.Dense(1, { inUnits: 2 });
  const est = new Estimator(net, { loss: new gluon.loss.L2Loss(), initializer: new init.Normal(0.1) });
  est.logger = quiet;
  return est;
}

test("hooks run in Gluon's order with the right counts", async () => {
  const r = recorder();
  await denseEstimator().fit(linearData(), { epochs: 2, eventHandlers: [r] });
  const epoch = ["epochBegin", ...Array(3).fill(["batchBegin", "batchEnd"]).flat(), "epochEnd"];
  assert.deepEqual(r.seen, ["trainBegin", ...epoch, ...epoch, "trainEnd"]);
});

test("handlers run by priority: between the gradient update (−2000) and the metrics (−1000) the step is done, the metric not", async () => {
  const est = denseEstimator();
  const w0 = [...est.net.collectParams().entries()[0]![1].data().asTypedArray()];
  const seen: [boolean, number][] = [];
  const between: EventHandler = {
    priority: -1500,
    batchEnd: (e) => {
      const w = [...e.net.collectParams().entries()[0]![1].data().asTypedArray()];
      seen.push([w.some((v, i) => v !== w0[i]), e.trainMetrics.at(-1)!.get()[1]]);
    },
  };
  await est.fit(linearData(), { batches: 1, eventHandlers: [between] });
  assert.equal(seen.length, 1);
  assert.equal(seen[0]![0], true, "the trainer stepped before priority −1500");
  assert.ok(Number.isNaN(seen[0]![1]), "the metric was not yet updated at priority −1500");
});

test("StoppingHandler: batches counts across epochs; a handler's own maxBatch wins; a hook returning true stops", async () => {
  let r = recorder();
  await denseEstimator().fit(linearData(), { batches: 5, eventHandlers: [r] });
  assert.equal(r.seen.filter((s) => s === "batchEnd").length, 5);
  assert.equal(r.seen.filter((s) => s === "epochEnd").length, 2);
  assert.equal(r.seen.at(-1), "trainEnd");
  r = recorder();
  await denseEstimator().fit(linearData(), { epochs: 4, eventHandlers: [r, new StoppingHandler({ maxBatch: 2 })] });
  assert.equal(r.seen.filter((s) => s === "batchEnd").length, 2);
  r = recorder();
  let epochs = 0;
  await denseEstimator().fit(linearData(), { epochs: 10, eventHandlers: [r, { epochEnd: () => ++epochs === 3 }] });
  assert.equal(r.seen.filter((s) => s === "epochEnd").length, 3);
});

test("evaluate: the validation loss metric equals the mean L2 loss of the net on the data; fit validates each epoch", async () => {
  const est = denseEstimator();
  const val = linearData(7);
  await est.evaluate(val);
  const [name, value] = est.valMetrics.at(-1)!.get();
  assert.equal(name, "validation l2loss");
  // direct: ½(pred − y)² per sample, averaged over all 12 samples
  let sum = 0;
  for (const [x, y] of val) {
    const p = est.net.forward(x) as NDArray;
    const pv = p.asTypedArray(),
      yv = y.asTypedArray();
    for (let i = 0; i < yv.length; i++) sum += 0.5 * (pv[i]! - yv[i]!) ** 2;
  }
  assert.ok(Math.abs(value - sum / 12) <= 1e-6 * Math.max(1, sum / 12), `${value} vs ${sum / 12}`);
  let calls = 0;
  await est.fit(linearData(), { epochs: 3, valData: val, eventHandlers: [new ValidationHandler(val, () => void calls++, { epochPeriod: 2 })] });
  assert.equal(calls, 1, "a given ValidationHandler replaces the default one and keeps its period");
  // without one, fit adds Gluon's default: evaluate after every epoch, logged as "Validation Begin"
  const lines: string[] = [];
  est.logger = (l) => void lines.push(l);
  est.valMetrics.forEach((m) => m.reset());
  await est.fit(linearData(), { epochs: 3, valData: val });
  assert.equal(lines.filter((l) => l === "Validation Begin").length, 3);
  assert.ok(Number.isFinite(est.valMetrics.at(-1)!.get()[1]));
});

test("async iterable data and the LoggingHandler's lines and progress line", async () => {
  const est = denseEstimator();
  const lines: string[] = [];
  est.logger = (m) => void lines.push(m);
  const data = linearData();
  const asyncData = {
    async *[Symbol.asyncIterator]() {
      for (const b of data) yield b;
    },
  };
  const written: string[] = [];
  await est.fit(asyncData, { epochs: 2, eventHandlers: new LoggingHandler({ logInterval: 2, progress: { write: (s: string) => void written.push(s) } }) });
  assert.equal(lines[0], "Training begin: using optimizer SGD with current learning rate 0.0010");
  assert.equal(lines[1], "Train for 2 epochs.");
  assert.ok(lines.includes("[Epoch 1] Begin, current learning rate: 0.0010"));
  // logInterval 2: batches 0 and 2 of each epoch
  assert.equal(lines.filter((l) => l.startsWith("[Epoch 0][Batch")).length, 2);
  assert.match(lines.find((l) => l.startsWith("[Epoch 0][Batch 2]"))!, /\[Samples 12\] time\/interval: [\d.]+s training mse: [\d.]+, training l2loss: [\d.]+$/);
  assert.match(lines.find((l) => l.startsWith("[Epoch 1] Finished"))!, /training mse: [\d.]+, training l2loss: [\d.]+$/);
  assert.match(lines.at(-1)!, /^Train finished using total \d+s with 2 epochs\. training mse/);
  // the async data has no length: "batch k" without a total; a "\n" ends the progress line before each log line
  // (batch 2's and the epoch's end), so they do not overwrite it
  assert.ok(written.some((w) => w.startsWith("\r[Epoch 0] batch 3 training mse")));
  assert.deepEqual(
    written.map((w) => (w === "\n" ? "\n" : w.slice(0, 18))),
    [
      "\r[Epoch 0] batch 1",
      "\r[Epoch 0] batch 2",
      "\n",
      "\r[Epoch 0] batch 3",
      "\n",
      "\r[Epoch 1] batch 1",
      "\r[Epoch 1] batch 2",
      "\n",
      "\r[Epoch 1] batch 3",
      "\n",
    ],
  );
});

test("bad arguments throw naming Estimator and the option", async () => {
  const net = () => new nn.Dense(1, { inUnits: 2 });
  const loss = new gluon.loss.L2Loss();
  assert.throws(() => new Estimator({} as never, { loss }), /Estimator: net must be a gluon Block/);
  assert.throws(() => new Estimator(net(), undefined as never), /Estimator: options must be given, at least \{ loss \}/);
  assert.throws(() => new Estimator(net(), { loss: "l2" as never }), /Estimator: loss must be a gluon\.loss loss/);
  assert.throws(() => new Estimator(net(), { loss, lr: 1 } as never), /Estimator.*lr/);
  assert.throws(() => new Estimator(net(), { loss, trainer: {} as never }), /Estimator: trainer must be a gluon\.Trainer/);
  assert.throws(() => new Estimator(net(), { loss, trainMetrics: [1] as never }), /Estimator: trainMetrics: metrics must be a gluon\.metric metric/);
  assert.throws(() => new Estimator(net(), { loss, context: "cpu" as never }), /Estimator: context must be a context/);
  assert.throws(
    () => new Estimator(net().initialize(), { loss, initializer: new init.Zero() }),
    /Estimator: initializer is given but every parameter of net is already initialized/,
  );
  const m = new gluon.metric.Loss();
  assert.throws(() => new Estimator(net(), { loss, trainMetrics: m, valMetrics: m }), /trainMetrics and valMetrics must be distinct/);
  const est = denseEstimator();
  const data = linearData();
  await assert.rejects(est.fit(data, { epochs: 2, batches: 3 }), /Estimator\.fit: give exactly one of epochs and batches \(got epochs=2 and batches=3\)/);
  await assert.rejects(est.fit(data, {}), /Estimator\.fit: give exactly one of epochs and batches \(got neither\)/);
  await assert.rejects(est.fit(data, { epochs: 0 }), /Estimator\.fit: epochs=0 must be an integer/);
  await assert.rejects(est.fit(data, { epochs: 1.5 }), /Estimator\.fit: epochs=1\.5/);
  await assert.rejects(est.fit(42 as never, { epochs: 1 }), /Estimator\.fit: trainData must be an array/);
  await assert.rejects(est.fit([[data[0]![0]]] as never, { epochs: 1 }), /Estimator\.fit: each batch must be a \[data, label\] pair of NDArrays/);
  await assert.rejects(
    est.fit([[np.ones([4, 2]), np.ones([3, 1])]], { epochs: 1 }),
    /Estimator\.fit: data of shape \[4,2\] and label of shape \[3,1\] must have the same size along batchAxis=0/,
  );
  await assert.rejects(est.fit([], { epochs: 1 }), /Estimator\.fit: trainData yielded no batches in epoch 0/);
  const once = (function* () {
    yield* data;
  })();
  await assert.rejects(est.fit(once, { epochs: 2 }), /trainData yielded no batches in epoch 1; a one-shot iterator/);
  await assert.rejects(est.fit(data, { epochs: 1, eventHandlers: [{}] }), /Estimator\.fit: eventHandlers\[0\] has none of the hooks trainBegin/);
  await assert.rejects(est.fit(data, { epochs: 1, eventHandlers: { epochEnd: 3 } as never }), /Estimator\.fit: eventHandlers\.epochEnd must be a function/);
  await assert.rejects(est.evaluate([]), /Estimator\.evaluate: valData yielded no batches/);
  assert.throws(() => new StoppingHandler({ maxEpoch: 0 }), /StoppingHandler: maxEpoch=0 must be an integer/);
  assert.throws(() => new LoggingHandler({ logInterval: "batch" as never }), /LoggingHandler: logInterval="batch" must be "epoch" or a positive integer/);
  assert.throws(() => new LoggingHandler({ progress: 1 as never }), /LoggingHandler: progress must be a stream/);
});
