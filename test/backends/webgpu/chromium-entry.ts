// The page side of chromium.test.ts: the WebGPU conv kernels and the reference loops on geometries sent by the test.
import type { ConvGeometry } from "../../../src/params/geometry.js";
import { gridShape, imageShape, weightShape } from "../../../src/params/geometry.js";
import { imageToGrid } from "../../../src/backends/reference/image-to-grid.js";
import { gridToImage } from "../../../src/backends/reference/grid-to-image.js";
import { weightGrad } from "../../../src/backends/reference/weight-grad.js";
import { gpuInfo, gridToImageGpu, imageToGridGpu, initGpu, readTensor, upload, weightGradGpu } from "../../../src/backends/webgpu/index.js";
import { gpu } from "../../../src/context.js";

const size = (s: readonly number[]) => s.reduce((p, v) => p * v, 1);
const values = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 7.1 + i * 1.3));

export interface PageResult {
  gpus: number;
  reason?: string;
  adapter?: string;
  cases?: { kernel: string; got: number[]; want: number[]; reduction: number }[];
}

async function run(geometries: ConvGeometry[]): Promise<PageResult> {
  const gpus = await initGpu();
  if (gpus === 0) {
    try {
      gpu(0);
    } catch (e) {
      return { gpus, reason: (e as Error).message };
    }
  }
  const info = gpuInfo()!;
  const cases: NonNullable<PageResult["cases"]> = [];
  for (const [i, g] of geometries.entries()) {
    const image = values(size(imageShape(g)), i),
      grid = values(size(gridShape(g)), i + 100),
      w = values(size(weightShape(g)), i + 200);
    const bias = values(g.imageChannels, i + 300),
      gbias = values(g.gridChannels, i + 400);
    const f64 = (a: Float32Array) => Float64Array.from(a);
    const conv = new Float64Array(size(gridShape(g))),
      convT = new Float64Array(size(imageShape(g))),
      dw = new Float64Array(size(weightShape(g)));
    imageToGrid(g, f64(image), f64(w), f64(gbias), conv);
    gridToImage(g, f64(grid), f64(w), f64(bias), convT);
    weightGrad(g, f64(image), f64(grid), dw);
    const [ti, tg, tw] = [upload(image), upload(grid), upload(w)];
    const taps = size(g.kernel);
    cases.push({
      kernel: `imageToGrid ${i}`,
      got: [...(await readTensor(imageToGridGpu(g, ti, tw, upload(gbias))))],
      want: [...conv],
      reduction: (g.imageChannels / g.groups) * taps,
    });
    cases.push({
      kernel: `gridToImage ${i}`,
      got: [...(await readTensor(gridToImageGpu(g, tg, tw, upload(bias))))],
      want: [...convT],
      reduction: (g.gridChannels / g.groups) * taps,
    });
    cases.push({ kernel: `weightGrad ${i}`, got: [...(await readTensor(weightGradGpu(g, ti, tg)))], want: [...dw], reduction: g.batch * size(g.gridSize) });
  }
  return { gpus, adapter: `${info.vendor} ${info.architecture} ${info.description}`.trim(), cases };
}

(globalThis as unknown as { runChecks: typeof run }).runChecks = run;
