// Node-only PNG files ⇄ RGBA ImageData-like records and arrays (pngjs), for the demos and scripts.
import { readFileSync, writeFileSync } from "node:fs";
import { inflateSync } from "node:zlib";
import pngjs from "pngjs";
import { NDArray } from "../ndarray/ndarray.js";
import { toImageData, type ImageDataLike, type ToImageDataOptions } from "../ops/image.js";
import { readNumber, snapshotOptions } from "../params/options.js";

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function reason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err?.code === "ENOENT") return "no such file or directory";
  if (err?.code === "EACCES" || err?.code === "EPERM") return "permission denied";
  if (err?.code === "EISDIR") return "it is a directory";
  if (err?.code === "ENOTDIR") return "a parent is not a directory";
  return err?.message ?? String(e);
}

/** readPNG's default pixel limit: 2^25 pixels (e.g. 8192 × 4096; 128 MiB of RGBA). */
export const MAX_PNG_PIXELS = 2 ** 25;

export interface ReadPNGOptions {
  /** refuse images with more pixels than this (checked from the header, before decoding); default MAX_PNG_PIXELS */
  maxPixels?: number;
}

/** Channels per PNG colour type (grey, RGB, palette, grey+alpha, RGBA). */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

/**
 * Walks the chunks (each inside the file) and checks the header and the amount of image data before pngjs decodes:
 * the pixel count against `maxPixels` from IHDR alone, then that the IDAT stream inflates to exactly the bytes the
 * header implies (pngjs fills missing rows with zeros, so a truncated file would load silently).
 */
function checkPNG(path: string, bytes: Buffer, maxPixels: number): void {
  const damaged = (why: string) => new Error(`readPNG: ${path} is a damaged PNG: ${why}`);
  if (bytes.length < 33 || bytes.toString("latin1", 12, 16) !== "IHDR" || bytes.readUInt32BE(8) !== 13) throw damaged("the first chunk is not a 13-byte IHDR");
  const width = bytes.readUInt32BE(16),
    height = bytes.readUInt32BE(20);
  const depth = bytes[24]!,
    colour = bytes[25]!,
    interlace = bytes[28]!;
  if (width < 1 || height < 1 || width > 2 ** 31 - 1 || height > 2 ** 31 - 1) throw damaged(`IHDR declares ${width}×${height}`);
  if (width * height > maxPixels)
    throw new Error(
      `readPNG: ${path} declares ${width}×${height} = ${width * height} pixels, more than the limit of ${maxPixels} (options.maxPixels; default 2^25)`,
    );
  const channels = CHANNELS[colour];
  if (channels === undefined || ![1, 2, 4, 8, 16].includes(depth) || interlace > 1)
    throw damaged(`IHDR has colour type ${colour}, bit depth ${depth}, interlace ${interlace}`);
  const rowBytes = (w: number) => (w === 0 ? 0 : 1 + Math.ceil((w * channels * depth) / 8));
  let expected = 0;
  if (interlace === 0) expected = height * rowBytes(width);
  else
    for (const [x0, y0, dx, dy] of ADAM7) {
      const w = Math.ceil((width - x0) / dx),
        h = Math.ceil((height - y0) / dy);
      if (w > 0 && h > 0) expected += h * rowBytes(w);
    }
  const idat: Buffer[] = [];
  let at = 8,
    ended = false;
  while (at < bytes.length) {
    if (at + 12 > bytes.length) throw damaged(`a chunk header at byte ${at} is cut off`);
    const len = bytes.readUInt32BE(at);
    const type = bytes.toString("latin1", at + 4, at + 8);
    if (at + 12 + len > bytes.length) throw damaged(`chunk ${JSON.stringify(type)} at byte ${at} declares ${len} bytes; the file ends first`);
    if (type === "IDAT") idat.push(bytes.subarray(at + 8, at + 8 + len));
    at += 12 + len;
    if (type === "IEND") {
      ended = true;
      break;
    }
  }
  if (!ended) throw damaged("no IEND chunk (the file is truncated)");
  if (idat.length === 0) throw damaged("no image data (IDAT)");
  let inflated: Buffer;
  try {
    inflated = inflateSync(Buffer.concat(idat), { maxOutputLength: expected + 1 });
  } catch (e) {
    throw damaged(`the image data does not inflate to the ${expected} bytes ${width}×${height} needs: ${reason(e)}`);
  }
  if (inflated.length !== expected) throw damaged(`the image data holds ${inflated.length} bytes; ${width}×${height} needs ${expected} (rows are missing)`);
}

/**
 * Reads a PNG file as 8-bit RGBA (any PNG colour type and depth; 16-bit is scaled to 8). Images over
 * `options.maxPixels` (default 2^25 pixels) are refused from the header before decoding; truncated data is refused.
 */
export function readPNG(path: string, options?: ReadPNGOptions): ImageDataLike {
  const o = snapshotOptions("readPNG", options, ["maxPixels"]);
  const maxPixels = readNumber("readPNG", "maxPixels", o.maxPixels, MAX_PNG_PIXELS, 1);
  if (typeof path !== "string" || path === "") throw new Error(`readPNG: path must be a non-empty string, got ${JSON.stringify(path)}`);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new Error(`readPNG: cannot read ${path}: ${reason(e)}`);
  }
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) throw new Error(`readPNG: ${path} is not a PNG file (no PNG signature)`);
  checkPNG(path, bytes, maxPixels);
  let png: pngjs.PNGWithMetadata;
  try {
    png = pngjs.PNG.sync.read(bytes);
  } catch (e) {
    throw new Error(`readPNG: ${path} is a damaged PNG: ${reason(e)}`);
  }
  return { data: new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.length), width: png.width, height: png.height };
}

/**
 * Writes RGBA pixels, or an array [C, H, W] / [1, C, H, W] (C = 1, 3, 4; values in `range`, default [0, 1],
 * converted by npx.image.toImageData), as an 8-bit RGBA PNG.
 */
export function writePNG(path: string, image: ImageDataLike | NDArray, options: ToImageDataOptions = {}): void {
  if (typeof path !== "string" || path === "") throw new Error(`writePNG: path must be a non-empty string, got ${JSON.stringify(path)}`);
  const img = image instanceof NDArray ? toImageData(image, options) : image;
  if (img === null || typeof img !== "object" || !(img.data instanceof Uint8ClampedArray || img.data instanceof Uint8Array))
    throw new Error("writePNG: image must be an NDArray or { data: Uint8ClampedArray, width, height }");
  if (!Number.isInteger(img.width) || !Number.isInteger(img.height) || img.width < 1 || img.height < 1 || img.data.length !== 4 * img.width * img.height)
    throw new Error(`writePNG: ${img.width}×${img.height} RGBA needs ${4 * img.width * img.height} bytes, got ${img.data.length}`);
  const png = new pngjs.PNG({ width: img.width, height: img.height });
  png.data = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length);
  const bytes = pngjs.PNG.sync.write(png);
  try {
    writeFileSync(path, bytes);
  } catch (e) {
    throw new Error(`writePNG: cannot write ${path}: ${reason(e)}`);
  }
}
