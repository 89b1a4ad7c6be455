// Small SVG-string helpers: grids of numbered cells, labels, arrows, colour scales and number formatting.

export function fmt(v: number): string {
  if (Number.isInteger(v)) return String(v);
  const r = Math.round(v * 100) / 100;
  return Number.isInteger(r) ? String(r) : r.toFixed(2).replace(/0$/, "");
}

/** A factor in a written-out sum: negative numbers in parentheses, 2·(-1). */
export const factor = (v: number) => (v < 0 ? `(${fmt(v)})` : fmt(v));

export const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

type RGB = [number, number, number];
const hex = (h: string): RGB => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)) as RGB;
const mix = (a: RGB, b: RGB, t: number): RGB => a.map((v, i) => Math.round(v + (b[i]! - v) * t)) as RGB;
const css = (c: RGB) => `rgb(${c[0]},${c[1]},${c[2]})`;
const WHITE: RGB = [255, 255, 255];

export const FAMILY = {
  input: "#2563eb",
  kernel: "#ea580c",
  write: "#16a34a",
  output: "#7c3aed",
  neutral: "#64748b",
} as const;
export type Family = keyof typeof FAMILY;

/** A light tint of the family colour growing with |v| / max (white for 0). */
export function tint(v: number, max: number, family: Family): string {
  if (v === 0 || max === 0) return "#ffffff";
  return css(mix(WHITE, hex(FAMILY[family]), 0.12 + 0.4 * Math.min(1, Math.abs(v) / max)));
}

/** Diverging colour for heatmaps: negative blue, zero white, positive orange-red. */
export function diverging(v: number, max: number): RGB {
  if (v === 0 || max === 0) return WHITE;
  const t = Math.min(1, Math.abs(v) / max);
  return mix(WHITE, hex(v > 0 ? "#c2410c" : "#1d4ed8"), 0.18 + 0.82 * t);
}

/** Sequential colour for counts: 0 → light grey, max → deep teal. */
// counts are judged against at least 4 so that a map of all 1s stays light
const seqT = (v: number, max: number) => v / Math.max(max, 4);
export function sequential(v: number, max: number): string {
  if (v === 0) return "#f1f5f9";
  return css(mix(hex("#ccfbf1"), hex("#0f766e"), Math.min(1, seqT(v, max))));
}
export const sequentialText = (v: number, max: number) => (seqT(v, max) > 0.55 ? "#ffffff" : "#0f172a");

/** Legend swatches (fill + stroke + dash) with labels, wrapped to maxWidth; the last line's baseline is y. */
export function legend(x: number, y: number, items: { fill: string; stroke: string; dash?: string; label: string }[], maxWidth = Infinity): string {
  const width = (it: { label: string }) => 17 + it.label.length * 6.2 + 14;
  const lines: (typeof items)[] = [[]];
  let used = 0;
  for (const it of items) {
    if (used > 0 && x + used + width(it) > maxWidth) lines.push([]), (used = 0);
    lines[lines.length - 1]!.push(it);
    used += width(it);
  }
  const parts: string[] = [];
  lines.forEach((line, li) => {
    const ly = y - (lines.length - 1 - li) * 16;
    let cx = x;
    for (const it of line) {
      parts.push(
        `<rect x="${cx}" y="${ly - 9}" width="12" height="12" rx="2" fill="${it.fill}" stroke="${it.stroke}" stroke-width="1.8"${it.dash ? ` stroke-dasharray="${it.dash}"` : ""}/>`,
      );
      parts.push(`<text class="legend" x="${cx + 17}" y="${ly + 1}">${esc(it.label)}</text>`);
      cx += width(it);
    }
  });
  return parts.join("");
}

export interface CellLook {
  fill?: string;
  text?: string | null;
  /** extra classes on the rect (hi-input, hi-write, crop, opad, pad, stale, sel, …) */
  cls?: string;
  textCls?: string;
  /** text colour (for dark fills) */
  textFill?: string;
  title?: string;
}

export interface GridOpts {
  x: number;
  y: number;
  cell: number;
  rows: number;
  cols: number;
  look: (r: number, c: number) => CellLook;
  /** data-grid name: cells become clickable (data-r, data-c) */
  name?: string;
  label?: string;
  labelCls?: string;
  /** outline drawn around the whole grid */
  frameCls?: string;
}

export function grid(o: GridOpts): string {
  const parts: string[] = [];
  const fontSize = Math.max(9, Math.min(15, Math.floor(o.cell * 0.42)));
  const showText = o.cell >= 15;
  if (o.label) parts.push(`<text class="glabel ${o.labelCls ?? ""}" x="${o.x}" y="${o.y - 7}">${esc(o.label)}</text>`);
  for (let r = 0; r < o.rows; r++)
    for (let c = 0; c < o.cols; c++) {
      const l = o.look(r, c);
      const x = o.x + c * o.cell;
      const y = o.y + r * o.cell;
      const data = o.name ? ` data-grid="${o.name}" data-r="${r}" data-c="${c}"` : "";
      const title = l.title ? `<title>${esc(l.title)}</title>` : "";
      parts.push(`<rect class="cell ${l.cls ?? ""}" x="${x}" y="${y}" width="${o.cell}" height="${o.cell}" fill="${l.fill ?? "#fff"}"${data}>${title}</rect>`);
      if (showText && l.text !== undefined && l.text !== null && l.text !== "")
        parts.push(
          `<text class="ctext ${l.textCls ?? ""}" x="${x + o.cell / 2}" y="${y + o.cell / 2}" font-size="${fontSize}"${l.textFill ? ` style="fill:${l.textFill}"` : ""}${data}>${esc(l.text)}</text>`,
        );
    }
  if (o.frameCls) parts.push(`<rect class="${o.frameCls}" x="${o.x}" y="${o.y}" width="${o.cols * o.cell}" height="${o.rows * o.cell}"/>`);
  return parts.join("");
}

/** An outline around a block of cells of a grid drawn at (gx, gy). */
export function outline(gx: number, gy: number, cell: number, r: number, c: number, h: number, w: number, cls: string): string {
  return `<rect class="${cls}" x="${gx + c * cell}" y="${gy + r * cell}" width="${w * cell}" height="${h * cell}"/>`;
}

export function text(x: number, y: number, s: string, cls = "", anchor = "middle"): string {
  return `<text class="${cls}" x="${x}" y="${y}" text-anchor="${anchor}">${esc(s)}</text>`;
}

export function arrow(x1: number, y: number, x2: number, label = ""): string {
  const head = `M${x2 - 6},${y - 4} L${x2},${y} L${x2 - 6},${y + 4}`;
  return `<path class="arrow" d="M${x1},${y} L${x2},${y} ${head}"/>` + (label ? text((x1 + x2) / 2, y - 7, label, "alabel") : "");
}

export const HATCH_DEFS = `<defs>
  <pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
    <rect width="6" height="6" fill="#f1f5f9"/><line x1="0" y1="0" x2="0" y2="6" stroke="#cbd5e1" stroke-width="3"/>
  </pattern></defs>`;
