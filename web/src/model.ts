// Everything the page shows, computed with the library itself: the op's result, its geometry, the op back,
// the matrix view (d2l.convMatrix) and the overlap map (d2l.overlapCount).
import { d2l, np, npx, resolveConv, type ConvGeometry, type ConvOptions, type NDArray, type ResolvedConv } from "../../src/index.js";
import { type ExplorerState, type Op, depth } from "./state.js";

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

export interface Model {
  state: ExplorerState;
  nd: number;
  x: NDArray;
  k: NDArray;
  x4: NDArray;
  k4: NDArray;
  options: ConvOptions;
  resolved: ResolvedConv;
  geo: Geo2;
  result: NDArray;
  out: NDArray;
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

function toArray(name: "x" | "k", v: unknown): NDArray {
  if (typeof v === "string") throw new Error(`explorer: ${name}=${v} is not a JSON nested array such as [[0,1],[2,3]]`);
  const arr = np.array(v as number[]); // the library validates: ragged, non-numeric, …
  const nd = depth(v);
  if (nd < 1 || nd > 2 || arr.ndim !== nd) throw new Error(`explorer: ${name} must be a 1-D or 2-D array, got shape ${formatShape(arr.shape)}`);
  const limit = name === "x" ? LIMITS.input : LIMITS.kernel;
  if (arr.shape.some((n) => n > limit)) throw new Error(`explorer: ${name} is limited to ${limit} per axis here, got shape ${formatShape(arr.shape)}`);
  return arr;
}

/** Options of the primary op, as the state gives them (the library validates them). */
export function primaryOptions(s: ExplorerState): ConvOptions {
  const o: Record<string, unknown> = {};
  if (s.strides !== undefined) o.strides = s.strides;
  if (s.padding !== undefined) o.padding = s.padding;
  if (s.dilation !== undefined) o.dilation = s.dilation;
  if (s.op === "deconvolution" && s.outputPadding !== undefined) o.outputPadding = s.outputPadding;
  return o as ConvOptions;
}

export function compute(state: ExplorerState): Computed {
  try {
    const x = toArray("x", state.x);
    const k = toArray("k", state.k);
    const x4 = x.reshape([1, 1, ...x.shape]);
    const k4 = k.reshape([1, 1, ...k.shape]);
    const options = primaryOptions(state);
    const result = state.op === "deconvolution" ? npx.deconvolution(x4, k4, options) : npx.convolution(x4, k4, options);
    const resolved = resolveConv(state.op, x4.shape, k4.shape, options);
    const outSp = spatial(result);
    if (outSp.some((n) => n > LIMITS.output))
      throw new Error(`explorer: the output ${formatShape(result.shape)} is too large to draw here (at most ${LIMITS.output} per axis)`);
    const model: Model = {
      state,
      nd: x.ndim,
      x,
      k,
      x4,
      k4,
      options,
      resolved,
      geo: geo2(resolved.geometry),
      result,
      out: result.reshape(outSp),
      text: String(result),
      shapeText: formatShape(result.shape),
      companion: companion(state.op, result, k4, options, x.shape),
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
  const common = { strides: [...g.strides], dilation: [...g.dilation], padding: pairs };
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
  const base = { kernelSize: [...g.kernel], strides: [...g.strides], dilation: [...g.dilation], padding };
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
