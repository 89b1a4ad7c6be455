// Reference filter gradient: dw[gc, icl, a] = Σ_{n, q} image[n, ic, q·s − padBegin + a·d] · grid[n, gc, q].
import type { ConvGeometry } from "../../params/geometry.js";
import { dataOffset, imagePosition, multiIndices, weightOffset, type FloatArray } from "./indexing.js";

/** Writes the weight gradient (weight-shaped `out`) given the image-side and grid-side tensors. */
export function convFilterGrad(g: ConvGeometry, image: FloatArray, grid: FloatArray, out: FloatArray): void {
  const gcPerGroup = g.gridChannels / g.groups;
  const icPerGroup = g.imageChannels / g.groups;
  const gridPositions = multiIndices(g.gridSize);
  const taps = multiIndices(g.kernel);
  for (let gc = 0; gc < g.gridChannels; gc++) {
    const group = Math.floor(gc / gcPerGroup);
    for (let icl = 0; icl < icPerGroup; icl++) {
      const ic = group * icPerGroup + icl;
      for (const a of taps) {
        let acc = 0;
        for (let n = 0; n < g.batch; n++)
          for (const q of gridPositions) {
            const p = imagePosition(g, q, a);
            if (p) acc += image[dataOffset(g, g.imageChannels, g.imageSize, n, ic, p)]! * grid[dataOffset(g, g.gridChannels, g.gridSize, n, gc, q)]!;
          }
        out[weightOffset(g, gc, icl, a)] = acc;
      }
    }
  }
}
