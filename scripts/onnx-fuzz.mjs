// ONNX mutation fuzz: seeded mutations of small committed models, each imported and run by tconv in child processes
// (heap cap, watchdog) and by onnxruntime-node as the oracle, also in children (some mutations crash onnxruntime
// itself with SIGFPE; those count as its refusals). Prints one JSON summary line (counts and examples).
// Usage: node scripts/onnx-fuzz.mjs <seed> <models> [perChild=100] [childTimeoutMs=60000]   (needs a built dist/)
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { decodeModel, encodeModel } from "../dist/onnx/proto.js";

const [seed = 1, count = 200, perChild = 100, childMs = 60000] = process.argv.slice(2).map(Number);
let s = seed >>> 0 || 1;
const rand = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32; // LCG: repeatable per seed
const pick = (a) => a[Math.floor(rand() * a.length)];
const int = (n) => Math.floor(rand() * n);

const FIXTURES = ["conv_attrs", "espcn", "fcn_head", "layout_ops", "misc_ops"];
const seeds = FIXTURES.map((name) => {
  const dir = resolve("test/fixtures/onnx/models");
  const meta = JSON.parse(readFileSync(join(dir, `${name}.json`), "utf8"));
  return { name, bytes: new Uint8Array(readFileSync(join(dir, `${name}.onnx`))), inputs: meta.inputs };
});
const OPS = [
  "Relu",
  "Add",
  "Concat",
  "Conv",
  "Reshape",
  "Slice",
  "Gather",
  "Cast",
  "Pad",
  "Resize",
  "MatMul",
  "Gemm",
  "Sum",
  "Transpose",
  "Shape",
  "Unsqueeze",
  "Squeeze",
  "Softmax",
  "Einsum",
];
const HUGE = [0, -1, 1, 2, 3, 7, 65536, 2 ** 31 - 1, 2 ** 31, 2 ** 40, -(2 ** 31)];

/** One record-level mutation of a decoded ModelProto (plain object); returns its name. */
function mutate(m) {
  const g = m.graph;
  const nodes = g.node ?? [];
  const inits = g.initializer ?? [];
  const node = nodes.length > 0 ? pick(nodes) : null;
  const kinds = [
    "dims",
    "hugeDims",
    "extraInput",
    "dropInput",
    "attrType",
    "dupAttr",
    "noIr",
    "opset",
    "opType",
    "undefinedInput",
    "swapNodes",
    "attrValue",
    "repeatInput",
    "dataType",
    "dupNodeName",
    "dropOutput",
    "emptyData",
  ];
  const k = pick(kinds);
  const init = inits.length > 0 ? pick(inits) : null;
  switch (k) {
    case "dims":
      if (init?.dims?.length) init.dims[int(init.dims.length)] = pick(HUGE);
      break;
    case "hugeDims":
      if (init) init.dims = [pick(HUGE), pick(HUGE)];
      break;
    case "extraInput":
      if (node) node.input = [...(node.input ?? []), pick(node.input?.length ? node.input : ["x"])];
      break;
    case "dropInput":
      if (node?.input?.length) node.input = node.input.slice(0, -1);
      break;
    case "attrType":
      if (node?.attribute?.length) pick(node.attribute).type = 1 + int(10);
      break;
    case "dupAttr":
      if (node?.attribute?.length) node.attribute.push({ ...pick(node.attribute) });
      break;
    case "noIr":
      delete m.ir_version;
      break;
    case "opset":
      m.opset_import = [{ domain: "", version: int(26) }];
      break;
    case "opType":
      if (node) node.op_type = pick(OPS);
      break;
    case "undefinedInput":
      if (node?.input?.length) node.input[int(node.input.length)] = "nowhere";
      break;
    case "swapNodes":
      if (nodes.length > 1) {
        const i = int(nodes.length - 1);
        [nodes[i], nodes[i + 1]] = [nodes[i + 1], nodes[i]];
      }
      break;
    case "attrValue":
      if (node?.attribute?.length) {
        const a = pick(node.attribute);
        if (a.ints) a.ints = a.ints.map(() => pick(HUGE));
        else if (a.i !== undefined) a.i = pick(HUGE);
        else if (a.f !== undefined) a.f = pick([NaN, Infinity, -1e30, 0]);
      }
      break;
    case "repeatInput":
      if (node?.input?.length) node.input = new Array(1 + int(6000)).fill(node.input[0]);
      break;
    case "dataType":
      if (init) init.data_type = pick([0, 1, 2, 3, 6, 7, 9, 10, 11, 16, 99]);
      break;
    case "dupNodeName":
      if (nodes.length > 1) nodes[1].name = nodes[0].name = "same";
      break;
    case "dropOutput":
      if (node?.output?.length) node.output = [];
      break;
    case "emptyData":
      if (init) {
        delete init.raw_data;
        delete init.float_data;
        delete init.int64_data;
      }
      break;
  }
  return k;
}

const dir = mkdtempSync(join(tmpdir(), "tconv-onnx-fuzz-"));
const cases = [];
for (let i = 0; i < count; i++) {
  const sm = seeds[i % seeds.length];
  let bytes, what;
  if (rand() < 0.15) {
    // byte-level: flip, truncate or zero a few bytes
    bytes = sm.bytes.slice();
    const n = 1 + int(4);
    for (let j = 0; j < n; j++) bytes[int(bytes.length)] = int(256);
    if (rand() < 0.3) bytes = bytes.subarray(0, int(bytes.length));
    what = "bytes";
  } else {
    const m = decodeModel(sm.bytes, "fuzz");
    const names = [mutate(m)];
    if (rand() < 0.3) names.push(mutate(m));
    what = names.join("+");
    try {
      bytes = encodeModel(m);
    } catch {
      continue; // not encodable: protobuf would never carry it
    }
  }
  const file = join(dir, `${i}.onnx`);
  writeFileSync(file, bytes);
  if (process.env.ONNX_FUZZ_KEEP === String(i)) writeFileSync(`onnx-fuzz-case-${seed}-${i}.onnx`, bytes); // to study one case
  cases.push({ i, file, what, seed: sm.name, inputs: sm.inputs });
}

// tconv's verdicts, in children of up to perChild models; a child that dies or hangs is rerun one model per child
const childFile = join(dir, "child.mjs");
writeFileSync(
  childFile,
  `import { readFileSync } from "node:fs";
import * as tconv from ${JSON.stringify(pathToFileURL(resolve("dist/index.js")).href)};
import { onnx } from ${JSON.stringify(pathToFileURL(resolve("dist/onnx/index.js")).href)};
const list = JSON.parse(readFileSync(process.argv[2], "utf8"));
for (const c of list) {
  let line;
  try {
    const b = onnx.importToGluon(new Uint8Array(readFileSync(c.file)));
    const xs = c.inputs.map((t) => new tconv.NDArray(Float32Array.from(t.data), t.shape));
    const r = b.forward(...xs);
    const outs = (Array.isArray(r) ? r : [r]).map((o) => ({ shape: o.shape, data: Array.from(o.asTypedArray()) }));
    line = { i: c.i, ok: true, outs };
  } catch (e) {
    line = { i: c.i, ok: false, name: e?.name ?? typeof e, message: String(e?.message ?? e).slice(0, 300) };
  }
  process.stdout.write(JSON.stringify(line) + "\\n");
}
`,
);
const ortFile = join(dir, "ort-child.mjs");
writeFileSync(
  ortFile,
  `import { readFileSync } from "node:fs";
import ort from ${JSON.stringify(pathToFileURL(resolve("node_modules/onnxruntime-node/dist/index.js")).href)};
const list = JSON.parse(readFileSync(process.argv[2], "utf8"));
for (const c of list) {
  let line;
  try {
    const session = await ort.InferenceSession.create(readFileSync(c.file));
    const feeds = {};
    session.inputNames.forEach((n, k) => (feeds[n] = new ort.Tensor("float32", Float32Array.from(c.inputs[k].data), c.inputs[k].shape)));
    const out = await session.run(feeds);
    const outs = session.outputNames.map((n) => ({ shape: [...out[n].dims], data: Array.from(out[n].data, Number) }));
    await session.release();
    line = { i: c.i, ok: true, outs };
  } catch (e) {
    line = { i: c.i, ok: false, message: String(e?.message ?? e).slice(0, 240) };
  }
  process.stdout.write(JSON.stringify(line) + "\\n");
}
`,
);
function runChildren(list, file = childFile) {
  const listFile = join(dir, `list-${list[0].i}-${list.length}.json`);
  writeFileSync(listFile, JSON.stringify(list));
  const r = spawnSync(process.execPath, ["--max-old-space-size=512", file, listFile], { encoding: "utf8", timeout: childMs, maxBuffer: 1 << 30 });
  const lines = (r.stdout ?? "")
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l));
  const clean = r.status === 0 && !r.error;
  return { lines, clean, how: r.error?.code === "ETIMEDOUT" ? "hang" : "abort", stderr: (r.stderr ?? "").slice(-300) };
}
/** Verdicts of one child script over all cases; a child that dies or hangs marks the case it was on and resumes after it. */
function verdicts(file) {
  const verdict = new Map();
  for (let at = 0; at < cases.length; ) {
    const chunk = cases.slice(at, at + perChild);
    const r = runChildren(chunk, file);
    for (const l of r.lines) verdict.set(l.i, l);
    at += r.lines.length;
    if (!r.clean && r.lines.length < chunk.length) {
      // the case it was on, alone: a fatal end there is that case's verdict
      const c = chunk[r.lines.length];
      const one = runChildren([c], file);
      verdict.set(c.i, one.clean && one.lines[0] ? one.lines[0] : { i: c.i, ok: false, fatal: one.how, stderr: one.stderr });
      at++;
    }
  }
  return verdict;
}
const verdict = verdicts(childFile);
const ortVerdict = verdicts(ortFile);

// onnxruntime's verdicts and the comparison
const counts = {
  models: cases.length,
  ortAccepts: 0,
  ortRejects: 0,
  ortCrashes: 0,
  tconvRuns: 0,
  clearErrors: 0,
  aborts: 0,
  hangs: 0,
  unclearErrors: 0,
  acceptedInvalid: 0,
  wrongValues: 0,
};
const examples = [];
const note = (kind, c, extra) => examples.length < 20 && examples.push({ kind, i: c.i, seed: c.seed, what: c.what, ...extra });
for (const c of cases) {
  const o = ortVerdict.get(c.i);
  const want = o.ok ? o.outs : null;
  const ortError = o.fatal ? `onnxruntime crashed (${o.fatal})` : (o.message ?? "");
  if (o.ok) counts.ortAccepts++;
  else counts.ortRejects++;
  if (o.fatal) counts.ortCrashes++;
  const v = verdict.get(c.i);
  if (v.fatal === "hang") {
    counts.hangs++;
    note("hang", c, {});
    continue;
  }
  if (v.fatal) {
    counts.aborts++;
    note("abort", c, { stderr: v.stderr });
    continue;
  }
  if (!v.ok) {
    // clear: a plain Error naming the importer or the node
    if (v.name === "Error" && /onnx/.test(v.message)) counts.clearErrors++;
    else {
      counts.unclearErrors++;
      note("unclear", c, { name: v.name, message: v.message });
    }
    continue;
  }
  counts.tconvRuns++;
  if (!want) {
    counts.acceptedInvalid++;
    note("acceptedInvalid", c, { ortError });
    continue;
  }
  const bad =
    want.length !== v.outs.length ||
    want.some((w, k) => {
      const o = v.outs[k];
      if (w.shape.join() !== o.shape.join()) return true;
      const scale = Math.max(1, ...w.data.map(Math.abs).filter(Number.isFinite));
      return w.data.some((x, j) => !(Math.abs(x - o.data[j]) <= 1e-3 * scale || (Number.isNaN(x) && Number.isNaN(o.data[j])) || x === o.data[j]));
    });
  if (bad) {
    counts.wrongValues++;
    note("wrongValue", c, { want: want.map((w) => [w.shape, w.data.slice(0, 6)]), got: v.outs.map((w) => [w.shape, w.data.slice(0, 6)]) });
  }
}
rmSync(dir, { recursive: true, force: true });
process.stdout.write(JSON.stringify({ seed, ...counts, examples }) + "\n");
