// Node-only PNG files ⇄ RGBA ImageData-like records and arrays (pngjs), for the demos and scripts.
import { readFileSync, writeFileSync } from "node:fs";
import pngjs from "pngjs";
import { NDArray } from "../ndarray/ndarray.js";
import { toImageData, type ImageDataLike, type ToImageDataOptions } from "../ops/image.js";

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function reason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err?.code === "ENOENT") return "no such file or directory";
  if (err?.code === "EACCES" || err?.code === "EPERM") return "permission denied";
  if (err?.code === "EISDIR") return "it is a directory";
  if (err?.code === "ENOTDIR") return "a parent is not a directory";
  return err?.message ?? String(e);
}

/** Reads a PNG file as 8-bit RGBA (any PNG colour type and depth; 16-bit is scaled to 8). */
export function readPNG(path: string): ImageDataLike {
  if (typeof path !== "string" || path === "") throw new Error(`readPNG: path must be a non-empty string, got ${JSON.stringify(path)}`);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new Error(`readPNG: cannot read ${path}: ${reason(e)}`);
  }
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) throw new Error(`readPNG: ${path} is not a PNG file (no PNG signature)`);
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
