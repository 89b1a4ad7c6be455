// Sizes before work: element counts and byte sizes checked against the engine's limits, with honest messages.
import { showValue } from "./options.js";

/** The longest typed array V8 (Node 20, Chromium) creates: 2^32 elements. */
export const MAX_TYPED_ELEMENTS = 2 ** 32;

const UNITS: readonly [string, number][] = [
  ["GiB", 2 ** 30],
  ["MiB", 2 ** 20],
  ["KiB", 2 ** 10],
];

/**
 * A byte count for a message, rounded *up* to 3 significant digits so that a size just over a limit never reads as
 * the limit: 4 GiB + 20 MiB → "4.02 GiB", 2^32 → "4 GiB".
 */
export function formatBytes(bytes: number): string {
  for (const [unit, size] of UNITS) {
    if (bytes < size) continue;
    const v = bytes / size;
    const digits = v >= 100 ? 0 : v >= 10 ? 1 : 2;
    const f = 10 ** digits;
    return `${(Math.ceil(v * f - 1e-9) / f).toString()} ${unit}`;
  }
  return `${bytes} bytes`;
}

/** Product of a shape's sizes; a double, exact below 2^53 and certainly above any limit beyond it. */
export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i]!;
  return n;
}

/**
 * Checks that an array of `shape` fits in one typed array before anything is allocated; returns its element count.
 * `where` names the op, `what` the array ("the output", "the input's gradient").
 */
export function checkArraySize(where: string, what: string, shape: readonly number[], bytesPerElement: number): number {
  const n = elementCount(shape);
  if (!(n <= MAX_TYPED_ELEMENTS))
    throw new Error(
      `${where}: ${what} ${showValue(shape)} has ${n} elements (${formatBytes(n * bytesPerElement)}), more than the 2^32 elements a JavaScript typed array holds`,
    );
  return n;
}
