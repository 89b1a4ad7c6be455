// WebAssembly refused (as under a CSP without 'wasm-unsafe-eval'), in Node: the JS kernels give the right result after one warning.
import { test } from "node:test";
import assert from "node:assert/strict";
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import type { ConvGeometry } from "../../../src/params/geometry.js";
import { describe, runChild } from "../../helpers/child.js";
import { directConvTranspose, maxAbsDiff } from "../../helpers/conv-direct.js";

// DCGAN-like k4 s2 p1: large enough that the dispatcher picks a wasm kernel where wasm compiles
const g: ConvGeometry = {
  nd: 2,
  batch: 2,
  groups: 1,
  imageChannels: 32,
  gridChannels: 64,
  gridSize: [8, 8],
  imageSize: [16, 16],
  kernel: [4, 4],
  strides: [2, 2],
  dilation: [1, 1],
  padBegin: [1, 1],
  padEnd: [1, 1],
  outputPadding: [0, 0],
  channelsLast: false,
};

const body = `
import { hooks } from ${JSON.stringify(pathToFileURL(resolve("dist/backends/hooks.js")).href)};
const warnings = [];
process.on("warning", (w) => { if (w.name === "TconvWarning") warnings.push({ code: w.code, message: w.message }); });
// what Chromium throws for a page whose script-src lacks 'wasm-unsafe-eval'
const refuse = function () { throw new WebAssembly.CompileError("WebAssembly.Module(): Refused to compile or instantiate WebAssembly module because 'unsafe-eval' is not an allowed source of script"); };
WebAssembly.Module = refuse;
WebAssembly.compile = refuse;
const { np, npx } = tconv;
np.random.seed(5);
const x = np.random.uniform({ low: -1, high: 1, size: [2, 64, 8, 8] });
const w = np.random.uniform({ low: -0.1, high: 0.1, size: [64, 32, 4, 4] });
const runs = [];
for (let i = 0; i < 2; i++) {
  const y = npx.deconvolution(x, w, { strides: 2, padding: 1 });
  runs.push({ algorithm: hooks.lastAlgorithm, y: Array.from(y.asTypedArray()) });
}
const ready = await tconv.threadsReady();
await new Promise((r) => setImmediate(r)); // process.emitWarning reports on the next tick
console.log(JSON.stringify({ x: Array.from(x.asTypedArray()), w: Array.from(w.asTypedArray()), runs, warnings, ready }));
`;

test("wasm refused: the JS kernels run, the result matches the direct definition, one TCONV_WASM_UNAVAILABLE warning", async () => {
  const r = await runChild(body, { timeoutMs: 60_000 });
  assert.equal(r.status, 0, describe(r));
  const out = JSON.parse(r.stdout) as {
    x: number[];
    w: number[];
    runs: { algorithm: string; y: number[] }[];
    warnings: { code: string; message: string }[];
    ready: number;
  };
  const want = directConvTranspose(g, out.x, out.w, null);
  for (const run of out.runs) {
    assert.equal(run.algorithm, "direct");
    assert.ok(maxAbsDiff(run.y, want) < 1e-4, `max |Δ| = ${maxAbsDiff(run.y, want)}`);
  }
  assert.equal(out.warnings.length, 1, JSON.stringify(out.warnings));
  assert.equal(out.warnings[0]!.code, "TCONV_WASM_UNAVAILABLE");
  assert.match(
    out.warnings[0]!.message,
    /WebAssembly is unavailable here \(.*Refused to compile.*\); tconv runs its JavaScript kernels instead.*'wasm-unsafe-eval'/,
  );
  assert.equal(out.ready, 1, "no wasm, no worker threads");
});
