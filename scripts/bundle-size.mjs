// Builds the deconvolution-only web page (issue 23) with esbuild and Vite, minified, and prints its sizes with a
// breakdown by source-map group. Usage: node scripts/bundle-size.mjs [--json] [--top N] [--files] [--vite]
// (--vite also builds the page with Vite, as an app that installs tconv would, and breaks its first load down too)
import { gzipSync } from "node:zlib";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The page: import the package and deconvolve a small array; `tconv` resolves to dist/ through package.json exports. */
export const deconvolutionPage = `import { np, npx } from "tconv";
globalThis.out = npx.deconvolution(np.ones([1, 1, 2, 2]), np.ones([1, 1, 2, 2])).reshape(9).tolist();`;

/**
 * The same page through the `tconv/np` and `tconv/npx` subpaths as namespace imports: esbuild keeps every member of a
 * namespace that a module re-exports (`import { npx } from "tconv"`), but only the members used of one imported with
 * `import * as`, so this is the form that lets esbuild drop the unused operators (Vite drops them either way).
 */
export const namespacePage = `import * as np from "tconv/np";
import * as npx from "tconv/npx";
globalThis.out = npx.deconvolution(np.ones([1, 1, 2, 2]), np.ones([1, 1, 2, 2])).reshape(9).tolist();`;

const gzipSize = (bytes) => gzipSync(bytes, { level: 9 }).length;

/**
 * Bundles the page. One file by default; `splitting: true` is esbuild's --splitting, where code behind import() (the
 * WebGPU backend, loaded by npx.initGpu) becomes a chunk the page fetches only when it calls initGpu. Returns the
 * output files, the first load (the entry and the chunks it imports statically: what a deconvolution needs) and the
 * minified bytes each input left in the output. Each file is gzipped on its own, as a server sends it.
 */
export async function measurePage(contents = deconvolutionPage, { splitting = false, sourcemap = false } = {}) {
  const r = await build({
    stdin: { contents, resolveDir: root, loader: "js" },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    write: false,
    metafile: true,
    logLevel: "error",
    splitting,
    outdir: join(root, "bundle-size-out"),
    ...(sourcemap ? { sourcemap: "external" } : {}),
  });
  const rel = (p) => relative(root, p).split("\\").join("/");
  const outputs = r.metafile.outputs;
  const entry = Object.keys(outputs).find((f) => outputs[f].entryPoint !== undefined);
  const first = new Set([entry]);
  for (const f of first) for (const i of outputs[f].imports) if (i.kind === "import-statement" && outputs[i.path]) first.add(i.path);
  const files = r.outputFiles
    .filter((f) => f.path.endsWith(".js"))
    .map((f) => ({ file: rel(f.path), code: f.contents, minified: f.contents.length, gzip: gzipSize(f.contents) }))
    .map((f) => ({ ...f, firstLoad: first.has(f.file) }));
  const sum = (list, k) => list.reduce((a, f) => a + f[k], 0);
  const firstFiles = files.filter((f) => f.firstLoad);
  const inputs = {};
  for (const o of Object.values(outputs)) for (const [file, v] of Object.entries(o.inputs)) inputs[file] = (inputs[file] ?? 0) + v.bytesInOutput;
  const entryFile = files.find((f) => f.file === entry);
  const firstLoadInputs = [...first].flatMap((f) => Object.keys(outputs[f].inputs).filter((i) => outputs[f].inputs[i].bytesInOutput > 0));
  return {
    files,
    minified: sum(firstFiles, "minified"),
    gzip: sum(firstFiles, "gzip"),
    lazy: { minified: sum(files, "minified") - sum(firstFiles, "minified"), gzip: sum(files, "gzip") - sum(firstFiles, "gzip") },
    firstLoadInputs,
    code: entryFile.code,
    map: r.outputFiles.find((f) => f.path.endsWith(".js.map"))?.text,
    inputs: Object.entries(inputs)
      .map(([file, bytes]) => ({ file, bytes }))
      .filter((x) => x.bytes > 0)
      .sort((a, b) => b.bytes - a.bytes),
  };
}

/**
 * Builds the page with Vite into a temporary folder; returns each emitted JS asset's minified and gzip size (with
 * `groupOf`, also the first-load asset's gzipShares from Vite's source map).
 */
export async function measureVitePage(contents = deconvolutionPage, groupOf = null) {
  const { build: viteBuild } = await import("vite");
  const { mkdtempSync, writeFileSync, readdirSync, readFileSync, rmSync } = await import("node:fs");
  const dir = mkdtempSync(join(root, ".bundle-size-vite-"));
  try {
    writeFileSync(join(dir, "index.html"), '<!doctype html><script type="module" src="./main.js"></script>');
    writeFileSync(join(dir, "main.js"), contents);
    const sourcemap = groupOf !== null;
    await viteBuild({ root: dir, logLevel: "error", configFile: false, build: { outDir: join(dir, "out"), modulePreload: false, sourcemap } });
    const html = readFileSync(join(dir, "out", "index.html"), "utf8");
    return readdirSync(join(dir, "out", "assets"))
      .filter((f) => f.endsWith(".js"))
      .map((f) => {
        const b = readFileSync(join(dir, "out", "assets", f));
        const firstLoad = html.includes(f);
        const shares = sourcemap && firstLoad ? gzipShares(b, readFileSync(join(dir, "out", "assets", `${f}.map`), "utf8"), groupOf) : undefined;
        return { file: f, minified: b.length, gzip: gzipSize(b), firstLoad, ...(shares ? { shares } : {}) };
      });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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

/**
 * Source-map group of a source: its folder (src/ops, src/backends/wasm, …) or, with `files`, the file itself. Maps lead
 * back to src/ through dist/'s own source maps; a Vite map names the files under dist/.
 */
export function groupOfSource(files = false) {
  return (f) => {
    const p = f.split("/");
    const at = p.findIndex((x) => x === "src" || x === "dist");
    const q = at >= 0 ? ["src", ...p.slice(at + 1)] : p;
    if (files) return q.join("/");
    // the embedded module text is its own row: it is a third of the page
    if (q.at(-1)?.startsWith("kernels-wasm.generated")) return "src/backends/wasm (module text)";
    return q[0] === "src" && q[1] === "backends" && q.length > 3 ? q.slice(0, 3).join("/") : q[0] === "src" ? q.slice(0, 2).join("/") : q[0];
  };
}

/** Every size the test checks, for both pages: esbuild one file, esbuild --splitting, and Vite (with its breakdown). */
export async function measureAll({ vite = true, sourcemap = false, files = false } = {}) {
  const groupOf = groupOfSource(files);
  const out = {};
  for (const [name, page] of [
    ["named", deconvolutionPage],
    ["namespace", namespacePage],
  ]) {
    const one = await measurePage(page, { sourcemap });
    const split = await measurePage(page, { splitting: true });
    out[name] = {
      oneFile: one,
      splitting: split,
      shares: sourcemap ? gzipShares(one.code, one.map, groupOf) : undefined,
      vite: vite ? await measureVitePage(page, sourcemap ? groupOf : null) : undefined,
    };
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const topAt = args.indexOf("--top");
  const top = topAt >= 0 ? Number(args[topAt + 1]) : 25;
  const all = await measureAll({ vite: args.includes("--vite"), sourcemap: true, files: args.includes("--files") });
  if (args.includes("--json")) {
    const strip = ({ code, map, files, ...rest }) => ({ ...rest, files: files.map(({ code: _, ...f }) => f) });
    const json = {};
    for (const [name, m] of Object.entries(all)) json[name] = { oneFile: strip(m.oneFile), splitting: strip(m.splitting), vite: m.vite, shares: m.shares };
    console.log(JSON.stringify(json, null, 2));
  } else {
    const kb = (n) => `${(n / 1000).toFixed(1)} KB`.padStart(9);
    const t = (n) => kb(n).trim();
    const table = (shares) => {
      for (const s of shares.slice(0, top)) console.log(`${kb(s.minified)} ${kb(s.gzip)}  ${s.group}`);
      const rest = shares.slice(top);
      if (rest.length > 0) console.log(`${kb(rest.reduce((a, s) => a + s.minified, 0))} ${kb(rest.reduce((a, s) => a + s.gzip, 0))}  (${rest.length} more)`);
    };
    for (const [name, m] of Object.entries(all)) {
      const { oneFile: one, splitting: split } = m;
      console.log(
        `deconvolution-only page, ${name === "named" ? 'import { np, npx } from "tconv"' : 'import * as np from "tconv/np" (and npx)'} (gzip level 9, each file on its own):`,
      );
      console.log(`  esbuild, one file:               ${t(one.minified)} minified, ${t(one.gzip)} gzip`);
      console.log(
        `  esbuild --splitting, first load: ${t(split.minified)} minified, ${t(split.gzip)} gzip (${split.files.filter((f) => f.firstLoad).length} files)`,
      );
      console.log(`  esbuild --splitting, lazy:       ${t(split.lazy.minified)} minified, ${t(split.lazy.gzip)} gzip (loaded by npx.initGpu)`);
      for (const f of m.vite ?? []) console.log(`  vite: ${f.file}: ${t(f.minified)} minified, ${t(f.gzip)} gzip (${f.firstLoad ? "first load" : "lazy"})`);
      console.log(`  esbuild one file by source-map group: minified bytes, and gzip(page) - gzip(page without them)`);
      table(m.shares);
      for (const f of m.vite ?? [])
        if (f.shares) {
          console.log(`  vite first load by source-map group:`);
          table(f.shares);
        }
    }
  }
}
