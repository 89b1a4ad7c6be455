// saveParameters / loadParameters on conv layers and Sequential: bit-exact round trips, names, deferred shapes, channels-last, bad files.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import * as fs from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { np, nn, init, gluon } from "../../src/index.js";
const { Parameter } = gluon;
import type { NDArray } from "../../src/ndarray/ndarray.js";
import type { Dtype } from "../../src/ndarray/strided.js";
import type { Block } from "../../src/gluon/block.js";
import { parseSafetensors, readTensor, serializeSafetensors, type TensorToWrite } from "../../src/io/safetensors.js";

function tempFolder(): string {
  return fs.mkdtempSync(join(tmpdir(), "tconv-params-"));
}

function bits(a: NDArray): Uint8Array {
  const t = a.asTypedArray();
  return new Uint8Array(t.buffer, t.byteOffset, t.byteLength).slice();
}

/** conv → transposed conv → conv with random weights and biases (seeded), every shape given. */
function convNet(dtype: Dtype, seed: number, layout: "NCHW" | "NHWC" = "NCHW"): nn.Sequential {
  np.random.seed(seed);
  const common = { dtype, layout, biasInitializer: init.Normal(1) };
  const net = new nn.Sequential().add(
    new nn.Conv2D(4, { kernelSize: 3, padding: 1, inChannels: 3, ...common }),
    new nn.Conv2DTranspose(6, { kernelSize: 4, strides: 2, padding: 1, inChannels: 4, groups: 2, ...common }),
    new nn.Conv2D(2, { kernelSize: 1, inChannels: 6, useBias: false, ...common }),
  );
  net.initialize(init.Normal(0.5));
  return net;
}

function input(dtype: Dtype, layout: "NCHW" | "NHWC" = "NCHW"): NDArray {
  np.random.seed(99);
  const x = np.random.normal({ size: [2, 3, 5, 5] }).astype(dtype);
  return layout === "NHWC" ? x.transpose(0, 2, 3, 1).copy() : x;
}

function snapshot(net: Block): Uint8Array[] {
  return net
    .collectParams()
    .values()
    .map((p) => bits(p.data()));
}

for (const dtype of ["float32", "float64"] as const)
  test(`save → load round trip is bit-exact (${dtype}, Sequential of conv layers, file and bytes)`, () => {
    const a = convNet(dtype, 1);
    const b = convNet(dtype, 2);
    const x = input(dtype);
    assert.notDeepEqual(bits(b.forward(x)), bits(a.forward(x)));
    const dir = tempFolder();
    const path = join(dir, "model.safetensors");
    a.saveParameters(path);
    b.loadParameters(path);
    assert.deepEqual(snapshot(b), snapshot(a));
    assert.deepEqual(bits(b.forward(x)), bits(a.forward(x)));
    const c = convNet(dtype, 3);
    c.loadParametersFromBytes(a.saveParametersToBytes());
    assert.deepEqual(bits(c.forward(x)), bits(a.forward(x)));
    assert.deepEqual(new Uint8Array(fs.readFileSync(path)), a.saveParametersToBytes());
    fs.rmSync(dir, { recursive: true });
  });

test("the file holds structural names, PyTorch layouts and the parameters' dtype", () => {
  const a = convNet("float64", 1);
  const f = parseSafetensors(a.saveParametersToBytes(), "t");
  assert.deepEqual(
    [...f.entries.values()].map((e) => [e.name, e.dtype, e.shape]),
    [
      ["0.weight", "F64", [4, 3, 3, 3]],
      ["0.bias", "F64", [4]],
      ["1.weight", "F64", [4, 3, 4, 4]],
      ["1.bias", "F64", [6]],
      ["2.weight", "F64", [2, 6, 1, 1]],
    ],
  );
  assert.deepEqual([...f.metadata], [["format", "pt"]]);
  const w = a.collectParams().values()[2]!.data();
  assert.deepEqual([...readTensor(f, f.entries.get("1.weight")!, "float64", "t")], [...w.asTypedArray()]);
});

test("saving twice gives the same bytes", () => {
  assert.deepEqual(convNet("float32", 5).saveParametersToBytes(), convNet("float32", 5).saveParametersToBytes());
});

test("loading right after initialize() completes deferred shapes (no dummy forward) and checks them", () => {
  const a = convNet("float32", 1);
  const deferred = () => {
    const net = new nn.Sequential().add(
      new nn.Conv2D(4, { kernelSize: 3, padding: 1 }),
      new nn.Conv2DTranspose(6, { kernelSize: 4, strides: 2, padding: 1, groups: 2 }),
      new nn.Conv2D(2, { kernelSize: 1, useBias: false }),
    );
    net.initialize();
    return net;
  };
  const b = deferred();
  b.loadParametersFromBytes(a.saveParametersToBytes());
  assert.deepEqual(b.collectParams().values()[0]!.shape, [4, 3, 3, 3]);
  assert.deepEqual(bits(b.forward(input("float32"))), bits(a.forward(input("float32"))));
  // a file whose transposed-conv weight has 3 input channels, which groups = 2 cannot split
  const bad: TensorToWrite[] = [
    { name: "0.weight", shape: [4, 3, 3, 3], data: new Float32Array(108) },
    { name: "0.bias", shape: [4], data: new Float32Array(4) },
    { name: "1.weight", shape: [3, 3, 4, 4], data: new Float32Array(144) },
    { name: "1.bias", shape: [6], data: new Float32Array(6) },
    { name: "2.weight", shape: [2, 6, 1, 1], data: new Float32Array(12) },
  ];
  const c = deferred();
  assert.throws(() => c.loadParametersFromBytes(serializeSafetensors(bad)), {
    message: "loadParametersFromBytes: 1.weight has shape [3,3,4,4], which the layer cannot take: groups=2 must divide input channels 3",
  });
  assert.equal(c.collectParams().values()[0]!.isInitialized, false, "0.weight stayed deferred");
  // the known axes of a deferred shape must match
  bad[0] = { name: "0.weight", shape: [5, 3, 3, 3], data: new Float32Array(135) };
  bad[2] = { name: "1.weight", shape: [4, 3, 4, 4], data: new Float32Array(192) };
  assert.throws(() => c.loadParametersFromBytes(serializeSafetensors(bad)), {
    message: "loadParametersFromBytes: 0.weight has shape [5,3,3,3], the net expects [4,?,3,3]",
  });
});

test("channels-last nets store weights as PyTorch's [O, I, k…] and give the same outputs as the channels-first net loading the file", () => {
  for (const dtype of ["float32", "float64"] as const) {
    const last = convNet(dtype, 7, "NHWC");
    const bytes = last.saveParametersToBytes();
    const f = parseSafetensors(bytes, "t");
    assert.deepEqual(f.entries.get("0.weight")!.shape, [4, 3, 3, 3]);
    assert.deepEqual(f.entries.get("1.weight")!.shape, [4, 3, 4, 4]);
    // element [o, i, y, x] of the file is element [o, y, x, i] of the channels-last weight
    const w = last.collectParams().values()[2]!.data();
    const fileW = readTensor(f, f.entries.get("1.weight")!, dtype, "t");
    assert.equal(fileW[((1 * 3 + 2) * 4 + 3) * 4 + 0], w.at(1, 3, 0, 2).item());
    const first = convNet(dtype, 8);
    first.loadParametersFromBytes(bytes);
    const yLast = last.forward(input(dtype, "NHWC"));
    const yFirst = first.forward(input(dtype));
    const diff = yLast.transpose(0, 3, 1, 2).sub(yFirst).abs().max().item();
    assert.ok(diff <= (dtype === "float32" ? 1e-5 : 1e-13), `max difference ${diff}`);
    // and back: a channels-last net loading its own file is bit-exact
    const again = convNet(dtype, 9, "NHWC");
    again.loadParametersFromBytes(bytes);
    assert.deepEqual(snapshot(again), snapshot(last));
    assert.deepEqual(again.saveParametersToBytes(), bytes);
  }
});

test("the dtype option converts: a float32 file into a net that becomes float64, and back", () => {
  const a = convNet("float32", 1);
  const b = convNet("float32", 2);
  b.loadParametersFromBytes(a.saveParametersToBytes(), { dtype: "float64" });
  for (const p of b.collectParams()) assert.equal(p.data().dtype, "float64");
  const y64 = b.forward(input("float64"));
  assert.equal(y64.dtype, "float64");
  b.loadParametersFromBytes(b.saveParametersToBytes(), { dtype: "float32" });
  assert.deepEqual(snapshot(b), snapshot(a));
  // float64 file into a float32 net without the option: each value rounded to float32
  const c = convNet("float32", 3);
  const d = convNet("float64", 4);
  c.loadParametersFromBytes(d.saveParametersToBytes());
  assert.deepEqual(
    snapshot(c),
    d
      .collectParams()
      .values()
      .map((p) => bits(p.data().astype("float32"))),
  );
});

test("F16 and BF16 files load into float32 parameters", () => {
  const net = new nn.Sequential().add(new nn.Conv1D(1, { kernelSize: 2, inChannels: 1 }));
  net.initialize();
  // weight [1,1,2] = [1, -0.5] as F16 (0x3c00, 0xb800), bias [1] = [3] as BF16 (0x4040)
  const header = '{"0.weight":{"dtype":"F16","shape":[1,1,2],"data_offsets":[0,4]},"0.bias":{"dtype":"BF16","shape":[1],"data_offsets":[4,6]}}';
  const h = new TextEncoder().encode(header);
  const file = new Uint8Array([h.length, 0, 0, 0, 0, 0, 0, 0, ...h, 0x00, 0x3c, 0x00, 0xb8, 0x40, 0x40]);
  net.loadParametersFromBytes(file);
  const [w, b] = net.collectParams().values();
  assert.deepEqual(w!.data().tolist(), [[[1, -0.5]]]);
  assert.deepEqual(b!.data().tolist(), [3]);
});

test("allowMissing keeps parameters the file lacks; ignoreExtra skips tensors the net lacks", () => {
  const a = convNet("float64", 1);
  const f = parseSafetensors(a.saveParametersToBytes(), "t");
  const tensors: TensorToWrite[] = [...f.entries.values()].map((e) => ({ name: e.name, shape: e.shape, data: readTensor(f, e, "float64", "t") }));
  const b = convNet("float64", 2);
  const before = snapshot(b);
  b.loadParametersFromBytes(serializeSafetensors(tensors.slice(1)), { allowMissing: true });
  const after = snapshot(b);
  assert.deepEqual(after[0], before[0], "0.weight kept");
  assert.deepEqual(after.slice(1), snapshot(a).slice(1));
  const c = convNet("float64", 3);
  c.loadParametersFromBytes(serializeSafetensors([...tensors, { name: "3.weight", shape: [1], data: new Float64Array(1) }]), { ignoreExtra: true });
  assert.deepEqual(snapshot(c), snapshot(a));
});

test("loadParameters options are checked by name and type", () => {
  const a = convNet("float32", 1);
  const bytes = a.saveParametersToBytes();
  assert.throws(
    () => a.loadParametersFromBytes(bytes, { allowmissing: true } as never),
    /loadParametersFromBytes: unknown option 'allowmissing' \(did you mean 'allowMissing'\?\)/,
  );
  assert.throws(() => a.loadParametersFromBytes(bytes, { ignoreExtra: 1 } as never), /loadParametersFromBytes: ignoreExtra=1 must be true or false/);
  assert.throws(() => a.loadParametersFromBytes(bytes, { dtype: "float16" } as never), /dtype="float16" is not one of "float32", "float64"/);
  assert.throws(() => a.loadParametersFromBytes([1, 2] as never), /loadParametersFromBytes: expected a Uint8Array/);
});

test("saving a net whose shapes are still deferred names the parameter", () => {
  const net = new nn.Sequential().add(new nn.Conv2D(4, { kernelSize: 3 }));
  net.initialize();
  assert.throws(
    () => net.saveParametersToBytes(),
    /^Error: saveParametersToBytes: 0\.weight: Parameter '.*weight' of Conv2D has not been initialized yet because initialization was deferred/,
  );
});

// ---- bad files: each throws a clear Error quickly and leaves every parameter as it was ----------------------------

function badFiles(good: Uint8Array): [string, Uint8Array, RegExp][] {
  const out: [string, Uint8Array, RegExp][] = [];
  for (let k = 1; k < 20; k++) {
    const cut = Math.floor((good.length * k) / 20);
    out.push([`cut at ${k}/20 (${cut} bytes)`, good.slice(0, cut), /truncated|the data section is|header/]);
  }
  const headerLength = Number(new DataView(good.buffer).getBigUint64(0, true));
  for (const at of [0, 3, 7, 8, 9, 20, 40, 60, 8 + headerLength - 20, 8 + headerLength - 9]) {
    const b = good.slice();
    b[at] = b[at]! ^ 0x5a;
    out.push([`header byte ${at} flipped`, b, /./]);
  }
  const f = parseSafetensors(good, "t");
  const entries = [...f.entries.values()];
  const tensors: TensorToWrite[] = entries.map((e) => ({
    name: e.name,
    shape: e.shape,
    data: readTensor(f, e, e.dtype === "F64" ? "float64" : "float32", "t"),
  }));
  const last = tensors[tensors.length - 1]!;
  const swapped = [...tensors.slice(0, -1), { ...last, shape: [last.shape[1]!, last.shape[0]!, ...last.shape.slice(2)] }];
  out.push(["a wrong shape in the last entry", serializeSafetensors(swapped), /2\.weight has shape \[6,2,1,1\], the net expects \[2,6,1,1\]$/]);
  out.push(["a missing name", serializeSafetensors(tensors.slice(1)), /the file has no 0\.weight \(the net's parameter; pass allowMissing: true/]);
  out.push([
    "an extra name",
    serializeSafetensors([...tensors, { name: "9.gamma", shape: [2], data: new Float32Array(2) }]),
    /the net has no parameter for 9\.gamma in the file \(pass ignoreExtra: true/,
  ]);
  const proto = new TextEncoder().encode('{"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}');
  const protoFile = new Uint8Array(8 + proto.length + 4);
  protoFile[0] = proto.length;
  protoFile.set(proto, 8);
  out.push(["a __proto__ header", protoFile, /key "__proto__" is not allowed/]);
  return out;
}

test("every kind of bad file throws a clear Error within a second and changes no parameter", () => {
  const dir = tempFolder();
  const path = join(dir, "model.safetensors");
  const good = convNet("float32", 1).saveParametersToBytes();
  const net = convNet("float32", 2); // other values than the file's, so a partial load would show
  const x = input("float32");
  const y0 = bits(net.forward(x));
  const p0 = snapshot(net);
  for (const [what, bytes, message] of badFiles(good)) {
    fs.writeFileSync(path, bytes);
    const t0 = performance.now();
    assert.throws(
      () => net.loadParameters(path),
      (e: Error) => e instanceof Error && e.message.startsWith(`loadParameters: ${path}: `) && message.test(e.message),
      what,
    );
    assert.ok(performance.now() - t0 < 1000, `${what}: took ${performance.now() - t0} ms`);
    assert.deepEqual(snapshot(net), p0, `${what}: parameters changed`);
    assert.deepEqual(bits(net.forward(x)), y0, `${what}: outputs changed`);
  }
  // the good file does load (so the loop above tested the checks, not a net that cannot load)
  net.loadParametersFromBytes(good);
  assert.notDeepEqual(bits(net.forward(x)), y0);
  fs.rmSync(dir, { recursive: true });
});

test("a failed save leaves the previous checkpoint loadable", () => {
  const dir = tempFolder();
  const path = join(dir, "model.safetensors");
  const a = convNet("float32", 1);
  a.saveParameters(path);
  const before = fs.readFileSync(path);
  // a deferred net cannot be saved: the error comes before the file is touched
  const deferred = new nn.Sequential().add(new nn.Conv2D(4, { kernelSize: 3 }));
  deferred.initialize();
  assert.throws(() => deferred.saveParameters(path), /saveParameters: .*0\.weight/);
  assert.deepEqual(fs.readFileSync(path), before);
  // a folder that is not one
  assert.throws(() => a.saveParameters(join(path, "inside.safetensors")), /saveParameters: .*the save failed/);
  assert.deepEqual(fs.readdirSync(dir), ["model.safetensors"]);
  const b = convNet("float32", 2);
  b.loadParameters(path);
  assert.deepEqual(snapshot(b), snapshot(a));
  fs.rmSync(dir, { recursive: true });
});

/** A custom Block with children registered under names, one of them a Sequential. */
class EncoderDecoder extends nn.Block {
  readonly enc1: nn.Sequential;
  readonly dec: nn.Conv1DTranspose;
  constructor(dtype: Dtype) {
    super();
    this.enc1 = this.registerChild(
      new nn.Sequential().add(
        new nn.Conv1D(4, { kernelSize: 3, strides: 2, dtype, biasInitializer: init.Normal(1) }),
        new nn.Conv1D(6, { kernelSize: 1, dtype }),
      ),
      "enc1",
    );
    this.dec = this.registerChild(new nn.Conv1DTranspose(2, { kernelSize: 4, strides: 2, dtype, biasInitializer: init.Normal(1) }), "dec");
  }
  forward(x: NDArray): NDArray {
    return this.dec.forward(this.enc1.forward(x));
  }
}

for (const dtype of ["float32", "float64"] as const)
  test(`custom Blocks save under their children's names and round-trip bit-exactly (${dtype}, deferred shapes)`, () => {
    np.random.seed(3);
    const x = np.random.normal({ size: [2, 3, 9] }).astype(dtype);
    const a = new EncoderDecoder(dtype);
    a.initialize(init.Normal(0.5));
    const ya = a.forward(x);
    const bytes = a.saveParametersToBytes();
    assert.deepEqual(
      [...parseSafetensors(bytes, "t").entries.keys()],
      ["enc1.0.weight", "enc1.0.bias", "enc1.1.weight", "enc1.1.bias", "dec.weight", "dec.bias"],
    );
    const b = new EncoderDecoder(dtype);
    b.initialize(init.Normal(0.5));
    b.loadParametersFromBytes(bytes); // straight after initialize(): every inChannels is deferred
    assert.deepEqual(bits(b.forward(x)), bits(ya));
    assert.deepEqual(b.saveParametersToBytes(), bytes);
  });

test("without Node's builtins (a browser) the byte variants work and the file variants say what to use", () => {
  const proc = process as unknown as { getBuiltinModule?: unknown };
  const saved = proc.getBuiltinModule;
  const a = convNet("float32", 1);
  const b = convNet("float32", 2);
  try {
    proc.getBuiltinModule = undefined;
    b.loadParametersFromBytes(a.saveParametersToBytes());
    assert.throws(() => a.saveParameters("model.safetensors"), /^Error: saveParameters: files need Node ≥ 20\.16; in a browser use the byte-array variant/);
    assert.throws(() => a.loadParameters("model.safetensors"), /^Error: loadParameters: files need Node ≥ 20\.16/);
  } finally {
    proc.getBuiltinModule = saved;
  }
  assert.deepEqual(snapshot(b), snapshot(a));
});

test("a block checks the file's shapes for its deferred parameters together before anything changes", () => {
  /** two deferred vectors that must have one length, as a BatchNorm's gamma and beta */
  class Pair extends nn.Block {
    a = new Parameter("a", { shape: [0] });
    b = new Parameter("b", { shape: [0] });
    forward(x: NDArray): NDArray {
      return x;
    }
    override checkLoadedShapes(shapes: ReadonlyMap<string, readonly number[]>): string | null {
      const [a, b] = [shapes.get("a"), shapes.get("b")];
      return a && b && a[0] !== b[0] ? `a has ${a[0]} entries and b ${b[0]}; they must agree` : null;
    }
  }
  const net = new nn.Sequential().add(new nn.Conv1D(2, { kernelSize: 1, inChannels: 1 }), new Pair());
  net.initialize(init.One());
  const before = snapshot(new nn.Sequential().add(net.at(0)));
  const file = (n: number) =>
    serializeSafetensors([
      { name: "0.weight", shape: [2, 1, 1], data: new Float32Array([5, 6]) },
      { name: "0.bias", shape: [2], data: new Float32Array([7, 8]) },
      { name: "1.a", shape: [3], data: new Float32Array(3) },
      { name: "1.b", shape: [n], data: new Float32Array(n) },
    ]);
  assert.throws(() => net.loadParametersFromBytes(file(4)), {
    message: "loadParametersFromBytes: 1 (Pair) cannot take the file's shapes: a has 3 entries and b 4; they must agree",
  });
  assert.deepEqual(snapshot(new nn.Sequential().add(net.at(0))), before);
  net.loadParametersFromBytes(file(3));
  assert.deepEqual(net.collectParams().get("1.b").shape, [3]);
});

test("any conv layer (1-3-D, transposed or not, groups, channels-first or -last, float32/64) round-trips into its deferred twin (property)", () => {
  const LAYOUTS = [
    ["NCW", "NWC"],
    ["NCHW", "NHWC"],
    ["NCDHW", "NDHWC"],
  ] as const;
  const CLASSES = [
    [nn.Conv1D, nn.Conv1DTranspose],
    [nn.Conv2D, nn.Conv2DTranspose],
    [nn.Conv3D, nn.Conv3DTranspose],
  ] as const;
  fc.assert(
    fc.property(
      fc.record({
        nd: fc.integer({ min: 1, max: 3 }),
        transposed: fc.boolean(),
        last: fc.boolean(),
        groups: fc.integer({ min: 1, max: 3 }),
        inPer: fc.integer({ min: 1, max: 2 }),
        outPer: fc.integer({ min: 1, max: 2 }),
        k: fc.integer({ min: 1, max: 3 }),
        wide: fc.boolean(),
        seed: fc.integer({ min: 0, max: 1000 }),
      }),
      ({ nd, transposed, last, groups, inPer, outPer, k, wide, seed }) => {
        const dtype = wide ? "float64" : "float32";
        const layout = LAYOUTS[nd - 1]![last ? 1 : 0];
        const Layer = CLASSES[nd - 1]![transposed ? 1 : 0];
        const make = (inChannels?: number) => new Layer(outPer * groups, { kernelSize: k, groups, layout, dtype, inChannels, biasInitializer: init.Normal(1) });
        np.random.seed(seed);
        const a = make(inPer * groups);
        a.initialize(init.Normal(1));
        const b = make();
        b.initialize();
        b.loadParametersFromBytes(a.saveParametersToBytes());
        const spatial = new Array<number>(nd).fill(3);
        const shape = last ? [2, ...spatial, inPer * groups] : [2, inPer * groups, ...spatial];
        const x = np.random.normal({ size: shape }).astype(dtype);
        assert.deepEqual(bits(b.forward(x)), bits(a.forward(x)));
        assert.deepEqual(b.saveParametersToBytes(), a.saveParametersToBytes());
        // the file holds PyTorch's layout: [Cout, Cin/g, …k] or, transposed, [Cin, Cout/g, …k]
        const fileShape = parseSafetensors(a.saveParametersToBytes(), "t").entries.get("weight")!.shape;
        assert.deepEqual(fileShape, transposed ? [inPer * groups, outPer, ...new Array(nd).fill(k)] : [outPer * groups, inPer, ...new Array(nd).fill(k)]);
      },
    ),
    { numRuns: 60 },
  );
});
