// Tiles a batch of images [N, 3, S, S] (values in [−1, 1]) into one RGBA picture, each image enlarged `zoom`× (nearest).
import type { ImageDataLike, NDArray } from "tconv";

export function sampleGrid(images: NDArray, columns: number, zoom = 2, gap = 2): ImageDataLike {
  const [n, c, h, w] = images.shape as [number, number, number, number];
  if (images.ndim !== 4 || c !== 3) throw new Error(`sampleGrid: expected images [N, 3, H, W], got [${images.shape.join(",")}]`);
  const rows = Math.ceil(n / columns);
  const cw = w * zoom + gap;
  const ch = h * zoom + gap;
  const width = columns * cw + gap;
  const height = rows * ch + gap;
  const data = new Uint8ClampedArray(width * height * 4).fill(255);
  const src = images.asTypedArray();
  const plane = h * w;
  for (let k = 0; k < n; k++) {
    const x0 = gap + (k % columns) * cw;
    const y0 = gap + Math.floor(k / columns) * ch;
    for (let y = 0; y < h * zoom; y++) {
      for (let x = 0; x < w * zoom; x++) {
        const p = Math.floor(y / zoom) * w + Math.floor(x / zoom);
        const o = ((y0 + y) * width + x0 + x) * 4;
        for (let ch3 = 0; ch3 < 3; ch3++) data[o + ch3] = Math.round(((src[(k * 3 + ch3) * plane + p]! + 1) / 2) * 255);
      }
    }
  }
  return { data, width, height };
}
