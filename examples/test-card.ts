// The demos' sample picture: a test card drawn in code (colour bars, ramps, rings, stripes, shapes), no download.
import type { ImageDataLike } from "tconv";

const BARS: readonly (readonly [number, number, number])[] = [
  [235, 235, 235],
  [235, 235, 16],
  [16, 235, 235],
  [16, 235, 16],
  [235, 16, 235],
  [235, 16, 16],
  [16, 16, 235],
  [16, 16, 16],
];

/** HSV hue h ∈ [0, 1) at full saturation and value → RGB 0…255. */
function hue(h: number): [number, number, number] {
  const f = (n: number) => {
    const k = (n + h * 6) % 6;
    return 255 * (1 - Math.max(0, Math.min(k, 4 - k, 1)));
  };
  return [f(5), f(3), f(1)];
}

/** Coverage of a pixel by a shape whose signed distance (pixels, < 0 inside) is d: a 1-pixel linear ramp. */
const cover = (d: number) => Math.max(0, Math.min(1, 0.5 - d));

/**
 * A `size`×`size` RGBA test card (size ≥ 16). Top quarter: eight colour bars. Middle half, left: rings whose
 * frequency rises outward (they alias when resampled badly); right: diagonal stripes under a red disc, a green
 * square and a blue triangle. Bottom quarter: a grey ramp over a hue ramp. Every pixel is a pure function of (x, y).
 */
export function drawTestCard(size = 256): ImageDataLike {
  if (!Number.isInteger(size) || size < 16) throw new Error(`drawTestCard: size=${size} must be an integer >= 16`);
  const data = new Uint8ClampedArray(size * size * 4);
  const q = size / 4;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const px = x + 0.5;
      const py = y + 0.5;
      let rgb: [number, number, number];
      if (py < q) {
        const b = BARS[Math.min(7, Math.floor((px / size) * 8))]!;
        rgb = [b[0], b[1], b[2]];
      } else if (py >= 3 * q) {
        const t = px / size;
        rgb = py < 3.5 * q ? [255 * t, 255 * t, 255 * t] : hue(t);
      } else if (px < size / 2) {
        const cx = size / 4;
        const cy = 2 * q;
        const r = Math.hypot(px - cx, py - cy) / (size / 4);
        const v = r > 1 ? 0.5 : 0.5 + 0.5 * Math.cos(Math.PI * 18 * r * r);
        rgb = [255 * v, 255 * v, 255 * v];
      } else {
        const stripe = Math.floor((px + py) / (size / 32)) % 2 === 0 ? 200 : 90;
        rgb = [stripe, stripe, stripe + 30];
        const u = px - size / 2;
        const v = py - q;
        const s = size / 2;
        const disc = cover(Math.hypot(u - 0.3 * s, v - 0.3 * s) - 0.2 * s);
        const square = cover(Math.max(Math.abs(u - 0.72 * s), Math.abs(v - 0.3 * s)) - 0.15 * s);
        // triangle with apex (0.5s, 0.55s) and base from (0.25s, 0.92s) to (0.75s, 0.92s): max of three edge distances
        const e1 = v - 0.92 * s;
        const n = Math.hypot(0.37, 0.25);
        const e2 = (-(u - 0.5 * s) * 0.37 - (v - 0.55 * s) * 0.25) / n;
        const e3 = ((u - 0.5 * s) * 0.37 - (v - 0.55 * s) * 0.25) / n;
        const tri = cover(Math.max(e1, e2, e3));
        const mix = (c: [number, number, number], a: number) => {
          for (let i = 0; i < 3; i++) rgb[i] = rgb[i]! * (1 - a) + c[i]! * a;
        };
        mix([220, 40, 40], disc);
        mix([40, 190, 70], square);
        mix([50, 90, 230], tri);
      }
      const o = 4 * (y * size + x);
      data[o] = Math.round(rgb[0]);
      data[o + 1] = Math.round(rgb[1]);
      data[o + 2] = Math.round(rgb[2]);
      data[o + 3] = 255;
    }
  }
  return { data, width: size, height: size };
}
