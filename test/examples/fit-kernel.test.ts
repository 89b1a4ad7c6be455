// The fit-kernel demo, short: imports its fitKernel (which uses the built package "tconv" → dist/; npm test builds first),
// and runs its CLI with --gpu.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

test("fitKernel recovers the transposed-conv kernel: loss falls ≥ 100× in 60 steps", async () => {
  const lib = (await import("tconv")) as Record<string, unknown>;
  assert.ok("autograd" in lib && "Trainer" in (lib.gluon as object), "dist/ is stale or missing: run `npm run build` first (npm test does)");
  const { fitKernel } = await import("../../examples/fit-kernel.js");
  const r = await fitKernel({ steps: 60, seed: 1, quiet: true });
  assert.ok(r.lossEnd * 100 <= r.lossStart, `loss ${r.lossStart} → ${r.lossEnd}`);
  assert.ok(r.seconds < 30, `took ${r.seconds} s`);
  const sgd = await fitKernel({ steps: 60, seed: 1, quiet: true, optimizer: "sgd" });
  assert.ok(sgd.lossEnd * 100 <= sgd.lossStart, `sgd loss ${sgd.lossStart} → ${sgd.lossEnd}`);
});

test("fitKernel validates steps", async () => {
  const { fitKernel } = await import("../../examples/fit-kernel.js");
  await assert.rejects(fitKernel({ steps: 0 }), /fitKernel: steps=0 must be an integer >= 1/);
});

test("fit-kernel --gpu trains on gpu(0) (the `webgpu` package in Node): finite losses that fall as on the CPU", (t) => {
  const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, ["--import", "tsx", join(root, "examples/fit-kernel.ts"), "--steps", "20", "--quiet", ...args], {
      encoding: "utf8",
      cwd: root,
    });
  const gpu = cli("--gpu");
  assert.equal(gpu.status, 0, gpu.stderr);
  const why = gpu.stdout.match(/--gpu: no WebGPU adapter \((.*)\); running on cpu\(0\)/);
  if (why) {
    console.log(`# fit-kernel --gpu test skipped: ${why[1]}`);
    t.skip(`no WebGPU adapter: ${why[1]}`);
    return;
  }
  assert.match(gpu.stdout, /^device: gpu\(0\)$/m);
  const losses = (out: string, device: string) => {
    const m = out.match(new RegExp(`loss (\\S+) → (\\S+) in 20 steps on ${device.replace(/[()]/g, "\\$&")}`));
    assert.ok(m, `no loss line for ${device} in: ${out}`);
    return [Number(m[1]), Number(m[2])] as const;
  };
  const [g0, g1] = losses(gpu.stdout, "gpu(0)");
  assert.ok(Number.isFinite(g0) && Number.isFinite(g1) && g1 * 10 <= g0, `loss on gpu(0): ${g0} → ${g1}`);
  // the same seeded run on the CPU: float32 rounding differs between the devices, so the printed losses agree to ~1e-3
  const cpu = cli();
  assert.equal(cpu.status, 0, cpu.stderr);
  const [c0, c1] = losses(cpu.stdout, "cpu(0)");
  assert.ok(Math.abs(g0 - c0) <= 1e-3 * c0 && Math.abs(g1 - c1) <= 1e-2 * c1, `loss gpu(0) ${g0} → ${g1}, cpu(0) ${c0} → ${c1}`);
});
