// The chapter's exercise: "Is it efficient to use matrix multiplication to implement convolution?"
// Single-channel 2-D convolution, 3×3 kernel, n×n input (stride 1, no padding → (n−2)² outputs).
//   (a) dense form y = W·vec(x), W of shape (n−2)² × n²;
//   (b) direct convolution.
// Each is timed with tconv (np.dot on d2l.convMatrix's W / npx.convolution) when tconv is built,
// and with plain JavaScript loops (always), single-threaded.
// Emits "@@{json}" lines like child.mjs.
//   node --expose-gc lib/exercise.mjs --sizes 8,16,32,64,128 [--max-bytes 2e9] [--target-ms 300] [--max-ms 3000]
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { prng } from "./cases.mjs";
import { tconvDistEntry } from "./peers.mjs";

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => {
    if (a.startsWith("--")) acc.push([a.slice(2), all[i + 1] && !all[i + 1].startsWith("--") ? all[i + 1] : "1"]);
    return acc;
  }, []),
);
const sizes = (args.sizes ?? "8,16,32,64,128,256").split(",").map(Number);
const MAX_BYTES = Number(args["max-bytes"] ?? 2.2e9);
const TARGET_MS = Number(args["target-ms"] ?? 300);
const MAX_MS = Number(args["max-ms"] ?? 3000);
const emit = (o) => process.stdout.write("@@" + JSON.stringify(o) + "\n");
const gc = globalThis.gc ?? (() => {});
const now = () => performance.now();

function timeIt(fn) {
  let t = now();
  const out = fn();
  const first = now() - t;
  const samples = [];
  const t0 = now();
  if (first >= MAX_MS) return { out, ms: first, reps: 1 };
  for (;;) {
    // batch tiny calls so one sample lasts ≥ ~1 ms
    const batch = first < 1 ? Math.ceil(1 / Math.max(first, 1e-4)) : 1;
    t = now();
    for (let i = 0; i < Math.min(batch, 100000); i++) fn();
    samples.push((now() - t) / Math.min(batch, 100000));
    const e = now() - t0;
    if ((e >= TARGET_MS && samples.length >= 3) || e >= MAX_MS || samples.length >= 1000) break;
  }
  samples.sort((a, b) => a - b);
  return { out, ms: samples[samples.length >> 1], reps: samples.length };
}

let tconv = null;
let tconvNote = "";
const entry = tconvDistEntry();
if (existsSync(entry)) {
  try {
    const mod = await import(pathToFileURL(entry).href);
    if (mod.np?.array && mod.npx?.convolution) {
      tconv = mod;
      if (typeof mod.setNumThreads === "function") await mod.setNumThreads(1);
    } else tconvNote = "dist/index.js does not export np/npx yet";
  } catch (e) {
    tconvNote = `import failed: ${String(e?.message ?? e)}`;
  }
} else tconvNote = `${entry} missing`;
const hasConvMatrix = typeof tconv?.d2l?.convMatrix === "function";
const hasDot = typeof tconv?.np?.dot === "function";
emit({ event: "init", tconv: !!tconv, tconvNote, hasConvMatrix, hasDot });

const rnd = prng(12345);
const K = Float32Array.from({ length: 9 }, () => rnd());

for (const n of sizes) {
  const m = n - 2;
  const rows = m * m;
  const cols = n * n;
  const wBytes = rows * cols * 4;
  const row = { n, rows, cols, wBytes, denseMacs: rows * cols, directMacs: rows * 9 };
  if (wBytes > MAX_BYTES) {
    emit({ event: "exercise", ...row, skipped: `W would need ${(wBytes / 2 ** 30).toFixed(1)} GiB (limit ${(MAX_BYTES / 2 ** 30).toFixed(1)} GiB)` });
    continue;
  }
  const x = Float32Array.from({ length: cols }, () => rnd());

  // plain JS: direct 3×3 correlation
  const direct = timeIt(() => {
    const y = new Float32Array(rows);
    for (let i = 0; i < m; i++)
      for (let j = 0; j < m; j++) {
        let s = 0;
        for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) s += x[(i + a) * n + j + b] * K[a * 3 + b];
        y[i * m + j] = s;
      }
    return y;
  });
  row.jsDirectMs = direct.ms;
  const yRef = direct.out;

  // plain JS: build W with loops, then y = W·x
  let t = now();
  let W = new Float32Array(rows * cols);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < m; j++) {
      const r = (i * m + j) * cols;
      for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) W[r + (i + a) * n + j + b] = K[a * 3 + b];
    }
  row.jsBuildMs = now() - t;
  const dense = timeIt(() => {
    const y = new Float32Array(rows);
    for (let r = 0; r < rows; r++) {
      let s = 0;
      const o = r * cols;
      for (let c = 0; c < cols; c++) s += W[o + c] * x[c];
      y[r] = s;
    }
    return y;
  });
  row.jsDenseMs = dense.ms;
  row.jsDenseErr = maxErr(dense.out, yRef);
  W = null;
  gc();

  if (tconv) {
    const { np, npx, d2l } = tconv;
    try {
      const X = np.array(x, { dtype: "float32" }).reshape([1, 1, n, n]);
      const Kt = np.array(K, { dtype: "float32" }).reshape([1, 1, 3, 3]);
      const conv = timeIt(() => npx.convolution(X, Kt, { strides: [1, 1], padding: [0, 0] }).asTypedArray());
      row.tconvDirectMs = conv.ms;
      row.tconvDirectErr = maxErr(conv.out, yRef);
      if (hasDot) {
        t = now();
        let Wt;
        if (hasConvMatrix) {
          Wt = d2l.convMatrix([1, 1, n, n], Kt, { strides: [1, 1], padding: [0, 0] });
          row.wBuiltBy = "d2l.convMatrix";
        } else {
          const Wd = new Float32Array(rows * cols);
          for (let i = 0; i < m; i++)
            for (let j = 0; j < m; j++) for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) Wd[(i * m + j) * cols + (i + a) * n + j + b] = K[a * 3 + b];
          Wt = np.array(Wd, { dtype: "float32" }).reshape([rows, cols]);
          row.wBuiltBy = "plain loops";
        }
        row.tconvBuildMs = now() - t;
        const xv = X.reshape([cols, 1]);
        const dot = timeIt(() => np.dot(Wt, xv).asTypedArray());
        row.tconvDenseMs = dot.ms;
        row.tconvDenseErr = maxErr(dot.out, yRef);
        Wt = null;
        gc();
      }
    } catch (e) {
      row.tconvError = String(e?.message ?? e).slice(0, 200);
    }
  }
  emit({ event: "exercise", ...row });
  gc();
}
emit({ event: "done" });
process.exit(0);

function maxErr(a, ref) {
  let d = 0;
  let r = 0;
  for (let i = 0; i < ref.length; i++) {
    d = Math.max(d, Math.abs(a[i] - ref[i]));
    r = Math.max(r, Math.abs(ref[i]));
  }
  return a.length === ref.length ? d / (r || 1) : Infinity;
}
