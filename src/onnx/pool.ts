// Max and average pooling as a sum/maximum over the kernel's strided views of the padded input (differentiable).
import type { NDArray } from "../ndarray/ndarray.js";
import type { Index } from "../ndarray/indexing.js";
import { binary } from "../ops/elementwise.js";
import { pad } from "../ops/pad-constant.js";
import { ones } from "../ndarray/create.js";

export interface PoolSpec {
  kind: "max" | "avg";
  kernel: readonly number[];
  strides: readonly number[];
  dilations: readonly number[];
  padBegin: readonly number[];
  padEnd: readonly number[];
  /** ONNX/PyTorch ceil_mode: a last partial window counts if it starts inside the input or the begin padding */
  ceilMode: boolean;
  /** average: divide by the whole window (padding included) instead of the input elements it covers */
  countIncludePad: boolean;
}

/** Output size per axis and the extra end padding ceil mode needs. */
function outSizes(inSize: readonly number[], p: PoolSpec, where: string): { out: number[]; extra: number[] } {
  const out: number[] = [];
  const extra: number[] = [];
  inSize.forEach((n, i) => {
    const dk = (p.kernel[i]! - 1) * p.dilations[i]! + 1;
    const span = n + p.padBegin[i]! + p.padEnd[i]! - dk;
    if (span < 0) throw new Error(`${where}: padded input ${n + p.padBegin[i]! + p.padEnd[i]!} is smaller than the dilated kernel ${dk} on spatial axis ${i}`);
    let o = (p.ceilMode ? Math.ceil(span / p.strides[i]!) : Math.floor(span / p.strides[i]!)) + 1;
    if (p.ceilMode && (o - 1) * p.strides[i]! >= n + p.padBegin[i]!) o -= 1;
    out.push(o);
    extra.push(Math.max(0, (o - 1) * p.strides[i]! + dk - (n + p.padBegin[i]! + p.padEnd[i]!)));
  });
  return { out, extra };
}

/** Σ or max over kernel offsets of padded[..., k·d : k·d + (out − 1)·s + 1 : s]. */
function windows(padded: NDArray, p: PoolSpec, out: readonly number[], combine: "add" | "maximum"): NDArray {
  const nd = p.kernel.length;
  const lead = padded.ndim - nd;
  const offset = new Array<number>(nd).fill(0);
  let acc: NDArray | null = null;
  for (;;) {
    const index: Index[] = [];
    for (let i = 0; i < lead; i++) index.push(null);
    for (let i = 0; i < nd; i++) {
      const b = offset[i]! * p.dilations[i]!;
      index.push([b, b + (out[i]! - 1) * p.strides[i]! + 1, p.strides[i]!]);
    }
    const v = padded.at(...index);
    acc = acc === null ? v : binary(combine, acc, v);
    let k = nd - 1;
    while (k >= 0 && ++offset[k]! === p.kernel[k]) offset[k--] = 0;
    if (k < 0) break;
  }
  return acc!;
}

export function pool(x: NDArray, p: PoolSpec, where: string): NDArray {
  const nd = p.kernel.length;
  const spatial = x.shape.slice(x.ndim - nd);
  const { out, extra } = outSizes(spatial, p, where);
  const lead = x.ndim - nd;
  const pairs = (end: (i: number) => number): [number, number][] => [
    ...Array.from({ length: lead }, () => [0, 0] as [number, number]),
    ...spatial.map((_, i) => [p.padBegin[i]!, end(i)] as [number, number]),
  ];
  const fullPads = pairs((i) => p.padEnd[i]! + extra[i]!);
  if (p.kind === "max") return windows(pad(x, fullPads, { constantValues: -Infinity }), p, out, "maximum");
  const sum = windows(pad(x, fullPads), p, out, "add");
  // divisor per output position: window elements inside the input (or inside input + explicit padding)
  const one = ones([1, ...spatial], { dtype: x.dtype }).asInCtx(x.ctx);
  const mask = p.countIncludePad
    ? pad(pad(one, [[0, 0], ...spatial.map((_, i) => [p.padBegin[i]!, p.padEnd[i]!] as [number, number])], { constantValues: 1 }), [
        [0, 0],
        ...spatial.map((_, i) => [0, extra[i]!] as [number, number]),
      ])
    : pad(one, [[0, 0], ...spatial.map((_, i) => [p.padBegin[i]!, p.padEnd[i]! + extra[i]!] as [number, number])]);
  const count = windows(mask, p, out, "add");
  return binary("div", sum, count);
}
