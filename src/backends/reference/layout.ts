// A geometry padded to 3 spatial axes (leading axes of size 1) with the element strides of its three dense tensors.
import type { ConvGeometry } from "../../params/geometry.js";

/**
 * Per spatial axis e ∈ {0, 1, 2}: kernel k, strides s, dilation d, padBegin p, image size I, grid size G; element
 * strides of the image (batch, channel, position per axis), the grid (same) and the weight (grid channel, image channel
 * within the group, tap per axis), for channels-first or channels-last. Built once per call: the loops then read plain
 * numbers and allocate nothing per position.
 */
export interface Layout3 {
  k: number[];
  s: number[];
  d: number[];
  p: number[];
  I: number[];
  G: number[];
  /** image / grid channels per group */
  icpg: number;
  gcpg: number;
  iN: number;
  iC: number;
  iX: number[];
  gN: number;
  gC: number;
  gX: number[];
  wG: number;
  wI: number;
  wA: number[];
}

const pad3 = (a: readonly number[], fill: number): number[] => {
  const out = [fill, fill, fill];
  for (let i = 0; i < a.length; i++) out[3 - a.length + i] = a[i]!;
  return out;
};

/** Strides of a dense [batch, channels, ...size] (or [batch, ...size, channels]) tensor. */
function dataStrides(channels: number, size: number[], channelsLast: boolean): { n: number; c: number; x: number[] } {
  const sp = size[0]! * size[1]! * size[2]!;
  const unit = channelsLast ? channels : 1;
  return { n: sp * channels, c: channelsLast ? 1 : sp, x: [size[1]! * size[2]! * unit, size[2]! * unit, unit] };
}

export function layout3(g: ConvGeometry): Layout3 {
  const k = pad3(g.kernel, 1),
    I = pad3(g.imageSize, 1),
    G = pad3(g.gridSize, 1);
  const icpg = g.imageChannels / g.groups,
    gcpg = g.gridChannels / g.groups;
  const img = dataStrides(g.imageChannels, I, g.channelsLast),
    grd = dataStrides(g.gridChannels, G, g.channelsLast);
  const kp = k[0]! * k[1]! * k[2]!;
  // weight: channels-first [gridC, icpg, ...k], channels-last [gridC, ...k, icpg]
  const unit = g.channelsLast ? icpg : 1;
  return {
    k,
    s: pad3(g.strides, 1),
    d: pad3(g.dilation, 1),
    p: pad3(g.padBegin, 0),
    I,
    G,
    icpg,
    gcpg,
    iN: img.n,
    iC: img.c,
    iX: img.x,
    gN: grd.n,
    gC: grd.c,
    gX: grd.x,
    wG: icpg * kp,
    wI: g.channelsLast ? 1 : kp,
    wA: [k[1]! * k[2]! * unit, k[2]! * unit, unit],
  };
}
