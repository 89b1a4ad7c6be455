// Draws loss_D and loss_G against epochs as a small self-contained SVG (per-batch values faint, epoch means bold).

export interface LossHistory {
  /** per batch: [epoch + fraction of the epoch done, loss_D, loss_G] */
  batches: [number, number, number][];
  /** per finished epoch: [epoch, mean loss_D, mean loss_G] */
  epochs: [number, number, number][];
}

const fmt = (v: number) => (Math.abs(v) >= 10 ? v.toFixed(0) : v.toFixed(2));

export function lossPlotSVG(history: LossHistory, title = "DCGAN losses"): string {
  const W = 640;
  const H = 360;
  const m = { left: 56, right: 20, top: 34, bottom: 44 };
  // plain loops, not Math.max(...rows): a spread of 50,000+ values overflows the stack (and the checkpoint after it)
  let xMax = 1,
    top = 0.5,
    bottom = 0;
  for (const rows of [history.batches, history.epochs])
    for (const r of rows) {
      if (r[0] > xMax) xMax = r[0];
      for (const v of [r[1], r[2]])
        if (Number.isFinite(v)) {
          if (v > top) top = v;
          if (-v > bottom) bottom = -v;
        }
    }
  const round = (v: number) => (v > 2 ? Math.ceil(v / 2) * 2 : Math.ceil(v * 4) / 4); // round ticks ((yMax − yMin) / 4 apart)
  const yMax = round(top);
  const yMin = -round(bottom); // below 0 only for losses that go negative (WGAN's)
  const sx = (x: number) => m.left + (x / xMax) * (W - m.left - m.right);
  const sy = (y: number) => H - m.bottom - ((Math.max(Math.min(y, yMax), yMin) - yMin) / (yMax - yMin)) * (H - m.top - m.bottom);
  const line = (pts: [number, number, number][], k: 1 | 2) =>
    pts
      .filter((p) => Number.isFinite(p[k]))
      .map((p, i) => `${i === 0 ? "M" : "L"}${sx(p[0]).toFixed(1)},${sy(p[k]).toFixed(1)}`)
      .join(" ");
  const colours = { 1: "#1f77b4", 2: "#d62728" } as const;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${title}</text>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const y = yMin + ((yMax - yMin) * i) / 4;
    parts.push(`<line x1="${m.left}" x2="${W - m.right}" y1="${sy(y).toFixed(1)}" y2="${sy(y).toFixed(1)}" stroke="#ddd"/>`);
    parts.push(`<text x="${m.left - 6}" y="${(sy(y) + 4).toFixed(1)}" text-anchor="end">${fmt(y)}</text>`);
  }
  const step = Math.max(1, Math.ceil(xMax / 10));
  for (let e = 0; e <= xMax; e += step) parts.push(`<text x="${sx(e).toFixed(1)}" y="${H - m.bottom + 16}" text-anchor="middle">${e}</text>`);
  parts.push(`<text x="${(m.left + W - m.right) / 2}" y="${H - 8}" text-anchor="middle">epoch</text>`);
  parts.push(`<line x1="${m.left}" x2="${m.left}" y1="${m.top}" y2="${H - m.bottom}" stroke="black"/>`);
  parts.push(`<line x1="${m.left}" x2="${W - m.right}" y1="${H - m.bottom}" y2="${H - m.bottom}" stroke="black"/>`);
  for (const k of [1, 2] as const) {
    if (history.batches.length > 0) parts.push(`<path d="${line(history.batches, k)}" fill="none" stroke="${colours[k]}" stroke-opacity="0.3"/>`);
    if (history.epochs.length > 0) {
      parts.push(`<path d="${line(history.epochs, k)}" fill="none" stroke="${colours[k]}" stroke-width="2.5"/>`);
      for (const p of history.epochs)
        if (Number.isFinite(p[k])) parts.push(`<circle cx="${sx(p[0]).toFixed(1)}" cy="${sy(p[k]).toFixed(1)}" r="3" fill="${colours[k]}"/>`);
    }
  }
  parts.push(`<rect x="${W - m.right - 130}" y="${m.top}" width="122" height="44" fill="white" stroke="#999"/>`);
  parts.push(`<line x1="${W - m.right - 120}" x2="${W - m.right - 96}" y1="${m.top + 14}" y2="${m.top + 14}" stroke="${colours[1]}" stroke-width="2.5"/>`);
  parts.push(`<text x="${W - m.right - 90}" y="${m.top + 18}">loss_D</text>`);
  parts.push(`<line x1="${W - m.right - 120}" x2="${W - m.right - 96}" y1="${m.top + 32}" y2="${m.top + 32}" stroke="${colours[2]}" stroke-width="2.5"/>`);
  parts.push(`<text x="${W - m.right - 90}" y="${m.top + 36}">loss_G</text>`);
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}
