// Reference convolution: grid[n, gc, q] = bias[gc] + Σ_{ic in group, a} image[n, ic, q·s − padBegin + a·d] · w[gc, ic, a].
import type { ConvGeometry } from "../../params/geometry.js";
import { dataOffset, imagePosition, multiIndices, weightOffset, type FloatArray } from "./indexing.js";

/** Writes convolution of `image` with `w` (plus optional `bias`) into the grid-shaped `out`. */
export function conv(g: ConvGeometry, image: FloatArray, w: FloatArray, bias: FloatArray | null, out: FloatArray): void {
  const gcPerGroup = g.gridChannels / g.groups;
  const icPerGroup = g.imageChannels / g.groups;
  const gridPositions = multiIndices(g.gridSize);
  const taps = multiIndices(g.kernel);
  for (let n = 0; n < g.batch; n++) {
    for (let gc = 0; gc < g.gridChannels; gc++) {
      const group = Math.floor(gc / gcPerGroup);
      for (const q of gridPositions) {
        let acc = bias ? bias[gc]! : 0;
        for (let icl = 0; icl < icPerGroup; icl++) {
          const ic = group * icPerGroup + icl;
          for (const a of taps) {
            const p = imagePosition(g, q, a);
            if (p) acc += image[dataOffset(g, g.imageChannels, g.imageSize, n, ic, p)]! * w[weightOffset(g, gc, icl, a)]!;
          }
        }
        out[dataOffset(g, g.gridChannels, g.gridSize, n, gc, q)] = acc;
      }
    }
  }
}
