// Pixel shuffle (depth ↔ space) over a folded 3-D geometry: one index map serves both directions.
import type { FloatArray } from "../../ndarray/strided.js";

import type { ShuffleGeometry } from "../../params/kernel-records.js";

export type { ShuffleGeometry } from "../../params/kernel-records.js";

/** toSpace: space[…] = depth[…] (depthToSpace); otherwise depth[…] = space[…] (spaceToDepth). */
export function pixelShuffle(g: ShuffleGeometry, depth: FloatArray, space: FloatArray, toSpace: boolean): void {
  const [D, H, W] = g.size;
  const [rd, rh, rw] = g.factors;
  const C = g.channels;
  const R = rd * rh * rw;
  const plane = D * H * W;
  const [SD, SH, SW] = [D * rd, H * rh, W * rw];
  const splane = SD * SH * SW;
  const crd = g.mode === "CRD";
  for (let n = 0; n < g.batch; n++)
    for (let c = 0; c < C; c++) {
      const sBase = (n * C + c) * splane;
      for (let a = 0; a < rd; a++)
        for (let b = 0; b < rh; b++)
          for (let e = 0; e < rw; e++) {
            const blk = (a * rh + b) * rw + e;
            const ic = crd ? c * R + blk : blk * C + c;
            const dBase = (n * C * R + ic) * plane;
            for (let d = 0; d < D; d++)
              for (let h = 0; h < H; h++) {
                const dRow = dBase + (d * H + h) * W;
                const sRow = sBase + ((d * rd + a) * SH + h * rh + b) * SW + e;
                if (toSpace) for (let w = 0; w < W; w++) space[sRow + w * rw] = depth[dRow + w]!;
                else for (let w = 0; w < W; w++) depth[dRow + w] = space[sRow + w * rw]!;
              }
          }
    }
}
