// The step-through pictures: transposed convolution (each input element writes a scaled kernel copy into the
// strided, dilated canvas; running sum; padding crop) and convolution (the sliding window and its sum).
// Every number drawn comes from the library: running sums are npx.deconvolution of the elements seen so far.
import { np, npx, type NDArray } from "../../src/index.js";
import { sourceIndex } from "../../src/params/padding-mode.js";
import { type Model, rows2 } from "./model.js";
import { HATCH_DEFS, arrow, esc, factor, fmt, grid, legend, outline, text, tint } from "./svg.js";

export type Sel = [number, number];

const MODE_PICTURE: Record<string, string> = { reflect: "d c b | a b c d | c b a", replicate: "a a a | a b c d | d d d", circular: "b c d | a b c d | a b c" };

export interface Frame {
  svg: string;
  caption: string;
}

export interface Frames {
  /** frames are 0 … count − 1 */
  count: number;
  render(t: number, sel: Sel, width: number, height: number): Frame;
}

const maxAbs = (rows: number[][]) => rows.reduce((m, r) => r.reduce((mm, v) => Math.max(mm, Math.abs(v)), m), 0);
const svgOpen = (w: number, h: number) =>
  `<svg xmlns="http://www.w3.org/2000/svg" class="stage-svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img">${HATCH_DEFS}`;
const fit = (cellsW: number, cellsH: number, w: number, h: number, max = 44) =>
  Math.max(2, Math.min(max, Math.floor(Math.min(w / Math.max(1, cellsW), h / Math.max(1, cellsH)))));
const idx = (nd: number, r: number, c: number) => (nd === 1 ? `${c}` : `${r}, ${c}`);

export function framesFor(m: Model): Frames {
  return m.state.op === "deconvolution" ? tconvFrames(m) : convFrames(m);
}

// ---------------------------------------------------------------------------------------------------------------
function tconvFrames(m: Model): Frames {
  const g = m.geo;
  const nd = m.nd;
  const X = rows2(m.x);
  const K = rows2(m.k);
  const OUT = rows2(m.out);
  const [inH, inW] = g.grid as [number, number];
  const [kH, kW] = g.kernel as [number, number];
  const F = [0, 1].map((i) => (g.grid[i]! - 1) * g.strides[i]! + g.dilation[i]! * (g.kernel[i]! - 1) + 1 + g.outputPadding[i]!) as [number, number];
  const lastWrite = [0, 1].map((i) => (g.grid[i]! - 1) * g.strides[i]! + g.dilation[i]! * (g.kernel[i]! - 1)) as [number, number];
  const N = inH * inW;
  const rg = m.resolved.geometry;
  const flat = m.x.asTypedArray();
  const cache = new Map<number, number[][]>();
  /** the uncropped canvas after the first t input elements: the library's deconvolution with padding 0 */
  const canvas = (t: number): number[][] => {
    const key = Math.min(t, N);
    let v = cache.get(key);
    if (!v) {
      const masked = np.array(flat.map((val, i) => (i < key ? val : 0)) as unknown as Float32Array).reshape(m.x4.shape);
      const y: NDArray = npx.deconvolution(masked, m.k4, { strides: [...rg.strides], dilation: [...rg.dilation], outputPadding: [...rg.outputPadding] });
      v = rows2(y.reshape(y.shape.slice(2)));
      cache.set(key, v);
    }
    return v;
  };
  const partials = new Map<number, number[][]>();
  /** the output after the first t input elements: the library's deconvolution with the page's options (crop or fold) */
  const partial = (t: number): number[][] => {
    const key = Math.min(t, N);
    let v = partials.get(key);
    if (!v) {
      const masked = np.array(flat.map((val, i) => (i < key ? val : 0)) as unknown as Float32Array).reshape(m.x4.shape);
      const y: NDArray = npx.deconvolution(masked, m.k4, m.options);
      v = rows2(y.reshape(y.shape.slice(2)));
      partials.set(key, v);
    }
    return v;
  };
  // paddingMode: a cropped canvas position is not dropped but adds onto the output position its padding copies
  const mode = m.resolved.paddingMode;
  const folds = mode !== "zeros";
  const outN = [0, 1].map((i) => F[i]! - g.padBegin[i]! - g.padEnd[i]!);
  /** output index (per axis) that canvas position f folds onto, −1 when it is dropped */
  const foldAxis = (i: number, f: number) =>
    folds ? sourceIndex(mode, outN[i]!, g.padBegin[i]!, f) : f >= g.padBegin[i]! && f < F[i]! - g.padEnd[i]! ? f - g.padBegin[i]! : -1;
  const full = canvas(N);
  const vmax = Math.max(maxAbs(full), maxAbs(OUT), 1e-9);
  const xmax = Math.max(maxAbs(X), 1e-9);
  const kmax = Math.max(maxAbs(K), 1e-9);
  const kept = (fr: number, fc: number) => fr >= g.padBegin[0]! && fr < F[0] - g.padEnd[0]! && fc >= g.padBegin[1]! && fc < F[1] - g.padEnd[1]!;
  const isOpad = (fr: number, fc: number) => fr > lastWrite[0] || fc > lastWrite[1];
  const writes = (e: number): Set<string> => {
    const s = new Set<string>();
    if (e < 0 || e >= N) return s;
    const qi = Math.floor(e / inW);
    const qj = e % inW;
    for (let a = 0; a < kH; a++) for (let b = 0; b < kW; b++) s.add(`${qi * g.strides[0]! + a * g.dilation[0]!},${qj * g.strides[1]! + b * g.dilation[1]!}`);
    return s;
  };
  const canvasLook = (t: number, cur: Set<string>) => {
    const S = canvas(t);
    return (r: number, c: number) => {
      const v = S[r]![c]!;
      const cls = [kept(r, c) ? "" : "crop", isOpad(r, c) ? "opad" : "", cur.has(`${r},${c}`) ? "hi-write" : ""].join(" ");
      const to = [foldAxis(0, r), foldAxis(1, c)];
      const title = kept(r, c) ? undefined : folds ? `${mode}: adds onto y[${idx(nd, to[0]!, to[1]!)}]` : "cropped by padding";
      return { fill: kept(r, c) ? tint(v, vmax, "output") : "url(#hatch)", text: fmt(v), cls, textCls: kept(r, c) ? "" : "muted", title };
    };
  };
  const caption = (t: number): string => {
    const pb = g.padBegin.slice(2 - nd);
    const pe = g.padEnd.slice(2 - nd);
    const opad = g.outputPadding.slice(2 - nd);
    const Fs = F.slice(2 - nd).join("×");
    if (t === 0)
      return `Start: a zero canvas of (in − 1)·s + d·(k − 1) + 1${opad.some((p) => p > 0) ? " + outputPadding" : ""} = <b>${Fs}</b> positions. Press ▶ or → to add the input elements one by one.`;
    if (t <= N) {
      const e = t - 1;
      const qi = Math.floor(e / inW);
      const qj = e % inW;
      const v = X[qi]![qj]!;
      const at =
        nd === 1
          ? `position ${qj}·${g.strides[1]} = ${qj * g.strides[1]!}`
          : `row ${qi}·${g.strides[0]} = ${qi * g.strides[0]!}, column ${qj}·${g.strides[1]} = ${qj * g.strides[1]!}`;
      const dil = g.dilation.some((d) => d > 1) ? ` with taps ${g.dilation.slice(2 - nd).join("×")} apart (dilation)` : "";
      return `Step ${t}/${N}: x[${idx(nd, qi, qj)}] = <b>${fmt(v)}</b> → writes <span class="k-w">${fmt(v)}·K</span> at ${at}${dil}; overlapping writes add up.`;
    }
    const crop = pb.some((p) => p > 0) || pe.some((p) => p > 0);
    const foldMap = () =>
      [0, 1]
        .slice(2 - nd)
        .map((i) => {
          const lost = Array.from({ length: F[i]! }, (_, f) => f).filter((f) => f < g.padBegin[i]! || f >= F[i]! - g.padEnd[i]!);
          const list = lost.map((f) => `${f}→${foldAxis(i, f)}`).join(", ");
          return list ? `${nd === 2 ? ["rows", "columns"][i] + " " : ""}${list}` : "";
        })
        .filter((x) => x)
        .join("; ");
    const cropText = !crop
      ? `No padding to crop: the canvas is the output (<b>${m.out.shape.join("×")}</b>).`
      : folds
        ? `paddingMode "${mode}": the hatched border is not dropped, it <b>folds back</b> — each position adds onto the output position its padding would copy (canvas → output: ${foldMap()}) → output <b>${m.out.shape.join("×")}</b>. Select an output cell to see what folds onto it.`
        : `Crop the padding: drop ${pb.join("×")} at the start and ${pe.join("×")} at the end (hatched) → output <b>${m.out.shape.join("×")}</b>.`;
    return cropText + (opad.some((p) => p > 0) ? ` outputPadding ${opad.join("×")} added the dashed zero positions at the end.` : "");
  };

  const render = (t: number, sel: Sel, W: number, H: number): Frame => (nd === 1 ? render1(t, sel, W, H) : render2(t, sel, W, H));

  // 2-D: x · K → scaled copy → canvas (running sum) → crop → output; on a narrow stage in two rows (x · K = x·K, then canvas → output)
  const render2 = (t: number, sel: Sel, W: number, H: number): Frame => {
    const e = t >= 1 && t <= N ? t - 1 : -1;
    const qi = e >= 0 ? Math.floor(e / inW) : -1;
    const qj = e >= 0 ? e % inW : -1;
    const narrow = W < 560;
    const gap = narrow ? 34 : 46;
    const legendH = narrow ? 48 : 26;
    const row1W = inW + kW + kW;
    const row2W = F[1] + OUT[0]!.length;
    const row1H = Math.max(inH, kH);
    const row2H = Math.max(F[0], OUT.length);
    const cellsW = narrow ? Math.max(row1W, row2W) : row1W + row2W;
    const cellsH = narrow ? row1H + row2H : Math.max(row1H, row2H);
    const gapsW = narrow ? 2 * gap : 4 * gap;
    const gapsH = narrow ? 40 + 24 : 38;
    const cell = fit(cellsW, cellsH, W - gapsW - 16, H - legendH - gapsH, 56);
    const parts: string[] = [svgOpen(W, H)];
    const rowLeft = (cells: number, gaps: number) => Math.max(8, Math.floor((W - gaps * gap - cells * cell) / 2));
    const y1 = Math.max(24, Math.floor((H - legendH - cellsH * cell - (narrow ? 40 : 0)) / 2) + 6);
    const h1 = narrow ? row1H : cellsH;
    const y2 = narrow ? y1 + row1H * cell + 40 : y1;
    const h2 = narrow ? row2H : cellsH;
    const mid1 = y1 + (h1 * cell) / 2;
    const mid2 = y2 + (h2 * cell) / 2;
    const yc1 = (rows: number) => y1 + Math.floor(((h1 - rows) * cell) / 2);
    const yc2 = (rows: number) => y2 + Math.floor(((h2 - rows) * cell) / 2);
    let x = narrow ? rowLeft(row1W, 2) : rowLeft(cellsW, 4);
    // x
    parts.push(
      grid({
        x,
        y: yc1(inH),
        cell,
        rows: inH,
        cols: inW,
        label: "input x",
        labelCls: "l-in",
        look: (r, c) => ({ fill: tint(X[r]![c]!, xmax, "input"), text: fmt(X[r]![c]!), cls: r === qi && c === qj ? "hi-input" : "" }),
      }),
    );
    x += inW * cell;
    parts.push(text(x + gap / 2, mid1 + 5, "·", "op-sym"));
    x += gap;
    parts.push(
      grid({
        x,
        y: yc1(kH),
        cell,
        rows: kH,
        cols: kW,
        label: "kernel K",
        labelCls: "l-k",
        look: (r, c) => ({ fill: tint(K[r]![c]!, kmax, "kernel"), text: fmt(K[r]![c]!), cls: e >= 0 ? "hi-kernel" : "" }),
      }),
    );
    x += kW * cell;
    parts.push(text(x + gap / 2, mid1 + 5, "=", "op-sym"));
    x += gap;
    const v = e >= 0 ? X[qi]![qj]! : 0;
    parts.push(
      grid({
        x,
        y: yc1(kH),
        cell,
        rows: kH,
        cols: kW,
        label: e >= 0 ? `x[${idx(nd, qi, qj)}]·K` : "x[·]·K",
        labelCls: "l-w",
        look: (r, c) =>
          e >= 0 ? { fill: tint(v * K[r]![c]!, vmax, "write"), text: fmt(v * K[r]![c]!), cls: "hi-write-soft" } : { fill: "#f8fafc", text: "", cls: "ghost" },
      }),
    );
    x += kW * cell;
    if (narrow) {
      // the write goes down to the canvas row
      parts.push(`<path class="arrow" d="M${x - (kW * cell) / 2},${y1 + row1H * cell + 6} l0,${y2 - (y1 + row1H * cell) - 28} m-4,-6 l4,6 l4,-6"/>`);
      parts.push(text(x - (kW * cell) / 2 + 9, y1 + row1H * cell + 22, "write", "alabel", "start"));
      x = rowLeft(row2W, 1);
    } else {
      parts.push(arrow(x + 6, mid1, x + gap - 6, "write"));
      x += gap;
    }
    const cur = writes(e);
    const cx = x;
    const cy = yc2(F[0]);
    parts.push(grid({ x, y: cy, cell, rows: F[0], cols: F[1], label: t > N ? "canvas (sum)" : "running sum", labelCls: "l-out", look: canvasLook(t, cur) }));
    for (const key of cur) {
      const [r, c] = key.split(",").map(Number) as [number, number];
      parts.push(outline(cx, cy, cell, r, c, 1, 1, "o-write"));
    }
    const keptH = F[0] - g.padBegin[0]! - g.padEnd[0]!;
    const keptW = F[1] - g.padBegin[1]! - g.padEnd[1]!;
    parts.push(outline(cx, cy, cell, g.padBegin[0]!, g.padBegin[1]!, keptH, keptW, t > N ? "o-kept final" : "o-kept"));
    x += F[1] * cell;
    parts.push(arrow(x + 6, mid2, x + gap - 6, folds ? "fold" : "crop"));
    x += gap;
    const S = partial(t);
    const final = t > N;
    const oy = yc2(OUT.length);
    // on the last step, outline the border positions that fold onto the selected output
    if (final && folds)
      for (let r = 0; r < F[0]; r++)
        for (let c = 0; c < F[1]; c++)
          if (!kept(r, c) && foldAxis(0, r) === sel[0] && foldAxis(1, c) === sel[1]) parts.push(outline(cx, cy, cell, r, c, 1, 1, "o-fold"));
    parts.push(
      grid({
        x,
        y: oy,
        cell,
        rows: OUT.length,
        cols: OUT[0]!.length,
        label: final ? "output y" : "output (so far)",
        labelCls: "l-out",
        name: "out",
        look: (r, c) => {
          const val = final ? OUT[r]![c]! : S[r]![c]!;
          return { fill: tint(val, vmax, "output"), text: fmt(val), textCls: final ? "strong" : "partial", cls: "clickable" };
        },
      }),
    );
    parts.push(outline(x, oy, cell, sel[0], sel[1], 1, 1, "o-sel"));
    parts.push(legend(8, H - 8, tconvLegend(), W - 8));
    parts.push("</svg>");
    return { svg: parts.join(""), caption: caption(t) };
  };

  const tconvLegend = () => [
    { fill: "#fff", stroke: "#16a34a", label: "this step's writes" },
    ...(g.padBegin.some((p) => p > 0) || g.padEnd.some((p) => p > 0)
      ? [{ fill: "url(#hatch)", stroke: "#cbd5e1", label: folds ? `folded back (${mode})` : "cropped by padding" }]
      : []),
    ...(g.outputPadding.some((p) => p > 0) ? [{ fill: "#fff", stroke: "#a78bfa", dash: "3 2", label: "outputPadding" }] : []),
    { fill: "none", stroke: "#7c3aed", dash: "5 3", label: "kept = output" },
    { fill: "#fff", stroke: "#f59e0b", label: "selected" },
  ];

  // 1-D: the book's figure unrolled — one row per input element, its scaled kernel at its strided offset
  const render1 = (t: number, sel: Sel, W: number, H: number): Frame => {
    const e = t >= 1 && t <= N ? t - 1 : -1;
    const labelW = 96;
    const topCells = inW + kW + 2;
    const cellsW = Math.max(F[1], topCells);
    const cellsH = 1 + N + 1 + 1 + 2.2 + (folds ? 0.8 : 0);
    const cell = fit(cellsW, cellsH, W - labelW - 16, H - 50, 40);
    const x0 = labelW;
    let y = 22;
    const parts: string[] = [svgOpen(W, H)];
    const rowLabel = (yy: number, s: string, cls = "") => parts.push(text(x0 - 10, yy + cell / 2 + 4, s, `rlabel ${cls}`, "end"));
    // x and K on the first line
    rowLabel(y, "x, K", "l-in");
    parts.push(
      grid({
        x: x0,
        y,
        cell,
        rows: 1,
        cols: inW,
        look: (_r, c) => ({ fill: tint(X[0]![c]!, xmax, "input"), text: fmt(X[0]![c]!), cls: c === e ? "hi-input" : "" }),
      }),
    );
    const kx = x0 + (inW + 1) * cell;
    parts.push(
      grid({
        x: kx,
        y,
        cell,
        rows: 1,
        cols: kW,
        look: (_r, c) => ({ fill: tint(K[0]![c]!, kmax, "kernel"), text: fmt(K[0]![c]!), cls: e >= 0 ? "hi-kernel" : "" }),
      }),
    );
    y += cell * 1.6;
    // one row per input element
    for (let i = 0; i < N; i++) {
      const done = i < t && t >= 1;
      const v = X[0]![i]!;
      rowLabel(y, `x[${i}]·K`, i === e ? "l-w" : done ? "" : "muted");
      for (let a = 0; a < kW; a++) {
        const f = i * g.strides[1]! + a * g.dilation[1]!;
        const cls = i === e ? "hi-write" : done ? "" : "ghost";
        parts.push(
          grid({
            x: x0 + f * cell,
            y,
            cell,
            rows: 1,
            cols: 1,
            look: () => ({ fill: done || i === e ? tint(v * K[0]![a]!, vmax, "write") : "#f8fafc", text: done || i === e ? fmt(v * K[0]![a]!) : "", cls }),
          }),
        );
      }
      y += cell;
    }
    y += cell * 0.3;
    // running sum on the canvas, then the cropped output aligned under its kept positions
    rowLabel(y, t > N ? "sum" : "running sum", "l-out");
    const cur = writes(e);
    parts.push(grid({ x: x0, y, cell, rows: 1, cols: F[1], look: (r, c) => canvasLook(t, cur)(r, c) }));
    parts.push(outline(x0, y, cell, 0, g.padBegin[1]!, 1, F[1] - g.padBegin[1]! - g.padEnd[1]!, t > N ? "o-kept final" : "o-kept"));
    y += cell * (folds ? 2.3 : 1.5);
    const final = t > N;
    const S = partial(t);
    const canvasY = y - cell * (folds ? 2.3 : 1.5);
    rowLabel(y, final ? "output y" : "output", "l-out");
    const ox = x0 + g.padBegin[1]! * cell;
    // paddingMode: arrows from each border position down to the output position it folds onto
    if (final && folds)
      for (let f = 0; f < F[1]; f++) {
        if (f >= g.padBegin[1]! && f < F[1] - g.padEnd[1]!) continue;
        const to = foldAxis(1, f);
        const x1 = x0 + f * cell + cell / 2;
        const x2 = ox + to * cell + cell / 2;
        parts.push(`<path class="fold-arrow" d="M${x1},${canvasY + cell} C${x1},${y - 4} ${x2},${canvasY + cell + 4} ${x2},${y}"/>`);
      }
    parts.push(
      grid({
        x: ox,
        y,
        cell,
        rows: 1,
        cols: OUT[0]!.length,
        name: "out",
        look: (_r, c) => {
          const val = final ? OUT[0]![c]! : S[0]![c]!;
          return { fill: tint(val, vmax, "output"), text: fmt(val), textCls: final ? "strong" : "partial", cls: "clickable" };
        },
      }),
    );
    parts.push(outline(ox, y, cell, 0, sel[1], 1, 1, "o-sel"));
    parts.push(legend(8, H - 8, tconvLegend(), W - 8));
    parts.push("</svg>");
    return { svg: parts.join(""), caption: caption(t) };
  };

  return { count: N + 2, render };
}

// ---------------------------------------------------------------------------------------------------------------
function convFrames(m: Model): Frames {
  const g = m.geo;
  const nd = m.nd;
  const X = rows2(m.x);
  const K = rows2(m.k);
  const OUT = rows2(m.out);
  const [inH, inW] = g.image as [number, number];
  const [kH, kW] = g.kernel as [number, number];
  const [oH, oW] = g.grid as [number, number];
  const P = [0, 1].map((i) => g.image[i]! + g.padBegin[i]! + g.padEnd[i]!) as [number, number];
  const M = oH * oW;
  const xmax = Math.max(maxAbs(X), 1e-9);
  const kmax = Math.max(maxAbs(K), 1e-9);
  const ymax = Math.max(maxAbs(OUT), 1e-9);
  // positions of the padded input read by some window (the rest is lost: not even a transposed conv sees it)
  const read = new Set<string>();
  for (let qi = 0; qi < oH; qi++)
    for (let qj = 0; qj < oW; qj++)
      for (let a = 0; a < kH; a++)
        for (let b = 0; b < kW; b++) read.add(`${qi * g.strides[0]! + a * g.dilation[0]!},${qj * g.strides[1]! + b * g.dilation[1]!}`);
  const inside = (r: number, c: number) => r >= g.padBegin[0]! && r < g.padBegin[0]! + inH && c >= g.padBegin[1]! && c < g.padBegin[1]! + inW;
  // paddingMode: a padded position holds the element it copies (reflect / replicate / circular), or 0
  const mode = m.resolved.paddingMode;
  const src = (r: number, c: number): [number, number] => [sourceIndex(mode, inH, g.padBegin[0]!, r), sourceIndex(mode, inW, g.padBegin[1]!, c)];
  const xAt = (r: number, c: number) => {
    const [i, j] = src(r, c);
    return i < 0 || j < 0 ? 0 : X[i]![j]!;
  };
  const taps = (e: number) => {
    const qi = Math.floor(e / oW);
    const qj = e % oW;
    const list: { r: number; c: number; a: number; b: number }[] = [];
    for (let a = 0; a < kH; a++)
      for (let b = 0; b < kW; b++) list.push({ r: qi * g.strides[0]! + a * g.dilation[0]!, c: qj * g.strides[1]! + b * g.dilation[1]!, a, b });
    return { qi, qj, list };
  };
  const caption = (t: number): string => {
    if (t === 0) {
      const pads = g.padBegin.some((p) => p > 0) || g.padEnd.some((p) => p > 0);
      const how = mode === "zeros" ? "its zero padding (hatched)" : `its ${mode} padding (hatched cells copy the element shown: ${MODE_PICTURE[mode]})`;
      return `Start: ${pads ? `the input with ${how}` : "the input (no padding)"}. The window slides by the stride; each position gives one output element.`;
    }
    const { qi, qj, list } = taps(t - 1);
    const terms = list.map((p) => `${factor(xAt(p.r, p.c))}·${factor(K[p.a]![p.b]!)}`);
    const shown = terms.length > 9 ? [...terms.slice(0, 8), "…"] : terms;
    return `Step ${t}/${M}: y[${idx(nd, qi, qj)}] = Σ window ⊙ K = ${shown.join(" + ")} = <b>${fmt(OUT[qi]![qj]!)}</b>`;
  };
  const render = (t: number, sel: Sel, W: number, H: number): Frame => {
    const e = t >= 1 ? t - 1 : -1;
    const cur = e >= 0 ? taps(e) : null;
    const curSet = new Set(cur ? cur.list.map((p) => `${p.r},${p.c}`) : []);
    const padLook = (r: number, c: number) => {
      const ins = inside(r, c);
      const v = xAt(r, c);
      const cls = [ins ? "" : "pad", curSet.has(`${r},${c}`) ? "hi-window" : "", read.has(`${r},${c}`) ? "" : "unread"].join(" ");
      const [si, sj] = src(r, c);
      const copy = !ins && mode !== "zeros" ? `${mode}: copies x[${idx(nd, si, sj)}]` : undefined;
      return {
        fill: ins ? tint(v, xmax, "input") : "url(#hatch)",
        text: fmt(v),
        cls,
        textCls: ins ? "" : mode === "zeros" ? "muted" : "partial",
        title: read.has(`${r},${c}`) ? copy : "read by no window",
      };
    };
    const outLook = (r: number, c: number) => {
      const n = r * oW + c;
      const doneV = n < t;
      return {
        fill: doneV ? tint(OUT[r]![c]!, ymax, "output") : "#f8fafc",
        text: doneV ? fmt(OUT[r]![c]!) : "",
        textCls: "strong",
        cls: `clickable ${n === e ? "hi-out" : ""}`,
      };
    };
    const parts: string[] = [svgOpen(W, H)];
    if (nd === 2) {
      const gap = 48;
      const cellsW = P[1] + kW + oW;
      const cellsH = Math.max(P[0], kH, oH);
      const cell = fit(cellsW, cellsH, W - 2 * gap - 16, H - 64, 56);
      const y = Math.max(24, Math.floor((H - 26 - cellsH * cell) / 2) + 6);
      const midAll = y + (cellsH * cell) / 2;
      let x = Math.max(8, Math.floor((W - 2 * gap - cellsW * cell) / 2));
      const yc = (rows: number) => y + Math.floor(((cellsH - rows) * cell) / 2);
      const py = yc(P[0]);
      parts.push(grid({ x, y: py, cell, rows: P[0], cols: P[1], label: "input x (padded)", labelCls: "l-in", look: padLook }));
      if (cur) for (const p of cur.list) parts.push(outline(x, py, cell, p.r, p.c, 1, 1, "o-window"));
      x += P[1] * cell;
      parts.push(text(x + gap / 2, midAll + 5, "⊙", "op-sym"));
      x += gap;
      parts.push(
        grid({
          x,
          y: yc(kH),
          cell,
          rows: kH,
          cols: kW,
          label: "kernel K",
          labelCls: "l-k",
          look: (r, c) => ({ fill: tint(K[r]![c]!, kmax, "kernel"), text: fmt(K[r]![c]!), cls: cur ? "hi-kernel" : "" }),
        }),
      );
      x += kW * cell;
      parts.push(arrow(x + 6, midAll, x + gap - 6, "Σ"));
      x += gap;
      const oy = yc(oH);
      parts.push(grid({ x, y: oy, cell, rows: oH, cols: oW, label: "output y", labelCls: "l-out", name: "out", look: outLook }));
      parts.push(outline(x, oy, cell, sel[0], sel[1], 1, 1, "o-sel"));
    } else {
      // 1-D: padded input, the kernel under its current window, the output
      const labelW = 96;
      const cell = fit(Math.max(P[1], oW), 4.5, W - labelW - 16, H - 50, 44);
      const x0 = labelW;
      let y = 24;
      const lab = (yy: number, s: string, cls: string) => parts.push(text(x0 - 10, yy + cell / 2 + 4, s, `rlabel ${cls}`, "end"));
      lab(y, "x (padded)", "l-in");
      parts.push(grid({ x: x0, y, cell, rows: 1, cols: P[1], look: padLook }));
      if (cur) for (const p of cur.list) parts.push(outline(x0, y, cell, 0, p.c, 1, 1, "o-window"));
      y += cell * 1.25;
      lab(y, "K", "l-k");
      if (cur)
        for (const p of cur.list)
          parts.push(
            grid({
              x: x0 + p.c * cell,
              y,
              cell,
              rows: 1,
              cols: 1,
              look: () => ({ fill: tint(K[0]![p.b]!, kmax, "kernel"), text: fmt(K[0]![p.b]!), cls: "hi-kernel" }),
            }),
          );
      else parts.push(grid({ x: x0, y, cell, rows: 1, cols: kW, look: (_r, c) => ({ fill: tint(K[0]![c]!, kmax, "kernel"), text: fmt(K[0]![c]!) }) }));
      y += cell * 1.6;
      lab(y, "output y", "l-out");
      parts.push(grid({ x: x0, y, cell, rows: 1, cols: oW, name: "out", look: outLook }));
      parts.push(outline(x0, y, cell, 0, sel[1], 1, 1, "o-sel"));
    }
    parts.push(
      legend(
        8,
        H - 8,
        [
          { fill: "#fff", stroke: "#2563eb", label: "window" },
          ...(g.padBegin.some((p) => p > 0) || g.padEnd.some((p) => p > 0)
            ? [{ fill: "url(#hatch)", stroke: "#cbd5e1", label: mode === "zeros" ? "zero padding" : `${mode} padding` }]
            : []),
          ...(read.size < P[0] * P[1] ? [{ fill: "#fff", stroke: "#f87171", dash: "2 2", label: "read by no window" }] : []),
          { fill: "#fff", stroke: "#f59e0b", label: "selected output" },
        ],
        W - 8,
      ),
    );
    parts.push("</svg>");
    return { svg: parts.join(""), caption: caption(t) };
  };
  return { count: M + 1, render };
}

export { esc };
