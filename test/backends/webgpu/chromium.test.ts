// The WebGPU conv kernels in Chromium (navigator.gpu on a page served from 127.0.0.1) against the reference loops.
// Skipped only when no Chromium is installed, or when the page's WebGPU finds no adapter (the reason is printed).
import { test, type TestContext } from "node:test";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import type { ConvGeometry } from "../../../src/params/geometry.js";
import { SKIP, runGpuPage } from "../../helpers/chromium.js";
import { assertClose, geometryArb } from "../../helpers/geometry-arb.js";
import type { PageResult } from "./chromium-entry.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

test("webgpu conv kernels in Chromium equal the reference (random geometries and a multi-tile DCGAN layer)", {
  skip: SKIP,
  timeout: 300_000,
}, async (t: TestContext) => {
  const dcgan: ConvGeometry = {
    nd: 2,
    batch: 2,
    groups: 1,
    imageChannels: 36,
    gridChannels: 40,
    imageSize: [8, 8],
    gridSize: [4, 4],
    kernel: [4, 4],
    strides: [2, 2],
    dilation: [1, 1],
    padBegin: [1, 1],
    padEnd: [1, 1],
    outputPadding: [0, 0],
    channelsLast: false,
  };
  const geometries = [...fc.sample(geometryArb, { numRuns: 8, seed: 42 }), dcgan];
  const { result: r, errors } = await runGpuPage<PageResult>(join(ROOT, "test", "backends", "webgpu", "chromium-entry.ts"), [], "runChecks", geometries);
  if (r.gpus === 0) {
    console.log(`# chromium webgpu test skipped: ${r.reason}`);
    t.skip(`no WebGPU adapter in Chromium: ${r.reason}`);
    return;
  }
  console.log(`# chromium WebGPU adapter: ${r.adapter}; ${r.cases!.length} kernel calls checked`);
  for (const c of r.cases!) assertClose(c.got, c.want, c.reduction, `${c.kernel} ${JSON.stringify(geometries[Number(c.kernel.split(" ")[1])])}`);
  if (errors.length > 0) throw new Error(`page errors: ${errors.join("; ")}`);
});
