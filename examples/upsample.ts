// Demo (D2L §14.11): enlarge a PNG with a Conv2DTranspose initialised to the bilinear kernel; --compare adds nearest and a checkerboard; --gpu runs it on gpu(0).
import { accessSync, constants, statSync } from "node:fs";
import { dirname, extname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { type Context, init, nn, np, npx, setNumThreads, getNumThreads, type NDArray } from "tconv";
import { readPNG, writePNG } from "tconv/node";
import { openGpu } from "./gpu-device.js";

export const SCALES = [2, 4, 8, 32] as const;
export type Scale = (typeof SCALES)[number];

/**
 * §14.11's upsampler: kernel 2s, padding s/2, stride s, weights init.Bilinear() (channel i → channel i only,
 * as d2l's bilinear_kernel(3, 3, 2s)). Output pixel o reads input position (o + ½)/s − ½ (half-pixel centres),
 * so away from the border it is exact bilinear interpolation; the outermost s/2 pixels fade towards the zero padding.
 */
export function bilinearUpsampler(scale: Scale, channels = 3, ctx: Context = npx.cpu()): InstanceType<typeof nn.Conv2DTranspose> {
  checkScale(scale);
  const layer = new nn.Conv2DTranspose(channels, { kernelSize: 2 * scale, padding: scale / 2, strides: scale, inChannels: channels });
  layer.initialize(init.Bilinear(), { ctx });
  return layer;
}

export function checkScale(scale: number): asserts scale is Scale {
  if (!SCALES.includes(scale as Scale)) throw new Error(`unsupported scale ${scale}: use one of ${SCALES.join(", ")}`);
}

/** Nearest neighbour: each pixel repeated s×s times (the reference the bilinear result is compared with). */
export function nearest(x: NDArray, scale: number): NDArray {
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const src = x.asTypedArray();
  const out = new Float32Array(n * c * h * w * scale * scale);
  const ow = w * scale;
  for (let p = 0; p < n * c; p++) {
    for (let oy = 0; oy < h * scale; oy++) {
      const row = p * h * w + Math.floor(oy / scale) * w;
      const orow = (p * h * scale + oy) * ow;
      for (let ox = 0; ox < ow; ox++) out[orow + ox] = src[row + Math.floor(ox / scale)]!;
    }
  }
  return np.array(out).reshape(n, c, h * scale, w * scale);
}

/**
 * The checkerboard case: kernel 3, stride 2, padding 1, output padding 1, a box kernel of 4/9 per channel (mean gain 1).
 * Per axis, even outputs get one tap and odd outputs two (d2l.overlapCount), so pixels are scaled by 4/9, 8/9 or 16/9.
 */
export function checkerboard(x: NDArray): NDArray {
  const c = x.shape[1]!;
  const w = np.zeros([c, c, 3, 3]);
  for (let i = 0; i < c; i++) w.at(i, i).set(4 / 9);
  return npx.deconvolution(x, w, { strides: 2, padding: 1, outputPadding: 1 });
}

export interface UpsampleOptions {
  scale?: Scale;
  /** also write `<out>-compare.png`: nearest | bilinear | checkerboard */
  compare?: boolean;
  threads?: number;
  quiet?: boolean;
  /** the device of the upsampling layer (npx.cpu() by default; the CLI's --gpu passes d2l.tryGpu()) */
  ctx?: Context;
}

export interface UpsampleResult {
  inputShape: [number, number, number];
  outputShape: [number, number, number];
  seconds: number;
  comparePath?: string;
  /** where the layer ran: "cpu(0)" or "gpu(0)" */
  device: string;
}

/**
 * The most output pixels the demo makes (4096 × 4096; the float32 [1, 3, H, W] result is 192 MiB): the input is
 * refused from its PNG header, before decoding, above MAX_OUTPUT_PIXELS / scale² pixels.
 */
export const MAX_OUTPUT_PIXELS = 2 ** 24;

/** "(h, w, c)" as the book prints a shape. */
const tuple = (s: readonly number[]) => `(${s.join(", ")})`;

function checkWritableFolder(path: string): void {
  const dir = dirname(resolve(path));
  let ok = false;
  try {
    ok = statSync(dir).isDirectory();
    accessSync(dir, constants.W_OK);
  } catch {
    ok = false;
  }
  if (!ok) throw new Error(`cannot write ${path}: folder ${dir} does not exist or is not writable`);
}

/** Places the panels side by side on a grey background, 8-pixel gaps. */
function strip(panels: readonly NDArray[]): NDArray {
  const [, c, h, w] = panels[0]!.shape as [number, number, number, number];
  const gap = 8;
  const out = np.full([1, c, h, panels.length * w + (panels.length - 1) * gap], 0.5);
  panels.forEach((p, i) => out.at(null, null, null, `${i * (w + gap)}:${i * (w + gap) + w}`).set(p));
  return out;
}

/** Reads, upsamples on `options.ctx` (timed up to the values being ready), writes; async because a GPU result is awaited. */
export async function upsample(inPath: string, outPath: string, options: UpsampleOptions = {}): Promise<UpsampleResult> {
  const scale = options.scale ?? 2;
  checkScale(scale);
  if (options.threads !== undefined) setNumThreads(options.threads);
  const log = options.quiet ? () => {} : (s: string) => console.log(s);
  const comparePath = options.compare ? outPath.slice(0, outPath.length - extname(outPath).length) + "-compare.png" : undefined;
  checkWritableFolder(outPath);
  const image = readPNG(inPath, { maxPixels: Math.floor(MAX_OUTPUT_PIXELS / (scale * scale)) });
  const x = npx.image.fromImageData(image).reshape(1, 3, image.height, image.width);
  log(`input image shape: ${tuple([image.height, image.width, 3])}`);

  const ctx = options.ctx ?? npx.cpu();
  const layer = bilinearUpsampler(scale, 3, ctx);
  const xc = x.asInCtx(ctx);
  const started = performance.now();
  // on the GPU the values are ready after wait(); the PNG writer and the panels below read them on the CPU
  const y = (await layer.forward(xc).wait()).asInCtx(npx.cpu());
  const seconds = (performance.now() - started) / 1000;
  const [, , oh, ow] = y.shape as [number, number, number, number];
  log(`output image shape: ${tuple([oh, ow, 3])}`);
  writePNG(outPath, y);
  const where = ctx.deviceType === "gpu" ? String(ctx) : `${getNumThreads()} thread${getNumThreads() === 1 ? "" : "s"}`;
  log(`wrote ${outPath}: scale ${scale} in ${(seconds * 1000).toFixed(0)} ms (${where})`);

  if (comparePath) {
    const cb = checkerboard(x);
    const panels = [nearest(x, scale), y, scale === 2 ? cb : nearest(cb, scale / 2)];
    writePNG(comparePath, strip(panels));
    log(`wrote ${comparePath}: nearest | bilinear (Conv2DTranspose k${2 * scale} s${scale} p${scale / 2}) | checkerboard (k3 s2, box kernel)`);
  }
  return { inputShape: [image.height, image.width, 3], outputShape: [oh, ow, 3], seconds, comparePath, device: String(ctx) };
}

const USAGE = "usage: npm run demo:upsample -- <in.png> <out.png> [--scale 2|4|8|32] [--compare] [--threads N] [--gpu]";

export function parseUpsampleArgs(argv: readonly string[]): { inPath: string; outPath: string; options: UpsampleOptions; gpu: boolean } {
  const positional: string[] = [];
  const options: UpsampleOptions = {};
  let gpu = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const number = () => {
      const v = Number(argv[++i]);
      if (argv[i] === undefined || !Number.isInteger(v)) throw new Error(`${arg} needs an integer, got ${argv[i] ?? "nothing"}`);
      return v;
    };
    if (arg === "--scale") {
      const s = number();
      checkScale(s);
      options.scale = s;
    } else if (arg === "--compare") options.compare = true;
    else if (arg === "--threads") {
      options.threads = number();
      if (options.threads < 1) throw new Error(`--threads ${options.threads} must be >= 1`);
    } else if (arg === "--gpu") gpu = true;
    else if (arg === "--help" || arg === "-h") throw new Error(USAGE);
    else if (arg.startsWith("--")) throw new Error(`unknown option ${arg}; ${USAGE}`);
    else positional.push(arg);
  }
  if (positional.length !== 2) throw new Error(USAGE);
  return { inPath: positional[0]!, outPath: positional[1]!, options, gpu };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const { inPath, outPath, options, gpu } = parseUpsampleArgs(process.argv.slice(2));
    if (gpu) {
      options.ctx = await openGpu();
      console.log(`device: ${options.ctx}`);
    }
    await upsample(inPath, outPath, options);
  } catch (e) {
    console.error(`demo:upsample: ${(e as Error).message}`);
    process.exit(1);
  }
}
