// npx.depthToSpace / npx.spaceToDepth (and the N-D pixel shuffle behind Gluon's PixelShuffle1D/2D/3D).
import { NDArray } from "../ndarray/ndarray.js";
import { formatShape } from "../ndarray/strided.js";
import { recordOp } from "../tape/tape.js";
import { readEnum, showValue, snapshotOptions } from "../params/options.js";
import { backendFor } from "../backends/dispatch.js";
import type { ShuffleGeometry } from "../params/kernel-records.js";
import { contiguous } from "./shape.js";

export type ShuffleMode = "DCR" | "CRD";

export interface DepthToSpaceOptions {
  /** "DCR" (default: MXNet's depth_to_space, ONNX's default) or "CRD" (PyTorch's PixelShuffle, ONNX CRD) */
  mode?: ShuffleMode;
}

function fold(v: readonly number[], fill: number): [number, number, number] {
  const out: [number, number, number] = [fill, fill, fill];
  for (let i = 0; i < v.length; i++) out[3 - v.length + i] = v[i]!;
  return out;
}

function checkFactors(where: string, factors: readonly number[]): void {
  for (const f of factors)
    if (!Number.isInteger(f) || f < 1) throw new Error(`${where}: factor ${showValue(f)} must be an integer >= 1 (got ${showValue(factors)})`);
}

/** [N, C·∏r, *S] → [N, C, *(S·r)] for 1 to 3 spatial axes (channels-first). */
export function depthToSpaceND(where: string, x: NDArray, factors: readonly number[], mode: ShuffleMode): NDArray {
  if (!(x instanceof NDArray)) throw new Error(`${where}: input must be an NDArray, got ${showValue(x)}`);
  const nd = factors.length;
  if (x.ndim !== nd + 2) throw new Error(`${where}: expects a ${nd + 2}-D input (N, C, ${nd} spatial axes), got shape ${formatShape(x.shape)}`);
  checkFactors(where, factors);
  const R = factors.reduce((p, f) => p * f, 1);
  const depthC = x.shape[1]!;
  if (depthC % R !== 0)
    throw new Error(
      `${where}: channels ${depthC} must be divisible by ${nd === 2 && factors[0] === factors[1] ? `blockSize² = ${R}` : `the product of the factors ${factors.join("·")} = ${R}`}`,
    );
  const g: ShuffleGeometry = { batch: x.shape[0]!, channels: depthC / R, size: fold(x.shape.slice(2), 1), factors: fold(factors, 1), mode };
  const be = backendFor(x);
  const out = be.allocate(x.dtype, x.size);
  be.pixelShuffle(g, contiguous(x).storage, out, true);
  const shape = [x.shape[0]!, g.channels, ...x.shape.slice(2).map((d, i) => d * factors[i]!)];
  return recordOp("depth_to_space", [x], new NDArray(out, shape), { geometry: g });
}

/** [N, C, *(S·r)] → [N, C·∏r, *S]: the inverse of depthToSpaceND. */
export function spaceToDepthND(where: string, x: NDArray, factors: readonly number[], mode: ShuffleMode): NDArray {
  if (!(x instanceof NDArray)) throw new Error(`${where}: input must be an NDArray, got ${showValue(x)}`);
  const nd = factors.length;
  if (x.ndim !== nd + 2) throw new Error(`${where}: expects a ${nd + 2}-D input (N, C, ${nd} spatial axes), got shape ${formatShape(x.shape)}`);
  checkFactors(where, factors);
  const spatial = x.shape.slice(2);
  spatial.forEach((d, i) => {
    if (d % factors[i]! !== 0)
      throw new Error(`${where}: spatial size ${d} (axis ${i + 2} of shape ${formatShape(x.shape)}) must be divisible by the block size ${factors[i]}`);
  });
  const R = factors.reduce((p, f) => p * f, 1);
  const size = spatial.map((d, i) => d / factors[i]!);
  const g: ShuffleGeometry = { batch: x.shape[0]!, channels: x.shape[1]!, size: fold(size, 1), factors: fold(factors, 1), mode };
  const be = backendFor(x);
  const out = be.allocate(x.dtype, x.size);
  be.pixelShuffle(g, out, contiguous(x).storage, false);
  return recordOp("space_to_depth", [x], new NDArray(out, [x.shape[0]!, x.shape[1]! * R, ...size]), { geometry: g });
}

function blockArg(where: string, blockSize: unknown): number {
  if (typeof blockSize !== "number" || !Number.isInteger(blockSize) || blockSize < 1)
    throw new Error(`${where}: blockSize=${showValue(blockSize)} must be an integer >= 1`);
  return blockSize;
}

/**
 * MXNet's depth_to_space / ONNX DepthToSpace on NCHW: [N, C·b², H, W] → [N, C, H·b, W·b]. DCR (default) takes the
 * block offset from the high part of the channel index, CRD (PyTorch's PixelShuffle) from the low part.
 */
export function depthToSpace(x: NDArray, blockSize: number, options?: DepthToSpaceOptions): NDArray {
  const o = snapshotOptions("depthToSpace", options, ["mode"]);
  const b = blockArg("depthToSpace", blockSize);
  return depthToSpaceND("depthToSpace", x, [b, b], readEnum("depthToSpace", "mode", o.mode, ["DCR", "CRD"], "DCR"));
}

/** The inverse of depthToSpace with the same mode: [N, C, H·b, W·b] → [N, C·b², H, W]. */
export function spaceToDepth(x: NDArray, blockSize: number, options?: DepthToSpaceOptions): NDArray {
  const o = snapshotOptions("spaceToDepth", options, ["mode"]);
  const b = blockArg("spaceToDepth", blockSize);
  return spaceToDepthND("spaceToDepth", x, [b, b], readEnum("spaceToDepth", "mode", o.mode, ["DCR", "CRD"], "DCR"));
}
