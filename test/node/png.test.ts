// tconv/node readPNG / writePNG: round trips through pngjs, and one-line errors naming the file.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pngjs from "pngjs";
import { np } from "../../src/index.js";
import { readPNG, writePNG } from "../../src/node/index.js";

const dir = mkdtempSync(join(tmpdir(), "tconv-png-"));

test("writePNG then readPNG gives back the RGBA bytes", () => {
  const data = Uint8ClampedArray.from({ length: 5 * 3 * 4 }, (_, i) => (i * 53 + 7) & 255);
  const path = join(dir, "bytes.png");
  writePNG(path, { data, width: 5, height: 3 });
  const back = readPNG(path);
  assert.equal(back.width, 5);
  assert.equal(back.height, 3);
  assert.deepEqual(Array.from(back.data), Array.from(data));
});

test("writePNG of an array [3, H, W] in [0, 1] writes round(255·v), alpha 255; pngjs decodes it", () => {
  const path = join(dir, "array.png");
  writePNG(path, np.array([[[0, 1]], [[0.5, 0.2]], [[1, 0]]]));
  const png = pngjs.PNG.sync.read(readFileSync(path));
  assert.equal(png.width, 2);
  assert.equal(png.height, 1);
  assert.deepEqual(Array.from(png.data), [0, 128, 255, 255, 255, 51, 0, 255]);
});

test("readPNG reads a grey PNG written by pngjs as RGBA", () => {
  const png = new pngjs.PNG({ width: 2, height: 1 });
  png.data = Buffer.from([10, 10, 10, 255, 200, 200, 200, 255]);
  const path = join(dir, "grey.png");
  writeFileSync(path, pngjs.PNG.sync.write(png, { colorType: 0 }));
  assert.deepEqual(Array.from(readPNG(path).data), [10, 10, 10, 255, 200, 200, 200, 255]);
});

test("readPNG / writePNG errors name the file and the problem", () => {
  const missing = join(dir, "missing.png");
  assert.throws(() => readPNG(missing), { message: `readPNG: cannot read ${missing}: no such file or directory` });
  const text = join(dir, "text.png");
  writeFileSync(text, "not a picture");
  assert.throws(() => readPNG(text), { message: `readPNG: ${text} is not a PNG file (no PNG signature)` });
  const good = readFileSync(join(dir, "bytes.png"));
  const cut = join(dir, "cut.png");
  writeFileSync(cut, good.subarray(0, 40));
  assert.throws(() => readPNG(cut), new RegExp(`^Error: readPNG: ${cut.replace(/[.]/g, "\\.")} is a damaged PNG: `));
  const nowhere = join(dir, "no-such-folder", "x.png");
  assert.throws(() => writePNG(nowhere, np.zeros([3, 2, 2])), { message: `writePNG: cannot write ${nowhere}: no such file or directory` });
});
