// Reference transposed convolution (= convolution's input gradient): image[n, ic, q·s − padBegin + a·d] += grid[n, gc, q] · w[gc, ic, a].
import type { ConvGeometry } from "../../params/geometry.js";
import { dataOffset, imagePosition, multiIndices, weightOffset, type FloatArray } from "./indexing.js";

/** Writes the transposed convolution of `grid` with `w` (plus optional per-image-channel `bias`) into the image-shaped `out`. */
export function convTransposeData(g: ConvGeometry, grid: FloatArray, w: FloatArray, bias: FloatArray | null, out: FloatArray): void {
  const gcPerGroup = g.gridChannels / g.groups;
  const icPerGroup = g.imageChannels / g.groups;
  const imagePositions = multiIndices(g.imageSize);
  for (let n = 0; n < g.batch; n++)
    for (let ic = 0; ic < g.imageChannels; ic++)
      for (const p of imagePositions) out[dataOffset(g, g.imageChannels, g.imageSize, n, ic, p)] = bias ? bias[ic]! : 0;
  const gridPositions = multiIndices(g.gridSize);
  const taps = multiIndices(g.kernel);
  for (let n = 0; n < g.batch; n++) {
    for (let gc = 0; gc < g.gridChannels; gc++) {
      const group = Math.floor(gc / gcPerGroup);
      for (const q of gridPositions) {
        const v = grid[dataOffset(g, g.gridChannels, g.gridSize, n, gc, q)]!;
        for (let icl = 0; icl < icPerGroup; icl++) {
          const ic = group * icPerGroup + icl;
          for (const a of taps) {
            const p = imagePosition(g, q, a);
            if (p) out[dataOffset(g, g.imageChannels, g.imageSize, n, ic, p)] += v * w[weightOffset(g, gc, icl, a)]!;
          }
        }
      }
    }
  }
}
