// Float32 add, sub, mul and div on the wasm kernels (assembly/binary.ts) for calls that collapse to rows: same-shape operands, a value per row, or a row repeated.
import { collapse, type StridedView } from "../js/elementwise.js";
import { soloRuntime, wasmUsable } from "./runtime.js";

/** binary_rows's op codes */
const BINARY_CODES: Readonly<Record<string, number>> = { add: 0, sub: 1, mul: 2, div: 3 };

/**
 * Below this many elements the JS loops run the call: the copies in and out and the hand-off cost about as much as
 * V8's loops (about 2 ns per element on this VM for a broadcast row, 0.3 ns in wasm plus copies).
 */
export const BINARY_WASM_MIN = 8192;
/**
 * Above this many elements too: the one-thread memory holds the result and both operands and keeps its size once
 * grown, and the JS loops need no memory of their own (48 MiB at this bound).
 */
export const BINARY_WASM_MAX = 1 << 22;

/** An operand's rows in the arena: its address, and its steps per row and per column (elements). */
interface Rows {
  at: number;
  row: number;
  col: number;
}

/**
 * o ← a op b over `shape` on the wasm kernels when op is add, sub, mul or div, every storage is a Float32Array, the
 * call has BINARY_WASM_MIN to BINARY_WASM_MAX elements and it collapses (js/elementwise.ts) to [outer, inner] rows written
 * densely, each operand read densely along its rows, one value per row, or one row repeated; returns false otherwise
 * (the caller runs the JS loops). Each result is the float32 operation rounded once, as the JS loops' float64
 * operation rounded on its store (exact for +, −, ×, ÷ of float32 values: 53 ≥ 2·24 + 2 bits), so the same bits.
 */
export function binaryWasm(op: string, shape: readonly number[], o: StridedView, a: StridedView, b: StridedView): boolean {
  const code = BINARY_CODES[op];
  if (code === undefined || !(o.data instanceof Float32Array && a.data instanceof Float32Array && b.data instanceof Float32Array)) return false;
  let total = 1;
  for (const d of shape) total *= d;
  if (total < BINARY_WASM_MIN || total > BINARY_WASM_MAX) return false;
  const { shape: sh, strides } = collapse(shape, [o.strides, a.strides, b.strides]);
  if (sh.length > 2) return false;
  const outer = sh.length === 2 ? sh[0]! : 1,
    inner = sh[sh.length - 1]!;
  const st = (v: number, k: number) => (sh.length === 2 ? strides[v]![k]! : k === 0 ? 0 : strides[v]![0]!);
  // the result: dense rows
  if (st(0, 1) !== 1 || (outer > 1 && st(0, 0) !== inner)) return false;
  const shapeOf = (v: number): "rows" | "perRow" | "oneRow" | "one" | null => {
    const r = st(v, 0),
      c = st(v, 1);
    if (c === 1 && (r === inner || outer === 1)) return "rows";
    if (c === 0 && r === 1) return "perRow";
    if (c === 1 && r === 0) return "oneRow";
    if (c === 0 && r === 0) return "one";
    return null;
  };
  const ka = shapeOf(1),
    kb = shapeOf(2);
  if (ka === null || kb === null || !wasmUsable()) return false;
  const len = (k: string) => (k === "rows" ? total : k === "perRow" ? outer : k === "oneRow" ? inner : 1);
  const rt = soloRuntime();
  rt.reset();
  const oAt = rt.reserve(total * 4),
    aAt = rt.reserve(len(ka) * 4),
    bAt = rt.reserve(len(kb) * 4);
  rt.commit(op);
  const F = rt.F32;
  F.set(a.data.subarray(a.offset, a.offset + len(ka)), aAt >>> 2);
  F.set(b.data.subarray(b.offset, b.offset + len(kb)), bAt >>> 2);
  const rows = (k: string, at: number): Rows =>
    k === "rows" ? { at, row: inner, col: 1 } : k === "perRow" ? { at, row: 1, col: 0 } : k === "oneRow" ? { at, row: 0, col: 1 } : { at, row: 0, col: 0 };
  const ra = rows(ka, aAt),
    rb = rows(kb, bAt);
  rt.exports.binary_rows(code, outer, inner, oAt, ra.at, ra.row, ra.col, rb.at, rb.row, rb.col);
  o.data.set(F.subarray(oAt >>> 2, (oAt >>> 2) + total), o.offset);
  return true;
}
