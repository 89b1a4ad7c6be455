// numpy broadcasting: the common shape of operands and zero-stride views that expand an array to it.
import { formatShape } from "./strided.js";

/** The broadcast shape of `a` and `b`, or an error naming the op and both shapes. */
export function broadcastShapes(a: readonly number[], b: readonly number[], op: string): number[] {
  const nd = Math.max(a.length, b.length);
  const out = new Array<number>(nd);
  for (let i = 0; i < nd; i++) {
    const da = a[a.length - nd + i] ?? 1;
    const db = b[b.length - nd + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1)
      throw new Error(`${op}: operands could not be broadcast together with shapes ${formatShape(a)} and ${formatShape(b)}`);
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides that read an array of `shape`/`strides` as if it had shape `target` (0 on broadcast axes). */
export function broadcastStrides(shape: readonly number[], strides: readonly number[], target: readonly number[]): number[] {
  const lead = target.length - shape.length;
  return target.map((_, i) => (i < lead || shape[i - lead] === 1 ? 0 : strides[i - lead]!));
}
