// Everything the page shows, computed with the library itself: the op's result, its geometry, the op back,
// the matrix view (d2l.convMatrix) and the overlap map (d2l.overlapCount).
import { d2l, np, npx, resolveConv, type ConvGeometry, type ConvOptions, type NDArray, type ResolvedConv } from "../../src/index.js";
import { type ExplorerState, type Op, hasChannelAxes } from "./state.js";

export const LIMITS = { input: 12, kernel: 7, output: 64 };

/** Geometry with 1-D lifted to 2-D (a neutral first axis) so every picture is a grid. */
export interface Geo2 {
  grid: number[];
  image: number[];
  kernel: number[];
  strides: number[];
  dilation: number[];
  padBegin: number[];
  padEnd: number[];
  outputPadding: number[];
}

export function geo2(g: ConvGeometry): Geo2 {
  const lift = (v: readonly number[], neutral: number) => (v.length === 1 ? [neutral, v[0]!] : [...v]);
  return {
    grid: lift(g.gridSize, 1),
    image: lift(g.imageSize, 1),
    kernel: lift(g.kernel, 1),
    strides: lift(g.strides, 1),
    dilation: lift(g.dilation, 1),
    padBegin: lift(g.padBegin, 0),
    padEnd: lift(g.padEnd, 0),
    outputPadding: lift(g.outputPadding, 0),
  };
}

/** Values of a 1-D or 2-D (spatial) array as rows; 1-D is one row. */
export function rows2(a: NDArray): number[][] {
  const [h, w] = a.ndim === 1 ? [1, a.shape[0]!] : [a.shape[0]!, a.shape[1]!];
  const data = a.asTypedArray();
  return Array.from({ length: h }, (_, i) => Array.from(data.subarray(i * w, (i + 1) * w)));
}

export interface Companion {
  op: Op;
  options: ConvOptions;
  input: NDArray; // spatial
  output?: NDArray; // spatial
  resolved?: ResolvedConv;
  error?: string;
  /** its output has the primary input's spatial shape */
  restores: boolean;
}

export interface MatrixData {
  /** the primary op as a matrix: rows = output elements, columns = input elements */
  M: NDArray;
  /** the same op read the other way (W for a tconv, Wᵀ for a conv) */
  partner: NDArray;
  name: string;
  partnerName: string;
  /** np.dot(M, vec(x)) */
  product: NDArray;
  agrees: boolean;
  note?: string;
}

export interface AxisOverlap {
  k: number;
  s: number;
  d: number;
  /** distinct write counts over one period of the interior */
  counts: number[];
  even: boolean;
  ruleHolds: boolean;
}

export interface OverlapData {
  map: NDArray;
  axes: AxisOverlap[];
  even: boolean;
}

/** The channel picture: the whole multi-channel op, and which (input, output) channel pair the other views show. */
export interface Channels {
  cin: number;
  cout: number;
  groups: number;
  /** the shown pair: input channel ci writes into output channel co through kernel k[kIndex] */
  ci: number;
  co: number;
  kIndex: [number, number];
  /** [1, cin, …] and the weight with its channel axes, as given to the library */
  x4: NDArray;
  k4: NDArray;
  /** the library's result for all channels, and the options of that call */
  result: NDArray;
  options: ConvOptions;
}

/** Channel routing with groups: input channel ci (of cin) belongs to group ⌊ci / (cin/g)⌋, which owns cout/g outputs. */
export function groupOfInput(c: { cin: number; groups: number }, ci: number): number {
  return Math.floor(ci / (c.cin / c.groups));
}
export function groupOfOutput(c: { cout: number; groups: number }, co: number): number {
  return Math.floor(co / (c.cout / c.groups));
}
export function outputsOf(c: { cin: number; cout: number; groups: number }, ci: number): number[] {
  const per = c.cout / c.groups;
  const g = groupOfInput(c, ci);
  return Array.from({ length: per }, (_, j) => g * per + j);
}
export function inputsOf(c: { cin: number; cout: number; groups: number }, co: number): number[] {
  const per = c.cin / c.groups;
  const g = groupOfOutput(c, co);
  return Array.from({ length: per }, (_, j) => g * per + j);
}

export interface Model {
  state: ExplorerState;
  channels: Channels;
  nd: number;
  /** the shown channel pair's input and kernel (spatial), and as [1, 1, …] */
  x: NDArray;
  k: NDArray;
  x4: NDArray;
  k4: NDArray;
  options: ConvOptions;
  resolved: ResolvedConv;
  geo: Geo2;
  /** the shown pair's contribution, [1, 1, …] and spatial (the whole result when there is one channel) */
  result: NDArray;
  out: NDArray;
  /** the library's printed result and shape for all channels */
  text: string;
  shapeText: string;
  companion: Companion;
  matrix: MatrixData | { error: string };
  overlap: OverlapData | { error: string };
}

export type Computed = { ok: true; model: Model } | { ok: false; error: string };

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
export const formatShape = (s: readonly number[]) => `[${s.join(", ")}]`;
const spatial = (a: NDArray) => a.shape.slice(2);

/** x and k as the library takes them ([1, cin, …] and the weight with channel axes), checked against the state's channel counts. */
function toArrays(state: ExplorerState): { x4: NDArray; k4: NDArray; nd: number } {
  for (const name of ["x", "k"] as const) {
    const v = state[name];
    if (typeof v === "string") throw new Error(`explorer: ${name}=${v} is not a JSON nested array such as [[0,1],[2,3]]`);
  }
  const x = np.array(state.x as number[]); // the library validates: ragged, non-numeric, …
  const k = np.array(state.k as number[]);
  const xAxes = state.cin > 1 ? 1 : 0;
  const kAxes = hasChannelAxes(state) ? 2 : 0;
  const nd = x.ndim - xAxes;
  if (nd < 1 || nd > 2)
    throw new Error(`explorer: x must be ${xAxes ? `[cin, …] with cin = ${state.cin} and ` : ""}1-D or 2-D, got shape ${formatShape(x.shape)}`);
  if (xAxes && x.shape[0] !== state.cin) throw new Error(`explorer: x has ${x.shape[0]} channels on its first axis, cin = ${state.cin}`);
  if (k.ndim !== nd + kAxes)
    throw new Error(`explorer: k must have ${nd + kAxes} axes (${kAxes ? "two channel axes and " : ""}${nd} spatial, as x), got shape ${formatShape(k.shape)}`);
  const xs = x.shape.slice(xAxes);
  const ks = k.shape.slice(kAxes);
  if (xs.some((n) => n > LIMITS.input)) throw new Error(`explorer: x is limited to ${LIMITS.input} per axis here, got shape ${formatShape(x.shape)}`);
  if (ks.some((n) => n > LIMITS.kernel)) throw new Error(`explorer: k is limited to ${LIMITS.kernel} per axis here, got shape ${formatShape(k.shape)}`);
  return { x4: x.reshape([1, state.cin > 1 ? state.cin : 1, ...xs]), k4: kAxes ? k : k.reshape([1, 1, ...ks]), nd };
}

/** Options of the primary op, as the state gives them (the library validates them). */
export function primaryOptions(s: ExplorerState): ConvOptions {
  const o: Record<string, unknown> = {};
  if (s.strides !== undefined) o.strides = s.strides;
  if (s.padding !== undefined) o.padding = s.padding;
  if (s.dilation !== undefined) o.dilation = s.dilation;
  if (s.op === "deconvolution" && s.outputPadding !== undefined) o.outputPadding = s.outputPadding;
  if (s.groups !== 1) o.groups = s.groups;
  if (s.paddingMode !== "zeros") o.paddingMode = s.paddingMode;
  return o as ConvOptions;
}

/**
 * The shown channel pair, clamped to the state (an output channel of the input channel's group), and the weight
 * index of its kernel: [ci, co mod cout/g] for deconvolution, [co, ci mod cin/g] for convolution. Groups that do not
 * divide the channels (the library rejects them) route as one group.
 */
export function pairIndex(state: ExplorerState, pair: [number, number]): { ci: number; co: number; kIndex: [number, number] } {
  const { cin, cout } = state;
  const groups = cin % state.groups === 0 && cout % state.groups === 0 ? state.groups : 1;
  const ch = { cin, cout, groups };
  const ci = Math.min(Math.max(0, pair[0]), cin - 1);
  const outs = outputsOf(ch, ci);
  const co = outs.includes(pair[1]) ? pair[1] : outs[0]!;
  const kIndex: [number, number] =
    state.op === "deconvolution" ? [ci, co - groupOfInput(ch, ci) * (cout / groups)] : [co, ci - groupOfOutput(ch, co) * (cin / groups)];
  return { ci, co, kIndex };
}

/** Runs the op for all channels, then builds the single-pair model the pictures show (pair: [input channel, output channel]). */
export function compute(state: ExplorerState, pair: [number, number] = [0, 0]): Computed {
  try {
    const { x4: X4, k4: K4, nd } = toArrays(state);
    const options = primaryOptions(state);
    const full = state.op === "deconvolution" ? npx.deconvolution(X4, K4, options) : npx.convolution(X4, K4, options);
    const outSp = spatial(full);
    if (outSp.some((n) => n > LIMITS.output))
      throw new Error(`explorer: the output ${formatShape(full.shape)} is too large to draw here (at most ${LIMITS.output} per axis)`);
    const { cin, cout, groups } = state;
    const { ci, co, kIndex } = pairIndex(state, pair);
    const x = X4.at(0, ci).copy();
    const k = K4.at(kIndex[0], kIndex[1]).copy();
    const x4 = x.reshape([1, 1, ...x.shape]);
    const k4 = k.reshape([1, 1, ...k.shape]);
    const { groups: _g, ...pairOptions } = options;
    const result =
      cin === 1 && cout === 1 ? full : state.op === "deconvolution" ? npx.deconvolution(x4, k4, pairOptions) : npx.convolution(x4, k4, pairOptions);
    const resolved = resolveConv(state.op, x4.shape, k4.shape, pairOptions);
    const model: Model = {
      state,
      channels: { cin, cout, groups, ci, co, kIndex, x4: X4, k4: K4, result: full, options },
      nd,
      x,
      k,
      x4,
      k4,
      options: pairOptions,
      resolved,
      geo: geo2(resolved.geometry),
      result,
      out: result.reshape(spatial(result)),
      text: String(full),
      shapeText: formatShape(full.shape),
      companion: companion(state.op, result, k4, pairOptions, x.shape),
      matrix: { error: "" },
      overlap: { error: "" },
    };
    model.matrix = guard(() => matrixData(model));
    model.overlap = guard(() => overlapData(model));
    return { ok: true, model };
  } catch (e) {
    return { ok: false, error: message(e) };
  }
}

function guard<T>(f: () => T): T | { error: string } {
  try {
    return f();
  } catch (e) {
    return { error: message(e) };
  }
}

/** The other op with the same strides / padding / dilation, applied to the primary's result. */
function companion(op: Op, result: NDArray, k4: NDArray, options: ConvOptions, inputShape: readonly number[]): Companion {
  const back: Op = op === "deconvolution" ? "convolution" : "deconvolution";
  const { outputPadding: _drop, ...same } = options;
  // conv → tconv: ask for the input's size back; the resolver derives the outputPadding that reaches it
  const opts: ConvOptions = back === "deconvolution" ? { ...same, outputShape: [...inputShape] } : same;
  const input = result.reshape(spatial(result));
  try {
    const y = back === "deconvolution" ? npx.deconvolution(result, k4, opts) : npx.convolution(result, k4, opts);
    const resolved = resolveConv(back, result.shape, k4.shape, opts);
    const output = y.reshape(spatial(y));
    const restores = output.shape.length === inputShape.length && output.shape.every((n, i) => n === inputShape[i]);
    return { op: back, options: opts, input, output, resolved, restores };
  } catch (e) {
    return { op: back, options: opts, input, error: message(e), restores: false };
  }
}

/** The primary op as a dense matrix from d2l.convMatrix, checked against the op's own result. */
function matrixData(m: Model): MatrixData {
  const g = m.resolved.geometry;
  const pairs = g.padBegin.map((b, i) => [b, g.padEnd[i]!] as [number, number]);
  // with a paddingMode, W = W₀·P (taps in the padding land on the element it copies); Wᵀ is the folding transposed conv
  const common = { strides: [...g.strides], dilation: [...g.dilation], padding: pairs, paddingMode: m.resolved.paddingMode };
  const xv = m.x.reshape([-1]);
  let M: NDArray;
  let partner: NDArray;
  let note: string | undefined;
  if (m.state.op === "convolution") {
    M = d2l.convMatrix(m.x4.shape, m.k4, common);
    partner = M.transpose();
  } else {
    // the convolution from the tconv's output shape; its matrix read transposed is this tconv
    const W = d2l.convMatrix([1, 1, ...g.imageSize], m.k4, common);
    const convGrid = resolveConv("convolution", [1, 1, ...g.imageSize], m.k4.shape, common).geometry.gridSize;
    if (convGrid.every((n, i) => n === g.gridSize[i])) partner = W;
    else {
      // dilation > stride with outputPadding: the convolution's output is larger than x; keep the rows of x's positions
      const rowsOf = (q: number[]) => q.reduce((l, v, i) => l * convGrid[i]! + v, 0);
      const keep: number[] = [];
      const walk = (prefix: number[]) => {
        if (prefix.length === g.gridSize.length) keep.push(rowsOf(prefix));
        else for (let i = 0; i < g.gridSize[prefix.length]!; i++) walk([...prefix, i]);
      };
      walk([]);
      const cols = W.shape[1]!;
      const data = W.asTypedArray();
      const sub = np.zeros([keep.length, cols]);
      const sd = sub.asTypedArray();
      keep.forEach((r, i) => sd.set(data.subarray(r * cols, (r + 1) * cols), i * cols));
      partner = sub;
      note = `the convolution back has output ${formatShape(convGrid)}; W keeps the rows of x's ${formatShape(g.gridSize)} positions`;
    }
    M = partner.transpose();
  }
  const product = np.dot(M, xv);
  const got = product.asTypedArray();
  const want = m.result.asTypedArray();
  const agrees = got.length === want.length && got.every((v, i) => Math.abs(v - want[i]!) <= 1e-4 * (1 + Math.abs(want[i]!)));
  const conv = m.state.op === "convolution";
  return { M, partner, name: conv ? "W" : "Wᵀ", partnerName: conv ? "Wᵀ" : "W", product, agrees, note };
}

/** d2l.overlapCount for the transposed convolution of these parameters, plus a per-axis verdict on its interior. */
function overlapData(m: Model): OverlapData {
  const g = m.resolved.geometry;
  const isT = m.state.op === "deconvolution";
  // a conv's overlap map is that of the tconv back to the conv's input size: how many windows read each input element
  const padding = g.padBegin.map((b, i) => [b, g.padEnd[i]!] as [number, number]);
  const base = { kernelSize: [...g.kernel], strides: [...g.strides], dilation: [...g.dilation], padding, paddingMode: m.resolved.paddingMode };
  const map = d2l.overlapCount(isT ? { ...base, outputPadding: [...g.outputPadding] } : { ...base, outputShape: [...g.imageSize] }, g.gridSize);
  const axes = g.kernel.map((k, i) => {
    const s = g.strides[i]!;
    const d = g.dilation[i]!;
    // a long enough 1-D input that the interior [(k−1)·d, (n−1)·s] spans several periods
    const n = Math.ceil(((k - 1) * d) / s) + 4;
    const profile = Array.from(d2l.overlapCount({ kernelSize: [k], strides: [s], dilation: [d] }, [n]).asTypedArray());
    const interior = profile.slice((k - 1) * d, (n - 1) * s + 1);
    const counts = [...new Set(interior)].sort((a, b) => a - b);
    return { k, s, d, counts, even: counts.length <= 1, ruleHolds: k % s === 0 };
  });
  return { map, axes, even: axes.every((a) => a.even) };
}
