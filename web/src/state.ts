// Explorer state and its URL form: ?op=..&cin=..&cout=..&groups=..&x=<JSON>&k=<JSON>&strides=..&padding=..&paddingMode=..&dilation=..&outputPadding=..
// Parsing never validates convolution parameters: whatever the URL says goes to the library, whose errors are shown.
// Channel axes in x and k: x is [cin, …spatial] when cin > 1 (else spatial only); k is the op's weight
// ([cin, cout/groups, …k] for deconvolution, [cout, cin/groups, …k] for convolution) when cin or cout > 1 (else spatial only).
import type { Padding } from "../../src/index.js";

export type Op = "deconvolution" | "convolution";
export type Nested = number | Nested[];

/** A per-axis parameter as the library takes it (number or list), or the raw text when it is neither (the library rejects it). */
export type AxisParam = number | number[] | string | undefined;
export type PaddingParam = Padding | string | undefined;

export interface ExplorerState {
  op: Op;
  /** input values: a nested JSON array (1-D or 2-D); a string when the URL's text is not JSON */
  x: unknown;
  k: unknown;
  strides: AxisParam;
  padding: PaddingParam;
  /** what the padding holds: "zeros", "reflect", "replicate", "circular" (any other text goes to the library, which rejects it) */
  paddingMode: string;
  dilation: AxisParam;
  /** transposed convolution only; kept while the convolution is shown so toggling back restores it */
  outputPadding: AxisParam;
  /** input channels, output channels and groups: 1 … MAX_CHANNELS (groups must divide both; the library says so) */
  cin: number;
  cout: number;
  groups: number;
}

export const MAX_CHANNELS = 4;

export const BOOK_X = [
  [0, 1],
  [2, 3],
];
export const BOOK_K = [
  [0, 1],
  [2, 3],
];

export function defaultState(): ExplorerState {
  return { op: "deconvolution", x: BOOK_X, k: BOOK_K, strides: 1, padding: 0, paddingMode: "zeros", dilation: 1, outputPadding: 0, cin: 1, cout: 1, groups: 1 };
}

const MODES = ["same", "valid", "same-lower"];

/** "2" → 2, "2,1" → [2, 1], "[2,1]" → [2, 1], "" → undefined, anything else stays text. */
export function parseAxisParam(text: string | null): AxisParam {
  if (text === null) return undefined;
  const t = text.trim();
  if (t === "") return undefined;
  if (t.startsWith("[")) {
    try {
      return JSON.parse(t) as number[];
    } catch {
      return t;
    }
  }
  const parts = t.split(",").map((p) => p.trim());
  if (parts.every((p) => p !== "" && Number.isFinite(Number(p)))) {
    const nums = parts.map(Number);
    return nums.length === 1 ? nums[0]! : nums;
  }
  return t;
}

export function parsePadding(text: string | null): PaddingParam {
  if (text !== null && MODES.includes(text.trim())) return text.trim() as Padding;
  return parseAxisParam(text) as PaddingParam;
}

function parseJson(text: string | null, fallback: unknown): unknown {
  if (text === null || text.trim() === "") return fallback;
  try {
    return JSON.parse(text);
  } catch {
    return text; // shown as a page error: not JSON
  }
}

/** A channel count from the URL: an integer 1 … MAX_CHANNELS, else 1. */
function parseCount(text: string | null): number {
  const n = Number(text);
  return Number.isInteger(n) && n >= 1 && n <= MAX_CHANNELS ? n : 1;
}

export function stateFromQuery(search: string): ExplorerState {
  const q = new URLSearchParams(search);
  const d = defaultState();
  const op = q.get("op") === "convolution" || q.get("op") === "conv" ? "convolution" : "deconvolution";
  const cin = parseCount(q.get("cin"));
  const cout = parseCount(q.get("cout"));
  const groups = parseCount(q.get("groups"));
  // x or k left out of a multi-channel URL: the book's values, spread over the channels
  const x = q.has("x") ? parseJson(q.get("x"), d.x) : fitX(d.x, 1, cin);
  const k = q.has("k") ? parseJson(q.get("k"), d.k) : fitK(d.k, null, cin > 1 || cout > 1 ? weightChannels(op, cin, cout, groups) : null);
  return {
    op,
    cin,
    cout,
    groups,
    x,
    k,
    strides: q.has("strides") ? parseAxisParam(q.get("strides")) : d.strides,
    padding: q.has("padding") ? parsePadding(q.get("padding")) : d.padding,
    paddingMode: q.get("paddingMode")?.trim() || d.paddingMode,
    dilation: q.has("dilation") ? parseAxisParam(q.get("dilation")) : d.dilation,
    outputPadding: q.has("outputPadding") ? parseAxisParam(q.get("outputPadding")) : d.outputPadding,
  };
}

/** Canonical text of a parameter: a number, a comma list, a JSON list of pairs, a mode, or the raw text. */
export function formatParam(v: AxisParam | PaddingParam): string {
  if (v === undefined) return "";
  if (typeof v === "number" || typeof v === "string") return String(v);
  if (Array.isArray(v) && v.every((e) => typeof e === "number")) {
    const nums = v as number[];
    return nums.length > 0 && nums.every((n) => n === nums[0]) ? String(nums[0]) : nums.join(",");
  }
  return JSON.stringify(v);
}

// Query values stay readable: brackets, commas and minus signs are not escaped.
const enc = (s: string) => encodeURIComponent(s).replace(/%5B/gi, "[").replace(/%5D/gi, "]").replace(/%2C/gi, ",");

export function stateToQuery(s: ExplorerState): string {
  const pairs: [string, string][] = [
    ["op", s.op],
    ...(s.cin > 1 || s.cout > 1 || s.groups > 1
      ? ([
          ["cin", String(s.cin)],
          ["cout", String(s.cout)],
          ["groups", String(s.groups)],
        ] as [string, string][])
      : []),
    ["x", typeof s.x === "string" ? s.x : JSON.stringify(s.x)],
    ["k", typeof s.k === "string" ? s.k : JSON.stringify(s.k)],
    ["strides", formatParam(s.strides)],
    ["padding", formatParam(s.padding)],
    ["paddingMode", s.paddingMode === "zeros" ? "" : s.paddingMode],
    ["dilation", formatParam(s.dilation)],
  ];
  if (s.op === "deconvolution") pairs.push(["outputPadding", formatParam(s.outputPadding)]);
  return (
    "?" +
    pairs
      .filter(([, v]) => v !== "")
      .map(([k, v]) => `${k}=${enc(v)}`)
      .join("&")
  );
}

/** Per-axis numbers for the controls, or null when the value is not that (text, wrong length, a mode). */
export function axisValues(v: AxisParam, nd: number, dflt: number): number[] | null {
  if (v === undefined) return new Array<number>(nd).fill(dflt);
  if (typeof v === "number") return new Array<number>(nd).fill(v);
  if (Array.isArray(v) && v.length === nd && v.every((e) => typeof e === "number")) return [...v];
  return null;
}

/** Depth of a nested array (1 for [1,2], 2 for [[1]]), 0 for anything else. */
export function depth(v: unknown): number {
  let d = 0;
  let cur = v;
  while (Array.isArray(cur)) {
    d++;
    cur = cur[0];
  }
  return typeof cur === "number" ? d : 0;
}

// ---- channel axes ---------------------------------------------------------------------------------------------
/** The weight's two channel axes: [cin, cout/groups] for deconvolution, [cout, cin/groups] for convolution. */
export function weightChannels(op: Op, cin: number, cout: number, groups: number): [number, number] {
  const per = (n: number) => Math.max(1, Math.floor(n / groups));
  return op === "deconvolution" ? [cin, per(cout)] : [cout, per(cin)];
}

/** True when k carries the two channel axes (the state has more than one channel somewhere). */
export const hasChannelAxes = (s: Pick<ExplorerState, "cin" | "cout">) => s.cin > 1 || s.cout > 1;

const clone = (v: unknown): unknown => (Array.isArray(v) ? v.map(clone) : v);
const shift = (v: unknown, by: number): unknown => (Array.isArray(v) ? v.map((e) => shift(e, by)) : typeof v === "number" ? v + by : v);

/** x with `to` channels (spatial only when to = 1) from x with `from`; new channels are channel 0's values + c. */
export function fitX(x: unknown, from: number, to: number): unknown {
  const list = from > 1 && Array.isArray(x) ? (x as unknown[]) : [x];
  const out = Array.from({ length: to }, (_, c) => (c < list.length ? clone(list[c]) : shift(list[0], c)));
  return to === 1 ? out[0] : out;
}

/**
 * A weight with channel axes `to` from one with `from` (spatial only when both are [1, 1]); new kernels are kernel
 * [0, 0]'s values + a + b, so that different channel pairs give visibly different results.
 */
export function fitK(k: unknown, from: [number, number] | null, to: [number, number] | null): unknown {
  const grid = (from === null ? [[k]] : Array.isArray(k) ? k : [[k]]) as unknown[][];
  const first = Array.isArray(grid[0]) ? grid[0][0] : k;
  const [n0, n1] = to ?? [1, 1];
  const out = Array.from({ length: n0 }, (_, a) =>
    Array.from({ length: n1 }, (_, b) => (Array.isArray(grid[a]) && b < grid[a]!.length ? clone(grid[a]![b]) : shift(first, a + b))),
  );
  return to === null ? out[0]![0] : out;
}
