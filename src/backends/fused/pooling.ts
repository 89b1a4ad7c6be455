// Pooling forward and backward over a folded 3-D PoolGeometry: plain typed-array loops, no per-element allocation.
import type { FloatArray } from "../../ndarray/strided.js";
import type { PoolGeometry } from "../../params/pool-params.js";

/** Element strides [n, c, d, h, w] of a dense array with these sizes in the geometry's layout. */
function strides(g: PoolGeometry, size: readonly [number, number, number]): [number, number, number, number, number] {
  const [D, H, W] = size;
  const C = g.channels;
  return g.channelsLast ? [D * H * W * C, 1, H * W * C, W * C, C] : [C * D * H * W, D * H * W, H * W, W, 1];
}

/**
 * y[n, c, o] = max / Σ / mean of x over the window of o (MXNet's pool_max / pool_sum): window o along an axis covers
 * [o·s − p, o·s − p + k) clipped to the input. avg divides by the window clipped to the padded input
 * (countIncludePad) or to the input. For max, `argmax[o]` receives the index in x of the first maximum in
 * row-major window order: MXNet's unpool_max sends the gradient to that element when several tie. argmax = null (max
 * without a gradient): the same maxima, nothing stored; 2×2 windows of stride 2 then run a loop of their own.
 */
export function poolForward(g: PoolGeometry, x: FloatArray, y: FloatArray, argmax: Int32Array | Float64Array | null): void {
  if (g.poolType === "max" && !argmax && maxPool2x2(g, x, y)) return;
  if (g.poolType !== "max" && wholePlanes(g, x, y)) return;
  const [D, H, W] = g.inSize;
  const [OD, OH, OW] = g.outSize;
  const [kd, kh, kw] = g.kernel;
  const [sd, sh, sw] = g.stride;
  const [pd, ph, pw] = g.pad;
  const [xn, xc, xd, xh, xw] = strides(g, g.inSize);
  const [yn, yc, yd, yh, yw] = strides(g, g.outSize);
  const isMax = g.poolType === "max";
  const isAvg = g.poolType === "avg";
  const incl = g.countIncludePad;
  for (let n = 0; n < g.batch; n++)
    for (let c = 0; c < g.channels; c++) {
      const xb = n * xn + c * xc;
      const yb = n * yn + c * yc;
      for (let od = 0; od < OD; od++) {
        const da = od * sd - pd;
        const dPad = Math.min(da + kd, D + pd) - da;
        const d0 = Math.max(da, 0),
          d1 = Math.min(da + kd, D);
        for (let oh = 0; oh < OH; oh++) {
          const ha = oh * sh - ph;
          const hPad = Math.min(ha + kh, H + ph) - ha;
          const h0 = Math.max(ha, 0),
            h1 = Math.min(ha + kh, H);
          for (let ow = 0; ow < OW; ow++) {
            const wa = ow * sw - pw;
            const w0 = Math.max(wa, 0),
              w1 = Math.min(wa + kw, W);
            const yi = yb + od * yd + oh * yh + ow * yw;
            if (isMax) {
              let best = -Infinity;
              let arg = -1;
              for (let d = d0; d < d1; d++)
                for (let h = h0; h < h1; h++) {
                  const row = xb + d * xd + h * xh;
                  for (let w = w0; w < w1; w++) {
                    const v = x[row + w * xw]!;
                    if (v > best || arg < 0) {
                      best = v;
                      arg = row + w * xw;
                    }
                  }
                }
              y[yi] = best;
              if (argmax) argmax[yi] = arg;
            } else {
              let s = 0;
              for (let d = d0; d < d1; d++)
                for (let h = h0; h < h1; h++) {
                  const row = xb + d * xd + h * xh;
                  for (let w = w0; w < w1; w++) s += x[row + w * xw]!;
                }
              if (isAvg) {
                const count = incl ? dPad * hPad * (Math.min(wa + kw, W + pw) - wa) : (d1 - d0) * (h1 - h0) * (w1 - w0);
                s /= count;
              }
              y[yi] = s;
            }
          }
        }
      }
    }
}

/**
 * Σ or mean over each whole plane (a global pooling: one window covering the unpadded input, channels first; the
 * squeeze-excite blocks' GlobalAveragePool): poolForward's sum, in its order (the plane's elements one after another
 * into one float64 sum, then ÷ the element count), for four planes at once, so four independent additions overlap
 * instead of each waiting on the last (MobileNetV3's 240 × 8 × 8: about 4× faster). Returns false for any other
 * geometry.
 */
function wholePlanes(g: PoolGeometry, x: FloatArray, y: FloatArray): boolean {
  const [D, H, W] = g.inSize;
  const [OD, OH, OW] = g.outSize;
  if (g.channelsLast || OD !== 1 || OH !== 1 || OW !== 1) return false;
  if (g.kernel[0] !== D || g.kernel[1] !== H || g.kernel[2] !== W || g.pad[0] !== 0 || g.pad[1] !== 0 || g.pad[2] !== 0) return false;
  const P = D * H * W,
    planes = g.batch * g.channels,
    avg = g.poolType === "avg";
  let p = 0;
  for (; p + 3 < planes; p += 4) {
    const b0 = p * P,
      b1 = b0 + P,
      b2 = b1 + P,
      b3 = b2 + P;
    let s0 = 0,
      s1 = 0,
      s2 = 0,
      s3 = 0;
    for (let k = 0; k < P; k++) {
      s0 += x[b0 + k]!;
      s1 += x[b1 + k]!;
      s2 += x[b2 + k]!;
      s3 += x[b3 + k]!;
    }
    if (avg) (s0 /= P), (s1 /= P), (s2 /= P), (s3 /= P);
    y[p] = s0;
    y[p + 1] = s1;
    y[p + 2] = s2;
    y[p + 3] = s3;
  }
  for (; p < planes; p++) {
    let s = 0;
    for (let k = 0, b = p * P; k < P; k++) s += x[b + k]!;
    if (avg) s /= P;
    y[p] = s;
  }
  return true;
}

/** Whether g is a max pooling over 2×2 windows of stride 2 (per plane) without padding, channels first. */
export function isMaxPool2x2(g: PoolGeometry): boolean {
  const [D, H, W] = g.inSize;
  const [OD, OH, OW] = g.outSize;
  if (g.poolType !== "max" || g.channelsLast || g.kernel[0] !== 1 || g.stride[0] !== 1) return false;
  if (g.kernel[1] !== 2 || g.kernel[2] !== 2 || g.stride[1] !== 2 || g.stride[2] !== 2) return false;
  return g.pad[0] === 0 && g.pad[1] === 0 && g.pad[2] === 0 && OH * 2 <= H && OW * 2 <= W && OD === D;
}

/**
 * Max over 2×2 windows of stride 2 without padding, channels-first (U-Net's MaxPool2D(2)): two input rows per output
 * row, no window arithmetic. Returns false for any other geometry. Same rule as poolForward: the first element of the
 * window in row-major order unless a later one is strictly greater.
 */
function maxPool2x2(g: PoolGeometry, x: FloatArray, y: FloatArray): boolean {
  if (!isMaxPool2x2(g)) return false;
  const [D, H, W] = g.inSize;
  const [, OH, OW] = g.outSize;
  const planes = g.batch * g.channels * D;
  let yi = 0;
  for (let p = 0; p < planes; p++) {
    const base = p * H * W;
    for (let oh = 0; oh < OH; oh++) {
      let r0 = base + 2 * oh * W;
      let r1 = r0 + W;
      for (let ow = 0; ow < OW; ow++, r0 += 2, r1 += 2) {
        let best = x[r0]!;
        const b = x[r0 + 1]!,
          c = x[r1]!,
          d = x[r1 + 1]!;
        if (b > best) best = b;
        if (c > best) best = c;
        if (d > best) best = d;
        y[yi++] = best;
      }
    }
  }
  return true;
}

/** dx of pooling: max scatters dy[o] to argmax[o]; sum / avg spread dy[o] (÷ the forward's count) over the window. */
export function poolBackward(g: PoolGeometry, dy: FloatArray, dx: FloatArray, argmax: Int32Array | Float64Array | null): void {
  if (g.poolType === "max") {
    for (let i = 0; i < dy.length; i++) dx[argmax![i]!] = dx[argmax![i]!]! + dy[i]!;
    return;
  }
  const [D, H, W] = g.inSize;
  const [OD, OH, OW] = g.outSize;
  const [kd, kh, kw] = g.kernel;
  const [sd, sh, sw] = g.stride;
  const [pd, ph, pw] = g.pad;
  const [xn, xc, xd, xh, xw] = strides(g, g.inSize);
  const [yn, yc, yd, yh, yw] = strides(g, g.outSize);
  const isAvg = g.poolType === "avg";
  const incl = g.countIncludePad;
  for (let n = 0; n < g.batch; n++)
    for (let c = 0; c < g.channels; c++) {
      const xb = n * xn + c * xc;
      const yb = n * yn + c * yc;
      for (let od = 0; od < OD; od++) {
        const da = od * sd - pd;
        const dPad = Math.min(da + kd, D + pd) - da;
        const d0 = Math.max(da, 0),
          d1 = Math.min(da + kd, D);
        for (let oh = 0; oh < OH; oh++) {
          const ha = oh * sh - ph;
          const hPad = Math.min(ha + kh, H + ph) - ha;
          const h0 = Math.max(ha, 0),
            h1 = Math.min(ha + kh, H);
          for (let ow = 0; ow < OW; ow++) {
            const wa = ow * sw - pw;
            const w0 = Math.max(wa, 0),
              w1 = Math.min(wa + kw, W);
            let v = dy[yb + od * yd + oh * yh + ow * yw]!;
            if (isAvg) v /= incl ? dPad * hPad * (Math.min(wa + kw, W + pw) - wa) : (d1 - d0) * (h1 - h0) * (w1 - w0);
            for (let d = d0; d < d1; d++)
              for (let h = h0; h < h1; h++) {
                const row = xb + d * xd + h * xh;
                for (let w = w0; w < w1; w++) dx[row + w * xw] = dx[row + w * xw]! + v;
              }
          }
        }
      }
    }
}

/** y[o] = x[argmax[o]]: the winners of a max pooling gathered again (the adjoint of its scatter in poolBackward). */
export function poolGather(x: FloatArray, argmax: Int32Array | Float64Array, y: FloatArray): void {
  for (let o = 0; o < argmax.length; o++) y[o] = x[argmax[o]!]!;
}
