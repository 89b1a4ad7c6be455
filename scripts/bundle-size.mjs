// Builds the deconvolution-only web page (issue 23) with esbuild, minified, and prints its minified and gzip sizes with
// a per-input breakdown from esbuild's metafile. Usage: node scripts/bundle-size.mjs [--json] [--top N] [--files]
import { gzipSync } from "node:zlib";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The page: import the package and deconvolve a small array; `tconv` resolves to dist/ through package.json exports. */
export const deconvolutionPage = `import { np, npx } from "tconv";
globalThis.out = npx.deconvolution(np.ones([1, 1, 2, 2]), np.ones([1, 1, 2, 2])).reshape(9).tolist();`;

const gzipSize = (bytes) => gzipSync(bytes, { level: 9 }).length;

/** Bundles the page; returns the code, its minified and gzip sizes and the minified bytes each input left in it. */
export async function measurePage(contents = deconvolutionPage, sourcemap = false) {
  const r = await build({
    stdin: { contents, resolveDir: root, loader: "js" },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    write: false,
    metafile: true,
    logLevel: "error",
    ...(sourcemap ? { sourcemap: "external", outfile: join(root, "page.js") } : {}),
  });
  const js = r.outputFiles.find((f) => f.path.endsWith(".js"));
  const map = r.outputFiles.find((f) => f.path.endsWith(".map"));
  const output = Object.entries(r.metafile.outputs).find(([f]) => f.endsWith(".js"))[1];
  const inputs = Object.entries(output.inputs)
    .map(([file, v]) => ({ file, bytes: v.bytesInOutput }))
    .filter((x) => x.bytes > 0)
    .sort((a, b) => b.bytes - a.bytes);
  return { code: js.contents, minified: js.contents.length, gzip: gzipSize(js.contents), inputs, map: map?.text };
}

/** Decodes a source map's mappings into, per output line, [column, sourceIndex] pairs in column order. */
function decodeMappings(mappings) {
  const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const lines = [];
  let src = 0;
  for (const line of mappings.split(";")) {
    const segs = [];
    let col = 0;
    for (const seg of line.split(",")) {
      if (seg === "") continue;
      const vals = [];
      for (let i = 0, v = 0, shift = 0; i < seg.length; i++) {
        const d = chars.indexOf(seg[i]);
        v += (d & 31) << shift;
        if (d & 32) shift += 5;
        else {
          vals.push(v & 1 ? -(v >>> 1) : v >>> 1);
          v = 0;
          shift = 0;
        }
      }
      col += vals[0];
      if (vals.length > 1) src += vals[1];
      segs.push([col, vals.length > 1 ? src : -1]);
    }
    lines.push(segs);
  }
  return lines;
}

/**
 * What each group of inputs costs after gzip: gzip(page) − gzip(page without the output bytes the source map assigns
 * to the group). Shares do not add up exactly to the total (gzip's matches cross group boundaries), but they rank
 * what to shrink by what it costs on the wire rather than by its minified length.
 */
export function gzipShares(code, mapText, groupOf) {
  const map = JSON.parse(mapText);
  const text = Buffer.from(code).toString("latin1");
  const lines = text.split("\n");
  const owner = new Int32Array(text.length).fill(-1); // source index per output char
  const decoded = decodeMappings(map.mappings);
  let base = 0;
  for (let l = 0; l < lines.length; l++) {
    const segs = decoded[l] ?? [];
    for (let s = 0; s < segs.length; s++) {
      const end = s + 1 < segs.length ? segs[s + 1][0] : lines[l].length;
      owner.fill(segs[s][1], base + segs[s][0], base + end);
    }
    base += lines[l].length + 1;
  }
  const groups = new Map();
  map.sources.forEach((s, i) => {
    const g = groupOf(s.replace(/^(\.\.\/)+/, ""));
    if (!groups.has(g)) groups.set(g, new Set());
    groups.get(g).add(i);
  });
  // bytes no mapping covers: esbuild's module glue, and long literals such as the embedded wasm string
  groups.set("(not in the source map)", new Set([-1]));
  const total = gzipSize(Buffer.from(text, "latin1"));
  const out = [];
  for (const [group, members] of groups) {
    let kept = "";
    let runStart = 0;
    for (let i = 0; i <= text.length; i++) {
      const inGroup = i < text.length && members.has(owner[i]);
      if (inGroup || i === text.length) {
        if (i > runStart) kept += text.slice(runStart, i);
        runStart = i + 1;
      }
    }
    const removed = text.length - kept.length;
    out.push({ group, minified: removed, gzip: total - gzipSize(Buffer.from(kept, "latin1")) });
  }
  return out.sort((a, b) => b.gzip - a.gzip);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const topAt = args.indexOf("--top");
  const top = topAt >= 0 ? Number(args[topAt + 1]) : 25;
  const m = await measurePage(deconvolutionPage, true);
  // by folder (dist/backends/wasm, dist/ops, ...) unless --files asks for one row per file
  const groupOf = args.includes("--files")
    ? (f) => f
    : (f) => {
        // the map leads through dist/'s own source maps back to src/
        const p = f.split("/");
        return p[1] === "backends" ? p.slice(0, 3).join("/") : p[0] === "src" || p[0] === "dist" ? p.slice(0, 2).join("/") : p[0];
      };
  const shares = gzipShares(m.code, m.map, groupOf);
  if (args.includes("--json")) {
    console.log(JSON.stringify({ minified: m.minified, gzip: m.gzip, shares, inputs: m.inputs }, null, 2));
  } else {
    const kb = (n) => `${(n / 1000).toFixed(1)} KB`.padStart(9);
    console.log(`deconvolution-only page: ${kb(m.minified).trim()} minified, ${kb(m.gzip).trim()} gzip (level 9), ${m.inputs.length} inputs`);
    console.log(` minified      gzip  group`);
    for (const s of shares.slice(0, top)) console.log(`${kb(s.minified)} ${kb(s.gzip)}  ${s.group}`);
    const rest = shares.slice(top);
    if (rest.length > 0) console.log(`${kb(rest.reduce((a, s) => a + s.minified, 0))} ${kb(rest.reduce((a, s) => a + s.gzip, 0))}  (${rest.length} more)`);
  }
}
