// The real-image demo: a picture drawn in code, upsampled ×2 three ways with the library's own ops, on canvases.
//   1. npx.deconvolution k4 s2 p1 with init.Bilinear weights (FCN's upsampling: even overlap, smooth);
//   2. npx.deconvolution k3 s2 p1 outputPadding 1 with a box kernel (uneven overlap: 4, 2, 2, 1 writes → checkerboard);
//   3. nearest-neighbour ×2 (npx.deconvolution with a 2×2 kernel of ones, stride 2: each pixel copied into a 2×2 block)
//      followed by npx.convolution with a 3×3 mean, padding 1 (the resize-convolution of Odena et al.).
import { init, np, npx, type NDArray } from "../../src/index.js";

export const IMAGE_SIZE = 32;

/** A 32×32 grey picture in [0, 1]: sky gradient, a sun (disk), a hill edge, a house with a window; contrast c about 0.5. */
export function makeImage(contrast: number): NDArray {
  const n = IMAGE_SIZE;
  const data = new Float32Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let v = 0.55 + 0.25 * (i / n); // sky, lighter towards the horizon
      if ((i - 8) ** 2 + (j - 23) ** 2 <= 20) v = 0.95; // sun
      if (i > 20 + 4 * Math.sin(j / 5)) v = 0.3; // hill
      if (j >= 5 && j < 15 && i >= 14 && i < 26) v = 0.75; // house wall
      if (i >= 10 && i < 14 && j >= 5 + (13 - i) && j < 15 - (13 - i)) v = 0.15; // roof
      if (j >= 8 && j < 11 && i >= 17 && i < 20) v = 0.05; // window
      data[i * n + j] = 0.5 + contrast * (v - 0.5);
    }
  return np.array(data as unknown as number[]).reshape([1, 1, n, n]);
}

export interface Upsampled {
  id: string;
  title: string;
  how: string;
  image: NDArray; // [1, 1, 2n, 2n]
}

const sq = (k: number, v: number) => np.full([1, 1, k, k], v);

export function upsampleAll(x: NDArray): Upsampled[] {
  const bilinear = init.Bilinear().create([1, 1, 4, 4], "float32", "upsample.weight");
  // a box kernel with total weight 4 = s², so that the mean gain is 1 as for the others
  const box = sq(3, 4 / 9);
  const nearest = npx.deconvolution(x, sq(2, 1), { strides: 2 });
  const smooth = sq(3, 1 / 9);
  return [
    {
      id: "bilinear",
      title: "Transposed conv k4 s2 p1, bilinear init",
      how: "npx.deconvolution(x, init.Bilinear() 4×4, { strides: 2, padding: 1 }) — every output phase gets a 2×2 sub-kernel summing to 1",
      image: npx.deconvolution(x, bilinear, { strides: 2, padding: 1 }),
    },
    {
      id: "uneven",
      title: "Transposed conv k3 s2 (uneven)",
      how: "npx.deconvolution(x, 3×3 of 4/9, { strides: 2, padding: 1, outputPadding: 1 }) — phases get 4, 2, 2, 1 taps: sums 16/9, 8/9, 8/9, 4/9",
      image: npx.deconvolution(x, box, { strides: 2, padding: 1, outputPadding: 1 }),
    },
    {
      id: "resize",
      title: "Nearest ×2, then 3×3 conv",
      how: "npx.deconvolution(x, 2×2 of 1s, { strides: 2 }) copies each pixel into a 2×2 block; npx.convolution(·, 3×3 of 1/9, { padding: 1 })",
      image: npx.convolution(nearest, smooth, { padding: 1 }),
    },
  ];
}

/** Paints a [1, 1, h, w] array in [0, 1] (clamped) onto a canvas of h × w pixels. */
export function paint(canvas: HTMLCanvasElement, a: NDArray): void {
  const [h, w] = [a.shape[2]!, a.shape[3]!];
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext("2d")!;
  const img = ctx.createImageData(w, h);
  const d = a.asTypedArray();
  for (let i = 0; i < h * w; i++) {
    const v = Math.round(255 * Math.min(1, Math.max(0, d[i]!)));
    img.data[4 * i] = v;
    img.data[4 * i + 1] = v;
    img.data[4 * i + 2] = v;
    img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}
