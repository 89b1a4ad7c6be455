// Atomic checkpoint writes: the target holds the old or the new bytes, never a partial file; failures clean up.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { type FileSystem, readWholeFile, writeFileAtomic } from "../../src/io/node-file.js";

function tempFolder(): string {
  return fs.mkdtempSync(join(tmpdir(), "tconv-io-"));
}

/** node:fs with one call replaced. */
function failing(overrides: Partial<FileSystem>): FileSystem {
  return {
    openSync: fs.openSync,
    writeSync: (fd, b, o, l) => fs.writeSync(fd, b, o, l),
    fsyncSync: fs.fsyncSync,
    closeSync: fs.closeSync,
    renameSync: fs.renameSync,
    unlinkSync: fs.unlinkSync,
    readFileSync: (p) => fs.readFileSync(p),
    statSync: (p) => fs.statSync(p),
    ...overrides,
  };
}

const OLD = new Uint8Array([1, 2, 3, 4]);
const NEW = new Uint8Array(Array.from({ length: 1000 }, (_, i) => i & 255));

test("writeFileAtomic creates and then replaces the file, leaving no temporary file", () => {
  const dir = tempFolder();
  const path = join(dir, "model.safetensors");
  writeFileAtomic(path, OLD, "save");
  assert.deepEqual(new Uint8Array(fs.readFileSync(path)), OLD);
  writeFileAtomic(path, NEW, "save");
  assert.deepEqual(new Uint8Array(fs.readFileSync(path)), NEW);
  assert.deepEqual(fs.readdirSync(dir), ["model.safetensors"]);
  fs.rmSync(dir, { recursive: true });
});

test("a rename that fails leaves the old file whole and removes the temporary file", () => {
  const dir = tempFolder();
  const path = join(dir, "model.safetensors");
  writeFileAtomic(path, OLD, "save");
  const fsx = failing({
    renameSync: () => {
      throw new Error("EXDEV: simulated rename failure");
    },
  });
  assert.throws(() => writeFileAtomic(path, NEW, "saveParameters", fsx), {
    message: `saveParameters: ${path}: the save failed (EXDEV: simulated rename failure); the previous file, if any, is unchanged`,
  });
  assert.deepEqual(new Uint8Array(fs.readFileSync(path)), OLD);
  assert.deepEqual(fs.readdirSync(dir), ["model.safetensors"]);
  fs.rmSync(dir, { recursive: true });
});

test("a disk that fills up halfway through the write leaves the old file whole", () => {
  const dir = tempFolder();
  const path = join(dir, "model.safetensors");
  writeFileAtomic(path, OLD, "save");
  let calls = 0;
  const fsx = failing({
    // the first call writes half the bytes, the second fails as a full disk would
    writeSync: (fd, b, o, l) => {
      if (calls++ === 0) return fs.writeSync(fd, b, o, Math.floor(l / 2));
      throw new Error("ENOSPC: no space left on device, write");
    },
  });
  assert.throws(() => writeFileAtomic(path, NEW, "saveParameters", fsx), /ENOSPC.*the previous file, if any, is unchanged/);
  assert.equal(calls, 2);
  assert.deepEqual(new Uint8Array(fs.readFileSync(path)), OLD);
  assert.deepEqual(fs.readdirSync(dir), ["model.safetensors"]);
  fs.rmSync(dir, { recursive: true });
});

test("a failing fsync stops the save before the rename", () => {
  const dir = tempFolder();
  const path = join(dir, "model.safetensors");
  writeFileAtomic(path, OLD, "save");
  const fsx = failing({
    fsyncSync: () => {
      throw new Error("EIO: i/o error, fsync");
    },
  });
  assert.throws(() => writeFileAtomic(path, NEW, "saveParameters", fsx), /EIO/);
  assert.deepEqual(new Uint8Array(fs.readFileSync(path)), OLD);
  assert.deepEqual(fs.readdirSync(dir), ["model.safetensors"]);
  fs.rmSync(dir, { recursive: true });
});

test("a folder that cannot be written to (here: a file in its place) gives an Error naming the path", () => {
  const dir = tempFolder();
  const notAFolder = join(dir, "plain-file");
  fs.writeFileSync(notAFolder, "x");
  const path = join(notAFolder, "model.safetensors");
  assert.throws(
    () => writeFileAtomic(path, NEW, "saveParameters"),
    (e: Error) => e.message.startsWith(`saveParameters: ${path}: the save failed (`),
  );
  assert.equal(fs.readFileSync(notAFolder, "utf8"), "x");
  fs.rmSync(dir, { recursive: true });
});

test("readWholeFile names the path of a file that does not exist; bad paths are rejected", () => {
  assert.throws(
    () => readWholeFile("/nonexistent/model.safetensors", "loadParameters"),
    /^Error: loadParameters: \/nonexistent\/model\.safetensors: cannot read the file \(ENOENT/,
  );
  assert.throws(() => readWholeFile("" as string, "loadParameters"), /loadParameters: path must be a non-empty string, got ""/);
  assert.throws(() => readWholeFile("/dev/zero", "loadParameters"), { message: "loadParameters: /dev/zero: not a regular file" });
  assert.throws(() => readWholeFile(tmpdir(), "loadParameters"), { message: `loadParameters: ${tmpdir()}: not a regular file` });
  assert.throws(() => writeFileAtomic(42 as unknown as string, NEW, "saveParameters"), /saveParameters: path must be a non-empty string, got 42/);
});
