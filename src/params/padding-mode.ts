// Padding modes (PyTorch's padding_mode): which image element a padded position reads, and the pad-size rules.
import type { ConvGeometry } from "./geometry.js";
import { readEnum } from "./options.js";

/**
 * What the border of the image side holds, per axis, for image size n and j = position − padBegin:
 *  - "zeros":     0 outside [0, n)
 *  - "reflect":   x[−j] left, x[2(n − 1) − j] right (the edge is not repeated: d c b | a b c d | c b a)
 *  - "replicate": x[clamp(j, 0, n − 1)]                                       (a a a | a b c d | d d d)
 *  - "circular":  x[j mod n]                                                  (b c d | a b c d | a b c)
 * Beyond one reflection (np.pad only: convolutions keep PyTorch's limits, checkPaddingMode) reflect repeats as numpy
 * does, a triangle wave of period 2(n − 1) (x[0] when n = 1), and circular keeps wrapping (period n).
 */
export type PaddingMode = "zeros" | "reflect" | "replicate" | "circular";
export const PADDING_MODES: readonly PaddingMode[] = ["zeros", "reflect", "replicate", "circular"];

export function readPaddingMode(where: string, v: unknown): PaddingMode {
  return readEnum(where, "paddingMode", v, PADDING_MODES, "zeros");
}

/**
 * PyTorch's rules, which make every padded position read one image element: reflect needs padding < n on both sides
 * (a reflection must not pass the far edge), circular needs padding ≤ n (wrapping at most once); replicate and zeros
 * take any padding. `imageSize` is the convolution's input size (the transposed convolution's output size).
 */
export function checkPaddingMode(op: string, mode: PaddingMode, imageSize: readonly number[], padBegin: readonly number[], padEnd: readonly number[]): void {
  if (mode !== "reflect" && mode !== "circular") return;
  const side = op === "deconvolution" ? "output" : "input";
  for (let i = 0; i < imageSize.length; i++) {
    const n = imageSize[i]!,
      b = padBegin[i]!,
      e = padEnd[i]!;
    if (mode === "reflect" && (b >= n || e >= n))
      throw new Error(
        `${op}: paddingMode "reflect" needs padding < the ${side} size on every axis (a reflection cannot pass the far edge), ` +
          `but axis ${i} has padding [${b}, ${e}] for ${side} size ${n}`,
      );
    if (mode === "circular" && (b > n || e > n))
      throw new Error(
        `${op}: paddingMode "circular" needs padding <= the ${side} size on every axis (the padding would wrap around more than once), ` +
          `but axis ${i} has padding [${b}, ${e}] for ${side} size ${n}`,
      );
  }
}

/** Source index in [0, n) of padded position t (t = j + padBegin), or −1 for a zero; n ≥ 1 outside "zeros". */
export function sourceIndex(mode: PaddingMode, n: number, padBegin: number, t: number): number {
  const j = t - padBegin;
  if (j >= 0 && j < n) return j;
  switch (mode) {
    case "zeros":
      return -1;
    case "reflect": {
      // m = j mod 2(n − 1) in [0, 2(n − 1)); the wave rises 0 … n − 1 then falls back
      if (n === 1) return 0;
      const period = 2 * (n - 1);
      const m = ((j % period) + period) % period;
      return m < n ? m : period - m;
    }
    case "replicate":
      return j < 0 ? 0 : n - 1;
    case "circular":
      return ((j % n) + n) % n;
  }
}

/** sourceIndex for every padded position 0 … n + padBegin + padEnd − 1 of one axis. */
export function sourceTable(mode: PaddingMode, n: number, padBegin: number, padEnd: number): Int32Array {
  const t = new Int32Array(n + padBegin + padEnd);
  for (let i = 0; i < t.length; i++) t[i] = sourceIndex(mode, n, padBegin, i);
  return t;
}

/** The same call on the padded image: imageSize + padBegin + padEnd, no padding (what the zero-padding kernels run). */
export function paddedGeometry(g: ConvGeometry): ConvGeometry {
  const zero = g.padBegin.map(() => 0);
  return { ...g, imageSize: g.imageSize.map((n, i) => n + g.padBegin[i]! + g.padEnd[i]!), padBegin: zero, padEnd: zero };
}
