// Explorer state and its URL form: ?op=..&x=<JSON>&k=<JSON>&strides=..&padding=..&dilation=..&outputPadding=..
// Parsing never validates convolution parameters: whatever the URL says goes to the library, whose errors are shown.
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
  dilation: AxisParam;
  /** transposed convolution only; kept while the convolution is shown so toggling back restores it */
  outputPadding: AxisParam;
}

export const BOOK_X = [
  [0, 1],
  [2, 3],
];
export const BOOK_K = [
  [0, 1],
  [2, 3],
];

export function defaultState(): ExplorerState {
  return { op: "deconvolution", x: BOOK_X, k: BOOK_K, strides: 1, padding: 0, dilation: 1, outputPadding: 0 };
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

export function stateFromQuery(search: string): ExplorerState {
  const q = new URLSearchParams(search);
  const d = defaultState();
  const op = q.get("op");
  return {
    op: op === "convolution" || op === "conv" ? "convolution" : "deconvolution",
    x: parseJson(q.get("x"), d.x),
    k: parseJson(q.get("k"), d.k),
    strides: q.has("strides") ? parseAxisParam(q.get("strides")) : d.strides,
    padding: q.has("padding") ? parsePadding(q.get("padding")) : d.padding,
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
    ["x", typeof s.x === "string" ? s.x : JSON.stringify(s.x)],
    ["k", typeof s.k === "string" ? s.k : JSON.stringify(s.k)],
    ["strides", formatParam(s.strides)],
    ["padding", formatParam(s.padding)],
    ["dilation", formatParam(s.dilation)],
  ];
  if (s.op === "deconvolution") pairs.push(["outputPadding", formatParam(s.outputPadding)]);
  return "?" + pairs.filter(([, v]) => v !== "").map(([k, v]) => `${k}=${enc(v)}`).join("&");
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
