// The DCGAN demo in quick mode: finite losses, pictures, checkpoint + resume equal to an uninterrupted run, bad checkpoints, Ctrl-C.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pngjs from "pngjs";
import type { nn } from "tconv";
import { trainDCGAN, type DCGANOptions } from "../../examples/dcgan.js";
import { makeShapes } from "../../examples/shapes-dataset.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const tiny: DCGANOptions = { imageSize: 16, width: 4, latentDim: 8, datasetSize: 24, batchSize: 4, learningRate: 0.002, samples: 9, quiet: true };
const fresh = (name: string) => mkdtempSync(join(tmpdir(), `tconv-dcgan-${name}-`));

/** Every parameter of the net as raw bytes, by structural name (weights, BatchNorm gamma/beta and running statistics). */
function snapshot(net: nn.Sequential): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [name, p] of net.collectParams().entries()) {
    const a = p.data().asTypedArray();
    out.set(name, Buffer.from(a.buffer, a.byteOffset, a.byteLength));
  }
  return out;
}

function assertSameParameters(a: nn.Sequential, b: nn.Sequential, what: string): void {
  const sa = snapshot(a);
  const sb = snapshot(b);
  assert.deepEqual([...sa.keys()], [...sb.keys()]);
  for (const [name, bytes] of sa) assert.ok(bytes.equals(sb.get(name)!), `${what} ${name} differs`);
}

test("makeShapes: the same seed gives the same images, values in [−1, 1], shapes differ from the background", () => {
  const a = makeShapes(8, 16, 3);
  assert.deepEqual(a, makeShapes(8, 16, 3));
  assert.notDeepEqual(a, makeShapes(8, 16, 4));
  assert.ok(a.every((v) => v >= -1 && v <= 1));
  for (let n = 0; n < 8; n++) {
    const img = a.subarray(n * 768, (n + 1) * 768);
    assert.ok(Math.max(...img) - Math.min(...img) > 0.8, `image ${n} has no visible shape`);
  }
});

test("DCGAN trains for a few batches on a tiny set: finite losses, a sample grid that decodes and is not constant, a loss plot", async () => {
  const out = fresh("train");
  const r = await trainDCGAN({ ...tiny, out, epochs: 4 });
  assert.equal(r.epoch, 4);
  assert.equal(r.batchesRun, 24);
  assert.equal(r.history.epochs.length, 4);
  for (const [, lD, lG] of [...r.history.epochs, ...r.history.batches]) assert.ok(Number.isFinite(lD) && Number.isFinite(lG) && lD > 0 && lG > 0);
  for (let e = 1; e <= 4; e++) {
    const png = pngjs.PNG.sync.read(readFileSync(join(out, `samples-epoch-0${e}.png`)));
    assert.deepEqual([png.width, png.height], [2 + 3 * (16 * 4 + 2), 2 + 3 * (16 * 4 + 2)]);
  }
  // the last grid (predict mode: BatchNorm's running statistics have settled by then) varies within and across samples
  const png = pngjs.PNG.sync.read(readFileSync(join(out, "samples-epoch-04.png")));
  const colours = new Set<number>();
  const tileMeans: number[] = [];
  for (let t = 0; t < 9; t++) {
    let sum = 0;
    for (let y = 0; y < 64; y++)
      for (let x = 0; x < 64; x++) {
        const o = ((2 + Math.floor(t / 3) * 66 + y) * png.width + 2 + (t % 3) * 66 + x) * 4;
        colours.add(png.data[o]! * 65536 + png.data[o + 1]! * 256 + png.data[o + 2]!);
        sum += png.data[o]! + png.data[o + 1]! + png.data[o + 2]!;
      }
    tileMeans.push(sum / (64 * 64 * 3));
  }
  assert.ok(colours.size > 200, `only ${colours.size} colours in the samples`);
  assert.ok(Math.max(...tileMeans) - Math.min(...tileMeans) > 1, `tiles alike: means ${tileMeans.map((m) => m.toFixed(1))}`);
  const svg = readFileSync(join(out, "loss.svg"), "utf8");
  assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.equal((svg.match(/<path /g) ?? []).length, 4);
  assert.ok(existsSync(join(out, "checkpoint", "latest.json")));
});

test("checkpoint and resume: 2 + 2 batches equal 4 uninterrupted, bit for bit", async () => {
  const straight = await trainDCGAN({ ...tiny, out: fresh("straight"), maxBatches: 4 });
  assert.equal(straight.stopped, true);
  assert.deepEqual([straight.epoch, straight.batch], [0, 4]);
  const out = fresh("resumed");
  const first = await trainDCGAN({ ...tiny, out, maxBatches: 2 });
  assert.deepEqual([first.epoch, first.batch, first.stopped], [0, 2, true]);
  const second = await trainDCGAN({ ...tiny, out, maxBatches: 2, resume: true });
  assert.deepEqual(second.resumedFrom, { epoch: 0, batch: 2 });
  assert.deepEqual([second.epoch, second.batch], [0, 4]);
  assertSameParameters(straight.generator, second.generator, "generator");
  assertSameParameters(straight.discriminator, second.discriminator, "discriminator");
  assert.deepEqual(second.history, straight.history);
  // across an epoch boundary too: 4 + 4 batches (6 per epoch) equal 8
  const eight = await trainDCGAN({ ...tiny, out: fresh("eight"), maxBatches: 8, pictures: false });
  const third = await trainDCGAN({ ...tiny, out, maxBatches: 4, resume: true, pictures: false });
  assert.deepEqual([third.epoch, third.batch], [1, 2]);
  assertSameParameters(eight.generator, third.generator, "generator");
  assertSameParameters(eight.discriminator, third.discriminator, "discriminator");
});

test("resume refuses a checkpoint of another architecture and a damaged one; --fresh starts over only when asked", async () => {
  const out = fresh("bad");
  await assert.rejects(trainDCGAN({ ...tiny, out, resume: true }), /no checkpoint to resume in .*checkpoint \(run without --resume to start\)/);
  await trainDCGAN({ ...tiny, out, maxBatches: 1 });
  await assert.rejects(
    trainDCGAN({ ...tiny, width: 8, out, resume: true }),
    /checkpoint .*step-0000001-\w+ is from another architecture \(imageSize 16, width 4, latentDim 8, loss bce\); this run has imageSize 16, width 8, latentDim 8, loss bce/,
  );
  await assert.rejects(trainDCGAN({ ...tiny, batchSize: 8, out, resume: true }), /was made with seed 0, datasetSize 24, batchSize 4/);
  const named = (JSON.parse(readFileSync(join(out, "checkpoint", "latest.json"), "utf8")) as { checkpoint: string }).checkpoint;
  assert.match(named, /^step-0000001-\w+$/);
  const folder = join(out, "checkpoint", named);
  const gen = join(folder, "generator.safetensors");
  const bytes = readFileSync(gen);
  writeFileSync(gen, bytes.subarray(0, bytes.length - 100));
  await assert.rejects(
    trainDCGAN({ ...tiny, out, resume: true }),
    /checkpoint .*generator\.safetensors is damaged \(its SHA-256 differs from the one in latest\.json\); run with --fresh to start over/,
  );
  const r = await trainDCGAN({ ...tiny, out, resume: true, fresh: true, maxBatches: 1 });
  assert.equal(r.resumedFrom, null);
  assert.deepEqual([r.epoch, r.batch], [0, 1]);
  const left = readdirSync(join(out, "checkpoint")).sort();
  assert.equal(left.length, 2);
  assert.equal(left[0], "latest.json");
  assert.match(left[1]!, /^step-0000001-\w+$/);
  assert.notEqual(left[1], named);
});

test("--loss wgan-gp: a critic without BatchNorm trains on the gradient penalty; pictures, plot and checkpoints as with bce", async () => {
  const out = fresh("wgan");
  const r = await trainDCGAN({ ...tiny, out, epochs: 2, loss: "wgan-gp" });
  assert.deepEqual([r.epoch, r.batchesRun], [2, 12]);
  const names = r.discriminator.collectParams().keys();
  assert.ok(names.length > 0 && names.every((n) => !/gamma|beta|running/.test(n)), `BatchNorm in the critic: ${names.join(", ")}`);
  for (const [, lD, lG] of [...r.history.epochs, ...r.history.batches]) assert.ok(Number.isFinite(lD) && Number.isFinite(lG));
  // D(fake) − D(real) + λ·(‖∇‖ − 1)² at N(0, 0.02) weights: the gradient is ~0, so the penalty term ≈ λ dominates
  assert.ok(r.history.batches[0]![1] > 5, `first critic loss ${r.history.batches[0]![1]}`);
  for (const e of ["01", "02"]) assert.ok(existsSync(join(out, `samples-epoch-${e}.png`)));
  assert.match(readFileSync(join(out, "loss.svg"), "utf8"), /WGAN-GP losses/);
  await assert.rejects(trainDCGAN({ ...tiny, out, resume: true, epochs: 3 }), /is from another architecture \(.*loss wgan-gp\); this run has .*loss bce/);
  const more = await trainDCGAN({ ...tiny, out, resume: true, epochs: 3, loss: "wgan-gp", pictures: false });
  assert.deepEqual([more.epoch, more.batchesRun], [3, 6]);
});

function cliArgs(out: string, ...more: string[]) {
  return ["--import", "tsx", join(root, "examples/dcgan.ts"), "--size", "16", "--width", "4", "--data", "64", "--batch", "4", "--out", out, ...more];
}

test("CLI: an output folder that cannot be made is one line and exit code 1", () => {
  const dir = fresh("cli");
  writeFileSync(join(dir, "file"), "x");
  const r = spawnSync(process.execPath, cliArgs(join(dir, "file", "sub")), { encoding: "utf8", cwd: root });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^demo:dcgan: cannot write to output folder .*file\/sub: a file is in the way\n$/);
  const bad = spawnSync(process.execPath, cliArgs(dir, "--size", "24"), { encoding: "utf8", cwd: root });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^demo:dcgan: DCGAN: imageSize=24 must be 16 or 32\n$/);
});

test("CLI: Ctrl-C stops after the current batch and saves a checkpoint that --resume continues", async () => {
  const out = fresh("sigint");
  const child = spawn(process.execPath, cliArgs(out, "--epochs", "50"), { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => {
    child.stdout.on("data", (d) => {
      stdout += d;
      if (/batch \d+\/16/.test(stdout) && !child.killed) child.kill("SIGINT");
    });
    child.on("exit", (c) => resolve(c));
  });
  assert.equal(code, 130, stderr);
  assert.match(stderr, /stopping after this batch and saving a checkpoint/);
  assert.match(stdout, /stopped at epoch \d+, batch \d+; checkpoint saved in .*checkpoint \(continue with --resume\)/);
  const latest = JSON.parse(readFileSync(join(out, "checkpoint", "latest.json"), "utf8")) as { checkpoint: string };
  assert.ok(existsSync(join(out, "checkpoint", latest.checkpoint, "generator.safetensors")));
  const r = await trainDCGAN({ imageSize: 16, width: 4, datasetSize: 64, batchSize: 4, out, resume: true, maxBatches: 1, quiet: true, pictures: false });
  assert.notEqual(r.resumedFrom, null);
});

/** history.batches ([x, loss_D, loss_G] per batch, full precision) of the checkpoint in `out`. */
function checkpointHistory(out: string): number[][] {
  const latest = JSON.parse(readFileSync(join(out, "checkpoint", "latest.json"), "utf8")) as { checkpoint: string };
  return (JSON.parse(readFileSync(join(out, "checkpoint", latest.checkpoint, "progress.json"), "utf8")) as { history: { batches: number[][] } }).history
    .batches;
}

test("CLI --gpu trains on gpu(0) (the `webgpu` package in Node) and resumes from its own checkpoint; every batch's losses equal an unbroken CPU run's", (t) => {
  const outG = fresh("gpu");
  const outC = fresh("gpu-cpu");
  const run = (out: string, ...more: string[]) => spawnSync(process.execPath, cliArgs(out, "--data", "8", ...more), { encoding: "utf8", cwd: root });
  const first = run(outG, "--epochs", "1", "--gpu");
  assert.equal(first.status, 0, first.stderr);
  const why = first.stdout.match(/--gpu: no WebGPU adapter \((.*)\); running on cpu\(0\)/);
  if (why) {
    console.log(`# dcgan --gpu test skipped: ${why[1]}`);
    t.skip(`no WebGPU adapter: ${why[1]}`);
    return;
  }
  assert.match(first.stdout, /^device: gpu\(0\)$/m);
  assert.match(first.stdout, /^DCGAN 16×16, .*, gpu\(0\)$/m);
  // the checkpoint of a GPU run (parameters and Adam's states read back first) continues on gpu(0)
  const second = run(outG, "--epochs", "2", "--resume", "--gpu");
  assert.equal(second.status, 0, second.stderr);
  assert.match(second.stdout, /^device: gpu\(0\)$/m);
  assert.match(second.stdout, /resuming from .*: epoch 2, batch 1/);
  const cpu = run(outC, "--epochs", "2");
  assert.equal(cpu.status, 0, cpu.stderr);
  assert.match(cpu.stdout, /^device: cpu\(0\)$/m);
  const g = checkpointHistory(outG),
    c = checkpointHistory(outC);
  assert.equal(g.length, 4);
  assert.equal(c.length, 4);
  // float32 rounding differs between the devices (measured ≤ 5e-7 here); Adam's ±lr·sign(g) steps could turn a
  // rounding flip of a near-zero gradient into a full-size difference, which 1e-4 would still catch
  for (let i = 0; i < 4; i++)
    for (const j of [1, 2])
      assert.ok(Math.abs(g[i]![j]! - c[i]![j]!) <= 1e-4, `batch ${i + 1} ${j === 1 ? "loss_D" : "loss_G"}: gpu(0) ${g[i]![j]}, cpu(0) ${c[i]![j]}`);
  for (const e of ["01", "02"]) assert.ok(existsSync(join(outG, `samples-epoch-${e}.png`)));
});
