// The phase view: a stride-s transposed convolution is s^D interleaved stride-1 convolutions, one per output phase,
// each with its own sub-kernel w[r::s]; phases whose sub-kernels differ in size or sum make the checkerboard.
// Sub-kernels are the library's slices of the kernel (NDArray.at), sums are its .sum(), and the constant-input check
// is npx.deconvolution of an array of ones.
import { np, npx, type NDArray } from "../../src/index.js";
import type { Model } from "./model.js";
import { esc, fmt } from "./svg.js";

export interface AxisPhase {
  /** r: canvas positions f with f mod s = r */
  r: number;
  /** kernel taps a with a·d ≡ r (mod s): an arithmetic progression, so a slice start::step of the kernel axis */
  taps: number[];
}

export interface Phase {
  /** per axis (1 or 2 entries) */
  r: number[];
  taps: number[][];
  /** the library's slice of the kernel, e.g. K[0::2, 1::2]; null when a phase gets no tap (dilation sharing a factor with the stride) */
  sub: NDArray | null;
  sliceText: string;
  size: number[];
  sum: number;
  /** the library's output for an all-ones input, read in the interior at this phase */
  constantOutput: number;
}

export interface PhaseData {
  strides: number[];
  dilation: number[];
  padBegin: number[];
  phases: Phase[];
  /** every phase has a sub-kernel of the same size (the overlap map's "even") */
  evenSize: boolean;
  evenSum: boolean;
}

/** Per axis: which kernel taps land on canvas phase r, for r = 0 … s − 1. */
export function axisPhases(k: number, s: number, d: number): AxisPhase[] {
  return Array.from({ length: s }, (_, r) => ({ r, taps: Array.from({ length: k }, (_, a) => a).filter((a) => (a * d) % s === r) }));
}

const sliceOf = (taps: number[], s: number) => (taps.length === 0 ? null : ([taps[0]!, null, taps.length > 1 ? taps[1]! - taps[0]! : s] as const));

export function phaseData(m: Model): PhaseData {
  const g = m.resolved.geometry;
  const nd = g.kernel.length;
  const per = g.kernel.map((k, i) => axisPhases(k, g.strides[i]!, g.dilation[i]!));
  // the interior of a padding-free transposed convolution of ones: every tap of every phase lands there
  const n = g.kernel.map((k, i) => Math.ceil(((k - 1) * g.dilation[i]!) / g.strides[i]!) + 2);
  const ones = np.ones([1, 1, ...n]);
  const y = npx.deconvolution(ones, m.k4, { strides: [...g.strides], dilation: [...g.dilation] });
  const yd = y.asTypedArray();
  const ys = y.shape.slice(2);
  const combos: number[][] = nd === 1 ? per[0]!.map((p) => [p.r]) : per[0]!.flatMap((p) => per[1]!.map((q) => [p.r, q.r]));
  const phases = combos.map((r) => {
    const taps = r.map((ri, i) => per[i]![ri]!.taps);
    const slices = taps.map((t, i) => sliceOf(t, g.strides[i]!));
    const sub = slices.every((sl) => sl !== null) ? m.k.at(...slices.map((sl) => [sl![0], sl![1], sl![2]] as const)).copy() : null;
    const sliceText = `K[${slices.map((sl) => (sl === null ? "∅" : `${sl[0]}::${sl[2]}`)).join(", ")}]`;
    // an interior canvas position of phase r: (k − 1)·d rounded up to phase r
    const pos = r.map((ri, i) => {
      const lo = (g.kernel[i]! - 1) * g.dilation[i]!;
      const s = g.strides[i]!;
      return lo + ((ri - (lo % s) + s) % s);
    });
    const flat = pos.reduce((acc, p, i) => acc * ys[i]! + p, 0);
    return {
      r,
      taps,
      sub,
      sliceText,
      size: taps.map((t) => t.length),
      sum: sub ? sub.sum().item() : 0,
      constantOutput: yd[flat]!,
    };
  });
  const sizeKey = (p: Phase) => p.size.join("×");
  const close = (a: number, b: number) => Math.abs(a - b) <= 1e-5 * (1 + Math.abs(a) + Math.abs(b));
  return {
    strides: [...g.strides],
    dilation: [...g.dilation],
    padBegin: [...g.padBegin],
    phases,
    evenSize: phases.every((p) => sizeKey(p) === sizeKey(phases[0]!)),
    evenSum: phases.every((p) => close(p.sum, phases[0]!.sum)),
  };
}

/** Phase colours: hue spread over the phases. */
export const phaseColour = (i: number, n: number, light = false) =>
  `hsl(${Math.round((i * 360) / Math.max(1, n) + 200) % 360} ${light ? "70% 88%" : "65% 45%"})`;

const sizeText = (p: Phase) => p.size.join("×");

/** The one-line verdict; agrees with the overlap map (equal sub-kernel sizes ⇔ equal write counts in the interior). */
export function phaseVerdict(pd: PhaseData): { text: string; even: boolean } {
  const n = pd.phases.length;
  const sums = pd.phases.map((p) => fmt(p.sum)).join(", ");
  if (n === 1) return { even: true, text: "Stride 1: one phase, the whole kernel — every output gets the same writes, no checkerboard." };
  if (pd.evenSize && pd.evenSum)
    return {
      even: true,
      text: `Even: all ${n} phases have a ${sizeText(pd.phases[0]!)} sub-kernel with the same sum ${fmt(pd.phases[0]!.sum)}, so a constant input gives a constant output away from the borders.`,
    };
  if (pd.evenSize)
    return {
      even: true,
      text: `Even overlap: all ${n} phases have a ${sizeText(pd.phases[0]!)} sub-kernel, but their sums differ (${sums}), so even a constant input comes out as a checkerboard with these values.`,
    };
  return {
    even: false,
    text: `Uneven: the phases' sub-kernels are ${pd.phases.map(sizeText).join(", ")} — different numbers of writes (the overlap map's pattern); a constant input of 1s gives the phase sums ${sums}: a checkerboard.`,
  };
}

/** HTML of the phase panel. `active` is the highlighted phase index or −1. */
export function phaseView(m: Model, pd: PhaseData, active: number): string {
  const nd = m.nd;
  const n = pd.phases.length;
  const out = m.out;
  const [oh, ow] = out.ndim === 1 ? [1, out.shape[0]!] : [out.shape[0]!, out.shape[1]!];
  const s2 = nd === 1 ? [1, pd.strides[0]!] : pd.strides;
  const pb = nd === 1 ? [0, pd.padBegin[0]!] : pd.padBegin;
  const indexOf = (r: number[]) => pd.phases.findIndex((p) => p.r.every((v, i) => v === r[i]));
  // output position (i, j) is canvas position (i + padBegin, j + padBegin): its phase is that mod s
  const phaseAt = (i: number, j: number) => indexOf(nd === 1 ? [(j + pb[1]!) % s2[1]!] : [(i + pb[0]!) % s2[0]!, (j + pb[1]!) % s2[1]!]);
  const cell = Math.max(8, Math.min(26, Math.floor(230 / Math.max(oh, ow))));
  const od = out.asTypedArray();
  const outSvg = [`<svg class="phase-out" width="${ow * cell}" height="${oh * cell}" role="img" aria-label="output positions coloured by phase">`];
  for (let i = 0; i < oh; i++)
    for (let j = 0; j < ow; j++) {
      const p = phaseAt(i, j);
      const dim = active >= 0 && p !== active;
      outSvg.push(
        `<rect x="${j * cell}" y="${i * cell}" width="${cell}" height="${cell}" fill="${phaseColour(p, n, true)}" stroke="${phaseColour(p, n)}" stroke-width="${p === active ? 2.5 : 0.8}" opacity="${dim ? 0.25 : 1}" data-phase="${p}"><title>y[${nd === 1 ? j : `${i}, ${j}`}] = ${fmt(od[i * ow + j]!)}: phase ${pd.phases[p]!.r.join(", ")}</title></rect>`,
      );
      if (cell >= 18)
        outSvg.push(
          `<text x="${j * cell + cell / 2}" y="${i * cell + cell / 2 + 4}" text-anchor="middle" font-size="10" opacity="${dim ? 0.3 : 1}" pointer-events="none">${fmt(od[i * ow + j]!)}</text>`,
        );
    }
  outSvg.push("</svg>");
  // the kernel with each tap coloured by the phase it feeds
  const K = m.k.asTypedArray();
  const [kh, kw] = m.k.ndim === 1 ? [1, m.k.shape[0]!] : [m.k.shape[0]!, m.k.shape[1]!];
  const kc = Math.max(14, Math.min(30, Math.floor(150 / Math.max(kh, kw))));
  const d2 = nd === 1 ? [1, pd.dilation[0]!] : pd.dilation;
  const kSvg = [`<svg class="phase-k" width="${kw * kc}" height="${kh * kc}" role="img" aria-label="kernel taps coloured by the phase they feed">`];
  for (let a = 0; a < kh; a++)
    for (let b = 0; b < kw; b++) {
      const p = indexOf(nd === 1 ? [(b * d2[1]!) % s2[1]!] : [(a * d2[0]!) % s2[0]!, (b * d2[1]!) % s2[1]!]);
      const dim = active >= 0 && p !== active;
      kSvg.push(
        `<rect x="${b * kc}" y="${a * kc}" width="${kc}" height="${kc}" fill="${phaseColour(p, n, true)}" stroke="${phaseColour(p, n)}" stroke-width="${p === active ? 2.5 : 0.8}" opacity="${dim ? 0.25 : 1}"/>` +
          `<text x="${b * kc + kc / 2}" y="${a * kc + kc / 2 + 4}" text-anchor="middle" font-size="11" opacity="${dim ? 0.3 : 1}">${fmt(K[a * kw + b]!)}</text>`,
      );
    }
  kSvg.push("</svg>");
  const list = pd.phases
    .map((p, i) => {
      const sub = p.sub ? subGrid(p.sub, n, i) : `<span class="note">no tap</span>`;
      const match = Math.abs(p.constantOutput - p.sum) <= 1e-4 * (1 + Math.abs(p.sum));
      return (
        `<li><button type="button" class="phase" data-testid="phase" data-index="${i}" data-size="${sizeText(p)}" aria-pressed="${i === active}" style="--pc:${phaseColour(i, n)};--pl:${phaseColour(i, n, true)}">` +
        `<span class="ph-name">phase ${p.r.join(", ")}</span><code class="ph-slice">${esc(p.sliceText)}</code>${sub}` +
        `<span class="ph-size">${sizeText(p)}</span><span class="ph-sum">sum <b>${fmt(p.sum)}</b>${match ? "" : ` <span class="bad">(ones → ${fmt(p.constantOutput)})</span>`}</span></button></li>`
      );
    })
    .join("");
  const v = phaseVerdict(pd);
  const sText = pd.strides.join("×");
  return (
    `<p class="note">Stride ${sText} splits the output into ${n} phase${n > 1 ? "s" : ""} (positions with the same index mod s). Each phase is a stride-1 convolution of x with its own sub-kernel K[r::s]; ` +
    `its sum is what a constant input of 1s produces there. Click a phase.</p>` +
    `<div class="phase-pics"><figure>${outSvg.join("")}<figcaption>output y by phase</figcaption></figure><figure>${kSvg.join("")}<figcaption>kernel K: each tap feeds one phase</figcaption></figure></div>` +
    `<ul class="phase-list">${list}</ul>` +
    `<p class="verdict ${v.even && pd.evenSum ? "ok" : "bad"}" data-testid="phase-verdict">${esc(v.text)}</p>`
  );
}

function subGrid(sub: NDArray, n: number, i: number): string {
  const [h, w] = sub.ndim === 1 ? [1, sub.shape[0]!] : [sub.shape[0]!, sub.shape[1]!];
  const d = sub.asTypedArray();
  const c = 20;
  const cells: string[] = [];
  for (let a = 0; a < h; a++)
    for (let b = 0; b < w; b++)
      cells.push(
        `<rect x="${b * c}" y="${a * c}" width="${c}" height="${c}" fill="${phaseColour(i, n, true)}" stroke="${phaseColour(i, n)}"/><text x="${b * c + c / 2}" y="${a * c + c / 2 + 4}" text-anchor="middle" font-size="10">${fmt(d[a * w + b]!)}</text>`,
      );
  return `<svg class="ph-sub" width="${w * c}" height="${h * c}" aria-hidden="true">${cells.join("")}</svg>`;
}
