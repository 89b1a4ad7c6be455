// Named regression tests for the faults of issue 27 (numerics, options snapshot, layer sizes, thread pool, files,
// demos, spectral norm, ONNX import/export); expected values come from numpy or from the ONNX/IEEE specifications.
import { test } from "node:test";
import assert from "node:assert/strict";
import { gluon, nn, np, npx } from "../../src/index.js";
import { describe, runChild } from "../helpers/child.js";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { trainDCGAN, type DCGANOptions } from "../../examples/dcgan.js";
import { lossPlotSVG } from "../../examples/loss-plot.js";
import { lockFolder, saveCheckpoint } from "../../examples/dcgan-checkpoint.js";
import { MAX_OUTPUT_PIXELS, upsample } from "../../examples/upsample.js";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32, deflateSync } from "node:zlib";
import { MAX_PNG_PIXELS, readPNG } from "../../src/node/index.js";

const f64 = { dtype: "float64" } as const;
const values = (a: { asTypedArray(): Float32Array | Float64Array }) => Array.from(a.asTypedArray());

// ---- 4. numerics ---------------------------------------------------------------------------------------------------

test("4a: softmax([1e38, 1e38]) is [0.5, 0.5] in float32 and float64 (numpy: exp(x − max) / Σ)", () => {
  // numpy 2.4: e = np.exp(x - x.max()); e / e.sum() → [0.5, 0.5]
  assert.deepEqual(values(npx.softmax(np.array([1e38, 1e38]))), [0.5, 0.5]);
  assert.deepEqual(values(npx.softmax(np.array([1e38, 1e38], f64))), [0.5, 0.5]);
  // numpy: [0.73105858, 0.26894142, 0.]
  const s = values(npx.softmax(np.array([1000, 999, 1], f64)));
  assert.ok(Math.abs(s[0]! - 0.7310585786300049) < 1e-15 && Math.abs(s[1]! - 0.2689414213699951) < 1e-15 && s[2] === 0, String(s));
});

test("4b: logSoftmax([1e17, 1e17]) is [−log 2, −log 2] in float64 (was: [0, 0] from 1e17 + log 2 = 1e17)", () => {
  // numpy: (x - m) - np.log(np.exp(x - m).sum()) → [-0.69314718, -0.69314718]
  assert.deepEqual(values(npx.logSoftmax(np.array([1e17, 1e17], f64))), [-Math.LN2, -Math.LN2]);
  // numpy: [-6.93147181e-001, -2.00000000e+300, -6.93147181e-001]
  assert.deepEqual(values(npx.logSoftmax(np.array([1e300, -1e300, 1e300], f64))), [-Math.LN2, -2e300, -Math.LN2]);
});

test("4c: softmax and logSoftmax with infinite entries take the limit; NaN propagates", () => {
  assert.deepEqual(values(npx.softmax(np.array([Infinity, 1, Infinity], f64))), [0.5, 0, 0.5]);
  assert.deepEqual(values(npx.logSoftmax(np.array([Infinity, 1], f64))), [0, -Infinity]);
  assert.deepEqual(values(npx.softmax(np.array([-Infinity, 0], f64))), [0, 1]);
  assert.deepEqual(values(npx.softmax(np.array([-Infinity, -Infinity], f64))), [0.5, 0.5]);
  assert.ok(values(npx.softmax(np.array([NaN, 1], f64))).every(Number.isNaN));
});

test("4d: pow follows IEEE 754 / numpy: 1**inf = (−1)**±inf = 1**nan = 1", () => {
  // numpy 2.4: np.power([1,-1,-1,1,1,nan,2,-2,0], [inf,inf,-inf,nan,-inf,0,nan,0.5,-1]) → [1 1 1 1 1 1 nan nan inf]
  const base = [1, -1, -1, 1, 1, NaN, 2, -2, 0];
  const expo = [Infinity, Infinity, -Infinity, NaN, -Infinity, 0, NaN, 0.5, -1];
  const want = [1, 1, 1, 1, 1, 1, NaN, NaN, Infinity];
  for (const dtype of ["float32", "float64"] as const) {
    assert.deepEqual(values(np.power(np.array(base, { dtype }), np.array(expo, { dtype }))), want, dtype);
    // the scalar-operand loops (array ** number and number-broadcast) and a strided view take other generated loops
    assert.deepEqual(values(np.power(np.array([1, -1], { dtype }), Infinity)), [1, 1], dtype);
    assert.deepEqual(values(np.power(np.array(base.concat(base), { dtype }).reshape(2, 9).T.T.at(0), np.array(expo, { dtype }))), want, dtype);
  }
});

// ---- 7. options read through the one own-keys snapshot -------------------------------------------------------------

test("7: the public API walked with a polluted Object.prototype gives the same results as without", async () => {
  // every call runs twice in one child: clean, then with Object.prototype carrying every option name the API reads
  const r = await runChild(
    `
    const { np, npx, nn, gluon, autograd, init } = tconv;
    const calls = {
      sum: () => np.sum(np.arange(6).reshape(2, 3)),
      methodSum: () => np.arange(6).reshape(2, 3).sum(),
      mean: () => np.mean(np.arange(6).reshape(2, 3)),
      softmax: () => npx.softmax(np.array([[1, 2], [3, 5]])),
      logSoftmax: () => npx.logSoftmax(np.array([[1, 2], [3, 5]])),
      pick: () => npx.pick(np.array([[1, 2], [3, 5]]), np.array([1, 0])),
      pad: () => np.pad(np.ones([2]), 1),
      add: () => np.add(np.ones([2]), 1),
      addOptions: () => np.add(np.ones([2]), 1, {}),
      dropoutPredict: () => npx.dropout(np.ones([4])),
      dropoutTrain: () => { np.random.seed(1); return autograd.record(() => npx.dropout(np.ones([8]))); },
      uniform: () => { np.random.seed(2); return np.random.uniform({ size: [3] }); },
      uniformPositional: () => { np.random.seed(2); return np.random.uniform(); },
      normal: () => { np.random.seed(3); return np.random.normal({ size: [3] }); },
      recordMode: () => autograd.record(() => autograd.isTraining()),
      pauseMode: () => autograd.pause(() => autograd.isTraining()),
      l2: () => new gluon.loss.L2Loss().forward(np.ones([2, 2]), np.zeros([2, 2])),
      l2Options: () => new gluon.loss.L2Loss({}).forward(np.ones([2, 2]), np.zeros([2, 2])),
      sce: () => new gluon.loss.SoftmaxCrossEntropyLoss().forward(np.array([[1, 2], [3, 5]]), np.array([1, 0])),
      sbce: () => new gluon.loss.SigmoidBinaryCrossEntropyLoss().forward(np.array([[1, 2]]), np.array([[1, 0]])),
      xavier: () => { np.random.seed(4); return new init.Xavier().create([2, 3], "float32", "w"); },
      trainer: () => {
        const p = new gluon.Parameter("w", { shape: [2] }); p.initialize(new init.One());
        const t = new gluon.Trainer([p], "sgd", {});
        autograd.record(() => p.data().mul(p.data()).sum()).backward(); t.step(1);
        return [t.learningRate, p.data()];
      },
      conv: () => { const c = new nn.Conv2D(1, { kernelSize: 1, inChannels: 1, weightInitializer: new init.One() }); c.initialize(); return c.forward(np.ones([1, 1, 2, 2])); },
      dense: () => { const d = new nn.Dense(1, { inUnits: 2, weightInitializer: new init.One() }); d.initialize(); return d.forward(np.ones([1, 2])); },
      concat: () => np.concatenate([np.ones([1]), np.zeros([1])]),
    };
    const show = (v) => v instanceof tconv.NDArray ? { shape: v.shape, dtype: v.dtype, v: Array.from(v.asTypedArray()) } : Array.isArray(v) ? v.map(show) : v;
    const runAll = () => Object.fromEntries(Object.entries(calls).map(([k, f]) => { try { return [k, show(f())]; } catch (e) { return [k, "threw: " + e.message]; } }));
    const clean = runAll();
    const poison = { learningRate: 100, wd: 50, momentum: 0.9, axis: 0, keepdims: true, mode: "wrap", constantValues: 7, p: 0.99,
      low: 5, high: 6, loc: 9, scale: 0, size: [2], dtype: "float64", trainMode: false, out: null, weight: 3, batchAxis: 1,
      fromLogits: true, sparseLabel: false, fromSigmoid: true, forceReinit: true, rndType: "gaussian", magnitude: 1e6, rescaleGrad: 9,
      clipGradient: 1e-9, kernelSize: 3, strides: 2, padding: 5, useBias: false, activation: "relu", flatten: false, inUnits: 7 };
    for (const [k, v] of Object.entries(poison)) Object.defineProperty(Object.prototype, k, { value: v, configurable: true, writable: true });
    const dirty = runAll();
    for (const k of Object.keys(poison)) delete Object.prototype[k];
    const diff = Object.keys(calls).filter((k) => JSON.stringify(clean[k]) !== JSON.stringify(dirty[k]));
    const threw = Object.keys(calls).filter((k) => typeof clean[k] === "string" && clean[k].startsWith("threw"));
    console.log(JSON.stringify({ diff: diff.map((k) => [k, clean[k], dirty[k]]), threw: threw.map((k) => [k, clean[k]]) }));`,
    { timeoutMs: 60000 },
  );
  assert.equal(r.status, 0, describe(r));
  const out = JSON.parse(r.stdout) as { diff: unknown[]; threw: unknown[] };
  assert.deepEqual(out.threw, [], "every call works unpolluted");
  assert.deepEqual(out.diff, []);
});

// ---- 5. layer constructors check sizes before allocating -----------------------------------------------------------

test("5a: layer constructors refuse parameters over 2^32 elements at once, naming the layer (was: allocation failures)", () => {
  const over = /more than the 2\^32 elements a JavaScript typed array holds/;
  assert.throws(
    () => new nn.Conv2D(2147483648, { kernelSize: 3 }),
    (e: Error) => /^Conv2D: parameter 'weight' of shape \[2147483648,1,3,3\] has 19327352832 elements/.test(e.message) && over.test(e.message),
  );
  assert.throws(
    () => new nn.Conv2D(2, { kernelSize: 2147483648 }),
    (e: Error) => /^Conv2D: parameter 'weight' of shape \[2,1,2147483648,2147483648\]/.test(e.message),
  );
  assert.throws(() => new nn.Conv1DTranspose(2147483648, { kernelSize: 2, inChannels: 4 }), /Conv1DTranspose: parameter 'weight'/);
  assert.throws(() => new nn.Dense(2 ** 31, { inUnits: 4 }), /Dense: parameter 'weight' of shape \[2147483648,4\]/);
  assert.throws(() => new nn.BatchNorm({ inChannels: 2 ** 33 }), /BatchNorm: parameter 'gamma' of shape \[8589934592\]/);
  // a deferred input size is checked when the first forward completes the shape
  const d = new nn.Dense(2 ** 21);
  d.initialize();
  assert.throws(() => d.forward(np.ones([1, 2 ** 12])), /Dense: parameter 'weight' of shape \[2097152,4096\] has 8589934592 elements/);
});

test("5b: null options give the ops' clear error in every layer constructor (was: Cannot read properties of null)", () => {
  const plain = (cls: string) => new RegExp(`${cls}: options must be a plain object like \\{ \\w+, \\w+ \\}, got null$`);
  assert.throws(() => npx.convolution(np.ones([1, 1, 2, 2]), np.ones([1, 1, 1, 1]), null as never), plain("convolution"));
  assert.throws(() => new nn.Conv1DTranspose(2, null as never), plain("Conv1DTranspose"));
  assert.throws(() => new nn.Conv2D(2, null as never), plain("Conv2D"));
  assert.throws(() => new nn.Dense(2, null as never), plain("Dense"));
  assert.throws(() => new nn.BatchNorm(null as never), plain("BatchNorm"));
  assert.throws(() => new nn.MaxPool2D(null as never), plain("MaxPool2D"));
  assert.throws(() => new gluon.loss.L2Loss(null as never), plain("L2Loss"));
  assert.throws(() => new gluon.Trainer([new gluon.Parameter("w", { shape: [1] })], "sgd", null as never), plain("Trainer"));
  // a null option value means "the default", as in the ops
  assert.throws(() => new nn.Conv1DTranspose(2, { strides: null } as never), /Conv1DTranspose: kernelSize is required/);
  assert.equal(new nn.Conv1DTranspose(2, { kernelSize: 3, strides: null } as never).kernel[0], 3);
});

// ---- 8. images and checkpoints trust what files declare ------------------------------------------------------------

/** A PNG built chunk by chunk (CRCs from zlib.crc32): 8-bit RGBA, `rows` rows of `width` pixels of image data. */
function craftPNG(width: number, height: number, rows: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, "latin1");
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
    return Buffer.concat([head, data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc(rows * (1 + 4 * width), 0x7f);
  for (let r = 0; r < rows; r++) raw[r * (1 + 4 * width)] = 0; // filter type "none"
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

test("8a: readPNG refuses a 1000×1000 PNG holding 2 rows of data (was: loaded with zero rows)", () => {
  const dir = mkdtempSync(join(tmpdir(), "tconv-27-"));
  try {
    const whole = join(dir, "whole.png"),
      cut = join(dir, "cut.png");
    writeFileSync(whole, craftPNG(1000, 1000, 1000));
    writeFileSync(cut, craftPNG(1000, 1000, 2));
    const img = readPNG(whole); // the crafted encoder itself is right: the complete file loads
    assert.equal(img.width * img.height, 1e6);
    assert.equal(img.data[4 * 999999], 0x7f);
    assert.throws(
      () => readPNG(cut),
      (e: Error) => e.message === `readPNG: ${cut} is a damaged PNG: the image data holds 8002 bytes; 1000×1000 needs 4001000 (rows are missing)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("8b: readPNG refuses a 254-byte PNG declaring 30000×30000 from its header, at once (was: 8.4 GB and 17 s)", () => {
  const dir = mkdtempSync(join(tmpdir(), "tconv-27-"));
  try {
    const big = join(dir, "big.png");
    writeFileSync(big, craftPNG(30000, 30000, 1));
    const t0 = Date.now();
    assert.throws(() => readPNG(big), {
      message: `readPNG: ${big} declares 30000×30000 = 900000000 pixels, more than the limit of 33554432 (options.maxPixels; default 2^25)`,
    });
    assert.ok(Date.now() - t0 < 1000);
    assert.equal(MAX_PNG_PIXELS, 2 ** 25);
    assert.throws(() => readPNG(big, { maxPixels: 1e9 }), /damaged PNG: the image data/); // over the limit it decodes nothing either way
    writeFileSync(big, craftPNG(40, 40, 40));
    assert.throws(() => readPNG(big, { maxPixels: 1599 }), /declares 40×40 = 1600 pixels, more than the limit of 1599/);
    assert.equal(readPNG(big, { maxPixels: 1600 }).width, 40);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Rewrites progress.json of the checkpoint in `out` through `edit` and re-signs it in latest.json (a consistent but bad file). */
function editProgress(out: string, edit: (p: Record<string, unknown>) => void): void {
  const dir = join(out, "checkpoint");
  const latest = JSON.parse(readFileSync(join(dir, "latest.json"), "utf8")) as { checkpoint: string; sha256: Record<string, string> };
  const path = join(dir, latest.checkpoint, "progress.json");
  const p = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  edit(p);
  const text = JSON.stringify(p);
  writeFileSync(path, text);
  latest.sha256["progress.json"] = createHash("sha256").update(text).digest("hex");
  writeFileSync(join(dir, "latest.json"), JSON.stringify(latest));
}

const tiny: DCGANOptions = {
  imageSize: 16,
  width: 4,
  latentDim: 8,
  datasetSize: 24,
  batchSize: 4,
  learningRate: 0.002,
  samples: 4,
  quiet: true,
  pictures: false,
};

test("8c: progress.json is validated field by field with a clear error (was: TypeError on history, garbage resumes)", async () => {
  const out = mkdtempSync(join(tmpdir(), "tconv-27-ckpt-"));
  try {
    await trainDCGAN({ ...tiny, out, maxBatches: 2 });
    const resume = () => trainDCGAN({ ...tiny, out, resume: true, maxBatches: 1 });
    const cases: [string, (p: Record<string, unknown>) => void, RegExp][] = [
      ["history not a list", (p) => ((p.history as Record<string, unknown>).batches = {}), /history\.batches is not a list/],
      ["epoch −5", (p) => (p.epoch = -5), /epoch = -5 is not an integer in \[0, 1000000\]/],
      ["batch 1000000", (p) => (p.batch = 1000000), /batch = 1000000 is not an integer in \[0, 5\]/],
      ["sums {}", (p) => (p.sums = {}), /sums\.lossD = undefined is not a finite number/],
      ["count off", (p) => ((p.sums as Record<string, unknown>).count = 7), /sums\.count = 7 is not an integer in \[8, 8\]/],
      ["short history", (p) => (p.history as { batches: unknown[] }).batches.pop(), /history\.batches has 1 entries; epoch 0, batch 2 needs 2/],
      ["epochSeconds", (p) => (p.epochSeconds = [1]), /epochSeconds is not a list of 0 durations/],
      ["config", (p) => ((p.config as Record<string, unknown>).learningRate = "x"), /config\.learningRate = "x" is not a finite number/],
    ];
    const latestPath = join(out, "checkpoint", "latest.json");
    const progressPath = join(out, "checkpoint", (JSON.parse(readFileSync(latestPath, "utf8")) as { checkpoint: string }).checkpoint, "progress.json");
    const [latest0, progress0] = [readFileSync(latestPath), readFileSync(progressPath)];
    for (const [what, edit, message] of cases) {
      editProgress(out, edit);
      await assert.rejects(resume(), (e: Error) => /^checkpoint .*progress\.json is damaged \(/.test(e.message) && message.test(e.message), what);
      writeFileSync(latestPath, latest0);
      writeFileSync(progressPath, progress0);
    }
    // the untouched checkpoint still resumes
    assert.deepEqual((await resume()).resumedFrom, { epoch: 0, batch: 2 });
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test("8d: the loss plot of 200,000 batches is drawn without Math.max(...spread) (was: stack overflow)", () => {
  const batches: [number, number, number][] = Array.from({ length: 200000 }, (_, i) => [i / 1000, 1 + (i % 7), 0.5]);
  const svg = lossPlotSVG({ batches, epochs: [[200, 3, 0.5]] });
  assert.match(svg, /^<svg /);
  // y axis up to the largest loss 7 (ticks rounded to 8 above 2), x axis to epoch 200
  assert.match(svg, />8.00<\/text>/);
  assert.match(svg, />200<\/text>/);
});

test("8e: np.array of a 10,000-deep list is refused with a clear error (was: RangeError)", () => {
  let deep: unknown = 1;
  for (let i = 0; i < 10000; i++) deep = [deep];
  assert.throws(() => np.array(deep as number[]), /np\.array: data is nested more than 32 levels deep/);
  let ok: unknown = 2;
  for (let i = 0; i < 32; i++) ok = [ok];
  assert.equal(np.array(ok as number[]).ndim, 32);
});

test("8f: np.random.seed refuses seeds outside [0, 2^53 − 1] (was: seed(2**64) equal to seed(0))", () => {
  assert.throws(() => np.random.seed(2 ** 64), /np\.random\.seed: seed 18446744073709552000 must be an integer from 0 to 2\^53 − 1/);
  assert.throws(() => np.random.seed(-1), /must be an integer from 0/);
  np.random.seed(Number.MAX_SAFE_INTEGER);
  const a = np.random.uniform().item();
  np.random.seed(0);
  assert.notEqual(np.random.uniform().item(), a);
});

test("8g: --data 1e12 and other absurd demo flags are refused in one line", () => {
  for (const [flag, value, message] of [
    ["--data", "1e12", "datasetSize=1000000000000 must be an integer from 1 to 65536"],
    ["--width", "1e6", "width=1000000 must be an integer from 1 to 512"],
    ["--batch", "1e9", "batchSize=1000000000 must be an integer from 2 to 4096"],
    ["--epochs", "1e300", "epochs=1e+300 must be an integer from 1 to 100000"],
  ] as const) {
    const r = spawnSync(process.execPath, ["--import", "tsx", "examples/dcgan.ts", flag, value, "--out", join(tmpdir(), "tconv-27-never")], {
      encoding: "utf8",
      timeout: 60000,
    });
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stderr, `demo:dcgan: ${message}\n`);
  }
});

// ---- 6. demo hardening ---------------------------------------------------------------------------------------------

test("6a: demo:upsample refuses a PNG over its pixel limit from the header, before decoding (was: > 10 GB)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tconv-27-up-"));
  try {
    const big = join(dir, "big.png");
    writeFileSync(big, craftPNG(30000, 30000, 1));
    await assert.rejects(upsample(big, join(dir, "out.png"), { quiet: true }), /declares 30000×30000 = 900000000 pixels, more than the limit of 4194304/);
    // at scale 4 the input limit is 2^24 / 16 pixels
    writeFileSync(big, craftPNG(1025, 1024, 1024));
    await assert.rejects(upsample(big, join(dir, "out.png"), { quiet: true, scale: 4 }), /more than the limit of 1048576/);
    assert.equal(MAX_OUTPUT_PIXELS, 2 ** 24);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("6b: demo:dcgan --out /proc/x ends in one line at once (was: a hang in mkdir -p)", () => {
  const r = spawnSync(process.execPath, ["--import", "tsx", "examples/dcgan.ts", "--out", "/proc/x", "--quiet"], { encoding: "utf8", timeout: 60000 });
  assert.equal(r.status, 1, r.error ? String(r.error) : r.stderr);
  assert.match(r.stderr, /^demo:dcgan: cannot write to output folder \/proc\/x: [^\n]+\n$/);
});

test("6c: a damaged or swapped checkpoint file is caught by the SHA-256 in latest.json", async () => {
  const out = mkdtempSync(join(tmpdir(), "tconv-27-sha-"));
  try {
    await trainDCGAN({ ...tiny, out, maxBatches: 1 });
    const latest = JSON.parse(readFileSync(join(out, "checkpoint", "latest.json"), "utf8")) as { checkpoint: string; sha256: Record<string, string> };
    assert.deepEqual(Object.keys(latest.sha256).sort(), [
      "discriminator.safetensors",
      "generator.safetensors",
      "progress.json",
      "trainer-d.states",
      "trainer-g.states",
    ]);
    const states = join(out, "checkpoint", latest.checkpoint, "trainer-g.states");
    const b = readFileSync(states);
    b[b.length - 1] = b[b.length - 1]! ^ 1; // one bit in the last float: a file the states reader itself would accept
    writeFileSync(states, b);
    await assert.rejects(trainDCGAN({ ...tiny, out, resume: true }), /trainer-g\.states is damaged \(its SHA-256 differs from the one in latest\.json\)/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test("6d: a second run in a locked output folder is refused in one line (was: ENOENT in one of them)", () => {
  const out = mkdtempSync(join(tmpdir(), "tconv-27-lock-"));
  try {
    const release = lockFolder(out);
    const r = spawnSync(process.execPath, ["--import", "tsx", "examples/dcgan.ts", "--out", out, "--quiet", "--data", "8", "--batch", "4", "--width", "4"], {
      encoding: "utf8",
      timeout: 60000,
    });
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stderr, `demo:dcgan: output folder ${out} is in use by process ${process.pid} (another run); use another --out\n`);
    release();
    assert.ok(!existsSync(join(out, "lock")));
    // a lock left by a killed run (a pid that is gone) is taken over
    const gone = spawnSync(process.execPath, ["-e", "console.log(process.pid)"], { encoding: "utf8" }).stdout.trim();
    writeFileSync(join(out, "lock"), `${gone}\n`);
    lockFolder(out)();
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test("6e: a fresh run that dies mid-save over an old checkpoint leaves the old one resumable", async () => {
  const out = mkdtempSync(join(tmpdir(), "tconv-27-kill-"));
  try {
    const first = await trainDCGAN({ ...tiny, out, maxBatches: 2 });
    // a second, fresh run reaching the same step and dying while writing its checkpoint (its trainer save throws)
    const nets = {
      generator: first.generator,
      discriminator: first.discriminator,
      trainerG: {
        saveStates: () => {
          throw new Error("killed");
        },
      },
      trainerD: { saveStates: () => {} },
    };
    const progress = JSON.parse(
      readFileSync(
        join(
          out,
          "checkpoint",
          (JSON.parse(readFileSync(join(out, "checkpoint", "latest.json"), "utf8")) as { checkpoint: string }).checkpoint,
          "progress.json",
        ),
        "utf8",
      ),
    );
    assert.throws(() => saveCheckpoint(join(out, "checkpoint"), 2, nets as never, progress), /killed/);
    const r = await trainDCGAN({ ...tiny, out, resume: true, maxBatches: 1 });
    assert.deepEqual(r.resumedFrom, { epoch: 0, batch: 2 });
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test("6f: saving to a 250-character file name works (was: the temp name was too long); 6g: stale temps are swept", () => {
  const dir = mkdtempSync(join(tmpdir(), "tconv-27-long-"));
  try {
    const net = new nn.Dense(2, { inUnits: 2 });
    net.initialize();
    const long = join(dir, `${"p".repeat(238)}.safetensors`);
    assert.equal(`${"p".repeat(238)}.safetensors`.length, 250);
    // a temp of a killed save (its process is gone) and one of a live process (this one) lie beside it
    const gone = spawnSync(process.execPath, ["-e", "console.log(process.pid)"], { encoding: "utf8" }).stdout.trim();
    writeFileSync(join(dir, `.tconv-${gone}-1.tmp`), "x");
    writeFileSync(join(dir, `.tconv-${process.pid}-999999.tmp`), "x");
    net.saveParameters(long);
    assert.ok(existsSync(long));
    assert.deepEqual(readdirSync(dir).sort(), [`.tconv-${process.pid}-999999.tmp`, `${"p".repeat(238)}.safetensors`]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
