// Pooling by the definition, for tests: every window tap visited, padding taps skipped, channels-first only.

export interface DirectPoolOptions {
  kernel: number[];
  stride: number[];
  pad: number[];
  poolType: "max" | "avg" | "sum";
  countIncludePad: boolean;
  full: boolean;
}

/** Output sizes: ⌊ or ⌈(n + 2p − k)/s⌉ + 1, dropping a "full" last window that starts in the end padding. */
export function directPoolSizes(spatial: number[], o: DirectPoolOptions): number[] {
  return spatial.map((n, i) => {
    const r = (n + 2 * o.pad[i]! - o.kernel[i]!) / o.stride[i]!;
    let q = (o.full ? Math.ceil(r) : Math.floor(r)) + 1;
    if (o.full && (q - 1) * o.stride[i]! >= n + o.pad[i]!) q--;
    return q;
  });
}

const prod = (a: number[]) => a.reduce((p, v) => p * v, 1);
function unflatten(i: number, ext: number[]): number[] {
  const out = new Array<number>(ext.length);
  for (let a = ext.length - 1; a >= 0; a--) {
    out[a] = i % ext[a]!;
    i = Math.floor(i / ext[a]!);
  }
  return out;
}

/**
 * Forward and backward by the definition on an [N·C, ...spatial] array: y[o] = max / Σ / mean over taps t of the
 * window at o·s − p + t that fall inside the input; the max gradient goes to the first tap (row-major) equal to the max.
 * avg divides by the taps inside [−p, n + p) (countIncludePad) or inside the input.
 */
export function directPool(x: ArrayLike<number>, planes: number, spatial: number[], o: DirectPoolOptions, dy: ArrayLike<number> | null) {
  const out = directPoolSizes(spatial, o);
  const [inN, outN, kN] = [prod(spatial), prod(out), prod(o.kernel)];
  const y = new Float64Array(planes * outN);
  const dx = new Float64Array(planes * inN);
  for (let pl = 0; pl < planes; pl++)
    for (let q = 0; q < outN; q++) {
      const oq = unflatten(q, out);
      let best = -Infinity,
        bestAt = -1,
        sum = 0,
        real = 0,
        padded = 0;
      const taps: number[] = [];
      for (let t = 0; t < kN; t++) {
        const tt = unflatten(t, o.kernel);
        const pos = oq.map((v, a) => v * o.stride[a]! - o.pad[a]! + tt[a]!);
        if (pos.every((p, a) => p < spatial[a]! + o.pad[a]!)) padded++;
        if (!pos.every((p, a) => p >= 0 && p < spatial[a]!)) continue;
        const idx = pl * inN + pos.reduce((l, p, a) => l * spatial[a]! + p, 0);
        taps.push(idx);
        real++;
        sum += x[idx]!;
        if (x[idx]! > best) [best, bestAt] = [x[idx]!, idx];
      }
      const count = o.countIncludePad ? padded : real;
      y[pl * outN + q] = o.poolType === "max" ? best : o.poolType === "sum" ? sum : sum / count;
      if (!dy) continue;
      const g = dy[pl * outN + q]!;
      if (o.poolType === "max") dx[bestAt] = dx[bestAt]! + g;
      else for (const idx of taps) dx[idx] = dx[idx]! + (o.poolType === "sum" ? g : g / count);
    }
  return { y, dx, outSize: out };
}
