// The DCGAN demo's data: seeded coloured discs, squares and triangles on a dark background, drawn in code.

/** A splitmix32 stream: small, fast and fully determined by its seed (the demo derives one per epoch and batch). */
export class Stream {
  private s: number;
  constructor(...seed: number[]) {
    let h = 0x9e3779b9;
    for (const v of seed) h = Math.imul(h ^ (v >>> 0), 0x85ebca6b) + 0x68e31da4;
    this.s = h >>> 0;
  }
  /** uniform on [0, 1) with 32 random bits */
  next(): number {
    this.s = (this.s + 0x9e3779b9) >>> 0;
    let z = this.s;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    return ((z ^ (z >>> 15)) >>> 0) / 4294967296;
  }
  /** standard normal (Box–Muller) */
  normal(): number {
    return Math.sqrt(-2 * Math.log(1 - this.next())) * Math.cos(2 * Math.PI * this.next());
  }
  /** a random permutation of 0…n−1 (Fisher–Yates) */
  permutation(n: number): Int32Array {
    const p = Int32Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const t = p[i]!;
      p[i] = p[j]!;
      p[j] = t;
    }
    return p;
  }
}

/** RGB in [0, 1] of a saturated colour with hue h ∈ [0, 1). */
function hueColour(h: number, s: number, v: number): [number, number, number] {
  const f = (n: number) => {
    const k = (n + h * 6) % 6;
    return v * (1 - s * Math.max(0, Math.min(k, 4 - k, 1)));
  };
  return [f(5), f(3), f(1)];
}

export type ShapeKind = "disc" | "square" | "triangle";
export const SHAPE_KINDS: readonly ShapeKind[] = ["disc", "square", "triangle"];

/**
 * `count` images [count, 3, size, size], float32 in [−1, 1] (a Tanh generator's range): one shape per image, of a
 * random kind, hue, size (radius 0.2…0.4 of the image) and position (fully inside), anti-aliased over one pixel, on a
 * dark grey background. The same (count, size, seed) always gives the same bytes.
 */
export function makeShapes(count: number, size: number, seed: number): Float32Array {
  if (!Number.isInteger(count) || count < 1) throw new Error(`makeShapes: count=${count} must be an integer >= 1`);
  if (!Number.isInteger(size) || size < 8) throw new Error(`makeShapes: size=${size} must be an integer >= 8`);
  const out = new Float32Array(count * 3 * size * size);
  const plane = size * size;
  const rng = new Stream(seed, 0x5eed);
  for (let n = 0; n < count; n++) {
    const kind = SHAPE_KINDS[Math.floor(rng.next() * 3)]!;
    const colour = hueColour(rng.next(), 0.6 + 0.4 * rng.next(), 0.75 + 0.25 * rng.next());
    const r = size * (0.2 + 0.2 * rng.next());
    const cx = r + rng.next() * (size - 2 * r);
    const cy = r + rng.next() * (size - 2 * r);
    const base = n * 3 * plane;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const u = x + 0.5 - cx;
        const v = y + 0.5 - cy;
        let d: number; // signed distance in pixels, < 0 inside
        if (kind === "disc") d = Math.hypot(u, v) - r;
        else if (kind === "square") d = Math.max(Math.abs(u), Math.abs(v)) - 0.8 * r;
        else {
          // upward triangle inscribed in the circle of radius r: edges at distance r/2 from the centre
          const e1 = v - r / 2;
          const e2 = -0.866 * u - 0.5 * v - r / 2;
          const e3 = 0.866 * u - 0.5 * v - r / 2;
          d = Math.max(e1, e2, e3);
        }
        const a = Math.max(0, Math.min(1, 0.5 - d));
        const p = y * size + x;
        for (let c = 0; c < 3; c++) out[base + c * plane + p] = 2 * (0.12 * (1 - a) + colour[c]! * a) - 1;
      }
    }
  }
  return out;
}
