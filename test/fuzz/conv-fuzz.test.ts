// Fuzz: thousands of random valid and invalid calls of npx.convolution / npx.deconvolution and every conv layer. Each
// must give an Error naming the op and the offending option, or a result equal to an independent naive reference
// (shapes and padding from the formulas written here, values from test/helpers/conv-direct.ts). Calls that may be
// heavy run in child processes with a JS-heap cap and a time limit, so an abort or a hang is counted, not fatal.
import { test } from "node:test";
import assert from "node:assert/strict";
import { init, nn, np, npx, type NDArray } from "../../src/index.js";
import type { ConvGeometry } from "../../src/params/geometry.js";
import { directConv, directConvTranspose, moveChannels, moveWeightChannels, prod } from "../helpers/conv-direct.js";
import { describe, runChild } from "../helpers/child.js";

// ---- a seeded generator ---------------------------------------------------------------------------------------

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}
const R = rng(14);
const int = (lo: number, hi: number) => lo + Math.floor(R() * (hi - lo + 1));
const pick = <T>(a: readonly T[]): T => a[Math.floor(R() * a.length)]!;
const chance = (p: number) => R() < p;

// ---- the independent shape arithmetic (from the formulas, not from params/) -------------------------------------

type Op = "convolution" | "deconvolution";
interface Axis {
  n: number;
  k: number;
  s: number;
  d: number;
}
interface Plan {
  op: Op;
  nd: number;
  batch: number;
  groups: number;
  inC: number;
  outC: number;
  axes: Axis[];
  channelsLast: boolean;
  dtype: "float32" | "float64";
  bias: boolean;
  options: Record<string, unknown>;
}
/** What the call must do: a geometry to compare values with, or an error whose message names `token`. */
type Expect = { ok: true; g: ConvGeometry; outShape: number[] } | { ok: false; token: RegExp };

const LAYOUTS = { 1: ["NCW", "NWC"], 2: ["NCHW", "NHWC"], 3: ["NCDHW", "NDHWC"] } as Record<number, [string, string]>;

function perAxis(v: unknown, nd: number): number[] {
  return typeof v === "number" ? new Array<number>(nd).fill(v) : (v as number[]);
}

/** ONNX SAME split: the odd unit at the end (upper) or the beginning (lower). */
function split(total: number, lower: boolean): [number, number] {
  const small = Math.floor(total / 2);
  return lower ? [total - small, small] : [small, total - small];
}

function expectOf(p: Plan): Expect {
  const nd = p.nd,
    o = p.options;
  const strides = o.strides === undefined ? new Array<number>(nd).fill(1) : perAxis(o.strides, nd);
  const dil = o.dilation === undefined ? new Array<number>(nd).fill(1) : perAxis(o.dilation, nd);
  const dk = p.axes.map((a, i) => dil[i]! * (a.k - 1) + 1);
  const conv = p.op === "convolution";
  let pb: number[],
    pe: number[],
    opad = new Array<number>(nd).fill(0),
    out: number[];
  const pad = o.padding;
  const same = pad === "same" || pad === "same-lower";
  if (!same) {
    const pairs =
      pad === undefined || pad === "valid"
        ? p.axes.map(() => [0, 0])
        : typeof pad === "number"
          ? p.axes.map(() => [pad, pad])
          : (pad as unknown[]).map((x) => (typeof x === "number" ? [x, x] : (x as number[])));
    pb = pairs.map((x) => x[0]!);
    pe = pairs.map((x) => x[1]!);
  } else pb = pe = [];
  if (conv) {
    if (same) {
      out = p.axes.map((a, i) => Math.ceil(a.n / strides[i]!));
      const pads = p.axes.map((a, i) => split(Math.max(0, (out[i]! - 1) * strides[i]! + dk[i]! - a.n), pad === "same-lower"));
      pb = pads.map((x) => x[0]);
      pe = pads.map((x) => x[1]);
    }
    for (let i = 0; i < nd; i++) if (p.axes[i]!.n + pb[i]! + pe[i]! < dk[i]!) return { ok: false, token: /dilated kernel/ };
    out = p.axes.map((a, i) => Math.floor((a.n + pb[i]! + pe[i]! - dk[i]!) / strides[i]!) + 1);
  } else {
    const limit = strides.map((s, i) => Math.max(s, dil[i]!));
    const given = o.outputPadding === undefined ? null : perAxis(o.outputPadding, nd);
    if (given?.some((x, i) => x >= limit[i]!)) return { ok: false, token: /outputPadding/ };
    const want = o.outputShape as number[] | undefined;
    if (same) {
      const base = given ?? new Array<number>(nd).fill(0);
      const target = want ?? p.axes.map((a, i) => a.n * strides[i]!);
      const pads: [number, number][] = [];
      for (let i = 0; i < nd; i++) {
        const total = strides[i]! * (p.axes[i]!.n - 1) + base[i]! + dk[i]! - target[i]!;
        const ext = total < 0 ? base[i]! - total : base[i]!;
        if (ext >= limit[i]!) return { ok: false, token: /outputShape .* is unreachable/ };
        opad[i] = ext;
        pads.push(split(Math.max(0, total), pad === "same-lower"));
      }
      pb = pads.map((x) => x[0]);
      pe = pads.map((x) => x[1]);
    } else if (want) {
      for (let i = 0; i < nd; i++) {
        const b = (p.axes[i]!.n - 1) * strides[i]! - pb[i]! - pe[i]! + dk[i]!;
        opad[i] = want[i]! - b;
        if (opad[i]! < 0 || opad[i]! >= limit[i]!) return { ok: false, token: /outputShape .* is unreachable/ };
      }
      if (given?.some((x, i) => x !== opad[i])) return { ok: false, token: /outputPadding=.* disagrees with outputShape/ };
    } else if (given) opad = given;
    out = p.axes.map((a, i) => (a.n - 1) * strides[i]! - pb[i]! - pe[i]! + dk[i]! + opad[i]!);
    if (out.some((v) => v < 1)) return { ok: false, token: /output size -?\d+ on axis \d is not positive/ };
  }
  const g: ConvGeometry = {
    nd,
    batch: p.batch,
    groups: p.groups,
    imageChannels: conv ? p.inC : p.outC,
    gridChannels: conv ? p.outC : p.inC,
    imageSize: conv ? p.axes.map((a) => a.n) : out,
    gridSize: conv ? out : p.axes.map((a) => a.n),
    kernel: p.axes.map((a) => a.k),
    strides,
    dilation: dil,
    padBegin: pb,
    padEnd: pe,
    outputPadding: opad,
    channelsLast: false,
  };
  const outShape = p.channelsLast ? [p.batch, ...out, p.outC] : [p.batch, p.outC, ...out];
  return { ok: true, g, outShape };
}

// ---- random valid plans, and corruptions that make them invalid ----------------------------------------------------

function randomPlan(): Plan {
  const op: Op = chance(0.5) ? "convolution" : "deconvolution";
  const nd = pick([1, 1, 2, 2, 2, 3]);
  const groups = pick([1, 1, 1, 2, 3]);
  const axes: Axis[] = Array.from({ length: nd }, () => ({ n: int(1, nd === 3 ? 3 : 6), k: int(1, 3), s: int(1, 3), d: pick([1, 1, 2]) }));
  const options: Record<string, unknown> = {};
  const form = <T>(vals: T[]): T | T[] => (vals.every((v) => v === vals[0]) && chance(0.5) ? vals[0]! : vals);
  if (chance(0.8)) options.strides = form(axes.map((a) => a.s));
  else axes.forEach((a) => (a.s = 1));
  if (chance(0.5)) options.dilation = form(axes.map((a) => a.d));
  else axes.forEach((a) => (a.d = 1));
  const padKind = int(0, 5);
  if (padKind === 1) options.padding = int(0, 2);
  else if (padKind === 2) options.padding = axes.map(() => int(0, 2));
  else if (padKind === 3) options.padding = axes.map(() => [int(0, 2), int(0, 2)]);
  else if (padKind === 4) options.padding = pick(["same", "same-lower", "valid"]);
  if (op === "deconvolution") {
    if (chance(0.3)) options.outputPadding = axes.map((a) => int(0, Math.max(a.s, a.d) - 1));
    else if (chance(0.2)) {
      const same = options.padding === "same" || options.padding === "same-lower";
      options.outputShape = axes.map((a) => (same ? int(1, a.s * (a.n - 1) + a.d * (a.k - 1) + Math.max(a.s, a.d)) : int(1, a.s * a.n + a.d * a.k)));
      delete options.outputPadding;
    }
  }
  if (groups > 1 || chance(0.2)) options.groups = groups;
  const channelsLast = chance(0.3);
  if (channelsLast || chance(0.2)) options.layout = LAYOUTS[nd]![channelsLast ? 1 : 0];
  return {
    op,
    nd,
    batch: int(1, 2),
    groups,
    inC: groups * int(1, 3),
    outC: groups * int(1, 3),
    axes,
    channelsLast,
    dtype: chance(0.5) ? "float32" : "float64",
    bias: chance(0.4),
    options,
  };
}

/** Corrupts one option (or operand) of a valid plan; returns the token the error must name. */
function corrupt(p: Plan): { token: RegExp; mutate: (c: { x: NDArray; w: NDArray; options: unknown }) => void } {
  const nd = p.nd;
  const set = (key: string, v: unknown, token: RegExp) => ({ token, mutate: (c: { options: unknown }) => ((c.options as Record<string, unknown>)[key] = v) });
  const sparse = (n: number) => {
    const a = new Array<number>(n + 1);
    a[0] = 1;
    return a;
  };
  const circular = () => {
    const a: unknown[] = [1];
    a.push(a);
    return a;
  };
  const choices: (() => ReturnType<typeof corrupt>)[] = [
    () => set("strides", pick([0, -1, 1.5, NaN, Infinity, 2 ** 53]), /strides=/),
    () => set("strides", pick(["2", {}, true]), /strides=/),
    () => set("strides", 2n, /strides=2n is a BigInt/),
    () => set("strides", Symbol("s"), /strides is a symbol/),
    () => set("strides", new Array<number>(nd + 1).fill(1), /strides=.* must have \d entries/),
    () => set("strides", sparse(nd), /strides has an empty slot/),
    () => set("dilation", pick([0, -2, 0.5]), /dilation=/),
    () => set("padding", pick([-1, 0.5]), /padding=/),
    () => set("padding", pick(["full", "SAME"]), /padding="(full|SAME)" is not one of/),
    () => set("padding", new Array<number>(nd + 1).fill(0), /padding=.* must have \d entries/),
    () => set("padding", circular(), /padding\[1\] contains itself/),
    () => set("padding", [1n], /padding\[0\]=1n is a BigInt/),
    () => set("groups", pick([0, 1.5, "2", -1]), /groups=/),
    () => set("layout", pick(["HWCN", 5, "NCHW_"]), /layout/),
    () => set("layout", LAYOUTS[nd === 3 ? 1 : nd + 1]![0], /layout ".*" is for \d-D convolution/),
    () => set(pick(["stride", "pad", "dilations", "group", "bias_", "output_padding"]), 1, /unknown option '/),
    () =>
      p.op === "convolution"
        ? set("outputPadding", 1, /outputPadding applies to deconvolution only/)
        : set(
            "outputPadding",
            p.axes.map((a) => Math.max(a.s, p.options.dilation === undefined ? 1 : a.d)),
            /outputPadding=/,
          ),
    () =>
      p.op === "convolution"
        ? set("outputShape", [3], /outputShape applies to deconvolution only/)
        : set("outputShape", pick([[0], "4", new Array<number>(nd + 1).fill(2)]), /outputShape=/),
    () => set("bias", pick([[1, 2], 3, "b"]), /bias must be an NDArray or null/),
    () => set("bias", np.zeros([p.outC + 1], { dtype: p.dtype }), /bias shape \[\d+\] must be \[\d+\]/),
    () => set("bias", np.zeros([p.outC], { dtype: p.dtype === "float32" ? "float64" : "float32" }), /mixed dtypes/),
    () => ({ token: /options must be a plain object/, mutate: (c) => (c.options = pick([null, [1], new Map(), 5, "strides"])) }),
    () => ({ token: /input must be an NDArray/, mutate: (c) => (c.x = pick([null, [[1]], 3]) as never) }),
    () => ({ token: /weight must be an NDArray/, mutate: (c) => (c.w = pick([undefined, {}, "w"]) as never) }),
    () => ({
      token: /input has \d+ channels, weight expects \d+/,
      mutate: (c) =>
        (c.x = np.zeros(p.channelsLast ? [p.batch, ...p.axes.map((a) => a.n), p.inC + p.groups] : [p.batch, p.inC + p.groups, ...p.axes.map((a) => a.n)], {
          dtype: p.dtype,
        })),
    }),
    () => ({ token: /mixed dtypes/, mutate: (c) => (c.w = c.w.astype(p.dtype === "float32" ? "float64" : "float32")) }),
    () => ({ token: /weight rank \d+/, mutate: (c) => (c.w = np.zeros([1, 1], { dtype: p.dtype })) }),
  ];
  return pick(choices)();
}

/** Dense channels-first random data in [-1, 1) for `n` values, rounded to float32 when that is the dtype. */
function data(n: number, dtype: "float32" | "float64"): Float64Array {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = R() * 2 - 1;
  return dtype === "float32" ? Float64Array.from(Float32Array.from(a)) : a;
}

interface Tally {
  calls: number;
  clearErrors: number;
  correct: number;
  unclear: string[];
  wrong: string[];
  hangs: string[];
  aborts: string[];
}

function isClear(e: unknown, where: string, token: RegExp): boolean {
  return e instanceof Error && e.constructor === Error && e.message.startsWith(`${where}:`) && token.test(e.message);
}

/** Runs one plan through npx (valid, or with one corruption). */
function runOpCall(p: Plan, invalid: boolean, t: Tally): void {
  let expect = expectOf(p);
  const conv = p.op === "convolution";
  const spatial = p.axes.map((a) => a.n);
  const wShapeCF = conv ? [p.outC, p.inC / p.groups, ...p.axes.map((a) => a.k)] : [p.inC, p.outC / p.groups, ...p.axes.map((a) => a.k)];
  const xCF = data(p.batch * p.inC * prod(spatial), p.dtype);
  const wCF = data(prod(wShapeCF), p.dtype);
  const bias = p.bias ? data(p.outC, p.dtype) : null;
  const fake: ConvGeometry = {
    nd: p.nd,
    batch: p.batch,
    groups: p.groups,
    imageChannels: conv ? p.inC : p.outC,
    gridChannels: conv ? p.outC : p.inC,
    imageSize: [],
    gridSize: [],
    kernel: p.axes.map((a) => a.k),
    strides: [],
    dilation: [],
    padBegin: [],
    padEnd: [],
    outputPadding: [],
    channelsLast: true,
  };
  const xData = p.channelsLast ? moveChannels(xCF, p.batch, p.inC, prod(spatial), true) : xCF;
  const wData = p.channelsLast ? moveWeightChannels(wCF, fake, true) : wCF;
  const xShape = p.channelsLast ? [p.batch, ...spatial, p.inC] : [p.batch, p.inC, ...spatial];
  const wShape = p.channelsLast ? [wShapeCF[0]!, ...p.axes.map((a) => a.k), wShapeCF[1]!] : wShapeCF;
  const call = {
    x: np.array(xData, { dtype: p.dtype }).reshape(xShape),
    w: np.array(wData, { dtype: p.dtype }).reshape(wShape),
    options: { ...p.options, ...(bias ? { bias: np.array(bias, { dtype: p.dtype }) } : {}) } as unknown,
  };
  if (invalid) {
    const c = corrupt(p);
    c.mutate(call);
    // a corruption may leave a plan invalid for an earlier reason the formulas above already know
    expect = expect.ok ? { ok: false, token: c.token } : { ok: false, token: new RegExp(`${c.token.source}|${expect.token.source}`) };
  } else if (chance(0.1)) {
    // the same valid call through a Proxy of its options
    call.options = new Proxy(call.options as object, {});
  }
  t.calls++;
  const desc = () => `${p.op} ${JSON.stringify({ x: xShape, w: wShape, o: p.options, dtype: p.dtype, bias: !!bias })}`;
  let y: NDArray;
  try {
    y = (conv ? npx.convolution : npx.deconvolution)(call.x, call.w, call.options as never);
  } catch (e) {
    if (!expect.ok && isClear(e, p.op, expect.token)) t.clearErrors++;
    else if (expect.ok) t.wrong.push(`unexpected error ${String(e)} for valid ${desc()}`);
    else t.unclear.push(`${String(e)} (wanted ${expect.token}) for ${desc()}`);
    return;
  }
  if (!expect.ok) {
    t.wrong.push(`returned shape ${JSON.stringify(y.shape)} where an error naming ${expect.token} was due: ${desc()}`);
    return;
  }
  if (JSON.stringify(y.shape) !== JSON.stringify(expect.outShape)) {
    t.wrong.push(`shape ${JSON.stringify(y.shape)} != ${JSON.stringify(expect.outShape)}: ${desc()}`);
    return;
  }
  const ref = conv ? directConv(expect.g, xCF, wCF, bias) : directConvTranspose(expect.g, xCF, wCF, bias);
  const outSpatial = prod(conv ? expect.g.gridSize : expect.g.imageSize);
  const got = p.channelsLast ? moveChannels(y.asTypedArray(), p.batch, p.outC, outSpatial, false) : y.asTypedArray();
  // each output sums at most K = Cin/groups·∏k products of values in [-1, 1)
  const tol = (p.dtype === "float32" ? 2e-6 : 1e-12) * ((p.inC / p.groups) * prod(p.axes.map((a) => a.k)) + 1);
  let err = 0;
  for (let i = 0; i < ref.length; i++) err = Math.max(err, Math.abs(got[i]! - ref[i]!));
  if (err <= tol) t.correct++;
  else t.wrong.push(`max error ${err} > ${tol}: ${desc()}`);
}

function newTally(): Tally {
  return { calls: 0, clearErrors: 0, correct: 0, unclear: [], wrong: [], hangs: [], aborts: [] };
}

function report(name: string, t: Tally): string {
  return `${name}: ${t.calls} calls, ${t.clearErrors} clear errors, ${t.correct} correct results, ${t.unclear.length} unclear, ${t.wrong.length} wrong, ${t.hangs.length} hangs, ${t.aborts.length} aborts`;
}

function assertClean(t: Tally): void {
  assert.deepEqual(t.wrong.slice(0, 8), [], "wrong results");
  assert.deepEqual(t.unclear.slice(0, 8), [], "unclear errors");
  assert.deepEqual(t.wrong.slice(0, 8), [], "wrong results");
  assert.deepEqual(t.hangs, [], "hangs");
  assert.deepEqual(t.aborts, [], "aborts");
}

const totals = newTally();
function add(t: Tally): void {
  totals.calls += t.calls;
  totals.clearErrors += t.clearErrors;
  totals.correct += t.correct;
  for (const k of ["unclear", "wrong", "hangs", "aborts"] as const) totals[k].push(...t[k]);
}

test("fuzz: 4000 random npx.convolution / npx.deconvolution calls, half of them with one corrupted option", (tc) => {
  const t = newTally();
  for (let i = 0; i < 4000; i++) runOpCall(randomPlan(), i % 2 === 1, t);
  tc.diagnostic(report("ops", t));
  add(t);
  assertClean(t);
  assert.ok(t.correct >= 1500 && t.clearErrors >= 1500, report("ops", t));
});

// ---- layers ---------------------------------------------------------------------------------------------------

const LAYERS = { 1: ["Conv1D", "Conv1DTranspose"], 2: ["Conv2D", "Conv2DTranspose"], 3: ["Conv3D", "Conv3DTranspose"] } as Record<number, [string, string]>;

/** Runs one plan through the matching layer (weights set with init.Constant, bias through biasInitializer). */
function runLayerCall(p: Plan, invalid: boolean, t: Tally): void {
  const conv = p.op === "convolution";
  const name = LAYERS[p.nd]![conv ? 0 : 1];
  const { groups, layout, strides, padding, dilation, outputPadding } = p.options as Record<string, unknown>;
  delete p.options.outputShape; // layers take outputPadding (outputSize is a forward option)
  const expect0 = expectOf(p);
  const spatial = p.axes.map((a) => a.n);
  const wShapeCF = conv ? [p.outC, p.inC / p.groups, ...p.axes.map((a) => a.k)] : [p.inC, p.outC / p.groups, ...p.axes.map((a) => a.k)];
  const xCF = data(p.batch * p.inC * prod(spatial), p.dtype);
  const wCF = data(prod(wShapeCF), p.dtype);
  const biasV = data(p.outC, p.dtype);
  const fake: ConvGeometry = {
    nd: p.nd,
    batch: p.batch,
    groups: p.groups,
    imageChannels: conv ? p.inC : p.outC,
    gridChannels: conv ? p.outC : p.inC,
    imageSize: [],
    gridSize: [],
    kernel: p.axes.map((a) => a.k),
    strides: [],
    dilation: [],
    padBegin: [],
    padEnd: [],
    outputPadding: [],
    channelsLast: true,
  };
  const wData = p.channelsLast ? moveWeightChannels(wCF, fake, true) : wCF;
  const wShape = p.channelsLast ? [wShapeCF[0]!, ...p.axes.map((a) => a.k), wShapeCF[1]!] : wShapeCF;
  const xShape = p.channelsLast ? [p.batch, ...spatial, p.inC] : [p.batch, p.inC, ...spatial];
  const opts: Record<string, unknown> = { kernelSize: p.axes.length === 1 || chance(0.5) ? p.axes.map((a) => a.k) : p.axes.map((a) => a.k) };
  if (strides !== undefined) opts.strides = strides;
  if (padding !== undefined && typeof padding !== "string") opts.padding = padding;
  if (dilation !== undefined) opts.dilation = dilation;
  if (groups !== undefined) opts.groups = groups;
  if (layout !== undefined) opts.layout = layout;
  if (!conv && outputPadding !== undefined) opts.outputPadding = outputPadding;
  if (chance(0.5)) opts.inChannels = p.inC;
  opts.useBias = p.bias;
  let expect: Expect = expectOf({ ...p, options: { ...opts, padding: typeof padding === "string" ? undefined : padding } });
  void expect0;
  let token: RegExp | null = null;
  let x: unknown = np.array(p.channelsLast ? moveChannels(xCF, p.batch, p.inC, prod(spatial), true) : xCF, { dtype: p.dtype }).reshape(xShape);
  let channels: unknown = p.outC;
  if (invalid) {
    const k = int(0, 9);
    if (k === 0) [channels, token] = [pick([0, -1, 1.5, "4", null]), /channels=/];
    else if (k === 1) [opts.kernelSize, token] = [pick([0, -2, [1, 1, 1, 1], "3", 1.5]), /kernelSize=/];
    else if (k === 2) [opts.strides, token] = [pick([0, -1, 2.5, [1, 1, 1, 1]]), /strides=/];
    else if (k === 3) [opts.dilation, token] = [pick([0, 0.5]), /dilation=/];
    else if (k === 4) [opts.groups, token] = [pick([0, 1.5]), /groups=/];
    else if (k === 5) [opts.padding, token] = [pick([-1, "full", 0.5]), /padding=/];
    else if (k === 6) [opts[pick(["stride", "kernel_size", "use_bias"])], token] = [1, /unknown option '/];
    else if (k === 7) [opts.activation, token] = [pick(["gelu", 3]), /activation/];
    else if (k === 8) [x, token] = [pick([null, [[1]], "x"]), /input|NDArray/];
    else [opts.inChannels, token] = [p.inC + p.groups, /channels/]; // (weights from the default initializer: see below)
    expect = { ok: false, token };
  }
  t.calls++;
  const desc = () => `${name}(${String(channels)}, ${JSON.stringify(opts)}) on ${JSON.stringify(xShape)} ${p.dtype}`;
  let y: NDArray;
  try {
    const Layer = (nn as unknown as Record<string, new (c: unknown, o: unknown) => { initialize(i?: unknown): void; forward(x: unknown): NDArray }>)[name]!;
    const badInChannels = opts.inChannels === p.inC + p.groups;
    const weightInitializer = badInChannels ? undefined : init.Constant(np.array(wData, { dtype: p.dtype }).reshape(wShape));
    const layer = new Layer(channels, {
      ...opts,
      weightInitializer,
      biasInitializer: init.Constant(np.array(biasV, { dtype: p.dtype })),
      dtype: p.dtype,
    } as never);
    layer.initialize();
    y = layer.forward(x);
  } catch (e) {
    // a layer names itself (Conv2DTranspose: …) or, for geometry found at forward, the op it runs
    const clear = !expect.ok && (isClear(e, name, expect.token) || isClear(e, p.op, expect.token));
    if (clear) t.clearErrors++;
    else if (expect.ok) t.wrong.push(`unexpected error ${String(e)} for valid ${desc()}`);
    else t.unclear.push(`${String(e)} (wanted ${expect.token}) for ${desc()}`);
    return;
  }
  if (!expect.ok) {
    t.wrong.push(`returned shape ${JSON.stringify(y.shape)} where an error naming ${expect.token} was due: ${desc()}`);
    return;
  }
  if (JSON.stringify(y.shape) !== JSON.stringify(expect.outShape)) {
    t.wrong.push(`shape ${JSON.stringify(y.shape)} != ${JSON.stringify(expect.outShape)}: ${desc()}`);
    return;
  }
  const ref = conv ? directConv(expect.g, xCF, wCF, p.bias ? biasV : null) : directConvTranspose(expect.g, xCF, wCF, p.bias ? biasV : null);
  const outSpatial = prod(conv ? expect.g.gridSize : expect.g.imageSize);
  const got = p.channelsLast ? moveChannels(y.asTypedArray(), p.batch, p.outC, outSpatial, false) : y.asTypedArray();
  const tol = (p.dtype === "float32" ? 2e-6 : 1e-12) * ((p.inC / p.groups) * prod(p.axes.map((a) => a.k)) + 1);
  let err = 0;
  for (let i = 0; i < ref.length; i++) err = Math.max(err, Math.abs(got[i]! - ref[i]!));
  if (err <= tol) t.correct++;
  else t.wrong.push(`max error ${err} > ${tol}: ${desc()}`);
}

test("fuzz: 1200 random calls of the six conv layers (Conv1D … Conv3DTranspose), a third with one bad argument", (tc) => {
  const t = newTally();
  for (let i = 0; i < 1200; i++) runLayerCall(randomPlan(), i % 3 === 2, t);
  tc.diagnostic(report("layers", t));
  add(t);
  assertClean(t);
  assert.ok(t.correct >= 500 && t.clearErrors >= 250, report("layers", t));
});

// ---- heavy and adversarial calls, in capped child processes -----------------------------------------------------

/**
 * Each entry: [op, x shape, w shape, dtype, options, expected]: expected is a RegExp the Error message must match, or
 * "ok:<json>" with the exact result of a few picked elements [index, value] computed by hand (the geometry makes
 * every output element a single product or zero), or "ok" with a check done in the child against a sparse reference.
 */
type Heavy = [Op, number[], number[], "float32" | "float64", Record<string, unknown>, RegExp | "sparse"];
const E = (s: string) => new RegExp(s);
const heavy: Heavy[] = [];
for (const dtype of ["float32", "float64"] as const) {
  for (const s of [1e8, 1e9, 2 ** 30, 2 ** 31, 3 * 2 ** 30, 2 ** 32, 1e12, 2 ** 52])
    heavy.push(
      ["deconvolution", [1, 64, 1, 1], [64, 2, 2, 1], dtype, { strides: [s, 1] }, "sparse"],
      [
        "deconvolution",
        [1, 64, 2, 1],
        [64, 2, 2, 1],
        dtype,
        {
          strides: [s, 1],
          padding: [
            [0, s],
            [0, 0],
          ],
        },
        "sparse",
      ],
      // strides = padding = 2^52: the padded axis (2 + 2^53) leaves the exact integer range
      ["convolution", [1, 128, 2, 2], [4, 128, 1, 1], dtype, { strides: s, padding: s }, s === 2 ** 52 ? /^convolution: axis 0 spans \d+ positions/ : "sparse"],
      [
        "convolution",
        [1, 8, 3, 3],
        [8, 8, 2, 2],
        dtype,
        {
          dilation: s,
          padding: [
            [s, 0],
            [0, s],
          ],
        },
        "sparse",
      ],
    );
  for (const s of [2 ** 53, 2 ** 60, 1e300, Infinity])
    heavy.push(["deconvolution", [1, 1, 2], [1, 1, 2], dtype, { strides: s }, /^deconvolution: strides=\[.*\] must be integers >= 1/]);
  heavy.push(
    [
      "deconvolution",
      [1, 1, 2, 2],
      [1, 1, 2, 2],
      dtype,
      { dilation: 2 ** 32 + 1 },
      /^deconvolution: the output \[1,1,4294967299,4294967299\] has \d+ elements \(\d+ GiB\), more than the 2\^32 elements/,
    ],
    ["deconvolution", [1, 1, 3], [1, 1, 2], dtype, { strides: 2 ** 52 }, /^deconvolution: axis 0 spans \d+ positions .* beyond 2\^53 − 1/],
    ["convolution", [1, 1, 3], [1, 1, 1], dtype, { padding: 2 ** 52 + 5 }, /^convolution: axis 0 spans/],
    ["convolution", [1, 1, 1], [1, 1, 1], dtype, { padding: 2 ** 33 }, /^convolution: the output \[1,1,17179869185\] has 17179869185 elements/],
    ["deconvolution", [1, 1, 1], [1, 1, 1], dtype, { padding: "same", outputShape: [2 ** 40] }, /^deconvolution: outputShape \[1099511627776\] is unreachable/],
  );
}
// over 4 GiB of wasm memory while the output still fits a typed array (16 384 multiply-adds: a wasm call)
heavy.push([
  "deconvolution",
  [1, 16, 32, 32],
  [16, 1, 1, 1],
  "float32",
  { strides: 1057 },
  E("^deconvolution: the gridToImage kernel needs 4\\.0\\d GiB, more than the 4 GiB of wasm memory$"),
]);
heavy.push([
  "deconvolution",
  [1, 16, 32, 32],
  [16, 2, 1, 1],
  "float32",
  { strides: 800 },
  E("^deconvolution: the gridToImage kernel needs \\d\\.\\d\\d GiB, more than the 4 GiB of wasm memory$"),
]);

/** The child: runs its share of the heavy list, checks each against a sparse reference or the expected message. */
const CHILD = `
const { np, npx } = tconv;
const list = JSON.parse(process.argv[2]);
const out = [];
function rand(n, seed) { const a = new Float64Array(n); let s = seed; for (let i = 0; i < n; i++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; a[i] = s / 2 ** 32 - 0.5; } return a; }
function per(v, nd, d) { return v === undefined ? Array(nd).fill(d) : typeof v === "number" ? Array(nd).fill(v) : v; }
// direct definition without materialising anything: visit grid positions q and taps a, p = q·s − pb + a·d
function sparseRef(op, xs, ws, o, x, w, outShape) {
  const nd = xs.length - 2, s = per(o.strides, nd, 1), d = per(o.dilation, nd, 1);
  const pad = o.padding === undefined ? Array(nd).fill([0, 0]) : typeof o.padding === "number" ? Array(nd).fill([o.padding, o.padding]) : o.padding.map((p) => (typeof p === "number" ? [p, p] : p));
  const conv = op === "convolution";
  const [gridS, imgS] = conv ? [outShape.slice(2), xs.slice(2)] : [xs.slice(2), outShape.slice(2)];
  const [gridC, imgC] = conv ? [outShape[1], xs[1]] : [xs[1], outShape[1]];
  const k = ws.slice(2), kp = k.reduce((a, b) => a * b, 1), gp = gridS.reduce((a, b) => a * b, 1), ip = imgS.reduce((a, b) => a * b, 1);
  const y = new Float64Array(outShape.reduce((a, b) => a * b, 1));
  for (let gc = 0; gc < gridC; gc++) for (let ic = 0; ic < imgC; ic++) for (let q = 0; q < gp; q++) for (let t = 0; t < kp; t++) {
    let qi = q, ti = t, pos = 0, inside = true;
    for (let e = nd - 1, mul = 1; e >= 0; e--) {
      const qe = qi % gridS[e], ae = ti % k[e]; qi = Math.floor(qi / gridS[e]); ti = Math.floor(ti / k[e]);
      const pe = qe * s[e] - pad[e][0] + ae * d[e];
      if (pe < 0 || pe >= imgS[e]) { inside = false; break; }
      pos += pe * mul; mul *= imgS[e];
    }
    if (!inside) continue;
    const wv = w[(gc * imgC + ic) * kp + t];
    if (conv) y[gc * gp + q] += x[ic * ip + pos] * wv; else y[ic * ip + pos] += x[gc * gp + q] * wv;
  }
  return y;
}
for (const [op, xs, ws, dtype, o] of list) {
  const t0 = Date.now();
  try {
    const x = rand(xs.reduce((a, b) => a * b, 1), 7), w = rand(ws.reduce((a, b) => a * b, 1), 9);
    const X = np.array(x, { dtype }).reshape(xs), W = np.array(w, { dtype }).reshape(ws);
    const y = npx[op](X, W, o);
    let err = Infinity;
    if (y.size <= 1e6) {
      const xr = Float64Array.from(X.asTypedArray()), wr = Float64Array.from(W.asTypedArray());
      const ref = sparseRef(op, xs, ws, o, xr, wr, y.shape);
      const got = y.asTypedArray();
      err = 0; for (let i = 0; i < ref.length; i++) err = Math.max(err, Math.abs(got[i] - ref[i]));
    }
    out.push({ ok: true, shape: y.shape, err, ms: Date.now() - t0 });
  } catch (e) {
    out.push({ ok: false, cls: e && e.constructor && e.constructor.name, message: String(e && e.message), ms: Date.now() - t0 });
  }
}
console.log(JSON.stringify(out));
`;

test(`fuzz: ${heavy.length} heavy and adversarial calls (huge strides, padding, dilation; sizes past every limit) in capped child processes`, async (tc) => {
  const t = newTally();
  const batches = 3;
  const per = Math.ceil(heavy.length / batches);
  const jobs = Array.from({ length: batches }, (_, b) => heavy.slice(b * per, (b + 1) * per));
  const results = await Promise.all(jobs.map(runChildWith));
  results.forEach(({ list, r }) => {
    t.calls += list.length;
    if (r.timedOut) {
      t.hangs.push(describe(r));
      return;
    }
    if (r.status !== 0) {
      t.aborts.push(describe(r));
      return;
    }
    const outs = JSON.parse(r.stdout) as ({ ok: true; shape: number[]; err: number; ms: number } | { ok: false; cls: string; message: string; ms: number })[];
    outs.forEach((o, i) => {
      const [op, xs, ws, dtype, opts, want] = list[i]!;
      const desc = `${op} x${JSON.stringify(xs)} w${JSON.stringify(ws)} ${dtype} ${JSON.stringify(opts)}`;
      if (o.ms > 20000) t.hangs.push(`${o.ms} ms: ${desc}`);
      if (want === "sparse") {
        if (!o.ok) t.wrong.push(`error ${o.message} for valid ${desc}`);
        else if (!(o.err <= (dtype === "float32" ? 1e-4 : 1e-12))) t.wrong.push(`max error ${o.err}: ${desc}`);
        else t.correct++;
      } else if (o.ok) t.wrong.push(`returned ${JSON.stringify(o.shape)} where ${want} was due: ${desc}`);
      else if (o.cls === "Error" && o.message.startsWith(`${op}:`) && want.test(o.message)) t.clearErrors++;
      else t.unclear.push(`${o.cls}: ${o.message} (wanted ${want}): ${desc}`);
    });
  });
  tc.diagnostic(report("heavy", t));
  add(t);
  assertClean(t);
});

/** One child per list (JSON on the command line), heap 256 MB, 120 s. */
function runChildWith(list: Heavy[]): Promise<{ list: Heavy[]; r: Awaited<ReturnType<typeof runChild>> }> {
  const json = JSON.stringify(list, (_, v) => (v === Infinity ? "__inf" : v)).replace(/"__inf"/g, "1e999");
  return runChild(CHILD.replace("JSON.parse(process.argv[2])", `JSON.parse(${JSON.stringify(json)})`), { heapMb: 256, timeoutMs: 120000 }).then((r) => ({
    list,
    r,
  }));
}

test("fuzz totals: at least 5000 calls, 0 unclear, 0 wrong, 0 hangs, 0 aborts", (tc) => {
  tc.diagnostic(report("total", totals));
  console.log(`FUZZ ${report("total", totals)}`);
  assert.ok(totals.calls >= 5000, report("total", totals));
  assertClean(totals);
});
