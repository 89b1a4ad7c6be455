// The GPU kernels added after the conv kernels, in Chromium (navigator.gpu on a page served from 127.0.0.1) against the
// page's CPU backend: pooling, fused BatchNorm, upsampling, padding modes, take, pick, batched matmul, gelu/prelu/softsign,
// mod/fmod, sin/cos, erf, prod with gradients, and dropout by its statistics (its GPU mask is not the CPU's by design).
// The same kernels' Dawn tests in Node are pooling/batch-norm/resample-pad/pick-matmul/math/elementwise/dropout.test.ts.
// Skipped only when no Chromium is installed, or when the page's WebGPU finds no adapter (the reason is printed).
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { SKIP, nodeStubs, runGpuPage } from "../../helpers/chromium.js";
import type { KernelPageResult } from "./chromium-kernels-entry.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

test("pooling, BatchNorm, upsampling, pad and padding modes, take, pick, batched matmul, gelu/prelu/softsign, mod/fmod, sin/cos, erf, prod and dropout on gpu(0) in Chromium equal the CPU backend", {
  skip: SKIP,
  timeout: 300_000,
}, async (t: TestContext) => {
  const { result: r, errors } = await runGpuPage<KernelPageResult>(
    join(ROOT, "test", "backends", "webgpu", "chromium-kernels-entry.ts"),
    [nodeStubs],
    "runKernelChecks",
    2130,
  );
  if (r.gpus === 0) {
    console.log(`# chromium webgpu kernel test skipped: ${r.reason}`);
    t.skip(`no WebGPU adapter in Chromium: ${r.reason}`);
    return;
  }
  console.log(`# chromium WebGPU adapter: ${r.adapter}; ${r.cases!.length} results checked`);
  const covered = new Set(r.cases!.map((c) => c.what.split(/[ :]/)[0]));
  for (const k of [
    "pooling",
    "batchNorm",
    "upsampling",
    "np.pad",
    "convolution",
    "deconvolution",
    "np.take",
    "npx.pick",
    "np.matmul",
    "gelu",
    "prelu",
    "softsign",
    "np.mod",
    "np.fmod",
    "np.sin",
    "np.cos",
    "np.erf",
    "np.prod",
  ])
    assert.ok(covered.has(k), `the page checked ${k}`);
  for (const c of r.cases!) {
    assert.equal(c.got.length, c.want.length, `${c.what}: length`);
    c.want.forEach((w, i) => {
      const g = c.got[i]!;
      if (c.exact)
        assert.ok(
          Object.is(g, w),
          `${c.what}: element ${i} is ${Object.is(g, -0) ? "-0" : g} on the GPU and ${Object.is(w, -0) ? "-0" : w} on the CPU (bit for bit)`,
        );
      else
        assert.ok(
          g === w || Math.abs(g - w) <= c.atol + c.rtol * Math.abs(w) || (Number.isNaN(g) && Number.isNaN(w)),
          `${c.what}: element ${i} is ${g} on the GPU and ${w} on the CPU (tolerance ${c.atol} + ${c.rtol}·|cpu|)`,
        );
    });
  }
  for (const d of r.dropout!) {
    const sigma = Math.sqrt(d.n * d.p * (1 - d.p));
    assert.ok(
      Math.abs(d.kept - d.n * (1 - d.p)) <= 5 * sigma,
      `dropout p ${d.p}: kept ${d.kept} of ${d.n} (expected ${d.n * (1 - d.p)} ± 5·${sigma.toFixed(1)})`,
    );
    assert.equal(d.badScale, 0, `dropout p ${d.p}: kept elements scaled by 1/(1 − p)`);
    assert.equal(d.badGrad, 0, `dropout p ${d.p}: the gradient uses the forward's mask`);
  }
  if (errors.length > 0) throw new Error(`page errors: ${errors.join("; ")}`);
});
