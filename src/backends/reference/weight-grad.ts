// Reference weightGrad: dw[gc, icl, a] = Σ_{n, q} image[n, ic, q·s − padBegin + a·d] · grid[n, gc, q].
import type { ConvGeometry } from "../../params/geometry.js";
import type { FloatArray } from "../kernel.js";
import { layout3 } from "./layout.js";

/** Writes the weight gradient (weight-shaped `out`) given the image-side and grid-side tensors. */
export function weightGrad(g: ConvGeometry, image: FloatArray, grid: FloatArray, out: FloatArray): void {
  const L = layout3(g);
  const [k0, k1, k2] = L.k,
    [s0, s1, s2] = L.s,
    [d0, d1, d2] = L.d,
    [p0, p1, p2] = L.p,
    [I0, I1, I2] = L.I,
    [G0, G1, G2] = L.G;
  const [ix0, ix1, ix2] = L.iX,
    [gx0, gx1, gx2] = L.gX,
    [wa0, wa1, wa2] = L.wA;
  for (let gc = 0; gc < g.gridChannels; gc++) {
    const icBase = Math.floor(gc / L.gcpg) * L.icpg;
    for (let icl = 0; icl < L.icpg; icl++)
      for (let a0 = 0; a0 < k0!; a0++)
        for (let a1 = 0; a1 < k1!; a1++)
          for (let a2 = 0; a2 < k2!; a2++) {
            let acc = 0;
            for (let n = 0; n < g.batch; n++) {
              const imgBase = n * L.iN + (icBase + icl) * L.iC,
                grdBase = n * L.gN + gc * L.gC;
              for (let q0 = 0; q0 < G0!; q0++) {
                const x0 = q0 * s0! - p0! + a0 * d0!;
                if (x0 < 0 || x0 >= I0!) continue;
                for (let q1 = 0; q1 < G1!; q1++) {
                  const x1 = q1 * s1! - p1! + a1 * d1!;
                  if (x1 < 0 || x1 >= I1!) continue;
                  for (let q2 = 0; q2 < G2!; q2++) {
                    const x2 = q2 * s2! - p2! + a2 * d2!;
                    if (x2 < 0 || x2 >= I2!) continue;
                    acc += image[imgBase + x0 * ix0! + x1 * ix1! + x2 * ix2!]! * grid[grdBase + q0 * gx0! + q1 * gx1! + q2 * gx2!]!;
                  }
                }
              }
            }
            out[gc * L.wG + icl * L.wI + a0 * wa0! + a1 * wa1! + a2 * wa2!] = acc;
          }
  }
}
