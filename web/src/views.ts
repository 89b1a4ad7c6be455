// The panels around the animation: the op back (shape round trip), the matrix view, the overlap map, the shapes.
import type { Model, MatrixData, OverlapData } from "./model.js";
import { formatShape, rows2 } from "./model.js";
import { HATCH_DEFS, diverging, esc, factor, fmt, grid, outline, sequential, sequentialText, text, tint } from "./svg.js";
import type { Sel } from "./anim.js";

const maxAbs = (a: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
};
const axisNames = (nd: number) => (nd === 1 ? ["W"] : ["H", "W"]);
const dims = (s: readonly number[]) => s.join("×");

// ---- the op back --------------------------------------------------------------------------------------------
export function companionView(m: Model, W: number, H: number): { svg: string; how: string; verdict: string } {
  const c = m.companion;
  const isT = m.state.op === "deconvolution";
  const inRows = rows2(c.input);
  const outRows = c.output ? rows2(c.output) : null;
  const [ih, iw] = [inRows.length, inRows[0]!.length];
  const [oh, ow] = outRows ? [outRows.length, outRows[0]!.length] : [0, 0];
  const gap = 40;
  const oneD = m.nd === 1;
  // 1-D: stack the two rows; 2-D: side by side
  const cell = oneD
    ? Math.max(2, Math.min(34, Math.floor((W - 20) / Math.max(iw, ow, 1)), Math.floor((H - 80) / 2)))
    : Math.max(2, Math.min(34, Math.floor((W - gap - 20) / Math.max(1, iw + ow)), Math.floor((H - 50) / Math.max(ih, oh, 1))));
  const vmax = Math.max(maxAbs(c.input.asTypedArray()), c.output ? maxAbs(c.output.asTypedArray()) : 0, 1e-9);
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img">${HATCH_DEFS}`];
  const y0 = oneD ? 24 : Math.max(24, Math.floor((H - Math.max(ih, oh) * cell) / 2) - 4);
  const inLabel = isT ? `y  ${dims(c.input.shape)}` : `y  ${dims(c.input.shape)}`;
  parts.push(
    grid({
      x: 8,
      y: y0,
      cell,
      rows: ih,
      cols: iw,
      label: inLabel,
      labelCls: "l-out",
      look: (r, cc) => ({ fill: tint(inRows[r]![cc]!, vmax, "output"), text: fmt(inRows[r]![cc]!) }),
    }),
  );
  if (outRows) {
    const [ox, oy] = oneD ? [8, y0 + cell + 40] : [8 + iw * cell + gap, y0];
    if (!oneD) parts.push(`<path class="arrow" d="M${8 + iw * cell + 6},${y0 + (ih * cell) / 2} l${gap - 12},0 m-6,-4 l6,4 l-6,4"/>`);
    else parts.push(text(8 + 4, y0 + cell + 22, "↓", "op-sym", "start"));
    const label = `${isT ? "conv(y)" : "tconv(y)"}  ${dims(c.output!.shape)}`;
    parts.push(
      grid({
        x: ox,
        y: oy,
        cell,
        rows: oh,
        cols: ow,
        label,
        labelCls: c.restores ? "l-ok" : "l-bad",
        look: (r, cc) => ({ fill: tint(outRows[r]![cc]!, vmax, "input"), text: fmt(outRows[r]![cc]!) }),
      }),
    );
  }
  parts.push("</svg>");
  const g = c.resolved?.geometry;
  const derived = !isT && g && g.outputPadding.some((p) => p > 0) ? ` (the resolver derived outputPadding = ${formatShape(g.outputPadding)})` : "";
  const how = isT
    ? `<code>npx.convolution</code> with the same strides, padding and dilation, applied to the result y`
    : `<code>npx.deconvolution</code> with the same strides, padding and dilation and <code>outputShape: ${formatShape(m.x.shape)}</code>${derived}`;
  let verdict: string;
  if (c.error) verdict = `<p class="bad">✗ ${esc(c.error)}</p>`;
  else if (c.restores) verdict = `<p class="ok">✓ back to x's shape ${dims(m.x.shape)} (the values differ: it is a transpose, not an inverse)</p>`;
  else
    verdict = `<p class="bad">✗ gives ${dims(c.output!.shape)}, not x's ${dims(m.x.shape)}${isT ? " — with dilation > stride, outputPadding is not undone by the convolution" : ""}</p>`;
  return { svg: parts.join(""), how: `<p class="note">${how}:</p>`, verdict };
}

// ---- matrix view --------------------------------------------------------------------------------------------
export interface MatrixLayout {
  cs: number;
  mx: number;
  my: number;
  rows: number;
}

/** Draws M · vec(x) = vec(y) with the selected row, plus the partner matrix; returns where M's rows are. */
export function drawMatrix(canvas: HTMLCanvasElement, m: Model, md: MatrixData, sel: Sel): MatrixLayout {
  const dpr = window.devicePixelRatio || 1;
  const Wc = canvas.clientWidth;
  const Hc = canvas.clientHeight;
  canvas.width = Math.round(Wc * dpr);
  canvas.height = Math.round(Hc * dpr);
  const ctx = canvas.getContext("2d")!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, Wc, Hc);
  const [R, C] = md.M.shape as [number, number];
  const Md = md.M.asTypedArray();
  const xv = m.x.asTypedArray();
  const yv = md.product.asTypedArray();
  const thumb = Math.min(96, Math.floor(Wc * 0.24));
  const top = 20;
  const cs = Math.max(0.25, Math.min(20, (Hc - top - 8) / Math.max(R, C), (Wc - thumb - 24 - 2 * 26 - 20) / (C + 2)));
  const mx = 6;
  const my = top;
  const mmax = Math.max(maxAbs(Md), 1e-9);
  const heat = (data: ArrayLike<number>, rows: number, cols: number, x: number, y: number, w: number, h: number, max: number) => {
    const off = document.createElement("canvas");
    off.width = cols;
    off.height = rows;
    const octx = off.getContext("2d")!;
    const img = octx.createImageData(cols, rows);
    for (let i = 0; i < rows * cols; i++) {
      const c = diverging(data[i]!, max);
      img.data.set([c[0], c[1], c[2], 255], i * 4);
    }
    octx.putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(off, x, y, w, h);
    ctx.strokeStyle = "#94a3b8";
    ctx.lineWidth = 1;
    ctx.strokeRect(x - 0.5, y - 0.5, w + 1, h + 1);
  };
  const label = (s: string, x: number, y: number, color = "#334155", align: CanvasTextAlign = "left") => {
    ctx.fillStyle = color;
    ctx.font = "600 12px system-ui, sans-serif";
    ctx.textAlign = align;
    ctx.fillText(s, x, y);
  };
  // grid lines when cells are big enough to read
  const lines = (x: number, y: number, rows: number, cols: number, c: number) => {
    if (c < 7) return;
    ctx.strokeStyle = "rgba(148,163,184,0.35)";
    ctx.beginPath();
    for (let i = 1; i < rows; i++) ctx.moveTo(x, y + i * c), ctx.lineTo(x + cols * c, y + i * c);
    for (let j = 1; j < cols; j++) ctx.moveTo(x + j * c, y), ctx.lineTo(x + j * c, y + rows * c);
    ctx.stroke();
  };
  heat(Md, R, C, mx, my, C * cs, R * cs, mmax);
  lines(mx, my, R, C, cs);
  label(`${md.name}  ${R}×${C}`, mx, top - 6, "#7c3aed");
  // vec(x) and vec(y)
  const vx = mx + Math.max(C * cs, R > 99 || C > 99 ? 92 : 64) + 22;
  const vmax = Math.max(maxAbs(xv), maxAbs(yv), 1e-9);
  const column = (v: ArrayLike<number>, x: number, family: "input" | "output") => {
    for (let i = 0; i < v.length; i++) {
      ctx.fillStyle = tint(v[i]!, vmax, family);
      ctx.fillRect(x, my + i * cs, cs, cs);
    }
    ctx.strokeStyle = "#94a3b8";
    ctx.strokeRect(x - 0.5, my - 0.5, cs + 1, v.length * cs + 1);
    lines(x, my, v.length, 1, cs);
    if (cs >= 15) {
      ctx.fillStyle = "#0f172a";
      ctx.font = `${Math.floor(cs * 0.55)}px ui-monospace, monospace`;
      ctx.textAlign = "center";
      for (let i = 0; i < v.length; i++) ctx.fillText(fmt(v[i]!), x + cs / 2, my + i * cs + cs * 0.7);
    }
  };
  ctx.fillStyle = "#475569";
  ctx.font = "16px system-ui";
  ctx.textAlign = "center";
  ctx.fillText("·", vx - 11, my + 14);
  column(xv, vx, "input");
  label("x", vx + cs / 2, top - 6, "#2563eb", "center");
  const vy = vx + cs + 22;
  ctx.fillStyle = "#475569";
  ctx.font = "15px system-ui";
  ctx.fillText("=", vy - 11, my + 14);
  column(yv, vy, "output");
  label("y", vy + cs / 2, top - 6, "#7c3aed", "center");
  // selected output element: its row, the taps it reads, the x entries they multiply
  const oW = m.out.ndim === 1 ? m.out.shape[0]! : m.out.shape[1]!;
  const row = sel[0] * oW + sel[1];
  ctx.lineWidth = 2;
  ctx.strokeStyle = "#7c3aed";
  ctx.strokeRect(mx - 1, my + row * cs - 1, C * cs + 2, cs + 2);
  ctx.strokeRect(vy - 1, my + row * cs - 1, cs + 2, cs + 2);
  ctx.strokeStyle = "#0f172a";
  for (let j = 0; j < C; j++)
    if (Md[row * C + j] !== 0) {
      ctx.strokeRect(mx + j * cs, my + row * cs, cs, cs);
      ctx.strokeStyle = "#16a34a";
      ctx.strokeRect(vx - 1, my + j * cs - 1, cs + 2, cs + 2);
      ctx.strokeStyle = "#0f172a";
    }
  // the partner matrix, small
  const pt = md.partner;
  const [pr, pc] = pt.shape as [number, number];
  const ts = Math.min(thumb / Math.max(pr, pc), 10);
  const tx = Wc - pc * ts - 6;
  const ty = top;
  heat(pt.asTypedArray(), pr, pc, tx, ty, pc * ts, pr * ts, mmax);
  label(`${md.partnerName} ${pr}×${pc}`, Wc - 4, top - 6, "#475569", "right");
  ctx.lineWidth = 1.5;
  ctx.strokeStyle = "#7c3aed";
  ctx.strokeRect(tx + row * ts - 0.5, ty - 0.5, ts + 1, pr * ts + 1);
  ctx.fillStyle = "#64748b";
  ctx.font = "11px system-ui";
  ctx.textAlign = "right";
  const lines2 = m.state.op === "deconvolution" ? ["the convolution", "from y's shape", "back to x's"] : ["the transposed", "conv back"];
  lines2.forEach((s, i) => ctx.fillText(s, Wc - 4, ty + pr * ts + 14 + i * 13));
  return { cs, mx, my, rows: R };
}

export function matrixCaption(m: Model, md: MatrixData, sel: Sel): string {
  const [, C] = md.M.shape as [number, number];
  const oW = m.out.ndim === 1 ? m.out.shape[0]! : m.out.shape[1]!;
  const row = sel[0] * oW + sel[1];
  const Md = md.M.asTypedArray();
  const xv = m.x.asTypedArray();
  const terms: string[] = [];
  for (let j = 0; j < C; j++) if (Md[row * C + j] !== 0) terms.push(`${factor(Md[row * C + j]!)}·${factor(xv[j]!)}`);
  const at = m.nd === 1 ? `${sel[1]}` : `${sel[0]}, ${sel[1]}`;
  const sum =
    terms.length === 0
      ? "0 (no input element reaches it)"
      : `${terms.length > 8 ? [...terms.slice(0, 7), "…"].join(" + ") : terms.join(" + ")} = <b>${fmt(md.product.asTypedArray()[row]!)}</b>`;
  const check = md.agrees
    ? `<span class="ok">✓ ${md.name}·vec(x) equals the ${m.state.op === "deconvolution" ? "deconvolution" : "convolution"}'s ${md.product.size} outputs</span>`
    : `<span class="bad">✗ ${md.name}·vec(x) differs from the op's output</span>`;
  return `<div>y[${at}] = row ${row} of ${md.name} · vec(x) = ${sum}</div><div>${check}${md.note ? ` <span class="note">(${esc(md.note)})</span>` : ""}</div>`;
}

// ---- overlap map --------------------------------------------------------------------------------------------
export function overlapView(m: Model, o: OverlapData, sel: Sel, W: number, H: number): { svg: string; html: string } {
  const rows = rows2(o.map);
  const [h, w] = [rows.length, rows[0]!.length];
  const cell = Math.max(4, Math.min(30, Math.floor((W - 12) / w), Math.floor((H - 10) / h)));
  const max = Math.max(...rows.flat(), 1);
  const gx = Math.max(6, Math.floor((W - w * cell) / 2));
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img">`];
  parts.push(
    grid({
      x: gx,
      y: 4,
      cell,
      rows: h,
      cols: w,
      look: (r, c) => ({ fill: sequential(rows[r]![c]!, max), text: String(rows[r]![c]!), textFill: sequentialText(rows[r]![c]!, max) }),
    }),
  );
  if (m.state.op === "deconvolution") parts.push(outline(gx, 4, cell, sel[0], sel[1], 1, 1, "o-sel"));
  parts.push("</svg>");
  const svg = parts.join("");
  const names = axisNames(m.nd);
  const rule = o.axes
    .map(
      (a, i) =>
        `${m.nd === 2 ? `${names[i]}: ` : ""}k = ${a.k}, s = ${a.s}: ${a.k} mod ${a.s} = ${a.k % a.s}${a.d > 1 ? ` (dilation ${a.d}: the map decides)` : ""}`,
    )
    .join(" · ");
  const counts = o.axes.map((a) => a.counts);
  const interior = counts.reduce((p, c) => p * (c[0] ?? 0), 1);
  const fewer = rows.flat().some((v) => v < interior);
  const verdict = o.even
    ? `<p class="ok verdict">✓ Even: every interior position receives ${interior} write${interior === 1 ? "" : "s"}${fewer ? "; the borders get fewer" : ""}.</p>`
    : `<p class="bad verdict">⚠ Uneven: interior positions receive ${unevenText(o)} writes → checkerboard risk.</p>`;
  return { svg, html: `${verdict}<p class="rule">Rule: even when the kernel size is divisible by the stride — ${esc(rule)}.</p>` };
}

function unevenText(o: OverlapData): string {
  // 2-D counts are products of the per-axis counts
  const combos = o.axes.reduce<number[]>((acc, a) => acc.flatMap((p) => a.counts.map((c) => p * c)), [1]);
  const list = [...new Set(combos)].sort((a, b) => a - b);
  return list.length <= 2 ? list.join(" or ") : `${list.slice(0, -1).join(", ")} or ${list.at(-1)}`;
}

// ---- shapes -------------------------------------------------------------------------------------------------
export function formulaHtml(m: Model | null, op: "deconvolution" | "convolution"): string {
  const general =
    op === "deconvolution"
      ? "out = (in − 1)·s − padBegin − padEnd + d·(k − 1) + outputPadding + 1"
      : "out = ⌊(in + padBegin + padEnd − d·(k − 1) − 1) / s⌋ + 1";
  if (!m) return `<div class="formula">${general}</div>`;
  const g = m.resolved.geometry;
  const names = axisNames(m.nd);
  const lines = g.kernel.map((k, i) => {
    const s = g.strides[i]!;
    const d = g.dilation[i]!;
    const pb = g.padBegin[i]!;
    const pe = g.padEnd[i]!;
    if (op === "deconvolution") {
      const n = g.gridSize[i]!;
      return `<span class="ax">${names[i]}</span> (${n} − 1)·${s} − ${pb} − ${pe} + ${d}·(${k} − 1) + ${g.outputPadding[i]} + 1 = <b>${g.imageSize[i]}</b>`;
    }
    const n = g.imageSize[i]!;
    return `<span class="ax">${names[i]}</span> ⌊(${n} + ${pb} + ${pe} − ${d}·(${k} − 1) − 1) / ${s}⌋ + 1 = <b>${g.gridSize[i]}</b>`;
  });
  const mode =
    typeof m.state.padding === "string"
      ? `<div class="note">padding "${esc(m.state.padding)}" resolved to padBegin ${formatShape(g.padBegin)}, padEnd ${formatShape(g.padEnd)}${op === "deconvolution" && g.outputPadding.some((p) => p > 0) ? `, outputPadding ${formatShape(g.outputPadding)}` : ""}</div>`
      : "";
  return `<div class="formula">${general}</div>${lines.map((l) => `<div class="subst">${l}</div>`).join("")}${mode}`;
}

/** The call the page makes, as a user would write it. */
export function callText(m: Model | null, op: string, opts: Record<string, unknown>): string {
  const o = Object.entries(opts)
    .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
    .join(", ");
  void m;
  return `npx.${op}(x, K${o ? `, { ${o} }` : ""})`;
}

// ---- channel routing ------------------------------------------------------------------------------------------
/** Group colours, shared with the weight grid (style.css .g0 … .g3). */
export const GROUP_COLOURS = ["#0284c7", "#c026d3", "#65a30d", "#e11d48"];

/**
 * Which input channel writes into which output channels: x channels on top, output channels below, one line per
 * (ci, co) of a group (coloured by group); the shown pair's line is bold. Empty for one channel in and out.
 */
export function routingView(m: Model): string {
  const ch = m.channels;
  if (ch.cin === 1 && ch.cout === 1) return "";
  const isT = m.state.op === "deconvolution";
  const n = Math.max(ch.cin, ch.cout);
  const W = 300;
  const step = W / n;
  const xIn = (c: number) => step * (c + 0.5) + (step * (n - ch.cin)) / 2;
  const xOut = (c: number) => step * (c + 0.5) + (step * (n - ch.cout)) / 2;
  const parts = [`<svg viewBox="0 0 ${W} 74" width="100%" height="74" role="img" aria-label="channel routing">`];
  const perIn = ch.cin / ch.groups;
  const perOut = ch.cout / ch.groups;
  for (let ci = 0; ci < ch.cin; ci++) {
    const g = Math.floor(ci / perIn);
    for (let j = 0; j < perOut; j++) {
      const co = g * perOut + j;
      const shown = ci === ch.ci && co === ch.co;
      const active = ci === ch.ci;
      parts.push(
        `<line x1="${xIn(ci)}" y1="22" x2="${xOut(co)}" y2="54" stroke="${GROUP_COLOURS[g % 4]}" stroke-width="${shown ? 4 : active ? 2 : 1}" opacity="${active ? 1 : 0.35}"/>`,
      );
    }
  }
  // chips are clickable: data-side / data-channel pick the pair (main.ts)
  const chip = (x: number, y: number, label: string, g: number, on: boolean, side: "in" | "out", c: number) =>
    `<g class="chip" data-side="${side}" data-channel="${c}"><title>show ${label}</title><rect x="${x - 19}" y="${y - 10}" width="38" height="20" rx="5" fill="${on ? GROUP_COLOURS[g % 4] : "#fff"}" stroke="${GROUP_COLOURS[g % 4]}" stroke-width="1.5"/>` +
    `<text x="${x}" y="${y + 4}" text-anchor="middle" font-size="11" fill="${on ? "#fff" : "#0f172a"}">${label}</text></g>`;
  for (let ci = 0; ci < ch.cin; ci++) parts.push(chip(xIn(ci), 12, `x[${ci}]`, Math.floor(ci / perIn), ci === ch.ci, "in", ci));
  for (let co = 0; co < ch.cout; co++) parts.push(chip(xOut(co), 63, `y[${co}]`, Math.floor(co / perOut), co === ch.co, "out", co));
  parts.push("</svg>");
  const g = Math.floor(ch.ci / perIn);
  const outs = Array.from({ length: perOut }, (_, j) => g * perOut + j);
  const ins = Array.from({ length: perIn }, (_, j) => g * perIn + j);
  const kName = `k[${ch.kIndex.join(", ")}]`;
  const text =
    `<p class="note">groups = ${ch.groups}: x[${ch.ci}] (group ${g}) writes into output channel${outs.length > 1 ? "s" : ""} ${outs.map((c) => `y[${c}]`).join(", ")}; ` +
    `y[${ch.co}] sums the ${isT ? "transposed convolutions" : "convolutions"} of ${ins.map((c) => `x[${c}]`).join(" + ")}. ` +
    `The step-through shows x[${ch.ci}] with kernel ${kName}: its share of y[${ch.co}]. Click a channel here or a kernel in the weight grid to pick another pair.</p>`;
  return parts.join("") + text;
}
