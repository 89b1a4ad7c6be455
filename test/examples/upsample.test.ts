// The upsampling demo: exact bilinear interpolation in the interior, PNG sizes, the comparison strip, and its CLI errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pngjs from "pngjs";
import { d2l, np, type NDArray } from "tconv";
import { readPNG, writePNG } from "tconv/node";
import { bilinearUpsampler, checkerboard, nearest, upsample, SCALES } from "../../examples/upsample.js";
import { drawTestCard } from "../../examples/test-card.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "tconv-upsample-"));

/** f(x, y) = 2x + 3y + 10 per channel (+ 20·c): whole bytes, so the PNG holds it exactly. */
const ramp = (x: number, y: number, c: number) => 2 * x + 3 * y + 10 + 20 * c;

function rampArray(h: number, w: number): NDArray {
  const a = np.zeros([1, 3, h, w]);
  for (let c = 0; c < 3; c++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) a.at(0, c, y, x).set(ramp(x, y, c) / 255);
  return a;
}

/**
 * Bilinear interpolation with half-pixel centres reads input position (o + ½)/s − ½; on a linear ramp it equals the
 * ramp there. Interior: outputs whose position lies in [0, n − 1] on both axes (the rest sees the zero padding).
 */
test("a linear ramp upsampled by §14.11's transposed conv equals exact bilinear interpolation in the interior", () => {
  for (const s of [2, 4, 8] as const) {
    const h = 9;
    const w = 11;
    const y = bilinearUpsampler(s).forward(rampArray(h, w));
    assert.deepEqual(y.shape, [1, 3, h * s, w * s]);
    const out = y.asTypedArray();
    let worst = 0;
    let interior = 0;
    for (let c = 0; c < 3; c++)
      for (let oy = 0; oy < h * s; oy++)
        for (let ox = 0; ox < w * s; ox++) {
          const py = (oy + 0.5) / s - 0.5;
          const px = (ox + 0.5) / s - 0.5;
          if (py < 0 || py > h - 1 || px < 0 || px > w - 1) continue;
          interior++;
          worst = Math.max(worst, Math.abs(out[(c * h * s + oy) * w * s + ox]! * 255 - ramp(px, py, c)));
        }
    assert.ok(interior >= 3 * (h - 1) * (w - 1) * s * s, `scale ${s}: ${interior} interior pixels`);
    assert.ok(worst < 1e-3, `scale ${s}: max |out − exact| = ${worst} (in 0…255 units)`);
  }
});

test("upsample() writes a PNG of the expected size whose interior bytes are the rounded bilinear values", async () => {
  const h = 12;
  const w = 16;
  const inPath = join(dir, "ramp.png");
  writePNG(inPath, rampArray(h, w));
  const outPath = join(dir, "ramp-x4.png");
  const r = await upsample(inPath, outPath, { scale: 4, quiet: true });
  assert.deepEqual(r.inputShape, [h, w, 3]);
  assert.deepEqual(r.outputShape, [4 * h, 4 * w, 3]);
  const png = pngjs.PNG.sync.read(readFileSync(outPath));
  assert.equal(png.width, 4 * w);
  assert.equal(png.height, 4 * h);
  for (let oy = 2; oy < 4 * h - 2; oy++)
    for (let ox = 2; ox < 4 * w - 2; ox++)
      for (let c = 0; c < 3; c++) {
        const exact = ramp((ox + 0.5) / 4 - 0.5, (oy + 0.5) / 4 - 0.5, c);
        const got = png.data[(oy * 4 * w + ox) * 4 + c]!;
        assert.ok(Math.abs(got - exact) <= 0.5 + 1e-3, `(${oy}, ${ox}, ${c}): ${got} vs ${exact}`);
      }
});

test("--compare strip: nearest | bilinear | checkerboard, each scale× the input, separated by 8-pixel gaps", async () => {
  const inPath = join(dir, "card.png");
  writePNG(inPath, drawTestCard(32));
  const r = await upsample(inPath, join(dir, "card-x2.png"), { scale: 2, compare: true, quiet: true });
  assert.equal(r.comparePath, join(dir, "card-x2-compare.png"));
  const png = pngjs.PNG.sync.read(readFileSync(r.comparePath!));
  assert.equal(png.height, 64);
  assert.equal(png.width, 3 * 64 + 2 * 8);
});

test("the checkerboard panel's gain pattern is d2l.overlapCount × 4/9; nearest repeats pixels", () => {
  const x = np.ones([1, 3, 6, 6]);
  const counts = d2l.overlapCount({ kernelSize: 3, strides: 2, padding: 1, outputPadding: 1 }, [6, 6]);
  const cb = checkerboard(x);
  assert.deepEqual(cb.shape, [1, 3, 12, 12]);
  for (let c = 0; c < 3; c++)
    assert.ok(
      cb
        .at(0, c)
        .sub(counts.mul(4 / 9))
        .abs()
        .max()
        .item() < 1e-6,
    );
  const seen = new Set(Array.from(cb.at(0, 0, "1:11", "1:11").asTypedArray(), (v) => Math.round(v * 9)));
  assert.deepEqual(
    [...seen].sort((a, b) => a - b),
    [4, 8, 16],
  );
  const small = np.array([
    [
      [
        [1, 2],
        [3, 4],
      ],
    ],
  ]);
  assert.deepEqual(nearest(small, 2).tolist(), [
    [
      [
        [1, 1, 2, 2],
        [1, 1, 2, 2],
        [3, 3, 4, 4],
        [3, 3, 4, 4],
      ],
    ],
  ]);
});

test("docs/sample.png is the test card drawTestCard(256) draws (scripts/make-sample-image.ts wrote it)", () => {
  const committed = readPNG(join(root, "docs/sample.png"));
  const drawn = drawTestCard(256);
  assert.deepEqual([committed.width, committed.height], [256, 256]);
  assert.ok(Buffer.from(committed.data).equals(Buffer.from(drawn.data)));
});

function cli(...args: string[]) {
  return spawnSync(process.execPath, ["--import", "tsx", join(root, "examples/upsample.ts"), ...args], { encoding: "utf8", cwd: root });
}

test("CLI: prints the shapes as the book; bad input gives one line naming the file, exit code 1, no stack", () => {
  const ok = cli(join(dir, "card.png"), join(dir, "cli.png"));
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /^input image shape: \(32, 32, 3\)\noutput image shape: \(64, 64, 3\)\n/);
  const text = join(dir, "notes.txt");
  writeFileSync(text, "hello");
  const cases: [string[], RegExp][] = [
    [[join(dir, "nope.png"), join(dir, "o.png")], /cannot read .*nope\.png: no such file or directory/],
    [[text, join(dir, "o.png")], /notes\.txt is not a PNG file/],
    [[join(dir, "card.png"), join(dir, "o.png"), "--scale", "3"], /unsupported scale 3: use one of 2, 4, 8, 32/],
    [[join(dir, "card.png"), join(dir, "missing-folder", "o.png")], /cannot write .*missing-folder.*o\.png: folder .* does not exist or is not writable/],
  ];
  for (const [args, message] of cases) {
    const r = cli(...args);
    assert.equal(r.status, 1, `${args.join(" ")}: exit ${r.status}`);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
  assert.deepEqual([...SCALES], [2, 4, 8, 32]);
});

test("CLI --gpu: the layer runs on gpu(0) and writes the CPU's PNG (bytes within 1 of the CPU run's)", (t) => {
  const gpu = cli(join(dir, "card.png"), join(dir, "cli-gpu.png"), "--gpu");
  assert.equal(gpu.status, 0, gpu.stderr);
  const why = gpu.stdout.match(/--gpu: no WebGPU adapter \((.*)\); running on cpu\(0\)/);
  if (why) {
    console.log(`# upsample --gpu test skipped: ${why[1]}`);
    t.skip(`no WebGPU adapter: ${why[1]}`);
    return;
  }
  assert.match(gpu.stdout, /^device: gpu\(0\)$/m);
  assert.match(gpu.stdout, /wrote .*cli-gpu\.png: scale 2 in \d+ ms \(gpu\(0\)\)/);
  const cpu = cli(join(dir, "card.png"), join(dir, "cli-cpu.png"));
  assert.equal(cpu.status, 0, cpu.stderr);
  const a = readPNG(join(dir, "cli-gpu.png")),
    b = readPNG(join(dir, "cli-cpu.png"));
  assert.deepEqual([a.width, a.height], [64, 64]);
  assert.deepEqual([b.width, b.height], [64, 64]);
  let worst = 0;
  for (let i = 0; i < b.data.length; i++) worst = Math.max(worst, Math.abs(a.data[i]! - b.data[i]!));
  assert.ok(worst <= 1, `largest byte difference between the GPU and CPU images: ${worst}`);
});
