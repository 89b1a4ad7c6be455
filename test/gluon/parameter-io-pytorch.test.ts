// State dicts written by PyTorch load into the equivalent tconv nets and give PyTorch's outputs; tconv's files go back.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { np, nn, init, autograd } from "../../src/index.js";
import { Parameter } from "../../src/gluon/parameter.js";
import type { NDArray } from "../../src/ndarray/ndarray.js";
import type { Block } from "../../src/gluon/block.js";
import { parseSafetensors, readTensor, serializeSafetensors, type TensorToWrite } from "../../src/io/safetensors.js";
import { dcganGenerator, Decoder1d } from "../helpers/torch-nets.js";

const DIR = fileURLToPath(new URL("../fixtures/safetensors/", import.meta.url));

/** z and PyTorch's y from a `*-io.safetensors` fixture, as arrays of the file's dtype. */
function io(stem: string): { z: NDArray; y: NDArray } {
  const f = parseSafetensors(new Uint8Array(fs.readFileSync(DIR + `${stem}-io.safetensors`)), stem);
  const get = (name: string) => {
    const e = f.entries.get(name)!;
    return np.array(readTensor(f, e, e.dtype === "F64" ? "float64" : "float32", stem)).reshape(e.shape as number[]);
  };
  return { z: get("z"), y: get("y") };
}

function maxDiff(a: NDArray, b: NDArray): number {
  assert.deepEqual(a.shape, b.shape);
  return a.sub(b).abs().max().item();
}

const CASES = [
  // file stem, net, dtype option, tolerance against PyTorch (float32 sums in another order; float64 to rounding)
  // (measured: 6e-8 and 2e-16; an F16/BF16 value decoded wrongly would move the output by more than 1e-5)
  ["dcgan-f32", dcganGenerator, undefined, 3e-7],
  ["dcgan-f64", dcganGenerator, "float64", 1e-15],
  ["dcgan-f16", dcganGenerator, undefined, 3e-7],
  ["dcgan-bf16", dcganGenerator, undefined, 3e-7],
  ["decoder1d-f32", () => new Decoder1d(), undefined, 3e-7],
  ["decoder1d-f64", () => new Decoder1d(), "float64", 1e-15],
] as const;

for (const [stem, make, dtype, tol] of CASES)
  test(`a PyTorch state dict (${stem}) loads right after initialize() and gives PyTorch's outputs`, () => {
    const net: Block = make();
    net.initialize(); // every inChannels deferred: the file completes the shapes
    net.loadParameters(DIR + `${stem}.safetensors`, dtype ? { dtype } : {});
    const { z, y } = io(stem);
    const d = maxDiff(net.forward(z) as NDArray, y);
    assert.ok(d <= tol, `max |tconv − PyTorch| = ${d}`);
  });

test("PyTorch's names map onto Gluon's: BatchNorm weight/bias → gamma/beta, num_batches_tracked skipped", () => {
  const f = parseSafetensors(new Uint8Array(fs.readFileSync(DIR + "dcgan-f32.safetensors")), "t");
  assert.ok(f.entries.has("1.weight") && f.entries.has("1.num_batches_tracked") && f.entries.get("1.num_batches_tracked")!.dtype === "I64");
  const net = dcganGenerator();
  net.initialize();
  net.loadParameters(DIR + "dcgan-f32.safetensors");
  const params = net.collectParams();
  assert.deepEqual(
    params.keys().filter((k) => k.startsWith("1.")),
    ["1.gamma", "1.beta", "1.running_mean", "1.running_var"],
  );
  assert.deepEqual([...params.get("1.gamma").data().asTypedArray()], [...readTensor(f, f.entries.get("1.weight")!, "float32", "t")]);
  assert.deepEqual([...params.get("4.beta").data().asTypedArray()], [...readTensor(f, f.entries.get("4.bias")!, "float32", "t")]);
});

for (const stem of ["dcgan-f32", "dcgan-f64", "decoder1d-f32", "decoder1d-f64"])
  test(`tconv writes ${stem} back as the committed ${stem}-from-tconv.safetensors that PyTorch loads (make-safetensors.py check)`, () => {
    const net: Block = stem.startsWith("dcgan") ? dcganGenerator() : new Decoder1d();
    net.initialize();
    net.loadParameters(DIR + `${stem}.safetensors`, stem.endsWith("f64") ? { dtype: "float64" } : {});
    const committed = new Uint8Array(fs.readFileSync(DIR + `${stem}-from-tconv.safetensors`));
    assert.deepEqual(net.saveParametersToBytes(), committed);
    // every tensor of the PyTorch file is in tconv's, bit for bit, under Gluon's name
    const torch = parseSafetensors(new Uint8Array(fs.readFileSync(DIR + `${stem}.safetensors`)), "torch");
    const mine = parseSafetensors(committed, "tconv");
    for (const e of torch.entries.values()) {
      if (e.name.endsWith("num_batches_tracked")) continue;
      const name = e.name
        .replace(/\.weight$/, (m) => (mine.entries.has(e.name) ? m : ".gamma"))
        .replace(/\.bias$/, (m) => (mine.entries.has(e.name) ? m : ".beta"));
      const m = mine.entries.get(name);
      assert.ok(m, `${e.name} → ${name}`);
      assert.deepEqual(m.shape, e.shape);
      const dt = e.dtype === "F64" ? "float64" : "float32";
      assert.deepEqual(readTensor(mine, m, dt, "tconv"), readTensor(torch, e, dt, "torch"));
    }
  });

for (const stem of ["dcgan-f32", "dcgan-f64", "decoder1d-f32", "decoder1d-f64"])
  test(`saveParameters with names: "pytorch" writes ${stem} as the committed file PyTorch loads strictly with no renaming (make-safetensors.py check)`, () => {
    const net: Block = stem.startsWith("dcgan") ? dcganGenerator() : new Decoder1d();
    net.initialize();
    net.loadParameters(DIR + `${stem}.safetensors`, stem.endsWith("f64") ? { dtype: "float64" } : {});
    const committed = new Uint8Array(fs.readFileSync(DIR + `${stem}-from-tconv-pytorch-names.safetensors`));
    const bytes = net.saveParametersToBytes({ names: "pytorch" });
    assert.deepEqual(bytes, committed);
    const dir = fs.mkdtempSync(join(tmpdir(), "tconv-ptnames-"));
    net.saveParameters(join(dir, "m.safetensors"), { names: "pytorch" });
    assert.deepEqual(new Uint8Array(fs.readFileSync(join(dir, "m.safetensors"))), committed);
    fs.rmSync(dir, { recursive: true });
    // PyTorch's own file has exactly these names and values, plus num_batches_tracked (which strict loading of a
    // plain dict fills in with 0)
    const torch = parseSafetensors(new Uint8Array(fs.readFileSync(DIR + `${stem}.safetensors`)), "torch");
    const mine = parseSafetensors(committed, "tconv");
    assert.deepEqual(
      [...mine.entries.keys()],
      [...torch.entries.keys()].filter((k) => !k.endsWith(".num_batches_tracked")),
    );
    for (const m of mine.entries.values()) {
      const e = torch.entries.get(m.name)!;
      assert.deepEqual(m.shape, e.shape);
      const dt = e.dtype === "F64" ? "float64" : "float32";
      assert.deepEqual(readTensor(mine, m, dt, "tconv"), readTensor(torch, e, dt, "torch"), m.name);
    }
    // and tconv loads its PyTorch-named file back to the same parameters
    const back: Block = stem.startsWith("dcgan") ? dcganGenerator() : new Decoder1d();
    back.initialize();
    back.loadParametersFromBytes(committed, stem.endsWith("f64") ? { dtype: "float64" } : {});
    assert.deepEqual(back.saveParametersToBytes(), net.saveParametersToBytes());
  });

test('names: "pytorch" renames gamma/beta to weight/bias only for BatchNorm parameters', () => {
  class Scaled extends nn.Block {
    // a custom block whose own parameters happen to be called gamma and beta: PyTorch would keep those names
    readonly gamma = new Parameter("gamma", [2], "float32", init.One());
    readonly beta = new Parameter("beta", [2], "float32", init.Zero());
    readonly bn = new nn.BatchNorm({ inChannels: 2 });
    forward(x: NDArray): NDArray {
      return this.bn.forward(x).mul(this.gamma.data().reshape(1, 2)).add(this.beta.data().reshape(1, 2));
    }
  }
  const net = new nn.Sequential().add(new nn.Dense(2, { inUnits: 3 }), new Scaled());
  net.initialize();
  const names = (o?: object) => [...parseSafetensors(net.saveParametersToBytes(o as never), "t").entries.keys()];
  const gluonNames = ["0.weight", "0.bias", "1.gamma", "1.beta", "1.bn.gamma", "1.bn.beta", "1.bn.running_mean", "1.bn.running_var"];
  assert.deepEqual(names(), gluonNames);
  assert.deepEqual(names({ names: "gluon" }), gluonNames);
  assert.deepEqual(names({ names: "pytorch" }), [
    "0.weight",
    "0.bias",
    "1.gamma",
    "1.beta",
    "1.bn.weight",
    "1.bn.bias",
    "1.bn.running_mean",
    "1.bn.running_var",
  ]);
  assert.throws(() => net.saveParametersToBytes({ name: "pytorch" } as never), {
    message: "saveParametersToBytes: unknown option 'name' (did you mean 'names'?)",
  });
  assert.throws(() => net.saveParameters("never-written.safetensors", { names: "torch" } as never), {
    message: 'saveParameters: names="torch" is not one of "gluon", "pytorch"',
  });
  assert.ok(!fs.existsSync("never-written.safetensors"));
});

function bits(a: NDArray): Uint8Array {
  const t = a.asTypedArray();
  return new Uint8Array(t.buffer, t.byteOffset, t.byteLength).slice();
}

for (const dtype of ["float32", "float64"] as const)
  for (const [what, make] of [
    ["Sequential DCGAN", dcganGenerator],
    ["custom-Block 1-D decoder", () => new Decoder1d()],
  ] as const)
    test(`nets with BatchNorm round-trip bit-exactly after training changed every parameter (${what}, ${dtype})`, () => {
      const stem = what.startsWith("Seq") ? "dcgan" : "decoder1d";
      const a: Block = make();
      a.initialize();
      a.loadParameters(DIR + `${stem}-f32.safetensors`, { dtype });
      const z = io(`${stem}-f32`).z.astype(dtype);
      // a training-mode forward moves the running statistics away from the file's
      autograd.record(() => a.forward(z));
      const bytes = a.saveParametersToBytes();
      const b: Block = make();
      b.initialize();
      b.loadParametersFromBytes(bytes, { dtype });
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
      assert.deepEqual(bits(b.forward(z) as NDArray), bits(a.forward(z) as NDArray));
      assert.deepEqual(b.saveParametersToBytes(), bytes);
    });

test("a BatchNorm whose file shapes disagree is refused before anything changes; bad files leave the DCGAN's outputs bit for bit", () => {
  const path = DIR + "dcgan-f32.safetensors";
  const good = new Uint8Array(fs.readFileSync(path));
  const f = parseSafetensors(good, "t");
  const tensors: TensorToWrite[] = [...f.entries.values()]
    .filter((e) => e.dtype !== "I64")
    .map((e) => ({ name: e.name, shape: e.shape, data: readTensor(f, e, "float32", "t") }));
  const i = tensors.findIndex((t) => t.name === "4.running_var");
  const bad = [...tensors];
  bad[i] = { name: "4.running_var", shape: [8], data: new Float32Array(8) };
  const fresh = dcganGenerator();
  fresh.initialize();
  assert.throws(() => fresh.loadParametersFromBytes(serializeSafetensors(bad)), {
    message:
      "loadParametersFromBytes: 4 (BatchNorm) cannot take the file's shapes: gamma, beta, running_mean and running_var must have one channel count, got 16, 16, 16, 8",
  });
  assert.ok(
    fresh
      .collectParams()
      .values()
      .every((p) => !p.isInitialized),
    "the deferred net stayed deferred",
  );

  const net = dcganGenerator();
  net.initialize(init.Normal(0.2));
  const { z } = io("dcgan-f32");
  net.forward(z);
  const y0 = bits(net.forward(z));
  const cases: Uint8Array[] = [];
  for (let k = 1; k < 20; k++) cases.push(good.slice(0, Math.floor((good.length * k) / 20)));
  // flips in the header's length, its first brace, a tensor name, a dtype, a shape and an offset
  const text = new TextDecoder().decode(good.subarray(0, 600));
  for (const at of [2, 8, text.indexOf('"0.weight"') + 1, text.indexOf('"F32"') + 2, text.indexOf("[16,") + 2, text.indexOf("32768]") + 1]) {
    const b = good.slice();
    b[at] = b[at]! ^ 0x20;
    cases.push(b);
  }
  cases.push(
    serializeSafetensors(tensors.filter((t) => t.name !== "6.weight")),
    serializeSafetensors([...tensors, { name: "8.weight", shape: [1], data: new Float32Array(1) }]),
  );
  for (const bytes of cases) {
    const t0 = performance.now();
    assert.throws(() => net.loadParametersFromBytes(bytes), /^Error: loadParametersFromBytes: /);
    assert.ok(performance.now() - t0 < 1000);
    assert.deepEqual(bits(net.forward(z)), y0);
  }
});
