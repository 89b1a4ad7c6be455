// outputPaddingFor: the outputPadding with which a transposed convolution gives back a convolution's input size, and why.
import { type ConvOptions, resolveConv } from "./conv-params.js";

export interface OutputPaddingParams extends ConvOptions {
  kernelSize: number | readonly number[];
}

export interface OutputPaddingAdvice {
  /** per spatial axis, the outputPadding that restores `inputShape` */
  readonly outputPadding: number[];
  /** the convolution's spatial output size for `inputShape` (the transposed convolution's input size) */
  readonly convOutputShape: number[];
  /** one sentence: which input sizes the stride maps to the same output, and what the transpose rebuilds */
  readonly reason: string;
}

/**
 * A convolution with stride s maps the s input sizes base … base + s − 1 to one output size o (per axis,
 * o = ⌊(n + padBegin + padEnd − d·(k − 1) − 1) / s⌋ + 1), while its transpose rebuilds only
 * base = (o − 1)·s − padBegin − padEnd + d·(k − 1) + 1; outputPadding = n − base = (n + padBegin + padEnd − d·(k − 1) − 1) mod s.
 * `inputShape` is the convolution's spatial input size; `convParams` its options plus kernelSize.
 */
export function outputPaddingFor(convParams: OutputPaddingParams, inputShape: readonly number[]): OutputPaddingAdvice {
  if (typeof convParams !== "object" || convParams === null) throw new Error("outputPaddingFor: convParams must be an object with kernelSize");
  if (!Array.isArray(inputShape) || inputShape.length < 1 || inputShape.length > 3)
    throw new Error(`outputPaddingFor: inputShape must be the convolution's 1 to 3 spatial sizes, got ${JSON.stringify(inputShape)}`);
  const nd = inputShape.length;
  const { kernelSize, ...rest } = convParams;
  const kernel = typeof kernelSize === "number" ? new Array<number>(nd).fill(kernelSize) : Array.isArray(kernelSize) ? [...kernelSize] : [];
  if (kernel.length !== nd)
    throw new Error(`outputPaddingFor: kernelSize=${JSON.stringify(kernelSize)} must be a number or ${nd} numbers (one per axis of inputShape)`);
  const { geometry: g } = resolveConv("convolution", [1, 1, ...inputShape], [1, 1, ...kernel], { ...rest, layout: undefined, groups: 1 });
  const outputPadding: number[] = [];
  const clauses: string[] = [];
  for (let i = 0; i < nd; i++) {
    const s = g.strides[i]!,
      o = g.gridSize[i]!,
      n = g.imageSize[i]!,
      pads = g.padBegin[i]! + g.padEnd[i]!;
    const dk = g.dilation[i]! * (g.kernel[i]! - 1) + 1;
    const base = (o - 1) * s - pads + dk;
    outputPadding.push(n - base);
    if (n !== base)
      clauses.push(
        `on axis ${i} the stride-${s} convolution maps every input size from ${base} to ${base + s - 1} to ${o} outputs and its transpose rebuilds ` +
          `(${o} − 1)·${s} − ${pads} + ${dk} = ${base}, so outputPadding ${n - base} adds the missing ${n - base === 1 ? "position" : "positions"} to reach ${n}`,
      );
  }
  const reason =
    clauses.length === 0
      ? `outputPadding 0 suffices: on every axis the transpose's (o − 1)·s − padBegin − padEnd + d·(k − 1) + 1 already equals the input size [${inputShape.join(", ")}].`
      : `${clauses.join("; ")}.`.replace(/^o/, "O");
  return { outputPadding, convOutputShape: [...g.gridSize], reason };
}
