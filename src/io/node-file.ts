// Node file access for checkpoints: whole-file reads and atomic writes (temporary file, fsync, rename), loaded lazily.
//
// Builtins come from process.getBuiltinModule (Node ≥ 20.16) so that browser bundles of the library never import
// node:fs; there the byte-array variants (saveParametersToBytes …) are the way in and out.

/** The part of node:fs the writer uses; tests pass a wrapper that fails at a chosen call. */
export interface FileSystem {
  openSync(path: string, flags: string, mode?: number): number;
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number): number;
  fsyncSync(fd: number): void;
  closeSync(fd: number): void;
  renameSync(from: string, to: string): void;
  unlinkSync(path: string): void;
  readFileSync(path: string): Uint8Array;
  statSync(path: string): { isFile(): boolean; size: number };
}

interface PathModule {
  dirname(p: string): string;
  basename(p: string): string;
  join(...p: string[]): string;
}

function builtin<T>(id: string, op: string): T {
  const p = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (typeof p?.getBuiltinModule !== "function")
    throw new Error(`${op}: files need Node ≥ 20.16; in a browser use the byte-array variant (e.g. saveParametersToBytes / loadParametersFromBytes)`);
  return p.getBuiltinModule(id) as T;
}

export function nodeFs(op: string): FileSystem {
  return builtin<FileSystem>("node:fs", op);
}

function checkPath(path: unknown, op: string): string {
  if (typeof path !== "string" || path.length === 0) throw new Error(`${op}: path must be a non-empty string, got ${JSON.stringify(path)}`);
  return path;
}

/** The whole file; errors say `${op}: ${path}: …`. */
export function readWholeFile(path: string, op: string, fs: FileSystem = nodeFs(op)): Uint8Array {
  checkPath(path, op);
  let isFile: boolean;
  try {
    isFile = fs.statSync(path).isFile();
  } catch (e) {
    throw new Error(`${op}: ${path}: cannot read the file (${(e as Error).message})`);
  }
  // a device or a pipe (/dev/zero, a FIFO) could be endless: only regular files are read
  if (!isFile) throw new Error(`${op}: ${path}: not a regular file`);
  try {
    const b = fs.readFileSync(path);
    // a plain Uint8Array over the Buffer's bytes, so that slice() copies as it does everywhere else
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    throw new Error(`${op}: ${path}: cannot read the file (${(e as Error).message})`);
  }
}

let tempCounter = 0;
const TEMP_PREFIX = ".tconv-";
const TEMP_NAME = /^\.tconv-(\d+)-\d+\.tmp$/;

/**
 * Removes the temporary files that killed saves left in `dir` (`.tconv-<pid>-<n>.tmp` of a process that no longer
 * runs); a live process's temp may be a save in progress and stays. Best effort: any failure leaves the file.
 */
export function sweepStaleTemps(dir: string): number {
  let removed = 0;
  try {
    const fs = builtin<{ readdirSync(p: string): string[]; unlinkSync(p: string): void }>("node:fs", "sweep");
    const pathMod = builtin<PathModule>("node:path", "sweep");
    for (const name of fs.readdirSync(dir)) {
      const m = TEMP_NAME.exec(name);
      if (!m || processAlive(Number(m[1]))) continue;
      try {
        fs.unlinkSync(pathMod.join(dir, name));
        removed++;
      } catch {
        /* gone already, or not ours to remove */
      }
    }
  } catch {
    /* no folder listing here: nothing to sweep */
  }
  return removed;
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"; // exists, owned by someone else
  }
}

/**
 * Writes `bytes` to a temporary file beside `path`, flushes it to disk, then renames it over `path`, so that `path`
 * names either the previous file or the complete new one, never a partial one. On failure the temporary file is
 * removed and the previous file is left as it was.
 */
export function writeFileAtomic(path: string, bytes: Uint8Array, op: string, fs: FileSystem = nodeFs(op)): void {
  checkPath(path, op);
  const pathMod = builtin<PathModule>("node:path", op);
  const dir = pathMod.dirname(path);
  // a short name of its own (not the target's name plus a suffix): a 250-character file name is legal, its temp must be too
  const temp = pathMod.join(dir, `${TEMP_PREFIX}${process.pid}-${++tempCounter}.tmp`);
  let fd: number | null = null;
  try {
    fd = fs.openSync(temp, "wx", 0o644);
    let done = 0;
    while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = null;
    fs.renameSync(temp, path);
  } catch (e) {
    if (fd !== null)
      try {
        fs.closeSync(fd);
      } catch {
        /* already failing; the original error is the one to report */
      }
    try {
      fs.unlinkSync(temp);
    } catch {
      /* the temporary file may never have been created */
    }
    throw new Error(`${op}: ${path}: the save failed (${(e as Error).message}); the previous file, if any, is unchanged`);
  }
  // make the rename itself durable; some platforms cannot open or fsync a folder, which is not an error
  try {
    const dfd = fs.openSync(dir, "r");
    try {
      fs.fsyncSync(dfd);
    } finally {
      fs.closeSync(dfd);
    }
  } catch {
    /* best effort */
  }
  // the save succeeded: temps of earlier saves killed mid-write are garbage now
  sweepStaleTemps(dir);
}
