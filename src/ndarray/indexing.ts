// numpy basic indexing (integers, slices, whole axes) resolved to the shape/strides/offset of a view.
import { formatShape } from "./strided.js";

/** One axis' index: integer, `"start:stop:step"` string, `[start, stop, step?]` (null = open end), or null/":" for all. */
export type Index = number | string | null | readonly [number | null, (number | null)?, (number | null)?];

interface Slice {
  start: number | null;
  stop: number | null;
  step: number | null;
}

function parseSliceString(s: string): Slice | number {
  const t = s.trim();
  if (/^-?\d+$/.test(t)) return Number(t);
  const parts = t.split(":");
  const num = (p: string | undefined): number | null => {
    if (p === undefined || p.trim() === "") return null;
    if (!/^\s*-?\d+\s*$/.test(p)) throw new Error(`index: cannot read "${s}" as a slice start:stop:step of integers`);
    return Number(p);
  };
  if (parts.length < 2 || parts.length > 3) throw new Error(`index: cannot read "${s}" as a slice start:stop:step of integers`);
  return { start: num(parts[0]), stop: num(parts[1]), step: num(parts[2]) };
}

/** Python's slice.indices: clamps start/stop to [0, n] for the step's direction; returns [start, count, step]. */
function sliceRange(sl: Slice, n: number, axis: number): [number, number, number] {
  const step = sl.step ?? 1;
  if (!Number.isInteger(step) || step === 0) throw new Error(`index: slice step ${sl.step} on axis ${axis} must be a non-zero integer`);
  for (const v of [sl.start, sl.stop]) if (v !== null && !Number.isInteger(v)) throw new Error(`index: slice bound ${v} on axis ${axis} must be an integer`);
  const clamp = (v: number | null, dflt: number, lo: number, hi: number) => {
    if (v === null) return dflt;
    const w = v < 0 ? v + n : v;
    return Math.min(Math.max(w, lo), hi);
  };
  let start: number, stop: number;
  if (step > 0) {
    start = clamp(sl.start, 0, 0, n);
    stop = clamp(sl.stop, n, 0, n);
  } else {
    start = clamp(sl.start, n - 1, -1, n - 1);
    stop = clamp(sl.stop, -1, -1, n - 1);
  }
  const count = step > 0 ? Math.max(0, Math.ceil((stop - start) / step)) : Math.max(0, Math.ceil((start - stop) / -step));
  return [start, count, step];
}

export interface ViewSpec {
  shape: number[];
  strides: number[];
  offset: number;
}

/** Applies `index` to a view described by shape/strides/offset; throws naming the axis on a bad index. */
export function resolveIndex(shape: readonly number[], strides: readonly number[], offset: number, index: readonly Index[]): ViewSpec {
  if (index.length > shape.length) throw new Error(`index: too many indices (${index.length}) for an array of shape ${formatShape(shape)}`);
  const out: ViewSpec = { shape: [], strides: [], offset };
  for (let axis = 0; axis < shape.length; axis++) {
    const n = shape[axis]!;
    const ix: Index = axis < index.length ? index[axis]! : null;
    let sl: Slice | number;
    if (ix === null || ix === undefined) sl = { start: null, stop: null, step: null };
    else if (typeof ix === "number") sl = ix;
    else if (typeof ix === "string") sl = parseSliceString(ix);
    else if (Array.isArray(ix)) sl = { start: ix[0] ?? null, stop: ix[1] ?? null, step: ix[2] ?? null };
    else throw new Error(`index: axis ${axis} index ${String(ix)} is not an integer, slice string, [start, stop, step] or null`);
    if (typeof sl === "number") {
      if (!Number.isInteger(sl)) throw new Error(`index: index ${sl} on axis ${axis} must be an integer`);
      const i = sl < 0 ? sl + n : sl;
      if (i < 0 || i >= n) throw new Error(`index: index ${sl} is out of bounds for axis ${axis} with size ${n}`);
      out.offset += i * strides[axis]!;
    } else {
      const [start, count, step] = sliceRange(sl, n, axis);
      if (count > 0) out.offset += start * strides[axis]!;
      out.shape.push(count);
      out.strides.push(strides[axis]! * step);
    }
  }
  return out;
}
