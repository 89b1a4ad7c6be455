// npx.image: pixels in and out of arrays (MXNet's to_tensor and normalize, canvas ImageData conversion).
import { NDArray } from "../ndarray/ndarray.js";
import { formatShape } from "../ndarray/strided.js";
import * as ew from "./elementwise.js";
import { readNumber, showValue, snapshotOptions } from "../params/options.js";

/** What a canvas's `getImageData` returns and `putImageData` takes: RGBA bytes, row-major, top row first. */
export interface ImageDataLike {
  readonly data: Uint8ClampedArray | Uint8Array;
  readonly width: number;
  readonly height: number;
}

declare global {
  // Merges with the DOM lib's ImageData where that lib is loaded; where it is not, this empty interface makes
  // ToImageDataResult fall back to ImageDataLike (so the declarations compile with or without the DOM lib).
  interface ImageData {}
}

/** What toImageData returns in the types: the DOM's `ImageData` where the DOM lib is loaded, else ImageDataLike. */
export type ToImageDataResult = keyof ImageData extends never ? ImageDataLike : ImageData;

export interface FromImageDataOptions {
  /** 3 (RGB, drop alpha; default), 4 (RGBA) or 1 (luma 0.299 R + 0.587 G + 0.114 B) */
  channels?: 1 | 3 | 4;
}

export interface ToImageDataOptions {
  /** the values that map to 0 and 255; default [0, 1]. A Tanh generator's output uses [-1, 1]. */
  range?: readonly [number, number];
}

function checkInteger(op: string, name: string, v: unknown, min: number): asserts v is number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) throw new Error(`${op}: ${name}=${String(v)} must be an integer >= ${min}`);
}

/**
 * HWC (or NHWC) pixels 0…255 → CHW (or NCHW) float32 in [0, 1], as MXNet's `npx.image.to_tensor`.
 * `x` is an NDArray [H, W, C] / [N, H, W, C] holding 0…255, or raw bytes with their `shape`.
 */
export function toTensor(x: NDArray | Uint8Array | Uint8ClampedArray, shape?: readonly number[]): NDArray {
  const op = "npx.image.toTensor";
  let src: ArrayLike<number>;
  let s: readonly number[];
  if (x instanceof NDArray) {
    if (shape !== undefined) throw new Error(`${op}: shape is taken from the NDArray; pass shape only with raw bytes`);
    src = x.asTypedArray();
    s = x.shape;
  } else if (x instanceof Uint8Array || x instanceof Uint8ClampedArray) {
    if (!Array.isArray(shape)) throw new Error(`${op}: raw bytes need their shape [H, W, C] or [N, H, W, C]`);
    s = shape;
    for (const d of s) checkInteger(op, "shape entry", d, 1);
    const n = s.reduce((a, b) => a * b, 1);
    if (n !== x.length) throw new Error(`${op}: shape ${formatShape(s)} has ${n} elements but the data has ${x.length} bytes`);
    src = x;
  } else {
    throw new Error(`${op}: expected an NDArray or a Uint8Array/Uint8ClampedArray, got ${x === null ? "null" : typeof x}`);
  }
  if (s.length !== 3 && s.length !== 4) throw new Error(`${op}: expected an image [H, W, C] or a batch [N, H, W, C], got shape ${formatShape(s)}`);
  const batched = s.length === 4;
  const n = batched ? s[0]! : 1;
  const h = s[s.length - 3]!;
  const w = s[s.length - 2]!;
  const c = s[s.length - 1]!;
  const out = new Float32Array(n * h * w * c);
  const plane = h * w;
  for (let b = 0; b < n; b++) {
    const base = b * plane * c;
    for (let p = 0; p < plane; p++) {
      const from = base + p * c;
      for (let ch = 0; ch < c; ch++) out[base + ch * plane + p] = src[from + ch]! / 255;
    }
  }
  return new NDArray(out, batched ? [n, c, h, w] : [c, h, w]);
}

/**
 * (x − mean[c]) / std[c] per channel of a CHW or NCHW array, as MXNet's `npx.image.normalize`; recorded by
 * autograd like any elementwise op. `mean` and `std` are one number or one per channel.
 */
export function normalize(x: NDArray, mean: number | readonly number[] = 0, std: number | readonly number[] = 1): NDArray {
  const op = "npx.image.normalize";
  if (!(x instanceof NDArray)) throw new Error(`${op}: x must be an NDArray`);
  if (x.ndim !== 3 && x.ndim !== 4) throw new Error(`${op}: expected [C, H, W] or [N, C, H, W], got shape ${formatShape(x.shape)}`);
  const c = x.shape[x.ndim - 3]!;
  const perChannel = (name: string, v: number | readonly number[]): number[] => {
    const list = typeof v === "number" ? [v] : Array.isArray(v) ? [...(v as readonly number[])] : null;
    if (list === null || list.some((e) => typeof e !== "number" || !Number.isFinite(e)))
      throw new Error(`${op}: ${name} must be a finite number or an array of them, got ${JSON.stringify(v)}`);
    if (list.length !== 1 && list.length !== c) throw new Error(`${op}: ${name} has ${list.length} values but x has ${c} channels`);
    return list.length === 1 ? Array.from({ length: c }, () => list[0]!) : list;
  };
  const m = perChannel("mean", mean);
  const sd = perChannel("std", std);
  if (sd.some((v) => v === 0)) throw new Error(`${op}: std ${JSON.stringify(sd)} must not contain 0`);
  const column = (v: number[]) => new NDArray(x.dtype === "float32" ? Float32Array.from(v) : Float64Array.from(v), [c, 1, 1]);
  return ew.binary("div", ew.binary("sub", x, column(m)), column(sd));
}

/** A canvas ImageData (RGBA bytes) → [C, H, W] float32 in [0, 1]. */
export function fromImageData(image: ImageDataLike, options: FromImageDataOptions = {}): NDArray {
  const op = "npx.image.fromImageData";
  if (image === null || typeof image !== "object" || !(image.data instanceof Uint8ClampedArray || image.data instanceof Uint8Array))
    throw new Error(`${op}: expected { data: Uint8ClampedArray, width, height } (a canvas ImageData)`);
  checkInteger(op, "width", image.width, 1);
  checkInteger(op, "height", image.height, 1);
  const o = snapshotOptions(op, options, ["channels"]);
  const channels = o.channels ?? 3;
  if (channels !== 1 && channels !== 3 && channels !== 4) throw new Error(`${op}: channels=${showValue(channels)} must be 1, 3 or 4`);
  const plane = image.width * image.height;
  if (image.data.length !== plane * 4)
    throw new Error(`${op}: data has ${image.data.length} bytes, a ${image.width}×${image.height} RGBA image needs ${plane * 4}`);
  const src = image.data;
  const out = new Float32Array(channels * plane);
  if (channels === 1) {
    for (let p = 0; p < plane; p++) out[p] = (0.299 * src[4 * p]! + 0.587 * src[4 * p + 1]! + 0.114 * src[4 * p + 2]!) / 255;
  } else {
    for (let ch = 0; ch < channels; ch++) for (let p = 0; p < plane; p++) out[ch * plane + p] = src[4 * p + ch]! / 255;
  }
  return new NDArray(out, [channels, image.height, image.width]);
}

/**
 * [C, H, W] or [1, C, H, W] with C = 1 (grey), 3 (RGB) or 4 (RGBA) → RGBA bytes: each value v maps to
 * round(255·(v − lo)/(hi − lo)) clamped to 0…255 (alpha 255 unless C = 4). NaN is an error, not a black pixel.
 * Returns an `ImageData` where the global exists (browsers), else a plain `{ data, width, height }`. Its type is the
 * DOM's `ImageData` when the DOM lib is loaded (so `ctx.putImageData(img, 0, 0)` type-checks), else ImageDataLike;
 * a Node program compiled with the DOM lib gets the plain object, which has no `colorSpace`.
 */
export function toImageData(x: NDArray, options: ToImageDataOptions = {}): ToImageDataResult {
  const op = "npx.image.toImageData";
  if (!(x instanceof NDArray)) throw new Error(`${op}: x must be an NDArray`);
  const s = x.ndim === 4 && x.shape[0] === 1 ? x.shape.slice(1) : x.shape;
  if (s.length !== 3 || ![1, 3, 4].includes(s[0]!))
    throw new Error(`${op}: expected [C, H, W] or [1, C, H, W] with C = 1, 3 or 4, got shape ${formatShape(x.shape)}`);
  const o = snapshotOptions(op, options, ["range"]);
  const range = o.range ?? [0, 1];
  if (!Array.isArray(range) || range.length !== 2) throw new Error(`${op}: range=${showValue(range)} must be [lo, hi]`);
  const lo = readNumber(op, "range[0]", range[0], 0);
  const hi = readNumber(op, "range[1]", range[1], 1);
  if (lo >= hi) throw new Error(`${op}: range=[${lo}, ${hi}] must have lo < hi`);
  const [c, h, w] = s as [number, number, number];
  const plane = h * w;
  const src = x.asTypedArray();
  const data = new Uint8ClampedArray(4 * plane);
  const k = 255 / (hi - lo);
  for (let ch = 0; ch < 4; ch++) {
    const from = c === 1 ? 0 : ch;
    if (ch === 3 && c !== 4) {
      for (let p = 0; p < plane; p++) data[4 * p + 3] = 255;
      continue;
    }
    for (let p = 0; p < plane; p++) {
      const v = src[from * plane + p]!;
      if (Number.isNaN(v)) throw new Error(`${op}: x has NaN at channel ${from}, row ${Math.floor(p / w)}, column ${p % w}`);
      const q = Math.round((v - lo) * k);
      data[4 * p + ch] = q < 0 ? 0 : q > 255 ? 255 : q;
    }
  }
  const ImageDataCtor = (globalThis as { ImageData?: new (d: Uint8ClampedArray, w: number, h: number) => ImageDataLike }).ImageData;
  return (ImageDataCtor ? new ImageDataCtor(data, w, h) : { data, width: w, height: h }) as ToImageDataResult;
}

/** The members of `npx.image` (an interface, so that hover docs survive into the declarations of `npx`). */
export interface ImageNamespace {
  /** HWC (or NHWC) pixels 0…255, as an NDArray or bytes with their shape → CHW (or NCHW) float32 in [0, 1] (MXNet's `to_tensor`). */
  toTensor: typeof toTensor;
  /** (x − mean[c]) / std[c] per channel of a CHW or NCHW array (MXNet's `normalize`); recorded by autograd. */
  normalize: typeof normalize;
  /** A canvas ImageData (RGBA bytes) → a [C, H, W] float32 array in [0, 1], with 1, 3 or 4 channels. */
  fromImageData: typeof fromImageData;
  /** A [C, H, W] or [1, C, H, W] array → RGBA ImageData, mapping `range` (default [0, 1]) to 0…255. */
  toImageData: typeof toImageData;
}

export const image: ImageNamespace = { toTensor, normalize, fromImageData, toImageData };
